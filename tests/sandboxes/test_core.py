"""The sandbox toolkit every provider sandbox shares: routing, admin hooks, faults."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from sandboxes.core import Request, Response, RunningServer, SandboxApp, serve


class Echo(SandboxApp):
    name = "echo"

    def __init__(self) -> None:
        super().__init__()
        self.route("GET", "/items/{item_id}", self._get)
        self.route("POST", "/items", lambda r: Response.json({"made": r.json()}, 201))

    def reset(self) -> None:
        self.resets = getattr(self, "resets", 0) + 1

    def admin_state(self) -> dict[str, int]:
        return {"resets": self.resets}

    def _get(self, request: Request) -> Response:
        return Response.json({"id": request.params["item_id"], "now": self.now().isoformat()})


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = serve([Echo()])
    yield running
    running.stop()


@pytest.fixture()
def url(server: RunningServer) -> Iterator[str]:
    base = f"{server.url}/echo"
    yield base
    httpx.post(f"{base}/_sandbox/reset")


def test_routes_params_methods_and_unknown_sandboxes(url: str, server: RunningServer) -> None:
    assert httpx.get(f"{url}/items/a%20b").json()["id"] == "a b"
    assert httpx.post(f"{url}/items", json={"x": 1}).json() == {"made": {"x": 1}}
    wrong = httpx.delete(f"{url}/items/1")
    assert wrong.status_code == 405 and wrong.headers["allow"] == "GET"
    assert httpx.get(f"{url}/nothing").status_code == 404
    assert httpx.get(f"{server.url}/nobody/items/1").status_code == 404


def test_clock_reset_state_and_request_log(url: str) -> None:
    httpx.post(f"{url}/_sandbox/clock", json={"now": "2027-01-04T00:00:00Z"})
    assert httpx.get(f"{url}/items/1").json()["now"] == "2027-01-04T00:00:00+00:00"
    assert httpx.get(f"{url}/_sandbox/requests").json() == [{"method": "GET", "path": "/items/1"}]
    resets = httpx.get(f"{url}/_sandbox/state").json()["resets"]
    httpx.post(f"{url}/_sandbox/reset")
    assert httpx.get(f"{url}/_sandbox/state").json()["resets"] == resets + 1
    assert httpx.get(f"{url}/_sandbox/requests").json() == []


def test_status_faults_count_after_and_method(url: str) -> None:
    httpx.post(f"{url}/_sandbox/faults", json={"rules": [
        {"path": "^/items/", "method": "GET", "kind": "status", "status": 503, "headers": {"Retry-After": "4"},
         "after": 1, "count": 2}]})
    statuses = [httpx.get(f"{url}/items/1").status_code for _ in range(4)]
    assert statuses == [200, 503, 503, 200]
    assert httpx.post(f"{url}/items", json={}).status_code == 201  # other methods untouched


def test_a_fault_can_aim_at_one_request_body(url: str) -> None:
    """``match_body`` picks one operation among many sent to one path (GraphQL); ``body`` is still the answer."""
    httpx.post(f"{url}/_sandbox/faults", json={"rules": [
        {"path": "^/items$", "match_body": "checkout", "kind": "status", "status": 409, "body": {"error": "taken"}}]})
    assert httpx.post(f"{url}/items", json={"op": "browse"}).status_code == 201
    refused = httpx.post(f"{url}/items", json={"op": "checkout"})
    assert refused.status_code == 409 and refused.json() == {"error": "taken"}


def test_body_faults(url: str) -> None:
    httpx.post(f"{url}/_sandbox/faults", json={"rules": [{"kind": "malformed", "count": 1},
                                                         {"kind": "html", "count": 1}]})
    malformed = httpx.get(f"{url}/items/1")
    assert malformed.status_code == 200
    with pytest.raises(ValueError):
        malformed.json()
    html = httpx.get(f"{url}/items/1")
    assert html.status_code == 502 and "text/html" in html.headers["content-type"]


def test_latency_timeout_slow_body_and_reset(url: str) -> None:
    httpx.post(f"{url}/_sandbox/faults", json={"latency_ms": 120})
    started = time.perf_counter()
    httpx.get(f"{url}/items/1")
    assert time.perf_counter() - started >= 0.12
    httpx.post(f"{url}/_sandbox/faults", json={"rules": [{"kind": "timeout", "seconds": 1, "count": 1}]})
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{url}/items/1", timeout=0.3)
    httpx.post(f"{url}/_sandbox/faults", json={"rules": [{"kind": "slow_body", "seconds": 0.3, "count": 1}]})
    started = time.perf_counter()
    assert httpx.get(f"{url}/items/1").json()["id"] == "1"
    assert time.perf_counter() - started >= 0.3
    httpx.post(f"{url}/_sandbox/faults", json={"rules": [{"kind": "reset", "count": 1}]})
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/items/1")
    httpx.delete(f"{url}/_sandbox/faults")
    assert httpx.get(f"{url}/items/1").status_code == 200
