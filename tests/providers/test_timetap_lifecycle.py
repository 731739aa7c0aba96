"""TimeTap through the engine: every operation of specs/timetap.yaml against the sandbox.

Book -> get -> list -> update (reschedule, conflict, notes) -> cancel (twice), plus the
catalog (services, staff, locations), clients and connection checks. The sandbox is reset
and its clock pinned to PINNED_NOW (a Monday) for every test.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from aptura.engine.runner import Connection, Runner
from aptura.errors import AptError
from aptura.spec.loader import load_spec
from tests.conformance.conftest import demo_of, fresh_sandbox

DEMO = demo_of("timetap")
AVERY, JORDAN, SAM = "512001", "512002", "512003"
CONSULT, HAIRCUT, COLOR, MASSAGE = "733001", "733002", "733003", "733004"
DOWNTOWN = "634001"
DAY = "2027-01-12"  # a Tuesday: Avery works Downtown 09:00-17:00 EST (14:00-22:00 UTC)
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture()
def sandbox(sandboxes: Any) -> str:
    root = f"{sandboxes.url}/timetap/_sandbox"
    fresh_sandbox(root)
    return root


def runner(config: dict[str, Any] | None = None, credentials: dict[str, Any] | None = None,
           connection_id: str = "conn_tt_lifecycle") -> Runner:
    return Runner(load_spec("timetap"), Connection(connection_id, "timetap", "test", config or DEMO["config"],
                                                   credentials or DEMO["credentials"]))


@pytest.fixture()
def tt(sandbox: str) -> Runner:
    return runner()


def slot_starts(tt: Runner, staff: str = AVERY, service: str = HAIRCUT, day: str = DAY) -> list[str]:
    slots = tt.run("availability.list", {"serviceId": service, "staffId": staff, "startDate": day, "endDate": day})
    return [s["startTime"] for s in slots]


def book(tt: Runner, start: str, email: str, staff: str = AVERY, service: str = HAIRCUT,
         notes: str | None = None) -> dict[str, Any]:
    return tt.run("appointments.create", {
        "serviceId": service, "staffId": staff, "startTime": start, "notes": notes,
        "client": {"firstName": "Casey", "lastName": "Rivers", "email": email, "phone": "+15555550123"}})


def listed(tt: Runner, day: str = DAY, **filters: Any) -> list[dict[str, Any]]:
    result = tt.run("appointments.list", {"startDate": day, "endDate": day, **filters})
    assert isinstance(result, list)
    return result


def local_day(utc_text: str) -> str:
    return datetime.fromisoformat(utc_text.replace("Z", "+00:00")).astimezone(NEW_YORK).date().isoformat()


def without_raw(appointment: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in appointment.items() if k != "raw"}


# -- the appointment lifecycle --------------------------------------------------------------------


def test_book_get_list_reschedule_and_cancel(tt: Runner) -> None:
    starts = slot_starts(tt)
    assert starts[:2] == ["2027-01-12T14:00:00Z", "2027-01-12T14:30:00Z"]  # 09:00 EST, UTC-5
    made = book(tt, "2027-01-12T14:00:00Z", "casey.rivers@example.com", notes="first visit")
    assert without_raw(made) == {
        "id": made["id"], "status": "confirmed",
        "service": {"id": HAIRCUT, "name": "Haircut", "durationMinutes": 45},
        "staff": {"id": AVERY, "name": "Avery Brooks"},
        "startTime": "2027-01-12T14:00:00Z", "endTime": "2027-01-12T14:45:00Z",
        "locationId": DOWNTOWN, "notes": "first visit",
        "client": {"id": made["client"]["id"], "firstName": "Casey", "lastName": "Rivers",
                   "email": "casey.rivers@example.com", "phone": "+15555550123"},
    }
    assert made["id"].isdigit() and made["raw"]["calendarId"] == int(made["id"])
    assert "2027-01-12T14:00:00Z" not in slot_starts(tt)

    got = tt.run("appointments.get", {"id": made["id"]})
    assert without_raw(got) == without_raw(made)
    assert got["raw"]["appointmentIdHash"]

    day = listed(tt)
    assert all(local_day(a["startTime"]) == DAY and a["startTime"].endswith("Z") for a in day)
    mine = [a for a in day if a["id"] == made["id"]]
    assert len(mine) == 1 and without_raw(mine[0]) == without_raw(made)
    assert mine[0]["raw"]["client"]["emailAddress"] == "casey.rivers@example.com"
    # Filters pushed to the provider really filter there.
    assert made["id"] in [a["id"] for a in listed(tt, staffId=AVERY, serviceId=HAIRCUT, status="confirmed")]
    assert made["id"] not in [a["id"] for a in listed(tt, staffId=JORDAN)]
    assert made["id"] not in [a["id"] for a in listed(tt, serviceId=COLOR)]
    assert made["id"] not in [a["id"] for a in listed(tt, status="cancelled")]

    # Reschedule to another free slot (11:00 EST): the old slot is free again, the new one gone.
    moved = tt.run("appointments.update", {"id": made["id"], "startTime": "2027-01-12T16:00:00Z"})
    assert (moved["id"], moved["startTime"], moved["endTime"]) == (made["id"], "2027-01-12T16:00:00Z",
                                                                    "2027-01-12T16:45:00Z")
    assert moved["notes"] == "first visit" and moved["status"] == "confirmed"
    assert moved["raw"]["clientEndTime"] == 1145 and moved["raw"]["endTime"] == 1145
    after_move = slot_starts(tt)
    assert "2027-01-12T14:00:00Z" in after_move and "2027-01-12T16:00:00Z" not in after_move

    # Into a taken slot: conflict, and the booking stays where it was.
    other = book(tt, "2027-01-12T18:00:00Z", "other.client@example.com")
    with pytest.raises(AptError) as taken:
        tt.run("appointments.update", {"id": made["id"], "startTime": "2027-01-12T18:30:00Z"})
    assert taken.value.code == "conflict"
    assert tt.run("appointments.get", {"id": made["id"]})["startTime"] == "2027-01-12T16:00:00Z"

    # Notes only: the time is kept.
    noted = tt.run("appointments.update", {"id": made["id"], "notes": "bring photos"})
    assert (noted["notes"], noted["startTime"]) == ("bring photos", "2027-01-12T16:00:00Z")

    cancelled = tt.run("appointments.cancel", {"id": made["id"]})
    assert cancelled["status"] == "cancelled" and cancelled["id"] == made["id"]
    assert cancelled["startTime"] == "2027-01-12T16:00:00Z" and cancelled["raw"]["subStatus"] == "CANCEL"
    again = tt.run("appointments.cancel", {"id": made["id"]})
    assert without_raw(again) == without_raw(cancelled)
    assert "2027-01-12T16:00:00Z" in slot_starts(tt)
    statuses = {a["id"]: a["status"] for a in listed(tt)}
    assert statuses[made["id"]] == "cancelled" and statuses[other["id"]] == "confirmed"
    assert [a["id"] for a in listed(tt, status="cancelled")] == [made["id"]]


def test_aptura_reference_lives_in_the_timetap_note_and_stays_out_of_the_notes(sandbox: str, tt: Runner) -> None:
    reference = "aptref_0123456789abcdef0123"

    def stored_note(calendar_id: str) -> str:
        state = httpx.get(f"{sandbox}/state").json()
        return next(a["note"] for a in state["appointments"] if str(a["calendarId"]) == calendar_id)

    made = tt.run("appointments.create", {
        "serviceId": HAIRCUT, "staffId": AVERY, "startTime": "2027-01-12T15:00:00Z", "notes": "window seat",
        "reference": reference,
        "client": {"firstName": "Ref", "lastName": "Keeper", "email": "ref.keeper@example.com"}})
    # TimeTap's own record: the note carries the tag (appointments have no external id field).
    assert stored_note(made["id"]) == f"window seat [aptura:{reference}]"
    assert (made["notes"], made["reference"]) == ("window seat", reference)
    got = tt.run("appointments.get", {"id": made["id"]})
    assert (got["notes"], got["reference"]) == ("window seat", reference)
    mine = [a for a in listed(tt) if a["id"] == made["id"]]
    assert [(a["notes"], a["reference"]) for a in mine] == [("window seat", reference)]

    # New notes replace the caller's text; the tag stays on TimeTap's note.
    noted = tt.run("appointments.update", {"id": made["id"], "notes": "aisle seat"})
    assert (noted["notes"], noted["reference"]) == ("aisle seat", reference)
    assert stored_note(made["id"]) == f"aisle seat [aptura:{reference}]"
    # Clearing the notes leaves only the tag: the unified notes are null, the reference is kept.
    cleared = tt.run("appointments.update", {"id": made["id"], "notes": ""})
    assert (cleared.get("notes"), cleared["reference"]) == (None, reference)
    assert stored_note(made["id"]) == f"[aptura:{reference}]"
    # A reschedule does not touch the note.
    moved = tt.run("appointments.update", {"id": made["id"], "startTime": "2027-01-12T16:00:00Z"})
    assert moved["reference"] == reference and stored_note(made["id"]) == f"[aptura:{reference}]"
    cancelled = tt.run("appointments.cancel", {"id": made["id"]})
    assert cancelled["reference"] == reference and cancelled["status"] == "cancelled"

    # Without notes, the note holds the tag alone; an untagged appointment has no reference.
    bare = tt.run("appointments.create", {
        "serviceId": HAIRCUT, "staffId": AVERY, "startTime": "2027-01-12T18:00:00Z", "reference": reference,
        "client": {"firstName": "Ref", "lastName": "Keeper", "email": "ref.keeper@example.com"}})
    assert stored_note(bare["id"]) == f"[aptura:{reference}]" and bare.get("notes") is None
    seeded = tt.run("appointments.get", {"id": "18750002"})
    assert seeded.get("reference") is None


def test_clearing_the_notes_of_an_untagged_appointment_clears_them(tt: Runner) -> None:
    noted = tt.run("appointments.update", {"id": "18750002", "notes": "call first"})
    assert noted["notes"] == "call first"
    cleared = tt.run("appointments.update", {"id": "18750002", "notes": ""})
    assert cleared.get("notes") is None and cleared["raw"]["note"] == ""


def test_reschedule_to_another_staff_member_and_refusals(tt: Runner) -> None:
    # Seeded 18750002: Avery, Haircut, 2027-01-05 (a Tuesday) 10:00 EST.
    jordan_wed = slot_starts(tt, staff=JORDAN, day="2027-01-06")
    assert "2027-01-06T15:00:00Z" in jordan_wed
    moved = tt.run("appointments.update", {"id": "18750002", "staffId": JORDAN, "startTime": "2027-01-06T15:00:00Z"})
    assert moved["staff"] == {"id": JORDAN, "name": "Jordan Lee"} and moved["startTime"] == "2027-01-06T15:00:00Z"
    assert "2027-01-06T15:00:00Z" not in slot_starts(tt, staff=JORDAN, day="2027-01-06")
    assert "2027-01-05T15:00:00Z" in slot_starts(tt, day="2027-01-05")
    # Sam works Uptown only: not bookable at the appointment's Downtown location.
    with pytest.raises(AptError) as outside:
        tt.run("appointments.update", {"id": "18750002", "staffId": SAM})
    assert outside.value.code == "conflict"
    # A cancelled appointment cannot be changed (TimeTap answers 400).
    with pytest.raises(AptError) as refused:
        tt.run("appointments.update", {"id": "18750004", "notes": "x"})
    assert refused.value.code == "unprocessable"
    with pytest.raises(AptError) as past:
        tt.run("appointments.update", {"id": "18750002", "startTime": "2026-12-01T15:00:00Z"})
    assert past.value.code == "unprocessable"
    assert tt.run("appointments.get", {"id": "18750002"})["startTime"] == "2027-01-06T15:00:00Z"


@pytest.mark.parametrize("operation", ["appointments.get", "appointments.cancel", "appointments.update"])
@pytest.mark.parametrize("unknown", ["99999999", "not-a-number"])
def test_unknown_appointment_is_not_found(tt: Runner, operation: str, unknown: str) -> None:
    with pytest.raises(AptError) as missing:
        tt.run(operation, {"id": unknown, "notes": "x"})
    assert missing.value.code == "not_found"


def test_list_maps_seeded_statuses_and_utc_times_across_dst(tt: Runner) -> None:
    january = {a["id"]: a for a in listed(tt, day="2027-01-05") + listed(tt, day="2027-01-06")}
    # 18750003 is Uptown: the connection's location is Downtown, so it is not listed.
    assert sorted(january) == ["18750002", "18750004"]
    assert january["18750004"]["status"] == "cancelled"
    assert january["18750004"]["client"]["email"] is None
    march = tt.run("appointments.list", {"startDate": "2027-03-12", "endDate": "2027-03-15"})
    times = {a["id"]: (a["startTime"], a["endTime"]) for a in march}
    # Same 10:00 wall time either side of spring-forward (EST, then EDT); Color ends at the
    # client's 60 minutes, not at the 15-minute clean-up buffer.
    assert times == {"18750005": ("2027-03-12T15:00:00Z", "2027-03-12T15:30:00Z"),
                     "18750006": ("2027-03-15T14:00:00Z", "2027-03-15T15:00:00Z")}
    assert listed(tt, day="2026-12-15")[0]["status"] == "completed"


def test_appointment_times_use_the_location_zone_timetap_reports(sandbox: str) -> None:
    # A connection declaring the wrong zone still reads appointments right: each carries its
    # location's timeZone, which wins over the connection's.
    chicago = runner({**DEMO["config"], "timezone": "America/Chicago"}, connection_id="conn_tt_chicago")
    got = chicago.run("appointments.get", {"id": "18750002"})
    assert (got["startTime"], got["endTime"]) == ("2027-01-05T15:00:00Z", "2027-01-05T15:45:00Z")
    moved = chicago.run("appointments.update", {"id": "18750002", "startTime": "2027-01-05T19:00:00Z"})
    assert moved["raw"]["startTime"] == 1400 and moved["startTime"] == "2027-01-05T19:00:00Z"


# -- catalog ---------------------------------------------------------------------------------------


def test_services_in_minor_units_with_duration(tt: Runner) -> None:
    services = {s["id"]: s for s in tt.run("services.list", {})}
    assert sorted(services) == [CONSULT, HAIRCUT, COLOR, MASSAGE]
    haircut = services[HAIRCUT]
    assert without_raw(haircut) == {"id": HAIRCUT, "name": "Haircut", "description": "Wash, cut and style",
                                    "durationMinutes": 45, "price": {"amount": 4500, "currency": "USD"}}
    assert haircut["raw"]["reasonType"] == "SERVICE"
    assert services[CONSULT]["price"] == {"amount": 0, "currency": "USD"}
    assert services[COLOR]["durationMinutes"] == 60  # the buffer is not the client's time
    assert "description" not in services[MASSAGE]
    euro = runner({**DEMO["config"], "currency": "EUR"}, connection_id="conn_tt_eur").run("services.list", {})
    assert {s["id"]: s["price"] for s in euro}[MASSAGE] == {"amount": 11000, "currency": "EUR"}


def test_staff_at_the_location_with_their_services(tt: Runner) -> None:
    staff = {s["id"]: s for s in tt.run("staff.list", {})}
    assert sorted(staff) == [AVERY, JORDAN]  # Sam works Uptown only
    avery = staff[AVERY]
    assert without_raw(avery) == {"id": AVERY, "name": "Avery Brooks", "firstName": "Avery", "lastName": "Brooks",
                                  "serviceIds": [CONSULT, HAIRCUT, COLOR]}
    assert avery["raw"]["professionalId"] == int(AVERY)
    assert staff[JORDAN]["serviceIds"] == [CONSULT, HAIRCUT, COLOR, MASSAGE]
    assert [s["id"] for s in tt.run("staff.list", {"serviceId": MASSAGE})] == [JORDAN]
    assert [s["id"] for s in tt.run("staff.list", {"serviceId": HAIRCUT})] == [AVERY, JORDAN]
    assert tt.run("staff.list", {"serviceId": "1"}) == []


def test_locations_with_timezone_and_address(tt: Runner) -> None:
    locations = {loc["id"]: loc for loc in tt.run("locations.list", {})}
    assert without_raw(locations[DOWNTOWN]) == {
        "id": DOWNTOWN, "name": "Downtown Studio", "timezone": "America/New_York", "phone": "+12125550100",
        "address": {"line1": "100 Main St", "line2": "Suite 200", "city": "New York", "region": "NY",
                    "postalCode": "10001", "country": "US"}}
    assert locations["634002"]["timezone"] == "America/New_York" and "line2" not in locations["634002"]["address"]
    assert locations["634002"]["raw"]["locationName"] == "Uptown Studio"


# -- clients ---------------------------------------------------------------------------------------


def matching(clients: list[dict[str, Any]], email: str | None = None, search: str | None = None
             ) -> list[str]:
    """Aptura's client filters (TimeTap cannot search, so Aptura applies them to the full list)."""
    out = []
    for c in clients:
        if email is not None and (c.get("email") or "").lower() != email.lower():
            continue
        text = " ".join(str(c.get(k) or "") for k in ("firstName", "lastName", "email")).lower()
        if search is not None and search.lower() not in text:
            continue
        out.append(c["id"])
    return out


def test_clients_list_carries_what_the_filters_read(tt: Runner) -> None:
    book(tt, "2027-01-12T14:00:00Z", "casey.rivers@example.com")
    clients = tt.run("clients.list", {"email": "JANE.DEER@example.com", "search": None})
    assert len(clients) == 4  # every client: TimeTap has no search, Aptura filters
    assert matching(clients, email="JANE.DEER@example.com") == ["2100001"]
    assert matching(clients, search="sez") == ["2100002"]
    assert matching(clients, search="rivers") == [c["id"] for c in clients if c["lastName"] == "Rivers"]
    jane = next(c for c in clients if c["id"] == "2100001")
    assert without_raw(jane) == {"id": "2100001", "firstName": "Jane", "lastName": "Deer",
                                 "email": "jane.deer@example.com", "phone": "+12125550101"}
    assert jane["raw"]["clientId"] == 2100001
    assert "email" not in next(c for c in clients if c["id"] == "2100003")  # Jimmy has no e-mail


def test_clients_create_and_duplicate_email_conflict(tt: Runner) -> None:
    made = tt.run("clients.create", {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com",
                                     "phone": "+15555550199"})
    assert without_raw(made) == {"id": made["id"], "firstName": "Ada", "lastName": "Lovelace",
                                 "email": "ada@example.com", "phone": "+15555550199"}
    assert made["raw"]["clientId"] == int(made["id"])
    assert made["id"] in matching(tt.run("clients.list", {}), email="ada@example.com")
    with pytest.raises(AptError) as duplicate:
        tt.run("clients.create", {"firstName": "Ada", "lastName": "L", "email": "ADA@example.com"})
    assert duplicate.value.code == "conflict"
    assert duplicate.value.details == {"client_id": made["id"]}
    with pytest.raises(AptError) as seeded:
        tt.run("clients.create", {"firstName": "J", "lastName": "D", "email": "jane.deer@example.com"})
    assert seeded.value.details == {"client_id": "2100001"}
    assert len(tt.run("clients.list", {})) == 4  # neither duplicate was created


# -- connection ------------------------------------------------------------------------------------


def test_connection_verify(sandbox: str) -> None:
    assert runner().run("connection.verify", {}) == {
        "ok": True, "locationId": DOWNTOWN, "locationName": "Downtown Studio", "timezone": "America/New_York"}
    bad = runner(credentials={**DEMO["credentials"], "privateKey": "0" * 32}, connection_id="conn_tt_bad")
    with pytest.raises(AptError) as refused:
        bad.run("connection.verify", {})
    assert refused.value.code == "connection_auth_failed"
    assert "0" * 32 not in str(refused.value) and "0" * 32 not in str(refused.value.details)
    wrong_location = runner({**DEMO["config"], "locationId": "999"}, connection_id="conn_tt_loc")
    with pytest.raises(AptError) as unknown:
        wrong_location.run("connection.verify", {})
    assert unknown.value.code == "validation_error" and unknown.value.details["field"] == "config.locationId"
