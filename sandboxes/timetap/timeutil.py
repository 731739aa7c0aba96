"""Time helpers for the TimeTap sandbox.

TimeTap splits every moment into a ``YYYY-MM-DD`` date plus an ``HHmm`` integer ("military"
time, e.g. ``930`` = 09:30) in the location's zone, and its Calendar API renders moments as
JavaScript ``Date.toString()``-style strings. Keeping the conversions here lets the app code
work with naive local datetimes and aware UTC instants only.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_date(value: Any, name: str) -> date:
    """Parse a strict ``YYYY-MM-DD`` string; raises ``ValueError`` naming the parameter."""
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError(f"{name} must be formatted as YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} is not a valid date") from None


def parse_hhmm(value: Any, name: str) -> tuple[int, int]:
    """Parse an ``HHmm`` integer (or a string of digits) into ``(hour, minute)``."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    # bool is an int subclass; True must not read as 00:01
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an HHmm integer")  # noqa: TRY004 - callers map ValueError to a 400
    hour, minute = divmod(value, 100)
    if value < 0 or hour > 23 or minute > 59:
        raise ValueError(f"{name} must be an HHmm integer between 0 and 2359")
    return hour, minute


def to_hhmm(moment: datetime) -> int:
    """The ``HHmm`` integer of a (naive local) datetime."""
    return moment.hour * 100 + moment.minute


def local_to_utc(local: datetime, zone: str) -> datetime:
    """Interpret a naive wall-clock time in ``zone`` and return the aware UTC instant.

    Wall times inside a spring-forward gap resolve with ``fold=0`` (zoneinfo's default);
    the sandbox's working hours never include such times, so no booking can land there.
    """
    return local.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def utc_to_local(instant: datetime, zone: str) -> datetime:
    """The naive wall-clock time in ``zone`` of an aware instant."""
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def js_date(moment: datetime) -> str:
    """Render a datetime the way TimeTap's Calendar API does: ``Thu Jan 31 2019 09:00:00 UTC+0000``.

    The suffix is always ``UTC+0000`` as in the provider's examples; callers decide whether the
    wall time they pass is UTC or location-local (see the README).
    """
    return (
        f"{_DAYS[moment.weekday()]} {_MONTHS[moment.month - 1]} {moment.day:02d} {moment.year} "
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} UTC+0000"
    )


def epoch_ms(instant: datetime) -> int:
    """Milliseconds since the Unix epoch of an aware instant."""
    return int(instant.timestamp() * 1000)
