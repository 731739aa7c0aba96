"""Tests of the Mindbody Public API v6 sandbox (sandboxes/mindbody)."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from mindbody_api import ApiClient, AppointmentApi, ClientApi, Configuration, UserTokenApi
from mindbody_api.models import AddAppointmentRequest, AddClientRequest
from mindbody_api.rest import ApiException

from sandboxes.core import RunningServer, serve
from sandboxes.mindbody import DEMO, MindbodySandbox, seed

API_KEY = DEMO["credentials"]["apiKey"]
SITE = DEMO["config"]["siteId"]
ERIK, MAYA, DANIEL = 100000108, 100000110, 100000112
PINNED = "2027-01-04T00:00:00Z"  # Sunday 2027-01-03 19:00 in New York


class Mindbody:
    """A thin HTTP helper bound to one running sandbox."""

    def __init__(self, server: RunningServer) -> None:
        self.root = server.url + "/mindbody"
        self.base = self.root + "/public/v6"
        self.http = httpx.Client(timeout=10)
        self.app: MindbodySandbox = server.app("mindbody")  # type: ignore[assignment]
        self._token: str | None = None

    def headers(self, token: str | None = None, **extra: str) -> dict[str, str]:
        headers = {"API-Key": API_KEY, "SiteId": SITE}
        if token:
            headers["Authorization"] = token
        return {**headers, **extra}

    def token(self) -> str:
        if self._token is None:
            resp = self.post("/usertoken/issue", {"Username": DEMO["credentials"]["username"],
                                                  "Password": DEMO["credentials"]["password"]}, token=None)
            assert resp.status_code == 200, resp.text
            self._token = resp.json()["AccessToken"]
        return self._token

    def get(self, path: str, params: Any = None, token: str | None = None, headers: dict[str, str] | None = None,
            ) -> httpx.Response:
        return self.http.get(self.base + path, params=params, headers=headers or self.headers(token))

    def post(self, path: str, body: Any, token: str | None = None, headers: dict[str, str] | None = None,
             ) -> httpx.Response:
        return self.http.post(self.base + path, json=body, headers=headers or self.headers(token))

    def clock(self, now: str | None) -> None:
        self.http.post(self.root + "/_sandbox/clock", json={"now": now} if now else {})

    def state(self) -> dict[str, Any]:
        return self.http.get(self.root + "/_sandbox/state").json()

    def windows(self, session_type: int, day: str, **params: Any) -> list[dict[str, Any]]:
        query = {"request.sessionTypeIds": session_type, "request.startDate": day, **params}
        resp = self.get("/appointment/bookableitems", query)
        assert resp.status_code == 200, resp.text
        return resp.json()["Availabilities"]

    def book(self, start: str, staff: int = ERIK, session_type: int = 200, client: str = "100000001",
             location: int = 1, extra_headers: dict[str, str] | None = None, **fields: Any) -> httpx.Response:
        body = {"ClientId": client, "LocationId": location, "SessionTypeId": session_type, "StaffId": staff,
                "StartDateTime": start, **fields}
        return self.post("/appointment/addappointment", body,
                         headers=self.headers(self.token(), **(extra_headers or {})))


def spans(windows: list[dict[str, Any]], staff: int | None = None) -> list[tuple[str, str, str]]:
    return [(w["StartDateTime"][11:16], w["EndDateTime"][11:16], w["BookableEndDateTime"][11:16])
            for w in windows if staff is None or w["Staff"]["Id"] == staff]


def error(resp: httpx.Response) -> tuple[int, str]:
    body = resp.json()
    assert set(body) == {"Error"} and set(body["Error"]) == {"Message", "Code"}, body
    return resp.status_code, body["Error"]["Code"]


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = serve([MindbodySandbox()])
    yield running
    running.stop()


@pytest.fixture
def mb(server: RunningServer) -> Iterator[Mindbody]:
    helper = Mindbody(server)
    helper.http.post(helper.root + "/_sandbox/reset")
    helper.clock(PINNED)
    yield helper
    helper.http.post(helper.root + "/_sandbox/reset")
    helper.clock(None)
    helper.http.close()


# -- auth ----------------------------------------------------------------------------------
def test_missing_api_key_is_401_denied_access(mb: Mindbody) -> None:
    resp = mb.get("/site/locations", headers={"SiteId": SITE})
    assert resp.status_code == 401
    assert resp.json() == {"Error": {"Message": "Missing API key", "Code": "DeniedAccess"}}


def test_wrong_api_key_is_denied(mb: Mindbody) -> None:
    resp = mb.get("/site/locations", headers={"API-Key": "nope", "SiteId": SITE})
    assert error(resp) == (401, "DeniedAccess")


def test_site_header_is_case_insensitive_and_checked(mb: Mindbody) -> None:
    for name in ("siteId", "SITEID", "siteid"):
        assert mb.get("/site/locations", headers={"api-key": API_KEY, name: SITE}).status_code == 200
    assert error(mb.get("/site/locations", headers={"API-Key": API_KEY, "SiteId": "12345"})) == (400, "InvalidSiteId")
    assert error(mb.get("/site/locations", headers={"API-Key": API_KEY})) == (400, "InvalidSiteId")
    # site/sites is the one endpoint that needs no SiteId.
    sites = mb.get("/site/sites", headers={"API-Key": API_KEY}).json()["Sites"]
    assert [s["Id"] for s in sites] == [-99]


def test_bad_staff_login_is_403(mb: Mindbody) -> None:
    resp = mb.post("/usertoken/issue", {"Username": DEMO["credentials"]["username"], "Password": "wrong"})
    assert resp.status_code == 403
    assert resp.json() == {"Error": {"Message": "Staff identity authentication failed.", "Code": "DeniedAccess"}}


def test_issue_token_shape_and_both_header_forms(mb: Mindbody) -> None:
    resp = mb.post("/usertoken/issue", {"username": "erik.iversen", "password": "staff-108-pass"})
    body = resp.json()
    assert body["TokenType"] == "Bearer" and body["Expires"] == "2027-01-11T00:00:00Z"
    assert body["User"] == {"Id": ERIK, "FirstName": "Erik", "LastName": "Iversen", "Type": "Staff"}
    token = body["AccessToken"]
    for form in (token, f"Bearer {token}"):
        assert mb.get("/client/clients", headers=mb.headers(form)).status_code == 200


def test_missing_and_unknown_tokens_are_401(mb: Mindbody) -> None:
    assert error(mb.get("/client/clients")) == (401, "DeniedAccess")
    assert error(mb.get("/client/clients", token="not-a-token")) == (401, "DeniedAccess")
    assert error(mb.book("2027-01-07T10:00:00", extra_headers={"Authorization": "bogus"})) == (401, "DeniedAccess")


def test_token_expires_on_the_sandbox_clock(mb: Mindbody) -> None:
    token = mb.token()
    mb.clock("2027-01-10T23:59:00Z")
    assert mb.get("/client/clients", token=token).status_code == 200
    mb.clock("2027-01-11T00:00:01Z")
    resp = mb.get("/client/clients", token=token)
    assert error(resp) == (401, "DeniedAccess") and "expired" in resp.json()["Error"]["Message"]


def test_short_token_lifetime_and_expire_hook(mb: Mindbody, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mb.app, "token_lifetime", dt.timedelta(minutes=5))
    token = mb.token()
    assert mb.state()["tokens"][0]["expires"] == "2027-01-04T00:05:00Z"
    assert mb.get("/client/clients", token=token).status_code == 200
    mb.app.expire_tokens()
    assert error(mb.get("/client/clients", token=token)) == (401, "DeniedAccess")


def test_renew_extends_by_a_day_at_most_seven_times(mb: Mindbody) -> None:
    token = mb.token()
    for n in range(1, 8):
        resp = mb.post("/usertoken/renew", None, token=token)
        assert resp.json()["Expires"] == f"2027-01-{11 + n:02d}T00:00:00Z"
        assert resp.json()["AccessToken"] == token
    assert error(mb.post("/usertoken/renew", None, token=token)) == (403, "DeniedAccess")


def test_revoke_kills_the_token(mb: Mindbody) -> None:
    token = mb.token()
    resp = mb.http.delete(mb.base + "/usertoken/revoke", headers=mb.headers(token))
    assert resp.status_code == 200
    assert error(mb.get("/client/clients", token=token)) == (401, "DeniedAccess")


def test_unknown_path_is_404(mb: Mindbody) -> None:
    assert mb.get("/appointment/nothing").status_code == 404


# -- query conventions -----------------------------------------------------------------
@pytest.mark.parametrize("query", [
    "request.sessionTypeIds=200&request.sessionTypeIds=201",
    "request.sessionTypeIds[0]=200&request.sessionTypeIds[1]=201",
    "SessionTypeIds[]=200&SessionTypeIds[]=201",
    "REQUEST.SESSIONTYPEIDS=200&sessiontypeids=201",
])
def test_list_encodings_are_equivalent(mb: Mindbody, query: str) -> None:
    resp = mb.http.get(f"{mb.base}/appointment/bookableitems?{query}&StartDate=2027-01-05&request.staffIds={ERIK}",
                       headers=mb.headers())
    assert {w["SessionType"]["Id"] for w in resp.json()["Availabilities"]} == {200, 201}


def test_comma_separated_list_is_rejected(mb: Mindbody) -> None:
    resp = mb.get("/appointment/bookableitems", {"request.sessionTypeIds": "200,201"})
    assert error(resp) == (400, "InvalidParameter")


@pytest.mark.parametrize("day", ["2027-01-05", "2027-01-05T00:00:00", "2027-01-05T00:00:00-05:00",
                                 "2027-01-05T05:00:00Z"])
def test_date_forms_are_equivalent(mb: Mindbody, day: str) -> None:
    windows = mb.windows(200, day, **{"request.staffIds": ERIK})
    assert spans(windows) == [("09:00", "10:00", "09:00"), ("11:00", "14:00", "13:00"), ("14:30", "17:00", "16:00")]
    assert all(w["StartDateTime"].startswith("2027-01-05T") for w in windows)


# -- availability ----------------------------------------------------------------------
def test_windows_are_hours_minus_appointments_in_local_naive_time(mb: Mindbody) -> None:
    windows = mb.windows(200, "2027-01-05")
    erik = [w for w in windows if w["Staff"]["Id"] == ERIK]
    assert [(w["StartDateTime"], w["EndDateTime"], w["BookableEndDateTime"]) for w in erik] == [
        ("2027-01-05T09:00:00", "2027-01-05T10:00:00", "2027-01-05T09:00:00"),
        ("2027-01-05T11:00:00", "2027-01-05T14:00:00", "2027-01-05T13:00:00"),
        ("2027-01-05T14:30:00", "2027-01-05T17:00:00", "2027-01-05T16:00:00"),
    ]
    # Maya's 10:00 appointment that day is cancelled, so it does not cut her window.
    assert spans(windows, MAYA) == [("10:00", "18:00", "17:00")]
    assert erik[0]["Location"]["Id"] == 1 and erik[0]["SessionType"]["DefaultTimeLength"] == 60
    assert erik[0]["Programs"][0]["Id"] == 25


def test_session_length_decides_which_windows_fit(mb: Mindbody) -> None:
    ninety = mb.windows(203, "2027-01-05", **{"request.staffIds": ERIK})
    assert spans(ninety) == [("11:00", "14:00", "12:30"), ("14:30", "17:00", "15:30")]
    loose = mb.windows(203, "2027-01-05", **{"request.staffIds": ERIK, "request.ignoreDefaultSessionLength": "true"})
    assert spans(loose)[0] == ("09:00", "10:00", "09:00")


def test_split_day_locations_and_filters(mb: Mindbody) -> None:
    daniel = mb.windows(201, "2027-01-05", **{"request.staffIds": DANIEL})
    assert spans(daniel) == [("09:00", "12:00", "11:30"), ("13:00", "17:00", "16:30")]
    assert {w["Location"]["Id"] for w in daniel} == {2}
    at_clubville = mb.windows(201, "2027-01-05", **{"request.locationIds": 1})
    assert {w["Staff"]["Id"] for w in at_clubville} == {ERIK, MAYA}
    # Sunday: nobody works; a class session type is never bookable as an appointment.
    assert mb.windows(201, "2027-01-03") == []
    assert mb.windows(100, "2027-01-05") == []


def test_multi_day_range_and_appointment_exclusion(mb: Mindbody) -> None:
    week = mb.windows(200, "2027-01-04", **{"request.endDate": "2027-01-09", "request.staffIds": ERIK})
    assert sorted({w["StartDateTime"][:10] for w in week}) == [f"2027-01-0{d}" for d in range(4, 10)]
    without_1001 = mb.windows(200, "2027-01-05", **{"request.staffIds": ERIK, "request.appointmentId": 1001})
    assert spans(without_1001)[0] == ("09:00", "14:00", "13:00")


def test_windows_start_no_earlier_than_now_rounded_to_increment(mb: Mindbody) -> None:
    mb.clock("2027-01-05T15:07:00Z")  # 10:07 in New York
    assert spans(mb.windows(200, "2027-01-05", **{"request.staffIds": MAYA})) == [("10:15", "18:00", "17:00")]


def test_windows_never_include_booked_time(mb: Mindbody) -> None:
    assert mb.book("2027-01-07T10:15:00", session_type=201).status_code == 200
    assert mb.book("2027-01-07T13:00:00", staff=MAYA, session_type=202, client="100000002").status_code == 200
    booked = [a for a in mb.state()["appointments"] if a["Status"] not in ("Cancelled", "LateCancelled")]
    windows = mb.windows(201, "2027-01-04", **{"request.endDate": "2027-01-09"})
    windows += mb.windows(203, "2027-01-04", **{"request.endDate": "2027-01-09"})
    assert windows
    for w in windows:
        for a in booked:
            if a["StaffId"] == w["Staff"]["Id"]:
                assert not (a["StartDateTime"] < w["EndDateTime"] and w["StartDateTime"] < a["EndDateTime"]), (w, a)


def test_dst_weeks_keep_local_wall_times(mb: Mindbody) -> None:
    spring = mb.windows(200, "2027-03-13", **{"request.endDate": "2027-03-15", "request.staffIds": ERIK})
    assert [(w["StartDateTime"], w["EndDateTime"]) for w in spring] == [
        ("2027-03-13T10:30:00", "2027-03-13T17:00:00"),
        ("2027-03-15T09:00:00", "2027-03-15T13:00:00"),
        ("2027-03-15T14:00:00", "2027-03-15T17:00:00"),
    ]
    fall = mb.windows(200, "2027-11-08", **{"request.staffIds": ERIK})
    assert spans(fall) == [("09:30", "17:00", "16:00")]


def test_utc_output_mode_shifts_with_dst(mb: Mindbody, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mb.app, "emit_utc", True)
    spring = mb.windows(200, "2027-03-13", **{"request.endDate": "2027-03-15", "request.staffIds": ERIK})
    assert spring[0]["StartDateTime"] == "2027-03-13T15:30:00Z"  # EST, UTC-5
    assert spring[1]["StartDateTime"] == "2027-03-15T13:00:00Z"  # EDT, UTC-4


def test_bookable_items_pagination_and_errors(mb: Mindbody) -> None:
    everything = mb.get("/appointment/bookableitems", {"request.sessionTypeIds": [200, 201], "request.startDate":
                                                       "2027-01-05", "request.endDate": "2027-01-08"}).json()
    total = everything["PaginationResponse"]["TotalResults"]
    assert total > 6
    page = mb.get("/appointment/bookableitems", {"request.sessionTypeIds": [200, 201], "request.startDate":
                                                 "2027-01-05", "request.endDate": "2027-01-08", "request.limit": 3,
                                                 "request.offset": 3}).json()
    assert page["PaginationResponse"] == {"RequestedLimit": 3, "RequestedOffset": 3, "PageSize": 3,
                                          "TotalResults": total}
    assert page["Availabilities"] == everything["Availabilities"][3:6]
    clamped = mb.get("/appointment/bookableitems", {"request.sessionTypeIds": 200, "request.limit": 1000}).json()
    assert clamped["PaginationResponse"]["RequestedLimit"] == 200
    assert error(mb.get("/appointment/bookableitems", {"request.limit": 5})) == (400, "MissingRequiredFields")
    assert error(mb.get("/appointment/bookableitems", {"request.sessionTypeIds": 200, "request.limit": "x"})) == (
        400, "InvalidParameter")


def test_active_session_times(mb: Mindbody) -> None:
    body = mb.get("/appointment/activesessiontimes", {"request.sessionTypeIds": 202}).json()
    times = body["ActiveSessionTimes"]
    assert times[:3] == ["09:00:00", "09:15:00", "09:30:00"] and times[-1] == "17:45:00"
    assert body["PaginationResponse"]["TotalResults"] == 36
    narrowed = mb.get("/appointment/activesessiontimes", {"request.scheduleType": "Appointment",
                                                          "request.startTime": "12:00:00",
                                                          "request.endTime": "13:00:00"}).json()
    assert narrowed["ActiveSessionTimes"] == ["12:00:00", "12:15:00", "12:30:00", "12:45:00", "13:00:00"]
    assert error(mb.get("/appointment/activesessiontimes")) == (400, "InvalidParameter")


# -- booking ---------------------------------------------------------------------------------
def test_booking_splits_the_window_and_overlaps_are_refused(mb: Mindbody) -> None:
    resp = mb.book("2027-01-07T10:00:00", Notes="first visit")
    appt = resp.json()["Appointment"]
    assert appt["Status"] == "Booked" and appt["StartDateTime"] == "2027-01-07T10:00:00"
    assert appt["EndDateTime"] == "2027-01-07T11:00:00" and appt["Duration"] == 60 and appt["Notes"] == "first visit"
    assert appt["Staff"] == {"Id": ERIK, "FirstName": "Erik", "LastName": "Iversen", "DisplayName": "Erik"}
    assert spans(mb.windows(200, "2027-01-07", **{"request.staffIds": ERIK})) == [
        ("09:00", "10:00", "09:00"), ("11:00", "17:00", "16:00")]
    overlap = mb.book("2027-01-07T10:30:00", client="100000002")
    assert error(overlap) == (400, "InvalidBookingTime")
    assert "already booked" in overlap.json()["Error"]["Message"]
    assert error(mb.book("2027-01-07T09:45:00", session_type=201)) == (400, "InvalidBookingTime")
    assert mb.book("2027-01-07T11:00:00", session_type=201).status_code == 200  # back-to-back is fine
    assert mb.book("2027-01-07T10:00:00", staff=MAYA).status_code == 200  # another staff member is free


def test_booking_outside_hours_wrong_location_or_past_is_refused(mb: Mindbody) -> None:
    assert error(mb.book("2027-01-07T08:00:00")) == (400, "InvalidBookingTime")
    assert error(mb.book("2027-01-07T16:30:00")) == (400, "InvalidBookingTime")  # would end after 17:00
    assert error(mb.book("2027-01-10T10:00:00")) == (400, "InvalidBookingTime")  # Sunday
    assert error(mb.book("2027-01-07T10:00:00", location=2)) == (400, "InvalidBookingTime")
    past = mb.book("2027-01-02T10:00:00")
    assert error(past) == (400, "InvalidBookingTime") and "past" in past.json()["Error"]["Message"]


def test_booking_reference_errors(mb: Mindbody) -> None:
    assert error(mb.book("2027-01-07T10:00:00", client="999")) == (404, "ClientNotFound")
    assert error(mb.book("2027-01-07T10:00:00", staff=1)) == (404, "StaffMemberNotFound")
    assert error(mb.book("2027-01-07T10:00:00", session_type=999)) == (404, "SessionTypeNotFound")
    assert error(mb.book("2027-01-07T10:00:00", location=9)) == (400, "InvalidLocation")
    assert error(mb.book("2027-01-07T10:00:00", session_type=202)) == (400, "InvalidParameter")  # Erik: no facials
    missing = mb.post("/appointment/addappointment", {"ClientId": "100000001"}, token=mb.token())
    assert error(missing) == (400, "MissingRequiredFields")
    assert "StartDateTime" in missing.json()["Error"]["Message"]


def test_duration_end_and_offset_inputs(mb: Mindbody) -> None:
    short = mb.book("2027-01-07T09:00:00", Duration=30).json()["Appointment"]
    assert short["EndDateTime"] == "2027-01-07T09:30:00"
    explicit = mb.book("2027-01-07T10:00:00", EndDateTime="2027-01-07T10:45:00").json()["Appointment"]
    assert explicit["Duration"] == 45
    utc = mb.book("2027-01-07T16:00:00Z").json()["Appointment"]  # 11:00 in New York
    assert utc["StartDateTime"] == "2027-01-07T11:00:00"


def test_test_mode_validates_without_saving(mb: Mindbody) -> None:
    before = len(mb.state()["appointments"])
    resp = mb.book("2027-01-07T10:00:00", Test=True)
    assert resp.status_code == 200 and resp.json()["Appointment"]["Id"] == 0
    assert len(mb.state()["appointments"]) == before
    assert error(mb.book("2027-01-05T10:00:00", Test=True)) == (400, "InvalidBookingTime")


def test_identical_body_is_deduplicated_unless_skipped(mb: Mindbody, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mb.app, "dedup_window_seconds", 10.0)  # the optional replay window
    first = mb.book("2027-01-07T10:00:00")
    again = mb.book("2027-01-07T10:00:00")
    assert again.status_code == 200 and again.json() == first.json()
    assert sum(a["StartDateTime"] == "2027-01-07T10:00:00" for a in mb.state()["appointments"]) == 1
    skipped = mb.book("2027-01-07T10:00:00", extra_headers={"X-RequestDeduplication-Skip": "true"})
    assert error(skipped) == (400, "InvalidBookingTime")
    monkeypatch.setattr(mb.app, "dedup_window_seconds", 0.0)
    mb.book("2027-01-07T12:00:00")
    assert error(mb.book("2027-01-07T12:00:00")) == (400, "InvalidBookingTime")


def test_identical_body_while_first_in_progress_gets_409(mb: Mindbody, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mb.app, "dedup_window_seconds", 10.0)  # the optional replay window
    mb.token()
    entered, release = threading.Event(), threading.Event()
    create = mb.app._create_appointment

    def held(ctx: Any) -> Any:  # keeps the first request "in progress" until released
        entered.set()
        release.wait(5)
        return create(ctx)

    monkeypatch.setattr(mb.app, "_create_appointment", held)
    with ThreadPoolExecutor(max_workers=1) as pool:
        first = pool.submit(mb.book, "2027-01-08T15:00:00")
        assert entered.wait(5)
        second = mb.book("2027-01-08T15:00:00")
        release.set()
        assert error(second) == (409, "DuplicateRequest")
        assert second.json()["Error"]["Message"] == "Identical request is still in progress"
        assert first.result().status_code == 200
    assert mb.book("2027-01-08T15:00:00").json() == first.result().json()


def test_concurrent_identical_bodies_create_one_appointment(mb: Mindbody, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mb.app, "dedup_window_seconds", 10.0)  # the optional replay window
    mb.token()
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda _: mb.book("2027-01-08T13:00:00"), range(20)))
    assert {r.status_code for r in results} <= {200, 409}
    assert {r.json()["Appointment"]["Id"] for r in results if r.status_code == 200} != set()
    assert len({r.json()["Appointment"]["Id"] for r in results if r.status_code == 200}) == 1
    for r in results:
        if r.status_code == 409:
            assert r.json()["Error"]["Message"] == "Identical request is still in progress"
    assert sum(a["StartDateTime"] == "2027-01-08T13:00:00" for a in mb.state()["appointments"]) == 1


def test_twenty_concurrent_bookings_of_one_slot_yield_exactly_one(mb: Mindbody) -> None:
    token = mb.token()
    clients = []
    for n in range(20):
        resp = mb.post("/client/addclient", {"FirstName": f"Racer{n}", "LastName": "Test", "Email": f"r{n}@ex.com",
                                             "BirthDate": "1990-01-01"}, token=token)
        clients.append(resp.json()["Client"]["Id"])

    def attempt(client: str) -> httpx.Response:
        return mb.book("2027-01-08T10:00:00", client=client, extra_headers={"X-RequestDeduplication-Skip": "true"})

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(attempt, clients))
    assert sorted(r.status_code for r in results) == [200] + [400] * 19
    assert all(error(r) == (400, "InvalidBookingTime") for r in results if r.status_code == 400)
    booked = [a for a in mb.state()["appointments"] if a["StartDateTime"] == "2027-01-08T10:00:00"]
    assert len(booked) == 1


# -- updates -----------------------------------------------------------------------------
def test_reschedule_moves_the_booking(mb: Mindbody) -> None:
    token = mb.token()
    resp = mb.post("/appointment/updateappointment",
                   {"AppointmentId": 1001, "StartDateTime": "2027-01-07T09:00:00", "Notes": "moved"}, token=token)
    appt = resp.json()["Appointment"]
    assert (appt["StartDateTime"], appt["EndDateTime"], appt["Notes"]) == (
        "2027-01-07T09:00:00", "2027-01-07T10:00:00", "moved")
    assert spans(mb.windows(200, "2027-01-05", **{"request.staffIds": ERIK}))[0] == ("09:00", "14:00", "13:00")
    assert spans(mb.windows(200, "2027-01-07", **{"request.staffIds": ERIK}))[0] == ("10:00", "17:00", "16:00")
    clash = mb.post("/appointment/updateappointment",
                    {"AppointmentId": 1002, "StartDateTime": "2027-01-07T09:15:00"}, token=token)
    assert error(clash) == (400, "InvalidBookingTime")
    other_staff = mb.post("/appointment/updateappointment", {"AppointmentId": 1002, "StaffId": MAYA}, token=token)
    assert other_staff.json()["Appointment"]["StaffId"] == MAYA


def test_execute_cancel_frees_the_slot(mb: Mindbody) -> None:
    token = mb.token()
    ignored = mb.post("/appointment/updateappointment", {"AppointmentId": 1001, "Status": "Cancelled"}, token=token)
    assert ignored.json()["Appointment"]["Status"] == "Booked"  # unknown fields are ignored, as on the real API
    cancelled = mb.post("/appointment/updateappointment", {"AppointmentId": 1001, "Execute": "cancel"}, token=token)
    assert cancelled.json()["Appointment"]["Status"] == "Cancelled"
    assert spans(mb.windows(200, "2027-01-05", **{"request.staffIds": ERIK}))[0] == ("09:00", "14:00", "13:00")
    again = mb.post("/appointment/updateappointment", {"AppointmentId": 1001, "Execute": "confirm"}, token=token)
    assert error(again) == (400, "InvalidParameter")


@pytest.mark.parametrize(("execute", "status"), [("confirm", "Confirmed"), ("arrive", "Arrived"),
                                                 ("complete", "Completed"), ("latecancel", "LateCancelled")])
def test_execute_actions(mb: Mindbody, execute: str, status: str) -> None:
    resp = mb.post("/appointment/updateappointment", {"AppointmentId": 1003, "Execute": execute}, token=mb.token())
    assert resp.json()["Appointment"]["Status"] == status


def test_update_errors(mb: Mindbody) -> None:
    token = mb.token()
    assert error(mb.post("/appointment/updateappointment", {"AppointmentId": 5}, token=token)) == (404, "ItemNotFound")
    assert error(mb.post("/appointment/updateappointment", {"Execute": "cancel"}, token=token)) == (
        400, "MissingRequiredFields")
    assert error(mb.post("/appointment/updateappointment", {"AppointmentId": 1001, "Execute": "explode"},
                         token=token)) == (400, "InvalidParameter")
    assert error(mb.post("/appointment/updateappointment", {"AppointmentId": 1001, "Execute": "cancel"})) == (
        401, "DeniedAccess")


# -- listing appointments ----------------------------------------------------------------
def test_staff_appointments_filters_and_pagination(mb: Mindbody) -> None:
    token = mb.token()

    def ids(**params: Any) -> list[int]:
        resp = mb.get("/appointment/staffappointments", params, token=token)
        assert resp.status_code == 200, resp.text
        return [a["Id"] for a in resp.json()["Appointments"]]

    assert ids() == []  # default range is today (Sunday 2027-01-03)
    assert ids(**{"request.startDate": "2027-01-05", "request.endDate": "2027-01-06"}) == [1001, 1004, 1002, 1003]
    assert ids(**{"request.startDate": "2027-01-05", "request.staffIds": ERIK}) == [1001, 1002]
    assert ids(**{"request.startDate": "2027-01-05T00:00:00", "request.endDate": "2027-01-05T00:00:00",
                  "request.staffIds": ERIK}) == [1001, 1002]
    assert ids(**{"request.startDate": "2027-01-05T12:00:00", "request.endDate": "2027-01-05T15:00:00"}) == [1002]
    assert ids(**{"request.startDate": "2027-01-01", "request.endDate": "2027-12-31",
                  "request.clientId": "100000001", "request.locationIds": 1}) == [1001, 1003, 1006, 1008]
    assert ids(**{"request.appointmentIds": [1009, 1005]}) == [1005, 1009]
    page = mb.get("/appointment/staffappointments", {"StartDate": "2027-01-01", "EndDate": "2027-12-31",
                                                     "Limit": 4, "Offset": 4}, token=token).json()
    assert page["PaginationResponse"] == {"RequestedLimit": 4, "RequestedOffset": 4, "PageSize": 4, "TotalResults": 9}
    named = mb.get("/appointment/staffappointments", {"request.appointmentIds": 1001,
                                                      "request.useSiteSettingsStaffName": "true"}, token=token).json()
    assert named["Appointments"][0]["Staff"]["DisplayName"] == "Erik Iversen"
    assert error(mb.get("/appointment/staffappointments")) == (401, "DeniedAccess")


# -- clients ---------------------------------------------------------------------------------
def test_client_search_and_ids(mb: Mindbody) -> None:
    token = mb.token()

    def names(**params: Any) -> list[str]:
        return [c["FirstName"] for c in mb.get("/client/clients", params, token=token).json()["Clients"]]

    assert names(**{"request.searchText": "PRIYA.patel@"}) == ["Priya"]
    assert names(**{"request.searchText": "lee"}) == ["Jordan"]
    assert names(**{"request.searchText": "Jordan Lee"}) == ["Jordan"]
    assert names(**{"request.clientIDs": ["100000002", "100000001"]}) == ["Jordan", "Priya"]
    assert names(**{"request.clientIDs": "100000003"}) == []
    assert names(**{"request.clientIDs": "100000003", "request.includeInactive": "true"}) == ["Casey"]
    client = mb.get("/client/clients", {"request.clientIds": "100000001"}, token=token).json()["Clients"][0]
    assert client["Id"] == "100000001" and client["BirthDate"] == "1990-05-20T00:00:00"
    assert client["SuspensionInfo"]["BookingSuspended"] is False
    too_many = mb.get("/client/clients", {"request.clientIDs": [str(n) for n in range(21)]}, token=token)
    assert error(too_many) == (400, "InvalidParameter")


def test_update_client_changes_only_the_fields_sent(mb: Mindbody) -> None:
    token = mb.token()
    made = mb.post("/client/addclient", {"FirstName": "Upd", "LastName": "Ate", "Email": "upd@example.com"},
                   token=token).json()["Client"]
    assert not made["MobilePhone"]
    assert error(mb.post("/client/updateclient", {"Client": {"Id": made["Id"], "MobilePhone": "5550101"}})) == (
        401, "DeniedAccess")
    dry = mb.post("/client/updateclient", {"Client": {"Id": made["Id"], "MobilePhone": "5550101"}, "Test": True},
                  token=token)
    assert dry.status_code == 200 and dry.json()["Client"]["MobilePhone"] is None
    updated = mb.post("/client/updateclient", {"Client": {"Id": made["Id"], "MobilePhone": "5550101"},
                                               "CrossRegionalUpdate": False}, token=token).json()["Client"]
    assert (updated["Id"], updated["MobilePhone"], updated["FirstName"], updated["Action"]) == (
        made["Id"], "5550101", "Upd", "Updated")
    listed = mb.get("/client/clients", {"request.clientIDs": made["Id"]}, token=token).json()["Clients"][0]
    assert (listed["MobilePhone"], listed["LastName"], listed["Email"]) == ("5550101", "Ate", "upd@example.com")
    assert error(mb.post("/client/updateclient", {"Client": {"Id": "999999"}}, token=token)) == (
        404, "ClientNotFound")
    assert error(mb.post("/client/updateclient", {"Client": {"Id": made["Id"], "LastName": ""}}, token=token)) == (
        400, "InvalidParameter")
    assert error(mb.post("/client/updateclient", {"MobilePhone": "1"}, token=token)) == (400, "MissingRequiredFields")


def test_add_client_required_fields_and_duplicates(mb: Mindbody, server: RunningServer) -> None:
    app = server.app("mindbody")
    assert isinstance(app, MindbodySandbox)
    app._required_client_fields = seed.REAL_DEMO_SITE_REQUIRED_CLIENT_FIELDS  # as on Mindbody's real demo site
    mb.http.post(mb.root + "/_sandbox/reset")
    try:
        _required_fields_and_duplicates(mb)
    finally:
        app._required_client_fields = None
        mb.http.post(mb.root + "/_sandbox/reset")


def _required_fields_and_duplicates(mb: Mindbody) -> None:
    token = mb.token()
    assert mb.get("/client/requiredclientfields").json() == {"RequiredClientFields": ["BirthDate"]}
    no_birth = mb.post("/client/addclient", {"FirstName": "Ada", "LastName": "Lovelace"}, token=token)
    assert error(no_birth) == (400, "MissingRequiredFields") and "BirthDate" in no_birth.json()["Error"]["Message"]
    no_last = mb.post("/client/addclient", {"FirstName": "Ada", "BirthDate": "1990-01-01"}, token=token)
    assert error(no_last) == (400, "MissingRequiredFields")
    new = {"FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@example.com", "BirthDate": "1990-01-01T00:00:00"}
    test_only = mb.post("/client/addclient", {**new, "Test": True}, token=token)
    assert test_only.status_code == 200 and test_only.json()["Client"]["Id"] is None
    created = mb.post("/client/addclient", new, token=token).json()["Client"]
    assert created["Id"] == "100000004" and created["Action"] == "Added" and created["Active"] is True
    dup = mb.post("/client/addclient", {**new, "FirstName": "ADA", "Email": "Ada@Example.com"}, token=token)
    assert error(dup) == (400, "InvalidClientCreation")
    other_email = mb.post("/client/addclient", {**new, "Email": "ada2@example.com"}, token=token)
    assert other_email.status_code == 200
    assert error(mb.post("/client/addclient", {**new, "Email": "not-an-email"}, token=token)) == (
        400, "InvalidParameter")
    dups = mb.get("/client/clientduplicates", {"request.firstName": "ada", "request.lastName": "lovelace",
                                               "request.email": "ada@example.com"}, token=token).json()
    assert [d["Id"] for d in dups["ClientDuplicates"]] == ["100000004"]
    assert dups["PaginationResponse"]["TotalResults"] == 1


# -- site and staff --------------------------------------------------------------------------
def test_site_catalogue_endpoints(mb: Mindbody) -> None:
    locations = mb.get("/site/locations").json()["Locations"]
    assert [(loc["Id"], loc["Name"]) for loc in locations] == [(1, "Clubville"), (2, "Riverside Studio")]
    types = mb.get("/site/sessiontypes").json()["SessionTypes"]
    assert {t["Id"]: t["DefaultTimeLength"] for t in types if t["Type"] == "Appointment"} == {
        200: 60, 201: 30, 202: 45, 203: 90}
    massage = mb.get("/site/sessiontypes", {"request.programIDs": 25}).json()["SessionTypes"]
    assert [t["Id"] for t in massage] == [200, 203]
    programs = mb.get("/site/programs", {"request.scheduleType": "Appointment"}).json()["Programs"]
    assert [p["Id"] for p in programs] == [25, 26, 27]


def test_staff_filters_and_availability_trio(mb: Mindbody) -> None:
    def staff_ids(**params: Any) -> list[int]:
        resp = mb.get("/staff/staff", params)
        assert resp.status_code == 200, resp.text
        return [s["Id"] for s in resp.json()["StaffMembers"]]

    assert staff_ids() == [ERIK, MAYA, DANIEL]
    assert staff_ids(**{"request.filters": "Female"}) == [MAYA]
    assert staff_ids(**{"request.staffIds": [DANIEL, ERIK]}) == [ERIK, DANIEL]
    # Erik is booked at 10:00 on Jan 5 and Maya's appointment then is cancelled.
    assert staff_ids(**{"request.sessionTypeId": 200, "request.locationId": 1,
                        "request.startDateTime": "2027-01-05T10:00:00"}) == [MAYA]
    assert error(mb.get("/staff/staff", {"request.sessionTypeId": 200})) == (400, "InvalidParameter")


# -- rate limiting -----------------------------------------------------------------------
def test_burst_limiter_is_off_by_default_and_configurable(mb: Mindbody, monkeypatch: pytest.MonkeyPatch) -> None:
    assert all(mb.get("/site/locations").status_code == 200 for _ in range(10))
    monkeypatch.setattr(mb.app, "burst_limit", (3, 60.0))
    assert [mb.get("/site/locations").status_code for _ in range(3)] == [200, 200, 200]
    assert error(mb.get("/site/locations")) == (429, "TooManyRequests")


def test_daily_limit(mb: Mindbody, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mb.app, "daily_limit", 2)
    assert [mb.get("/site/locations").status_code for _ in range(2)] == [200, 200]
    assert error(mb.get("/site/locations")) == (429, "TooManyRequests")
    mb.clock("2027-01-05T06:00:00Z")  # the next site-local day
    assert mb.get("/site/locations").status_code == 200


# -- the PyPI client library ---------------------------------------------------------------
def test_mindbody_api_client_books_end_to_end(mb: Mindbody) -> None:
    config = Configuration()
    config.host = mb.root
    client = ApiClient(config)
    # The library sends no API key by itself (its operations have no auth settings).
    client.set_default_header("API-Key", API_KEY)
    tokens = UserTokenApi(client)
    with pytest.raises(ApiException) as denied:
        tokens.user_token_issue({"Username": "x", "Password": "y"}, SITE, "6")
    assert denied.value.status == 403
    # The library has no IssueResponse model, so the token response is read raw.
    raw = tokens.user_token_issue({"Username": DEMO["credentials"]["username"],
                                   "Password": DEMO["credentials"]["password"]}, SITE, "6", _preload_content=False)
    token = json.loads(raw.data)["AccessToken"]

    appointments = AppointmentApi(client)
    items = appointments.appointment_get_bookable_items(
        [int(DEMO["service_id"])], SITE, "6", request_staff_ids=[int(DEMO["staff_id"])],
        request_start_date=dt.datetime(2027, 1, 5), request_end_date=dt.datetime(2027, 1, 5), authorization=token)
    assert [(a.start_date_time, a.bookable_end_date_time) for a in items.availabilities] == [
        (dt.datetime(2027, 1, 5, 9), dt.datetime(2027, 1, 5, 9)),
        (dt.datetime(2027, 1, 5, 11), dt.datetime(2027, 1, 5, 13)),
        (dt.datetime(2027, 1, 5, 14, 30), dt.datetime(2027, 1, 5, 16)),
    ]
    assert items.pagination_response.total_results == 3

    added = ClientApi(client).client_add_client(
        AddClientRequest(first_name="Grace", last_name="Hopper", email="grace@example.com",
                         birth_date=dt.datetime(1985, 12, 9)), SITE, "6", authorization=token)
    client_id = added.client.id
    assert client_id and added.client.action == "Added"

    request = AddAppointmentRequest(client_id=client_id, location_id=1, session_type_id=int(DEMO["service_id"]),
                                    staff_id=int(DEMO["staff_id"]), start_date_time=dt.datetime(2027, 1, 5, 11))
    booked = appointments.appointment_add_apppointment(request, SITE, "6", authorization=token).appointment
    assert (booked.status, booked.start_date_time, booked.end_date_time) == (
        "Booked", dt.datetime(2027, 1, 5, 11), dt.datetime(2027, 1, 5, 12))
    assert booked.client_id == client_id and booked.first_appointment is True
    with pytest.raises(ApiException) as clash:
        appointments.appointment_add_apppointment(
            AddAppointmentRequest(client_id="100000002", location_id=1, session_type_id=200, staff_id=ERIK,
                                  start_date_time=dt.datetime(2027, 1, 5, 11, 30)), SITE, "6", authorization=token)
    assert clash.value.status == 400 and json.loads(clash.value.body)["Error"]["Code"] == "InvalidBookingTime"


def test_demo_constant_is_usable(mb: Mindbody) -> None:
    assert set(DEMO) == {"config", "credentials", "service_id", "staff_id", "booking_request", "slot_taken_wordings",
                         "refusal_fault"}
    assert DEMO["config"]["timezone"] == "America/New_York"
    booking_request = re.compile(DEMO["booking_request"]["path"])
    assert DEMO["booking_request"]["method"] == "POST"
    assert booking_request.search("/public/v6/appointment/addappointment")
    assert not booking_request.search("/public/v6/appointment/updateappointment")
    windows = mb.windows(int(DEMO["service_id"]), "2027-01-05", **{"request.staffIds": DEMO["staff_id"]})
    assert windows and windows[0]["Staff"]["Id"] == int(DEMO["staff_id"])


# -- pricing options (sale/services) -----------------------------------------------------------
def test_pricing_options_filter_by_session_type_and_hide_retired_ones(mb: Mindbody) -> None:
    token = mb.token()

    def names(**params: Any) -> list[str]:
        resp = mb.get("/sale/services", params, token=token)
        assert resp.status_code == 200, resp.text
        return [s["Name"] for s in resp.json()["Services"]]

    assert names(**{"request.sessionTypeIds": 200}) == ["Intro Massage", "Massage 5-Pack", "60 Minute Massage"]
    assert names(**{"request.sessionTypeIds": 203}) == ["Massage 5-Pack", "Hot Stone Massage"]
    assert names(**{"request.sessionTypeIds": 201}) == []  # the consultation is complimentary
    assert names(**{"request.sessionTypeIds": 202}) == ["Signature Facial"]
    assert names(**{"request.sessionTypeIds": 202, "request.includeDiscontinued": "true"}) == [
        "Signature Facial", "Classic Facial (retired)"]
    assert names(**{"request.programIds": 26, "request.includeDiscontinued": "true",
                    "request.sellOnline": "true"}) == ["Signature Facial"]
    assert names(**{"request.serviceIds": ["10204", "10110"]}) == ["Yoga Drop-in", "Hot Stone Massage"]
    drop_in = mb.get("/sale/services", {"request.serviceIds": "10201", "request.locationId": 1}, token=token)
    option = drop_in.json()["Services"][0]
    assert (option["Price"], option["OnlinePrice"], option["Type"], option["Count"], option["ProductId"]) == (
        95.0, 90.0, "Drop-in", 1, 1201)
    assert option["IsIntroOffer"] is False and option["Program"] == "Massage" and option["TaxRate"] == 0.0
    page = mb.get("/sale/services", {"Limit": 2, "Offset": 2}, token=token).json()
    assert page["PaginationResponse"] == {"RequestedLimit": 2, "RequestedOffset": 2, "PageSize": 2, "TotalResults": 6}
    assert error(mb.get("/sale/services", {"request.locationId": 9}, token=token)) == (400, "InvalidLocation")
    # consumer mode (no staff token) sees only what is sold online
    consumer = mb.get("/sale/services", {"request.includeDiscontinued": "true", "request.sellOnline": "false"})
    assert "Classic Facial (retired)" not in [s["Name"] for s in consumer.json()["Services"]]


def test_mindbody_api_client_reads_pricing_options(mb: Mindbody) -> None:
    from mindbody_api import SaleApi

    config = Configuration()
    config.host = mb.root
    client = ApiClient(config)
    client.set_default_header("API-Key", API_KEY)
    result = SaleApi(client).sale_get_services(SITE, "6", request_session_type_ids=[203], authorization=mb.token())
    assert [(s.name, s.price, s.count) for s in result.services] == [
        ("Massage 5-Pack", 425.0, 5), ("Hot Stone Massage", 135.5, 1)]
    assert result.pagination_response.total_results == 2


# -- a staff member's session types (staff/sessiontypes) ---------------------------------------
def test_staff_session_types(mb: Mindbody) -> None:
    resp = mb.get("/staff/sessiontypes", {"request.staffId": ERIK})
    assert resp.status_code == 200, resp.text
    types = resp.json()["StaffSessionTypes"]
    assert [(t["StaffId"], t["Id"], t["TimeLength"]) for t in types] == [(ERIK, 200, 60), (ERIK, 201, 30),
                                                                         (ERIK, 203, 90)]
    assert types[0]["Type"] == "Appointment" and types[0]["Category"] == "Massage"
    massage = mb.get("/staff/sessiontypes", {"StaffId": DANIEL, "ProgramIds": 25}).json()["StaffSessionTypes"]
    assert [t["Id"] for t in massage] == [203]
    assert error(mb.get("/staff/sessiontypes")) == (400, "MissingRequiredFields")
    assert error(mb.get("/staff/sessiontypes", {"request.staffId": 1})) == (404, "StaffMemberNotFound")


# -- site/sites with a staff token ----------------------------------------------------------
def test_sites_accept_a_token_without_a_site_header(mb: Mindbody) -> None:
    token = mb.token()
    resp = mb.get("/site/sites", {"request.siteIds": SITE}, headers={"API-Key": API_KEY, "Authorization": token})
    assert resp.status_code == 200, resp.text
    assert [(s["Id"], s["CurrencyIsoCode"]) for s in resp.json()["Sites"]] == [(-99, "USD")]
    assert mb.get("/site/sites", {"request.siteIds": 12345}).json()["Sites"] == []
    bad = mb.get("/site/sites", headers={"API-Key": API_KEY, "Authorization": "not-a-token"})
    assert error(bad) == (401, "DeniedAccess")


@pytest.mark.parametrize("query", [{"StartDate": "9999-12-31", "EndDate": "9999-12-31"},
                                   {"StartDate": "0001-01-01", "EndDate": "0001-01-01"},
                                   {"StartDate": "9999-12-30", "EndDate": "9999-12-31"}])
def test_dates_at_the_ends_of_the_calendar_are_a_bad_parameter_not_a_crash(mb: Mindbody, query: dict[str, str]
                                                                          ) -> None:
    resp = mb.get("/appointment/bookableitems", {"request.sessionTypeIds": "200", **query})
    assert error(resp) == (400, "InvalidParameter")
    assert "1753-01-01" in resp.json()["Error"]["Message"]
