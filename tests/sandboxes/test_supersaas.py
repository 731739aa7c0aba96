"""Tests of the SuperSaaS sandbox: auth, availability, bookings, users and the official client."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from sandboxes.core import RunningServer, serve
from sandboxes.supersaas.app import DEMO, SuperSaasSandbox

ACCOUNT = "ApturaDemo"
KEY = "kX3vR8mQ2pLw7sTb9nYc4A"
RES, CAP, SRV = 300101, 300102, 300103
CLOCK = "2027-01-04T00:00:00Z"  # Sunday 2027-01-03 19:00 in New York


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = serve([SuperSaasSandbox()])
    yield running
    running.stop()


@pytest.fixture(scope="module")
def raw(server: RunningServer) -> Iterator[httpx.Client]:
    """An unauthenticated client on the provider host (one pool for the module keeps tests fast)."""
    with httpx.Client(base_url=f"{server.url}/supersaas", timeout=15) as client:
        yield client


@pytest.fixture(scope="module")
def authed(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server.url}/supersaas", auth=(ACCOUNT, KEY), timeout=15) as client:
        yield client


@pytest.fixture(autouse=True)
def base(server: RunningServer, raw: httpx.Client) -> str:
    """Fresh seed state and the clock pinned to CLOCK; returns the provider base URL."""
    raw.post("/_sandbox/reset").raise_for_status()
    pin(raw, CLOCK)
    return f"{server.url}/supersaas"


@pytest.fixture
def api(base: str, authed: httpx.Client) -> httpx.Client:
    return authed


def pin(raw: httpx.Client, now: str) -> None:
    raw.post("/_sandbox/clock", json={"now": now}).raise_for_status()


def booking_id(response: httpx.Response) -> str:
    assert response.status_code == 201, response.text
    assert response.content == b""
    match = re.search(r"/api/bookings/(\d+)\.json$", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


def book(api: httpx.Client, start: str, finish: str, resource: Any = 101, **extra: Any) -> httpx.Response:
    booking = {"start": start, "finish": finish, "resource_id": resource, "full_name": "Test Client", **extra}
    return api.post("/api/bookings.json", json={"schedule_id": RES, "booking": booking})


def free(api: httpx.Client, schedule: int = RES, since: str | None = None, **params: Any) -> list[dict[str, Any]]:
    """GET /api/free; ``since`` is the ``from`` parameter (a Python keyword)."""
    if since is not None:
        params["from"] = since
    response = api.get(f"/api/free/{schedule}.json", params=params)
    assert response.status_code == 200, response.text
    slots: list[dict[str, Any]] = response.json()["slots"]
    return slots


def spans(slots: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(s["start"], s["finish"]) for s in slots]


def live_bookings(raw: httpx.Client) -> list[dict[str, Any]]:
    state = raw.get("/_sandbox/state").json()
    return [b for b in state["bookings"] if not b["deleted"]]


def errors_title(response: httpx.Response) -> str:
    body = response.json()
    assert body["errors"][0]["status"] == str(response.status_code)
    title: str = body["errors"][0]["title"]
    return title


# -- authentication ------------------------------------------------------------------------------


def test_basic_auth_lists_schedules(api: httpx.Client) -> None:
    response = api.get("/api/schedules.json")
    assert response.status_code == 200
    assert response.json() == [
        {"id": RES, "name": "Studio Staff"},
        {"id": CAP, "name": "Group Classes"},
        {"id": SRV, "name": "Spa Services"},
    ]


def test_url_parameter_auth(raw: httpx.Client) -> None:
    ok = raw.get("/api/schedules.json", params={"account": ACCOUNT, "api_key": KEY})
    assert ok.status_code == 200 and len(ok.json()) == 3
    # a schedule id identifies the account, so api_key alone is enough there ...
    assert raw.get(f"/api/free/{RES}.json", params={"api_key": KEY}).status_code == 200
    # ... but not on account-wide calls
    assert raw.get("/api/schedules.json", params={"api_key": KEY}).status_code == 401
    legacy = raw.get("/api/schedules.json", params={"account": ACCOUNT, "api_key": "demo-admin-password"})
    assert legacy.status_code == 200


def test_missing_credentials_are_401(raw: httpx.Client) -> None:
    response = raw.get("/api/schedules.json")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Basic")
    assert "Unauthorized" in errors_title(response)


@pytest.mark.parametrize(
    ("auth", "params"),
    [
        ((ACCOUNT, "wrong-key"), {}),
        (("OtherAccount", KEY), {}),
        (None, {"account": ACCOUNT, "api_key": "wrong-key"}),
        (None, {"account": "OtherAccount", "api_key": KEY}),
        (None, {"checksum": "0" * 32, "user": "jane.doe@example.com"}),
    ],
)
def test_wrong_credentials_are_403(raw: httpx.Client, auth: tuple[str, str] | None, params: dict[str, str]) -> None:
    response = raw.get(f"/api/agenda/{RES}.json", params={"user": "jane.doe@example.com", **params},
                         auth=auth)
    assert response.status_code == 403
    assert errors_title(response) == "Not authorized"


def test_checksum_auth(raw: httpx.Client) -> None:
    user = "jane.doe@example.com"
    checksum = hashlib.md5(f"{ACCOUNT}{KEY}{user}".encode()).hexdigest()
    agenda = raw.get(f"/api/agenda/{RES}.json", params={"user": user, "checksum": checksum})
    assert agenda.status_code == 200
    assert {b["id"] for b in agenda.json()["bookings"]} == {"880001", "880006", "880009"}
    # /api/free accepts any user name in the checksum
    random_user = "visitor-42"
    other = hashlib.md5(f"{ACCOUNT}{KEY}{random_user}".encode()).hexdigest()
    assert raw.get(f"/api/free/{RES}.json", params={"user": random_user, "checksum": other}).status_code == 200
    # a checksum for one user does not open another user's agenda, nor account-wide calls
    sam = raw.get(f"/api/agenda/{RES}.json", params={"user": "sam.lee@example.com", "checksum": checksum})
    assert sam.status_code == 403
    assert raw.get("/api/schedules.json", params={"account": ACCOUNT, "checksum": checksum}).status_code == 403


def test_bearer_api_key(raw: httpx.Client) -> None:
    response = raw.get("/api/schedules.json", headers={"Authorization": f"Bearer {KEY}"})
    assert response.status_code == 200


# -- information API ---------------------------------------------------------------------------------


def test_resources_per_schedule_type(api: httpx.Client) -> None:
    assert api.get("/api/resources.json", params={"schedule_id": RES}).json() == [
        {"id": 101, "name": "Alice Moreno"}, {"id": 102, "name": "Ben Okafor"}, {"id": 103, "name": "Chloe Park"},
    ]
    services = api.get("/api/resources.json", params={"schedule_id": SRV}).json()
    assert [s["name"] for s in services] == ["Consultation", "Treatment", "Massage", "Deep Tissue Massage"]
    capacity = api.get("/api/resources.json", params={"schedule_id": CAP})
    assert capacity.status_code == 405
    assert api.get("/api/resources.json", params={"schedule_id": 999}).status_code == 404


def test_demo_constant_matches_the_sandbox(api: httpx.Client) -> None:
    config = DEMO["config"]
    assert config["account_name"] == ACCOUNT and DEMO["credentials"]["api_key"] == KEY
    assert config["time_zone"] == "America/New_York" and config["schedule_type"] == "resource"
    resources = api.get("/api/resources.json", params={"schedule_id": config["schedule_id"]}).json()
    assert DEMO["staff_id"] in {str(r["id"]) for r in resources}
    services = [entry.split(":", 2) for entry in config["services"].split(",")]
    assert DEMO["service_id"] in {ident for ident, _, _ in services}
    assert sorted(int(minutes) for _, minutes, _ in services) == [30, 45, 60, 90]
    assert DEMO["schedules"] == {"resource": str(RES), "capacity": str(CAP), "service": str(SRV)}


# -- availability -----------------------------------------------------------------------------------


def test_free_resource_is_hours_minus_bookings(api: httpx.Client) -> None:
    slots = free(api, resource="Alice Moreno", since="2027-01-05 00:00:00", maxresults=3)
    assert spans(slots) == [
        ("2027-01-05 09:00:00", "2027-01-05 10:00:00"),
        ("2027-01-05 11:00:00", "2027-01-05 17:00:00"),
        ("2027-01-06 09:00:00", "2027-01-06 17:00:00"),
    ]
    assert all(s["count"] == 1 and s["resource_id"] == 101 and s["title"] == "Alice Moreno" for s in slots)


def test_free_all_resources_ordered_by_start(api: httpx.Client) -> None:
    slots = free(api, since="2027-01-05 09:00:00")
    assert len(slots) == 10  # the documented default maxresults
    assert [(s["start"][11:16], s["name"]) for s in slots[:5]] == [
        ("09:00", "Alice Moreno"), ("09:00", "Ben Okafor"), ("09:00", "Chloe Park"),
        ("11:00", "Alice Moreno"), ("14:30", "Ben Okafor"),
    ]
    assert [s["start"] for s in slots] == sorted(s["start"] for s in slots)


def test_free_length_filters_short_gaps(api: httpx.Client) -> None:
    # Ben on 2027-01-05: free 09:00-13:00 (240 min) and 14:30-17:00 (150 min)
    slots = free(api, resource="Ben Okafor", length=180, maxresults=2, since="2027-01-05 00:00:00")
    assert spans(slots) == [("2027-01-05 09:00:00", "2027-01-05 13:00:00"),
                            ("2027-01-06 09:00:00", "2027-01-06 17:00:00")]


def test_free_clips_to_from_and_to_the_clock(raw: httpx.Client, api: httpx.Client) -> None:
    slots = free(api, resource="Alice Moreno", maxresults=1, since="2027-01-05 12:00:00")
    assert spans(slots) == [("2027-01-05 12:00:00", "2027-01-05 17:00:00")]
    pin(raw, "2027-01-05T20:07:00Z")  # 15:07 in New York: nothing before 15:15 is offered
    slots = free(api, resource="Chloe Park", maxresults=1, since="2027-01-05 09:00:00")
    assert spans(slots) == [("2027-01-05 15:15:00", "2027-01-05 17:00:00")]


def test_free_pages_by_moving_from(api: httpx.Client) -> None:
    seen: list[tuple[str, str]] = []
    cursor = "2027-01-04 00:00:00"
    for _ in range(3):
        page = free(api, resource="Chloe Park", maxresults=4, since=cursor)
        assert len(page) == 4
        seen += spans(page)
        cursor = page[-1]["finish"]
    assert len(seen) == len(set(seen)) == 12
    assert seen[0] == ("2027-01-04 09:00:00", "2027-01-04 17:00:00")
    assert ("2027-01-06 09:30:00", "2027-01-06 17:00:00") in seen  # after the 09:00-09:30 booking
    assert not any(s.startswith("2027-01-10") for s, _ in seen)  # Sunday is closed
    # maxresults is capped, so a big request still needs paging
    assert len(free(api, maxresults=5000, since="2027-01-04 00:00:00")) == 100


def test_free_uses_local_wall_time_across_dst(api: httpx.Client) -> None:
    spring = free(api, resource="Alice Moreno", maxresults=1, since="2027-03-15 00:00:00")
    assert spans(spring) == [("2027-03-15 10:00:00", "2027-03-15 17:00:00")]
    fall = free(api, resource="Ben Okafor", maxresults=2, since="2027-11-08 00:00:00")
    assert spans(fall) == [("2027-11-08 09:00:00", "2027-11-08 14:00:00"),
                           ("2027-11-08 15:00:00", "2027-11-08 17:00:00")]
    new_id = booking_id(book(api, "2027-03-15 10:00:00", "2027-03-15 11:00:00"))
    stored = api.get(f"/api/bookings/{new_id}.json").json()
    assert (stored["start"], stored["finish"]) == ("2027-03-15 10:00:00", "2027-03-15 11:00:00")


def test_free_capacity_slots_report_places_left(api: httpx.Client) -> None:
    slots = free(api, CAP, maxresults=3, since="2027-01-05 00:00:00")
    assert [(s["id"], s["count"]) for s in slots] == [(2027010501, 5), (2027010502, 6), (2027010601, 8)]
    assert slots[0]["title"] == "Morning Yoga" and slots[0]["location"] == "Downtown Studio"
    without_full = free(api, CAP, maxresults=4, since="2027-01-06 00:00:00")
    assert 2027010602 not in [s["id"] for s in without_full]  # Pilates on the 6th is full
    with_full = free(api, CAP, maxresults=2, full="true", since="2027-01-06 00:00:00")
    assert [(s["id"], s["count"]) for s in with_full] == [(2027010601, 8), (2027010602, 0)]


def test_free_not_supported_on_service_schedules(api: httpx.Client) -> None:
    response = api.get(f"/api/free/{SRV}.json")
    assert response.status_code == 501
    assert "service" in errors_title(response)


def test_free_bad_parameters(api: httpx.Client) -> None:
    assert api.get(f"/api/free/{RES}.json", params={"from": "next tuesday"}).status_code == 400
    assert api.get(f"/api/free/{RES}.json", params={"resource": "Nobody"}).status_code == 404
    assert api.get("/api/free/999.json").status_code == 404


def test_free_if_modified_since(raw: httpx.Client, api: httpx.Client) -> None:
    first = api.get(f"/api/free/{RES}.json")
    stamp = first.headers["last-modified"]
    assert api.get(f"/api/free/{RES}.json", headers={"If-Modified-Since": stamp}).status_code == 304
    pin(raw, "2027-01-04T01:00:00Z")
    booking_id(book(api, "2027-01-05 15:00:00", "2027-01-05 16:00:00"))
    assert api.get(f"/api/free/{RES}.json", headers={"If-Modified-Since": stamp}).status_code == 200


def test_free_iso_time_style(server: RunningServer, api: httpx.Client) -> None:
    app = server.app("supersaas")
    assert isinstance(app, SuperSaasSandbox)
    app.free_time_style = "iso"
    try:
        slots = free(api, resource="Alice Moreno", maxresults=1, since="2027-01-05 00:00:00")
    finally:
        app.free_time_style = "space"
    assert slots[0]["start"] == "2027-01-05T09:00:00"


# -- creating bookings -------------------------------------------------------------------------------


def test_create_returns_201_with_location_only(api: httpx.Client) -> None:
    response = book(api, "2027-01-05 15:00:00", "2027-01-05 16:00:00", email="t@example.com")
    new_id = booking_id(response)
    assert response.headers["content-type"].startswith("application/json")
    booking = api.get(f"/api/bookings/{new_id}.json", params={"schedule_id": RES}).json()
    assert booking["id"] == new_id
    assert (booking["start"], booking["finish"]) == ("2027-01-05 15:00:00", "2027-01-05 16:00:00")
    assert (booking["resource_id"], booking["res_name"]) == (101, "Alice Moreno")
    assert booking["full_name"] == "Test Client" and booking["email"] == "t@example.com"
    # created_on is UTC: the clock is 2027-01-04 00:00Z, i.e. 2027-01-03 19:00 in New York
    assert booking["created_on"] == booking["updated_on"] == "2027-01-04 00:00:00"
    assert booking["deleted"] is False and booking["user_id"] is None


def test_create_with_url_params_and_flat_json(raw: httpx.Client, api: httpx.Client) -> None:
    params: dict[str, str | int] = {
        "schedule_id": RES, "account": ACCOUNT, "api_key": KEY, "booking[start]": "2027-01-05 15:00:00",
        "booking[finish]": "2027-01-05 16:00:00", "booking[resource_id]": "Ben Okafor",
        "booking[full_name]": "Form Client",
    }
    first = booking_id(raw.post("/api/bookings.json", params=params))
    flat = api.post("/api/bookings.json", params={"schedule_id": RES},
                    json={"start": "2027-01-05 16:00:00", "finish": "2027-01-05 17:00:00", "resource_id": 102,
                          "full_name": "Flat Client"})
    second = booking_id(flat)
    names = {b["id"]: (b.get("res_name"), b["full_name"]) for b in live_bookings(raw)}
    assert names[first] == ("Ben Okafor", "Form Client") and names[second] == ("Ben Okafor", "Flat Client")


@pytest.mark.parametrize(
    ("booking", "status", "fragment"),
    [
        ({"start": None}, 422, "Start"),
        ({"finish": None}, 422, "Finish"),
        ({"start": "2027-01-05 16:00:00", "finish": "2027-01-05 15:00:00"}, 422, "after"),
        ({"start": "2027-01-10 10:00:00", "finish": "2027-01-10 11:00:00"}, 422, "outside"),  # Sunday
        ({"start": "2027-01-05 08:00:00", "finish": "2027-01-05 09:00:00"}, 422, "outside"),
        ({"start": "2027-01-05 16:30:00", "finish": "2027-01-05 17:30:00"}, 422, "outside"),
        ({"start": "2027-01-02 10:00:00", "finish": "2027-01-02 11:00:00"}, 422, "past"),
        ({"start": "tomorrow", "finish": "2027-01-05 11:00:00"}, 422, "valid time"),
        ({"email": "not-an-email"}, 422, "Email"),
        ({"country": "USA"}, 422, "Country"),
        ({"full_name": ""}, 422, "Full name"),
        ({"resource_id": 999}, 422, "Resource"),
        ({"colour": "blue"}, 400, "unknown attribute 'colour' for Booking"),
    ],
)
def test_create_validation_errors(api: httpx.Client, booking: dict[str, Any], status: int, fragment: str) -> None:
    body = {"start": "2027-01-05 15:00:00", "finish": "2027-01-05 16:00:00", "resource_id": 101,
            "full_name": "Test Client"}
    body.update(booking)
    body = {k: v for k, v in body.items() if v is not None}  # None marks a field left out
    response = api.post("/api/bookings.json", json={"schedule_id": RES, "booking": body})
    assert response.status_code == status, response.text
    assert fragment in errors_title(response)


def test_create_on_unknown_or_service_schedule(api: httpx.Client) -> None:
    booking = {"start": "2027-01-05 15:00:00", "finish": "2027-01-05 16:00:00", "full_name": "X"}
    assert api.post("/api/bookings.json", json={"schedule_id": 999, "booking": booking}).status_code == 404
    assert api.post("/api/bookings.json", json={"schedule_id": SRV, "booking": booking}).status_code == 501


def test_double_booking_is_refused(raw: httpx.Client, api: httpx.Client) -> None:
    clash = book(api, "2027-01-05 10:30:00", "2027-01-05 11:30:00", resource="Alice Moreno")
    assert clash.status_code == 422
    assert clash.json()["errors"][0]["code"] == "not_available"
    booking_id(book(api, "2027-01-05 10:30:00", "2027-01-05 11:30:00", resource=103))  # another resource
    booking_id(book(api, "2027-01-05 11:00:00", "2027-01-05 12:00:00", resource=101))  # back-to-back is fine
    assert len(live_bookings(raw)) == 17 + 2  # 18 seeded, one of them deleted


def test_without_resource_the_first_free_one_is_taken(api: httpx.Client) -> None:
    ids = []
    for _ in range(2):  # Alice is busy 10-11, so Ben then Chloe
        response = api.post("/api/bookings.json", json={"schedule_id": RES, "booking": {
            "start": "2027-01-05 10:00:00", "finish": "2027-01-05 11:00:00", "full_name": "Anyone"}})
        ids.append(booking_id(response))
    names = [api.get(f"/api/bookings/{i}.json").json()["res_name"] for i in ids]
    assert names == ["Ben Okafor", "Chloe Park"]
    full = api.post("/api/bookings.json", json={"schedule_id": RES, "booking": {
        "start": "2027-01-05 10:00:00", "finish": "2027-01-05 11:00:00", "full_name": "Anyone"}})
    assert full.status_code == 422 and full.json()["errors"][0]["code"] == "not_available"


def _race(client: httpx.Client, payload: dict[str, Any], attempts: int) -> list[int]:
    """Fire ``attempts`` identical create requests at once; return their status codes."""
    def attempt(_: int) -> int:
        return client.post("/api/bookings.json", json=payload).status_code

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        return list(pool.map(attempt, range(attempts)))


def test_concurrent_bookings_of_one_slot_create_exactly_one(raw: httpx.Client, api: httpx.Client) -> None:
    # latency is applied before dispatch, so all twenty requests are in flight together
    raw.post("/_sandbox/faults", json={"latency_ms": 100}).raise_for_status()
    payload = {"schedule_id": RES, "booking": {"start": "2027-01-08 14:00:00", "finish": "2027-01-08 15:00:00",
                                               "resource_id": 102, "full_name": "Racer"}}
    statuses = _race(api, payload, 20)
    assert statuses.count(201) == 1 and statuses.count(422) == 19
    racers = [b for b in live_bookings(raw) if b["full_name"] == "Racer"]
    assert len(racers) == 1 and racers[0]["start"] == "2027-01-08 14:00:00"


def test_capacity_booking_and_full_slot(raw: httpx.Client, api: httpx.Client) -> None:
    new_id = booking_id(api.post("/api/bookings.json", json={"schedule_id": CAP, "booking": {
        "slot_id": 2027010501, "full_name": "Yogi"}}))
    booking = api.get(f"/api/bookings/{new_id}.json").json()
    assert (booking["slot_id"], booking["start"], booking["finish"]) == (
        2027010501, "2027-01-05 10:00:00", "2027-01-05 11:00:00")
    assert free(api, CAP, maxresults=1, since="2027-01-05 00:00:00")[0]["count"] == 4
    full = api.post("/api/bookings.json", json={"schedule_id": CAP, "booking": {"slot_id": 2027010602,
                                                                                "full_name": "Late"}})
    assert full.status_code == 422 and full.json()["errors"][0]["code"] == "slot_full"
    missing = api.post("/api/bookings.json", json={"schedule_id": CAP, "booking": {"full_name": "No slot"}})
    assert missing.status_code == 422
    sunday = api.post("/api/bookings.json", json={"schedule_id": CAP, "booking": {"slot_id": 2027011001,
                                                                                  "full_name": "X"}})
    assert sunday.status_code == 422  # no Yoga slot on a Sunday


def test_concurrent_capacity_bookings_respect_places_left(raw: httpx.Client, api: httpx.Client) -> None:
    raw.post("/_sandbox/faults", json={"latency_ms": 100}).raise_for_status()
    # Yoga on 2027-01-05 has 5 places left; 12 racers must yield exactly 5 bookings
    payload = {"schedule_id": CAP, "booking": {"slot_id": 2027010501, "full_name": "Crowd"}}
    statuses = _race(api, payload, 12)
    assert statuses.count(201) == 5 and statuses.count(422) == 7
    assert len([b for b in live_bookings(raw) if b["full_name"] == "Crowd"]) == 5


def test_booking_on_behalf_of_a_user(api: httpx.Client) -> None:
    new_id = booking_id(api.post("/api/bookings.json", json={
        "schedule_id": RES, "user_id": "1002fk",
        "booking": {"start": "2027-01-05 15:00:00", "finish": "2027-01-05 16:00:00", "resource_id": 103}}))
    booking = api.get(f"/api/bookings/{new_id}.json").json()
    assert booking["user_id"] == 5002 and booking["created_by"] == "sam.lee@example.com"
    assert booking["full_name"] == "Sam Lee" and booking["email"] == "sam.lee@example.com"
    unknown = api.post("/api/bookings.json", json={"schedule_id": RES, "user_id": 9999, "booking": {
        "start": "2027-01-05 15:00:00", "finish": "2027-01-05 16:00:00", "resource_id": 101}})
    assert unknown.status_code == 422


# -- reading, updating, deleting -------------------------------------------------------------------------


def test_update_moves_and_refuses_conflicts(api: httpx.Client) -> None:
    moved = api.put("/api/bookings/880001.json", params={"schedule_id": RES},
                    json={"booking": {"start": "2027-01-05 15:00:00", "finish": "2027-01-05 16:00:00"}})
    assert moved.status_code == 200 and moved.content == b""
    booking = api.get("/api/bookings/880001.json").json()
    assert booking["start"] == "2027-01-05 15:00:00" and booking["updated_on"] == "2027-01-04 00:00:00"
    assert booking["full_name"] == "Jane Doe"  # untouched fields survive
    # Ben is busy 13:00-14:30 on the 5th
    clash = api.put("/api/bookings/880001.json", json={"booking": {"resource_id": 102, "start": "2027-01-05 13:00:00",
                                                                   "finish": "2027-01-05 14:00:00"}})
    assert clash.status_code == 422
    assert api.put("/api/bookings/880004.json", json={"booking": {"full_name": "Gone"}}).status_code == 404
    assert api.put("/api/bookings/880001.json", params={"schedule_id": CAP}, json={}).status_code == 404


def test_delete_frees_the_time(raw: httpx.Client, api: httpx.Client) -> None:
    response = api.request("DELETE", "/api/bookings/880001.json", params={"schedule_id": RES}, json={})
    assert response.status_code == 200 and response.content == b""
    assert api.delete("/api/bookings/880001.json").status_code == 404
    assert api.get("/api/bookings/880001.json").status_code == 404
    slots = free(api, resource="Alice Moreno", maxresults=1, since="2027-01-05 00:00:00")
    assert spans(slots) == [("2027-01-05 09:00:00", "2027-01-05 17:00:00")]
    deleted = [b for b in raw.get("/_sandbox/state").json()["bookings"] if b["id"] == "880001"]
    assert deleted[0]["deleted"] is True
    # clients without DELETE may POST with _method=DELETE
    assert api.post("/api/bookings/880002.json", json={"_method": "DELETE"}).status_code == 200
    assert api.get("/api/bookings/880002.json").status_code == 404


def test_list_bookings_pages_with_limit_and_offset(api: httpx.Client) -> None:
    everything = api.get("/api/bookings.json", params={"schedule_id": RES}).json()["bookings"]
    assert [b["id"] for b in everything] == [
        "880001", "880002", "880003", "880005", "880006", "880007", "880008", "880009"]  # 880004 is deleted
    pages = [api.get("/api/bookings.json", params={"schedule_id": RES, "limit": 3, "offset": o}).json()["bookings"]
             for o in (0, 3, 6, 9)]
    assert [len(p) for p in pages] == [3, 3, 2, 0]
    assert [b["id"] for p in pages for b in p] == [b["id"] for b in everything]
    window = api.get("/api/bookings.json", params={"schedule_id": RES, "start": "2027-03-01",
                                                   "finish": "2027-04-01"}).json()["bookings"]
    assert [b["id"] for b in window] == ["880005", "880006", "880007"]
    assert api.get("/api/bookings.json").status_code == 404
    assert api.get("/api/bookings.json", params={"schedule_id": RES, "limit": "x"}).status_code == 400


def test_range_filters(api: httpx.Client) -> None:
    january = api.get(f"/api/range/{RES}.json", params={"from": "2027-01-01 00:00:00", "to": "2027-02-01 00:00:00"})
    assert [b["id"] for b in january.json()["bookings"]] == ["880001", "880002", "880003"]
    by_resource = api.get(f"/api/range/{RES}.json", params={"from": "2027-01-01", "resource_id": 102}).json()
    assert [b["id"] for b in by_resource["bookings"]] == ["880002", "880005", "880009"]
    by_user = api.get(f"/api/range/{RES}.json", params={"from": "2027-01-01", "user": "jane.doe@example.com"}).json()
    assert [b["id"] for b in by_user["bookings"]] == ["880001", "880006", "880009"]
    paged = api.get(f"/api/range/{RES}.json", params={"from": "2027-01-01", "limit": 2, "offset": 2}).json()
    assert [b["id"] for b in paged["bookings"]] == ["880003", "880005"]


def test_range_on_capacity_schedule_lists_slots(api: httpx.Client) -> None:
    body = api.get(f"/api/range/{CAP}.json", params={"from": "2027-01-05", "to": "2027-01-06",
                                                     "slot": "true"}).json()
    assert [s["id"] for s in body["slots"]] == [2027010501, 2027010502]
    assert len(body["slots"][0]["bookings"]) == 3 and body["slots"][1]["bookings"] == []


def test_range_today(raw: httpx.Client, api: httpx.Client) -> None:
    pin(raw, "2027-01-05T14:00:00Z")
    today = api.get(f"/api/range/{RES}.json", params={"today": "true"}).json()["bookings"]
    assert [b["id"] for b in today] == ["880001", "880002"]


def test_agenda(raw: httpx.Client, api: httpx.Client) -> None:
    by_id = api.get(f"/api/agenda/{RES}.json", params={"user": 5002}).json()["bookings"]
    assert [b["id"] for b in by_id] == ["880002", "880005", "880007", "880008"]
    by_fk = api.get(f"/api/agenda/{RES}.json", params={"user": "1002fk"}).json()["bookings"]
    assert by_fk == by_id
    admin = api.get(f"/api/agenda/{RES}.json", params={"user": 0}).json()["bookings"]
    assert [b["id"] for b in admin] == ["880003"]
    everywhere = api.get("/api/agenda.json", params={"user": "jane.doe@example.com", "account": ACCOUNT}).json()
    assert {b["schedule_id"] for b in everywhere["bookings"]} == {RES, CAP}
    assert api.get(f"/api/agenda/{RES}.json", params={"user": "nobody"}).status_code == 404
    assert api.get(f"/api/agenda/{RES}.json").status_code == 422


def test_changes(raw: httpx.Client, api: httpx.Client) -> None:
    recent = api.get(f"/api/changes/{RES}.json").json()["bookings"]
    assert len(recent) == 9  # fewer than ten changes on this schedule, deleted one included
    pin(raw, "2027-01-04T12:00:00Z")
    new_id = booking_id(book(api, "2027-01-05 15:00:00", "2027-01-05 16:00:00"))
    assert api.delete("/api/bookings/880003.json").status_code == 200
    since = api.get(f"/api/changes/{RES}.json", params={"from": "2027-01-04 12:00:00"}).json()["bookings"]
    assert [(b["id"], b["deleted"]) for b in since] == [("880003", True), (new_id, False)]
    assert all(b["updated_on"] == "2027-01-04 12:00:00" for b in since)
    before = api.get(f"/api/changes/{RES}.json", params={"from": "2026-01-01", "to": "2027-01-04 12:00:00"}).json()
    assert new_id not in [b["id"] for b in before["bookings"]]


# -- users -----------------------------------------------------------------------------------------------


def test_users_list_find_and_read(api: httpx.Client) -> None:
    users = api.get("/api/users.json").json()
    assert [u["name"] for u in users] == ["jane.doe@example.com", "sam.lee@example.com"]
    assert [u["id"] for u in api.get("/api/users.json", params={"limit": 1, "offset": 1}).json()] == [5002]
    found = api.get("/api/users.json", params={"email": "SAM.LEE@example.com"}).json()
    assert [u["id"] for u in found] == [5002]
    assert api.get("/api/users.json", params={"name": "nobody"}).json() == []
    assert api.get("/api/users/5001.json").json()["full_name"] == "Jane Doe"
    assert api.get("/api/users/1001fk.json").json()["id"] == 5001
    assert api.get("/api/users/4242.json").status_code == 404


def test_users_create_update_delete(api: httpx.Client) -> None:
    created = api.post("/api/users.json", json={"user": {"name": "new@example.com", "email": "new@example.com",
                                                         "full_name": "New Person"}})
    assert created.status_code == 201 and created.content == b""
    user_id = re.search(r"/api/users/(\d+)\.json$", created.headers["location"]).group(1)  # type: ignore[union-attr]
    again = api.post("/api/users.json", json={"user": {"name": "new@example.com", "phone": "+15550000"}})
    assert again.status_code == 200  # an existing name is updated ...
    assert api.get(f"/api/users/{user_id}.json").json()["phone"] == "+15550000"
    raised = api.post("/api/users.json", params={"duplicate": "raise"}, json={"user": {"name": "new@example.com"}})
    assert raised.status_code == 422  # ... unless duplicate=raise
    assert api.post("/api/users.json", json={"user": {"email": "x@example.com"}}).status_code == 422
    assert api.post("/api/users.json", json={"user": {"name": "a", "role": 9}}).status_code == 422
    missing = api.put("/api/users/4242.json", params={"notfound": "error"}, json={"user": {"name": "z"}})
    assert missing.status_code == 404
    keyed = api.post("/api/users/77fk.json", json={"user": {"name": "fk@example.com"}})
    assert keyed.status_code == 201 and api.get("/api/users/77fk.json").json()["fk"] == "77"
    assert api.delete(f"/api/users/{user_id}.json").status_code == 200
    assert api.get(f"/api/users/{user_id}.json").status_code == 404


def test_xml_and_unknown_paths(api: httpx.Client) -> None:
    assert api.get("/api/schedules.xml").status_code == 406
    missing = api.get("/api/nothing.json")
    assert missing.status_code == 404 and errors_title(missing) == "Not found"


# -- the official Python client (PyPI supersaas-api-client) -------------------------------------------------


def test_official_python_client(base: str) -> None:
    from SuperSaaS import Client, Error

    Client.configure(ACCOUNT, KEY, host=base)
    client = Client.instance()
    schedules = client.schedules.list()
    assert [s.id for s in schedules] == [RES, CAP, SRV]
    slots = client.appointments.available(RES, from_time="2027-01-05 09:00:00", length_minutes=60,
                                          resource="Chloe Park", limit=2)
    assert [(s.start, s.finish) for s in slots][0] == ("2027-01-05 09:00:00", "2027-01-05 17:00:00")
    created = client.appointments.create(RES, None, {"start": "2027-01-05 15:00:00", "finish": "2027-01-05 16:00:00",
                                                     "resource_id": 103, "full_name": "Client Library",
                                                     "email": "lib@example.com"})
    new_id = re.search(r"/api/bookings/(\d+)\.json$", created["location"]).group(1)  # type: ignore[union-attr]
    appointment = client.appointments.get(RES, new_id)
    assert (appointment.start, appointment.res_name, appointment.full_name) == (
        "2027-01-05 15:00:00", "Chloe Park", "Client Library")
    listed = client.appointments.list(RES, start_time="2027-01-05 00:00:00", limit=10)
    assert new_id in [a.id for a in listed]
    client.appointments.update(RES, new_id, {"start": "2027-01-05 16:00:00", "finish": "2027-01-05 17:00:00"})
    moved = client.appointments.range(RES, from_time="2027-01-05 00:00:00", to="2027-01-06 00:00:00")
    assert [(a.id, a.start) for a in moved][-1] == (new_id, "2027-01-05 16:00:00")
    assert client.users.get("1001fk").full_name == "Jane Doe"
    client.appointments.delete(RES, new_id)
    with pytest.raises(Error):
        client.appointments.get(RES, new_id)
    Client.configure(ACCOUNT, "wrong-key", host=base)
    try:
        with pytest.raises(Error, match="Forbidden"):
            client.schedules.list()
    finally:
        Client.configure(ACCOUNT, KEY, host=base)


# -- specs/supersaas.yaml on the other schedule types (the conformance suite covers the DEMO schedule) ------


def run_spec(base: str, operation: str, input_: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
             spec_text: str | None = None, **config: Any) -> Any:
    """Run one operation of the SuperSaaS spec against this module's sandbox server."""
    from aptura.engine.http import Transport
    from aptura.engine.runner import Connection, Runner
    from aptura.spec.loader import parse_spec
    from tests.support import ROOT

    monkeypatch.setenv("APTURA_SANDBOX_URL", base.rsplit("/supersaas", 1)[0])
    spec = parse_spec(spec_text or (ROOT / "specs" / "supersaas.yaml").read_text(), "supersaas.yaml")
    conn = Connection("conn_test", "supersaas", "test", {**DEMO["config"], **config}, DEMO["credentials"])
    return Runner(spec, conn, transport=Transport()).run(operation, input_)


CAPACITY = {"schedule_id": DEMO["schedules"]["capacity"], "schedule_type": "capacity",
            "services": "yoga:60:Morning Yoga,pilates:60:Evening Pilates"}
CLIENT = {"firstName": "Alex", "lastName": "Johnson", "email": "alex@example.com", "phone": "+15551234567"}


def spec_error(call: Callable[[], Any]) -> Any:
    from aptura.errors import AptError

    with pytest.raises(AptError) as info:
        call()
    return info.value


def test_spec_capacity_classes_with_places_left_and_booking_by_slot(
        base: str, raw: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    window = {"serviceId": "pilates", "staffId": None, "startDate": "2027-01-05", "endDate": "2027-01-07"}
    slots = run_spec(base, "availability.list", window, monkeypatch, **CAPACITY)
    starts = [s["startTime"] for s in slots if s["startTime"] < "2027-01-08"]
    # Pilates 18:00 New York (23:00Z) on Tue and Thu; Wednesday's class is full
    assert starts == ["2027-01-05T23:00:00Z", "2027-01-07T23:00:00Z"]
    assert all(s.get("staffId") is None for s in slots)
    booking = {"serviceId": "yoga", "staffId": "any", "startTime": "2027-01-05T15:00:00Z", "client": CLIENT}
    made = run_spec(base, "appointments.create", booking, monkeypatch, **CAPACITY)
    assert (made["service"], made["startTime"], made["endTime"]) == (
        {"id": "yoga", "name": "Morning Yoga", "durationMinutes": 60}, "2027-01-05T15:00:00Z", "2027-01-05T16:00:00Z")
    assert "staff" not in made
    assert [b["slot_id"] for b in live_bookings(raw) if b["id"] == made["id"]] == [2027010501]
    full = spec_error(lambda: run_spec(base, "appointments.create", {
        **booking, "serviceId": "pilates", "startTime": "2027-01-06T23:00:00Z"}, monkeypatch, **CAPACITY))
    assert full.code == "conflict"
    no_class = spec_error(lambda: run_spec(base, "appointments.create", {
        **booking, "serviceId": "pilates"}, monkeypatch, **CAPACITY))
    assert no_class.code == "unprocessable"


def test_spec_service_schedules_are_not_supported(base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    service = {"schedule_id": DEMO["schedules"]["service"], "schedule_type": "service"}
    window = {"serviceId": "203", "staffId": None, "startDate": "2027-01-05", "endDate": "2027-01-05"}
    assert spec_error(lambda: run_spec(base, "availability.list", window, monkeypatch, **service)).code == \
        "not_supported"
    booking = {"serviceId": "203", "staffId": "101", "startTime": "2027-01-11T15:00:00Z", "client": CLIENT}
    assert spec_error(lambda: run_spec(base, "appointments.create", booking, monkeypatch, **service)).code == \
        "not_supported"
    # a service schedule misdeclared as a resource schedule: SuperSaaS's own 501 says the same
    misdeclared = {"schedule_id": DEMO["schedules"]["service"]}
    assert spec_error(lambda: run_spec(base, "availability.list", window, monkeypatch, **misdeclared)).code == \
        "not_supported"


def test_spec_pages_free_spaces_by_moving_from(base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support import ROOT

    small = (ROOT / "specs" / "supersaas.yaml").read_text().replace("maxresults: 100", "maxresults: 3")
    window = {"serviceId": "203", "staffId": "102", "startDate": "2027-01-11", "endDate": "2027-02-06"}
    from datetime import date

    from aptura.api.shaping import clean_slots

    def inside(slots: Any) -> Any:
        return clean_slots(slots, date(2027, 1, 11), date(2027, 2, 6), DEMO["config"]["time_zone"])

    paged = run_spec(base, "availability.list", window, monkeypatch, spec_text=small)
    whole = run_spec(base, "availability.list", window, monkeypatch)
    assert inside(paged) == inside(whole) and len(inside(whole)) == 24 * 8  # 24 opening days of 8 one-hour slots
    assert len(paged) < len(whole)  # the small pages stopped soon after the window, the big one did not
    classes = {**window, "serviceId": "yoga", "staffId": None}
    paged = run_spec(base, "availability.list", classes, monkeypatch, spec_text=small, **CAPACITY)
    whole = run_spec(base, "availability.list", classes, monkeypatch, **CAPACITY)
    assert inside(paged) == inside(whole) and len(inside(whole)) == 24  # Mon-Sat


def test_spec_guard_undoes_an_overlap_the_provider_accepted(
        server: RunningServer, base: str, raw: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    app = server.app("supersaas")
    assert isinstance(app, SuperSaasSandbox)
    app.refuse_overlaps = False
    try:
        first = {"serviceId": "203", "staffId": "101", "startTime": "2027-01-11T15:00:00Z", "client": CLIENT}
        assert run_spec(base, "appointments.create", first, monkeypatch)["id"]
        overlap = {**first, "serviceId": "201", "startTime": "2027-01-11T15:30:00Z"}
        assert spec_error(lambda: run_spec(base, "appointments.create", overlap, monkeypatch)).code == "conflict"
        with ThreadPoolExecutor(max_workers=6) as pool:
            racers = list(pool.map(lambda i: _try_book(base, monkeypatch, {
                **first, "startTime": "2027-01-12T15:00:00Z",
                "client": {**CLIENT, "email": f"racer{i}@example.com"}}), range(6)))
        assert sorted(racers) == ["conflict"] * 5 + ["created"]
    finally:
        app.refuse_overlaps = True
    alice = [(b["start"], b["finish"]) for b in live_bookings(raw) if b.get("resource_id") == 101
             and "2027-01-11" <= b["start"] < "2027-01-13"]
    assert alice == [("2027-01-11 10:00:00", "2027-01-11 11:00:00"), ("2027-01-12 10:00:00", "2027-01-12 11:00:00")]


def _try_book(base: str, monkeypatch: pytest.MonkeyPatch, booking: dict[str, Any]) -> str:
    from aptura.errors import AptError

    try:
        run_spec(base, "appointments.create", booking, monkeypatch)
    except AptError as exc:
        return exc.code
    return "created"


def test_spec_deletes_the_booking_when_it_cannot_be_read_back(
        base: str, raw: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    raw.post("/_sandbox/faults", json={"rules": [
        {"path": r"^/api/bookings/\d+\.json$", "method": "GET", "kind": "status", "status": 500}]}).raise_for_status()
    try:
        booking = {"serviceId": "203", "staffId": "101", "startTime": "2027-01-11T15:00:00Z", "client": CLIENT}
        assert spec_error(lambda: run_spec(base, "appointments.create", booking, monkeypatch)).code == "provider_error"
    finally:
        raw.post("/_sandbox/faults", json={"rules": []}).raise_for_status()
    assert not [b for b in live_bookings(raw) if b["start"].startswith("2027-01-11")]
    users = raw.get("/_sandbox/state").json()["users"]
    assert [u["name"] for u in users if u["email"] == "alex@example.com"] == ["alex@example.com"]


# -- what the read/update/cancel operations of the spec rely on --------------------------------------------


def test_deleted_bookings_are_404_everywhere_but_changes(api: httpx.Client) -> None:
    assert api.delete("/api/bookings/880001.json", params={"schedule_id": RES}).status_code == 200
    for method in ("GET", "PUT", "DELETE"):
        gone = api.request(method, "/api/bookings/880001.json", params={"schedule_id": RES},
                           json={"booking": {"full_name": "x"}} if method == "PUT" else None)
        assert gone.status_code == 404 and errors_title(gone) == "Not found"
    window = {"from": "2027-01-05 00:00:00", "to": "2027-01-06 00:00:00"}
    assert "880001" not in [b["id"] for b in api.get(f"/api/range/{RES}.json", params=window).json()["bookings"]]
    # without `from`: the ten most recent changes, the deletion (stamped with the clock, UTC) last
    recent = api.get(f"/api/changes/{RES}.json").json()["bookings"]
    assert len(recent) == 9 and recent[-1]["id"] == "880001"  # the resource schedule has 9 seeded bookings
    assert (recent[-1]["deleted"], recent[-1]["updated_on"], recent[-1]["start"]) == (
        True, "2027-01-04 00:00:00", "2027-01-05 10:00:00")
    # with `from`: every change since then, oldest first, paged by limit/offset
    since = api.get(f"/api/changes/{RES}.json", params={"from": "2000-01-01 00:00:00", "limit": 3, "offset": 0})
    page = since.json()["bookings"]
    assert [b["updated_on"] for b in page] == sorted(b["updated_on"] for b in page) and len(page) == 3
    rest = api.get(f"/api/changes/{RES}.json", params={"from": "2000-01-01 00:00:00", "limit": 500, "offset": 3})
    assert [b["id"] for b in rest.json()["bookings"]][-1] == "880001"
    assert [b["id"] for b in page + rest.json()["bookings"] if b["deleted"]] == ["880004", "880001"]


def test_partial_updates_keep_the_rest_and_recheck_the_resource(api: httpx.Client) -> None:
    notes = api.put("/api/bookings/880001.json", params={"schedule_id": RES},
                    json={"booking": {"description": "bring forms"}})
    assert notes.status_code == 200
    booking = api.get("/api/bookings/880001.json").json()
    assert (booking["start"], booking["resource_id"], booking["description"]) == (
        "2027-01-05 10:00:00", 101, "bring forms")
    # another resource at the same times: Ben is free at 10:00 on the 5th, Chloe too; Alice's slot frees up
    assert api.put("/api/bookings/880001.json", json={"booking": {"resource_id": 102}}).status_code == 200
    assert api.get("/api/bookings/880001.json").json()["res_name"] == "Ben Okafor"
    # moving Ben's 13:00-14:30 booking onto 880001's resource and time is refused, and nothing changes
    clash = api.put("/api/bookings/880002.json", json={"booking": {"start": "2027-01-05 10:30:00",
                                                                   "finish": "2027-01-05 12:00:00"}})
    assert clash.status_code == 422 and clash.json()["errors"][0]["code"] == "not_available"
    assert api.get("/api/bookings/880002.json").json()["start"] == "2027-01-05 13:00:00"
    cleared = api.put("/api/bookings/880001.json", json={"booking": {"description": ""}})
    assert cleared.status_code == 200 and api.get("/api/bookings/880001.json").json()["description"] is None


def test_official_client_changes_users_and_duplicates(base: str) -> None:
    from SuperSaaS import Client, Error

    Client.configure(ACCOUNT, KEY, host=base)
    client = Client.instance()
    changed = client.appointments.changes(RES, from_time="2026-01-01 00:00:00", limit=50)
    assert [(a.id, a.deleted) for a in changed if a.deleted] == [("880004", True)]
    assert [u.id for u in client.users.list(limit=1, offset=1)] == [5002]
    created = client.users.create({"name": "lib.user@example.com", "email": "lib.user@example.com",
                                   "full_name": "Lib User"}, duplicate="raise")
    new_id = re.search(r"/api/users/(\d+)\.json$", created["location"]).group(1)  # type: ignore[union-attr]
    assert client.users.get(new_id).full_name == "Lib User"
    with pytest.raises(Error):  # the same login name again is refused with duplicate=raise (422)
        client.users.create({"name": "LIB.USER@example.com", "full_name": "Other"}, duplicate="raise")
    assert client.users.get(new_id).full_name == "Lib User"


# -- specs/supersaas.yaml: reads and changes on the other schedule types, and the update guard ---------------


def test_spec_capacity_bookings_get_list_move_and_cancel(base: str, raw: httpx.Client,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    got = run_spec(base, "appointments.get", {"id": "880013"}, monkeypatch, **CAPACITY)
    assert (got["service"], got["startTime"], "staff" in got) == (
        {"id": "pilates", "name": "Evening Pilates", "durationMinutes": 60}, "2027-01-06T23:00:00Z", False)
    window = {"startDate": "2027-01-05", "endDate": "2027-01-06"}
    listed = run_spec(base, "appointments.list", window, monkeypatch, **CAPACITY)
    assert [(a["id"], a["service"]["id"]) for a in listed][:4] == [
        ("880010", "yoga"), ("880011", "yoga"), ("880012", "yoga"), ("880013", "pilates")]
    assert len(listed) == 9
    booking = {"serviceId": "yoga", "staffId": "any", "startTime": "2027-01-07T15:00:00Z", "client": CLIENT}
    made = run_spec(base, "appointments.create", booking, monkeypatch, **CAPACITY)
    moved = run_spec(base, "appointments.update", {"id": made["id"], "startTime": "2027-01-08T15:00:00Z"},
                     monkeypatch, **CAPACITY)
    assert moved["startTime"] == "2027-01-08T15:00:00Z" and moved["service"]["id"] == "yoga"
    assert [b["slot_id"] for b in live_bookings(raw) if b["id"] == made["id"]] == [2027010801]
    # the full Pilates class cannot take a Yoga booking (no Yoga class starts then)
    wrong = spec_error(lambda: run_spec(base, "appointments.update", {"id": made["id"],
                                                                      "startTime": "2027-01-06T23:00:00Z"},
                                        monkeypatch, **CAPACITY))
    assert wrong.code == "unprocessable"
    cancelled = run_spec(base, "appointments.cancel", {"id": made["id"]}, monkeypatch, **CAPACITY)
    assert (cancelled["status"], cancelled["service"]["id"]) == ("cancelled", "yoga")
    day = run_spec(base, "appointments.list", {"startDate": "2027-01-08", "endDate": "2027-01-08"}, monkeypatch,
                   **CAPACITY)
    assert [(a["id"], a["status"]) for a in day] == [(made["id"], "cancelled")]
    assert run_spec(base, "staff.list", {"serviceId": None}, monkeypatch, **CAPACITY) == []


def test_spec_service_schedule_catalog(base: str, monkeypatch: pytest.MonkeyPatch) -> None:
    service = {"schedule_id": DEMO["schedules"]["service"], "schedule_type": "service"}
    services = run_spec(base, "services.list", {}, monkeypatch, **service)
    assert [s["raw"] for s in services][:2] == [{"id": 201, "name": "Consultation"}, {"id": 202, "name": "Treatment"}]
    assert spec_error(lambda: run_spec(base, "staff.list", {"serviceId": None}, monkeypatch, **service)).code == \
        "not_supported"
    locations = run_spec(base, "locations.list", {}, monkeypatch, **service)
    assert [(loc["id"], loc["name"]) for loc in locations] == [(str(SRV), "Spa Services")]


def test_spec_update_guard_puts_back_an_overlap_the_provider_accepted(
        server: RunningServer, base: str, raw: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.support import ROOT

    app = server.app("supersaas")
    assert isinstance(app, SuperSaasSandbox)
    first = {"serviceId": "203", "staffId": "101", "startTime": "2027-01-11T15:00:00Z", "client": CLIENT}
    run_spec(base, "appointments.create", first, monkeypatch)
    second = run_spec(base, "appointments.create", {**first, "startTime": "2027-01-11T17:00:00Z"}, monkeypatch)
    app.refuse_overlaps = False
    try:
        overlap = {"id": second["id"], "startTime": "2027-01-11T15:30:00Z", "notes": "moved"}
        assert spec_error(lambda: run_spec(base, "appointments.update", overlap, monkeypatch)).code == "conflict"
        restored = [b for b in live_bookings(raw) if b["id"] == second["id"]][0]
        assert (restored["start"], restored["finish"], restored["resource_id"], restored["description"]) == (
            "2027-01-11 12:00:00", "2027-01-11 13:00:00", 101, None)
        # without the guard the same move goes through: the sandbox really accepted the overlap above
        guarded = (ROOT / "specs" / "supersaas.yaml").read_text()
        guard = 'that: "length(steps.clash || `[]`) == `0`"'
        assert guard in guarded  # the spec's overlap guard, as this test takes it out
        unguarded = guarded.replace(guard, 'that: "`true`"')
        accepted = run_spec(base, "appointments.update", overlap, monkeypatch, spec_text=unguarded)
        assert (accepted["startTime"], accepted["notes"]) == ("2027-01-11T15:30:00Z", "moved")
    finally:
        app.refuse_overlaps = True
