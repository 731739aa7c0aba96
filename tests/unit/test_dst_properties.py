"""DST properties of the engine's time handling, east and west of UTC, both directions,
half-hour offsets and a 30-minute DST (Lord Howe), plus zones without DST.

The oracle is independent of the code under test: it only converts UTC to wall time
(which is never ambiguous) and asks which instants show a given wall time:

- a wall time nobody's clock shows (spring-forward gap) must never be offered;
- a wall time shown twice (fall-back fold) means its first occurrence;
- every wall time the clock shows once is offered exactly once, and every slot converts
  back to the provider's wall time it came from.

Hypothesis runs derandomized with bounded examples; the transition walks and the
runner-plus-shaping check enumerate every transition of 2026-2028, so they are exhaustive.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aptura.api.shaping import clean_slots
from aptura.engine import timezones as tzs
from aptura.engine.http import Transport
from aptura.engine.runner import Connection, Runner
from aptura.errors import AptError
from aptura.spec.loader import parse_spec

DST_ZONES = [
    "America/New_York",     # west, northern hemisphere
    "America/Santiago",     # west, southern hemisphere, changes at midnight
    "America/St_Johns",     # west, half-hour offset
    "Europe/London",        # UTC in winter
    "Europe/Berlin",        # east, northern hemisphere
    "Australia/Sydney",     # east, southern hemisphere
    "Pacific/Auckland",     # east, southern, +13 in summer
    "Australia/Lord_Howe",  # +10:30 / +11: a 30-minute DST
]
FIXED_ZONES = ["Asia/Kolkata", "UTC", "America/Phoenix"]
ZONES = DST_ZONES + FIXED_ZONES
YEARS = (2026, 2029)  # transitions in [2026-01-01, 2029-01-01)
MINUTE = timedelta(minutes=1)
PROPERTY = settings(max_examples=200, derandomize=True, deadline=None, database=None)


# -- the oracle -------------------------------------------------------------------------------------

def wall(instant: datetime, zone: str) -> datetime:
    """What the clock in ``zone`` shows at a UTC instant (naive)."""
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


@cache
def transitions(zone: str) -> tuple[datetime, ...]:
    """UTC instants in YEARS at which the zone's offset changes (to the minute)."""
    tz = ZoneInfo(zone)
    found = []
    t = datetime(YEARS[0], 1, 1, tzinfo=UTC)
    end = datetime(YEARS[1], 1, 1, tzinfo=UTC)
    step = timedelta(hours=6)
    while t < end:
        if t.astimezone(tz).utcoffset() != (t + step).astimezone(tz).utcoffset():
            lo, hi = t, t + step  # offset(lo) != offset(hi): narrow to the minute
            while hi - lo > MINUTE:
                mid = lo + (hi - lo) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid.astimezone(tz).utcoffset() == lo.astimezone(tz).utcoffset():
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
        t += step
    return tuple(found)


@cache
def offsets(zone: str) -> frozenset[timedelta]:
    tz = ZoneInfo(zone)
    points = [datetime(YEARS[0], 1, 1, tzinfo=UTC), *transitions(zone)]
    return frozenset(p.astimezone(tz).utcoffset() or timedelta(0) for p in points)


def instants(local: datetime, zone: str) -> list[datetime]:
    """Every UTC instant at which the clock in ``zone`` shows ``local``, earliest first."""
    candidates = {(local - off).replace(tzinfo=UTC) for off in offsets(zone)}
    return sorted(u for u in candidates if wall(u, zone) == local)


def first_reading(local: datetime, zone: str) -> datetime:
    """The first instant the clock shows ``local`` or later (inside a gap: when it jumps past)."""
    u = (local - timedelta(hours=15)).replace(tzinfo=UTC)
    while wall(u, zone) < local:
        u += MINUTE
    return u


def expected_slots(start: datetime, end: datetime, step: int, length: int, zone: str
                   ) -> list[tuple[datetime, datetime]]:
    """(wall time, UTC start) of every slot a provider window should yield."""
    end_utc = first_reading(end, zone)
    out = []
    w = start
    while w <= end:
        shown = instants(w, zone)
        if shown and shown[0] + timedelta(minutes=length) <= end_utc:
            out.append((w, shown[0]))
        w += timedelta(minutes=step)
    return out


def test_the_oracle_sees_both_directions_everywhere() -> None:
    for zone in DST_ZONES:
        kinds = set()
        for t in transitions(zone):
            before, after = wall(t - MINUTE, zone) + MINUTE, wall(t, zone)
            kinds.add("gap" if after > before else "fold")
        assert kinds == {"gap", "fold"}, zone
    for zone in FIXED_ZONES:
        assert transitions(zone) == ()
    lord_howe = transitions("Australia/Lord_Howe")[0]
    assert abs(wall(lord_howe, "Australia/Lord_Howe") - wall(lord_howe - MINUTE, "Australia/Lord_Howe")
               - MINUTE) == timedelta(minutes=30)


# -- slot_starts over generated windows --------------------------------------------------------------

@st.composite
def windows(draw: st.DrawFn) -> tuple[str, datetime, datetime, int, int]:
    zone = draw(st.sampled_from(ZONES))
    if transitions(zone):
        around = wall(draw(st.sampled_from(transitions(zone))), zone)
    else:
        around = datetime(2027, draw(st.integers(1, 12)), draw(st.integers(1, 28)), 2)
    # Providers' windows start on a 5-minute grid, within a day and a half of the change.
    start = around.replace(minute=0) - timedelta(minutes=5 * draw(st.integers(0, 36 * 12)))
    end = start + timedelta(minutes=5 * draw(st.integers(0, 48 * 12)))
    step = draw(st.sampled_from([5, 10, 15, 20, 30, 45, 60, 90]))
    length = draw(st.sampled_from([0, 15, 30, 45, 60, 90, 120]))
    return zone, start, end, step, length


@PROPERTY
@given(windows())
def test_slot_starts_offer_every_real_wall_time_once_and_nothing_else(
        window: tuple[str, datetime, datetime, int, int]) -> None:
    zone, start, end, step, length = window
    got = tzs.slot_starts(start.isoformat(), end.isoformat(), step, length, zone)
    expected = expected_slots(start, end, step, length, zone)
    assert got == [u for _, u in expected]  # nothing lost, nothing repeated, in order
    for (local, _), slot in zip(expected, got, strict=True):
        assert tzs.utc_to_local(slot, zone) == local  # converts back to where it came from
        assert instants(local, zone), "a nonexistent local time was offered"
        assert slot == instants(local, zone)[0], "a repeated wall time means its first occurrence"


@PROPERTY
@given(windows())
def test_windows_given_as_instants_give_the_same_slots(window: tuple[str, datetime, datetime, int, int]) -> None:
    zone, start, end, step, length = window
    first, last = instants(start, zone), instants(end, zone)
    if not first or not last:
        return  # a wall time in a gap has no instant to send
    as_instants = tzs.slot_starts(tzs.format_utc(first[0]), tzs.format_utc(last[0]), step, length, zone)
    assert as_instants == tzs.slot_starts(start.isoformat(), end.isoformat(), step, length, zone)


@st.composite
def instant_windows(draw: st.DrawFn) -> tuple[str, datetime, datetime, int, int]:
    zone = draw(st.sampled_from(DST_ZONES))
    t = draw(st.sampled_from(transitions(zone)))
    start = t + timedelta(minutes=5 * draw(st.integers(-36, 36)))
    end = start + timedelta(minutes=5 * draw(st.integers(0, 72)))
    return zone, start, end, draw(st.sampled_from([15, 30, 60])), draw(st.sampled_from([0, 30, 60]))


@PROPERTY
@given(instant_windows())
def test_windows_given_as_instants_stay_inside_them(window: tuple[str, datetime, datetime, int, int]) -> None:
    zone, start, end, step, length = window
    got = tzs.slot_starts(tzs.format_utc(start), tzs.format_utc(end), step, length, zone)
    highest = max(wall(start, zone), wall(end, zone), *(wall(u - MINUTE, zone) for u in transitions(zone)
                                                        if start < u <= end))
    expected, w = [], wall(start, zone)
    while w <= highest:
        shown = instants(w, zone)
        if shown and start <= shown[0] and shown[0] + timedelta(minutes=length) <= end:
            expected.append(shown[0])
        w += timedelta(minutes=step)
    assert got == expected


# -- conversions across every transition -------------------------------------------------------------

@pytest.mark.parametrize("zone", DST_ZONES)
def test_walking_utc_through_each_transition_loses_and_repeats_no_wall_time(zone: str) -> None:
    for t in transitions(zone):
        offered: list[datetime] = []
        u = t - timedelta(hours=3)
        while u < t + timedelta(hours=3):
            local = wall(u, zone)
            try:
                back = tzs.utc_to_local(u, zone)
            except AptError as exc:  # only the second occurrence of a repeated wall time
                assert exc.status == 422 and exc.code == "unprocessable"
                assert instants(local, zone) == [instants(local, zone)[0], u]
            else:
                assert back == local
                assert tzs.local_to_utc(local, zone) == u  # the round trip
                offered.append(local)
            u += timedelta(minutes=5)
        assert offered == sorted(set(offered)), "no wall time twice, always forwards"
        shown = {w for w in offered}
        w = offered[0]
        while w <= offered[-1]:  # every wall time in the range that exists was offered
            assert (w in shown) == bool(instants(w, zone)), (zone, w)
            w += timedelta(minutes=5)


@pytest.mark.parametrize("zone", DST_ZONES)
def test_nonexistent_local_times_are_never_converted(zone: str) -> None:
    gaps = 0
    for t in transitions(zone):
        before, after = wall(t - MINUTE, zone) + MINUTE, wall(t, zone)
        w = before
        while w < after:
            gaps += 1
            assert tzs.local_to_utc(w, zone) is None
            assert tzs.local_to_utc(w.isoformat(), zone) is None
            assert not tzs.exists(w, ZoneInfo(zone))
            w += timedelta(minutes=5)
    assert gaps > 0


@pytest.mark.parametrize("zone", DST_ZONES)
def test_a_repeated_wall_time_is_its_first_occurrence(zone: str) -> None:
    folds = 0
    for t in transitions(zone):
        before, after = wall(t - MINUTE, zone) + MINUTE, wall(t, zone)
        w = after
        while w < before:  # shown twice: once before t, once after
            folds += 1
            first, second = instants(w, zone)
            assert first < t <= second
            assert tzs.local_to_utc(w, zone) == first
            assert tzs.utc_to_local(first, zone) == w
            with pytest.raises(AptError):
                tzs.utc_to_local(second, zone)
            w += timedelta(minutes=5)
    assert folds > 0


# -- through the runner (spec functions) and the unified shaping ---------------------------------------

SPEC = """
id: demo
name: Demo
environments: {live: {base_url: "https://live.example/api"}, test: {base_url: "https://test.example/api"}}
connection: {config: {}, secrets: {}}
timezone: config.tz
operations:
  availability.list:
    steps:
      - id: free
        request: {path: /free, query: {from: input.startDate, to: input.endDate}}
        extract: body.windows
      - id: slots
        set:
          each: steps.free
          as: w
          flatten: true
          map:
            each: "slot_starts(w.start, w.finish, `30`, `30`, zone)"
            as: s
            map: {startTime: s, endTime: "add_minutes(s, `30`)", staffId: "'7'"}
    output: steps.slots
"""


def provider_windows(req: httpx.Request) -> httpx.Response:
    """A 24-hour business: one window per local day, midnight to midnight."""
    first = date.fromisoformat(req.url.params["from"])
    last = date.fromisoformat(req.url.params["to"])
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    return httpx.Response(200, json={"windows": [
        {"start": f"{d}T00:00:00", "finish": f"{d + timedelta(days=1)}T00:00:00"} for d in days]})


def run_availability(zone: str, first: date, last: date) -> list[dict[str, Any]]:
    runner = Runner(parse_spec(SPEC, "demo.yaml"), Connection("conn_dst", "demo", "live", {"tz": zone}, {}),
                    transport=Transport(httpx.Client(transport=httpx.MockTransport(provider_windows))))
    output = runner.run("availability.list", {"startDate": first.isoformat(), "endDate": last.isoformat()})
    return clean_slots(output, first, last, runner.zone)


@pytest.mark.parametrize("zone", ZONES)
def test_availability_over_each_change_through_runner_and_shaping(zone: str) -> None:
    changes = transitions(zone) or (datetime(2027, 3, 28, 1, tzinfo=UTC),)
    for t in changes:
        day = wall(t, zone).date()
        first, last = day - timedelta(days=1), day + timedelta(days=1)
        slots = run_availability(zone, first, last)
        expected = []
        for d in (first, day, last):
            midnight = datetime.combine(d, datetime.min.time())
            expected += expected_slots(midnight, midnight + timedelta(days=1), 30, 30, zone)
        assert [s["startTime"] for s in slots] == [tzs.format_utc(u) for _, u in expected], (zone, day)
        for slot, (local, _) in zip(slots, expected, strict=True):
            assert tzs.utc_to_local(slot["startTime"], zone) == local
            assert first <= local.date() <= last
        per_day = {d: sum(1 for local, _ in expected if local.date() == d) for d in (first, day, last)}
        assert per_day[first] == per_day[last] == 48  # ordinary days: every half hour
        gap_or_fold = abs(wall(t, zone) - wall(t - MINUTE, zone) - MINUTE) if transitions(zone) else timedelta(0)
        assert per_day[day] in (48, 48 - gap_or_fold // timedelta(minutes=30)), "only nonexistent times missing"
