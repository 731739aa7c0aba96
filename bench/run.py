"""``make bench``: run every measurement, print a table, write bench/results.json.

    python -m bench.run [--only overhead,fanout,awscalls,coldstart,mapping,events,sweep] [--quick] [--profile]

The method behind each figure is in the module of the same name and in docs/performance.md.
Targets that are missed are reported, not failed: the exit status is non-zero only when a
measurement could not run (or with ``--strict``, when a target is missed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.env import LATENCY_MS, ROOT

SECTIONS = ("mapping", "overhead", "fanout", "awscalls", "coldstart", "events", "sweep")
DEFAULT_SECTIONS = SECTIONS[:-1]  # the sweep (bench/sweep.py) runs only when asked: --only sweep
PROVIDERS = ["digitalbooker", "mindbody", "square", "timetap"]


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _profile_table(entries: list[dict[str, Any]]) -> str:
    return _table(["function", "calls", "self ms", "cum ms"],
                  [[e["function"][:90], e["calls"], e["tottime_ms"], e["cumtime_ms"]] for e in entries])


def _phases(profile: dict[str, Any]) -> str:
    return "  " + "; ".join(f"{label} {ms:g}" for label, ms in profile.get("phases_ms", {}).items())


def _mark(met: bool | None) -> str:
    return "-" if met is None else ("yes" if met else "NO")


def render(results: dict[str, Any]) -> str:
    """The human-readable report of ``results``."""
    out: list[str] = []
    m = results["machine"]
    out.append(f"Aptura benchmarks  {results['generated_at']}  python {m['python']}  {m['cpus']} CPUs  "
               f"load {m['load_before']} -> {m['load_after']}  DynamoDB: {results.get('aws_backend', '-')}")
    sections = results["sections"]
    if "overhead" in sections:
        o = sections["overhead"]
        cpu = o["aptura_cpu_ms_per_request"]
        out += ["", f"Overhead: {o['request']} on {o['provider']} ({o['provider_calls_per_request']} provider call: "
                f"{o['provider_request']}), {o['latency_ms']:g} ms injected latency, {o['handler_ms']['n']} requests",
                _table(["path", "p50 ms", "p99 ms", "mean ms"], [
                    ["handler (warm)", o["handler_ms"]["p50"], o["handler_ms"]["p99"], o["handler_ms"]["mean"]],
                    ["direct provider call", o["direct_ms"]["p50"], o["direct_ms"]["p99"], o["direct_ms"]["mean"]],
                    ["added", o["added_p50_ms"], o["added_p99_ms"], "-"],
                    ["  AWS calls (DynamoDB)", o["aws_ms_per_request"]["p50"], o["aws_ms_per_request"]["p99"],
                     o["aws_ms_per_request"]["mean"]],
                    *([["    on the critical path", o["aws_ms_on_critical_path"]["p50"],
                        o["aws_ms_on_critical_path"]["p99"], o["aws_ms_on_critical_path"]["mean"]]]
                      if "aws_ms_on_critical_path" in o else []),
                    ["  Aptura CPU time", cpu["p50"], cpu["p99"], cpu["mean"]],
                ]),
                f"ratio (p50) {o['ratio_p50']:.3f}  target <= {o['target_ratio']:.2f}: {_mark(o['met'])}"]
    if "profile" in sections and results.get("show_profile"):
        p = sections["profile"]
        out += ["", f"Profile: {p['request']}, {p['calls']} requests ({p['wall_ms_per_call_profiled']} ms each "
                f"under the profiler, {p['aws_ms_per_call']} ms of it in AWS calls). Phases (ms per request):",
                _phases(p), "Top by self ms per request:", _profile_table(p["top_self"])]
    if "fanout" in sections:
        rows = []
        for f in sections["fanout"]:
            rows.append([f["case"], f"1/{f['one_call_per']}", f["provider_calls"], f["rounds"], f["slots"],
                         f["one_call_ms"]["p50"], f["floor_ms"], f["handler_ms"]["p50"], f["handler_ms"]["p99"],
                         f["aptura_cpu_ms"]["p50"], f"{f['multiple_p50']}x", _mark(f["met"])])
            if "what_if" in f:
                w = f["what_if"]
                rows.append([f"  what if: {w['change']}", "", "", w["rounds"], "", "", "", w["handler_ms"]["p50"],
                             w["handler_ms"]["p99"], w["aptura_cpu_ms"]["p50"], f"{w['multiple_p50']}x", ""])
        out += ["", f"Fan-out: 28-day window, {LATENCY_MS} ms injected latency (target <= 3x one call; "
                "floor = rounds x one call)",
                _table(["case", "calls per", "calls", "rounds", "slots", "1 call ms", "floor ms", "p50 ms", "p99 ms",
                        "CPU ms", "multiple", "met"], rows)]
        for f in sections["fanout"]:
            if "profile" in f and results.get("show_profile"):
                p = f["profile"]
                out += ["", f"Profile: {f['case']} 28 days at 0 ms latency, fan-out step run in one thread, "
                        f"{p['calls']} requests ({p['wall_ms_per_call_profiled']} ms each under the profiler). "
                        "Phases (ms per request):", _phases(p), "Top by self ms per request:",
                        _profile_table(p["top_self"])]
    if "awscalls" in sections:
        rows = []
        for a in sections["awscalls"]:
            w, f = a["warm_per_request"], a["first_request"]
            rows.append([a["endpoint"], f"{f['dynamodb_reads']}/{f['dynamodb_writes']}/{f['secretsmanager']}",
                         f"{w['dynamodb_reads']:g}/{w['dynamodb_writes']:g}/{w['secretsmanager']:g}",
                         _mark(a["met"]),
                         ", ".join(f"{k} {v:g}" for k, v in a["warm_operations_per_request"].items())])
        out += ["", "AWS calls per request: DynamoDB reads / DynamoDB writes / Secrets Manager, on the first request "
                "of a fresh container and per warm request (target 0 when warm); items as PK/SK prefixes",
                _table(["endpoint", "first", "warm", "met", "warm operations per request"], rows)]
    if "coldstart" in sections:
        c = sections["coldstart"]
        if c.get("skipped"):
            out += ["", f"Cold start: skipped ({c['skipped']})"]
        else:
            rows = [[r["function"], r["import_ms_median"], r["import_cpu_ms_median"], r["import_ms_idle_estimate"],
                     r["first_request"],
                     r["first_request_ms_median"] or "-", r["first_request_cpu_ms_median"] or "-",
                     ",".join(str(s) for s in r["status"]) or "-", r["process_wall_ms_median"], _mark(r["met"])]
                    for r in c["functions"]]
            ref = c["reference"]
            out += ["", f"Cold start from {c['build']} ({c['build_note']}), median of {c['runs']} fresh processes "
                    f"(target import <= 300 ms). Yardstick: import {ref['module']} took {ref['import_ms_median']} ms "
                    f"here vs {ref['idle_machine_ms']:g} ms on an idle machine ({ref['slowdown']}x)",
                    _table(["function", "import ms", "(CPU)", "(idle est.)", "first request", "first req ms", "(CPU)",
                            "status", "process ms", "met"], rows)]
            for name, prof in c.get("import_profiles", {}).items():
                out += ["", f"Imports of {name} (one run with -X importtime; self ms summed per package, "
                        "and the slowest imports by cumulative ms):",
                        "  " + ", ".join(f"{p['package']} {p['self_ms']:g}" for p in prof["self_ms_by_package"]),
                        _table(["module", "cumulative ms", "self ms"],
                               [["  " * e["depth"] + e["module"], e["cumulative_ms"], e["self_ms"]]
                                for e in prof["slowest_imports"]])]
    if "mapping" in sections:
        rows = [[r["spec"], r["slots_per_response"], r["compiled_slots_per_s"], r["hand_slots_per_s"],
                 f"{r['hand_over_compiled']}x", r["compiled_us_per_slot"], r["hand_us_per_slot"],
                 f"{r['what_if_shared_interpreter_slots_per_s']} ({r['what_if_speedup']}x)"]
                for r in sections["mapping"]]
        out += ["", "Mapping throughput: availability output, compiled spec template vs. hand-written Python",
                _table(["spec", "slots", "spec slots/s", "hand slots/s", "hand/spec", "spec us/slot",
                        "hand us/slot", "what if: one shared interpreter"], rows)]
    if "events" in sections:
        d, p = sections["events"]["delivery"], sections["events"]["polling"]
        out += ["", f"Events through one delivery worker: {d['delivered']}/{d['events']} delivered "
                f"({d['verified']} signatures verified by the receiver) in {d['seconds']} s: "
                f"{d['events_per_s']} events/s; per event p50 {d['per_event_ms']['p50']} ms, "
                f"p99 {d['per_event_ms']['p99']} ms (emit alone: {d['emit_events_per_s']} events/s)",
                "", f"Polling: provider calls per connection, {p['polls']} polls after the baseline, "
                f"one poll per {p['interval_s']} s (template schedule)",
                _table(["provider", "source", "baseline calls", "calls/poll", "calls/hour"],
                       [[r["provider"], r["source"], r["baseline_calls"], r["calls_per_poll"], r["calls_per_hour"]]
                        for r in p["providers"]])]
    out += ["", f"Took {results['seconds']:.0f} s. Figures are from a shared 2-CPU machine under load; "
            "expect noise of several ms at p99."]
    return "\n".join(out)


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(DEFAULT_SECTIONS), help="comma-separated sections")
    parser.add_argument("--quick", action="store_true", help="fewer requests and runs (a smoke test)")
    parser.add_argument("--profile", action="store_true", help="print the profiles (always in results.json)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--moto", action="store_true", help="serve DynamoDB with moto instead of DynamoDB Local")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    args = parser.parse_args(argv)
    only = [s for s in args.only.split(",") if s]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")
    scale = 0.2 if args.quick else 1.0

    started = time.perf_counter()
    results: dict[str, Any] = {
        "generated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load_before": _load(),
                    "platform": platform.platform()},
        "latency_ms": LATENCY_MS, "quick": args.quick, "sections": {},
    }
    sections: dict[str, Any] = results["sections"]

    def step(name: str) -> None:
        print(f"[bench] {name} ... ({time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)

    if "mapping" in only:
        from bench import mapping

        step("mapping throughput")
        sections["mapping"] = mapping.measure(min_seconds=0.4 * scale)
    if set(only) - {"mapping"}:
        from bench import awscalls, coldstart, fanout, overhead
        from bench import events as events_section
        from bench.env import start_stack

        step("starting sandboxes, DynamoDB Local and moto")
        stack = start_stack(PROVIDERS, use_dynamodb_local=not args.moto)
        results["aws_backend"] = stack.dynamodb
        try:
            if "overhead" in only:
                step("overhead (warming up first)")
                overhead.warm_up(stack, max(20, int(200 * scale)))
                sections["overhead"] = overhead.measure(stack, requests=max(20, int(100 * scale)))
                step("profile of the warm path")
                sections["profile"] = overhead.profile(stack, requests=max(20, int(200 * scale)))
            if "fanout" in only:
                if "overhead" not in only:
                    step("warming up")
                    overhead.warm_up(stack, max(20, int(200 * scale)))
                step("fan-out")
                sections["fanout"] = fanout.measure(stack, requests=max(3, int(8 * scale)),
                                                    profile_requests=max(3, int(10 * scale)))
            if "sweep" in only:
                from bench import sweep

                step("sweep: overhead by provider latency, fan-out by window")
                sections["sweep"] = sweep.measure(stack)
            if "awscalls" in only:
                step("AWS calls per request")
                sections["awscalls"] = awscalls.measure(stack, requests=max(5, int(20 * scale)))
            if "coldstart" in only:
                step("cold starts")
                sections["coldstart"] = coldstart.measure(stack, runs=2 if args.quick else 5)
            if "events" in only:
                step("events: delivery throughput and polling cost")
                sections["events"] = events_section.measure(stack, events=max(50, int(500 * scale)),
                                                            polls=2 if args.quick else 4)
        finally:
            stack.stop()
    results["machine"]["load_after"] = _load()
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["show_profile"] = args.profile
    written = results
    if only == ["sweep"] and Path(args.out).exists():  # the sweep alone adds its section to the last full run's
        written = json.loads(Path(args.out).read_text())
        written["sections"]["sweep"] = sections["sweep"]
    Path(args.out).write_text(json.dumps(written, indent=2) + "\n")
    print(render(results))
    print(f"\nwrote {os.path.relpath(args.out)}")
    missed = [name for name, value in sections.items()
              for row in (value if isinstance(value, list) else value.get("functions", [value]))
              if isinstance(row, dict) and row.get("met") is False]
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
