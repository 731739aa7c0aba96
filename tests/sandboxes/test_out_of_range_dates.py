"""Sandboxes answer times that leave years 1..9999 once converted to UTC as their provider answers an
unusable time (a 400 in its own error format), never an OverflowError 500 (issue 18, item 3). Aptura
itself refuses input outside 1900-2200 before calling any provider (tests/api/test_hostile_bodies.py);
this is for callers of the sandboxes themselves. Mindbody: tests/sandboxes/test_mindbody.py. The last test goes
through Aptura with dates it accepts but no provider's calendar offers (issue 18, item 3)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandboxes.boulevard import BoulevardSandbox
from sandboxes.core import RunningServer, serve
from sandboxes.digitalbooker import app as digitalbooker
from sandboxes.smoothschedule import app as smoothschedule
from sandboxes.square import app as square
from sandboxes.supersaas.app import SuperSaasSandbox
from sandboxes.timetap import TimeTapSandbox
from tests.conformance.conftest import Provisioned, provider  # noqa: F401 - the fixture: one connection per spec
from tests.sandboxes.test_boulevard import Api as BoulevardApi
from tests.sandboxes.test_timetap import get_token
from tests.support import invoke

# Valid ISO 8601 text whose UTC instant is before year 1 or after year 9999.
EDGES = ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"]


@pytest.mark.parametrize("value", EDGES)
def test_square_answers_invalid_time(value: str) -> None:
    with pytest.raises(square.SquareError) as refused:
        square.parse_time(value, "start_at_range.start_at")
    assert refused.value.status == 400 and refused.value.code == "INVALID_TIME"


@pytest.mark.parametrize("value", EDGES)
def test_smoothschedule_answers_a_validation_error(value: str) -> None:
    with pytest.raises(smoothschedule.ApiError) as refused:
        smoothschedule._parse_datetime(value, "start")
    assert refused.value.status == 400 and refused.value.error == "validation_error"


@pytest.mark.parametrize("value", [*EDGES, "0001-01-01 00:30:00"])  # local Helsinki time is ahead of UTC
def test_digitalbooker_answers_invalid_parameter(value: str) -> None:
    with pytest.raises(digitalbooker.ApiError) as refused:
        digitalbooker._as_datetime(value, "start")
    assert refused.value.status == 400


# -- TimeTap, SuperSaaS, Boulevard over HTTP: their docs say nothing about such dates, so each answers as it
# answers any unusable date (the guesses are in each sandbox's README).

@pytest.fixture(scope="module")
def served() -> Iterator[RunningServer]:
    running = serve([TimeTapSandbox(), SuperSaasSandbox(), BoulevardSandbox()])
    yield running
    running.stop()


@pytest.fixture
def timetap(served: RunningServer) -> Iterator[httpx.Client]:
    """An authenticated TimeTap client on a freshly seeded sandbox."""
    base = f"{served.url}/timetap/live"
    with httpx.Client(base_url=base, timeout=15) as client:
        client.post(f"{served.url}/timetap/_sandbox/reset").raise_for_status()
        client.headers["Authorization"] = f"Bearer {get_token(client, base).json()['sessionToken']}"
        yield client


TT_WHERE = {"location": {"locationId": 634001}, "staff": {"professionalId": 512001}, "reason": {"reasonId": 733002}}


@pytest.mark.parametrize(("start", "end"), [("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-01")])
def test_timetap_availability_of_the_last_and_first_day_is_not_a_crash(timetap: httpx.Client, start: str,
                                                                       end: str) -> None:
    answer = timetap.get("/availability/location/634001/service/733002", params={"startDate": start, "endDate": end})
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 400:
        assert set(answer.json()) == {"message"} and "date" in answer.json()["message"]


@pytest.mark.parametrize(("day", "hhmm", "status"), [
    ("9999-12-31", 2359, 400),  # 04:59 on 10000-01-01 in UTC
    ("9999-12-31", 1100, 200),  # still in year 9999 in UTC: a working hour, so it books
    ("0001-01-01", 1100, 400),  # in the past
    ("2027-02-30", 1100, 400),  # not a date
    ("27-01-05", 1100, 400),  # not YYYY-MM-DD
])
def test_timetap_booking_at_the_ends_of_the_calendar(timetap: httpx.Client, day: str, hhmm: int, status: int) -> None:
    body = {**TT_WHERE, "clientStartDate": day, "clientStartTime": hhmm, "startDate": day, "startTime": hhmm,
            "client": {"firstName": "Ada", "lastName": "Byron", "emailAddress": "ada@example.com"}}
    answer = timetap.post("/appointments", json=body)
    assert answer.status_code == status, answer.text
    if status == 400:
        assert set(answer.json()) == {"message"}, answer.text


@pytest.fixture
def supersaas(served: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{served.url}/supersaas", auth=("ApturaDemo", "kX3vR8mQ2pLw7sTb9nYc4A"),
                      timeout=15) as client:
        client.post("/_sandbox/reset").raise_for_status()
        yield client


def _supersaas_error(answer: httpx.Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    (entry,) = answer.json()["errors"]
    assert entry["status"] == str(status) and entry["code"] == code and "YYYY-MM-DD HH:MM:SS" in entry["title"]


@pytest.mark.parametrize("path", ["/api/free/300101.json", "/api/free/300102.json", "/api/range/300102.json"])
@pytest.mark.parametrize("value", ["9999-12-31 23:30:00", "9999-12-31", "10000-01-01 00:00:00", "2027-13-01"])
def test_supersaas_searches_past_year_9999_are_bad_requests(supersaas: httpx.Client, path: str, value: str) -> None:
    _supersaas_error(supersaas.get(path, params={"from": value}), 400, "bad_request")


@pytest.mark.parametrize(("start", "finish"), [("9999-12-31 20:00:00", "9999-12-31 21:00:00"),
                                               ("10000-01-01 09:00:00", "10000-01-01 10:00:00")])
def test_supersaas_booking_past_year_9999_in_utc_is_invalid_time(supersaas: httpx.Client, start: str,
                                                                 finish: str) -> None:
    booking = {"start": start, "finish": finish, "resource_id": 101, "full_name": "Ada Byron",
               "email": "ada@example.com"}
    answer = supersaas.post("/api/bookings.json", params={"schedule_id": 300101}, json={"booking": booking})
    _supersaas_error(answer, 422, "invalid_time")


def test_supersaas_first_day_of_year_1_is_in_the_past(supersaas: httpx.Client) -> None:
    booking = {"start": "0001-01-01 09:00:00", "finish": "0001-01-01 10:00:00", "full_name": "Ada Byron",
               "email": "ada@example.com"}
    answer = supersaas.post("/api/bookings.json", params={"schedule_id": 300101}, json={"booking": booking})
    assert answer.status_code == 422 and answer.json()["errors"][0]["code"] == "in_the_past", answer.text


@pytest.fixture
def boulevard(served: RunningServer) -> Iterator[BoulevardApi]:
    api = BoulevardApi(served)
    api.http.post(f"{api.base}/_sandbox/reset").raise_for_status()
    yield api
    api.http.close()


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
@pytest.mark.parametrize("tz", [None, "Pacific/Kiritimati", "Pacific/Pago_Pago"])  # UTC+14 and UTC-11
def test_boulevard_has_no_times_beyond_its_booking_window(boulevard: BoulevardApi, day: str, tz: str | None) -> None:
    cart = boulevard.create_cart()
    boulevard.add_item(cart)
    assert boulevard.times(cart, day, tz=tz) == []
    dates = boulevard.ok("query($id: ID!, $lo: Date, $hi: Date) { cartBookableDates(id: $id, searchRangeLower: $lo,"
                         " searchRangeUpper: $hi) { date } }", {"id": cart, "lo": day, "hi": day})
    assert dates["cartBookableDates"] == []


@pytest.mark.parametrize("time_id", ["t_9999-12-31T23:59:00", "t_9999-12-31T16:00:00", "t_0001-01-01T00:10:00"])
def test_boulevard_reserving_such_a_time_is_unavailable(boulevard: BoulevardApi, time_id: str) -> None:
    cart = boulevard.create_cart()
    boulevard.add_item(cart)
    (refusal,) = boulevard.reserve_body(cart, time_id)["errors"]
    assert refusal["code"] == "BOOKABLE_TIME_UNAVAILABLE", refusal


def test_boulevard_malformed_dates_are_graphql_validation_errors(boulevard: BoulevardApi) -> None:
    cart = boulevard.create_cart()
    for bad in ("2027-02-30", "10000-01-01", "garbage"):
        answer = boulevard.gql("query($id: ID!, $d: Date!) { cartBookableTimes(id: $id, searchDate: $d) { id } }",
                               {"id": cart, "d": bad})
        assert answer["data"] is None and "Expected value of type 'Date'" in answer["errors"][0]["message"], answer


# -- Through Aptura: dates it accepts (1900-2200) but no provider's calendar offers are a 200 with no slots or a
# 4xx in Aptura's format, never a 500 or a 5xx blaming the provider.

EDGE_WINDOWS = [("1900-01-01", "1900-01-02"), ("2200-12-30", "2200-12-31")]
EDGE_STARTS = ["1900-01-01T15:00:00Z", "2200-12-31T15:00:00Z", "2200-12-31T23:45:00Z"]


def test_aptura_answers_the_ends_of_its_date_range_without_blaming_the_provider(
        provider: Provisioned) -> None:  # noqa: F811 - the imported fixture
    headers = {"Authorization": f"Bearer {provider.key}", "X-Connection-Id": provider.connection_id}
    for start, end in EDGE_WINDOWS:
        result = invoke("GET", "/v1/availability", headers=headers, query={
            "serviceId": provider.demo["service_id"], "staffId": provider.demo["staff_id"],
            "startDate": start, "endDate": end})
        _not_a_provider_fault(result.status, result.body, f"{provider.provider} availability {start}..{end}")
    for start_time in EDGE_STARTS:
        result = invoke("POST", "/v1/appointments", headers=headers, json_body={
            "serviceId": provider.demo["service_id"], "staffId": provider.demo["staff_id"], "startTime": start_time,
            "client": {"firstName": "Ada", "lastName": "Byron", "email": "ada@example.com"}})
        _not_a_provider_fault(result.status, result.body, f"{provider.provider} booking at {start_time}")


def _not_a_provider_fault(status: int, body: Any, what: str) -> None:
    assert status < 500, f"{what}: {status} {body}"
    if status >= 400:
        assert set(body) == {"error", "message", "details"}, body
        # Aptura's own words are UTC; details.provider_message keeps the provider's, local times and all
        assert all(part[-1:] == "Z" for part in _times_in(body["message"])), body


def _times_in(text: str) -> list[str]:
    """The ISO-8601 times in a text, with their zone designator if any."""
    return re.findall(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?", text)
