"""Tests for the TimeTap sandbox (sandboxes/timetap) and the PyPI client ``timetappy`` against it."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

import httpx
import pytest

from sandboxes.core import RunningServer, serve
from sandboxes.timetap import DEMO, TimeTapSandbox

API_KEY = DEMO["credentials"]["apiKey"]
PRIVATE_KEY = DEMO["credentials"]["privateKey"]
SIGNATURE = hashlib.md5((API_KEY + PRIVATE_KEY).encode()).hexdigest()
PINNED = "2027-01-04T00:00:00Z"  # a Monday, before every seeded future appointment
AVERY, JORDAN, SAM = 512001, 512002, 512003
DOWNTOWN, UPTOWN = 634001, 634002
CONSULT, HAIRCUT, COLOR, MASSAGE = 733001, 733002, 733003, 733004
JS_DATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} \d{2} \d{4} \d{2}:\d{2}:\d{2} UTC\+0000$")


@pytest.fixture(scope="module")
def running() -> Iterator[RunningServer]:
    server = serve([TimeTapSandbox()])
    yield server
    server.stop()


@pytest.fixture
def app(running: RunningServer) -> TimeTapSandbox:
    sandbox = running.app("timetap")
    assert isinstance(sandbox, TimeTapSandbox)
    return sandbox


@pytest.fixture(scope="module")
def http() -> Iterator[httpx.Client]:
    """One shared client: creating an httpx.Client per call costs ~15 ms (CA bundle loading)."""
    with httpx.Client(timeout=10) as client:
        yield client


@pytest.fixture(scope="module")
def admin_client(running: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{running.url}/timetap/_sandbox", timeout=10) as client:
        yield client


@pytest.fixture
def admin(admin_client: httpx.Client, app: TimeTapSandbox) -> Iterator[httpx.Client]:
    """Admin client; resets state, pins the clock and restores tunables around each test."""
    admin_client.post("/reset").raise_for_status()
    admin_client.post("/clock", json={"now": PINNED}).raise_for_status()
    yield admin_client
    app.token_lifetime_seconds = 3600.0
    app.calendar_requires_end_date = True
    admin_client.post("/clock", json={})


@pytest.fixture(scope="module")
def base(running: RunningServer) -> str:
    return f"{running.url}/timetap/live"


def get_token(http: httpx.Client, base: str, **overrides: Any) -> httpx.Response:
    params = {"apiKey": API_KEY, "timestamp": "1798934400", "signature": SIGNATURE, **overrides}
    return http.get(f"{base}/sessionToken", params={k: v for k, v in params.items() if v is not None})


@pytest.fixture(scope="module")
def api_client(base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=10) as client:
        yield client


@pytest.fixture
def api(admin: httpx.Client, base: str, http: httpx.Client, api_client: httpx.Client) -> httpx.Client:
    """The shared API client, authenticated with a fresh session token for this test."""
    api_client.headers["Authorization"] = f"Bearer {get_token(http, base).json()['sessionToken']}"
    return api_client


def booking(start_date: str = "2027-01-05", start_time: int = 1100, staff: int = AVERY, location: int = DOWNTOWN,
            reason: int = HAIRCUT, **extra: Any) -> dict[str, Any]:
    """A create body shaped like the third-party booking code that works against the live API."""
    body: dict[str, Any] = {
        "businessId": 403100,
        "client": {"firstName": "Pat", "lastName": "New", "emailAddress": "pat.new@example.com", "cellPhone": "+1555"},
        "clientStartDate": start_date, "clientEndDate": start_date,
        "startDate": start_date, "endDate": start_date, "startTime": start_time, "clientStartTime": start_time,
        "location": {"locationId": location}, "staff": {"professionalId": staff}, "reason": {"reasonId": reason},
        "status": "OPEN", "note": "test booking",
    }
    body.update(extra)
    return body


def slot_starts(api: httpx.Client, day: str, staff: int, location: int, reason: int, **params: Any) -> list[int]:
    y, m, d = day.split("-")
    response = api.get(f"/availability/{y}/{m}/{d}/{staff}/{location}/{reason}", params=params)
    assert response.status_code == 200, response.text
    return [slot["startTime"] for slot in response.json()]


def appointment_count(admin: httpx.Client) -> int:
    return len(admin.get("/state").json()["appointments"])


# -- authentication ------------------------------------------------------------------------------


def test_session_token_with_md5_signature_and_float_timestamp(
    http: httpx.Client, admin: httpx.Client, base: str
) -> None:
    response = get_token(http, base, timestamp="1798934400.123456")
    assert response.status_code == 200
    assert re.fullmatch(r"st\.api\.api\.[0-9a-f]{32}", response.json()["sessionToken"])
    # The token works as a Bearer header and as the sessionToken query parameter.
    token = response.json()["sessionToken"]
    assert http.get(f"{base}/staff", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    assert http.get(f"{base}/staff", params={"sessionToken": token}).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "status"),
    [
        ({"signature": hashlib.md5(b"wrong").hexdigest()}, 403),
        ({"apiKey": "999999"}, 403),
        # The timestamp is not part of the signature, but hashing it in is not accepted either.
        ({"signature": hashlib.md5((API_KEY + PRIVATE_KEY + "1798934400").encode()).hexdigest()}, 403),
        ({"signature": None}, 400),
        ({"timestamp": None}, 400),
        ({"timestamp": "yesterday"}, 400),
    ],
)
def test_session_token_refusals(
    http: httpx.Client, admin: httpx.Client, base: str, overrides: dict[str, Any], status: int
) -> None:
    response = get_token(http, base, **overrides)
    assert response.status_code == status
    assert "sessionToken" not in response.json()
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Session token is required"),
        ({"Authorization": "Bearer st.api.api.0000"}, "Session token is invalid"),
        ({"Authorization": f"Basic {SIGNATURE}"}, "Session token is required"),
    ],
)
def test_missing_or_invalid_session_is_401(http: httpx.Client, admin: httpx.Client, base: str, headers: dict[str, str],
                                           message: str) -> None:
    response = http.get(f"{base}/appointments/18750002", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"message": message}


def test_token_expires_after_configured_lifetime_and_client_renews(
    http: httpx.Client, admin: httpx.Client, app: TimeTapSandbox, base: str
) -> None:
    app.token_lifetime_seconds = 60
    token = get_token(http, base).json()["sessionToken"]
    headers = {"Authorization": f"Bearer {token}"}
    admin.post("/clock", json={"now": "2027-01-04T00:00:59Z"})
    assert http.get(f"{base}/locations", headers=headers).status_code == 200
    admin.post("/clock", json={"now": "2027-01-04T00:01:00Z"})
    expired = http.get(f"{base}/locations", headers=headers)
    assert expired.status_code == 401
    assert expired.json() == {"message": "Session token has expired"}
    # What a client does on 401: fetch a new token and retry.
    renewed = get_token(http, base).json()["sessionToken"]
    assert renewed != token
    assert http.get(f"{base}/locations", headers={"Authorization": f"Bearer {renewed}"}).status_code == 200


def test_admin_token_controls(http: httpx.Client, admin: httpx.Client, app: TimeTapSandbox, base: str) -> None:
    token = get_token(http, base).json()["sessionToken"]
    assert admin.delete("/tokens").status_code == 200
    assert http.get(f"{base}/staff", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert admin.post("/tokens", json={"lifetime_seconds": 5}).status_code == 200
    assert app.token_lifetime_seconds == 5
    assert admin.post("/tokens", json={}).status_code == 400


def test_test_environment_prefix_shares_state(http: httpx.Client, api: httpx.Client, running: RunningServer) -> None:
    test_base = f"{running.url}/timetap/test"
    token = get_token(http, test_base).json()["sessionToken"]
    created = api.post("/appointments", json=booking())
    assert created.status_code == 200
    seen = http.get(f"{test_base}/appointments/{created.json()['calendarId']}",
                     headers={"Authorization": f"Bearer {token}"})
    assert seen.status_code == 200
    assert seen.json()["calendarId"] == created.json()["calendarId"]


# -- listings -------------------------------------------------------------------------------------


def test_locations_staff_and_services(api: httpx.Client) -> None:
    locations = api.get("/locations").json()
    assert [loc["locationId"] for loc in locations] == [DOWNTOWN, UPTOWN]
    assert {loc["timeZone"] for loc in locations} == {"America/New_York"}
    assert api.get(f"/locations/{UPTOWN}").json()["locationName"] == "Uptown Studio"
    assert [s["professionalId"] for s in api.get("/staff").json()] == [AVERY, JORDAN, SAM]
    assert [s["professionalId"] for s in api.get("/staff", params={"locationId": str(UPTOWN)}).json()] == [JORDAN, SAM]
    services = api.get("/services").json()
    assert {s["reasonId"]: s["visitMinutes"] for s in services} == {CONSULT: 30, HAIRCUT: 45, COLOR: 60, MASSAGE: 90}
    assert {s["reasonType"] for s in services} == {"SERVICE"}
    assert [row["professionalId"] for row in api.get(f"/services/{MASSAGE}/serviceStaff").json()] == [JORDAN, SAM]
    assert [row["reasonId"] for row in api.get(f"/staff/{SAM}/serviceStaff").json()] == [HAIRCUT, MASSAGE]
    assert api.get("/staffIdList").json() == [AVERY, JORDAN, SAM]
    missing = api.get("/staff/1")
    assert missing.status_code == 404
    assert "message" in missing.json()
    assert api.get("/services/abc").status_code == 400


# -- availability -----------------------------------------------------------------------------------


def test_day_availability_is_hours_minus_bookings(api: httpx.Client) -> None:
    # Avery has a 45-minute haircut at 10:00 on 2027-01-05, so 09:30 and 10:00..10:30 are gone.
    starts = slot_starts(api, "2027-01-05", AVERY, DOWNTOWN, HAIRCUT)
    assert starts[:3] == [900, 1100, 1130]
    assert not {930, 1000, 1030} & set(starts)
    assert starts[-1] == 1600  # 16:00 + 45 min fits a 17:00 close; 16:30 does not
    slot = api.get(f"/availability/2027/01/05/{AVERY}/{DOWNTOWN}/{HAIRCUT}").json()[0]
    assert slot == {"date": "2027-01-05", "startTime": 900, "endTime": 945, "clientStartTime": 900,
                    "clientEndTime": 945, "staffId": AVERY, "locationId": DOWNTOWN, "reasonId": HAIRCUT}


def test_buffer_and_duration_shape_slots(api: httpx.Client) -> None:
    color = api.get(f"/availability/2027/01/08/{AVERY}/{DOWNTOWN}/{COLOR}").json()
    assert (color[0]["clientEndTime"], color[0]["endTime"]) == (1000, 1015)
    assert color[-1]["startTime"] == 1530  # 15:30 + 60 + 15 buffer = 16:45; 16:00 would end 17:15
    custom = api.get(f"/availability/2027/01/08/{AVERY}/{DOWNTOWN}/{HAIRCUT}", params={"duration": 120}).json()
    assert custom[0]["clientEndTime"] == 1100
    assert custom[-1]["startTime"] == 1500
    assert api.get(f"/availability/2027/01/08/{AVERY}/{DOWNTOWN}/{HAIRCUT}", params={"duration": 0}).status_code == 400


def test_availability_ignores_cancelled_and_honours_time_off_days_off_and_locations(api: httpx.Client) -> None:
    assert slot_starts(api, "2027-01-06", AVERY, DOWNTOWN, CONSULT)[0] == 900  # 09:00 booking was cancelled
    jordan_thu = slot_starts(api, "2027-01-07", JORDAN, UPTOWN, CONSULT)
    assert jordan_thu and max(jordan_thu) == 1130  # time off from 12:00
    assert slot_starts(api, "2027-01-07", JORDAN, DOWNTOWN, CONSULT) == []  # Thursdays he is Uptown
    assert slot_starts(api, "2027-01-10", AVERY, DOWNTOWN, CONSULT) == []  # Sunday
    assert slot_starts(api, "2027-02-03", SAM, UPTOWN, MASSAGE) == []  # vacation
    assert slot_starts(api, "2027-01-05", SAM, UPTOWN, CONSULT) == []  # Sam does not offer consultations


def test_availability_excludes_past_times(
    http: httpx.Client, api: httpx.Client, admin: httpx.Client, base: str
) -> None:
    admin.post("/clock", json={"now": "2027-01-08T15:10:00Z"})  # 10:10 EST
    # Four days later the fixture's session has expired (1 h lifetime), as it would live.
    assert api.get("/staff").status_code == 401
    api.headers["Authorization"] = f"Bearer {get_token(http, base).json()['sessionToken']}"
    assert slot_starts(api, "2027-01-08", AVERY, DOWNTOWN, CONSULT)[0] == 1030
    assert slot_starts(api, "2027-01-07", AVERY, DOWNTOWN, CONSULT) == []


def test_availability_across_dst_keeps_local_hours(api: httpx.Client) -> None:
    # 2027-03-15 is the Monday after spring-forward: Avery's 10:00 EDT colour (+15 buffer) blocks
    # 10:00-11:15 local, so 30-minute consultations fit at 09:30 and again from 11:30.
    starts = slot_starts(api, "2027-03-15", AVERY, DOWNTOWN, CONSULT)
    assert starts[:3] == [900, 930, 1130]
    assert slot_starts(api, "2027-11-08", JORDAN, DOWNTOWN, CONSULT)[0] == 930  # 09:00 EST booked


def test_month_and_location_availability(api: httpx.Client) -> None:
    month = api.get(f"/availability/2027/03/{AVERY}/{DOWNTOWN}/{HAIRCUT}").json()
    assert month["availableDays"] == [d for d in range(1, 32) if d not in (7, 14, 21, 28)]
    assert month["availableDates"][0] == "2027-03-01"
    dates = api.get(f"/availability/location/{UPTOWN}/service/{MASSAGE}",
                    params={"startDate": "2027-01-05", "endDate": "2027-01-07"}).json()
    assert dates == [
        {"date": "2027-01-05", "staffIdList": [JORDAN, SAM]},
        {"date": "2027-01-06", "staffIdList": [SAM]},
        {"date": "2027-01-07", "staffIdList": [JORDAN, SAM]},
    ]
    assert api.get(f"/availability/location/{UPTOWN}/service/{MASSAGE}").status_code == 400


@pytest.mark.parametrize(
    ("path", "status"),
    [
        (f"/availability/2027/02/30/{AVERY}/{DOWNTOWN}/{HAIRCUT}", 400),
        (f"/availability/2027/01/05/{AVERY}/{DOWNTOWN}/1", 404),
        (f"/availability/2027/01/05/1/{DOWNTOWN}/{HAIRCUT}", 404),
        (f"/availability/2027/13/{AVERY}/{DOWNTOWN}/{HAIRCUT}", 400),
    ],
)
def test_availability_errors(api: httpx.Client, path: str, status: int) -> None:
    response = api.get(path)
    assert response.status_code == status
    assert response.json()["message"]


# -- booking ------------------------------------------------------------------------------------------


def test_create_appointment_with_new_inline_client(api: httpx.Client, admin: httpx.Client) -> None:
    clients_before = api.get("/clients/count").json()
    created = api.post("/appointments", json=booking(reason=COLOR, sendConfirmationToClient=True))
    assert created.status_code == 200, created.text
    appt = created.json()
    assert appt["calendarId"] == 18750010
    assert re.fullmatch(r"[0-9a-f]{32}", appt["appointmentIdHash"])
    assert (appt["clientStartTime"], appt["clientEndTime"], appt["startTime"], appt["endTime"]) == (1100, 1200, 1100,
                                                                                                     1215)
    assert appt["status"] == "OPEN" and appt["subStatus"] == "OPEN"
    assert appt["client"]["clientId"] == 2100004 and appt["client"]["fullName"] == "Pat New"
    assert api.get("/clients/count").json() == clients_before + 1
    assert api.get(f"/appointments/{appt['calendarId']}").json() == appt
    state = admin.get("/state").json()
    assert appt in state["appointments"]
    assert state["notifications"] == [{"calendarId": 18750010, "kind": "confirmation", "to": "client"}]
    # The slot is gone from availability.
    assert 1100 not in slot_starts(api, "2027-01-05", AVERY, DOWNTOWN, COLOR)


def test_existing_client_is_reused_by_email_or_id(api: httpx.Client) -> None:
    by_email = booking(client={"firstName": "J", "lastName": "D", "emailAddress": "JANE.DEER@example.com"})
    assert api.post("/appointments", json=by_email).json()["client"]["clientId"] == 2100001
    by_id = booking(start_time=1300, client={"clientId": 2100003})
    assert api.post("/appointments", json=by_id).json()["client"]["clientId"] == 2100003
    assert api.get("/clients/count").json() == 3
    unknown = api.post("/appointments", json=booking(start_time=1400, client={"clientId": 42}))
    assert unknown.status_code == 404


@pytest.mark.parametrize(
    ("changes", "status", "fragment"),
    [
        ({"staff": None}, 400, "staff"),
        ({"startTime": 1275, "clientStartTime": 1275}, 400, "startTime"),
        ({"startDate": "05/01/2027"}, 400, "startDate"),
        ({"startDate": "2027-01-01", "clientStartDate": "2027-01-01"}, 400, "past"),
        ({"startTime": 1630, "clientStartTime": 1630}, 409, "working hours"),
        ({"reason": {"reasonId": MASSAGE}}, 400, "does not offer"),
        ({"client": {"emailAddress": "nobody@example.com"}}, 400, "client"),
        ({"businessId": 1}, 400, "businessId"),
        ({"location": {"locationId": 1}}, 404, "Location"),
    ],
)
def test_create_validation(api: httpx.Client, admin: httpx.Client, changes: dict[str, Any], status: int,
                           fragment: str) -> None:
    body = booking()
    for key, value in changes.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    before = appointment_count(admin)
    response = api.post("/appointments", json=body)
    assert response.status_code == status, response.text
    assert fragment in response.json()["message"]
    assert appointment_count(admin) == before


def test_double_booking_is_refused_with_409(api: httpx.Client, admin: httpx.Client) -> None:
    before = appointment_count(admin)
    taken = api.post("/appointments", json=booking(start_time=1000))  # seeded 10:00 haircut
    assert taken.status_code == 409
    assert taken.json()["message"].startswith("The selected time is not available")
    assert api.post("/appointments", json=booking(start_time=930)).status_code == 409  # partial overlap
    # The Color buffer (11:00-12:00 + 15) blocks 12:00 but not 12:15.
    assert api.post("/appointments", json=booking(start_time=1100, reason=COLOR)).status_code == 200
    assert api.post("/appointments", json=booking(start_time=1200)).status_code == 409
    assert api.post("/appointments", json=booking(start_time=1215)).status_code == 200
    # Another staff member may take the same time.
    assert api.post("/appointments", json=booking(start_time=1000, staff=JORDAN, location=UPTOWN)).status_code == 200
    assert appointment_count(admin) == before + 3


def test_twenty_concurrent_bookings_of_one_slot_yield_one_appointment(
    http: httpx.Client, api: httpx.Client, admin: httpx.Client, base: str
) -> None:
    before = appointment_count(admin)
    headers = dict(api.headers)

    def attempt(i: int) -> int:
        body = booking("2027-01-08", 1300, client={"firstName": "C", "lastName": str(i)})
        return http.post(f"{base}/appointments", json=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(attempt, range(20)))
    assert sorted(statuses) == [200] + [409] * 19
    appointments = admin.get("/state").json()["appointments"]
    assert len(appointments) == before + 1
    assert [a for a in appointments if a["startDate"] == "2027-01-08" and a["startTime"] == 1300][0]["status"] == "OPEN"


# -- cancel / reschedule --------------------------------------------------------------------------------


def test_cancel_frees_the_slot(api: httpx.Client, admin: httpx.Client) -> None:
    cancelled = api.put("/appointments/18750002/cancel/false/true", json={"subStatus": "CANCEL"})
    assert cancelled.status_code == 200
    assert (cancelled.json()["status"], cancelled.json()["subStatus"]) == ("CANCELLED", "CANCEL")
    assert admin.get("/state").json()["notifications"] == [{"calendarId": 18750002, "kind": "cancel", "to": "client"}]
    assert 1000 in slot_starts(api, "2027-01-05", AVERY, DOWNTOWN, HAIRCUT)
    assert api.post("/appointments", json=booking(start_time=1000)).status_code == 200
    again = api.put("/appointments/18750002/cancel/true/true")  # idempotent, no new emails
    assert again.status_code == 200 and again.json()["status"] == "CANCELLED"
    assert len(admin.get("/state").json()["notifications"]) == 1
    assert api.put("/appointments/18750002/cancel/maybe/true").status_code == 400
    assert api.put("/appointments/99/cancel/false/false").status_code == 404
    assert api.put("/appointments/18750002", json={"note": "x"}).status_code == 400


def test_reschedule_rechecks_conflicts(api: httpx.Client) -> None:
    moved = api.put("/appointments/18750002", json={"startDate": "2027-01-05", "startTime": 1400, "note": "later"})
    assert moved.status_code == 200
    assert (moved.json()["startTime"], moved.json()["clientEndTime"], moved.json()["note"]) == (1400, 1445, "later")
    assert 1000 in slot_starts(api, "2027-01-05", AVERY, DOWNTOWN, HAIRCUT)
    # Full-object PUT: only clientStartTime changed, every other field is echoed back.
    full = api.get("/appointments/18750002").json()
    full["clientStartTime"] = 1500
    assert api.put("/appointments/18750002", json=full).json()["startTime"] == 1500
    # Conflict with the seeded 2027-03-15 10:00 Color keeps the original time.
    clash = api.put("/appointments/18750002", json={"startDate": "2027-03-15", "startTime": 1030})
    assert clash.status_code == 409
    assert api.get("/appointments/18750002").json()["startTime"] == 1500
    # Changing staff and location at once.
    other = api.put("/appointments/18750002", json={"staff": {"professionalId": SAM},
                                                    "location": {"locationId": UPTOWN}})
    assert other.status_code == 200 and other.json()["staff"]["professionalId"] == SAM


def test_noshow_and_completed(api: httpx.Client) -> None:
    assert api.put("/appointments/18750003/noshow/false", json={"reason": ""}).json()["subStatus"] == "NO_SHOW"
    assert api.put("/appointments/18750005/completed/false", json={"reason": ""}).json()["status"] == "COMPLETED"
    assert api.put("/appointments/18750004/completed/false").status_code == 400  # already cancelled


# -- reports and pagination --------------------------------------------------------------------------


def test_report_pagination_with_count(api: httpx.Client) -> None:
    first = api.get("/appointmentList/reportWithCount", params={"pageNumber": 1, "pageSize": 4}).json()
    assert first["count"] == 9 and len(first["list"]) == 4
    pages = [first["list"]] + [
        api.get("/appointmentList/reportWithCount", params={"pageNumber": n, "pageSize": 4}).json()["list"]
        for n in (2, 3, 4)
    ]
    assert [len(p) for p in pages] == [4, 4, 1, 0]
    ids = [a["calendarId"] for page in pages for a in page]
    assert ids == sorted(ids) and len(set(ids)) == 9  # ordered by start, no duplicates
    assert len(api.get("/appointmentList/report").json()) == 9  # default pageSize 25
    for bad in ({"pageSize": 0}, {"pageNumber": 0}, {"pageSize": "x"}):
        assert api.get("/appointmentList/report", params=bad).status_code == 400


def test_report_filters(api: httpx.Client) -> None:
    assert api.get("/appointmentList/reportCount", params={"statusList": "OPEN"}).json() == 7
    repeated = api.get("/appointments/report", params=[("statusList", "CANCELLED"), ("statusList", "COMPLETED")])
    assert {a["calendarId"] for a in repeated.json()} == {18750001, 18750004}
    window = api.get("/appointmentList/report", params={"startDate": "2027-03-01", "endDate": "2027-03-31",
                                                         "staffIdList": f"{AVERY},{SAM}"}).json()
    assert [a["calendarId"] for a in window] == [18750005, 18750006, 18750007]
    assert api.get(f"/appointments/countByStatus/location/{DOWNTOWN}").json() == {
        "COMPLETED": 1, "OPEN": 5, "CANCELLED": 1}


def test_clients_pagination_and_order(api: httpx.Client) -> None:
    page = api.get("/clients", params={"pageNumber": 2, "pageSize": 2}).json()
    assert [c["clientId"] for c in page] == [2100003]
    ordered = api.get("/clients", params={"order_field": "lastName", "order_mode": "desc"}).json()
    assert [c["lastName"] for c in ordered] == ["Sez", "Deer", "Begood"]
    with_count = api.get("/clientList/reportWithCount", params={"pageSize": 1}).json()
    assert with_count["count"] == 3 and len(with_count["list"]) == 1
    assert api.get("/clients", params={"order_mode": "sideways"}).status_code == 400
    created = api.post("/clients", json={"firstName": "Ada", "lastName": "Lovelace"})
    assert created.status_code == 200
    assert api.get(f"/clients/{created.json()['clientId']}").json()["fullName"] == "Ada Lovelace"
    assert api.post("/clients", json={"cellPhone": "1"}).status_code == 400


# -- Calendar API (seed 002) --------------------------------------------------------------------------


def test_calendar_range_events_and_dst_offsets(api: httpx.Client) -> None:
    events = api.get(f"/calendar/range/{AVERY},{JORDAN}",
                     params={"startDate": "2027-03-01", "endDate": "2027-11-30"}).json()
    by_id = {e["id"]: e for e in events}
    assert list(by_id) == [18750005, 18750006, 18750008, 18750009]
    assert set(by_id[18750005]) == {"allDay", "appointmentType", "attendees", "color", "end", "endDateTimeUTC", "id",
                                    "paid", "readOnly", "recurringAppointmentId", "start", "startDateTimeUTC",
                                    "status", "subStatus", "title", "uninvoiced"}
    assert all(JS_DATE.match(e[k]) for e in events for k in ("start", "end", "startDateTimeUTC", "endDateTimeUTC"))
    # Same 10:00 wall time either side of spring-forward: 15:00 UTC (EST) then 14:00 UTC (EDT).
    assert by_id[18750005]["start"] == "Fri Mar 12 2027 10:00:00 UTC+0000"
    assert by_id[18750005]["startDateTimeUTC"] == "Fri Mar 12 2027 15:00:00 UTC+0000"
    assert by_id[18750006]["startDateTimeUTC"] == "Mon Mar 15 2027 14:00:00 UTC+0000"
    assert by_id[18750008]["startDateTimeUTC"] == "Fri Nov 05 2027 19:00:00 UTC+0000"
    assert by_id[18750009]["startDateTimeUTC"] == "Mon Nov 08 2027 14:00:00 UTC+0000"
    assert by_id[18750006]["title"] == "Simon Sez for Color Treatment with Avery Brooks"
    assert by_id[18750006]["appointmentType"] == "APPOINTMENT" and by_id[18750006]["attendees"] is None


def test_calendar_range_parameters(api: httpx.Client) -> None:
    jan = {"startDate": "2027-01-01", "endDate": "2027-02-28"}
    assert [e["id"] for e in api.get(f"/calendar/range/{AVERY}", params=jan).json()] == [18750002]  # cancel hidden
    cancelled = api.get(f"/calendar/range/{AVERY}", params={**jan, "statusList": "CANCEL"}).json()
    assert [e["id"] for e in cancelled] == [18750004]
    with_off = api.get(f"/calendar/range/{JORDAN},{SAM}", params={**jan, "showTimeOff": "true"}).json()
    assert [(e["id"], e["appointmentType"]) for e in with_off] == [
        (18750003, "APPOINTMENT"), (9001, "TIME_OFF"), (9002, "VACATION")]
    assert with_off[2]["allDay"] is True
    color = {"startDate": "2027-03-15", "endDate": "2027-03-15"}
    assert api.get(f"/calendar/range/{AVERY}", params=color).json()[0]["end"].endswith("11:00:00 UTC+0000")
    buffered = api.get(f"/calendar/range/{AVERY}", params={**color, "showBuffer": "true"}).json()[0]
    assert buffered["end"] == "Mon Mar 15 2027 11:15:00 UTC+0000"
    assert api.get(f"/calendar/range/{JORDAN}", params={**jan, "locationIdList": str(DOWNTOWN)}).json() == []
    massage = api.get(f"/calendar/range/{JORDAN}", params={**jan, "serviceIdList": str(MASSAGE)}).json()
    assert [e["id"] for e in massage] == [18750003]


def test_calendar_range_requires_end_date(api: httpx.Client, app: TimeTapSandbox, admin: httpx.Client) -> None:
    missing = api.get(f"/calendar/range/{AVERY}")
    assert missing.status_code == 400 and missing.json() == {"message": "endDate is required"}
    assert api.get("/calendar/range/abc", params={"endDate": "2027-01-31"}).status_code == 400
    assert api.get(f"/calendar/range/{AVERY}", params={"startDate": "2027-02-01",
                                                         "endDate": "2027-01-01"}).status_code == 400
    app.calendar_requires_end_date = False  # lenient: today (2027-01-03 in New York) .. +6 days
    assert [e["id"] for e in api.get(f"/calendar/range/{AVERY}").json()] == [18750002]


def test_calendar_event_lookup(api: httpx.Client) -> None:
    event = api.get("/calendar/event/APPOINTMENT/18750002")
    assert event.status_code == 200
    assert [e["id"] for e in event.json()] == [18750002]
    assert api.get("/calendar/event/TIME_OFF/9001").json()[0]["title"].startswith("Time Off: Jordan Lee")
    assert api.get("/calendar/event/VACATION/9001").status_code == 404  # 9001 is TIME_OFF, not VACATION
    assert api.get("/calendar/event/CLASS/1").status_code == 404
    assert api.get("/calendar/event/MEETING/1").status_code == 400
    buffered = api.get("/calendar/event/APPOINTMENT/18750006", params={"showBuffer": "true"}).json()[0]
    assert buffered["endDateTimeUTC"] == "Mon Mar 15 2027 15:15:00 UTC+0000"


def test_unknown_route_and_bad_json(api: httpx.Client) -> None:
    assert api.get("/nothing/here").status_code == 404
    bad = api.post("/appointments", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json() == {"message": "Request body is not valid JSON"}
    assert api.delete("/appointments/18750002").status_code == 405


# -- timetappy (PyPI) against the sandbox -------------------------------------------------------------


@pytest.fixture
def timetappy_client(admin: httpx.Client, running: RunningServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A ``timetappy.Client`` whose API and (hard-coded) token host point at the sandbox."""
    # timetappy calls logging.basicConfig(filename='auth.log') at import; a handler already on the
    # root logger makes that a no-op, so the import neither writes files nor changes log levels.
    root = logging.getLogger()
    guard = logging.NullHandler()
    root.addHandler(guard)
    try:
        import timetappy  # type: ignore[import-untyped]
        import timetappy.auth  # type: ignore[import-untyped]
    finally:
        root.removeHandler(guard)
    import requests  # type: ignore[import-untyped]

    sandbox_live = f"{running.url}/timetap/live"

    class RedirectedRequests(ModuleType):
        """Stands in for ``requests`` inside timetappy.auth: same API, token URL re-hosted."""

        def __getattr__(self, name: str) -> Any:
            return getattr(requests, name)

        def get(self, url: str, **kwargs: Any) -> Any:  # noqa: PLR6301 - mirrors requests.get
            return requests.get(url.replace("https://api.timetap.com/live", sandbox_live), timeout=10, **kwargs)

    monkeypatch.setattr(timetappy.auth, "requests", RedirectedRequests("requests"))
    client = timetappy.Client(API_KEY, PRIVATE_KEY)
    client.base_url = sandbox_live
    return client


def test_timetappy_fetches_tokens_and_reads(timetappy_client: Any, admin: httpx.Client) -> None:
    staff = timetappy_client.get_staff()
    assert [s["professionalId"] for s in staff] == [AVERY, JORDAN, SAM]
    assert len(timetappy_client.get_services()) == 4
    assert timetappy_client.get_appointment_by_id(18750002)["client"]["fullName"] == "Jane Deer"
    report = timetappy_client.get_appointments_report(statusList=["OPEN", "CANCELLED"], pageSize=3, pageNumber=2)
    assert [a["calendarId"] for a in report] == [18750005, 18750006, 18750007]
    assert timetappy_client.get_clients_count() == 3
    assert [c["clientId"] for c in timetappy_client.get_clients(pageSize=2)] == [2100001, 2100002]
    assert timetappy_client.get_calendar_event("APPOINTMENT", 18750002)[0]["subStatus"] == "OPEN"
    assert [r["reasonId"] for r in timetappy_client.get_service_staff(SAM)] == [HAIRCUT, MASSAGE]
    # timetappy sends no dates on the range call: the documented contract refuses it.
    assert timetappy_client.get_calendar_events_range([AVERY]) == {"message": "endDate is required"}
    log = admin.get("/requests").json()
    token_calls = [r for r in log if r["path"] == "/live/sessionToken"]
    assert len(token_calls) == 9  # timetappy signs in before every request


def test_timetappy_range_call_in_lenient_mode(timetappy_client: Any, app: TimeTapSandbox) -> None:
    app.calendar_requires_end_date = False
    events = timetappy_client.get_calendar_events_range([AVERY, JORDAN])
    assert [e["id"] for e in events] == [18750002, 18750003]


# -- endpoints behind Aptura's lifecycle, catalog and client operations -----------------------------


def test_timetappy_reads_location_and_service_details(timetappy_client: Any) -> None:
    downtown = next(loc for loc in timetappy_client.get_locations() if loc["locationId"] == DOWNTOWN)
    fields = ("address1", "address2", "city", "state", "zip", "country", "phone", "timeZone")
    assert {k: downtown[k] for k in fields} == {
        "address1": "100 Main St", "address2": "Suite 200", "city": "New York", "state": "NY", "zip": "10001",
        "country": "US", "phone": "+12125550100", "timeZone": "America/New_York"}
    services = {s["reasonId"]: s for s in timetappy_client.get_services()}
    assert (services[HAIRCUT]["price"], services[HAIRCUT]["description"]) == (45.0, "Wash, cut and style")
    assert services[MASSAGE]["description"] is None


def test_appointment_report_filters_used_for_listing(api: httpx.Client) -> None:
    window = {"startDate": "2027-01-05", "endDate": "2027-01-06", "locationIdList": str(DOWNTOWN)}
    everything = api.get("/appointmentList/reportWithCount", params=window).json()
    assert everything["count"] == 2  # cancelled included; 18750003 is Uptown
    assert [a["calendarId"] for a in everything["list"]] == [18750002, 18750004]
    assert [a["calendarId"] for a in api.get("/appointmentList/reportWithCount", params={
        **window, "statusList": "CANCELLED"}).json()["list"]] == [18750004]
    assert api.get("/appointmentList/reportWithCount", params={**window, "reasonIdList": str(HAIRCUT)}).json()[
        "count"] == 1
    assert api.get("/appointmentList/reportWithCount", params={**window, "staffIdList": str(JORDAN)}).json() == {
        "count": 0, "list": []}
    page2 = api.get("/appointmentList/reportWithCount", params={**window, "pageNumber": 2, "pageSize": 1}).json()
    assert page2["count"] == 2 and [a["calendarId"] for a in page2["list"]] == [18750004]
    full = page2["list"][0]
    assert full["client"]["clientId"] == 2100003 and full["location"]["timeZone"] == "America/New_York"


def test_client_report_pages_counts_and_keeps_duplicate_emails(api: httpx.Client) -> None:
    first = api.get("/clientList/reportWithCount", params={"pageNumber": 1, "pageSize": 2}).json()
    second = api.get("/clientList/reportWithCount", params={"pageNumber": 2, "pageSize": 2}).json()
    assert (first["count"], second["count"]) == (3, 3)
    assert [c["clientId"] for c in first["list"] + second["list"]] == [2100001, 2100002, 2100003]
    assert api.get("/clientList/reportCount").json() == 3
    for _ in range(2):
        made = api.post("/clients", json={"firstName": "Ada", "lastName": "Lovelace", "fullName": "Ada Lovelace",
                                          "emailAddress": "ada@example.com", "cellPhone": "+15555550199"})
        assert made.status_code == 200 and made.json()["emailAddress"] == "ada@example.com"
    assert api.get("/clientList/reportCount").json() == 5
    assert api.get("/clientList/reportCount", params={"clientId": "2100001,2100002"}).json() == 2
    rows = api.get("/clientList/report", params={"pageSize": 1000}).json()
    assert [c["emailAddress"] for c in rows].count("ada@example.com") == 2


def test_full_object_put_reschedules_derives_ends_and_frees_the_slot(api: httpx.Client) -> None:
    current = api.get("/appointments/18750002").json()  # Avery, Haircut, 2027-01-05 10:00
    body = {**current, "startDate": "2027-01-05", "startTime": 1300, "clientStartDate": "2027-01-05",
            "clientStartTime": 1300, "endTime": 1, "clientEndTime": 1, "note": "moved"}
    moved = api.put("/appointments/18750002", json=body)
    assert moved.status_code == 200, moved.text
    m = moved.json()
    assert (m["startTime"], m["clientStartTime"], m["clientEndTime"], m["endTime"], m["note"]) == (
        1300, 1300, 1345, 1345, "moved")
    assert m["client"] == current["client"] and m["appointmentIdHash"] == current["appointmentIdHash"]
    starts = slot_starts(api, "2027-01-05", AVERY, DOWNTOWN, HAIRCUT)
    assert 1000 in starts and 1300 not in starts
    # A taken time (another booking at 15:00) is refused and nothing changes, note included.
    assert api.post("/appointments", json=booking(start_time=1500)).status_code == 200
    clash = api.put("/appointments/18750002", json={**m, "startTime": 1430, "clientStartTime": 1430, "note": "x"})
    assert clash.status_code == 409 and clash.json()["message"].startswith("The selected time is not available")
    assert api.get("/appointments/18750002").json() == m
    # Same times, new staff: a move checked against that staff member's hours and bookings.
    jordan_tue = api.put("/appointments/18750002", json={**m, "staff": {"professionalId": JORDAN}})
    assert jordan_tue.status_code == 409 and "working hours" in jordan_tue.json()["message"]  # Uptown on Tuesdays
    wed = {**m, "startDate": "2027-01-06", "clientStartDate": "2027-01-06", "staff": {"professionalId": JORDAN}}
    to_jordan = api.put("/appointments/18750002", json=wed)
    assert to_jordan.status_code == 200
    assert (to_jordan.json()["staff"]["fullName"], to_jordan.json()["startDate"]) == ("Jordan Lee", "2027-01-06")
    assert 1300 not in slot_starts(api, "2027-01-06", JORDAN, DOWNTOWN, HAIRCUT)
    assert 1300 in slot_starts(api, "2027-01-05", AVERY, DOWNTOWN, HAIRCUT)


def test_cancel_with_the_full_object_is_idempotent_and_blocks_updates(api: httpx.Client, admin: httpx.Client
                                                                      ) -> None:
    current = api.get("/appointments/18750002").json()
    first = api.put("/appointments/18750002/cancel/false/false", json={**current, "subStatus": "CANCEL"})
    second = api.put("/appointments/18750002/cancel/false/false", json={**first.json(), "subStatus": "CANCEL"})
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() and second.json()["status"] == "CANCELLED"
    assert admin.get("/state").json()["notifications"] == []  # false/false: no e-mails
    refused = api.put("/appointments/18750002", json={**second.json(), "startTime": 1300, "clientStartTime": 1300})
    assert refused.status_code == 400 and refused.json() == {"message": "A cancelled appointment cannot be updated"}
    assert 1000 in slot_starts(api, "2027-01-05", AVERY, DOWNTOWN, HAIRCUT)
