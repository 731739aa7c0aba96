"""Sweep: overhead against provider latency, fan-out time against window length.

    python -m bench.sweep [--out bench/sweep-after.json] [--moto]
    python -m bench.run --only sweep        (into sections.sweep of bench/results.json)

Overhead is :func:`bench.overhead.measure` at each of :data:`LATENCIES_MS`; fan-out is the
TimeTap and DigitalBooker cases of :mod:`bench.fanout` (one staff member) at each window of
:data:`WINDOWS_DAYS`, starting on a Monday, at :data:`bench.env.LATENCY_MS`. Sample counts
are small (a sweep takes a few minutes on 2 shared cores): read the curves, not the digits.
Plot with ``python -m bench.plots``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench.env import LATENCY_MS, ROOT

LATENCIES_MS = [0, 25, 50, 100, 200]
WINDOWS_DAYS = [1, 7, 14, 28]
FANOUT_PROVIDERS = ["timetap", "digitalbooker"]
START = date(2027, 1, 11)  # a Monday


def window(days: int) -> tuple[str, str]:
    """Start and end dates (inclusive) of a ``days``-long window from :data:`START`."""
    return START.isoformat(), (START + timedelta(days=days - 1)).isoformat()


def measure(stack: Any, overhead_requests: int = 20, fanout_requests: int = 3,
            latencies_ms: list[int] | None = None, windows_days: list[int] | None = None) -> dict[str, Any]:
    from bench import fanout, overhead

    out: dict[str, Any] = {"overhead": [], "fanout": [], "fanout_latency_ms": LATENCY_MS}
    overhead.warm_up(stack, 30)
    for latency in latencies_ms or LATENCIES_MS:
        o = overhead.measure(stack, requests=overhead_requests, latency_ms=latency)
        out["overhead"].append({"latency_ms": latency, "handler_p50_ms": o["handler_ms"]["p50"],
                                "direct_p50_ms": o["direct_ms"]["p50"], "added_p50_ms": o["added_p50_ms"],
                                "ratio_p50": o["ratio_p50"], "requests": overhead_requests})
    cases = [c for c in fanout.CASES if c.name in FANOUT_PROVIDERS]
    for case in cases:
        demo = stack.demos[case.provider]
        for days in windows_days or WINDOWS_DAYS:
            start, end = window(days)
            q = {"serviceId": demo["service_id"], "staffId": demo["staff_id"], "startDate": start, "endDate": end}
            stack.prepare(case.provider, LATENCY_MS)
            run = fanout._run(stack, case, q, fanout_requests, LATENCY_MS)
            out["fanout"].append({"provider": case.provider, "window_days": days,
                                  "provider_calls": run["provider_calls"], "rounds": run["rounds"],
                                  "handler_p50_ms": run["handler_ms"]["p50"],
                                  "handler_p99_ms": run["handler_ms"]["p99"],
                                  "cpu_p50_ms": run["aptura_cpu_ms"]["p50"],
                                  "requests": fanout_requests})
            stack.admin(case.provider, "faults", {"latency_ms": 0})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "bench" / "sweep-after.json"))
    parser.add_argument("--label", default="after")
    parser.add_argument("--moto", action="store_true")
    args = parser.parse_args(argv)
    from bench.env import start_stack

    stack = start_stack(["mindbody", "timetap", "digitalbooker"], use_dynamodb_local=not args.moto)
    try:
        result = {"label": args.label, "sections": {"sweep": measure(stack)}}
    finally:
        stack.stop()
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["sections"]["sweep"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
