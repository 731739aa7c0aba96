"""Every fault a sandbox can inject, on a read (GET /v1/availability) and a write
(POST /v1/appointments), against two providers of different styles (SuperSaaS: HTTP
Basic, form-like REST; Square: OAuth bearer, JSON). Each case pins the outcome tabled in
docs/resilience.md: status, error code and format, Retry-After, how many requests the
provider received, and that Aptura stayed within its time budget.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from aptura.engine import http
from aptura.engine.http import Deadline, Transport
from aptura.engine.runner import Runner
from aptura.errors import AptError
from tests.resilience.conftest import BUDGET, Provider, provision

# The first provider request of each operation, and the request that makes the booking.
READ = {"supersaas": ("GET", "^/api/resources"), "square": ("GET", "^/v2/catalog/")}
WRITE = {"supersaas": ("POST", "^/api/bookings"), "square": ("POST", "^/v2/bookings$")}
SLOW = 0.8  # seconds a slow sandbox holds its answer: well past TIMEOUT
# A booking held this long lands well after Aptura's timeout and its lookup for the booking.
WRITE_STALL = 2.0


@dataclass(frozen=True)
class Outcome:
    status: int
    code: str
    read_attempts: int  # a write is always sent once
    retry_after: str | None = None


# fault rule -> outcome; docs/resilience.md has the same table.
MATRIX: dict[str, tuple[dict[str, Any], Outcome]] = {
    "latency_over_timeout": ({"kind": "timeout", "seconds": SLOW}, Outcome(504, "provider_timeout", 3)),
    "500": ({"kind": "status", "status": 500}, Outcome(502, "provider_error", 3)),
    "502": ({"kind": "status", "status": 502}, Outcome(502, "provider_error", 3)),
    "503": ({"kind": "status", "status": 503}, Outcome(503, "provider_unavailable", 3)),
    "503_retry_after": ({"kind": "status", "status": 503, "headers": {"Retry-After": "1"}},
                        Outcome(503, "provider_unavailable", 2, "1")),
    "504": ({"kind": "status", "status": 504}, Outcome(504, "provider_timeout", 3)),
    "429_retry_after_beyond_budget": ({"kind": "status", "status": 429, "headers": {"Retry-After": "120"}},
                                      Outcome(429, "rate_limited", 1, "120")),
    "429_no_retry_after": ({"kind": "status", "status": 429}, Outcome(429, "rate_limited", 3)),
    "reset": ({"kind": "reset"}, Outcome(503, "provider_unavailable", 3)),
    "malformed_json": ({"kind": "malformed"}, Outcome(502, "provider_error", 3)),
    "html_error_page": ({"kind": "html", "status": 502}, Outcome(502, "provider_error", 3)),
    "slow_body": ({"kind": "slow_body", "seconds": SLOW}, Outcome(504, "provider_timeout", 3)),
}


@pytest.fixture(params=["supersaas", "square"])
def provider(request: pytest.FixtureRequest, api_key: str, connections: dict[str, str], sandboxes: Any,
             fast: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    prov = provision(request.param, api_key, connections, sandboxes, monkeypatch)
    yield prov
    prov.admin("faults", method="DELETE")


@pytest.fixture()
def runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, float]]:
    """(start, end) of each operation run, from the runner's creation (when its budget starts)."""
    took: list[tuple[float, float]] = []
    real_init, real_run = Runner.__init__, Runner.run

    def init(self: Runner, *args: Any, **kwargs: Any) -> None:
        self._created = time.monotonic()  # type: ignore[attr-defined]
        real_init(self, *args, **kwargs)

    def run(self: Runner, operation: str, input_: dict[str, Any]) -> Any:
        try:
            return real_run(self, operation, input_)
        finally:
            took.append((self._created, time.monotonic()))  # type: ignore[attr-defined]

    monkeypatch.setattr(Runner, "__init__", init)
    monkeypatch.setattr(Runner, "run", run)
    return took


def check(result: Any, outcome: Outcome, took: list[tuple[float, float]], operations: int = 1) -> None:
    assert result.status == outcome.status, result
    assert set(result.body) == {"error", "message", "details"}, result.body
    assert result.body["error"] == outcome.code
    assert isinstance(result.body["message"], str) and result.body["message"]
    assert isinstance(result.body["details"], dict)
    assert result.headers.get("retry-after") == outcome.retry_after
    assert len(took) == operations, took
    # The operations of one request share its budget.
    span = max(end for _, end in took) - min(start for start, _ in took)
    assert span <= BUDGET + 0.2, f"ran {span:.2f} s on a {BUDGET} s budget"


@pytest.mark.parametrize("fault", MATRIX)
def test_read(provider: Provider, fault: str, runs: list[tuple[float, float]]) -> None:
    rule, outcome = MATRIX[fault]
    method, path = READ[provider.name]
    provider.faults({"method": method, "path": path, **rule})
    result = provider.availability()
    check(result, outcome, runs)
    assert provider.count(method, path) == outcome.read_attempts
    assert len(provider.received) == outcome.read_attempts, "the operation stopped at the failed request"


# Faults after which a booking's fate is unknown: the request reached the provider and got no
# definitive answer (a 429 is one: the provider refused it).
UNKNOWN = {name for name, (_, outcome) in MATRIX.items() if outcome.status >= 500}


@pytest.mark.parametrize("fault", MATRIX)
def test_write(provider: Provider, fault: str, runs: list[tuple[float, float]]) -> None:
    rule, outcome = MATRIX[fault]
    method, path = WRITE[provider.name]
    if rule["kind"] == "timeout":
        rule = {**rule, "seconds": WRITE_STALL}
    provider.faults({"method": method, "path": path, **rule})
    before = bookings(provider)
    result = provider.book("2027-01-11T15:00:00Z")
    assert provider.count(method, path) == 1, "a write is never blindly retried"
    if fault == "slow_body":
        # The provider booked, then stalled its answer: Aptura finds the booking by its reference
        # (SuperSaaS answers a booking with an empty body, so there is nothing to stall at all).
        assert result.status == 201, result
        assert bookings(provider) == before + 1
        return
    unknown = fault in UNKNOWN
    check(result, outcome, runs, operations=2 if unknown else 1)  # the booking, then the lookup
    details = result.body["details"]
    if unknown:
        assert details["write_outcome"] == "unknown" and details["reference"].startswith("aptref_"), details
    else:
        assert "write_outcome" not in details and "reference" not in details, details
    if rule["kind"] == "timeout":
        # The provider got the booking and books it after its pause, when Aptura has given up
        # (and its lookup found nothing yet): "unknown" was right, and there is one booking.
        deadline = time.monotonic() + WRITE_STALL + 1
        while bookings(provider) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert bookings(provider) == before + 1
    else:
        assert bookings(provider) == before, "the fault answered instead of the provider: nothing booked"


def bookings(provider: Provider) -> int:
    return len(provider.admin("state", method="GET")["bookings"])


def test_the_matrix_covers_every_fault_kind() -> None:
    from sandboxes.core import faults

    kinds = {rule["kind"] for rule, _ in MATRIX.values()}
    documented = {k for k in ("status", "malformed", "html", "timeout", "slow_body", "reset") if k in faults.__doc__}
    assert kinds == documented == {"status", "malformed", "html", "timeout", "slow_body", "reset"}


def test_slow_headers_then_a_stalled_body_take_one_timeout(provider: Provider) -> None:
    """Headers late, then a stalled body: the attempt ends at its timeout, not at nearly twice it."""
    method, path = READ[provider.name]
    provider.admin("faults", {"latency_ms": 400, "rules": [{"path": path, "kind": "slow_body", "seconds": SLOW}]})
    url = f"{provider.sandbox_url}/{provider.name}{path.lstrip('^')}x"
    started = time.monotonic()
    with pytest.raises(AptError) as info:
        Transport().send(http.PreparedRequest(method, url, timeout=0.5), Deadline(5))
    took = time.monotonic() - started
    assert info.value.code == "provider_timeout"
    assert provider.count(method, path) == 1
    assert took < 0.5 + 0.2, f"one attempt took {took:.2f} s on a 0.5 s timeout"
