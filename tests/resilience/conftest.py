"""Fixtures for resilience tests: fake AWS once per module, a fresh connection per test,
and a count of the requests each sandbox received (including those a fault answered)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import httpx
import pytest

from aptura.engine import http
from tests.conformance.conftest import PINNED_NOW, demo_of
from tests.support import ROOT, Result, auth_headers, invoke, reset_caches


@pytest.fixture(autouse=True)
def _breakers_of_this_process_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test's breaker decides alone. The tests reuse connection ids (conn_1), and a circuit one test opened
    and published to a shared table (whenever an earlier test left APTURA_TABLE set in this worker) would be
    adopted by the next test's fresh breaker. Sharing itself is tested with explicit stores
    (tests/unit/test_quota_shared.py)."""
    monkeypatch.setenv("APTURA_SHARED_BREAKER", "0")

# Small enough that the slowest fault case (three timed-out attempts) takes about a second,
# large enough that a sandbox on a busy machine still answers the unfaulted requests in time.
TIMEOUT = 0.3
BUDGET = 2.0


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    """DynamoDB and Secrets Manager faked in-process, shared by a module's tests (as moto_aws, but once)."""
    from moto import mock_aws

    from local.resources import create_tables

    mp = pytest.MonkeyPatch()
    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SECRETS_MANAGER"):
        mp.delenv(var, raising=False)
    with mock_aws():
        reset_caches()
        create_tables(boto3.client("dynamodb"), ROOT / "template.yaml")
        yield
    reset_caches()
    mp.undo()


@pytest.fixture(scope="module")
def api_key(aws: None) -> str:
    from aptura.store.keys import create_api_key

    raw, _ = create_api_key("acct_resilience", "test")
    return raw


@pytest.fixture(scope="module")
def connections(api_key: str) -> dict[str, str]:
    """Connection ids by provider, created once per module (the breaker is reset per test)."""
    return {}


@pytest.fixture()
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """Timeouts and budget small enough for tests; the policy itself is unchanged."""
    monkeypatch.setattr(http, "DEFAULT_TIMEOUT", TIMEOUT)
    monkeypatch.setattr(http, "DEFAULT_BUDGET", BUDGET)
    monkeypatch.setattr(http, "RETRY_MARGIN", 0.2)
    monkeypatch.setattr(http, "BACKOFF_BASE", 0.05)


_ADMIN = httpx.Client(timeout=10)  # one pool: a new connection per admin call adds up over a matrix


@dataclass
class Provider:
    """A provisioned test connection to one sandbox."""

    name: str
    demo: dict[str, Any]
    key: str
    connection_id: str
    sandbox_url: str
    received: list[tuple[str, str]] = field(default_factory=list)  # (method, path) the sandbox was sent

    def admin(self, action: str, payload: Any = None, method: str = "POST") -> Any:
        response = _ADMIN.request(method, f"{self.sandbox_url}/{self.name}/_sandbox/{action}", json=payload)
        response.raise_for_status()
        return response.json()

    def faults(self, *rules: dict[str, Any]) -> None:
        self.admin("faults", {"rules": list(rules)})

    def count(self, method: str, path: str) -> int:
        """Requests the sandbox received for ``method`` and a ``path`` regex."""
        return sum(1 for m, p in self.received if m == method and re.search(path, p))

    def availability(self, day: str = "2027-01-11") -> Result:
        query = {"serviceId": self.demo["service_id"], "startDate": day, "endDate": day}
        return invoke("GET", "/v1/availability", headers=auth_headers(self.key, self.connection_id), query=query)

    def book(self, start: str) -> Result:
        body = {"serviceId": self.demo["service_id"], "staffId": self.demo["staff_id"], "startTime": start,
                "client": {"firstName": "Alex", "lastName": "Johnson", "email": "alex@example.com",
                           "phone": "+15551234567"}}
        return invoke("POST", "/v1/appointments", headers=auth_headers(self.key, self.connection_id),
                      json_body=body)


def provision(name: str, key: str, connections: dict[str, str], sandboxes: Any,
              monkeypatch: pytest.MonkeyPatch) -> Provider:
    """The module's connection to ``name`` with a closed circuit, a full quota, its sandbox reset and clock pinned."""
    from aptura.engine.runner import PACER, default_transport
    from aptura.store.connections import create_connection

    demo = demo_of(name)
    if name not in connections:
        conn = create_connection("acct_resilience", name, "test", demo["config"], demo["credentials"])
        connections[name] = conn.connection_id
    # Each case starts with a closed circuit and a full quota bucket: cases run back to back on
    # one connection, faster than a declared quota (SuperSaaS: 20 per 5 s) refills.
    default_transport().breaker.reset()
    PACER.reset()
    provider = Provider(name, demo, key, connections[name], sandboxes.url)
    provider.admin("reset")
    provider.admin("clock", {"now": PINNED_NOW})
    # Every provider request passes the fault injector, answered by a fault or not: count them there.
    # (The sandbox's own /_sandbox/requests log skips requests a fault answered.)
    injector = sandboxes.app(name).faults
    real = injector.before

    def before(method: str, path: str, body: bytes = b"") -> Any:
        provider.received.append((method, path))
        return real(method, path, body)

    monkeypatch.setattr(injector, "before", before)
    return provider
