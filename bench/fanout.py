"""Fan-out: a 28-day availability window on providers that need one call per day (TimeTap)
or per week (DigitalBooker), with injected latency, as a multiple of one provider call.

"One provider call" is measured, not assumed: one of the captured per-day (per-week)
requests replayed directly, at the same latency. The run also counts the provider calls
(engine log and sandbox log must agree) and the *rounds* they went out in: a call that
leaves at least 90% of the injected latency after the current round began starts a new
round (a call that waited for an answer cannot leave sooner), so calls sent together by
one concurrent step share a round. Rounds x one call is the floor the spec's step
structure allows; the rest is Aptura's own time (its CPU time is measured too) and AWS.

The profile runs the same request at zero latency with the fan-out step's concurrency set
to 1, because cProfile only sees the thread that enables it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx

from bench.env import LATENCY_MS, CapturedRequest, Stack, percentile, summary, timed_invoke, warm_invoke
from bench.overhead import direct_client, replay
from bench.profiling import profile_calls

TARGET_MULTIPLE = 3.0
START, END = "2027-01-11", "2027-02-07"  # 28 days, Monday to Sunday (whole DigitalBooker weeks)


@dataclass(frozen=True)
class Case:
    name: str
    provider: str
    per: str  # what one provider call covers
    marker: str  # a path fragment of the per-day/per-week request
    step: str  # the spec step that fans out
    staff: bool = True  # pass the demo staff member
    what_if: int | None = None  # a concurrency for ``step`` to try as well
    profile: bool = True


CASES = [
    Case("timetap", "timetap", "day", "/availability/", "days", what_if=32),
    Case("timetap, all staff", "timetap", "day x staff member", "/availability/", "days", staff=False, profile=False),
    Case("digitalbooker", "digitalbooker", "week", "/available", "available"),
]


def rounds(requests: list[CapturedRequest], latency_ms: float) -> int:
    """How many sequential rounds the requests went out in (see module docs)."""
    count, round_start = 0, None
    for req in sorted(requests, key=lambda r: r.sent_at):
        if round_start is None or (req.sent_at - round_start) * 1000 >= latency_ms * 0.9:
            count, round_start = count + 1, req.sent_at
    return count


@contextmanager
def concurrency(provider: str, step_id: str, value: int) -> Iterator[None]:
    """Temporarily run ``step_id`` of the provider's availability.list with ``value`` workers."""
    from aptura.spec.loader import load_spec

    step = next(s for s in load_spec(provider).operations["availability.list"].steps  # type: ignore[index]
                if s.id == step_id)
    old = step.concurrency
    step.concurrency = value
    try:
        yield
    finally:
        step.concurrency = old


def _run(stack: Stack, case: Case, q: dict[str, Any], requests: int, latency_ms: float) -> dict[str, Any]:
    warm_invoke(stack, case.provider, "GET", "/v1/availability", q)
    before = len(stack.sandbox_requests(case.provider))
    with stack.provider_calls.recording() as sent:
        warm_invoke(stack, case.provider, "GET", "/v1/availability", q)
    received = stack.sandbox_requests(case.provider)[before:]
    if len(sent) != len(received):
        raise RuntimeError(f"{case.name}: the engine sent {len(sent)} calls, the sandbox received {len(received)}")
    sequential = rounds(list(sent), latency_ms)
    times = [timed_invoke(stack, case.provider, "GET", "/v1/availability", q) for _ in range(requests)]
    slots = len((times[0].body or {}).get("slots") or []) if isinstance(times[0].body, dict) else 0
    return {"provider_calls": len(sent), "rounds": sequential, "handler_ms": summary([t.wall_ms for t in times]),
            "slots": slots,
            "aptura_cpu_ms": summary([t.cpu_ms for t in times]),
            "sample": [r for r in sent if case.marker in r.url][:1]}


def measure(stack: Stack, requests: int = 8, latency_ms: float = LATENCY_MS,
            profile_requests: int = 10) -> list[dict[str, Any]]:
    """Every case of :data:`CASES` (plus its what-if) at ``latency_ms``."""
    out = []
    for case in CASES:
        demo = stack.demos[case.provider]
        q = {"serviceId": demo["service_id"], "staffId": demo["staff_id"] if case.staff else None,
             "startDate": START, "endDate": END}
        stack.prepare(case.provider, latency_ms)
        run = _run(stack, case, q, requests, latency_ms)
        if not run["sample"]:
            raise RuntimeError(f"{case.name}: no request matching {case.marker!r} was sent")
        with direct_client() as client:
            replay(client, run["sample"])
            one_call = [replay(client, run["sample"]) for _ in range(max(requests, 10))]
        unit = percentile(one_call, 50)
        p50 = run["handler_ms"]["p50"]
        row: dict[str, Any] = {
            "case": case.name, "provider": case.provider, "one_call_per": case.per,
            "window_days": 28, "latency_ms": latency_ms,
            "provider_calls": run["provider_calls"], "rounds": run["rounds"], "slots": run["slots"],
            "one_call_ms": summary(one_call), "handler_ms": run["handler_ms"],
            "aptura_cpu_ms": run["aptura_cpu_ms"],
            "multiple_p50": round(p50 / unit, 2), "floor_ms": round(run["rounds"] * unit, 1),
            "one_call_request": f"GET {httpx.URL(run['sample'][0].url).path}",
            "target_multiple": TARGET_MULTIPLE, "met": p50 / unit <= TARGET_MULTIPLE,
        }
        if case.what_if is not None:
            with concurrency(case.provider, case.step, case.what_if):
                alt = _run(stack, case, q, requests, latency_ms)
            row["what_if"] = {"change": f"step {case.step!r} concurrency {case.what_if}", "rounds": alt["rounds"],
                              "handler_ms": alt["handler_ms"], "aptura_cpu_ms": alt["aptura_cpu_ms"],
                              "multiple_p50": round(alt["handler_ms"]["p50"] / unit, 2)}
        stack.admin(case.provider, "faults", {"latency_ms": 0})
        if case.profile:
            with concurrency(case.provider, case.step, 1):
                row["profile"] = profile_calls(partial(warm_invoke, stack, case.provider, "GET", "/v1/availability", q),
                                               profile_requests)
        out.append(row)
    return out
