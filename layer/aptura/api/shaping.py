"""Unified-API rules applied after a provider answers, the same for every provider."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from aptura.engine.timezones import UTC, parse_datetime, zone
from aptura.errors import ProviderError


def window_bounds(start: date, end: date, zone_name: str) -> tuple[datetime, datetime]:
    """The UTC instants bounding local days ``start``..``end`` (inclusive) in ``zone_name``."""
    tz = zone(zone_name)
    first = datetime.combine(start, datetime.min.time()).replace(tzinfo=tz).astimezone(UTC)
    after = datetime.combine(end + timedelta(days=1), datetime.min.time()).replace(tzinfo=tz).astimezone(UTC)
    return first, after


def clean_slots(slots: Any, start: date, end: date, zone_name: str) -> list[dict[str, Any]]:
    """Slots inside the requested local days, each once, ordered by start then staff.

    Providers answer in whole days or weeks, may repeat a slot across pages and
    rarely sort; callers get the same guarantees from every provider.
    """
    if slots is None:
        return []
    if not isinstance(slots, list):
        raise ProviderError("the provider's availability could not be mapped")
    first, after = window_bounds(start, end, zone_name)
    seen: set[tuple[str, str]] = set()
    out: list[tuple[datetime, str, dict[str, Any]]] = []
    for slot in slots:
        if not isinstance(slot, dict) or not slot.get("startTime") or not slot.get("endTime"):
            continue
        begins = parse_datetime(slot["startTime"])
        if begins.tzinfo is None or not first <= begins < after:
            continue
        staff = "" if slot.get("staffId") is None else str(slot["staffId"])
        key = (slot["startTime"], staff)
        if key in seen:
            continue
        seen.add(key)
        out.append((begins, staff, {**slot, "staffId": staff or None}))
    out.sort(key=lambda entry: (entry[0], entry[1]))
    return [entry[2] for entry in out]
