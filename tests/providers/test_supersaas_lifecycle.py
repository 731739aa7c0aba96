"""SuperSaaS through the engine: every operation of specs/supersaas.yaml against the sandbox.

Book -> get -> list -> update (reschedule, conflict, notes) -> cancel (twice), plus the
catalog (services, staff, locations), clients and connection checks, on the DEMO resource
schedule. The sandbox is reset and its clock pinned to PINNED_NOW for every test. The other
schedule types are exercised in tests/sandboxes/test_supersaas.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from aptura.api.shaping import clean_slots
from aptura.engine.runner import Connection, Runner
from aptura.errors import AptError
from aptura.spec.loader import load_spec
from tests.conformance.conftest import demo_of, fresh_sandbox

DEMO = demo_of("supersaas")
ALICE, BEN, CHLOE = "101", "102", "103"
CONSULTATION, TREATMENT, MASSAGE, DEEP_TISSUE = "201", "202", "203", "204"
SCHEDULE = "300101"
DAY = "2027-01-12"  # a Tuesday: the resources work 09:00-17:00 EST (14:00-22:00 UTC)
CLIENT = {"firstName": "Casey", "lastName": "Rivers", "email": "casey.rivers@example.com", "phone": "+15555550123"}


@pytest.fixture()
def provider_host(sandboxes: Any) -> str:
    host = f"{sandboxes.url}/supersaas"
    fresh_sandbox(f"{host}/_sandbox")
    return host


def runner(config: dict[str, Any] | None = None, credentials: dict[str, Any] | None = None) -> Runner:
    return Runner(load_spec("supersaas"), Connection("conn_sss_lifecycle", "supersaas", "test",
                                                     {**DEMO["config"], **(config or {})},
                                                     credentials or DEMO["credentials"]))


@pytest.fixture()
def sss(provider_host: str) -> Runner:
    return runner()


def slot_starts(sss: Runner, staff: str = ALICE, service: str = MASSAGE, day: str = DAY) -> list[str]:
    """The day's free starts, as Aptura keeps them (SuperSaaS's /api/free runs past the window)."""
    slots = sss.run("availability.list", {"serviceId": service, "staffId": staff, "startDate": day, "endDate": day})
    on_day = clean_slots(slots, date.fromisoformat(day), date.fromisoformat(day), DEMO["config"]["time_zone"])
    return [s["startTime"] for s in on_day]


def book(sss: Runner, start: str, staff: str = ALICE, service: str = MASSAGE, notes: str | None = None,
         client: dict[str, Any] | None = None) -> dict[str, Any]:
    made: dict[str, Any] = sss.run("appointments.create", {
        "serviceId": service, "staffId": staff, "startTime": start, "notes": notes, "client": client or CLIENT})
    return made


def listed(sss: Runner, start: str = DAY, end: str = DAY, **filters: Any) -> list[dict[str, Any]]:
    result = sss.run("appointments.list", {"startDate": start, "endDate": end, **filters})
    assert isinstance(result, list)
    return result


def failure(call: Any) -> AptError:
    with pytest.raises(AptError) as info:
        call()
    return info.value


def without_raw(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k != "raw"}


# -- the appointment lifecycle --------------------------------------------------------------------


def test_book_get_list_reschedule_and_cancel(sss: Runner) -> None:
    starts = slot_starts(sss)
    assert starts == [f"2027-01-12T{h}:00:00Z" for h in range(14, 22)]  # 09:00-16:00 EST, UTC-5
    made = book(sss, "2027-01-12T14:00:00Z", notes="first visit")
    assert made["status"] == "confirmed" and made["locationId"] == SCHEDULE
    assert made["client"] == {"firstName": "Casey", "lastName": "Rivers", "email": CLIENT["email"],
                              "phone": CLIENT["phone"]}
    assert made["raw"]["start"] == "2027-01-12 09:00:00"  # the provider's own wall time

    got = sss.run("appointments.get", {"id": made["id"]})
    assert without_raw(got) == without_raw(made)
    assert got["service"] == {"id": MASSAGE, "name": "Massage", "durationMinutes": 60}
    assert got["staff"] == {"id": ALICE, "name": "Alice Moreno"}
    assert (got["startTime"], got["endTime"], got["notes"]) == ("2027-01-12T14:00:00Z", "2027-01-12T15:00:00Z",
                                                                "first visit")
    assert got["raw"]["id"] == made["id"] and got["raw"]["deleted"] is False

    mine = [a for a in listed(sss) if a["id"] == made["id"]]
    assert len(mine) == 1 and without_raw(mine[0]) == without_raw(got) and mine[0]["raw"]["res_name"] == "Alice Moreno"
    assert [a["id"] for a in listed(sss, staffId=ALICE)] == [made["id"]]
    assert listed(sss, staffId=BEN) == []
    assert [a["id"] for a in listed(sss, serviceId=MASSAGE)] == [made["id"]]
    assert listed(sss, serviceId=CONSULTATION) == []
    assert [a["id"] for a in listed(sss, clientEmail="CASEY.RIVERS@example.com")] == [made["id"]]
    assert "2027-01-12T14:00:00Z" not in slot_starts(sss)

    # reschedule to another free slot: the old one is free again, the new one taken
    moved = sss.run("appointments.update", {"id": made["id"], "startTime": "2027-01-12T16:00:00Z"})
    assert (moved["id"], moved["startTime"], moved["endTime"]) == (made["id"], "2027-01-12T16:00:00Z",
                                                                   "2027-01-12T17:00:00Z")
    assert moved["notes"] == "first visit" and moved["service"]["id"] == MASSAGE
    free = slot_starts(sss)
    assert "2027-01-12T14:00:00Z" in free and "2027-01-12T16:00:00Z" not in free

    # into a taken slot: conflict, and the booking stays where it was
    other = book(sss, "2027-01-12T18:00:00Z", client={**CLIENT, "email": "other@example.com"})
    clash = failure(lambda: sss.run("appointments.update", {"id": made["id"], "startTime": "2027-01-12T18:30:00Z"}))
    assert clash.code == "conflict"
    assert sss.run("appointments.get", {"id": made["id"]})["startTime"] == "2027-01-12T16:00:00Z"
    # ... also when the staff member changes into someone busy at that time
    ben = book(sss, "2027-01-12T16:00:00Z", staff=BEN, client={**CLIENT, "email": "ben.client@example.com"})
    assert failure(lambda: sss.run("appointments.update", {"id": made["id"], "staffId": BEN})).code == "conflict"
    moved_staff = sss.run("appointments.update", {"id": made["id"], "staffId": CHLOE})
    assert moved_staff["staff"] == {"id": CHLOE, "name": "Chloe Park"}
    assert moved_staff["startTime"] == "2027-01-12T16:00:00Z"

    noted = sss.run("appointments.update", {"id": made["id"], "notes": "bring the referral"})
    assert noted["notes"] == "bring the referral" and noted["startTime"] == "2027-01-12T16:00:00Z"

    # cancel: cancelled, the same answer again, the slot free again
    cancelled = sss.run("appointments.cancel", {"id": made["id"]})
    assert cancelled["status"] == "cancelled" and cancelled["id"] == made["id"]
    assert cancelled["raw"]["deleted"] is True
    assert cancelled["startTime"] == "2027-01-12T16:00:00Z" and cancelled["staff"]["id"] == CHLOE
    again = sss.run("appointments.cancel", {"id": made["id"]})
    assert again == cancelled
    assert "2027-01-12T16:00:00Z" in slot_starts(sss, staff=CHLOE)
    assert sss.run("appointments.get", {"id": made["id"]})["status"] == "cancelled"
    statuses = {a["id"]: a["status"] for a in listed(sss)}
    assert statuses == {made["id"]: "cancelled", other["id"]: "confirmed", ben["id"]: "confirmed"}
    assert [a["id"] for a in listed(sss, status="cancelled")] == [made["id"]]
    assert made["id"] not in [a["id"] for a in listed(sss, status="confirmed")]
    # a cancelled booking cannot be changed
    assert failure(lambda: sss.run("appointments.update", {"id": made["id"], "notes": "x"})).code == "not_found"


def test_unknown_appointment_is_not_found(sss: Runner) -> None:
    for op in ("appointments.get", "appointments.cancel"):
        error = failure(lambda op=op: sss.run(op, {"id": "4242"}))
        assert error.code == "not_found" and error.details == {"appointment_id": "4242"}
    assert failure(lambda: sss.run("appointments.update", {"id": "4242", "notes": "x"})).code == "not_found"


def test_list_maps_seeded_bookings_services_by_length_and_cancelled_ones(sss: Runner) -> None:
    week = listed(sss, "2027-01-05", "2027-01-07")
    assert [(a["id"], a["status"], a["service"]["id"], a["staff"]["id"], a["startTime"], a["endTime"])
            for a in week] == [
        ("880001", "confirmed", MASSAGE, ALICE, "2027-01-05T15:00:00Z", "2027-01-05T16:00:00Z"),
        ("880002", "confirmed", DEEP_TISSUE, BEN, "2027-01-05T18:00:00Z", "2027-01-05T19:30:00Z"),
        ("880003", "confirmed", CONSULTATION, CHLOE, "2027-01-06T14:00:00Z", "2027-01-06T14:30:00Z"),
        ("880004", "cancelled", MASSAGE, ALICE, "2027-01-07T15:00:00Z", "2027-01-07T16:00:00Z"),  # deleted
    ]
    jane = week[0]["client"]
    assert jane == {"id": "5001", "firstName": "Jane", "lastName": "Doe", "email": "jane.doe@example.com",
                    "phone": "+12125550101"}
    walk_in = week[2]["client"]
    assert walk_in == {"firstName": "Walk-in", "lastName": "Client"}  # no user, no e-mail: nulls are dropped
    assert all(a["locationId"] == SCHEDULE and a["raw"]["schedule_id"] == 300101 for a in week)
    assert [a["id"] for a in listed(sss, "2027-01-05", "2027-01-07", status="cancelled")] == ["880004"]
    # across the spring-forward change: EST (UTC-5) before, EDT (UTC-4) after
    dst = listed(sss, "2027-03-13", "2027-03-16")
    assert [(a["id"], a["startTime"]) for a in dst] == [
        ("880005", "2027-03-13T20:00:00Z"), ("880006", "2027-03-15T13:00:00Z"), ("880007", "2027-03-16T15:00:00Z")]
    assert dst[2]["service"] == {"id": TREATMENT, "name": "Treatment", "durationMinutes": 45}


def test_a_length_no_service_has_is_a_pseudo_service(sss: Runner, provider_host: str) -> None:
    # a booking made in SuperSaaS itself, 75 minutes long
    auth = (DEMO["config"]["account_name"], DEMO["credentials"]["api_key"])
    booking = {"start": "2027-01-13 09:00:00", "finish": "2027-01-13 10:15:00", "resource_id": BEN,
               "full_name": "Odd Length"}
    response = httpx.post(f"{provider_host}/api/bookings.json", auth=auth,
                          json={"schedule_id": SCHEDULE, "booking": booking})
    assert response.status_code == 201
    new_id = response.headers["location"].rsplit("/", 1)[1].removesuffix(".json")
    got = sss.run("appointments.get", {"id": new_id})
    assert got["service"] == {"id": "length:75", "durationMinutes": 75}


def test_a_reschedule_keeps_the_booked_length(sss: Runner) -> None:
    made = book(sss, "2027-01-12T14:00:00Z", service=DEEP_TISSUE)
    moved = sss.run("appointments.update", {"id": made["id"], "startTime": "2027-01-12T19:00:00Z"})
    assert (moved["startTime"], moved["endTime"], moved["service"]["id"]) == (
        "2027-01-12T19:00:00Z", "2027-01-12T20:30:00Z", DEEP_TISSUE)
    # past closing time (17:00 local) is refused by SuperSaaS, and nothing moves
    late = failure(lambda: sss.run("appointments.update", {"id": made["id"], "startTime": "2027-01-12T21:00:00Z"}))
    assert late.code == "unprocessable"
    assert sss.run("appointments.get", {"id": made["id"]})["startTime"] == "2027-01-12T19:00:00Z"


def test_the_reference_is_tagged_onto_the_bookings_description_and_kept(sss: Runner, provider_host: str) -> None:
    def description(booking_id: str) -> str | None:
        state = httpx.get(f"{provider_host}/_sandbox/state").json()
        found: str | None = next(b for b in state["bookings"] if b["id"] == booking_id)["description"]
        return found

    reference = "aptref_0123456789abcdef0123"
    made: dict[str, Any] = sss.run("appointments.create", {
        "serviceId": MASSAGE, "staffId": ALICE, "startTime": "2027-01-12T14:00:00Z", "notes": "window seat",
        "client": CLIENT, "reference": reference})
    # SuperSaaS has no external id field: the reference is in the booking's own description ...
    assert description(made["id"]) == f"window seat [aptura:{reference}]"
    # ... and the unified notes are the caller's text only, everywhere an appointment is read.
    got = sss.run("appointments.get", {"id": made["id"]})
    mine = [a for a in listed(sss) if a["id"] == made["id"]]
    for appointment in (made, got, *mine):
        assert (appointment["notes"], appointment["reference"]) == ("window seat", reference), appointment
    assert len(mine) == 1

    # new notes replace the caller's text and keep the tag; a move keeps it too
    noted = sss.run("appointments.update", {"id": made["id"], "notes": "aisle seat"})
    assert (noted["notes"], noted["reference"]) == ("aisle seat", reference)
    assert description(made["id"]) == f"aisle seat [aptura:{reference}]"
    moved = sss.run("appointments.update", {"id": made["id"], "startTime": "2027-01-12T16:00:00Z"})
    assert (moved["notes"], moved["reference"]) == ("aisle seat", reference)
    # clearing the notes leaves only the tag, which the unified notes do not show
    cleared = sss.run("appointments.update", {"id": made["id"], "notes": ""})
    assert "notes" not in cleared and cleared["reference"] == reference
    assert description(made["id"]) == f"[aptura:{reference}]"
    assert sss.run("appointments.cancel", {"id": made["id"]})["reference"] == reference

    # a booking without notes carries the tag alone; one made without a reference carries none
    bare = sss.run("appointments.create", {
        "serviceId": MASSAGE, "staffId": BEN, "startTime": "2027-01-12T14:00:00Z", "client": CLIENT,
        "reference": "aptref_ffffffffffffffffffff"})
    assert description(bare["id"]) == "[aptura:aptref_ffffffffffffffffffff]" and "notes" not in bare
    plain = book(sss, "2027-01-12T15:00:00Z", staff=CHLOE, notes="no tag")
    assert description(plain["id"]) == "no tag" and "reference" not in plain


# -- catalog ----------------------------------------------------------------------------------------


def test_services_come_from_the_connection_with_prices_in_minor_units(sss: Runner) -> None:
    services = sss.run("services.list", {})
    assert [(s["id"], s["name"], s["durationMinutes"], s["price"]) for s in services] == [
        (CONSULTATION, "Consultation", 30, {"amount": 4500, "currency": "USD"}),
        (TREATMENT, "Treatment", 45, {"amount": 6500, "currency": "USD"}),
        (MASSAGE, "Massage", 60, {"amount": 8000, "currency": "USD"}),
        (DEEP_TISSUE, "Deep Tissue Massage", 90, {"amount": 11000, "currency": "USD"}),
    ]
    assert services[2]["raw"] == {"id": MASSAGE, "minutes": 60, "name": "Massage"}
    unpriced = runner({"service_prices": "203:80.5", "currency": "JPY"}).run("services.list", {})
    assert [s.get("price") for s in unpriced] == [None, None, {"amount": 81, "currency": "JPY"}, None]


def test_staff_are_the_resources_offering_every_service(sss: Runner) -> None:
    staff = sss.run("staff.list", {"serviceId": MASSAGE})
    assert [(s["id"], s["name"]) for s in staff] == [
        (ALICE, "Alice Moreno"), (BEN, "Ben Okafor"), (CHLOE, "Chloe Park")]
    assert all(s["serviceIds"] == [CONSULTATION, TREATMENT, MASSAGE, DEEP_TISSUE] for s in staff)
    assert staff[0]["raw"] == {"id": 101, "name": "Alice Moreno"}
    assert sss.run("staff.list", {"serviceId": "999"}) == []
    assert len(sss.run("staff.list", {"serviceId": None})) == 3


def test_the_schedule_is_the_one_location(sss: Runner) -> None:
    locations = sss.run("locations.list", {})
    assert [without_raw(loc) for loc in locations] == [
        {"id": SCHEDULE, "name": "Studio Staff", "timezone": "America/New_York"}]
    assert locations[0]["raw"] == {"id": 300101, "name": "Studio Staff"}
    booking = {"serviceId": MASSAGE, "staffId": ALICE, "startTime": "2027-01-12T14:00:00Z", "client": CLIENT}
    assert sss.run("appointments.create", {**booking, "locationId": SCHEDULE})["locationId"] == SCHEDULE
    elsewhere = failure(lambda: sss.run("appointments.create", {**booking, "locationId": "300102"}))
    assert elsewhere.code == "not_found"


# -- clients ------------------------------------------------------------------------------------------


def test_clients_list_by_email_and_search(sss: Runner) -> None:
    everyone = sss.run("clients.list", {"email": None, "search": None})
    assert [c["id"] for c in everyone] == ["5001", "5002"]
    by_email = sss.run("clients.list", {"email": "SAM.LEE@example.com", "search": None})
    assert [without_raw(c) for c in by_email] == [
        {"id": "5002", "firstName": "Sam", "lastName": "Lee", "email": "sam.lee@example.com", "phone": "+12125550102"}]
    assert by_email[0]["raw"]["fk"] == "1002"
    assert [c["id"] for c in sss.run("clients.list", {"email": None, "search": "jane D"})] == ["5001"]
    assert [c["id"] for c in sss.run("clients.list", {"email": None, "search": "EXAMPLE.com"})] == ["5001", "5002"]
    assert sss.run("clients.list", {"email": "nobody@example.com", "search": None}) == []


def test_clients_create_and_duplicate_email_is_a_conflict(sss: Runner) -> None:
    made = sss.run("clients.create", {"firstName": "Robin", "lastName": "van Dijk", "email": "Robin@Example.com",
                                      "phone": "+15555550199"})
    assert without_raw(made) == {"id": made["id"], "firstName": "Robin", "lastName": "van Dijk",
                                 "email": "Robin@Example.com", "phone": "+15555550199"}
    assert made["raw"]["name"] == "robin@example.com"  # the e-mail is the login name
    assert [c["id"] for c in sss.run("clients.list", {"email": "robin@example.com", "search": None})] == [made["id"]]
    duplicate = failure(lambda: sss.run("clients.create", {"firstName": "R", "lastName": "D",
                                                           "email": "ROBIN@example.com"}))
    assert duplicate.code == "conflict" and duplicate.details == {"client_id": made["id"]}
    seeded = failure(lambda: sss.run("clients.create", {"firstName": "J", "lastName": "D",
                                                        "email": "jane.doe@EXAMPLE.com"}))
    assert seeded.code == "conflict" and seeded.details == {"client_id": "5001"}
    invalid = failure(lambda: sss.run("clients.create", {"firstName": "X", "lastName": "Y", "email": "not-an-email"}))
    assert invalid.code == "unprocessable"


# -- connection ---------------------------------------------------------------------------------------


def test_connection_verify(sss: Runner) -> None:
    ok = sss.run("connection.verify", {})
    assert ok == {"ok": True, "account": "ApturaDemo", "scheduleId": SCHEDULE, "scheduleName": "Studio Staff",
                  "scheduleType": "resource", "timezone": "America/New_York"}
    bad_key = failure(lambda: runner(credentials={"api_key": "not-the-key-at-all"}).run("connection.verify", {}))
    assert bad_key.code == "connection_auth_failed"
    bad_account = failure(lambda: runner({"account_name": "SomeoneElse"}).run("connection.verify", {}))
    assert bad_account.code == "connection_auth_failed"
    other = failure(lambda: runner({"schedule_id": "999999"}).run("connection.verify", {}))
    assert other.code == "validation_error" and other.details == {"field": "config.schedule_id"}
