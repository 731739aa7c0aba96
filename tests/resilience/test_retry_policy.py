"""The transport's retry policy against an httpx mock transport: which faults are retried,
how long it waits (capped exponential backoff with jitter, or the provider's Retry-After),
and that it never spends more than the request's time budget."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from aptura.engine import http
from aptura.engine.http import Deadline, PreparedRequest, Transport
from aptura.errors import AptError

Handler = Callable[[httpx.Request], httpx.Response]


def transport(handler: Handler) -> Transport:
    return Transport(httpx.Client(transport=httpx.MockTransport(handler)))


def counting(answer: Handler) -> tuple[Handler, list[str]]:
    calls: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(req.method)
        return answer(req)

    return handler, calls


def timeout(req: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("slow", request=req)


def reset(req: httpx.Request) -> httpx.Response:
    raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=req)


def malformed(req: httpx.Request) -> httpx.Response:
    return httpx.Response(200, text='{"slots": [1,', headers={"content-type": "application/json"})


def html(req: httpx.Request) -> httpx.Response:
    return httpx.Response(502, text="<html><h1>Bad Gateway</h1></html>", headers={"content-type": "text/html"})


def status(code: int, **headers: str) -> Handler:
    return lambda req: httpx.Response(code, json={"error": "x"}, headers=headers)


@pytest.fixture()
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff waits, recorded instead of slept (the budget clock still advances by them)."""
    waited: list[float] = []
    offset = [0.0]
    real = time.monotonic

    def sleep(seconds: float) -> None:
        waited.append(seconds)
        offset[0] += seconds

    monkeypatch.setattr(http.time, "sleep", sleep)
    monkeypatch.setattr(http.time, "monotonic", lambda: real() + offset[0])
    return waited


FAULTS = [
    pytest.param(timeout, "provider_timeout", 504, id="timeout"),
    pytest.param(reset, "provider_unavailable", 503, id="reset"),
    pytest.param(malformed, "provider_error", 502, id="malformed"),
    pytest.param(html, None, 502, id="html"),
    pytest.param(status(500), None, 500, id="500"),
    pytest.param(status(502), None, 502, id="502"),
    pytest.param(status(503), None, 503, id="503"),
    pytest.param(status(504), None, 504, id="504"),
    pytest.param(status(429), None, 429, id="429"),
]


@pytest.mark.parametrize("answer,code,final", FAULTS)
def test_reads_retry_every_transient_fault_up_to_the_cap(answer: Handler, code: str | None, final: int,
                                                         sleeps: list[float]) -> None:
    handler, calls = counting(answer)
    req = PreparedRequest("GET", "https://p.example/r", retry=True)
    if code is None:  # a response: returned for the runner to map
        assert transport(handler).send(req, Deadline(25)).status == final
    else:
        with pytest.raises(AptError) as info:
            transport(handler).send(req, Deadline(25))
        assert (info.value.code, info.value.status) == (code, final)
    assert len(calls) == http.MAX_ATTEMPTS == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize("answer,code,final", FAULTS)
def test_writes_are_sent_exactly_once(answer: Handler, code: str | None, final: int, sleeps: list[float]) -> None:
    handler, calls = counting(answer)
    for method in ("POST", "PATCH"):
        req = PreparedRequest(method, "https://p.example/w", body={"a": 1})  # retry defaults to False
        if code is None:
            assert transport(handler).send(req, Deadline(25)).status == final
        else:
            with pytest.raises(AptError):
                transport(handler).send(req, Deadline(25))
    assert calls == ["POST", "PATCH"] and sleeps == []


def test_a_write_the_provider_makes_idempotent_is_retried(sleeps: list[float]) -> None:
    answers = iter([status(503), status(201)])
    handler, calls = counting(lambda req: next(answers)(req))
    req = PreparedRequest("POST", "https://p.example/w", body={"idempotency_key": "k"}, retry=True)
    assert transport(handler).send(req, Deadline(25)).status == 201
    assert calls == ["POST", "POST"]


def test_4xx_answers_are_not_retried(sleeps: list[float]) -> None:
    for code in (400, 401, 404, 409, 422):
        handler, calls = counting(status(code))
        assert transport(handler).send(PreparedRequest("GET", "https://p.example/r", retry=True),
                                       Deadline(25)).status == code
        assert len(calls) == 1
    assert sleeps == []


def test_backoff_is_capped_exponential_with_jitter(monkeypatch: pytest.MonkeyPatch, sleeps: list[float]) -> None:
    monkeypatch.setattr(http, "MAX_ATTEMPTS", 8)
    handler, calls = counting(status(503))
    for jitter in (0.0, 1.0):
        sleeps.clear()
        monkeypatch.setattr(http.random, "random", lambda jitter=jitter: jitter)
        transport(handler).send(PreparedRequest("GET", "https://p.example/r", retry=True), Deadline(60))
        factor = 0.5 + jitter / 2
        expected = [min(http.BACKOFF_CAP, http.BACKOFF_BASE * 2 ** n) * factor for n in range(7)]
        assert sleeps == pytest.approx(expected)
    assert max(sleeps) == http.BACKOFF_CAP  # reached and not exceeded
    # Real jitter: waits for the same attempt differ between requests.
    monkeypatch.undo()
    firsts = set()
    for _ in range(5):
        waited: list[float] = []
        monkeypatch.setattr(http.time, "sleep", waited.append)
        transport(status(503)).send(PreparedRequest("GET", "https://p.example/r", retry=True), Deadline(25))
        firsts.add(waited[0])
        assert http.BACKOFF_BASE / 2 <= waited[0] <= http.BACKOFF_BASE
    assert len(firsts) > 1


def test_retry_after_is_honoured_exactly(sleeps: list[float]) -> None:
    answers = iter([status(429, **{"Retry-After": "3"}), status(200)])
    handler, calls = counting(lambda req: next(answers)(req))
    assert transport(handler).send(PreparedRequest("GET", "https://p.example/r", retry=True),
                                   Deadline(25)).status == 200
    assert sleeps == [3.0] and len(calls) == 2


def test_retry_after_beyond_the_budget_returns_the_providers_answer_at_once(sleeps: list[float]) -> None:
    handler, calls = counting(status(503, **{"Retry-After": "120"}))
    response = transport(handler).send(PreparedRequest("GET", "https://p.example/r", retry=True), Deadline(25))
    assert response.status == 503 and response.headers["retry-after"] == "120"
    assert len(calls) == 1 and sleeps == []


def test_retry_after_fits_once_then_the_budget_stops_it(sleeps: list[float]) -> None:
    handler, calls = counting(status(429, **{"Retry-After": "10"}))
    response = transport(handler).send(PreparedRequest("GET", "https://p.example/r", retry=True), Deadline(12))
    assert response.status == 429 and sleeps == [10.0] and len(calls) == 2


def test_budget_fits_api_gateway_and_is_read_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    assert http.DEFAULT_BUDGET + 1 < 29  # API Gateway's limit, with room for the handler's own work
    assert http.DEFAULT_TIMEOUT < http.DEFAULT_BUDGET
    monkeypatch.setattr(http, "DEFAULT_BUDGET", 2.0)
    assert 1.9 < Deadline().remaining() <= 2.0


def test_each_attempt_gets_only_the_remaining_budget(monkeypatch: pytest.MonkeyPatch, sleeps: list[float]) -> None:
    given: list[float] = []
    real = Transport._send_once

    def spy(self: Transport, req: PreparedRequest, timeout: float) -> http.ProviderResponse:
        given.append(timeout)
        time.sleep(timeout)  # recorded by `sleeps`, so the budget clock moves on
        return real(self, req, timeout)

    monkeypatch.setattr(Transport, "_send_once", spy)
    monkeypatch.setattr(http, "DEFAULT_TIMEOUT", 10.0)
    deadline = Deadline(25)
    with pytest.raises(AptError) as info:
        transport(timeout).send(PreparedRequest("GET", "https://p.example/r", retry=True), deadline)
    assert info.value.status == 504
    assert given[:2] == [10.0, 10.0] and given[2] < 5  # the third attempt only gets what is left
    assert deadline.remaining() > -0.1  # never past the budget
    assert sum(sleeps) <= 25


def test_an_exhausted_budget_sends_nothing() -> None:
    handler, calls = counting(status(200))
    with pytest.raises(AptError) as info:
        transport(handler).send(PreparedRequest("GET", "https://p.example/r", retry=True), Deadline(0))
    assert info.value.code == "provider_timeout" and calls == []
