"""Boulevard through the engine: the whole appointment lifecycle, the catalog, clients and the
connection check, run from specs/boulevard.yaml against the sandbox (Client API as a guest for
booking, Admin API with signed tokens for everything the business sees)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from aptura.engine.runner import Connection, Runner
from aptura.errors import AptError
from aptura.spec.loader import load_spec
from sandboxes.boulevard import BoulevardSandbox, seed
from sandboxes.boulevard.auth import basic_header, make_admin_token
from tests.conformance.conftest import demo_of, fresh_sandbox

DEMO = demo_of("boulevard")
HAIRCUT, AVA = DEMO["service_id"], DEMO["staff_id"]
DOWNTOWN = DEMO["config"]["locationId"]
DAY = "2027-01-12"  # a Tuesday: Ava works 09:00-17:00 New York time, nothing booked yet


@pytest.fixture()
def sandbox(sandboxes: Any) -> BoulevardSandbox:
    root = f"{sandboxes.url}/boulevard/_sandbox"
    fresh_sandbox(root)
    app = sandboxes.app("boulevard")
    assert isinstance(app, BoulevardSandbox)
    return app


def runner(credentials: dict[str, str] | None = None, **config: str) -> Runner:
    return Runner(load_spec("boulevard"), Connection("conn_blvd", "boulevard", "test", {**DEMO["config"], **config},
                                                     credentials or DEMO["credentials"]))


@pytest.fixture()
def blvd(sandbox: BoulevardSandbox) -> Runner:
    return runner()


def free_starts(r: Runner, day: str = DAY, staff: str = AVA) -> list[str]:
    slots = r.run("availability.list", {"serviceId": HAIRCUT, "staffId": staff, "startDate": day, "endDate": day})
    return [s["startTime"] for s in slots]


def book(r: Runner, start: str, email: str = "casey.life@example.com") -> dict[str, Any]:
    made: dict[str, Any] = r.run("appointments.create", {
        "serviceId": HAIRCUT, "staffId": AVA, "startTime": start, "notes": "first visit",
        "client": {"firstName": "Casey", "lastName": "Life", "email": email, "phone": "+15551234567"}})
    return made


def fails_with(code: str, r: Runner, operation: str, input_: dict[str, Any]) -> AptError:
    with pytest.raises(AptError) as info:
        r.run(operation, input_)
    assert info.value.code == code, (info.value.code, info.value.message, info.value.details)
    return info.value


def plus(start: str, minutes: int) -> str:
    moved = datetime.fromisoformat(start.replace("Z", "+00:00")) + timedelta(minutes=minutes)
    return moved.strftime("%Y-%m-%dT%H:%M:%SZ")


def without_raw(appointment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in appointment.items() if k != "raw"}


def test_book_get_list_reschedule_and_cancel(blvd: Runner, sandbox: BoulevardSandbox) -> None:
    free = free_starts(blvd)
    first, second, third = free[4], free[12], free[20]  # 10:00, 12:00, 14:00 New York
    assert first == "2027-01-12T15:00:00Z"

    made = book(blvd, first)
    assert made["status"] == "confirmed" and made["id"].startswith("urn:blvd:Appointment:")
    assert made["raw"]["appointments"][0]["appointmentId"] == made["id"]
    assert made["client"]["email"] == "casey.life@example.com" and made["client"]["id"].startswith("urn:blvd:Client:")
    assert first not in free_starts(blvd)

    got = blvd.run("appointments.get", {"id": made["id"]})
    assert without_raw(got) == {
        "id": made["id"], "status": "confirmed",
        "service": {"id": HAIRCUT, "name": "Women's Haircut", "durationMinutes": 45},
        "staff": {"id": AVA, "name": "Ava R."},
        "startTime": first, "endTime": plus(first, 45), "locationId": DOWNTOWN, "notes": "first visit",
        "client": {"id": made["client"]["id"], "firstName": "Casey", "lastName": "Life",
                   "email": "casey.life@example.com", "phone": "+15551234567"},
    }
    assert got["raw"]["id"] == made["id"] and got["raw"]["state"] == "BOOKED"
    assert without_raw(made) == without_raw(got), "create and get answer the same appointment"

    listed = blvd.run("appointments.list", {"startDate": DAY, "endDate": DAY})
    assert [a["id"] for a in listed] == [made["id"]]
    assert without_raw(listed[0]) == without_raw(got) and listed[0]["raw"]["id"] == made["id"]
    seeded = {a["startTime"]: a for a in blvd.run("appointments.list", {"startDate": "2027-01-05",
                                                                        "endDate": "2027-01-06"})}
    assert set(seeded) == {"2027-01-05T15:00:00Z", "2027-01-06T16:00:00Z"}, "local days in New York, times in UTC"
    assert seeded["2027-01-06T16:00:00Z"]["status"] == "cancelled", "cancelled appointments are listed"
    assert seeded["2027-01-05T15:00:00Z"]["client"]["email"] == "jane.doe@example.com"
    assert seeded["2027-01-05T15:00:00Z"]["service"]["id"] == HAIRCUT

    # Reschedule in place: the old time is free again, the new one taken.
    moved = blvd.run("appointments.update", {"id": made["id"], "startTime": second})
    assert (moved["id"], moved["startTime"], moved["endTime"]) == (made["id"], second, plus(second, 45))
    assert moved["raw"]["startAt"] == second
    now_free = free_starts(blvd)
    assert first in now_free and second not in now_free

    # A taken time is a conflict and the booking stays where it was.
    sandbox.book_directly(HAIRCUT, AVA, DOWNTOWN, datetime.fromisoformat(third.replace("Z", "+00:00")))
    fails_with("conflict", blvd, "appointments.update", {"id": made["id"], "startTime": third})
    assert blvd.run("appointments.get", {"id": made["id"]})["startTime"] == second

    # Boulevard cannot change notes or the staff member of a booking: refused before anything changes.
    fails_with("not_supported", blvd, "appointments.update", {"id": made["id"], "notes": "bring photos"})
    fails_with("not_supported", blvd, "appointments.update",
               {"id": made["id"], "startTime": first, "staffId": seed.STAFF_BEN})
    assert blvd.run("appointments.get", {"id": made["id"]})["startTime"] == second
    same = blvd.run("appointments.update", {"id": made["id"], "notes": "first visit", "staffId": AVA})
    assert without_raw(same) == without_raw(blvd.run("appointments.get", {"id": made["id"]}))

    cancelled = blvd.run("appointments.cancel", {"id": made["id"]})
    assert cancelled["status"] == "cancelled" and cancelled["startTime"] == second
    assert cancelled["raw"]["cancellation"]["reason"] == "CLIENT_CANCEL"
    again = blvd.run("appointments.cancel", {"id": made["id"]})
    assert again == cancelled, "cancelling twice answers the same"
    assert second in free_starts(blvd)
    assert [a["status"] for a in blvd.run("appointments.list", {"startDate": DAY, "endDate": DAY})
            if a["id"] == made["id"]] == ["cancelled"]
    fails_with("unprocessable", blvd, "appointments.update", {"id": made["id"], "startTime": first})


def test_the_booking_reference_lives_in_the_appointment_notes(blvd: Runner, sandbox: BoulevardSandbox,
                                                              sandboxes: Any) -> None:
    # No external id on Boulevard carts or appointments: Aptura's reference is tagged onto the cart's
    # clientMessage, which Boulevard keeps as the appointment's notes.
    reference = "aptref_0123456789abcdef0123"
    start = free_starts(blvd)[4]
    made: dict[str, Any] = blvd.run("appointments.create", {
        "serviceId": HAIRCUT, "staffId": AVA, "startTime": start, "notes": "first visit", "reference": reference,
        "client": {"firstName": "Casey", "lastName": "Life", "email": "casey.ref@example.com"}})
    assert (made["notes"], made["reference"]) == ("first visit", reference)

    state = httpx.get(f"{sandboxes.url}/boulevard/_sandbox/state").json()
    stored = [a["notes"] for a in state["appointments"] if a["id"] == made["id"]]
    assert stored == [f"first visit [aptura:{reference}]"], "the provider's own record carries the reference"

    got = blvd.run("appointments.get", {"id": made["id"]})
    assert got["raw"]["notes"] == f"first visit [aptura:{reference}]"
    assert (got["notes"], got["reference"]) == ("first visit", reference)
    listed = blvd.run("appointments.list", {"startDate": DAY, "endDate": DAY})
    assert [(a["id"], a["notes"], a["reference"]) for a in listed] == [(made["id"], "first visit", reference)]

    # The caller's own notes are what an update compares with: the same text is no change, new text is
    # refused (Boulevard cannot edit notes), so the tag is never lost.
    same = blvd.run("appointments.update", {"id": made["id"], "notes": "first visit"})
    assert (same["notes"], same["reference"]) == ("first visit", reference)
    fails_with("not_supported", blvd, "appointments.update", {"id": made["id"], "notes": "bring photos"})
    moved = blvd.run("appointments.update", {"id": made["id"], "startTime": free_starts(blvd)[12]})
    cancelled = blvd.run("appointments.cancel", {"id": made["id"]})
    assert moved["reference"] == cancelled["reference"] == reference and cancelled["notes"] == "first visit"

    # Without notes, the tag is all the notes hold and the unified notes stay empty.
    bare: dict[str, Any] = blvd.run("appointments.create", {
        "serviceId": HAIRCUT, "staffId": AVA, "startTime": start, "reference": reference,
        "client": {"firstName": "Casey", "lastName": "Life", "email": "casey.ref@example.com"}})
    assert (bare.get("notes"), bare["reference"]) == (None, reference)
    assert blvd.run("appointments.get", {"id": bare["id"]})["raw"]["notes"] == f"[aptura:{reference}]"


def test_unknown_appointments_are_not_found(blvd: Runner) -> None:
    for unknown in ("urn:blvd:Appointment:99999999-9999-9999-9999-999999999999", "999999"):
        fails_with("not_found", blvd, "appointments.get", {"id": unknown})
        fails_with("not_found", blvd, "appointments.cancel", {"id": unknown})
        fails_with("not_found", blvd, "appointments.update", {"id": unknown, "startTime": "2027-01-12T15:00:00Z"})


def test_a_busy_week_is_read_page_by_page(blvd: Runner, sandbox: BoulevardSandbox) -> None:
    # 120 appointments in one week are more than one page (100): the cursor goes into the variables.
    base = datetime(2027, 1, 18, 14, 0, tzinfo=UTC)
    ids = {sandbox.book_directly(HAIRCUT, AVA, DOWNTOWN, base + timedelta(days=i % 3, minutes=i)) for i in range(120)}
    listed = blvd.run("appointments.list", {"startDate": "2027-01-18", "endDate": "2027-01-24"})
    assert {a["id"] for a in listed} == ids and len(listed) == 120


def test_a_day_beyond_several_pages_is_read_whole(blvd: Runner, sandbox: BoulevardSandbox) -> None:
    # 251 on one day was once an error (no cursor in GraphQL variables); now three pages, none lost.
    base = datetime(2027, 1, 18, 14, 0, tzinfo=UTC)
    ids = {sandbox.book_directly(HAIRCUT, AVA, DOWNTOWN, base + timedelta(minutes=i)) for i in range(251)}
    listed = blvd.run("appointments.list", {"startDate": "2027-01-18", "endDate": "2027-01-18"})
    assert sorted(a["id"] for a in listed) == sorted(ids)


def test_services_staff_and_locations(blvd: Runner) -> None:
    services = {s["id"]: s for s in blvd.run("services.list", {})}
    assert services[HAIRCUT]["price"] == {"amount": 8500, "currency": "USD"}
    assert services[HAIRCUT]["durationMinutes"] == 45 and services[HAIRCUT]["name"] == "Women's Haircut"
    assert services[seed.SVC_DEEP]["price"]["amount"] == 16000 and services[seed.SVC_DEEP]["durationMinutes"] == 90
    assert services[HAIRCUT]["raw"]["defaultPrice"] == 8500
    assert len(services) == 4

    staff = {s["id"]: s for s in blvd.run("staff.list", {"serviceId": HAIRCUT})}
    assert set(staff) == {AVA, seed.STAFF_BEN, seed.STAFF_CLEO}, "Aptura filters by serviceIds"
    assert staff[AVA]["name"] == "Ava R." and (staff[AVA]["firstName"], staff[AVA]["lastName"]) == ("Ava", "Reyes")
    assert sorted(staff[AVA]["serviceIds"]) == sorted([seed.SVC_BLOWOUT, HAIRCUT])
    assert sorted(staff[seed.STAFF_CLEO]["serviceIds"]) == sorted([seed.SVC_SWEDISH, seed.SVC_DEEP])
    assert HAIRCUT not in staff[seed.STAFF_CLEO]["serviceIds"]
    assert staff[AVA]["raw"]["name"] == "Ava Reyes"

    locations = {loc["id"]: loc for loc in blvd.run("locations.list", {})}
    assert locations[DOWNTOWN]["timezone"] == "America/New_York" and locations[DOWNTOWN]["name"] == "Downtown"
    assert locations[DOWNTOWN]["address"] == {"line1": "100 Broadway", "line2": "Suite 5", "city": "New York",
                                              "region": "NY", "postalCode": "10005", "country": "US"}
    assert locations[seed.LOC_BROOKLYN]["phone"] == "+17185550102" and locations[seed.LOC_BROOKLYN]["raw"]


def test_clients_list_create_and_duplicates(blvd: Runner) -> None:
    by_email = blvd.run("clients.list", {"email": "JANE.DOE@example.com", "search": None})
    assert [(c["id"], c["firstName"], c["phone"]) for c in by_email] == [(seed.CLIENT_JANE, "Jane", "+12125550111")]
    assert by_email[0]["raw"]["email"] == "jane.doe@example.com"
    assert blvd.run("clients.list", {"email": "nobody@example.com", "search": None}) == []
    everyone = blvd.run("clients.list", {"email": None, "search": "smith"})
    assert seed.CLIENT_JOHN in {c["id"] for c in everyone}, "search is applied by Aptura on every client"

    made = blvd.run("clients.create", {"firstName": "Nia", "lastName": "O'Park", "email": "nia.o'park@example.com",
                                       "phone": "+13105550000"})
    assert made["id"].startswith("urn:blvd:Client:") and made["raw"]["id"] == made["id"]
    assert (made["firstName"], made["lastName"], made["email"], made["phone"]) == \
        ("Nia", "O'Park", "nia.o'park@example.com", "+13105550000")
    assert [c["id"] for c in blvd.run("clients.list", {"email": "NIA.O'PARK@example.com", "search": None})] == \
        [made["id"]]
    duplicate = fails_with("conflict", blvd, "clients.create", {"firstName": "Nia", "lastName": "Again",
                                                                 "email": "Nia.O'Park@example.com"})
    assert duplicate.details["client_id"] == made["id"]
    seeded = fails_with("conflict", blvd, "clients.create", {"firstName": "J", "lastName": "D",
                                                              "email": "jane.doe@example.com"})
    assert seeded.details["client_id"] == seed.CLIENT_JANE
    loose_phone = blvd.run("clients.create", {"firstName": "Lo", "lastName": "Ose", "email": "lo@example.com",
                                              "phone": "555 123 4567"})
    assert loose_phone.get("phone") is None, "a phone Boulevard cannot store (not E.164) is left out"


def test_clients_list_follows_every_page(blvd: Runner, sandboxes: Any) -> None:
    token = make_admin_token(seed.BUSINESS_UUID, seed.SECRET_KEY, int(time.time()))
    with httpx.Client(base_url=f"{sandboxes.url}/boulevard/api/2020-01",
                      headers={"Authorization": basic_header(seed.API_KEY, token)}) as admin:
        for i in range(205):
            resp = admin.post("/admin", json={
                "query": "mutation($i: CreateClientInput!) { createClient(input: $i) { client { id } } }",
                "variables": {"i": {"firstName": f"Page{i}", "lastName": "Reader", "email": f"page{i}@example.com"}}})
            assert "errors" not in resp.json(), resp.text
    clients = blvd.run("clients.list", {"email": None, "search": None})
    assert len(clients) == 207 and len({c["id"] for c in clients}) == 207
    assert {"page0@example.com", "page204@example.com", "jane.doe@example.com"} <= {c["email"] for c in clients}


def test_connection_verify(sandbox: BoulevardSandbox) -> None:
    checked = runner().run("connection.verify", {})
    assert checked == {"ok": True, "businessId": seed.BUSINESS_ID, "businessName": "Aptura Demo Spa",
                       "locationId": DOWNTOWN, "locationName": "Downtown", "timezone": "America/New_York"}
    other_secret = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY="  # base64, but not this business's key
    for credentials in ({**DEMO["credentials"], "apiKey": "00000000-0000-0000-0000-000000000000"},
                        {**DEMO["credentials"], "secretKey": other_secret},
                        {**DEMO["credentials"], "secretKey": "not base64 at all!"}):
        error = fails_with("connection_auth_failed", runner(credentials), "connection.verify", {})
        assert DEMO["credentials"]["secretKey"] not in str(error.details) + error.message
    wrong_business = runner(businessId="11111111-1111-1111-1111-111111111111")
    fails_with("connection_auth_failed", wrong_business, "connection.verify", {})
    unknown_location = runner(locationId="urn:blvd:Location:00000000-0000-0000-0000-000000000000")
    assert fails_with("validation_error", unknown_location, "connection.verify", {}).details["field"] == \
        "config.locationId"
