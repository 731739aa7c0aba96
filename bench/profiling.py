"""cProfile (stdlib) of repeated calls, reduced to the top entries per call.

cProfile sees only the thread that enables it, so callers profile with the engine's
concurrency set to 1: the same work, done in this thread.
"""

from __future__ import annotations

import cProfile
import io
import pstats
import time
from collections.abc import Callable
from typing import Any

from bench.env import ROOT

# Where a request's time goes: (label, file suffix, function); cumulative ms per request.
PHASES = [
    ("handler, in all", "aptura/api/app.py", "handler"),
    ("route function (list_availability)", "aptura/api/routes/availability.py", "list_availability"),
    ("use the API key (UpdateItem)", "aptura/store/keys.py", "use_api_key"),
    ("read the connection (GetItem)", "aptura/store/connections.py", "get_connection"),
    ("credentials (secret cache)", "aptura/store/connections.py", "read_credentials"),
    ("run the spec", "aptura/engine/runner.py", "run"),
    ("steps", "aptura/engine/runner.py", "_run_step"),
    ("provider HTTP exchanges", "aptura/engine/runner.py", "_send"),
    ("clean_slots", "aptura/api/shaping.py", "clean_slots"),
    ("AWS SDK calls (botocore)", "botocore/client.py", "_api_call"),
]
# Derived: (label, minuend label, subtrahend label).
DERIVED = [
    ("Powertools: validation, routing, serialisation", "handler, in all", "route function (list_availability)"),
    ("output mapping (spec output template)", "run the spec", "steps"),
    ("steps without HTTP (building requests, extracts)", "steps", "provider HTTP exchanges"),
]


def where(filename: str, line: int, name: str) -> str:
    """A short ``file:line(function)`` label (paths relative to the package root)."""
    for marker in ("/layer/", "/site-packages/", "/lib/python3.11/", f"{ROOT}/"):
        if marker in filename:
            filename = filename.split(marker, 1)[1]
            break
    return f"{filename}:{line}({name})" if line else name


def profile_calls(fn: Callable[[], Any], calls: int, top: int = 15) -> dict[str, Any]:
    """Run ``fn`` ``calls`` times under cProfile; the top entries by cumulative and by self time, per call."""
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    wall = (time.perf_counter() - started) * 1000 / calls
    stats = pstats.Stats(profiler, stream=io.StringIO())
    entries = []
    phases: dict[str, float] = {}
    for (filename, line, name), (_, ncalls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        entries.append({"function": where(filename, line, name), "calls": round(ncalls / calls, 1),
                        "tottime_ms": round(tottime * 1000 / calls, 3), "cumtime_ms": round(cumtime * 1000 / calls, 3)})
        for label, suffix, function in PHASES:
            if name == function and filename.endswith(suffix):
                phases[label] = phases.get(label, 0.0) + cumtime * 1000 / calls
    for label, minuend, subtrahend in DERIVED:
        if minuend in phases and subtrahend in phases:
            phases[label] = phases[minuend] - phases[subtrahend]
    return {"calls": calls, "wall_ms_per_call_profiled": round(wall, 2),
            "phases_ms": {label: round(phases[label], 2) for label, *_ in [*PHASES, *DERIVED] if label in phases},
            "top_cumulative": sorted(entries, key=lambda e: e["cumtime_ms"], reverse=True)[:top],
            "top_self": sorted(entries, key=lambda e: e["tottime_ms"], reverse=True)[:top]}
