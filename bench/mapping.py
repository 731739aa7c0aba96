"""Mapping throughput: slots per second through a spec's compiled ``availability.list``
output template vs. the same mapping written by hand in Python.

The input is a synthetic provider answer shaped like the sandbox's (28 days x 3 staff
members x 16 slots). Each hand-written mapper is checked to produce exactly the
template's output before anything is timed, so the comparison is like for like.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

DAYS, STAFF, SLOTS = 28, 3, 16
ZONE = "America/New_York"
FMT = "%Y-%m-%dT%H:%M:%SZ"
FIRST_DAY = datetime(2027, 1, 11)


def _staff() -> list[dict[str, Any]]:
    return [{"staffId": str(512001 + i), "staffName": f"Staff Member {i}"} for i in range(STAFF)]


# -- TimeTap: provider-local HHmm times per day and staff member ---------------------------------


def timetap_context() -> dict[str, Any]:
    days = []
    for d in range(DAYS):
        date = (FIRST_DAY + timedelta(days=d)).date().isoformat()
        for member in _staff():
            slots = [{"date": date, "startTime": 900 + 30 * (i % 2) + 100 * (i // 2),
                      "endTime": 930 + 30 * (i % 2) + 100 * (i // 2) + 10,  # a 10-minute buffer
                      "clientStartTime": 900 + 30 * (i % 2) + 100 * (i // 2),
                      "clientEndTime": 930 + 70 * (i % 2) + 100 * (i // 2)} for i in range(SLOTS)]
            pair: dict[str, Any] = {"date": date, "ymd": date.split("-"), **member}
            days.append({"pair": pair, "slots": slots})
    return {"steps": {"days": days}, "zone": ZONE, "input": {}}


def _hhmm_minutes(value: int) -> int:
    return (value // 100) * 60 + value % 100


def timetap_by_hand(ctx: dict[str, Any]) -> list[dict[str, Any]]:
    """specs/timetap.yaml's availability output, written directly."""
    tz = ZoneInfo(ctx["zone"])
    out = []
    for day in ctx["steps"]["days"]:
        pair = day["pair"]
        year, month, dom = (int(p) for p in pair["date"].split("-"))
        for slot in day["slots"] or []:
            start = slot.get("startTime")
            if start is None:
                continue
            local = datetime(year, month, dom, start // 100, start % 100)
            utc = local.replace(tzinfo=tz).astimezone(UTC)
            if utc.astimezone(tz).replace(tzinfo=None) != local:  # in a DST gap: never offered
                continue
            client_start = slot.get("clientStartTime")
            client_end = slot.get("clientEndTime")
            minutes = (_hhmm_minutes(client_end if client_end is not None else slot["endTime"])
                       - _hhmm_minutes(client_start if client_start is not None else start))
            out.append({"startTime": utc.strftime(FMT), "endTime": (utc + timedelta(minutes=minutes)).strftime(FMT),
                        "staffId": pair["staffId"], "staffName": pair["staffName"]})
    return out


# -- Square: UTC instants, staff names looked up in the booking profiles ------------------------------


def square_context() -> dict[str, Any]:
    staff = [{"team_member_id": f"TM{i}", "display_name": f"Staff Member {i}"} for i in range(STAFF)]
    windows = []
    for d in range(DAYS):
        day = FIRST_DAY + timedelta(days=d, hours=14)
        windows.append([{"start_at": (day + timedelta(minutes=30 * i)).strftime(FMT), "location_id": "L1",
                         "appointment_segments": [{"duration_minutes": 30, "team_member_id": m["team_member_id"],
                                                   "service_variation_id": "SV1", "service_variation_version": 1}]}
                        for m in staff for i in range(SLOTS)])
    return {"steps": {"windows": windows, "staff": staff, "service": {"minutes": 30}}, "zone": ZONE, "input": {}}


def square_by_hand(ctx: dict[str, Any]) -> list[dict[str, Any]]:
    """specs/square.yaml's availability output, written directly."""
    steps = ctx["steps"]
    names = {s["team_member_id"]: s.get("display_name") for s in steps["staff"] or []}
    minutes = (steps.get("service") or {}).get("minutes")
    out = []
    for chunk in steps["windows"]:
        for a in chunk:
            start = datetime.fromisoformat(a["start_at"].replace("Z", "+00:00")).astimezone(UTC)
            segments = a.get("appointment_segments") or []
            length = minutes or sum(s.get("duration_minutes", 0) for s in segments)
            staff_id = segments[0].get("team_member_id") if segments else None
            slot = {"startTime": start.strftime(FMT), "endTime": (start + timedelta(minutes=length)).strftime(FMT),
                    "staffId": staff_id, "staffName": names.get(staff_id)}
            out.append({k: v for k, v in slot.items() if v is not None})
    return out


def _loops(fn: Callable[[], list[Any]], min_seconds: float) -> float:
    """Calls per second of ``fn`` over at least ``min_seconds``."""
    loops, started = 0, time.perf_counter()
    while True:
        fn()
        loops += 1
        elapsed = time.perf_counter() - started
        if elapsed >= min_seconds:
            return loops / elapsed


def _rates(spec: Callable[[], list[Any]], hand: Callable[[], list[Any]], min_seconds: float,
           repeats: int) -> tuple[float, float, float]:
    """Best calls/s of the spec's template, the hand-written mapper, and the template with one
    shared interpreter, measured in turn so all three see the same machine load."""
    best = [0.0, 0.0, 0.0]
    for _ in range(repeats):
        best[0] = max(best[0], _loops(spec, min_seconds))
        best[1] = max(best[1], _loops(hand, min_seconds))
        with shared_interpreter():
            best[2] = max(best[2], _loops(spec, min_seconds))
    return best[0], best[1], best[2]


CASES: list[tuple[str, Callable[[], dict[str, Any]], Callable[[dict[str, Any]], list[dict[str, Any]]]]] = [
    ("timetap", timetap_context, timetap_by_hand),
    ("square", square_context, square_by_hand),
]


def measure(min_seconds: float = 0.4, repeats: int = 3) -> list[dict[str, Any]]:
    """Slots/s of the compiled template and of the hand-written mapper, per spec."""
    from aptura.spec.loader import load_spec

    out = []
    for provider, make_ctx, by_hand in CASES:
        template = load_spec(provider).operations["availability.list"]._output  # type: ignore[index]
        ctx = make_ctx()
        compiled, hand = template.render(ctx), by_hand(ctx)
        if compiled != hand:
            raise AssertionError(f"{provider}: the hand-written mapping differs from the spec's output: "
                                 f"{compiled[:2]} vs {hand[:2]}")
        slots = len(hand)
        with shared_interpreter():
            if template.render(ctx) != compiled:
                raise AssertionError(f"{provider}: a shared JMESPath interpreter changes the output")
        spec_calls, hand_calls, shared_calls = _rates(partial(template.render, ctx), partial(by_hand, ctx),
                                                      min_seconds, repeats)
        spec_rate, hand_rate, shared_rate = spec_calls * slots, hand_calls * slots, shared_calls * slots
        out.append({"spec": provider, "slots_per_response": slots,
                    "compiled_slots_per_s": round(spec_rate), "hand_slots_per_s": round(hand_rate),
                    "hand_over_compiled": round(hand_rate / spec_rate, 2),
                    "compiled_us_per_slot": round(1e6 / spec_rate, 2), "hand_us_per_slot": round(1e6 / hand_rate, 2),
                    "what_if_shared_interpreter_slots_per_s": round(shared_rate),
                    "what_if_speedup": round(shared_rate / spec_rate, 2)})
    return out


@contextmanager
def shared_interpreter() -> Iterator[None]:
    """What if compiled expressions reused one JMESPath interpreter instead of building one per
    search (jmespath's ``ParsedResult.search`` does, losing its method cache each time)?"""
    from jmespath.visitor import TreeInterpreter

    from aptura.engine.functions import OPTIONS
    from aptura.spec import template

    interpreter = TreeInterpreter(OPTIONS)
    original = template.Compiled.search

    def search(self: Any, data: Any) -> Any:
        return interpreter.visit(self.parsed.parsed, data)

    template.Compiled.search = search  # type: ignore[method-assign]
    try:
        yield
    finally:
        template.Compiled.search = original  # type: ignore[method-assign]
