"""Tests for the DigitalBooker sandbox, over real HTTP with httpx (no client library exists)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from sandboxes.core import RunningServer, serve
from sandboxes.digitalbooker.app import DEMO, DigitalBookerSandbox

HEL = ZoneInfo("Europe/Helsinki")
PUB = "/aptura-demo/en/api/public"
ADM = "/aptura-demo/en/api/admin"
VIEW = PUB + "/locations/helsinki/views/palvelut"
FULL = ("ak_demo_full", "sk_demo_full_secret")
READONLY = ("ak_demo_readonly", "sk_demo_readonly_secret")
PINNED = "2027-01-04T00:00:00Z"  # Monday 02:00 in Helsinki


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = serve([DigitalBookerSandbox()])
    yield running
    running.stop()


@pytest.fixture()
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url + "/digitalbooker", timeout=10) as http:
        assert http.post("/_sandbox/reset").status_code == 200
        assert http.post("/_sandbox/clock", json={"now": PINNED}).status_code == 200
        yield http
        http.post("/_sandbox/clock", json={})


def available(client: httpx.Client, service: int, day: str, worker: int = 0, **extra: Any) -> list[dict[str, Any]]:
    """``data`` of the available-times call for one date (the default range)."""
    resp = client.get(f"{VIEW}/services/{service}/available", params={"worker_id": worker, "date": day, **extra})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["object"] == "list" and body["has_more"] is False
    return body["data"]


def starts(client: httpx.Client, service: int, day: str, worker: int = 0) -> list[str]:
    data = available(client, service, day, worker)
    assert [entry["date"] for entry in data] == [day]
    return [slot["from"] for slot in data[0]["available"]]


def book(client: httpx.Client, start: str, auth: tuple[str, str] = FULL, **fields: Any) -> httpx.Response:
    """POST /bookings; ``start`` is sent as ``from`` (a Python keyword)."""
    body = {"type": "service", "location_id": 1, "user_id": 3, "from": start, **fields}
    return client.post(ADM + "/bookings", json=body, auth=auth)


def state_bookings(client: httpx.Client) -> list[dict[str, Any]]:
    return client.get("/_sandbox/state").json()["bookings"]


def fold0_instant(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=HEL).astimezone(UTC)


def exists_locally(day: str, hhmm: str) -> bool:
    naive = datetime.fromisoformat(f"{day}T{hhmm}")
    return naive.replace(tzinfo=HEL).astimezone(UTC).astimezone(HEL).replace(tzinfo=None) == naive


# -- Public API: catalogue ------------------------------------------------------------------------


def test_public_locations_embed_views_and_localise(client: httpx.Client) -> None:
    body = client.get(PUB + "/locations").json()
    assert body["object"] == "list" and body["has_more"] is False and body["total_count"] == 2
    helsinki = body["data"][0]
    assert helsinki["object"] == "location" and helsinki["url_text"] == "helsinki"
    assert helsinki["name"] == "Helsinki City"
    assert [v["url_text"] for v in helsinki["views"]] == ["palvelut"]
    assert helsinki["views"][0]["object"] == "view"
    finnish = client.get("/aptura-demo/fi/api/public/locations/helsinki").json()
    assert finnish["name"] == "Helsinki Keskusta"
    # An undefined localisation falls back to a defined one instead of failing.
    assert client.get("/aptura-demo/sv/api/public/locations/helsinki").json()["name"] == "Helsinki Keskusta"


def test_public_unknown_customer_location_and_route_use_error_body(client: httpx.Client) -> None:
    resp = client.get("/someone-else/en/api/public/locations")
    assert resp.status_code == 404 and resp.json()["object"] == "error" and resp.json()["code"] == "not_found"
    assert client.get(PUB + "/locations/tampere").status_code == 404
    assert client.get(PUB + "/nothing-here").json()["code"] == "not_found"


def test_service_categories_list_and_detail(client: httpx.Client) -> None:
    cats = client.get(VIEW + "/service_categories").json()["data"]
    assert [(c["object"], c["id"], c["name"]) for c in cats] == [
        ("service_category", 1, "HAIR"), ("service_category", 2, "WELLBEING")]
    assert "services" not in cats[0]
    detail = client.get(VIEW + "/service_categories/1").json()
    assert [s["id"] for s in detail["services"]] == [1, 4]
    assert detail["services"][1]["durations"] == ["01:30"]
    assert detail["services"][0]["description"]["object"] == "description"
    espoo = client.get(PUB + "/locations/espoo/views/palvelut/service_categories/1").json()
    assert [s["id"] for s in espoo["services"]] == [1]  # colouring is not offered in Espoo


def test_service_resources_per_location(client: httpx.Client) -> None:
    hel = client.get(VIEW + "/services/3/resources").json()["data"]
    assert [(r["id"], r["type"]) for r in hel] == [(101, "worker"), (102, "worker"), (103, "worker")]
    espoo = client.get(PUB + "/locations/espoo/views/palvelut/services/3/resources").json()["data"]
    assert [r["id"] for r in espoo] == [102]
    assert client.get(VIEW + "/services/99/resources").status_code == 404


# -- Public API: available times --------------------------------------------------------------------


def test_available_is_work_hours_minus_bookings(client: httpx.Client) -> None:
    # Tue 2027-01-05: worker 101 works 09-17 and has a 10:00-10:30 haircut booked.
    mine = starts(client, 1, "2027-01-05", worker=101)
    assert mine[0] == "09:00" and mine[-1] == "16:30"
    assert "10:00" not in mine and "09:30" in mine and "10:30" in mine
    assert len(mine) == 16 - 1
    slots = {s["from"]: s for s in available(client, 1, "2027-01-05")[0]["available"]}
    assert slots["10:00"]["resources"] == [102]  # any worker: 102 is still free
    assert slots["09:00"]["resources"] == [101, 102]
    assert slots["09:00"]["to"] == "09:30" and slots["09:00"]["price"] == 38.0


def test_available_longer_service_respects_bookings_and_closing(client: httpx.Client) -> None:
    # 90-min colouring with worker 101 on 2027-01-05: 10:00-10:30 is taken, day ends 17:00.
    got = starts(client, 4, "2027-01-05", worker=101)
    assert "09:00" not in got and "09:30" not in got  # would run into the 10:00 booking
    assert got[0] == "10:30" and got[-1] == "15:30"


def test_available_week_is_monday_to_sunday(client: httpx.Client) -> None:
    data = available(client, 1, "2027-01-07", worker=101, date_range="week")
    assert [d["date"] for d in data] == [(date(2027, 1, 4) + timedelta(days=i)).isoformat() for i in range(7)]
    assert data[6]["available"] == []  # 101 does not work Sundays
    assert len(data[5]["available"]) == 16  # Saturday 09-17


def test_available_hides_past_times(client: httpx.Client) -> None:
    client.post("/_sandbox/clock", json={"now": "2027-01-05T10:00:00Z"})  # 12:00 in Helsinki
    assert starts(client, 1, "2027-01-05", worker=101)[0] == "12:00"
    assert starts(client, 1, "2027-01-04", worker=101) == []


def test_search_next_date_points_past_an_empty_week(client: httpx.Client) -> None:
    resp = client.get(VIEW + "/services/1/available",
                      params={"worker_id": 101, "date": "2026-12-30", "date_range": "week", "search_next_date": "true"})
    body = resp.json()
    assert all(d["available"] == [] for d in body["data"])
    assert body["next_date"] == "2027-01-04"


def test_available_rejects_bad_parameters(client: httpx.Client) -> None:
    bad_date = client.get(VIEW + "/services/1/available", params={"date": "05.01.2027"})
    assert bad_date.status_code == 400
    assert bad_date.json()["code"] == "invalid_parameter"
    assert bad_date.json()["errors"][0]["param"] == "date"
    wrong_worker = client.get(VIEW + "/services/1/available", params={"worker_id": 103, "date": "2027-01-05"})
    assert wrong_worker.status_code == 400 and wrong_worker.json()["errors"][0]["param"] == "worker_id"
    bad_range = client.get(VIEW + "/services/1/available", params={"date_range": "year"})
    assert bad_range.status_code == 400


def test_espoo_availability_uses_its_own_hours(client: httpx.Client) -> None:
    url = PUB + "/locations/espoo/views/palvelut/services/2/available"
    data = client.get(url, params={"worker_id": 102, "date": "2027-01-09"}).json()["data"][0]["available"]
    got = [s["from"] for s in data]
    # 10:00-16:00, 45-min massage on a 30-min grid, booking 11:00-11:45.
    assert got == ["10:00", "12:00", "12:30", "13:00", "13:30", "14:00", "14:30", "15:00"]


# -- DST -----------------------------------------------------------------------------------------------


def test_spring_forward_sunday_skips_the_missing_hour(client: httpx.Client) -> None:
    slots = available(client, 3, "2027-03-28", worker=103)[0]["available"]
    # 01:00-07:00 shift, 60-min service, booking 04:00-05:00 (summer time). 03:00-03:59 does not exist.
    assert [(s["from"], s["to"]) for s in slots] == [
        ("01:00", "02:00"), ("01:30", "02:30"), ("02:00", "04:00"),  # 02:00 EET + 60 min = 04:00 EEST
        ("05:00", "06:00"), ("05:30", "06:30"), ("06:00", "07:00")]
    # 02:30 is absent because in real time it runs to 04:30 and hits the 04:00 booking.
    assert fold0_instant("2027-03-28", "04:00") - fold0_instant("2027-03-28", "02:00") == timedelta(hours=1)


def test_dst_weeks_offer_only_real_local_times_of_true_length(client: httpx.Client) -> None:
    durations = {1: 30, 2: 45, 3: 60, 4: 90}
    for anchor in ("2027-03-28", "2027-10-31"):
        offered = 0
        for service, minutes in durations.items():
            for entry in available(client, service, anchor, date_range="week"):
                for slot in entry["available"]:
                    offered += 1
                    assert exists_locally(entry["date"], slot["from"]), (entry["date"], slot)
                    end = fold0_instant(entry["date"], slot["from"]) + timedelta(minutes=minutes)
                    assert end.astimezone(HEL).strftime("%H:%M") == slot["to"]
        assert offered > 100
    spring_sunday = {s["from"] for sid in durations for s in available(client, sid, "2027-03-28")[0]["available"]}
    assert not spring_sunday & {"03:00", "03:30"}
    massage = available(client, 2, "2027-03-28", worker=103)[0]["available"]
    # 02:30 + 45 min would end 04:15 local (real time), overlapping the 04:00 booking.
    assert [(s["from"], s["to"]) for s in massage] == [
        ("01:00", "01:45"), ("01:30", "02:15"), ("02:00", "02:45"), ("05:00", "05:45"), ("05:30", "06:15"),
        ("06:00", "06:45")]


def test_fall_back_sunday_offers_repeated_hour_once(client: httpx.Client) -> None:
    slots = available(client, 3, "2027-10-31", worker=103)[0]["available"]
    froms = [s["from"] for s in slots]
    # Booking 02:00-03:00 (first 03:00). Wall-clock grid; 03:00 means the first (summer-time) 03:00.
    assert froms == ["01:00", "03:00", "03:30", "04:00", "04:30", "05:00", "05:30", "06:00"]
    assert froms.count("03:00") == 1
    assert slots[1]["to"] == "03:00"  # 60 real minutes: 03:00 EEST -> 03:00 EET


def test_booking_across_the_gap_conflicts_in_real_time(client: httpx.Client) -> None:
    # 02:30 + 45 min on the spring-forward Sunday ends 04:15 local, overlapping the 04:00 booking.
    resp = book(client, service_id=2, resource_ids=[103], date="2027-03-28", start="02:30")
    assert resp.status_code == 409 and resp.json()["code"] == "booking_conflict"
    nonexistent = book(client, service_id=2, resource_ids=[103], date="2027-03-28", start="03:30")
    assert nonexistent.status_code == 400 and nonexistent.json()["errors"][0]["param"] == "from"
    ok = book(client, service_id=2, resource_ids=[103], date="2027-03-28", start="01:00")
    assert ok.status_code == 200 and ok.json()["to"] == "01:45"


def test_dst_week_weekday_bookings_reduce_availability(client: httpx.Client) -> None:
    assert "10:30" not in starts(client, 1, "2027-03-29", worker=102)
    fall = starts(client, 1, "2027-11-01", worker=102)
    assert "09:30" not in fall and "09:00" in fall and "10:00" in fall


# -- Admin API: auth -------------------------------------------------------------------------------------


def test_admin_requires_basic_auth(client: httpx.Client) -> None:
    missing = client.get(ADM + "/users")
    assert missing.status_code == 401
    assert missing.json()["object"] == "error" and missing.json()["code"] == "unauthorized"
    assert missing.headers["WWW-Authenticate"].startswith("Basic")
    assert client.get(ADM + "/users", auth=("ak_demo_full", "wrong")).status_code == 401
    assert client.get(ADM + "/users", auth=("ak_nobody", "sk_demo_full_secret")).status_code == 401
    garbled = client.get(ADM + "/users", headers={"Authorization": "Basic !!!"})
    assert garbled.status_code == 401 and garbled.json()["code"] == "unauthorized"
    assert client.get(ADM + "/users", auth=FULL).status_code == 200
    assert client.get(PUB + "/locations").status_code == 200  # the Public API has no auth


def test_key_privileges_limit_methods(client: httpx.Client) -> None:
    assert client.get(ADM + "/bookings", auth=READONLY).status_code == 200
    resp = book(client, auth=READONLY, service_id=1, resource_ids=[101], date="2027-01-06", start="09:00")
    assert resp.status_code == 403 and resp.json()["code"] == "forbidden"
    assert len(state_bookings(client)) == 11


# -- Admin API: users and pagination ----------------------------------------------------------------------


def test_users_pagination_followed_to_the_end(client: httpx.Client) -> None:
    seen: list[int] = []
    pages = 0
    params: dict[str, Any] = {}
    while True:
        body = client.get(ADM + "/users", params=params, auth=FULL).json()
        pages += 1
        assert body["object"] == "list" and body["total_count"] == 25
        seen += [u["id"] for u in body["data"]]
        if not body["has_more"]:
            break
        params = {"starting_after": body["data"][-1]["id"]}
    assert pages == 3 and seen == list(range(1, 26))  # the temporary user 26 is not listed
    by_offset: list[int] = []
    offset = 0
    while True:
        body = client.get(ADM + "/users", params={"offset": offset, "limit": 7}, auth=FULL).json()
        by_offset += [u["id"] for u in body["data"]]
        offset += len(body["data"])
        if not body["has_more"]:
            break
    assert by_offset == seen
    assert client.get(ADM + "/users/26", auth=FULL).json()["type"] == "temporary"


def test_pagination_parameter_errors(client: httpx.Client) -> None:
    for params in ({"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"starting_after": 999},
                   {"starting_after": 3, "offset": 2}):
        resp = client.get(ADM + "/users", params=params, auth=FULL)
        assert resp.status_code == 400, params
        assert resp.json()["code"] == "invalid_parameter" and resp.json()["errors"], params
    assert len(client.get(ADM + "/users", params={"limit": 100}, auth=FULL).json()["data"]) == 25


def test_users_filters_and_create(client: httpx.Client) -> None:
    vip = client.get(ADM + "/users", params={"group_id": 1}, auth=FULL).json()
    assert [u["id"] for u in vip["data"]] == [1, 2, 3, 4, 5]
    hit = client.get(ADM + "/users", params={"email": "AINO.VIRTANEN@example.fi"}, auth=FULL).json()
    assert [u["id"] for u in hit["data"]] == [1]
    created = client.post(ADM + "/users", auth=FULL, json={
        "first_name": "Sofia", "last_name": "Sandbox", "email": "sofia@example.fi", "phone": "+358401234567"})
    assert created.status_code == 200
    user = created.json()
    assert user["object"] == "user" and user["name"] == "Sofia Sandbox" and user["id"] == 27
    assert "address" not in user  # unset optional fields are omitted
    assert client.get(f"{ADM}/users/{user['id']}", auth=FULL).json()["email"] == "sofia@example.fi"
    found = client.get(ADM + "/users", params={"email": "sofia@example.fi"}, auth=FULL).json()["data"]
    assert [u["id"] for u in found] == [27]
    dup = client.post(ADM + "/users", auth=FULL,
                      json={"first_name": "A", "last_name": "B", "email": "sofia@example.fi"})
    assert dup.status_code == 400 and dup.json()["errors"][0]["param"] == "email"
    missing = client.post(ADM + "/users", auth=FULL, json={"email": "x@example.fi"})
    assert missing.status_code == 400
    assert sorted(e["param"] for e in missing.json()["errors"]) == ["first_name", "last_name"]


def test_users_update_and_delete(client: httpx.Client) -> None:
    assert client.put(ADM + "/users/2", auth=FULL, json={"city": "Turku"}).status_code == 400  # names required
    updated = client.put(ADM + "/users/2", auth=FULL, json={"first_name": "Eero", "last_name": "K", "city": "Turku"})
    assert updated.status_code == 200 and updated.json()["city"] == "Turku" and updated.json()["name"] == "Eero K"
    gone = client.delete(ADM + "/users/2", auth=FULL).json()
    assert gone == {"object": "user", "id": 2, "deleted": True}
    assert client.get(ADM + "/users/2", auth=FULL).status_code == 404
    assert client.get(ADM + "/users", auth=FULL).json()["total_count"] == 24


# -- Admin API: bookings ----------------------------------------------------------------------------------


def test_booking_lifecycle_create_get_list_reschedule_cancel(client: httpx.Client) -> None:
    created = book(client, service_id=4, resource_ids=[101], date="2027-01-06", notes="first visit",
                   start="13:00")
    assert created.status_code == 200, created.text
    bk = created.json()
    assert (bk["object"], bk["type"], bk["from"], bk["to"], bk["resource_ids"]) == (
        "booking", "service", "13:00", "14:30", [101])
    assert bk["price"] == 120.0 and bk["tax"] == 24.38 and bk["user"]["id"] == 3 and "modified" not in bk
    assert client.get(f"{ADM}/bookings/{bk['id']}", auth=FULL).json()["notes"] == "first visit"
    listed = client.get(ADM + "/bookings", params={"date": "2027-01-06"}, auth=FULL).json()["data"]
    assert [b["id"] for b in listed] == [bk["id"]]
    free = starts(client, 1, "2027-01-06", worker=101)
    assert "12:30" in free and "14:30" in free and not {"13:00", "13:30", "14:00"} & set(free)

    moved = client.put(f"{ADM}/bookings/{bk['id']}", auth=FULL, json={"from": "15:00"})
    assert moved.status_code == 200 and moved.json()["from"] == "15:00" and moved.json()["to"] == "16:30"
    assert moved.json()["modified"] == "2027-01-04 02:00:00"
    free = starts(client, 1, "2027-01-06", worker=101)
    assert "13:00" in free and "15:00" not in free

    clash = client.put(f"{ADM}/bookings/{bk['id']}", auth=FULL, json={"date": "2027-01-05", "from": "09:30"})
    assert clash.status_code == 409 and clash.json()["code"] == "booking_conflict"

    gone = client.delete(f"{ADM}/bookings/{bk['id']}", auth=FULL)
    assert gone.json() == {"object": "booking", "id": bk["id"], "deleted": True}
    assert client.get(f"{ADM}/bookings/{bk['id']}", auth=FULL).json()["deleted"] is True
    deleted = client.get(ADM + "/bookings/deleted", auth=FULL).json()  # default: deleted today
    assert deleted["data"] == [bk["id"]]
    assert "15:00" in starts(client, 1, "2027-01-06", worker=101)


def test_double_booking_is_refused_with_409(client: httpx.Client) -> None:
    overlap = book(client, service_id=4, resource_ids=[101], date="2027-01-05", start="09:30")
    assert overlap.status_code == 409
    assert overlap.json()["code"] == "booking_conflict" and overlap.json()["message"]
    back_to_back = book(client, service_id=1, resource_ids=[101], date="2027-01-05", start="09:30")
    assert back_to_back.status_code == 200  # ends 10:00, exactly when the next booking starts
    other_worker = book(client, service_id=1, resource_ids=[102], date="2027-01-05", start="10:00")
    assert other_worker.status_code == 200


def test_twenty_concurrent_bookings_of_one_slot_create_exactly_one(client: httpx.Client) -> None:
    before = len(state_bookings(client))
    base = str(client.base_url)

    def attempt(i: int) -> int:
        with httpx.Client(base_url=base, timeout=10) as http:
            resp = http.post(ADM + "/bookings", auth=FULL, json={
                "location_id": 1, "service_id": 1, "resource_ids": [101], "date": "2027-01-06",
                "from": "11:00", "user_id": 1 + i % 25})
            assert resp.status_code in (200, 409), resp.text
            return resp.status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(attempt, range(20)))
    assert codes.count(200) == 1 and codes.count(409) == 19
    after = state_bookings(client)
    assert len(after) == before + 1
    assert [b["from"] for b in after if b["date"] == "2027-01-06" and b["resource_ids"] == [101]] == ["11:00"]


def test_booking_validation_errors(client: httpx.Client) -> None:
    missing = client.post(ADM + "/bookings", auth=FULL, json={"type": "service"})
    assert missing.status_code == 400
    params = {e["param"] for e in missing.json()["errors"]}
    assert {"location_id", "date", "from", "resource_ids", "user_id", "service_id"} <= params
    wrong_worker = book(client, service_id=1, resource_ids=[103], date="2027-01-06", start="13:00")
    assert wrong_worker.status_code == 400 and wrong_worker.json()["errors"][0]["param"] == "resource_ids"
    past = book(client, service_id=1, resource_ids=[101], date="2027-01-02", start="10:00")
    assert past.status_code == 400 and past.json()["errors"][0]["param"] == "from"
    late = book(client, service_id=1, resource_ids=[101], date="2027-01-06", start="16:45")
    assert late.status_code == 409 and late.json()["code"] == "time_not_available"
    sunday = book(client, service_id=1, resource_ids=[101], date="2027-01-10", start="10:00")
    assert sunday.status_code == 409
    bad_time = book(client, service_id=1, resource_ids=[101], date="2027-01-06", start="1pm")
    assert bad_time.status_code == 400 and bad_time.json()["errors"][0]["param"] == "from"
    unknown_user = book(client, service_id=1, resource_ids=[101], date="2027-01-06", user_id=999, start="10:00")
    assert unknown_user.status_code == 400 and unknown_user.json()["errors"][0]["param"] == "user_id"
    assert len(state_bookings(client)) == 11


def test_form_encoded_create_and_resource_booking(client: httpx.Client) -> None:
    form = client.post(ADM + "/bookings", auth=FULL, data={
        "location_id": "1", "service_id": "1", "resource_ids[]": "102", "date": "2027-01-06", "from": "09:00",
        "user_id": "4"})
    assert form.status_code == 200, form.text
    assert form.json()["resource_ids"] == [102]
    room = book(client, type="resource", resource_ids=[201], date="2027-01-06", duration="01:00", start="10:00")
    assert room.status_code == 200 and room.json()["to"] == "11:00" and "service_id" not in room.json()
    again = book(client, type="resource", resource_ids=[201], date="2027-01-06", duration="00:30", start="10:30")
    assert again.status_code == 409


def test_bookings_list_filters_and_pagination(client: httpx.Client) -> None:
    ids: list[int] = []
    params: dict[str, Any] = {"from_date": "2026-12-01", "to_date": "2027-12-31", "limit": 4}
    while True:
        body = client.get(ADM + "/bookings", params=params, auth=FULL).json()
        assert body["total_count"] == 11
        ids += [b["id"] for b in body["data"]]
        if not body["has_more"]:
            break
        params["starting_after"] = body["data"][-1]["id"]
    # Chronological, not by id: 5005 (Jan 7) precedes 5004 (Jan 9).
    assert ids == [5001, 5002, 5003, 5005, 5004, 5006, 5007, 5008, 5009, 5010, 5011]
    today = client.get(ADM + "/bookings", auth=FULL).json()
    assert today["data"] == [] and today["total_count"] == 0  # default: the current date only
    by_resource = client.get(ADM + "/bookings", auth=FULL,
                             params={"from_date": "2027-01-01", "resource_ids": "103"}).json()["data"]
    assert [b["id"] for b in by_resource] == [5005, 5007, 5010]
    confirmed = client.get(ADM + "/bookings", auth=FULL,
                           params={"date": "2027-01-05", "confirmed": "true"}).json()["data"]
    assert [b["id"] for b in confirmed] == [5002]
    espoo = client.get(ADM + "/bookings", auth=FULL, params={"from_date": "2027-01-01", "location_id": 2}).json()
    assert [b["id"] for b in espoo["data"]] == [5004]


def test_bookings_changed_since(client: httpx.Client) -> None:
    assert book(client, service_id=1, resource_ids=[101], date="2027-06-01", start="09:00").status_code == 200
    changed = client.get(ADM + "/bookings", auth=FULL, params={"changed_since": "2027-01-01 00:00:00"}).json()
    assert [b["date"] for b in changed["data"]] == ["2027-06-01"]


# -- Admin API: catalogue and demo constant -------------------------------------------------------------------


def test_admin_catalogue(client: httpx.Client) -> None:
    locs = client.get(ADM + "/locations", params={"include_external_ids": "true"}, auth=FULL).json()["data"]
    assert [(loc["id"], loc["external_id"]) for loc in locs] == [(1, "HEL-01"), (2, "ESP-01")]
    workers = client.get(ADM + "/resources", params={"type": "worker", "location_id": 2}, auth=FULL).json()
    assert [r["id"] for r in workers["data"]] == [102]
    hours = client.get(ADM + "/workers/103/work_hours/1", auth=FULL,
                       params={"from_date": "2027-03-22", "to_date": "2027-03-28"}).json()["data"]
    assert [(h["date"], h["from"], h["to"]) for h in hours] == [
        ("2027-03-23", "12:00", "20:00"), ("2027-03-24", "12:00", "20:00"), ("2027-03-25", "12:00", "20:00"),
        ("2027-03-26", "12:00", "20:00"), ("2027-03-28", "01:00", "07:00")]
    services = client.get(ADM + "/services", auth=FULL).json()
    assert [s["id"] for s in services["data"]] == [1, 2, 3, 4]
    assert client.get(ADM + "/services/9", auth=FULL).status_code == 404


def test_demo_constant_is_usable(client: httpx.Client) -> None:
    cfg, creds = DEMO["config"], DEMO["credentials"]
    root = f"/{cfg['customer']}/{cfg['lang']}/api"
    auth = (creds["apiKeyId"], creds["apiKeyPassword"])
    assert client.get(root + "/admin/services/" + DEMO["service_id"], auth=auth).status_code == 200
    view = f"{root}/public/locations/{cfg['locationUrlText']}/views/{cfg['viewUrlText']}"
    workers = client.get(f"{view}/services/{DEMO['service_id']}/resources").json()["data"]
    assert int(DEMO["staff_id"]) in [w["id"] for w in workers]
    assert cfg["timezone"] == "Europe/Helsinki"


def test_reset_restores_seed(client: httpx.Client) -> None:
    assert book(client, service_id=1, resource_ids=[101], date="2027-01-06", start="09:00").status_code == 200
    assert len(state_bookings(client)) == 12
    client.post("/_sandbox/reset")
    assert len(state_bookings(client)) == 11


# -- Admin API: what the Aptura spec's lifecycle and catalogue operations call -------------------------------


def test_a_deleted_booking_stays_retrievable_marked_deleted_and_nowhere_else(client: httpx.Client) -> None:
    before = client.get(f"{ADM}/bookings/5002", auth=FULL).json()
    assert "deleted" not in before
    assert "10:00" not in starts(client, 1, "2027-01-05", worker=101)
    gone = client.delete(f"{ADM}/bookings/5002", auth=FULL)
    assert gone.status_code == 200 and gone.json() == {"object": "booking", "id": 5002, "deleted": True}

    after = client.get(f"{ADM}/bookings/5002", auth=FULL)
    assert after.status_code == 200
    assert after.json() == {**before, "deleted": True}  # as it was, only marked
    listed = client.get(ADM + "/bookings", params={"date": "2027-01-05"}, auth=FULL).json()["data"]
    assert [b["id"] for b in listed] == [5003]
    assert 5002 not in [b["id"] for b in state_bookings(client)]
    assert "10:00" in starts(client, 1, "2027-01-05", worker=101)  # the time is free again
    for method in ("DELETE", "PUT"):
        again = client.request(method, f"{ADM}/bookings/5002", auth=FULL, json={"notes": "x"})
        assert again.status_code == 404 and again.json()["code"] == "not_found", method
    assert client.get(f"{ADM}/bookings/5999", auth=FULL).status_code == 404
    assert client.get(f"{ADM}/bookings/5002", auth=READONLY).status_code == 200
    assert client.delete(f"{ADM}/bookings/5003", auth=READONLY).status_code == 403
    client.post("/_sandbox/reset")
    assert "deleted" not in client.get(f"{ADM}/bookings/5002", auth=FULL).json()


def test_reschedule_worker_change_and_notes_in_place(client: httpx.Client) -> None:
    to_bertta = client.put(f"{ADM}/bookings/5002", auth=FULL, json={"resource_ids": [102]})
    assert to_bertta.status_code == 200 and to_bertta.json()["resource_ids"] == [102]
    assert "10:00" in starts(client, 1, "2027-01-05", worker=101)
    assert "10:00" not in starts(client, 1, "2027-01-05", worker=102)
    onto_5003 = client.put(f"{ADM}/bookings/5002", auth=FULL, json={"from": "13:00"})  # Bertta's 13:00 booking
    assert onto_5003.status_code == 409 and onto_5003.json()["code"] == "booking_conflict"
    assert client.get(f"{ADM}/bookings/5002", auth=FULL).json()["from"] == "10:00"  # unchanged
    closed = client.put(f"{ADM}/bookings/5002", auth=FULL, json={"from": "18:00"})
    assert closed.status_code == 409 and closed.json()["code"] == "time_not_available"
    unassign = client.put(f"{ADM}/bookings/5002", auth=FULL, json={"resource_ids": []})
    assert unassign.status_code == 400 and unassign.json()["errors"][0]["param"] == "resource_ids"
    noted = client.put(f"{ADM}/bookings/5002", auth=FULL, json={"notes": "allergic to dyes"})
    assert noted.status_code == 200 and noted.json()["notes"] == "allergic to dyes"
    assert noted.json()["from"] == "10:00" and noted.json()["modified"] == "2027-01-04 02:00:00"


def test_catalogue_lookups_by_id_and_view(client: httpx.Client) -> None:
    loc = client.get(ADM + "/locations/1", auth=FULL).json()
    assert (loc["object"], loc["url_text"], loc["zip"], loc["country"]) == ("location", "helsinki", "00100", "FI")
    assert client.get(ADM + "/locations/9", auth=FULL).status_code == 404
    assert client.get(ADM + "/locations/1").status_code == 401
    room = client.get(ADM + "/resources/201", auth=FULL).json()
    assert (room["type"], room["name"]) == ("resource", "Treatment room")
    workers = client.get(ADM + "/resources", params={"type": "worker", "location_id": 1}, auth=FULL).json()
    assert [r["id"] for r in workers["data"]] == [101, 102, 103]
    view = client.get(VIEW).json()
    assert (view["object"], view["id"], view["url_text"]) == ("view", 1, "palvelut")
    assert client.get(PUB + "/locations/helsinki/views/nope").status_code == 404
    assert client.get(PUB + "/locations/espoo/views/palvelut/services/4/resources").status_code == 404
    performers = client.get(VIEW + "/services/2/resources").json()["data"]
    assert [r["id"] for r in performers] == [102, 103]
    service = client.get(ADM + "/services/4", auth=FULL).json()
    assert service["durations"] == ["01:30"] and "price" not in service
