"""The per-connection circuit breaker: on its own with a fake clock, inside the transport
and runner with an httpx mock transport, and once through a handler against a sandbox."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from aptura.engine import http
from aptura.engine.breaker import CircuitBreaker, CircuitOpen, is_failure
from aptura.engine.http import Deadline, PreparedRequest, Transport
from aptura.engine.runner import Connection, Runner, default_transport
from aptura.errors import AptError
from aptura.spec.loader import parse_spec
from tests.resilience.conftest import Provider, provision


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker(threshold=3, cooldown=30, clock=clock)


def fail(breaker: CircuitBreaker, key: str = "conn_a", times: int = 1) -> None:
    for _ in range(times):
        breaker.before(key)
        breaker.after(key, failed=True)


def test_opens_after_n_consecutive_failures_and_fails_fast(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, times=2)
    assert breaker.state("conn_a") == "closed"
    fail(breaker)
    assert breaker.state("conn_a") == "open"
    clock.now += 12.5
    with pytest.raises(CircuitOpen) as info:
        breaker.before("conn_a")
    error = info.value
    assert (error.status, error.code) == (503, "provider_unavailable")
    assert "circuit is open for this connection" in error.message
    assert error.retry_after == 18 and error.headers() == {"Retry-After": "18"}  # ceil(30 - 12.5)
    assert error.details == {"circuit": "open", "consecutive_failures": 3, "retry_after_seconds": 18}
    assert set(error.body()) == {"error", "message", "details"}


def test_a_success_resets_the_count(breaker: CircuitBreaker) -> None:
    fail(breaker, times=2)
    breaker.before("conn_a")
    breaker.after("conn_a", failed=False)
    fail(breaker, times=2)
    assert breaker.state("conn_a") == "closed"


def test_circuits_are_per_connection(breaker: CircuitBreaker) -> None:
    fail(breaker, "conn_a", times=3)
    breaker.before("conn_b")  # unaffected
    with pytest.raises(CircuitOpen):
        breaker.before("conn_a")


def test_half_open_lets_one_trial_through_and_its_success_closes(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, times=3)
    clock.now += 30
    assert breaker.state("conn_a") == "half-open"
    breaker.before("conn_a")  # the trial
    with pytest.raises(CircuitOpen) as info:
        breaker.before("conn_a")  # everyone else while the trial is out
    assert info.value.retry_after == 1
    breaker.after("conn_a", failed=False)
    assert breaker.state("conn_a") == "closed"
    breaker.before("conn_a")
    breaker.before("conn_a")


def test_a_failed_trial_opens_the_circuit_again(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, times=3)
    clock.now += 31
    fail(breaker)  # the trial fails
    assert breaker.state("conn_a") == "open"
    with pytest.raises(CircuitOpen) as info:
        breaker.before("conn_a")
    assert info.value.retry_after == 30  # a fresh cool-down


def test_a_trial_without_verdict_frees_the_slot(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, times=3)
    clock.now += 30
    breaker.before("conn_a")
    breaker.after("conn_a", failed=None)  # e.g. a bug, not the provider
    breaker.before("conn_a")  # another trial may go


def test_what_counts_as_a_failure() -> None:
    assert all(is_failure(s) for s in (500, 502, 503, 504))
    assert not any(is_failure(s) for s in (200, 201, 400, 401, 403, 404, 409, 422, 429, 501))


def test_thresholds_from_the_environment(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> None:
    default = CircuitBreaker(clock=clock)
    assert (default.threshold, default.cooldown) == (5, 30.0)
    monkeypatch.setenv("APTURA_BREAKER_FAILURES", "2")
    monkeypatch.setenv("APTURA_BREAKER_COOLDOWN", "7")
    fail(default, times=2)
    with pytest.raises(CircuitOpen) as info:
        default.before("conn_a")
    assert info.value.retry_after == 7
    monkeypatch.setenv("APTURA_BREAKER_FAILURES", "0")  # off
    default.before("conn_a")
    monkeypatch.setenv("APTURA_BREAKER_FAILURES", "five")  # a typo falls back to the default
    assert default.threshold == 5


def test_concurrent_calls_let_exactly_one_trial_through(breaker: CircuitBreaker, clock: Clock) -> None:
    fail(breaker, times=3)
    clock.now += 30
    allowed: list[int] = []
    start = threading.Barrier(8)

    def call(i: int) -> None:
        start.wait()
        try:
            breaker.before("conn_a")
            allowed.append(i)
        except CircuitOpen:
            pass

    threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(allowed) == 1


# -- in the transport and runner ----------------------------------------------------------------

SPEC = """
id: demo
name: Demo
environments: {live: {base_url: "https://live.example/api"}, test: {base_url: "https://test.example/api"}}
connection: {config: {}, secrets: {}}
operations:
  availability.list: {steps: [{id: a, request: {path: /r}}], output: steps.a}
  appointments.create:
    steps:
      - {id: made, request: {method: POST, path: /w}, compensate: {method: DELETE, path: /w/1}}
      - {id: read_back, request: {path: /w/1}}
    output: steps.made
"""


def mock(handler: Callable[[httpx.Request], httpx.Response], breaker: CircuitBreaker) -> Transport:
    return Transport(httpx.Client(transport=httpx.MockTransport(handler)), breaker=breaker)


def runner_for(transport: Transport, connection_id: str = "conn_1") -> Runner:
    return Runner(parse_spec(SPEC, "demo.yaml"), Connection(connection_id, "demo", "test", {}, {}),
                  transport=transport)


@pytest.fixture()
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http.time, "sleep", lambda s: None)


@pytest.mark.parametrize("fault", [
    lambda r: httpx.Response(500), lambda r: httpx.Response(502), lambda r: httpx.Response(503),
    lambda r: httpx.Response(504),
    lambda r: (_ for _ in ()).throw(httpx.ReadTimeout("slow", request=r)),
    lambda r: (_ for _ in ()).throw(httpx.RemoteProtocolError("reset", request=r)),
    lambda r: httpx.Response(200, text='{"a": [', headers={"content-type": "application/json"}),
], ids=["500", "502", "503", "504", "timeout", "reset", "malformed"])
def test_provider_failures_open_the_circuit_and_stop_the_calls(fault: Callable[[httpx.Request], httpx.Response],
                                                               clock: Clock, no_sleep: None) -> None:
    calls: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(req.method)
        return fault(req)

    transport = mock(handler, CircuitBreaker(threshold=3, cooldown=30, clock=clock))
    for _ in range(3):
        with pytest.raises(AptError) as info:
            runner_for(transport).run("availability.list", {})
        assert not isinstance(info.value, CircuitOpen)
    sent = len(calls)
    assert sent == 3 * http.MAX_ATTEMPTS  # retries inside one call count as one failure
    with pytest.raises(CircuitOpen) as info:
        runner_for(transport).run("availability.list", {})
    assert len(calls) == sent, "an open circuit sends nothing"
    assert info.value.retry_after == 30


@pytest.mark.parametrize("status", [400, 401, 404, 409, 422, 429, 501])
def test_refusals_never_open_the_circuit(status: int, clock: Clock, no_sleep: None) -> None:
    transport = mock(lambda r: httpx.Response(status, json={}), CircuitBreaker(threshold=2, cooldown=30, clock=clock))
    for _ in range(4):
        with pytest.raises(AptError) as info:
            runner_for(transport).run("availability.list", {})
        assert not isinstance(info.value, CircuitOpen)
    assert transport.breaker.state("conn_1") == "closed"


def test_half_open_trial_through_the_runner(clock: Clock, no_sleep: None) -> None:
    healthy = [False]

    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True}) if healthy[0] else httpx.Response(503)

    transport = mock(handler, CircuitBreaker(threshold=2, cooldown=30, clock=clock))
    for _ in range(2):
        with pytest.raises(AptError):
            runner_for(transport).run("availability.list", {})
    with pytest.raises(CircuitOpen):
        runner_for(transport).run("availability.list", {})
    clock.now += 30
    healthy[0] = True
    assert runner_for(transport).run("availability.list", {}) == {"ok": True}  # the trial
    assert transport.breaker.state("conn_1") == "closed"
    # Other connections were never affected.
    assert runner_for(transport, "conn_2").run("availability.list", {}) == {"ok": True}


def test_compensation_is_not_refused_by_an_open_circuit(clock: Clock, no_sleep: None) -> None:
    """The booking was made, reading it back opens the circuit: the undo must still be sent."""
    sent: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        sent.append(f"{req.method} {req.url.path}")
        if req.method == "POST":
            return httpx.Response(201, json={"id": 1})
        if req.method == "DELETE":
            return httpx.Response(204)
        return httpx.Response(503)

    transport = mock(handler, CircuitBreaker(threshold=1, cooldown=30, clock=clock))
    with pytest.raises(AptError) as info:
        runner_for(transport).run("appointments.create", {})
    assert info.value.status == 503 and not isinstance(info.value, CircuitOpen)
    assert transport.breaker.state("conn_1") == "open"
    # (test mode may route through APTURA_SANDBOX_URL's path prefix, set once the sandboxes run)
    assert sent[0].startswith("POST ") and sent[0].endswith("/api/w")
    assert sent[-1].startswith("DELETE ") and sent[-1].endswith("/api/w/1")


def test_no_circuit_without_a_connection(clock: Clock, no_sleep: None) -> None:
    transport = mock(lambda r: httpx.Response(503), CircuitBreaker(threshold=1, cooldown=30, clock=clock))
    for _ in range(3):
        assert transport.send(PreparedRequest("GET", "https://p.example/r"), Deadline(5)).status == 503


# -- through a handler, against a sandbox ------------------------------------------------------------

@pytest.fixture()
def supersaas(api_key: str, connections: dict[str, str], sandboxes: Any, fast: None,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    monkeypatch.setenv("APTURA_BREAKER_FAILURES", "2")
    monkeypatch.setenv("APTURA_BREAKER_COOLDOWN", "0.5")
    prov = provision("supersaas", api_key, connections, sandboxes, monkeypatch)
    yield prov
    prov.admin("reset")


def test_a_failing_provider_trips_the_circuit_of_its_connection(supersaas: Provider, clock: Clock,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # The container's breaker on a fake clock: a slow machine must not let the 0.5 s cool-down pass unseen.
    monkeypatch.setattr(default_transport().breaker, "_clock", clock)
    supersaas.faults({"path": ".*", "kind": "status", "status": 500})
    for _ in range(2):
        result = supersaas.availability()
        assert (result.status, result.body["error"]) == (502, "provider_error"), result
    sent = len(supersaas.received)
    assert sent == 2 * http.MAX_ATTEMPTS

    result = supersaas.availability()
    assert result.status == 503, result
    assert result.body["error"] == "provider_unavailable"
    assert "circuit is open for this connection" in result.body["message"]
    assert result.headers["retry-after"] == "1"  # ceil of the 0.5 s left
    assert len(supersaas.received) == sent, "fails fast: the provider is not called"

    supersaas.admin("faults", method="DELETE")  # the provider recovers
    clock.now += 0.5
    result = supersaas.availability()
    assert result.status == 200, result  # the half-open trial succeeded
    assert result.body["slots"]
    assert supersaas.availability().status == 200  # closed again
