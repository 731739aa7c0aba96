"""Time handling and availability arithmetic for the SuperSaaS sandbox (no HTTP here).

SuperSaaS speaks naive wall-clock times in the schedule's zone (``YYYY-MM-DD HH:MM:SS``) and
naive UTC for ``created_on``/``updated_on``; this module converts between them and computes
free spaces as opening hours minus bookings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sandboxes.supersaas.seed import Booking, Resource, Schedule, SlotTemplate, slot_id

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
ISO_T_FORMAT = "%Y-%m-%dT%H:%M:%S"
# Date, optionally followed by a time with or without seconds; " " or "T" as separator.
_DATETIME = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def fmt(value: datetime | None, style: str = "space") -> str | None:
    """Render a naive time the way SuperSaaS does (``style="iso"`` uses a ``T`` separator)."""
    if value is None:
        return None
    return value.strftime(ISO_T_FORMAT if style == "iso" else TIME_FORMAT)


def parse_time(value: str) -> datetime:
    """Parse ``YYYY-MM-DD[ HH:MM[:SS]]`` (space, ``+``-decoded space or ``T``) into a naive datetime.

    Raises ``ValueError`` for anything else, including values with a UTC offset: SuperSaaS
    inputs are always wall-clock times, so an offset signals a client bug worth surfacing.
    """
    match = _DATETIME.match(value.strip())
    if not match:
        raise ValueError(f"not a time: {value!r}")
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in match.groups())
    return datetime(y, mo, d, h, mi, s)


def utc_naive(moment: datetime) -> datetime:
    """An aware instant as naive UTC (how ``created_on``/``updated_on`` are kept)."""
    return moment.astimezone(UTC).replace(tzinfo=None, microsecond=0)


def to_local(moment: datetime, zone: ZoneInfo) -> datetime:
    """An aware instant as naive wall-clock time in ``zone``."""
    return moment.astimezone(zone).replace(tzinfo=None)


def to_instant(local: datetime, zone: ZoneInfo) -> datetime:
    """A naive wall-clock time in ``zone`` as an aware UTC instant (first occurrence on fall-back)."""
    return local.replace(tzinfo=zone).astimezone(UTC)


def ceil_minutes(value: datetime, step: int) -> datetime:
    """Round ``value`` up to the next multiple of ``step`` minutes (seconds dropped)."""
    floored = value.replace(second=0, microsecond=0)
    if floored < value:
        floored += timedelta(minutes=1)
    extra = (floored.hour * 60 + floored.minute) % step
    return floored + timedelta(minutes=(step - extra) % step)


def opening_window(schedule: Schedule, day: date) -> tuple[datetime, datetime] | None:
    """The local opening hours of ``schedule`` on ``day``, or ``None`` when closed."""
    hours = schedule.hours.get(day.weekday())
    if hours is None:
        return None
    return datetime.combine(day, hours[0]), datetime.combine(day, hours[1])


def within_opening_hours(schedule: Schedule, start: datetime, finish: datetime) -> bool:
    """True when ``[start, finish)`` lies inside one day's opening hours."""
    window = opening_window(schedule, start.date())
    return window is not None and window[0] <= start and finish <= window[1]


def overlaps(a_start: datetime, a_finish: datetime, b_start: datetime, b_finish: datetime) -> bool:
    """Half-open interval overlap: back-to-back appointments do not collide."""
    return a_start < b_finish and b_start < a_finish


@dataclass(frozen=True)
class Slot:
    """One dated occurrence of a capacity schedule's recurring slot."""

    id: int
    template: SlotTemplate
    start: datetime
    finish: datetime


def slot_by_id(schedule: Schedule, ident: int) -> Slot | None:
    """Resolve a slot id (``YYYYMMDDnn``) of ``schedule``; ``None`` if no such slot exists."""
    text = str(ident)
    if len(text) != 10 or not text.isdigit():
        return None
    try:
        day = datetime.strptime(text[:8], "%Y%m%d").date()
    except ValueError:
        return None
    for template in schedule.slot_templates:
        if template.index == int(text[8:]) and day.weekday() in template.weekdays:
            return _slot(day, template)
    return None


def slots_between(schedule: Schedule, start: datetime, end: datetime) -> Iterator[Slot]:
    """Slots of a capacity schedule starting in ``[start, end)``, in start order."""
    day = start.date()
    while datetime.combine(day, datetime.min.time()) < end:
        todays = [_slot(day, t) for t in schedule.slot_templates if day.weekday() in t.weekdays]
        for slot in sorted(todays, key=lambda s: (s.start, s.template.index)):
            if start <= slot.start < end:
                yield slot
        day += timedelta(days=1)


def _slot(day: date, template: SlotTemplate) -> Slot:
    return Slot(slot_id(day, template), template, datetime.combine(day, template.start),
                datetime.combine(day, template.finish))


Interval = tuple[datetime, datetime]


def gaps(window: Interval, busy: Iterable[Interval]) -> list[Interval]:
    """The parts of ``window`` not covered by ``busy`` intervals."""
    cursor, end = window
    free: list[Interval] = []
    for b_start, b_finish in sorted(busy):
        if b_finish <= cursor or b_start >= end:
            continue
        if b_start > cursor:
            free.append((cursor, b_start))
        cursor = max(cursor, b_finish)
    if cursor < end:
        free.append((cursor, end))
    return free


@dataclass(frozen=True)
class FreeSpace:
    """A free interval of one resource."""

    resource: Resource
    start: datetime
    finish: datetime


def resource_free_spaces(
    schedule: Schedule,
    bookings: Iterable[Booking],
    lower: datetime,
    length_minutes: int,
    resources: list[Resource],
    max_results: int,
    horizon_days: int,
) -> list[FreeSpace]:
    """Free intervals per resource from ``lower`` on: opening hours minus live bookings.

    Intervals already running at ``lower`` are clipped to start there; only intervals of at
    least ``length_minutes`` count. Results are ordered by start, then by resource order, and
    stop after ``max_results`` so callers page by moving ``lower`` forward.
    """
    busy: dict[int, list[tuple[datetime, datetime]]] = {r.id: [] for r in resources}
    for booking in bookings:
        if not booking.deleted and booking.resource_id in busy:
            busy[booking.resource_id].append((booking.start, booking.finish))
    need = timedelta(minutes=length_minutes)
    out: list[FreeSpace] = []
    for offset in range(horizon_days + 1):
        window = opening_window(schedule, lower.date() + timedelta(days=offset))
        if window is None:
            continue
        todays: list[tuple[datetime, int, FreeSpace]] = []
        for order, resource in enumerate(resources):
            for start, finish in gaps(window, busy[resource.id]):
                start = max(start, lower)
                if finish - start >= need:
                    todays.append((start, order, FreeSpace(resource, start, finish)))
        for _, _, space in sorted(todays, key=lambda item: (item[0], item[1])):
            out.append(space)
            if len(out) >= max_results:
                return out
    return out
