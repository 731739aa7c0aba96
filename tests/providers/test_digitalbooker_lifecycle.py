"""DigitalBooker's whole appointment lifecycle and catalogue, run through the engine against its
sandbox (clock pinned): book, read, list, reschedule, cancel; services, staff, locations,
clients and the connection check. Checked against the sandbox's own state where it matters."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from aptura.api.listing import search
from aptura.engine.runner import Connection, Runner
from aptura.errors import AptError
from aptura.spec.loader import load_spec
from tests.conformance.conftest import demo_of, fresh_sandbox

HEL = ZoneInfo("Europe/Helsinki")
DAY = "2027-01-12"  # a Tuesday: Anna (101) works 09-17, Camilla (103) 12-20
CONSULTATION = "3"  # 60 minutes, workers 101, 102, 103
ANNA = "101"
LIST_DEFAULTS: dict[str, Any] = {"staffId": None, "serviceId": None, "status": None, "clientEmail": None}


@pytest.fixture()
def root(sandboxes: Any) -> str:
    url = f"{sandboxes.url}/digitalbooker/_sandbox"
    fresh_sandbox(url)
    return url


def runner(config: dict[str, Any] | None = None, credentials: dict[str, Any] | None = None) -> Runner:
    demo = demo_of("digitalbooker")
    return Runner(load_spec("digitalbooker"), Connection(
        "conn_db_lifecycle", "digitalbooker", "test", {**demo["config"], **(config or {})},
        credentials or demo["credentials"]))


@pytest.fixture()
def db(root: str) -> Runner:
    return runner()


def utc(local: str) -> str:
    """``2027-01-12T10:00`` Helsinki wall time as Aptura's UTC text."""
    return datetime.fromisoformat(local).replace(tzinfo=HEL).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def starts(db: Runner, staff: str = ANNA, day: str = DAY) -> set[str]:
    slots = db.run("availability.list", {"serviceId": CONSULTATION, "staffId": staff, "startDate": day, "endDate": day})
    return {s["startTime"] for s in slots}


def listed(db: Runner, **filters: Any) -> list[dict[str, Any]]:
    result = db.run("appointments.list", {"startDate": DAY, "endDate": DAY, **LIST_DEFAULTS, **filters})
    assert isinstance(result, list)
    return result


def book(db: Runner, local: str, email: str = "lifecycle@example.com", staff: str = ANNA) -> dict[str, Any]:
    made = db.run("appointments.create", {
        "serviceId": CONSULTATION, "staffId": staff, "startTime": utc(local), "notes": "first visit",
        "client": {"firstName": "Lia", "lastName": "Cycle", "email": email, "phone": "+358401112223"}})
    assert isinstance(made, dict)
    return made


def fails(db: Runner, operation: str, input_: dict[str, Any]) -> AptError:
    with pytest.raises(AptError) as caught:
        db.run(operation, input_)
    return caught.value


def sandbox_bookings(root: str) -> dict[int, dict[str, Any]]:
    return {b["id"]: b for b in httpx.get(f"{root}/state").json()["bookings"]}


def deleted_lookups(root: str) -> int:
    return sum(1 for r in httpx.get(f"{root}/requests").json() if r["path"].endswith("/bookings/deleted"))


def test_book_get_list_reschedule_and_cancel(db: Runner, root: str) -> None:
    ten, one_pm, two_pm = utc(f"{DAY}T10:00"), utc(f"{DAY}T13:00"), utc(f"{DAY}T14:00")
    assert {ten, one_pm, two_pm} <= starts(db)

    made = book(db, f"{DAY}T10:00")
    assert made["status"] == "confirmed" and made["startTime"] == ten == "2027-01-12T08:00:00Z"
    assert made["endTime"] == "2027-01-12T09:00:00Z"
    assert made["client"]["email"] == "lifecycle@example.com" and made["client"]["firstName"] == "Lia"
    assert made["raw"]["id"] == int(made["id"]) and made["raw"]["from"] == "10:00"

    got = db.run("appointments.get", {"id": made["id"]})
    assert got["id"] == made["id"] and got["status"] == "confirmed"
    assert got["service"] == {"id": CONSULTATION, "name": "Consultation (60 min)", "durationMinutes": 60}
    assert got["staff"] == {"id": ANNA, "name": "Anna Aalto"}
    assert (got["startTime"], got["endTime"]) == (ten, "2027-01-12T09:00:00Z")
    assert got["locationId"] == "1" and got["notes"] == "first visit"
    assert got["client"]["id"] == made["client"]["id"]
    assert (got["client"]["firstName"], got["client"]["lastName"]) == ("Lia", "Cycle")
    assert got["client"]["email"] == "lifecycle@example.com" and got["client"]["phone"] == "+358401112223"
    assert got["raw"]["object"] == "booking" and got["raw"]["resource_ids"] == [101]

    mine = [a for a in listed(db) if a["id"] == made["id"]]
    assert len(mine) == 1
    assert {k: mine[0][k] for k in ("status", "service", "staff", "startTime", "endTime")} == {
        k: got[k] for k in ("status", "service", "staff", "startTime", "endTime")}
    assert mine[0]["startTime"].endswith("Z") and mine[0]["raw"]["id"] == int(made["id"])
    assert [a["id"] for a in listed(db, staffId="102")] == []  # pushed to the provider as resource_ids
    assert ten not in starts(db)

    # Reschedule in place: the old time frees up, the new one is taken.
    moved = db.run("appointments.update", {"id": made["id"], "startTime": one_pm, "staffId": None, "notes": None})
    assert moved["id"] == made["id"] and moved["startTime"] == one_pm
    assert moved["endTime"] == utc(f"{DAY}T14:00") and moved["notes"] == "first visit"
    free = starts(db)
    assert ten in free and one_pm not in free and utc(f"{DAY}T12:30") not in free
    assert sandbox_bookings(root)[int(made["id"])]["from"] == "13:00"

    # Into a taken slot: refused as a conflict, the booking stays where it was.
    other = book(db, f"{DAY}T14:00", email="other@example.com")
    clash = fails(db, "appointments.update", {"id": made["id"], "startTime": two_pm, "staffId": None, "notes": None})
    assert clash.code == "conflict" and clash.details["provider_code"] == "booking_conflict"
    assert db.run("appointments.get", {"id": made["id"]})["startTime"] == one_pm
    # Another worker at a time that worker is free: the staff member changes, the time stays.
    switched = db.run("appointments.update", {"id": made["id"], "startTime": None, "staffId": "102", "notes": None})
    assert switched["staff"] == {"id": "102", "name": "Bertta Berg"} and switched["startTime"] == one_pm
    assert one_pm in starts(db)  # Anna is free at 13:00 again

    noted = db.run("appointments.update", {"id": made["id"], "startTime": None, "staffId": None,
                                           "notes": "bring photos"})
    assert noted["notes"] == "bring photos" and noted["startTime"] == one_pm
    assert sandbox_bookings(root)[int(made["id"])]["notes"] == "bring photos"

    # Cancel, then cancel again: the same answer; the time is free again.
    assert one_pm not in starts(db, staff="102")
    cancelled = db.run("appointments.cancel", {"id": made["id"]})
    assert cancelled["status"] == "cancelled" and cancelled["id"] == made["id"]
    assert cancelled["startTime"] == one_pm and cancelled["staff"]["id"] == "102"
    assert cancelled["raw"]["deleted"] is True
    assert db.run("appointments.cancel", {"id": made["id"]}) == cancelled
    assert db.run("appointments.get", {"id": made["id"]})["status"] == "cancelled"
    assert one_pm in starts(db, staff="102")
    assert int(made["id"]) not in sandbox_bookings(root)
    # DigitalBooker deletes a cancelled booking; the list finds it again through the deleted ids.
    assert {a["id"]: a["status"] for a in listed(db)} == {made["id"]: "cancelled", other["id"]: "confirmed"}
    assert [a for a in listed(db) if a["id"] == made["id"]] == [cancelled]
    assert [a["id"] for a in listed(db, staffId="102")] == [made["id"]]
    assert [a["id"] for a in listed(db, staffId=ANNA)] == [other["id"]]
    lookups = deleted_lookups(root)
    assert [a["id"] for a in listed(db, status="confirmed")] == [other["id"]]
    assert deleted_lookups(root) == lookups  # a status that excludes cancelled needs no deleted ids
    outside = db.run("appointments.list", {"startDate": "2027-01-13", "endDate": "2027-01-20", **LIST_DEFAULTS})
    assert made["id"] not in [a["id"] for a in outside]
    refused = fails(db, "appointments.update", {"id": made["id"], "startTime": ten, "staffId": None, "notes": None})
    assert refused.code == "unprocessable"


def test_unknown_or_foreign_ids_are_not_found(db: Runner, root: str) -> None:
    for unknown in ("999999", "abc"):
        for operation in ("appointments.get", "appointments.cancel"):
            assert fails(db, operation, {"id": unknown}).code == "not_found", (operation, unknown)
    room = httpx.post(f"{root.removesuffix('/_sandbox')}/aptura-demo/en/api/admin/bookings",
                      auth=("ak_demo_full", "sk_demo_full_secret"),
                      json={"type": "resource", "location_id": 1, "date": DAY, "from": "10:00", "duration": "01:00",
                            "resource_ids": [201], "user_id": 3})
    assert room.status_code == 200, room.text
    room_id = str(room.json()["id"])
    assert fails(db, "appointments.get", {"id": room_id}).code == "not_found"  # a room booking is no appointment
    assert fails(db, "appointments.cancel", {"id": room_id}).code == "not_found"
    assert room.json()["id"] in sandbox_bookings(root)  # and it was left alone
    staff = fails(db, "appointments.update", {"id": "5002", "startTime": None, "staffId": "201", "notes": None})
    assert staff.code == "not_found" and "staffId" in staff.details


def test_seed_bookings_map_status_and_dst_times(db: Runner) -> None:
    assert db.run("appointments.get", {"id": "5003"})["status"] == "pending"  # not confirmed
    spring = db.run("appointments.get", {"id": "5007"})  # Sun 2027-03-28 04:00 EEST, just after the gap
    assert (spring["startTime"], spring["endTime"]) == ("2027-03-28T01:00:00Z", "2027-03-28T02:00:00Z")
    autumn = db.run("appointments.get", {"id": "5010"})  # 02:00-03:00 EEST, ending at the first 03:00
    assert (autumn["startTime"], autumn["endTime"]) == ("2027-10-30T23:00:00Z", "2027-10-31T00:00:00Z")
    window = db.run("appointments.list", {"startDate": "2027-01-05", "endDate": "2027-01-09", **LIST_DEFAULTS})
    assert [a["id"] for a in window] == ["5002", "5003", "5005", "5004"]
    assert {a["id"]: a["locationId"] for a in window}["5004"] == "2"  # every location, not just the connection's
    confirmed = db.run("appointments.list", {"startDate": "2027-01-05", "endDate": "2027-01-09",
                                             **{**LIST_DEFAULTS, "status": "confirmed"}})
    assert [a["id"] for a in confirmed] == ["5002", "5005", "5004"]
    # The repeated hour of the fall-back cannot be told apart by DigitalBooker: refused, not moved.
    second_three = fails(db, "appointments.update", {"id": "5010", "startTime": "2027-10-31T01:00:00Z",
                                                     "staffId": None, "notes": None})
    assert second_three.code == "unprocessable"


def test_services_staff_and_locations(db: Runner) -> None:
    services = {s["id"]: s for s in db.run("services.list", {})}
    assert {k: s["durationMinutes"] for k, s in services.items()} == {"1": 30, "2": 45, "3": 60, "4": 90}
    assert services["1"]["name"] == "Haircut (30 min)" and services["1"]["description"] == "Cut and style."
    # DigitalBooker's service object has no price (only available times and bookings carry one).
    assert all(s.get("price") is None for s in services.values())
    assert services["4"]["raw"]["durations"] == ["01:30"]

    staff = {s["id"]: s for s in db.run("staff.list", {"serviceId": None})}
    assert {k: s["serviceIds"] for k, s in staff.items()} == {
        "101": ["1", "3", "4"], "102": ["1", "2", "3"], "103": ["2", "3"]}
    assert staff["103"]["name"] == "Camilla Carlsson" and staff["103"]["raw"]["type"] == "worker"
    assert [s["id"] for s in db.run("staff.list", {"serviceId": "4"})] == ["101"]
    assert [s["id"] for s in db.run("staff.list", {"serviceId": "2"})] == ["102", "103"]
    assert db.run("staff.list", {"serviceId": "999"}) == []
    espoo = runner({"locationId": "2", "locationUrlText": "espoo"})
    assert [(s["id"], s["serviceIds"]) for s in espoo.run("staff.list", {"serviceId": None})] == [
        ("102", ["1", "2", "3"])]

    locations = db.run("locations.list", {})
    assert [(loc["id"], loc["name"], loc["timezone"]) for loc in locations] == [
        ("1", "Helsinki City", "Europe/Helsinki"), ("2", "Espoo Tapiola", "Europe/Helsinki")]
    assert locations[0]["address"] == {"line1": "Mannerheimintie 1", "city": "Helsinki", "postalCode": "00100",
                                       "country": "FI"}
    assert locations[0]["phone"] == "+358 9 1234 567" and locations[0]["raw"]["url_text"] == "helsinki"


def test_clients_list_and_create(db: Runner, root: str) -> None:
    by_email = db.run("clients.list", {"email": "AINO.virtanen@example.fi", "search": None})
    assert [(c["id"], c["firstName"], c["lastName"], c["email"], c["phone"]) for c in by_email] == [
        ("1", "Aino", "Virtanen", "aino.virtanen@example.fi", "+358401000001")]
    assert by_email[0]["raw"]["object"] == "user"

    everyone = db.run("clients.list", {"email": None, "search": None})
    assert [c["id"] for c in everyone] == [str(i) for i in range(1, 26)]  # the temporary user 26 is not listed
    # No name search at DigitalBooker: the spec returns every user and Aptura's search narrows them.
    assert db.run("clients.list", {"email": None, "search": "mäk"}) == everyone
    found = [c["id"] for c in everyone if search(["firstName", "lastName", "email"], "mäk")(c)]
    assert found == ["3", "5"]  # Helmi Mäkinen, Johanna Mäkelä

    made = db.run("clients.create", {"firstName": "Sofia", "lastName": "Sandbox", "email": "sofia@example.com",
                                     "phone": "+358409998887"})
    assert (made["firstName"], made["lastName"], made["email"], made["phone"]) == (
        "Sofia", "Sandbox", "sofia@example.com", "+358409998887")
    assert made["raw"]["name"] == "Sofia Sandbox"
    users = {u["id"]: u for u in httpx.get(f"{root}/state").json()["users"]}
    assert users[int(made["id"])]["email"] == "sofia@example.com"
    again = db.run("clients.list", {"email": "sofia@example.com", "search": None})
    assert [c["id"] for c in again] == [made["id"]]

    duplicate = fails(db, "clients.create", {"firstName": "Other", "lastName": "Person",
                                             "email": "SOFIA@example.com", "phone": None})
    assert duplicate.code == "conflict" and duplicate.details["client_id"] == made["id"]
    seeded = fails(db, "clients.create", {"firstName": "A", "lastName": "V", "email": "aino.virtanen@example.fi",
                                          "phone": None})
    assert seeded.code == "conflict" and seeded.details["client_id"] == "1"
    assert len(httpx.get(f"{root}/state").json()["users"]) == len(users)  # nothing more was created


def test_a_booking_for_a_known_email_reuses_the_client(db: Runner, root: str) -> None:
    before = len(httpx.get(f"{root}/state").json()["users"])
    made = book(db, f"{DAY}T11:00", email="Aino.Virtanen@example.fi")
    assert made["client"]["id"] == "1" and made["client"]["firstName"] == "Aino"
    assert len(httpx.get(f"{root}/state").json()["users"]) == before


def test_connection_verify(root: str) -> None:
    ok = runner().run("connection.verify", {})
    assert ok["ok"] is True and ok["location"] == {"id": "1", "name": "Helsinki City"}
    assert ok["view"] == {"id": "1", "name": "Services"}

    wrong = runner(credentials={"apiKeyId": "ak_demo_full", "apiKeyPassword": "not-the-password"})
    refused = fails(wrong, "connection.verify", {})
    assert refused.code == "connection_auth_failed"
    assert "not-the-password" not in str(refused) and "not-the-password" not in str(refused.details)

    for config, field in (({"locationUrlText": "espoo"}, "locationUrlText"), ({"locationId": "9"}, "locationId"),
                          ({"viewUrlText": "nope"}, "viewUrlText")):
        bad = fails(runner(config), "connection.verify", {})
        assert bad.code == "validation_error" and field in bad.details, config


def test_the_readonly_key_reads_but_cannot_cancel(root: str) -> None:
    readonly = runner(credentials={"apiKeyId": "ak_demo_readonly", "apiKeyPassword": "sk_demo_readonly_secret"})
    assert readonly.run("appointments.get", {"id": "5002"})["status"] == "confirmed"
    assert fails(readonly, "appointments.cancel", {"id": "5002"}).code == "connection_auth_failed"
    assert 5002 in sandbox_bookings(root)


def test_every_page_is_followed(db: Runner, root: str) -> None:
    base = root.removesuffix("/_sandbox") + "/aptura-demo/en/api/admin/users"
    for i in range(110):  # more users than one page of 100
        created = httpx.post(base, auth=("ak_demo_full", "sk_demo_full_secret"),
                             json={"first_name": "Page", "last_name": f"Filler{i}", "email": f"filler{i}@example.com"})
        assert created.status_code == 200, created.text
    everyone = db.run("clients.list", {"email": None, "search": None})
    assert len(everyone) == 135 and everyone[-1]["lastName"] == "Filler109"


def race(root: str, first: Callable[[], Any], second: Callable[[], Any]) -> list[Any]:
    """Run both at once, every user lookup and user creation delayed 1.5 s, so that both
    lookups are answered (finding nobody) before either creation arrives."""
    httpx.post(f"{root}/faults", json={"rules": [
        {"method": method, "path": "/api/admin/users$", "kind": "timeout", "seconds": 1.5, "count": 2}
        for method in ("GET", "POST")]}).raise_for_status()
    try:
        def attempt(work: Callable[[], Any]) -> Any:
            try:
                return work()
            except AptError as exc:
                return exc

        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(attempt, [first, second]))
    finally:
        httpx.delete(f"{root}/faults").raise_for_status()


def user_posts(root: str) -> int:
    return sum(1 for r in httpx.get(f"{root}/requests").json()
               if r["method"] == "POST" and r["path"].endswith("/api/admin/users"))


def test_two_first_bookings_of_one_new_client_at_once_both_succeed(db: Runner, root: str) -> None:
    results = race(root, lambda: book(runner(), f"{DAY}T09:00", email="twice@example.com"),
                   lambda: book(runner(), f"{DAY}T15:00", email="twice@example.com"))
    assert user_posts(root) == 2, "both created the client: the race happened"
    assert all(isinstance(r, dict) for r in results), results
    assert results[0]["client"]["id"] == results[1]["client"]["id"]
    users = [u for u in httpx.get(f"{root}/state").json()["users"] if u["email"] == "twice@example.com"]
    assert len(users) == 1


def test_a_client_created_concurrently_is_a_conflict_naming_it(root: str) -> None:
    new = {"firstName": "Twin", "lastName": "Race", "email": "twin@example.com", "phone": None}
    results = race(root, lambda: runner().run("clients.create", new), lambda: runner().run("clients.create", new))
    assert user_posts(root) == 2, "both tried to create the client: the race happened"
    made = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, AptError)]
    assert len(made) == 1 and len(refused) == 1, results
    assert refused[0].code == "conflict" and refused[0].details["client_id"] == made[0]["id"]


def test_the_booking_reference_is_tagged_onto_the_providers_notes(db: Runner, root: str) -> None:
    reference = "aptref_0123456789abcdef0123"
    made = db.run("appointments.create", {
        "serviceId": CONSULTATION, "staffId": ANNA, "startTime": utc(f"{DAY}T10:00"), "notes": "window seat",
        "reference": reference, "client": {"firstName": "Ref", "lastName": "Kept", "email": "ref.kept@example.com"}})
    assert isinstance(made, dict)
    # DigitalBooker's own record: the reference is in the booking's notes (it has no external id field).
    assert sandbox_bookings(root)[int(made["id"])]["notes"] == f"window seat [aptura:{reference}]"
    assert (made["notes"], made["reference"]) == ("window seat", reference)
    got = db.run("appointments.get", {"id": made["id"]})
    assert (got["notes"], got["reference"]) == ("window seat", reference)
    assert [(a["notes"], a["reference"]) for a in listed(db) if a["id"] == made["id"]] == [("window seat", reference)]

    # New notes replace the caller's text; the tag stays on the provider's record.
    noted = db.run("appointments.update", {"id": made["id"], "startTime": None, "staffId": None, "notes": "aisle"})
    assert (noted["notes"], noted["reference"]) == ("aisle", reference)
    assert sandbox_bookings(root)[int(made["id"])]["notes"] == f"aisle [aptura:{reference}]"
    cleared = db.run("appointments.update", {"id": made["id"], "startTime": None, "staffId": None, "notes": ""})
    assert (cleared.get("notes"), cleared["reference"]) == (None, reference)
    assert sandbox_bookings(root)[int(made["id"])]["notes"] == f"[aptura:{reference}]"
    moved = db.run("appointments.update", {"id": made["id"], "startTime": utc(f"{DAY}T13:00"), "staffId": None,
                                           "notes": None})
    assert moved["reference"] == reference
    assert sandbox_bookings(root)[int(made["id"])]["notes"] == f"[aptura:{reference}]"

    cancelled = db.run("appointments.cancel", {"id": made["id"]})
    assert (cancelled["status"], cancelled.get("notes"), cancelled["reference"]) == ("cancelled", None, reference)
    # An untagged booking (the seed's) has no reference, and clearing its notes still clears them.
    plain = db.run("appointments.update", {"id": "5002", "startTime": None, "staffId": None, "notes": "plain"})
    assert (plain["notes"], plain.get("reference")) == ("plain", None)
    assert sandbox_bookings(root)[5002]["notes"] == "plain"
    seeded = db.run("appointments.update", {"id": "5002", "startTime": None, "staffId": None, "notes": ""})
    assert (seeded.get("notes"), seeded.get("reference")) == (None, None)
    assert "notes" not in sandbox_bookings(root)[5002]
