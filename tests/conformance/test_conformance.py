"""The conformance suite: every spec in specs/ must pass the same cases against its
sandbox, through the real handlers, API Gateway events and (moto) AWS.

Provider facts come only from the sandbox's ``DEMO`` constant and the spec; adding a
provider adds its YAML and sandbox and nothing here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aptura.spec.loader import load_spec
from aptura.store.connections import create_connection
from tests.conformance.conftest import Provisioned
from tests.support import Result, auth_headers, invoke

START = date(2027, 1, 11)  # a Monday, a week after the pinned clock


def availability(p: Provisioned, start: date, end: date, **extra: Any) -> Result:
    query = {"serviceId": p.demo["service_id"], "startDate": start.isoformat(), "endDate": end.isoformat(), **extra}
    return invoke("GET", "/v1/availability", headers=auth_headers(p.key, p.connection_id), query=query)


def book(p: Provisioned, slot: dict[str, Any], email: str = "alex@example.com", **extra: Any) -> Result:
    body = {
        "serviceId": p.demo["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
        "client": {"firstName": "Alex", "lastName": "Johnson", "email": email, "phone": "+15551234567"},
        "notes": "conformance", **extra,
    }
    return invoke("POST", "/v1/appointments", headers=auth_headers(p.key, p.connection_id), json_body=body)


def parse(text: str) -> datetime:
    assert text.endswith("Z"), text
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def zone_of(p: Provisioned) -> ZoneInfo:
    spec = load_spec(p.provider)
    ctx = {"config": p.demo["config"], "input": {}, "secrets": {}, "steps": {}}
    return ZoneInfo(spec._timezone.search(ctx) if spec._timezone else "UTC")


def next_transition(tz: ZoneInfo, after: date) -> date:
    """The first local day after ``after`` whose UTC offset changes (a DST change)."""
    day = after
    for _ in range(400):
        nxt = day + timedelta(days=1)
        if datetime(day.year, day.month, day.day, 12, tzinfo=tz).utcoffset() != \
                datetime(nxt.year, nxt.month, nxt.day, 12, tzinfo=tz).utcoffset():
            return nxt
        day = nxt
    raise AssertionError(f"{tz} has no DST change")


def check_slots(p: Provisioned, slots: list[dict[str, Any]], start: date, end: date) -> None:
    tz = zone_of(p)
    assert slots, "expected free slots"
    keys = [(s["startTime"], s["staffId"]) for s in slots]
    assert keys == sorted(keys) and len(set(keys)) == len(keys), "ordered and unique"
    for slot in slots:
        begins, ends = parse(slot["startTime"]), parse(slot["endTime"])
        assert begins < ends
        assert start <= begins.astimezone(tz).date() <= end, "inside the requested local days"
        assert slot["staffId"]


def test_availability_over_a_window_is_in_utc_ordered_and_inside_it(provider: Provisioned) -> None:
    result = availability(provider, START, START + timedelta(days=6))
    assert result.status == 200, result
    assert result.body["provider"] == provider.provider
    assert result.body["serviceId"] == provider.demo["service_id"]
    check_slots(provider, result.body["slots"], START, START + timedelta(days=6))


def test_availability_for_one_staff_member(provider: Provisioned) -> None:
    result = availability(provider, START, START + timedelta(days=2), staffId=provider.demo["staff_id"])
    assert result.status == 200, result
    assert result.body["slots"] and {s["staffId"] for s in result.body["slots"]} == {provider.demo["staff_id"]}


def test_availability_across_a_dst_change(provider: Provisioned) -> None:
    tz = zone_of(provider)
    change = next_transition(tz, START)
    start, end = change - timedelta(days=3), change + timedelta(days=3)
    result = availability(provider, start, end, staffId=provider.demo["staff_id"])
    assert result.status == 200, result
    slots = result.body["slots"]
    check_slots(provider, slots, start, end)
    # The same wall-clock opening time maps to different UTC times either side of the change.
    first_local: dict[date, datetime] = {}
    for slot in slots:
        local = parse(slot["startTime"]).astimezone(tz)
        first_local.setdefault(local.date(), local)
    before = [d for d in first_local if d < change]
    after = [d for d in first_local if d > change]
    assert before and after
    b, a = first_local[max(before)], first_local[min(after)]
    if b.time() == a.time():
        assert b.utcoffset() != a.utcoffset()
        assert (parse_utc_time(b) != parse_utc_time(a))
    for slot in slots:  # every start exists on the local clock (never inside a gap)
        local = parse(slot["startTime"]).astimezone(tz)
        assert local.replace(tzinfo=None).replace(tzinfo=tz).astimezone(UTC) == parse(slot["startTime"])


def parse_utc_time(local: datetime) -> Any:
    return local.astimezone(UTC).time()


def test_book_then_the_slot_is_gone_and_double_booking_is_409(provider: Provisioned) -> None:
    slots = availability(provider, START, START + timedelta(days=1), staffId=provider.demo["staff_id"]).body["slots"]
    slot = slots[len(slots) // 2]
    created = book(provider, slot)
    assert created.status == 201, created
    appt = created.body
    assert appt["id"] and isinstance(appt["id"], str)
    assert appt["provider"] == provider.provider and appt["status"] == "confirmed"
    assert appt["startTime"] == slot["startTime"]
    assert appt["staff"]["id"] == slot["staffId"]
    assert appt["service"]["id"] == provider.demo["service_id"] and appt["service"]["durationMinutes"] > 0
    assert parse(appt["endTime"]) - parse(appt["startTime"]) == timedelta(minutes=appt["service"]["durationMinutes"])

    again = availability(provider, START, START + timedelta(days=1), staffId=provider.demo["staff_id"]).body["slots"]
    booked_from, booked_to = parse(appt["startTime"]), parse(appt["endTime"])
    for other in again:
        assert not (parse(other["startTime"]) < booked_to and booked_from < parse(other["endTime"])), other

    second = book(provider, slot, email="someone.else@example.com")
    assert second.status == 409, second
    assert second.body["error"] == "conflict"


def test_repeat_client_is_found_not_recreated(provider: Provisioned) -> None:
    slots = availability(provider, START + timedelta(days=2), START + timedelta(days=2),
                         staffId=provider.demo["staff_id"]).body["slots"]
    first, second = slots[0], slots[-1]
    assert book(provider, first, email="loyal@example.com").status == 201
    assert book(provider, second, email="loyal@example.com").status == 201
    state = provider.admin("state", method="GET")
    clients = state.get("clients") or state.get("users") or state.get("customers") or []
    matching = [c for c in clients if "loyal@example.com" in str(c).lower()]
    assert len(matching) == 1, matching


@pytest.mark.parametrize("field", ["serviceId", "staffId"])
def test_unknown_service_or_staff(provider: Provisioned, field: str) -> None:
    slots = availability(provider, START, START, staffId=provider.demo["staff_id"]).body["slots"]
    body_slot = dict(slots[0])
    if field == "staffId":
        body_slot["staffId"] = "999999"
        result = book(provider, body_slot)
    else:
        result = invoke("GET", "/v1/availability", headers=auth_headers(provider.key, provider.connection_id),
                        query={"serviceId": "999999", "startDate": START.isoformat(), "endDate": START.isoformat()})
    assert result.status in (404, 422), result
    assert result.body["error"] in ("not_found", "unprocessable", "validation_error")


def test_bad_credentials_are_a_connection_error(provider: Provisioned) -> None:
    wrong = {k: f"{v}-wrong" for k, v in provider.demo["credentials"].items()}
    conn = create_connection("acct_conformance", provider.provider, "test", provider.demo["config"], wrong)
    result = invoke("GET", "/v1/availability", headers=auth_headers(provider.key, conn.connection_id),
                    query={"serviceId": provider.demo["service_id"], "startDate": START.isoformat(),
                           "endDate": START.isoformat()})
    assert result.status == 401, result
    assert result.body["error"] == "connection_auth_failed"


@pytest.mark.parametrize("fault,status", [
    ({"kind": "status", "status": 500}, 502),
    ({"kind": "status", "status": 503, "headers": {"Retry-After": "1"}}, 503),
    ({"kind": "html", "status": 502}, 502),
    ({"kind": "malformed"}, 502),
])
def test_provider_faults_are_reported_as_such(provider: Provisioned, fault: dict[str, Any], status: int) -> None:
    provider.admin("faults", {"rules": [{"path": ".*", **fault}]})
    result = availability(provider, START, START)
    assert result.status == status, result
    assert set(result.body) == {"error", "message", "details"}
    if status == 503:
        assert result.headers.get("retry-after") == "1"


def test_provider_timeout_is_504(provider: Provisioned, monkeypatch: pytest.MonkeyPatch) -> None:
    import aptura.engine.http as http

    monkeypatch.setattr(http, "DEFAULT_TIMEOUT", 0.5)
    provider.admin("faults", {"rules": [{"path": ".*", "kind": "timeout", "seconds": 2}]})
    result = availability(provider, START, START)
    assert result.status == 504, result
    assert result.body["error"] == "provider_timeout"


def test_long_windows_follow_every_page(provider: Provisioned) -> None:
    end = START + timedelta(days=27)
    result = availability(provider, START, end)
    assert result.status == 200, result
    days = {parse(s["startTime"]).astimezone(zone_of(provider)).date() for s in result.body["slots"]}
    assert max(days) >= end - timedelta(days=2), "slots from the end of the window (later pages) are present"
