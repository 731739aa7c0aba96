"""Tests for the SmoothSchedule sandbox, over real HTTP with httpx (no client library exists)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from sandboxes.core import RunningServer, serve
from sandboxes.smoothschedule.app import DEMO, SmoothScheduleSandbox

API = "/demo/tenant-api/v1"
FULL = "ss_test_demo_full_4f9c2a"
LIVE = "ss_live_demo_full_8b1d7e"
READONLY = "ss_test_demo_readonly_3e5a"
NO_BOOKING_WRITE = "ss_test_demo_nobookingwrite_77"
ACME = "ss_test_acme_full_c0ffee"
PINNED = "2027-01-04T12:00:00Z"  # Monday 06:00 in Chicago, before opening
SLOT = "2027-01-05T16:00:00Z"  # Tuesday 10:00 Chicago: Ava (11) is booked then in test data


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = serve([SmoothScheduleSandbox()])
    yield running
    running.stop()


@pytest.fixture()
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/smoothschedule", timeout=10) as http:
        assert http.post("/_sandbox/reset").status_code == 200
        assert http.post("/_sandbox/clock", json={"now": PINNED}).status_code == 200
        yield http
        http.post("/_sandbox/clock", json={})


def call(client: httpx.Client, method: str, path: str, token: str = FULL, **kwargs: Any) -> httpx.Response:
    return client.request(method, API + path, headers={"Authorization": f"Bearer {token}"}, **kwargs)


def get(client: httpx.Client, path: str, token: str = FULL, **params: Any) -> httpx.Response:
    return call(client, "GET", path, token, params=params)


def book(client: httpx.Client, token: str = FULL, **fields: Any) -> httpx.Response:
    body = {"service_id": 1, "resource_id": 12, "start_time": SLOT, "customer_id": 100, **fields}
    return call(client, "POST", "/bookings/", token, json=body)


def assert_error(resp: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error", "message", "details"} and body["error"] == code and body["message"]
    return body


# -- tenant, auth and scopes -------------------------------------------------------------------------


def test_demo_credentials_are_a_working_full_token(client: httpx.Client) -> None:
    resp = get(client, "/business/", DEMO["credentials"]["api_token"])
    assert resp.status_code == 200
    assert resp.json() == {"id": 1, "name": "Demo Salon", "subdomain": DEMO["config"]["subdomain"],
                           "business_timezone": "America/Chicago", "currency": "USD"}


def test_tenant_can_come_from_the_host_header(client: httpx.Client) -> None:
    resp = client.get("/tenant-api/v1/business/", headers={"Host": "acme.smoothschedule.com",
                                                          "Authorization": f"Bearer {ACME}"})
    assert resp.status_code == 200 and resp.json()["subdomain"] == "acme"


def test_unknown_tenant_is_404(client: httpx.Client) -> None:
    resp = client.get("/nosuch/tenant-api/v1/business/", headers={"Authorization": f"Bearer {FULL}"})
    assert_error(resp, 404, "not_found")


def test_missing_and_invalid_tokens_are_401(client: httpx.Client) -> None:
    missing = client.get(API + "/services/")
    assert_error(missing, 401, "authentication_failed")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(get(client, "/services/", "ss_test_made_up"), 401, "authentication_failed")
    basic = client.get(API + "/services/", headers={"Authorization": f"Basic {FULL}"})
    assert_error(basic, 401, "authentication_failed")


def test_a_token_of_another_tenant_is_invalid_here(client: httpx.Client) -> None:
    assert_error(get(client, "/services/", ACME), 401, "authentication_failed")


def test_missing_scope_is_403_naming_it(client: httpx.Client) -> None:
    body = assert_error(book(client, READONLY), 403, "permission_denied")
    assert body["details"] == {"required_scope": ["bookings:write"]} and "bookings:write" in body["message"]
    assert_error(get(client, "/webhooks/", READONLY), 403, "permission_denied")
    assert_error(book(client, NO_BOOKING_WRITE), 403, "permission_denied")
    assert get(client, "/bookings/", READONLY).status_code == 200


def test_test_and_live_tokens_see_separate_data(client: httpx.Client) -> None:
    test_emails = {c["email"] for c in get(client, "/customers/").json()["results"]}
    live_emails = {c["email"] for c in get(client, "/customers/", LIVE).json()["results"]}
    assert "john.smith@example.com" in test_emails and "real.customer@example.com" in live_emails
    assert not test_emails & live_emails
    created = book(client)
    assert created.status_code == 201
    assert get(client, f"/bookings/{created.json()['id']}/", LIVE).status_code == 404
    live_ids = {b["id"] for b in get(client, "/bookings/", LIVE).json()["results"]}
    assert created.json()["id"] not in live_ids


def test_tenants_do_not_share_data(client: httpx.Client) -> None:
    resp = client.get("/acme/tenant-api/v1/customers/", headers={"Authorization": f"Bearer {ACME}"})
    assert all(c["email"].startswith("acme.") for c in resp.json()["results"])


def test_get_without_trailing_slash_redirects_and_write_is_404(client: httpx.Client) -> None:
    resp = call(client, "GET", "/services", params={"ordering": "price"})
    assert resp.status_code == 301
    assert resp.headers["Location"] == f"/smoothschedule{API}/services/?ordering=price"
    followed = client.get(resp.headers["Location"].removeprefix("/smoothschedule"),
                          headers={"Authorization": f"Bearer {FULL}"})
    assert followed.status_code == 200
    assert_error(call(client, "POST", "/bookings", json={}), 404, "not_found")


# -- rate limits ------------------------------------------------------------------------------------


def test_every_response_carries_rate_limit_headers(client: httpx.Client) -> None:
    first, second = get(client, "/services/"), get(client, "/services/")
    assert first.headers["X-RateLimit-Limit"] == "100"
    assert int(first.headers["X-RateLimit-Remaining"]) - 1 == int(second.headers["X-RateLimit-Remaining"])
    reset = int(first.headers["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 61
    denied = book(client, READONLY)  # counted too: the scope check comes after the throttle
    assert denied.status_code == 403 and "X-RateLimit-Limit" in denied.headers


def test_minute_window_429_after_100_requests(client: httpx.Client) -> None:
    for _ in range(100):
        assert get(client, "/business/").status_code == 200
    limited = get(client, "/business/")
    assert_error(limited, 429, "rate_limit_exceeded")
    assert limited.headers["X-RateLimit-Remaining"] == "0" and limited.headers["X-RateLimit-Limit"] == "100"
    assert 1 <= int(limited.headers["Retry-After"]) <= 61
    # The limit is per token: another token of the same business is unaffected.
    assert get(client, "/business/", READONLY).status_code == 200


def test_hour_window_binds_when_the_minute_window_has_rolled(server: RunningServer, client: httpx.Client) -> None:
    app = server.app("smoothschedule")
    assert isinstance(app, SmoothScheduleSandbox)
    with app.lock:  # 995 requests made over the last hour, none in the last minute
        app.hits[FULL] = [time.time() - 3000 + i for i in range(995)]
    resp = get(client, "/business/")
    assert resp.status_code == 200
    assert resp.headers["X-RateLimit-Limit"] == "1000" and resp.headers["X-RateLimit-Remaining"] == "4"
    for _ in range(4):
        assert get(client, "/business/").status_code == 200
    limited = get(client, "/business/")
    assert_error(limited, 429, "rate_limit_exceeded")
    assert limited.headers["X-RateLimit-Limit"] == "1000" and int(limited.headers["Retry-After"]) > 60


# -- filters, ordering, pages ----------------------------------------------------------------------


def test_seed_example_services_filter(client: httpx.Client) -> None:
    body = get(client, "/services/", price__lt=5000, duration__gt=20, ordering="price").json()
    assert [s["name"] for s in body["results"]] == ["Haircut"]
    cheap = get(client, "/services/", price__lte=4500, ordering="-price").json()["results"]
    assert [s["price"] for s in cheap] == [4500, 2000]
    assert [s["id"] for s in get(client, "/services/", duration__gte=90).json()["results"]] == [2, 5]
    assert [s["id"] for s in get(client, "/services/", price=2000).json()["results"]] == [3]


def test_services_boolean_name_and_search_filters(client: httpx.Client) -> None:
    assert [s["id"] for s in get(client, "/services/", variable_pricing="true").json()["results"]] == [2]
    manual = get(client, "/services/", requires_manual_scheduling="true").json()["results"]
    assert [s["id"] for s in manual] == [5]
    assert [s["id"] for s in get(client, "/services/", name="Massage").json()["results"]] == [4]
    assert [s["id"] for s in get(client, "/services/", search="cut").json()["results"]] == [1]
    names = [s["name"] for s in get(client, "/services/", ordering="name").json()["results"]]
    assert names == sorted(names)


def test_invalid_filter_value_is_a_validation_error(client: httpx.Client) -> None:
    body = assert_error(get(client, "/services/", price__lt="cheap"), 400, "validation_error")
    assert body["details"] == {"price__lt": ["A valid integer is required."]}
    assert_error(get(client, "/bookings/", status="LOST"), 400, "validation_error")
    assert_error(get(client, "/bookings/", start_date="05/01/2027"), 400, "validation_error")


def test_bookings_date_filters_and_ordering(client: httpx.Client) -> None:
    rows = get(client, "/bookings/", start_date="2027-01-05", end_date="2027-01-05",
               ordering="-start_time").json()["results"]
    assert [b["start_time"] for b in rows] == ["2027-01-05T19:00:00Z", "2027-01-05T16:00:00Z"]
    since = get(client, "/bookings/", start_datetime="2027-01-05T18:00:00Z").json()["results"]
    assert {b["id"] for b in since} == {501, 502}
    assert [b["id"] for b in get(client, "/bookings/", status="CANCELLED").json()["results"]] == [502]
    assert [b["id"] for b in get(client, "/bookings/", resource_id=13).json()["results"]] == [501]
    assert {b["id"] for b in get(client, "/bookings/", service_id__gte=3).json()["results"]} == {501, 502}
    assert [b["id"] for b in get(client, "/bookings/", customer_id=100).json()["results"]] == [500, 503]


def test_customers_search_and_ordering(client: httpx.Client) -> None:
    rows = get(client, "/customers/", search="john", ordering="last_name").json()["results"]
    assert [c["last_name"] for c in rows] == ["Johnson", "Smith"]
    exact = get(client, "/customers/", email="Maria.Garcia@example.com").json()["results"]
    assert [c["id"] for c in exact] == [102]


def test_pages_follow_the_drf_envelope(client: httpx.Client) -> None:
    first = get(client, "/services/", page_size=2).json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["previous"] is None
    assert first["next"].endswith(f"/smoothschedule{API}/services/?page_size=2&page=2")
    seen = [s["id"] for s in first["results"]]
    url: str | None = first["next"]
    while url:
        page = httpx.get(url, headers={"Authorization": f"Bearer {FULL}"}).json()
        seen += [s["id"] for s in page["results"]]
        url = page["next"]
    assert seen == [1, 2, 3, 4, 5]
    assert_error(get(client, "/services/", page=9), 404, "not_found")


# -- catalogue and availability -------------------------------------------------------------------


def test_services_and_resources_retrieve(client: httpx.Client) -> None:
    service = get(client, "/services/2/").json()
    assert service["price"] == 12000 and service["duration"] == 90 and service["resource_ids"] == [11]
    assert get(client, "/resources/13/").json() == {"id": 13, "name": "Treatment Room 1", "type": "ROOM",
                                                     "is_active": True}
    assert [r["id"] for r in get(client, "/resources/", type="staff").json()["results"]] == [11, 12]
    assert_error(get(client, "/services/99/"), 404, "not_found")


def test_availability_skips_booked_and_past_times(client: httpx.Client) -> None:
    body = get(client, "/availability/", service_id=1, date="2027-01-05", resource_id=11).json()
    assert body["business_timezone"] == "America/Chicago" and body["service_id"] == 1
    starts = [s["start_time"] for s in body["slots"]]
    assert starts[0] == "2027-01-05T15:00:00Z" and starts[-1] == "2027-01-05T22:30:00Z"
    assert "2027-01-05T16:00:00Z" not in starts and "2027-01-05T15:30:00Z" in starts  # Ava's 10:00 booking
    assert all(s["end_time"] > s["start_time"] and s["resource_name"] == "Ava Lindqvist" for s in body["slots"])
    both = get(client, "/availability/", service_id=1, date="2027-01-05").json()["slots"]
    assert {s["resource_id"] for s in both} == {11, 12}
    assert get(client, "/availability/", service_id=1, date="2027-01-09").json()["slots"] == []  # Saturday
    assert get(client, "/availability/", service_id=5, date="2027-01-05").json()["slots"] == []  # manual only


def test_availability_validation(client: httpx.Client) -> None:
    body = assert_error(get(client, "/availability/"), 400, "validation_error")
    assert set(body["details"]) == {"service_id", "date"}
    bad = assert_error(get(client, "/availability/", service_id=42, date="2027-01-05"), 400, "validation_error")
    assert bad["details"] == {"service_id": ["Invalid service ID."]}
    assert_error(get(client, "/availability/", service_id=1, date="2027-01-05", end_date="2027-03-05"),
                 400, "validation_error")
    assert_error(get(client, "/availability/", service_id=3, date="2027-01-05", resource_id=11),
                 400, "validation_error")


# -- bookings ---------------------------------------------------------------------------------------


def test_create_booking_returns_utc_times(client: httpx.Client) -> None:
    resp = book(client, start_time="2027-01-05T10:00:00-06:00", notes="first visit")
    assert resp.status_code == 201
    body = resp.json()
    assert body["start_time"] == SLOT and body["end_time"] == "2027-01-05T16:30:00Z"
    assert body["status"] == "CONFIRMED" and body["notes"] == "first visit" and body["created_at"] == PINNED
    assert get(client, f"/bookings/{body['id']}/").json() == body


def test_create_booking_with_inline_customer(client: httpx.Client) -> None:
    customer = {"first_name": "New", "last_name": "Person", "email": "new.person@example.com"}
    resp = book(client, customer_id=None, customer=customer)
    assert resp.status_code == 201
    found = get(client, "/customers/", email="new.person@example.com").json()["results"]
    assert [c["id"] for c in found] == [resp.json()["customer_id"]]


def test_create_booking_validation_matches_the_seed_example(client: httpx.Client) -> None:
    body = assert_error(call(client, "POST", "/bookings/", json={"service_id": 42, "resource_id": 11,
                                                                  "customer_id": 100}), 400, "validation_error")
    assert body["details"] == {"start_time": ["This field is required."], "service_id": ["Invalid service ID."]}
    assert_error(book(client, start_time="2027-01-05T10:00:00"), 400, "validation_error")  # no offset
    assert_error(book(client, start_time="2027-01-09T16:00:00Z"), 400, "validation_error")  # Saturday
    assert_error(book(client, start_time="2027-01-04T11:00:00Z"), 400, "validation_error")  # past
    assert_error(book(client, resource_id=13), 400, "validation_error")
    assert_error(book(client, customer_id=999), 400, "validation_error")
    malformed = call(client, "POST", "/bookings/", content=b"{")
    assert_error(malformed, 400, "parse_error")


def test_double_booking_is_409_and_concurrent_attempts_leave_one(client: httpx.Client) -> None:
    body = assert_error(book(client, resource_id=11), 409, "conflict")
    assert "start_time" in body["details"]
    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: book(client, start_time="2027-01-06T15:00:00Z").status_code, range(8)))
    assert sorted(statuses) == [201] + [409] * 7
    rows = get(client, "/bookings/", start_datetime="2027-01-06T15:00:00Z",
               end_datetime="2027-01-06T15:00:00Z", resource_id=12, status="CONFIRMED").json()["results"]
    assert len(rows) == 1


def test_update_reschedules_and_checks_conflicts(client: httpx.Client) -> None:
    booking = book(client).json()
    moved = call(client, "PATCH", f"/bookings/{booking['id']}/", json={"start_time": "2027-01-05T17:00:00Z",
                                                                       "notes": "moved"})
    assert moved.status_code == 200
    assert moved.json()["start_time"] == "2027-01-05T17:00:00Z" and moved.json()["notes"] == "moved"
    assert moved.json()["updated_at"] == PINNED
    assert_error(call(client, "PATCH", f"/bookings/{booking['id']}/", json={"resource_id": 11,
                                                                           "start_time": SLOT}), 409, "conflict")
    freed = get(client, "/availability/", service_id=1, date="2027-01-05", resource_id=12).json()["slots"]
    assert SLOT in [s["start_time"] for s in freed]


def test_cancel_once_then_conflict_and_delete_alias(client: httpx.Client) -> None:
    booking = book(client).json()
    cancelled = call(client, "POST", f"/bookings/{booking['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "CANCELLED"
    assert_error(call(client, "POST", f"/bookings/{booking['id']}/cancel/"), 409, "conflict")
    assert_error(call(client, "PATCH", f"/bookings/{booking['id']}/", json={"notes": "x"}), 409, "conflict")
    again = book(client).json()  # the cancelled slot is free again
    assert call(client, "DELETE", f"/bookings/{again['id']}/").json()["status"] == "CANCELLED"
    assert_error(call(client, "POST", "/bookings/503/cancel/"), 409, "conflict")  # completed
    assert_error(call(client, "POST", "/bookings/9999/cancel/"), 404, "not_found")


# -- customers and webhooks -----------------------------------------------------------------------


def test_customers_create_retrieve_update(client: httpx.Client) -> None:
    resp = call(client, "POST", "/customers/", json={"first_name": "Kim", "last_name": "Lee",
                                                      "email": "kim@example.com", "phone": "+1-555"})
    assert resp.status_code == 201 and resp.json()["created_at"] == PINNED
    cid = resp.json()["id"]
    dup = assert_error(call(client, "POST", "/customers/", json={"first_name": "K", "last_name": "L",
                                                                  "email": "KIM@example.com"}), 400, "validation_error")
    assert "email" in dup["details"]
    assert call(client, "PATCH", f"/customers/{cid}/", json={"phone": "+1-556"}).json()["phone"] == "+1-556"
    assert get(client, f"/customers/{cid}/").json()["email"] == "kim@example.com"
    assert_error(call(client, "POST", "/customers/", READONLY, json={}), 403, "permission_denied")


def test_webhook_subscription_routes(client: httpx.Client) -> None:
    assert get(client, "/webhooks/events/").json()["events"] == [
        "booking.created", "booking.updated", "booking.cancelled", "customer.created"]
    created = call(client, "POST", "/webhooks/", json={"url": "https://example.com/hook",
                                                       "events": ["booking.created"]})
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    hook_id = created.json()["id"]
    shown = get(client, f"/webhooks/{hook_id}/").json()
    assert "secret" not in shown and shown["events"] == ["booking.created"] and shown["is_active"] is True
    updated = call(client, "PATCH", f"/webhooks/{hook_id}/", json={"events": ["booking.cancelled"],
                                                                   "is_active": False}).json()
    assert updated["events"] == ["booking.cancelled"] and updated["is_active"] is False
    assert [h["id"] for h in get(client, "/webhooks/").json()["results"]] == [hook_id]
    assert_error(call(client, "POST", "/webhooks/", json={"url": "http://x", "events": ["booking.created"]}),
                 400, "validation_error")
    assert_error(call(client, "PATCH", f"/webhooks/{hook_id}/", json={"events": ["nope"]}), 400, "validation_error")
    assert call(client, "DELETE", f"/webhooks/{hook_id}/").status_code == 204
    assert_error(get(client, f"/webhooks/{hook_id}/"), 404, "not_found")


# -- shared machinery --------------------------------------------------------------------------------


def test_faults_and_request_log(client: httpx.Client) -> None:
    rule = {"path": DEMO["booking_request"]["path"], "method": "POST", "kind": "status", "status": 503,
            "headers": {"Retry-After": "3"}, "count": 1}
    assert client.post("/_sandbox/faults", json={"rules": [rule]}).status_code == 200
    failed = book(client)
    assert failed.status_code == 503 and failed.headers["Retry-After"] == "3"
    assert book(client).status_code == 201
    log = client.get("/_sandbox/requests").json()
    assert [e["path"] for e in log].count(f"{API}/bookings/") == 2


def test_reset_restores_seed_state(client: httpx.Client) -> None:
    assert book(client).status_code == 201
    assert client.post("/_sandbox/reset").status_code == 200
    state = client.get("/_sandbox/state").json()
    assert len(state["bookings"]) == 4 and state["customers"] == state["tenants"]["demo"]["test"]["customers"]
    assert len(state["tenants"]["demo"]["live"]["bookings"]) == 1 and state["tenants"]["acme"]["test"]["bookings"]
