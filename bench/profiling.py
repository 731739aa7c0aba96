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
    for (filename, line, name), (_, ncalls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        entries.append({"function": where(filename, line, name), "calls": round(ncalls / calls, 1),
                        "tottime_ms": round(tottime * 1000 / calls, 3), "cumtime_ms": round(cumtime * 1000 / calls, 3)})
    return {"calls": calls, "wall_ms_per_call_profiled": round(wall, 2),
            "top_cumulative": sorted(entries, key=lambda e: e["cumtime_ms"], reverse=True)[:top],
            "top_self": sorted(entries, key=lambda e: e["tottime_ms"], reverse=True)[:top]}
