"""API keys, rate limits and idempotent writes through the handlers, on DynamoDB Local."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from aptura.store import keys as key_store
from aptura.store.connections import create_connection
from aptura.store.keys import create_api_key, set_account_limits
from tests.conformance.conftest import demo_of, fresh_sandbox
from tests.conformance.test_conformance import START
from tests.support import auth_headers, call_gateway, invoke

pytestmark = pytest.mark.integration
PROVIDER = "supersaas"


def account() -> str:
    return f"acct_{uuid.uuid4().hex[:10]}"


def frozen_clock(monkeypatch: pytest.MonkeyPatch, at: float) -> None:
    """Pin the clock the rate limiter reads, so a test never straddles a minute."""
    monkeypatch.setattr(key_store, "time", SimpleNamespace(time=lambda: at, monotonic=time.monotonic))


def test_keys_are_shown_once_listed_without_secrets_and_revoked_at_once(aws: Any) -> None:
    acct = account()
    admin, _ = create_api_key(acct, "test")
    made = invoke("POST", "/v1/api-keys", headers=auth_headers(admin, None),
                  json_body={"scopes": ["availability:read"], "name": "widget"})
    assert made.status == 201, made
    new_key = made.body["key"]
    assert new_key.startswith("apt_test_") and made.body["scopes"] == ["availability:read"]
    assert invoke("GET", "/v1/providers", headers=auth_headers(new_key, None)).status == 200

    listed = invoke("GET", "/v1/api-keys", headers=auth_headers(admin, None))
    assert listed.status == 200
    assert new_key not in repr(listed.body) and admin not in repr(listed.body)
    mine = next(k for k in listed.body["data"] if k["id"] == made.body["id"])
    assert mine["prefix"] == new_key[:13] and mine["last_used_at"] and mine["name"] == "widget"

    assert invoke("DELETE", f"/v1/api-keys/{made.body['id']}", headers=auth_headers(admin, None)).status == 204
    refused = invoke("GET", "/v1/providers", headers=auth_headers(new_key, None))
    assert refused.status == 401 and refused.body["error"] == "unauthorized"
    again = invoke("DELETE", f"/v1/api-keys/{made.body['id']}", headers=auth_headers(admin, None))
    assert again.status == 404


def test_keys_cannot_escalate_or_cross_accounts_or_modes(aws: Any) -> None:
    a, b = account(), account()
    a_admin, _ = create_api_key(a, "test")
    a_live, _ = create_api_key(a, "live")
    b_admin, _ = create_api_key(b, "test")
    narrow, _ = create_api_key(a, "test", scopes=("keys:manage", "availability:read"))
    stronger = invoke("POST", "/v1/api-keys", headers=auth_headers(narrow, None),
                      json_body={"scopes": ["bookings:write"]})
    assert stronger.status == 403 and stronger.body["details"] == {"scopes": ["bookings:write"]}
    a_key_id = invoke("GET", "/v1/api-keys", headers=auth_headers(a_admin, None)).body["data"][0]["id"]
    assert invoke("DELETE", f"/v1/api-keys/{a_key_id}", headers=auth_headers(b_admin, None)).status == 404
    assert invoke("DELETE", f"/v1/api-keys/{a_key_id}", headers=auth_headers(a_live, None)).status == 404
    b_listing = invoke("GET", "/v1/api-keys", headers=auth_headers(b_admin, None)).body["data"]
    assert a_key_id not in {k["id"] for k in b_listing}
    live_listing = invoke("GET", "/v1/api-keys", headers=auth_headers(a_live, None)).body["data"]
    assert {k["mode"] for k in live_listing} == {"live"}
    no_scope, _ = create_api_key(a, "test", scopes=("availability:read",))
    denied = invoke("GET", "/v1/api-keys", headers=auth_headers(no_scope, None))
    assert denied.status == 403 and denied.body["details"] == {"required_scope": "keys:manage"}


def test_the_101st_request_in_a_minute_is_429_with_headers(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    minute_start = (int(time.time()) // 3600) * 3600 + 600  # ten minutes into this hour
    frozen_clock(monkeypatch, minute_start + 1)
    raw, _ = create_api_key(account(), "test")
    statuses = []
    for _ in range(100):
        result = invoke("GET", "/v1/providers", headers=auth_headers(raw, None))
        statuses.append(result.status)
    assert set(statuses) == {200}
    assert result.headers["x-ratelimit-limit"] == "100" and result.headers["x-ratelimit-remaining"] == "0"
    assert result.headers["x-ratelimit-reset"] == str(minute_start + 60)
    over = invoke("GET", "/v1/providers", headers=auth_headers(raw, None))
    assert over.status == 429 and over.body["error"] == "rate_limited"
    assert over.headers["retry-after"] == "59" and over.headers["x-ratelimit-remaining"] == "0"
    frozen_clock(monkeypatch, minute_start + 61)  # the next minute: allowed again, hour still counting
    fresh = invoke("GET", "/v1/providers", headers=auth_headers(raw, None))
    assert fresh.status == 200 and fresh.headers["x-ratelimit-remaining"] == "99"


def test_limits_are_configurable_per_account_and_the_hour_counts_too(aws: Any,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    acct = account()
    set_account_limits(acct, per_minute=50, per_hour=3)
    hour = (int(time.time()) // 3600) * 3600
    raw, _ = create_api_key(acct, "test")
    for minute in range(3):
        frozen_clock(monkeypatch, hour + minute * 60 + 5)
        ok = invoke("GET", "/v1/providers", headers=auth_headers(raw, None))
        assert ok.status == 200 and ok.headers["x-ratelimit-limit"] == "3"
    frozen_clock(monkeypatch, hour + 300)
    over = invoke("GET", "/v1/providers", headers=auth_headers(raw, None))
    assert over.status == 429 and over.headers["x-ratelimit-reset"] == str(hour + 3600)
    frozen_clock(monkeypatch, hour + 3600 + 1)  # a new hour starts the counters again
    assert invoke("GET", "/v1/providers", headers=auth_headers(raw, None)).status == 200


@pytest.fixture()
def booking_world(aws: Any, sandboxes: Any) -> dict[str, Any]:
    root = f"{sandboxes.url}/{PROVIDER}/_sandbox"
    fresh_sandbox(root)
    demo = demo_of(PROVIDER)
    acct = account()
    raw, _ = create_api_key(acct, "test")
    conn = create_connection(acct, PROVIDER, "test", demo["config"], demo["credentials"]).connection_id
    day = (START + timedelta(days=3)).isoformat()
    slots = invoke("GET", "/v1/availability", headers=auth_headers(raw, conn),
                   query={"serviceId": demo["service_id"], "startDate": day, "endDate": day,
                          "staffId": demo["staff_id"]}).body["slots"]
    body = {"serviceId": demo["service_id"], "staffId": slots[0]["staffId"], "startTime": slots[0]["startTime"],
            "client": {"firstName": "Idem", "lastName": "Potent", "email": "idem@example.com"}}
    return {"key": raw, "conn": conn, "body": body, "root": root, "slots": slots, "demo": demo}


def provider_bookings(world: dict[str, Any]) -> int:
    requests = httpx.get(f"{world['root']}/requests").json()
    return sum(1 for r in requests if r["method"] == "POST" and "bookings" in r["path"])


def test_a_replayed_booking_makes_exactly_one_provider_booking(booking_world: dict[str, Any]) -> None:
    w = booking_world
    headers = {**auth_headers(w["key"], w["conn"]), "Idempotency-Key": "book-once-1"}
    first = invoke("POST", "/v1/appointments", headers=headers, json_body=w["body"])
    replay = invoke("POST", "/v1/appointments", headers=headers, json_body=w["body"])
    assert first.status == replay.status == 201, (first, replay)
    assert replay.body == first.body
    assert provider_bookings(w) == 1
    different = invoke("POST", "/v1/appointments", headers=headers,
                       json_body={**w["body"], "startTime": w["slots"][1]["startTime"]})
    assert different.status == 422 and different.body["error"] == "unprocessable"
    assert provider_bookings(w) == 1
    other_key = invoke("POST", "/v1/appointments", headers={**headers, "Idempotency-Key": "book-once-2"},
                       json_body=w["body"])
    assert other_key.status == 409  # a new key is a new booking attempt: the slot is taken


def test_a_booking_still_in_flight_is_409(booking_world: dict[str, Any], gateway: str) -> None:
    w = booking_world
    httpx.post(f"{w['root']}/faults", json={"latency_ms": 1500}).raise_for_status()
    headers = {**auth_headers(w["key"], w["conn"]), "Idempotency-Key": "in-flight-1"}

    def listing(_: int) -> Any:
        return call_gateway(gateway, "GET", "/v1/appointments", headers=auth_headers(w["key"], w["conn"]))

    def book(delay: float) -> Any:  # two Lambda environments at once, as a client retrying too early meets
        time.sleep(delay)
        return call_gateway(gateway, "POST", "/v1/appointments", headers=headers, json_body=w["body"])

    with ThreadPoolExecutor(max_workers=2) as pool:
        # Two slow reads at once first leave two warm environments, so neither booking waits for a
        # cold start: one that did could arrive after the first booking had finished, and be its replay.
        assert [r.status for r in pool.map(listing, range(2))] == [200, 200]
        results = list(pool.map(book, [0.0, 0.5]))
    httpx.post(f"{w['root']}/faults", json={"latency_ms": 0}).raise_for_status()
    assert sorted(r.status for r in results) == [201, 409], results
    busy = next(r for r in results if r.status == 409)
    assert busy.headers["retry-after"] == "1" and "in progress" in busy.body["message"]


def test_a_failed_write_can_be_retried_with_the_same_key(booking_world: dict[str, Any]) -> None:
    w = booking_world
    headers = {**auth_headers(w["key"], w["conn"]), "Idempotency-Key": "retry-after-failure"}
    httpx.post(f"{w['root']}/faults", json={"rules": [{"path": ".*bookings.*", "method": "POST", "kind": "status",
                                                       "status": 503, "count": 1}]}).raise_for_status()
    failed = invoke("POST", "/v1/appointments", headers=headers, json_body=w["body"])
    assert failed.status == 503
    retried = invoke("POST", "/v1/appointments", headers=headers, json_body=w["body"])
    assert retried.status == 201, retried
