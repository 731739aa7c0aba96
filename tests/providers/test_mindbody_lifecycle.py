"""Mindbody's spec operations run through the engine against its sandbox: the appointment
lifecycle (book, read, list, reschedule, cancel), the catalogue (services with prices,
staff with their services, locations), clients, and connection checks."""

from __future__ import annotations

from typing import Any

import pytest

from aptura.engine.functions import OPTIONS
from aptura.engine.runner import Connection, Runner
from aptura.errors import AptError
from aptura.spec.loader import load_spec
from tests.conformance.conftest import demo_of, fresh_sandbox

DEMO = demo_of("mindbody")
ERIK, MAYA = "100000108", "100000110"
DAY = "2027-01-12"  # a Tuesday: Erik works 09:00-17:00 New York time (UTC-5) with nothing booked
NINE, TEN, ELEVEN = "2027-01-12T14:00:00Z", "2027-01-12T15:00:00Z", "2027-01-12T16:00:00Z"


def runner(connection_id: str = "conn_mb_lifecycle", **credentials: str) -> Runner:
    return Runner(load_spec("mindbody"), Connection(connection_id, "mindbody", "test", DEMO["config"],
                                                    {**DEMO["credentials"], **credentials}))


@pytest.fixture()
def mb(sandboxes: Any) -> Runner:
    root = f"{sandboxes.url}/mindbody/_sandbox"
    fresh_sandbox(root)
    return runner()


def starts(mb: Runner, day: str = DAY, staff_id: str = ERIK, service_id: str = "200") -> set[str]:
    slots = mb.run("availability.list", {"serviceId": service_id, "staffId": staff_id,
                                         "startDate": day, "endDate": day})
    return {s["startTime"] for s in slots}


def listed(mb: Runner, day: str = DAY, **filters: Any) -> dict[str, dict[str, Any]]:
    query = {"startDate": day, "endDate": day, "staffId": None, "serviceId": None, "status": None,
             "clientEmail": None, **filters}
    return {a["id"]: a for a in mb.run("appointments.list", query)}


def fails(mb: Runner, operation: str, input_: dict[str, Any]) -> AptError:
    with pytest.raises(AptError) as info:
        mb.run(operation, input_)
    return info.value


def book(mb: Runner, start: str = NINE, email: str = "river.stone@example.com") -> dict[str, Any]:
    return mb.run("appointments.create", {
        "serviceId": "200", "staffId": ERIK, "startTime": start, "notes": "first visit",
        "client": {"firstName": "River", "lastName": "Stone", "email": email, "phone": "+15550107"}})


# -- the appointment lifecycle ------------------------------------------------------------------
def test_book_get_list_reschedule_and_cancel(mb: Runner) -> None:
    assert {NINE, TEN, ELEVEN} <= starts(mb)
    made = book(mb)
    assert made["status"] == "confirmed" and made["startTime"] == NINE and made["raw"]["Id"] == int(made["id"])
    assert made["client"]["email"] == "river.stone@example.com" and made["client"]["id"]
    assert NINE not in starts(mb)

    got = mb.run("appointments.get", {"id": made["id"]})
    assert got["id"] == made["id"] and got["status"] == "confirmed"
    assert got["service"] == {"id": "200", "name": "60 Minute Massage", "durationMinutes": 60}
    assert got["staff"] == {"id": ERIK, "name": "Erik Iversen"}
    assert (got["startTime"], got["endTime"], got["locationId"], got["notes"]) == (
        NINE, "2027-01-12T15:00:00Z", "1", "first visit")
    assert got["client"] == {"id": made["client"]["id"], "firstName": "River", "lastName": "Stone",
                             "email": "river.stone@example.com", "phone": "+15550107"}
    assert got["raw"]["StartDateTime"] == "2027-01-12T09:00:00"  # the provider's naive local time

    day = listed(mb)
    assert day[made["id"]]["startTime"] == NINE and day[made["id"]]["client"]["email"] == "river.stone@example.com"
    assert made["id"] in listed(mb, staffId=ERIK) and made["id"] not in listed(mb, staffId=MAYA)

    # reschedule in place to 11:00: 09:00 opens again, 11:00 is gone
    moved = mb.run("appointments.update", {"id": made["id"], "startTime": ELEVEN})
    assert (moved["id"], moved["startTime"], moved["endTime"]) == (made["id"], ELEVEN, "2027-01-12T17:00:00Z")
    assert moved["notes"] == "first visit" and moved["status"] == "confirmed"
    free = starts(mb)
    assert NINE in free and ELEVEN not in free

    # into a taken slot: a conflict, and the booking stays where it was
    other = book(mb, start=NINE, email="sky.lake@example.com")
    clash = fails(mb, "appointments.update", {"id": made["id"], "startTime": NINE})
    assert clash.code == "conflict" and clash.status == 409
    assert mb.run("appointments.get", {"id": made["id"]})["startTime"] == ELEVEN
    assert mb.run("appointments.get", {"id": other["id"]})["startTime"] == NINE

    noted = mb.run("appointments.update", {"id": made["id"], "notes": "bring a towel"})
    assert noted["notes"] == "bring a towel" and noted["startTime"] == ELEVEN

    cancelled = mb.run("appointments.cancel", {"id": made["id"]})
    assert cancelled["status"] == "cancelled" and cancelled["id"] == made["id"] and cancelled["raw"]
    assert mb.run("appointments.cancel", {"id": made["id"]}) == cancelled  # idempotent
    assert ELEVEN in starts(mb)
    assert listed(mb)[made["id"]]["status"] == "cancelled"  # cancelled ones stay listed
    assert mb.run("appointments.get", {"id": made["id"]})["status"] == "cancelled"


def test_reschedule_to_another_staff_member(mb: Runner) -> None:
    made = book(mb, start=ELEVEN)
    moved = mb.run("appointments.update", {"id": made["id"], "staffId": MAYA})
    assert moved["staff"] == {"id": MAYA, "name": "Maya Chen"} and moved["startTime"] == ELEVEN
    assert ELEVEN in starts(mb, staff_id=ERIK) and ELEVEN not in starts(mb, staff_id=MAYA)


def test_list_maps_seed_statuses_utc_times_and_clients(mb: Runner) -> None:
    day = listed(mb, day="2027-01-05")
    assert set(day) == {"1001", "1002", "1004"}
    assert day["1001"]["startTime"] == "2027-01-05T15:00:00Z" and day["1001"]["status"] == "confirmed"
    assert day["1002"]["status"] == "confirmed" and day["1002"]["service"]["durationMinutes"] == 30
    assert day["1004"]["status"] == "cancelled" and day["1004"]["staff"]["name"] == "Maya Chen"
    assert day["1001"]["client"]["email"] == "jordan.lee@example.com"
    assert day["1002"]["client"]["email"] == "priya.patel@example.com"
    assert all(a["raw"]["Id"] == int(a["id"]) for a in day.values())
    # endDate is inclusive: the whole last local day (1003 starts 11:00 on the 6th)
    two_days = mb.run("appointments.list", {"startDate": "2027-01-05", "endDate": "2027-01-06"})
    assert {a["id"] for a in two_days} == {"1001", "1002", "1003", "1004"}


def test_list_across_a_dst_change_keeps_wall_times(mb: Runner) -> None:
    week = mb.run("appointments.list", {"startDate": "2027-03-13", "endDate": "2027-03-16"})
    times = {a["id"]: a["startTime"] for a in week}
    assert times == {"1005": "2027-03-13T14:00:00Z", "1006": "2027-03-15T17:00:00Z",
                     "1007": "2027-03-16T13:30:00Z"}


def test_times_sent_as_utc_by_the_provider_read_the_same(mb: Runner, sandboxes: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandboxes.app("mindbody"), "emit_utc", True)
    got = mb.run("appointments.get", {"id": "1001"})
    assert got["raw"]["StartDateTime"] == "2027-01-05T15:00:00Z"
    assert (got["startTime"], got["endTime"], got["service"]["durationMinutes"]) == (
        "2027-01-05T15:00:00Z", "2027-01-05T16:00:00Z", 60)


def test_declared_provider_filters() -> None:
    spec = load_spec("mindbody")
    assert spec.operations["appointments.list"].filters == ["staffId"]
    assert spec.operations["clients.list"].filters == ["email", "search"]
    assert spec.operations["staff.list"].filters == []  # serviceIds are mapped instead


def test_unknown_appointments_are_not_found(mb: Runner) -> None:
    for operation, extra in (("appointments.get", {}), ("appointments.cancel", {}),
                             ("appointments.update", {"notes": "x"})):
        for ident in ("999999", "not-a-number"):
            error = fails(mb, operation, {"id": ident, **extra})
            assert error.code == "not_found", (operation, ident)


def test_update_refusals(mb: Runner) -> None:
    assert fails(mb, "appointments.update", {"id": "1001", "staffId": "nobody"}).code == "not_found"
    # outside Erik's hours is refused, not a conflict
    late = fails(mb, "appointments.update", {"id": "1001", "startTime": "2027-01-12T23:00:00Z"})
    assert late.code == "unprocessable"
    mb.run("appointments.cancel", {"id": "1001"})
    assert fails(mb, "appointments.update", {"id": "1001", "notes": "x"}).code == "unprocessable"


# -- catalogue ------------------------------------------------------------------------------------
def test_services_are_appointment_types_with_drop_in_prices(mb: Runner) -> None:
    services = {s["id"]: s for s in mb.run("services.list", {})}
    assert set(services) == {"200", "201", "202", "203"}  # the yoga class is not an appointment
    massage = services["200"]
    assert (massage["name"], massage["durationMinutes"]) == ("60 Minute Massage", 60)
    assert massage["price"] == {"amount": 9500, "currency": "USD"}  # not the intro offer or the 5-pack
    assert services["203"]["price"] == {"amount": 13550, "currency": "USD"}
    assert services["202"]["price"] == {"amount": 8000, "currency": "USD"}  # the retired option is hidden
    assert services["201"].get("price") is None  # complimentary: no pricing option
    assert services["203"]["durationMinutes"] == 90 and services["200"]["description"]
    assert all(s["raw"]["Id"] == int(s["id"]) for s in services.values())


def test_staff_carry_their_services(mb: Runner) -> None:
    staff = {s["id"]: s for s in mb.run("staff.list", {"serviceId": None})}
    assert set(staff) == {ERIK, MAYA, "100000112"}
    assert staff[ERIK]["serviceIds"] == ["200", "201", "203"]
    assert staff[MAYA]["serviceIds"] == ["200", "201", "202"]
    assert (staff[ERIK]["name"], staff[ERIK]["firstName"], staff[ERIK]["lastName"]) == (
        "Erik Iversen", "Erik", "Iversen")
    facial = [s["id"] for s in staff.values() if "202" in s["serviceIds"]]
    assert sorted(facial) == [MAYA, "100000112"]
    assert staff[ERIK]["raw"]["Id"] == int(ERIK)


def test_locations_use_the_site_zone(mb: Runner) -> None:
    locations = {loc["id"]: loc for loc in mb.run("locations.list", {})}
    assert set(locations) == {"1", "2"}
    club = locations["1"]
    assert (club["name"], club["timezone"], club["phone"]) == ("Clubville", "America/New_York", "2125550100")
    assert club["address"] == {"line1": "4051 Broadway", "city": "New York", "region": "NY", "postalCode": "10032"}
    assert locations["2"]["raw"]["Name"] == "Riverside Studio"


# -- clients ----------------------------------------------------------------------------------------
def test_clients_by_email_and_search(mb: Runner) -> None:
    by_email = mb.run("clients.list", {"email": "PRIYA.PATEL@example.com", "search": None})
    assert [(c["id"], c["firstName"], c["phone"]) for c in by_email] == [("100000002", "Priya", "2125550102")]
    assert by_email[0]["raw"]["UniqueId"] == 100000002
    assert [c["id"] for c in mb.run("clients.list", {"email": None, "search": "lee"})] == ["100000001"]
    everyone = {c["id"] for c in mb.run("clients.list", {"email": None, "search": None})}
    assert everyone == {"100000001", "100000002"}  # the inactive client is not listed


def test_client_create_and_duplicate_email(mb: Runner) -> None:
    made = mb.run("clients.create", {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com",
                                     "phone": "+15550199"})
    assert made["id"] == "100000004" and made["email"] == "ada@example.com" and made["phone"] == "+15550199"
    assert made["raw"]["Action"] == "Added"
    assert [c["id"] for c in mb.run("clients.list", {"email": "ada@example.com", "search": None})] == ["100000004"]

    again = fails(mb, "clients.create", {"firstName": "Other", "lastName": "Name", "email": "ADA@example.com",
                                         "phone": None})
    assert again.code == "conflict" and again.details["client_id"] == "100000004"
    inactive = fails(mb, "clients.create", {"firstName": "C", "lastName": "M", "email": "casey.morgan@example.com",
                                            "phone": None})
    assert inactive.code == "conflict" and inactive.details["client_id"] == "100000003"


# -- connection --------------------------------------------------------------------------------------
def test_connection_verify(mb: Runner) -> None:
    ok = mb.run("connection.verify", {})
    assert ok["siteId"] == "-99" and ok["timezone"] == "America/New_York"
    bad_password = fails(runner("conn_mb_badpass", password="wrong-password"), "connection.verify", {})
    assert bad_password.code == "connection_auth_failed"
    bad_key = fails(runner("conn_mb_badkey", apiKey="mb-not-a-real-key"), "connection.verify", {})
    assert bad_key.code == "connection_auth_failed"
    assert "wrong-password" not in bad_password.message and "mb-not-a-real-key" not in str(bad_key.body())


# -- the generic functions this spec added ---------------------------------------------------------
def test_distinct_and_batches_functions() -> None:
    import jmespath

    def run(expression: str, data: Any) -> Any:
        return jmespath.search(expression, data, options=OPTIONS)

    assert run("distinct(xs)", {"xs": ["b", "a", "b", None, "a"]}) == ["b", "a"]
    assert run("distinct(missing)", {}) == []
    assert run("batches(xs, `2`)", {"xs": [1, 2, 3, 4, 5]}) == [[1, 2], [3, 4], [5]]
    assert run("batches(distinct(xs), `20`)", {"xs": []}) == []
    with pytest.raises(AptError):
        run("batches(xs, `0`)", {"xs": [1]})
