"""Local wall-clock <-> absolute time helpers for a DST zone, and slot generation.

DigitalBooker speaks naive local ``date`` + ``HH:mm``. Everything that compares
times (conflicts, "in the past", fits in work hours) is done in aware UTC so a
booking that spans a DST transition has its real length.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime | None:
    """Aware UTC instant of a local wall time, or ``None`` if that wall time does not exist.

    Repeated wall times (the fall-back hour) resolve to their first occurrence
    (``fold=0``, still summer time), since a naive ``HH:mm`` cannot say otherwise.
    """
    naive = datetime.combine(day, at)
    instant = naive.replace(tzinfo=zone).astimezone(UTC)
    # A nonexistent wall time does not survive the round trip (zoneinfo shifts it by the gap).
    if instant.astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return instant


def boundary_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Instant of a work-hours boundary; a nonexistent boundary maps to the end of the gap."""
    return datetime.combine(day, at).replace(tzinfo=zone).astimezone(UTC)


def local_hhmm(instant: datetime, zone: ZoneInfo) -> str:
    """``HH:mm`` of an aware instant on the local wall clock."""
    return instant.astimezone(zone).strftime("%H:%M")


def local_stamp(instant: datetime, zone: ZoneInfo) -> str:
    """``YYYY-MM-DD HH:mm:ss`` local: the sandbox's datetime format (the real one is undocumented)."""
    return instant.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


@dataclass(frozen=True)
class Slot:
    """One candidate start: the local wall time plus its absolute span."""

    local_start: time
    start: datetime  # aware UTC
    end: datetime  # aware UTC


def candidate_slots(
    day: date, windows: list[tuple[time, time]], duration: int, interval: int, zone: ZoneInfo
) -> Iterator[Slot]:
    """Starts stepped on the local wall clock from each window's opening, fitting before its close.

    Stepping on the wall clock (not in absolute time) keeps offered times on the
    business's grid (09:00, 09:30, …) across DST; nonexistent wall times are skipped.
    """
    step = timedelta(minutes=interval)
    length = timedelta(minutes=duration)
    for open_at, close_at in windows:
        close_instant = boundary_to_utc(day, close_at, zone)
        open_instant = boundary_to_utc(day, open_at, zone)
        cursor = datetime.combine(day, open_at)
        stop = datetime.combine(day, close_at)
        while cursor < stop:
            start = local_to_utc(day, cursor.time(), zone)
            if start is not None and start >= open_instant and start + length <= close_instant:
                yield Slot(cursor.time(), start, start + length)
            cursor += step


def fits_windows(
    day: date, windows: list[tuple[time, time]], start: datetime, end: datetime, zone: ZoneInfo
) -> bool:
    """True when ``[start, end)`` lies inside one work-hours window of ``day``."""
    return any(
        boundary_to_utc(day, open_at, zone) <= start and end <= boundary_to_utc(day, close_at, zone)
        for open_at, close_at in windows
    )


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open interval overlap: back-to-back bookings do not conflict."""
    return a_start < b_end and b_start < a_end
