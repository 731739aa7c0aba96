"""Provider local time <-> UTC, deliberate about DST gaps and folds.

Rules (also in docs/spec-reference.md):

- A naive provider time that does not exist in the zone (the spring-forward gap) is
  never offered: :func:`local_to_utc` returns ``None`` for it.
- A naive provider time that exists twice (the fall-back fold) means its first
  occurrence (``fold=0``): the provider cannot tell the two apart, so Aptura offers
  and books only that one. :func:`utc_to_local` refuses the second occurrence, which
  the provider could not represent.
- Values that already carry an offset or ``Z`` are instants; the zone is ignored.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aptura.errors import AptError

UTC = UTC


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; raises a validation error for an unknown zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise AptError(f"unknown time zone {name!r}", code="validation_error") from exc


def parse_datetime(value: str) -> datetime:
    """Parse ISO-8601-ish text: ``T`` or space separator, optional seconds, ``Z``/offset, date only."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time())
    except ValueError as exc:
        raise AptError(f"not a date-time: {value!r}", code="provider_error") from exc


def exists(local: datetime, tz: ZoneInfo) -> bool:
    """Whether the naive wall time ``local`` occurs in ``tz`` (False inside a DST gap)."""
    aware = local.replace(tzinfo=tz)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == local


def is_second_occurrence(aware_local: datetime) -> bool:
    """True when an aware local time is the repeated (``fold=1``) hour of a fall-back."""
    if aware_local.fold == 0:
        return False
    return aware_local.utcoffset() != aware_local.replace(fold=0).utcoffset()


def local_to_utc(value: str | datetime, zone_name: str) -> datetime | None:
    """Convert a provider time to an aware UTC datetime; ``None`` if it falls in a DST gap."""
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if parsed.tzinfo is not None:
        return parsed.astimezone(UTC)
    tz = zone(zone_name)
    if not exists(parsed, tz):
        return None
    return parsed.replace(tzinfo=tz, fold=0).astimezone(UTC)


def utc_to_local(value: str | datetime, zone_name: str) -> datetime:
    """Convert an instant to the naive wall time a provider in ``zone_name`` expects.

    Raises a 422 for an instant in the repeated hour of a fall-back: that wall time
    already means the first occurrence to the provider.
    """
    parsed = parse_datetime(value) if isinstance(value, str) else value
    if parsed.tzinfo is None:
        raise AptError(f"time {value!s} has no offset; Aptura times are UTC with 'Z'", code="validation_error")
    local = parsed.astimezone(zone(zone_name))
    if is_second_occurrence(local):
        raise AptError(
            f"{format_utc(parsed)} is in the repeated hour of a daylight-saving change in {zone_name}; "
            "the provider cannot represent it",
            code="unprocessable",
            details={"startTime": ["ambiguous local time"]},
        )
    return local.replace(tzinfo=None)


def format_utc(value: datetime) -> str:
    """Aptura's outbound time format: UTC, ISO-8601, seconds, ``Z``."""
    # strftime("%Y") does not zero-pad years before 1000 on Linux; isoformat does.
    return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


def format_local(value: datetime, fmt: str | None = None) -> str:
    """A naive wall time as ISO ``YYYY-MM-DDTHH:MM:SS`` or with a strftime pattern."""
    return value.strftime(fmt) if fmt else value.replace(microsecond=0, tzinfo=None).isoformat()


def slot_starts(start: str, end: str, step_minutes: int, length_minutes: int, zone_name: str) -> list[datetime]:
    """Starts of slots inside a provider window, as aware UTC datetimes.

    Candidate starts step through the window in wall-clock time (a business's slots
    are at 9:00, 9:15, ... on every day, DST or not); starts in a DST gap are skipped;
    a slot is kept when start + length (real elapsed minutes) is not after the
    window's end. ``end`` may equal the last allowed start when ``length_minutes`` is 0.
    """
    if step_minutes <= 0:
        raise AptError("slot step must be positive", code="provider_error")
    first = parse_datetime(start)
    last = parse_datetime(end)
    tz = zone(zone_name)
    start_utc_min: datetime | None = None
    if first.tzinfo is not None:
        # Instants: still step in the zone's wall time, but the bounds stay instants. A window
        # inside a repeated hour must not be read as that hour's first run, so candidates go up
        # to two hours past the end's wall time and the instants decide.
        start_utc_min, end_utc = first.astimezone(UTC), last.astimezone(UTC)
        first = first.astimezone(tz).replace(tzinfo=None)
        last = last.astimezone(tz).replace(tzinfo=None) + timedelta(hours=2)
    else:
        end_utc = local_to_utc(last, zone_name) or last.replace(tzinfo=tz).astimezone(UTC)
    length = timedelta(minutes=length_minutes)
    out: list[datetime] = []
    current = first
    step = timedelta(minutes=step_minutes)
    while current <= last:
        start_utc = local_to_utc(current, zone_name)
        if (start_utc is not None and start_utc + length <= end_utc
                and (start_utc_min is None or start_utc >= start_utc_min)):
            out.append(start_utc)
        current += step
    return out
