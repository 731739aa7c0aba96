"""Square's appointment lifecycle, catalog and client operations, run through the engine
(``specs/square.yaml``) against the Square sandbox, with its clock pinned to PINNED_NOW.

Every check reads the provider's effect back (availability, the sandbox's state), not only
what the spec answered."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aptura.engine.runner import Connection, Runner
from aptura.errors import AptError
from aptura.spec.loader import load_spec
from sandboxes.square import seed as S
from sandboxes.square.app import DEMO, OAUTH_APP
from tests.conformance.conftest import fresh_sandbox

DAY = "2027-01-12"  # a Tuesday: Ava, Marco and Jordan work downtown 09:00-17:00 EST (14:00-22:00Z)
Run = Callable[..., Any]


@pytest.fixture()
def root(sandboxes: Any) -> str:
    url = f"{sandboxes.url}/square/_sandbox"
    fresh_sandbox(url)
    return url


@pytest.fixture()
def run(root: str) -> Run:
    """Run one operation as one Aptura request (its own request id, as in production)."""
    spec = load_spec("square")

    def call(operation: str, input_: dict[str, Any], credentials: dict[str, Any] | None = None) -> Any:
        connection = Connection("conn_square", "square", "test", dict(DEMO["config"]),
                                dict(credentials or DEMO["credentials"]))
        return Runner(spec, connection, request_id=str(uuid.uuid4()), oauth_app=OAUTH_APP).run(operation, input_)

    return call


def fails(run: Run, operation: str, input_: dict[str, Any], **kwargs: Any) -> AptError:
    with pytest.raises(AptError) as info:
        run(operation, input_, **kwargs)
    return info.value


def starts(run: Run, staff_id: str = S.TM_AVA, day: str = DAY) -> list[str]:
    slots = run("availability.list", {"serviceId": S.HAIRCUT_VAR, "staffId": staff_id, "startDate": day,
                                      "endDate": day})
    return [s["startTime"] for s in slots]


def book(run: Run, start: str, email: str, staff_id: str = S.TM_AVA, notes: str | None = None) -> Any:
    return run("appointments.create", {
        "serviceId": S.HAIRCUT_VAR, "staffId": staff_id, "startTime": start, "notes": notes,
        "client": {"firstName": "Casey", "lastName": "Lifecycle", "email": email, "phone": "+15551234567"}})


def state(root: str) -> dict[str, Any]:
    return httpx.get(f"{root}/state").json()  # type: ignore[no-any-return]


# -- the lifecycle ---------------------------------------------------------------------------------
def test_book_get_list_reschedule_and_cancel(run: Run, root: str) -> None:
    free = starts(run)
    assert free[0] == "2027-01-12T14:00:00Z" and "2027-01-12T16:00:00Z" in free

    made = book(run, "2027-01-12T14:00:00Z", "casey.lifecycle@example.com", notes="first visit")
    assert made["status"] == "confirmed" and made["raw"]["id"] == made["id"]
    assert made["client"]["email"] == "casey.lifecycle@example.com" and made["client"]["id"]

    got = run("appointments.get", {"id": made["id"]})
    assert got["id"] == made["id"] and got["status"] == "confirmed"
    assert got["service"] == {"id": S.HAIRCUT_VAR, "name": "Haircut", "durationMinutes": 30}
    assert got["staff"] == {"id": S.TM_AVA, "name": "Ava P."}
    assert (got["startTime"], got["endTime"]) == ("2027-01-12T14:00:00Z", "2027-01-12T14:30:00Z")
    assert got["locationId"] == S.LOCATION_MAIN and got["notes"] == "first visit"
    assert got["client"] == {"id": made["client"]["id"], "firstName": "Casey", "lastName": "Lifecycle",
                             "email": "casey.lifecycle@example.com", "phone": "+15551234567"}
    assert got["raw"]["status"] == "ACCEPTED" and got["raw"]["start_at"] == "2027-01-12T14:00:00Z"

    listed = run("appointments.list", {"startDate": DAY, "endDate": DAY})
    assert [a["id"] for a in listed] == [made["id"]]
    assert listed[0] == got
    assert run("appointments.list", {"startDate": DAY, "endDate": DAY, "staffId": S.TM_JORDAN}) == []

    # reschedule to another free slot: the old one is free again, the new one taken
    moved = run("appointments.update", {"id": made["id"], "startTime": "2027-01-12T16:00:00Z"})
    assert moved["id"] == made["id"] and moved["startTime"] == "2027-01-12T16:00:00Z"
    assert moved["endTime"] == "2027-01-12T16:30:00Z" and moved["notes"] == "first visit"
    assert moved["raw"]["version"] == 1
    after = starts(run)
    assert "2027-01-12T14:00:00Z" in after and "2027-01-12T16:00:00Z" not in after

    # into a taken slot: refused as a conflict, the booking stays where it was
    other = book(run, "2027-01-12T18:00:00Z", "someone.else@example.com")
    taken = fails(run, "appointments.update", {"id": made["id"], "startTime": other["startTime"]})
    assert taken.code == "conflict" and taken.status == 409
    assert run("appointments.get", {"id": made["id"]})["startTime"] == "2027-01-12T16:00:00Z"

    noted = run("appointments.update", {"id": made["id"], "notes": "bring photos"})
    assert noted["notes"] == "bring photos" and noted["startTime"] == "2027-01-12T16:00:00Z"

    # another team member at the same time
    handed = run("appointments.update", {"id": made["id"], "staffId": S.TM_JORDAN})
    assert handed["staff"] == {"id": S.TM_JORDAN, "name": "Jordan L."}
    assert "2027-01-12T16:00:00Z" in starts(run) and "2027-01-12T16:00:00Z" not in starts(run, S.TM_JORDAN)

    cancelled = run("appointments.cancel", {"id": made["id"]})
    assert cancelled["status"] == "cancelled" and cancelled["raw"]["status"] == "CANCELLED_BY_CUSTOMER"
    assert run("appointments.cancel", {"id": made["id"]}) == cancelled  # idempotent
    assert "2027-01-12T16:00:00Z" in starts(run, S.TM_JORDAN)
    listed = run("appointments.list", {"startDate": DAY, "endDate": DAY})
    assert {a["id"]: a["status"] for a in listed} == {made["id"]: "cancelled", other["id"]: "confirmed"}
    cancels = [b for b in state(root)["bookings"] if b["id"] == made["id"]]
    assert cancels[0]["version"] == 4, "one UpdateBooking per change and one CancelBooking"


def test_the_reference_lives_in_the_seller_note_and_the_notes_stay_the_customers(run: Run, root: str) -> None:
    reference = "aptref_5e11e2b07ac4d91f3c20"
    made = run("appointments.create", {
        "serviceId": S.HAIRCUT_VAR, "staffId": S.TM_AVA, "startTime": "2027-01-12T15:00:00Z", "notes": "window seat",
        "reference": reference,
        "client": {"firstName": "Rhea", "lastName": "Ference", "email": "rhea.ference@example.com"}})
    # Square's own record: the tag in seller_note (hidden from customers), customer_note untouched
    held = [b for b in state(root)["bookings"] if b["id"] == made["id"]]
    assert held[0]["seller_note"] == f"[aptura:{reference}]" and held[0]["customer_note"] == "window seat"
    assert (made["reference"], made["notes"]) == (reference, "window seat")
    got = run("appointments.get", {"id": made["id"]})
    listed = run("appointments.list", {"startDate": DAY, "endDate": DAY})
    assert [(a["reference"], a["notes"]) for a in (got, *listed)] == [(reference, "window seat")] * 2
    assert all(reference not in (a["notes"] or "") for a in (made, got, *listed))

    # new notes replace the customer's note only: UpdateBooking leaves seller_note as it was
    noted = run("appointments.update", {"id": made["id"], "notes": "aisle seat"})
    assert (noted["reference"], noted["notes"]) == (reference, "aisle seat")
    held = [b for b in state(root)["bookings"] if b["id"] == made["id"]]
    assert (held[0]["seller_note"], held[0]["customer_note"]) == (f"[aptura:{reference}]", "aisle seat")
    assert run("appointments.cancel", {"id": made["id"]})["reference"] == reference


def test_a_retry_with_the_same_reference_gets_squares_first_booking_back(run: Run, root: str) -> None:
    """Both idempotency keys come from the reference, not from the (new) request id: while Square's
    customer search still lags, a retry gets the same customer back, so CreateBooking sees the same
    key and body and Square answers with the booking it already made."""
    httpx.post(f"{root}/config", json={"customer_search_lag_seconds": 3600}).raise_for_status()
    input_ = {"serviceId": S.HAIRCUT_VAR, "staffId": S.TM_AVA, "startTime": "2027-01-12T17:00:00Z",
              "reference": "aptref_0badc0ffee0badc0ffee",
              "client": {"firstName": "Otto", "lastName": "Retry", "email": "otto.retry@example.com"}}
    first = run("appointments.create", input_)
    again = run("appointments.create", input_)  # another request id, as a caller's retry has
    assert again["id"] == first["id"] and again["client"]["id"] == first["client"]["id"]
    after = state(root)
    assert [b["id"] for b in after["bookings"] if b["start_at"] == "2027-01-12T17:00:00Z"] == [first["id"]]
    assert [c["id"] for c in after["customers"] if c.get("email_address") == "otto.retry@example.com"] == \
        [first["client"]["id"]]
    # another reference is another booking request: the taken slot is refused, not replayed
    other = fails(run, "appointments.create", {**input_, "reference": "aptref_1badc0ffee0badc0ffee"})
    assert other.code == "conflict"


def test_list_maps_seed_bookings_across_chunks_and_dst(run: Run) -> None:
    listed = run("appointments.list", {"startDate": "2027-01-05", "endDate": "2027-03-16"})  # three chunks
    by_id = {a["id"]: a for a in listed}
    assert len(by_id) == len(listed), "no booking twice"
    assert list(by_id) == ["k4m9q2x7w1za0b", "p8r3t6v1y5cd2e", "f7g2h9j4k1lm3n", "s2d5f8g1h4jk6l",
                           "q9w3e6r2t5yu8i", "z1x4c7v2b5nm8a"]
    massage = by_id["p8r3t6v1y5cd2e"]
    assert massage["service"] == {"id": S.MASSAGE60_VAR, "name": "Deep Tissue Massage - 60 Minutes",
                                  "durationMinutes": 60}
    assert massage["staff"]["name"] == "Marco R." and massage["client"]["email"] == "john.smith@example.com"
    assert by_id["f7g2h9j4k1lm3n"]["status"] == "cancelled"
    # 10:00 local either side of spring forward is 15:00Z then 14:00Z
    assert by_id["s2d5f8g1h4jk6l"]["startTime"] == "2027-03-13T15:00:00Z"
    assert by_id["q9w3e6r2t5yu8i"]["startTime"] == "2027-03-15T14:00:00Z"
    assert all(a["startTime"].endswith("Z") and a["endTime"].endswith("Z") and a["raw"] for a in listed)
    # the local day bounds: 2027-01-06 is 05:00Z..05:00Z next day in New York
    assert [a["id"] for a in run("appointments.list", {"startDate": "2027-01-06", "endDate": "2027-01-06"})] == \
        ["f7g2h9j4k1lm3n"]
    ava = run("appointments.list", {"startDate": "2027-01-05", "endDate": "2027-03-16", "staffId": S.TM_AVA})
    assert [a["id"] for a in ava] == ["k4m9q2x7w1za0b", "s2d5f8g1h4jk6l", "q9w3e6r2t5yu8i"]


def test_list_without_a_configured_zone_reads_the_location(root: str, sandboxes: Any) -> None:
    connection = Connection("conn_square", "square", "test", {"location_id": S.LOCATION_MAIN},
                            dict(DEMO["credentials"]))
    runner = Runner(load_spec("square"), connection, request_id="r1", oauth_app=OAUTH_APP)
    listed = runner.run("appointments.list", {"startDate": "2027-01-06", "endDate": "2027-01-06"})
    assert [a["id"] for a in listed] == ["f7g2h9j4k1lm3n"] and runner.zone == S.ZONE


def test_unknown_ids_are_not_found(run: Run) -> None:
    for operation, input_ in [("appointments.get", {"id": "nope0000000000"}),
                              ("appointments.update", {"id": "nope0000000000", "notes": "x"}),
                              ("appointments.cancel", {"id": "nope0000000000"}),
                              ("appointments.get", {"id": "../locations"})]:
        error = fails(run, operation, input_)
        assert (error.code, error.status) == ("not_found", 404), (operation, input_)
    unknown_staff = fails(run, "appointments.update", {"id": "k4m9q2x7w1za0b", "staffId": "TMnobody"})
    assert unknown_staff.code == "not_found" and "staffId" in unknown_staff.details


def test_refused_changes_keep_the_booking(run: Run, root: str) -> None:
    # Jordan neither does blowouts nor works uptown: Square refuses the reassignment
    blowout = run("appointments.get", {"id": "u4i7o1p3a6s9dt"})
    refused = fails(run, "appointments.update", {"id": "u4i7o1p3a6s9dt", "staffId": S.TM_JORDAN})
    assert refused.code == "unprocessable"
    assert run("appointments.get", {"id": "u4i7o1p3a6s9dt"}) == blowout
    # outside working hours (a Sunday)
    sunday = fails(run, "appointments.update", {"id": "k4m9q2x7w1za0b", "startTime": "2027-01-10T15:00:00Z"})
    assert sunday.code == "unprocessable"
    # a booking that has started cannot be cancelled; it stays confirmed
    httpx.post(f"{root}/clock", json={"now": "2027-01-05T18:30:00Z"}).raise_for_status()
    started = fails(run, "appointments.cancel", {"id": "p8r3t6v1y5cd2e"})
    assert started.code == "unprocessable" and started.details["provider_code"] == "BAD_REQUEST"
    assert run("appointments.get", {"id": "p8r3t6v1y5cd2e"})["status"] == "confirmed"


def test_cancel_refused_for_a_changed_version_is_a_conflict(run: Run, root: str) -> None:
    httpx.post(f"{root}/faults", json={"rules": [{
        "method": "POST", "path": "/cancel$", "kind": "status", "status": 409, "count": 1,
        "body": {"errors": [{"category": "INVALID_REQUEST_ERROR", "code": "CONFLICT",
                             "detail": "Booking version 0 is stale.", "field": "booking_version"}]}}]}
    ).raise_for_status()
    error = fails(run, "appointments.cancel", {"id": "k4m9q2x7w1za0b"})
    assert error.code == "conflict" and error.details["provider_code"] == "CONFLICT"
    assert run("appointments.cancel", {"id": "k4m9q2x7w1za0b"})["status"] == "cancelled"


# -- catalog, team, locations ---------------------------------------------------------------------------
def test_services_are_bookable_variations_with_minor_unit_prices(run: Run) -> None:
    services = {s["id"]: s for s in run("services.list", {})}
    assert set(services) == {S.HAIRCUT_VAR, S.BLOWOUT_VAR, S.MASSAGE60_VAR, S.MASSAGE90_VAR}  # not the pomade
    haircut = services[S.HAIRCUT_VAR]
    assert haircut["name"] == "Haircut" and haircut["description"] == "Cut and style."
    assert haircut["durationMinutes"] == 30 and haircut["price"] == {"amount": 3500, "currency": "USD"}
    ninety = services[S.MASSAGE90_VAR]
    assert ninety["name"] == "Deep Tissue Massage - 90 Minutes" and ninety["durationMinutes"] == 90
    assert ninety["price"] == {"amount": 13000, "currency": "USD"}
    assert all(s["raw"]["type"] == "ITEM_VARIATION" and s["raw"]["id"] == s["id"] for s in services.values())


def test_staff_are_bookable_members_with_their_services(run: Run) -> None:
    staff = {s["id"]: s for s in run("staff.list", {"serviceId": None})}
    assert set(staff) == {S.TM_AVA, S.TM_MARCO, S.TM_JORDAN}  # not the owner, not the inactive one
    ava = staff[S.TM_AVA]
    assert (ava["name"], ava["firstName"], ava["lastName"]) == ("Ava P.", "Ava", "Patel")
    assert sorted(ava["serviceIds"]) == sorted([S.HAIRCUT_VAR, S.BLOWOUT_VAR])
    assert ava["raw"]["team_member_id"] == S.TM_AVA
    massage = run("staff.list", {"serviceId": S.MASSAGE60_VAR})
    assert sorted(s["id"] for s in massage) == sorted([S.TM_MARCO, S.TM_JORDAN])
    assert all(S.MASSAGE60_VAR in s["serviceIds"] for s in massage)
    assert run("staff.list", {"serviceId": "NOSUCHVARIATION"}) == []
    assert load_spec("square").operations["staff.list"].filters == ["serviceId"]


def test_locations_carry_their_zone_and_address(run: Run) -> None:
    locations = {loc["id"]: loc for loc in run("locations.list", {})}
    assert set(locations) == {S.LOCATION_MAIN, S.LOCATION_UPTOWN}
    main = locations[S.LOCATION_MAIN]
    assert main["timezone"] == "America/New_York" and main["name"] == "Maple & Main - Downtown"
    assert main["phone"] == "+1 718-555-0142"
    assert main["address"] == {"line1": "120 Maple Street", "line2": None, "city": "Brooklyn", "region": "NY",
                               "postalCode": "11201", "country": "US"}
    assert main["raw"]["merchant_id"] == S.MERCHANT_ID


# -- clients ------------------------------------------------------------------------------------------------
def test_clients_by_email_and_search(run: Run) -> None:
    jane = run("clients.list", {"email": "JANE.DOE@example.com", "search": None})
    assert [(c["id"], c["firstName"], c["lastName"], c["email"], c["phone"]) for c in jane] == [
        (S.CUSTOMER_JANE, "Jane", "Doe", "jane.doe@example.com", "+12125550101")]
    assert jane[0]["raw"]["id"] == S.CUSTOMER_JANE
    assert run("clients.list", {"email": "nobody@example.com", "search": None}) == []
    # Square cannot search by name: `search` lists the directory, Aptura filters it
    everyone = run("clients.list", {"email": None, "search": "garcia"})
    assert {c["id"] for c in everyone} == {S.CUSTOMER_JANE, S.CUSTOMER_JOHN, S.CUSTOMER_MARIA}
    assert load_spec("square").operations["clients.list"].filters == ["email"]


def test_create_client_then_a_duplicate_email_is_a_conflict(run: Run, root: str) -> None:
    made = run("clients.create", {"firstName": "Robin", "lastName": "Quinn", "email": "robin.quinn@example.com",
                                  "phone": "+15557654321"})
    assert made["firstName"] == "Robin" and made["email"] == "robin.quinn@example.com"
    assert made["phone"] == "+15557654321" and made["raw"]["creation_source"] == "THIRD_PARTY"
    assert run("clients.list", {"email": "robin.quinn@example.com", "search": None})[0]["id"] == made["id"]

    again = fails(run, "clients.create", {"firstName": "Rob", "lastName": "Quinn",
                                          "email": "ROBIN.QUINN@example.com", "phone": None})
    assert again.code == "conflict" and again.details == {"client_id": made["id"]}
    seeded = fails(run, "clients.create", {"firstName": "J", "lastName": "D", "email": "jane.doe@example.com"})
    assert seeded.details == {"client_id": S.CUSTOMER_JANE}
    assert sum(1 for c in state(root)["customers"] if c.get("email_address") == "robin.quinn@example.com") == 1

    bad_phone = fails(run, "clients.create", {"firstName": "A", "lastName": "B", "email": "ab@example.com",
                                              "phone": "12345"})
    assert bad_phone.code == "unprocessable" and bad_phone.details["provider_code"] == "INVALID_PHONE_NUMBER"


# -- connection -------------------------------------------------------------------------------------------
def test_connection_verify(run: Run, root: str) -> None:
    ok = run("connection.verify", {})
    assert ok["merchantId"] == S.MERCHANT_ID and ok["locationId"] == S.LOCATION_MAIN
    assert ok["timezone"] == S.ZONE and ok["raw"]["id"] == S.LOCATION_MAIN

    wrong = {k: f"{v}-wrong" for k, v in DEMO["credentials"].items()}
    refused = fails(run, "connection.verify", {}, credentials=wrong)
    assert refused.code == "connection_auth_failed" and refused.status == 401

    # a refused access token with a good refresh token is refreshed, once
    before = state(root)["refresh_grant_calls"]
    stale = {**DEMO["credentials"], "access_token": "EAAAlRevokedOrUnknownToken00000000000"}
    assert run("connection.verify", {}, credentials=stale)["merchantId"] == S.MERCHANT_ID
    assert state(root)["refresh_grant_calls"] == before + 1


def test_verify_names_a_location_of_another_seller(root: str, sandboxes: Any) -> None:
    connection = Connection("conn_square", "square", "test", {"location_id": "LNOTMINE0000", "timezone": S.ZONE},
                            dict(DEMO["credentials"]))
    with pytest.raises(AptError) as info:
        Runner(load_spec("square"), connection, oauth_app=OAUTH_APP).run("connection.verify", {})
    assert info.value.code == "validation_error" and "location_id" in info.value.details
