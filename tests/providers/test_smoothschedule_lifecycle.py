"""SmoothSchedule through the engine: every operation of specs/smoothschedule.yaml against the sandbox.

Book -> get -> list -> update (reschedule, conflict, notes) -> cancel (twice), the catalogue,
clients, the connection checks (token, tenant, zone, scopes), rate limits and the base URL.
The sandbox is reset and its clock pinned to PINNED_NOW for every test.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from aptura.engine.runner import Connection, Runner, base_url
from aptura.errors import AptError
from aptura.spec.loader import load_spec
from tests.conformance.conftest import demo_of, fresh_sandbox

DEMO = demo_of("smoothschedule")
AVA, BEN = "11", "12"
HAIRCUT, MASSAGE = "1", "4"
DAY = "2027-01-12"  # a Tuesday: open 09:00-17:00 in Chicago (15:00-23:00 UTC)


@pytest.fixture()
def sandbox(sandboxes: Any) -> str:
    root = f"{sandboxes.url}/smoothschedule/_sandbox"
    fresh_sandbox(root)
    return root


def runner(config: dict[str, Any] | None = None, token: str | None = None) -> Runner:
    credentials = {"api_token": token} if token else DEMO["credentials"]
    return Runner(load_spec("smoothschedule"), Connection("conn_ss_lifecycle", "smoothschedule", "test",
                                                          config or DEMO["config"], credentials))


@pytest.fixture()
def ss(sandbox: str) -> Runner:
    return runner()


def slot_starts(ss: Runner, staff: str | None = AVA, service: str = HAIRCUT, day: str = DAY) -> list[str]:
    slots = ss.run("availability.list", {"serviceId": service, "staffId": staff, "startDate": day, "endDate": day})
    return [s["startTime"] for s in slots]


def book(ss: Runner, start: str, email: str = "casey@example.com", staff: str = AVA, notes: str | None = None,
         reference: str | None = None) -> dict[str, Any]:
    return ss.run("appointments.create", {
        "serviceId": HAIRCUT, "staffId": staff, "startTime": start, "notes": notes, "reference": reference,
        "client": {"firstName": "Casey", "lastName": "Rivers", "email": email, "phone": "+15555550123"}})


def refused(ss: Runner, operation: str, data: dict[str, Any]) -> AptError:
    with pytest.raises(AptError) as caught:
        ss.run(operation, data)
    return caught.value


def test_verify_reports_the_business(ss: Runner) -> None:
    assert ss.run("connection.verify", {}) == {"ok": True, "subdomain": "demo", "name": "Demo Salon",
                                               "timezone": "America/Chicago"}


def test_verify_refuses_bad_tokens_other_tenants_and_a_wrong_zone(sandbox: str) -> None:
    assert refused(runner(token="ss_test_nope"), "connection.verify", {}).code == "connection_auth_failed"
    other = runner(token="ss_test_acme_full_c0ffee")  # a real token, of another business
    assert refused(other, "connection.verify", {}).code == "connection_auth_failed"
    zone = refused(runner({"subdomain": "demo", "timezone": "Europe/Paris"}), "connection.verify", {})
    assert zone.code == "validation_error" and zone.details == {"field": "config.timezone"}


def test_a_missing_scope_is_named(sandbox: str) -> None:
    readonly = runner(token="ss_test_demo_readonly_3e5a")
    error = refused(readonly, "appointments.create", {
        "serviceId": HAIRCUT, "staffId": AVA, "startTime": "2027-01-12T15:00:00Z",
        "client": {"firstName": "A", "lastName": "B", "email": "a@example.com"}})
    # The booking's first write is its new customer (POST /customers/): the token lacks customers:write first.
    assert error.code == "connection_auth_failed" and error.details["missing_scope"] == "customers:write"
    assert "customers:write" in str(error)
    assert readonly.run("services.list", {})  # the read scopes it has still work


def test_availability_in_utc_for_one_or_all_staff(ss: Runner) -> None:
    starts = slot_starts(ss)
    assert starts[0] == "2027-01-12T15:00:00Z" and starts[-1] == "2027-01-12T22:30:00Z" and len(starts) == 16
    both = ss.run("availability.list", {"serviceId": HAIRCUT, "staffId": None, "startDate": DAY, "endDate": DAY})
    assert {s["staffId"] for s in both} == {AVA, BEN} and {s["staffName"] for s in both} == {"Ava Lindqvist",
                                                                                              "Ben Okafor"}
    long = ss.run("availability.list", {"serviceId": MASSAGE, "staffId": None, "startDate": "2027-01-11",
                                        "endDate": "2027-02-25"})  # two provider windows (31 days max)
    assert long[0]["startTime"].startswith("2027-01-11") and long[-1]["startTime"].startswith("2027-02-25")


def test_book_get_list_reschedule_cancel(ss: Runner) -> None:
    made = book(ss, "2027-01-12T15:00:00Z", notes="window seat", reference="aptref_0123456789abcdef0123")
    assert made["status"] == "confirmed" and made["startTime"] == "2027-01-12T15:00:00Z"
    assert made["endTime"] == "2027-01-12T15:30:00Z" and made["service"] == {"id": HAIRCUT, "name": "Haircut",
                                                                              "durationMinutes": 30}
    assert made["staff"] == {"id": AVA, "name": "Ava Lindqvist"} and made["notes"] == "window seat"
    assert made["reference"] == "aptref_0123456789abcdef0123" and made["client"]["email"] == "casey@example.com"
    assert made["client"]["unchanged"] == []  # a new customer: created as sent
    assert ss.run("appointments.get", {"id": made["id"]}) == {
        **made, "client": {k: v for k, v in made["client"].items() if k != "unchanged"}}
    listed = ss.run("appointments.list", {"startDate": DAY, "endDate": DAY, "staffId": AVA})
    assert [a["id"] for a in listed] == [made["id"]] and listed[0]["reference"] == made["reference"]
    assert "2027-01-12T15:00:00Z" not in slot_starts(ss)
    moved = ss.run("appointments.update", {"id": made["id"], "startTime": "2027-01-12T16:00:00Z",
                                           "notes": "aisle"})
    assert moved["startTime"] == "2027-01-12T16:00:00Z" and moved["notes"] == "aisle"
    assert moved["reference"] == made["reference"]  # new notes keep the tag
    other = book(ss, "2027-01-12T17:00:00Z", email="other@example.com")
    clash = refused(ss, "appointments.update", {"id": other["id"], "startTime": "2027-01-12T16:00:00Z"})
    assert clash.code == "conflict"
    assert ss.run("appointments.get", {"id": other["id"]})["startTime"] == "2027-01-12T17:00:00Z"
    cancelled = ss.run("appointments.cancel", {"id": made["id"]})
    assert cancelled["status"] == "cancelled"
    assert ss.run("appointments.cancel", {"id": made["id"]}) == cancelled  # idempotent
    assert "2027-01-12T16:00:00Z" in slot_starts(ss)


def test_double_booking_is_a_conflict_and_unknown_ids_404(ss: Runner) -> None:
    book(ss, "2027-01-12T15:00:00Z")
    assert refused(ss, "appointments.create", {
        "serviceId": HAIRCUT, "staffId": AVA, "startTime": "2027-01-12T15:00:00Z",
        "client": {"firstName": "X", "lastName": "Y", "email": "x@example.com"}}).code == "conflict"
    assert refused(ss, "appointments.get", {"id": "99999"}).code == "not_found"
    assert refused(ss, "appointments.create", {
        "serviceId": HAIRCUT, "staffId": "13", "startTime": "2027-01-12T15:00:00Z",
        "client": {"firstName": "X", "lastName": "Y", "email": "x@example.com"}}).code == "unprocessable"


def test_a_returning_client_is_booked_by_id(ss: Runner, sandbox: str) -> None:
    first = book(ss, "2027-01-12T15:00:00Z", email="loyal@example.com")
    second = book(ss, "2027-01-12T16:00:00Z", email="Loyal@Example.com")
    assert first["client"]["id"] == second["client"]["id"]
    customers = httpx.get(f"{sandbox}/state").json()["customers"]
    assert [c["email"] for c in customers].count("loyal@example.com") == 1
    seeded = book(ss, "2027-01-12T17:00:00Z", email="john.smith@example.com")
    # Found by e-mail: the customer's own names and phone are kept, and the answer says so.
    assert seeded["client"] == {"id": "100", "firstName": "John", "lastName": "Smith",
                                "email": "john.smith@example.com", "phone": "+1-312-555-0100",
                                "unchanged": ["firstName", "lastName", "phone"]}


def test_catalogue(ss: Runner) -> None:
    services = {s["id"]: s for s in ss.run("services.list", {})}
    assert services["2"]["price"] == {"amount": 12000, "currency": "USD"} and services["2"]["durationMinutes"] == 90
    staff = {s["id"]: s for s in ss.run("staff.list", {"serviceId": None})}
    assert set(staff) == {AVA, BEN}  # the room, and the inactive chair, are not staff
    assert staff[AVA]["serviceIds"] == ["1", "2", "5"] and staff[BEN]["serviceIds"] == ["1", "3"]
    [location] = ss.run("locations.list", {})
    assert (location["id"], location["name"], location["timezone"]) == ("demo", "Demo Salon", "America/Chicago")
    assert location["raw"]["currency"] == "USD"


def test_clients_create_once_and_search(ss: Runner) -> None:
    made = ss.run("clients.create", {"firstName": "Robin", "lastName": "Case", "email": "robin@example.com",
                                     "phone": None})
    assert made["email"] == "robin@example.com"
    dup = refused(ss, "clients.create", {"firstName": "R", "lastName": "C", "email": "ROBIN@example.com"})
    assert dup.code == "conflict" and dup.details["client_id"] == made["id"]
    assert [c["id"] for c in ss.run("clients.list", {"email": "Robin@Example.com", "search": None})] == [made["id"]]
    found = ss.run("clients.list", {"email": None, "search": "john"})
    assert {c["lastName"] for c in found} == {"Smith", "Johnson"}


def test_provider_429_is_rate_limited_with_retry_after(ss: Runner, sandbox: str) -> None:
    rule = {"path": "^/demo/tenant-api/v1/services/$", "kind": "status", "status": 429, "count": 5,
            "headers": {"Retry-After": "17", "X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0"},
            "body": {"error": "rate_limit_exceeded", "message": "Request was throttled.", "details": {}}}
    httpx.post(f"{sandbox}/faults", json={"rules": [rule]}).raise_for_status()
    error = refused(ss, "services.list", {})
    assert error.code == "rate_limited" and error.status == 429 and error.retry_after == 17


def test_base_url_carries_the_subdomain(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_spec("smoothschedule")
    monkeypatch.delenv("APTURA_SANDBOX_URL", raising=False)
    assert base_url(spec, "live", {"subdomain": "acme"}) == "https://acme.smoothschedule.com/tenant-api/v1"
    monkeypatch.setenv("APTURA_SANDBOX_URL", "http://127.0.0.1:4010")
    assert base_url(spec, "test", {"subdomain": "demo"}) == "http://127.0.0.1:4010/smoothschedule/demo/tenant-api/v1"
    for evil in ("evil.com/x", "a@b", "x.evil", "", "a:1"):
        with pytest.raises(AptError) as caught:
            base_url(spec, "live", {"subdomain": evil})
        assert caught.value.code == "validation_error"
