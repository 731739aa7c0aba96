"""Hostile requests through the local API Gateway: ids that would walk provider paths, bodies that
would crash validation, credentials sent twice. Each is a 4xx in Aptura's error format and the
provider's sandbox receives nothing."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.integration.test_concurrency import provision

pytestmark = pytest.mark.integration

# The providers whose parent endpoints the issue reached with '..' (TimeTap, Square, DigitalBooker).
PROVIDERS = ["timetap", "square", "digitalbooker"]
PATH_IDS = [
    ("GET", "/v1/appointments/.."),
    ("GET", "/v1/appointments/%2e%2e"),
    ("GET", "/v1/appointments/%2E"),
    ("POST", "/v1/appointments/../cancel"),
    ("POST", "/v1/appointments/%2e%2e/cancel"),
    ("PATCH", "/v1/appointments/%2e%2e"),
]


def _raw(gateway: str, method: str, path: str, headers: list[tuple[str, str]], body: bytes = b"") -> tuple[int, Any]:
    """Send exactly ``path`` (no client-side dot-segment removal) and ``headers`` (repeats kept)."""
    where = urlsplit(gateway)
    conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=60)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for name, value in [*headers, ("Content-Length", str(len(body)))]:
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        text = response.read().decode()
        assert response.getheader("Content-Type", "").startswith("application/json"), (path, text)
        return response.status, json.loads(text)
    finally:
        conn.close()


def _aptura_error(status: int, body: Any) -> None:
    assert 400 <= status < 500, (status, body)
    assert isinstance(body, dict) and set(body) == {"error", "message", "details"}, body


def _provider_saw(sandbox_url: str, provider: str) -> list[dict[str, str]]:
    seen = httpx.get(f"{sandbox_url}/{provider}/_sandbox/requests").json()
    return [r for r in seen if not r["path"].startswith("/_sandbox/")]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_ids_that_would_walk_the_provider_path_never_reach_it(provider: str, aws: Any, sandboxes: Any,
                                                               gateway: str) -> None:
    creds = provision(provider, sandboxes.url)
    headers = [*creds.items(), ("Content-Type", "application/json")]
    for method, path in PATH_IDS:
        body = b'{"startTime": "2027-01-12T15:00:00Z"}' if method == "PATCH" else b""
        status, answer = _raw(gateway, method, path, headers, body)
        _aptura_error(status, answer)
    assert _provider_saw(sandboxes.url, provider) == []


@pytest.mark.parametrize("raw", [
    b"[" * 10_000 + b"]" * 10_000,
    json.dumps({"provider": "timetap", "config": json.loads('{"a":' * 300 + "1" + "}" * 300),
                "credentials": {}}).encode(),
    b'{"provider": "timetap", "config": {"n": ' + b"9" * 5_000 + b'}, "credentials": {}}',
])
def test_bodies_that_crashed_validation_are_400(raw: bytes, aws: Any, sandboxes: Any, gateway: str) -> None:
    creds = provision("timetap", sandboxes.url)
    status, answer = _raw(gateway, "POST", "/v1/connections",
                          [("Authorization", creds["Authorization"]), ("Content-Type", "application/json")], raw)
    assert status == 400 and answer["error"] == "validation_error", answer
    # Without a key the same body is a 401 that says nothing of the schema.
    status, answer = _raw(gateway, "POST", "/v1/connections", [("Content-Type", "application/json")], raw)
    assert status == 401 and answer["error"] == "unauthorized", answer
    assert _provider_saw(sandboxes.url, "timetap") == []


@pytest.mark.parametrize("name", ["Authorization", "X-Connection-Id"])
def test_credentials_sent_twice_are_400(name: str, aws: Any, sandboxes: Any, gateway: str) -> None:
    creds = provision("timetap", sandboxes.url)
    headers = [(k, v) for k, v in creds.items() if k != name] + [(name, creds[name]), (name, creds[name] + "x")]
    status, answer = _raw(gateway, "GET", "/v1/appointments/apt_1", headers)
    assert status == 400 and answer["error"] == "validation_error", answer
    assert _provider_saw(sandboxes.url, "timetap") == []
