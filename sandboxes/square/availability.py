"""Availability arithmetic for the Square sandbox: working hours minus bookings.

Pure functions over aware datetimes, kept apart from HTTP handling so the rules (local-time
shifts across DST, the alignment grid, back-to-back segments) are easy to read and test.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sandboxes.square.seed import Shift

Interval = tuple[datetime, datetime]


@dataclass(frozen=True)
class SegmentSpec:
    """One requested appointment segment: a service variation and who may perform it."""

    variation_id: str
    variation_version: int
    minutes: int
    candidates: tuple[str, ...]  # team member ids, in the order results should list them


def local_to_utc(day: date, hhmm: str, zone: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall-clock time, or None if it does not exist (DST gap)."""
    hour, minute = (int(p) for p in hhmm.split(":"))
    naive = datetime.combine(day, time(hour, minute))
    aware = naive.replace(tzinfo=zone)
    utc = aware.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != naive:
        return None  # skipped by a spring-forward jump
    return utc


def shift_windows(shifts: Iterable[Shift], location_id: str, day: date, zone: ZoneInfo) -> list[Interval]:
    """The UTC working intervals of ``shifts`` at ``location_id`` on local date ``day``."""
    out: list[Interval] = []
    for shift in shifts:
        if shift.location_id != location_id or shift.weekday != day.weekday():
            continue
        start, end = local_to_utc(day, shift.start, zone), local_to_utc(day, shift.end, zone)
        if start is not None and end is not None and start < end:
            out.append((start, end))
    return out


def overlaps(a: Interval, b: Interval) -> bool:
    """Half-open interval overlap: back-to-back appointments do not collide."""
    return a[0] < b[1] and b[0] < a[1]


def is_free(
    member: str,
    interval: Interval,
    location_id: str,
    zone: ZoneInfo,
    schedules: dict[str, list[Shift]],
    busy: dict[str, list[Interval]],
) -> bool:
    """Whether ``member`` works at ``location_id`` for all of ``interval`` and has nothing booked in it."""
    local_day = interval[0].astimezone(zone).date()
    inside = any(
        w_start <= interval[0] and interval[1] <= w_end
        for w_start, w_end in shift_windows(schedules.get(member, []), location_id, local_day, zone)
    )
    return inside and not any(overlaps(interval, b) for b in busy.get(member, []))


def _grid_starts(
    segments: Sequence[SegmentSpec], location_id: str, day: date, zone: ZoneInfo,
    schedules: dict[str, list[Shift]], step_minutes: int,
) -> set[datetime]:
    """Candidate start instants on ``day``: the alignment grid inside any first-segment shift.

    The grid is anchored to local midnight, so HALF_HOURLY means :00 and :30 wall-clock times
    on both sides of a DST change.
    """
    starts: set[datetime] = set()
    for member in segments[0].candidates:
        for shift in schedules.get(member, []):
            if shift.location_id != location_id or shift.weekday != day.weekday():
                continue
            sh, sm = (int(p) for p in shift.start.split(":"))
            eh, em = (int(p) for p in shift.end.split(":"))
            minute = -(-(sh * 60 + sm) // step_minutes) * step_minutes  # round up to the grid
            while minute < eh * 60 + em:
                utc = local_to_utc(day, f"{minute // 60:02d}:{minute % 60:02d}", zone)
                if utc is not None:
                    starts.add(utc)
                minute += step_minutes
    return starts


def _combinations(
    segments: Sequence[SegmentSpec], start: datetime, location_id: str, zone: ZoneInfo,
    schedules: dict[str, list[Shift]], busy: dict[str, list[Interval]],
) -> list[list[str]]:
    """Every assignment of team members to back-to-back segments starting at ``start``."""
    results: list[list[str]] = []

    def walk(index: int, at: datetime, chosen: list[str], extra: dict[str, list[Interval]]) -> None:
        if index == len(segments):
            results.append(list(chosen))
            return
        seg = segments[index]
        interval = (at, at + timedelta(minutes=seg.minutes))
        for member in seg.candidates:
            # the same person may do consecutive segments, but not two at once
            member_busy = {member: busy.get(member, []) + extra.get(member, [])}
            if is_free(member, interval, location_id, zone, schedules, member_busy):
                extra.setdefault(member, []).append(interval)
                chosen.append(member)
                walk(index + 1, interval[1], chosen, extra)
                chosen.pop()
                extra[member].pop()

    walk(0, start, [], {})
    return results


def search(
    *,
    segments: Sequence[SegmentSpec],
    location_id: str,
    zone: ZoneInfo,
    range_start: datetime,
    range_end: datetime,
    earliest: datetime,
    latest: datetime,
    schedules: dict[str, list[Shift]],
    busy: dict[str, list[Interval]],
    step_minutes: int,
) -> list[tuple[datetime, list[str]]]:
    """Bookable starts in ``[range_start, range_end)`` (and within the lead-time window).

    Returns ``(start, team members per segment)`` pairs, ordered by start, then by the
    candidates' order. Every segment must fit inside its performer's shift and clear their
    bookings; segments run back to back.
    """
    if not segments or not segments[0].candidates:
        return []
    first_day = range_start.astimezone(zone).date() - timedelta(days=1)
    last_day = range_end.astimezone(zone).date() + timedelta(days=1)
    out: list[tuple[datetime, list[str]]] = []
    day = first_day
    while day <= last_day:
        for start in sorted(_grid_starts(segments, location_id, day, zone, schedules, step_minutes)):
            if not (range_start <= start < range_end and earliest <= start <= latest):
                continue
            for combo in _combinations(segments, start, location_id, zone, schedules, busy):
                out.append((start, combo))
        day += timedelta(days=1)
    return out
