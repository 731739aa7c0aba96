"""The conformance suite, part two: the appointment lifecycle, catalog and clients through
the real handlers for every provider. An operation a spec does not declare must answer 501
naming the provider and the operation; everything a spec declares must behave the same way
for every provider.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aptura.spec.loader import load_spec
from tests.conformance.conftest import Provisioned
from tests.conformance.test_conformance import START, availability, book, parse
from tests.support import Result, auth_headers, invoke


def call(p: Provisioned, method: str, path: str, **kwargs: Any) -> Result:
    return invoke(method, path, headers=auth_headers(p.key, p.connection_id), **kwargs)


def declared(p: Provisioned, operation: str, result: Result) -> bool:
    """True when the spec declares ``operation``; otherwise the answer must be its 501."""
    if operation in load_spec(p.provider).operations:
        return True
    assert result.status == 501, result
    assert result.body["details"] == {"provider": p.provider, "operation": operation}
    return False


def slots_on(p: Provisioned, days: int) -> list[dict[str, Any]]:
    day = START + timedelta(days=days)
    result = availability(p, day, day, staffId=p.demo["staff_id"])
    assert result.status == 200, result
    return result.body["slots"]


def free(p: Provisioned, days: int, start: str) -> bool:
    return any(s["startTime"] == start for s in slots_on(p, days))


def apart(slots: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """``count`` slots that do not overlap each other (one booking never blocks another)."""
    chosen: list[dict[str, Any]] = []
    for slot in slots:
        if all(parse(slot["startTime"]) >= parse(c["endTime"]) for c in chosen):
            chosen.append(slot)
        if len(chosen) == count:
            return chosen
    raise AssertionError(f"fewer than {count} separate slots")


def listing(p: Provisioned, **query: Any) -> Result:
    day = (START + timedelta(days=2)).isoformat()
    return call(p, "GET", "/v1/appointments", query={"start_date": day, "end_date": day, **query})


def test_book_get_list_reschedule_cancel(provider: Provisioned) -> None:
    p = provider
    first, second, third = apart(slots_on(p, 2), 3)
    made = book(p, first, email="life.cycle@example.com")
    assert made.status == 201, made
    appt = made.body
    assert "raw" not in appt

    got = call(p, "GET", f"/v1/appointments/{appt['id']}", query={"include": "raw"})
    if declared(p, "appointments.get", got):
        assert got.status == 200, got
        for field in ("id", "status", "startTime", "endTime", "provider"):
            assert got.body[field] == appt[field], field
        assert got.body["service"]["id"] == appt["service"]["id"] and got.body["staff"]["id"] == appt["staff"]["id"]
        assert isinstance(got.body["raw"], dict) and got.body["raw"]

    other = book(p, second, email="second.client@example.com")
    assert other.status == 201, other
    listed = listing(p, staff_id=p.demo["staff_id"], ordering="-start_time")
    if declared(p, "appointments.list", listed):
        assert listed.status == 200, listed
        ids = [a["id"] for a in listed.body["data"]]
        assert {appt["id"], other.body["id"]} <= set(ids)
        starts = [a["startTime"] for a in listed.body["data"]]
        assert starts == sorted(starts, reverse=True) and all(s.endswith("Z") for s in starts)
        # one page at a time: every appointment once, in order
        pages, cursor = [], None
        while True:
            page = listing(p, staff_id=p.demo["staff_id"], limit=1, cursor=cursor)
            assert page.status == 200, page
            pages += [a["id"] for a in page.body["data"]]
            cursor = page.body["next_cursor"]
            if cursor is None:
                break
        assert pages == [a["id"] for a in listing(p, staff_id=p.demo["staff_id"]).body["data"]]
        by_email = listing(p, client_email="LIFE.CYCLE@example.com")
        assert [a["id"] for a in by_email.body["data"]] == [appt["id"]], by_email
        assert appt["id"] not in [a["id"] for a in listing(p, status="cancelled").body["data"]]
        window = listing(p, start_datetime=second["startTime"], end_datetime=second["startTime"])
        assert [a["id"] for a in window.body["data"]] == [other.body["id"]], window

    moved = call(p, "PATCH", f"/v1/appointments/{appt['id']}", json_body={"startTime": third["startTime"]})
    if declared(p, "appointments.update", moved):
        assert moved.status == 200, moved
        assert moved.body["startTime"] == third["startTime"] and moved.body["status"] == "confirmed"
        assert free(p, 2, first["startTime"]), "the old time is free again"
        assert not free(p, 2, third["startTime"]), "the new time is taken"
        clash = call(p, "PATCH", f"/v1/appointments/{moved.body['id']}", json_body={"startTime": second["startTime"]})
        assert clash.status == 409, clash
        appt = moved.body

    cancelled = call(p, "POST", f"/v1/appointments/{appt['id']}/cancel")
    if declared(p, "appointments.cancel", cancelled):
        assert cancelled.status == 200, cancelled
        assert cancelled.body["id"] == appt["id"] and cancelled.body["status"] == "cancelled"
        again = call(p, "POST", f"/v1/appointments/{appt['id']}/cancel")
        assert again.status == 200 and again.body["status"] == "cancelled", again
        assert free(p, 2, appt["startTime"]), "a cancelled appointment frees its time"
        if "appointments.list" in load_spec(p.provider).operations:
            gone = listing(p, status="cancelled").body["data"]
            assert appt["id"] in [a["id"] for a in gone]


def test_unknown_appointment_is_404(provider: Provisioned) -> None:
    result = call(provider, "GET", "/v1/appointments/999999999")
    if declared(provider, "appointments.get", result):
        assert result.status == 404, result
        assert result.body["error"] == "not_found"


def test_services_staff_and_locations(provider: Provisioned) -> None:
    p = provider
    services = call(p, "GET", "/v1/services", query={"include": "raw"})
    if declared(p, "services.list", services):
        assert services.status == 200, services
        data = services.body["data"]
        assert p.demo["service_id"] in [s["id"] for s in data]
        assert all(isinstance(s["raw"], dict) for s in data)
        names = [s["name"].casefold() for s in data]
        assert names == sorted(names)
        priced = [s for s in data if s.get("price")]
        for s in priced:
            assert isinstance(s["price"]["amount"], int) and len(s["price"]["currency"]) == 3
        if priced:
            top = max(s["price"]["amount"] for s in priced)
            cheaper = call(p, "GET", "/v1/services", query={"price__lt": top, "ordering": "-price"}).body["data"]
            assert all(s["price"]["amount"] < top for s in cheaper)
            assert [s["price"]["amount"] for s in cheaper] == sorted((s["price"]["amount"] for s in cheaper),
                                                                     reverse=True)
    staff = call(p, "GET", "/v1/staff", query={"serviceId": p.demo["service_id"]})
    if declared(p, "staff.list", staff):
        assert staff.status == 200, staff
        assert p.demo["staff_id"] in [s["id"] for s in staff.body["data"]]
    locations = call(p, "GET", "/v1/locations")
    if declared(p, "locations.list", locations):
        assert locations.status == 200, locations
        assert locations.body["data"] and all(loc["id"] for loc in locations.body["data"])


def test_clients_are_created_once_and_found(provider: Provisioned) -> None:
    p = provider
    body = {"firstName": "Robin", "lastName": "Conformance", "email": "robin.conformance@example.com"}
    made = call(p, "POST", "/v1/clients", json_body=body)
    if not declared(p, "clients.create", made):
        return
    assert made.status == 201, made
    assert made.body["email"].casefold() == body["email"] and made.body["id"]
    duplicate = call(p, "POST", "/v1/clients", json_body=body)
    assert duplicate.status == 409, duplicate
    assert duplicate.body["details"].get("client_id") == made.body["id"]
    found = call(p, "GET", "/v1/clients", query={"email": "Robin.Conformance@example.com"})
    if declared(p, "clients.list", found):
        assert [c["id"] for c in found.body["data"]] == [made.body["id"]], found
        searched = call(p, "GET", "/v1/clients", query={"search": "robin conf"})
        assert made.body["id"] in [c["id"] for c in searched.body["data"]]
