"""Cold start of every function in template.yaml, from the ``sam build`` artifact.

Each run is a fresh ``python -I -S -B`` process whose ``sys.path`` is what Lambda gives the
function: its built CodeUri, the built engine layer's ``python/`` (precompiled by ``make
build``) and a stand-in for the runtime's own packages (boto3, botocore and their
dependencies, linked from this interpreter; nothing else of the dev venv, whose extra
packages would change what gets imported: httpx, for one, imports click, rich and pygments
when it finds them). ``APTURA_SPECS_DIR`` points at the specs layer. It times the import of
``app`` (Lambda's init phase, minus the interpreter start) and then one first request
against the benchmark stack. The median of the runs is reported.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.env import ROOT, Stack

# The artifact measured: `make bench` points this at a build for the machine's own architecture.
BUILD = ROOT / os.environ.get("APTURA_BENCH_BUILD", ".aws-sam/build")
TARGET_IMPORT_MS = 300.0
PROFILED = "AvailabilityFunction"  # its imports are broken down with -X importtime
# A yardstick for machine load: docs/tooling measured this import at 85 ms in-process on an idle
# machine of this type; its time here says how much slower this run's machine is.
REFERENCE_MODULE = "aws_lambda_powertools.event_handler"
REFERENCE_IDLE_MS = 85.0
# What Lambda's Python 3.11 runtime provides besides the stdlib (its /var/runtime).
RUNTIME_PACKAGES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
DAY = "2027-01-11"
# function -> (method, path, provider whose connection to use or None, query); a function not
# listed is measured with its first GET route that has no path parameters, or imported only.
FIRST_REQUESTS: dict[str, tuple[str, str, str | None, dict[str, str] | None]] = {
    "AvailabilityFunction": ("GET", "/v1/availability", "mindbody",
                             {"serviceId": "200", "staffId": "100000108", "startDate": DAY, "endDate": DAY}),
    "AppointmentsFunction": ("GET", "/v1/appointments", "mindbody", {"startDate": DAY, "endDate": DAY}),
    "CatalogFunction": ("GET", "/v1/services", "mindbody", None),
    "ClientsFunction": ("GET", "/v1/clients", "mindbody", None),
    "OAuthFunction": ("GET", "/v1/oauth/square/authorize", None, {"redirect_uri": "https://example.com/connected"}),
}


def build_is_current() -> tuple[bool, str]:
    """Whether the build (:data:`BUILD`) exists and is newer than every source it is built from."""
    marker = BUILD / "template.yaml"
    if not marker.is_file():
        return False, "no build: run `make bench` (or `make build`)"
    built = marker.stat().st_mtime
    sources = [ROOT / "template.yaml", ROOT / "layer" / "requirements.txt"]
    for folder, pattern in (("layer/aptura", "*.py"), ("functions", "*.py"), ("specs", "*.yaml")):
        sources += list((ROOT / folder).rglob(pattern))
    newer = [p for p in sources if p.stat().st_mtime > built]
    if newer:
        return False, f"{len(newer)} sources are newer than the build (e.g. {newer[0].relative_to(ROOT)})"
    return True, "current"


def _specs_dir() -> Path:
    from local.template import load_yaml

    layer = (load_yaml(BUILD / "template.yaml").get("Resources") or {}).get("SpecsLayer") or {}
    content = (layer.get("Properties") or {}).get("ContentUri")
    return (BUILD / content).resolve() if isinstance(content, str) else ROOT / "specs"


def _event(stack: Stack, fn: Any) -> tuple[dict[str, Any] | None, str]:
    from urllib.parse import urlencode

    from local.events import HttpRequest, build_event

    if fn.logical_id in FIRST_REQUESTS:
        method, path, provider, query = FIRST_REQUESTS[fn.logical_id]
    else:
        plain = [r for r in fn.routes if r.methods == ("GET",) and "{" not in r.path]
        if not plain:
            return None, "(import only)"
        method, path, provider, query = "GET", plain[0].path, None, None
    for route in sorted(fn.routes, key=lambda r: r.specificity, reverse=True):
        params = route.match(path)
        if params is not None and method in route.methods:
            break
    else:
        raise RuntimeError(f"{fn.logical_id} serves no {method} {path}")
    headers = [("Host", "api.bench"), *stack.headers(provider).items()]
    request = HttpRequest(method, path, urlencode(query or {}), headers, b"")
    return build_event(request, route, params), f"{method} {path}"


def runtime_dir(tmp: Path) -> Path:
    """A stand-in for Lambda's ``/var/runtime``: links to this interpreter's copies of the
    packages the Python runtime ships (and nothing else of the dev venv)."""
    import importlib.util

    target = tmp / "runtime"
    target.mkdir(exist_ok=True)
    for name in RUNTIME_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue
        if spec.submodule_search_locations:
            source = Path(next(iter(spec.submodule_search_locations)))
        elif spec.origin:
            source = Path(spec.origin)
        else:
            continue
        link = target / source.name
        if not link.exists():
            link.symlink_to(source)
    return target


def _once(config_file: Path, env: dict[str, str], importtime: bool = False) -> dict[str, Any]:
    flags = ["-X", "importtime"] if importtime else []
    started = time.perf_counter()
    # -S: no site-packages, so only the artifact and the runtime stand-in are importable, as in Lambda.
    done = subprocess.run([sys.executable, "-I", "-S", "-B", *flags, str(ROOT / "bench" / "_coldchild.py"),  # noqa: S603
                           str(config_file)], capture_output=True, text=True, env=env, timeout=120)
    wall = (time.perf_counter() - started) * 1000
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"cold start failed (rc {done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(lines[-1].split(" ", 1)[1])
    result["process_wall_ms"] = wall
    if importtime:
        result["import_profile"] = import_profile(done.stderr)
    return result


def import_profile(stderr: str, top: int = 12) -> dict[str, Any]:
    """``-X importtime`` output summed per top-level package (self time), plus the slowest imports."""
    by_package: dict[str, float] = {}
    entries: list[dict[str, Any]] = []
    for line in stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:"):].split("|")
        name = name[1:]  # one space after the bar; deeper imports are indented two more per level
        package = name.strip().split(".")[0]
        by_package[package] = by_package.get(package, 0.0) + int(self_us) / 1000
        entries.append({"module": name.strip(), "depth": (len(name) - len(name.lstrip())) // 2,
                        "self_ms": round(int(self_us) / 1000, 1), "cumulative_ms": round(int(cumulative_us) / 1000, 1)})
    packages = sorted(by_package.items(), key=lambda kv: kv[1], reverse=True)[:top]
    slowest = sorted((e for e in entries if e["depth"] <= 3), key=lambda e: e["cumulative_ms"], reverse=True)[:top]
    return {"self_ms_by_package": [{"package": k, "self_ms": round(v, 1)} for k, v in packages],
            "slowest_imports": slowest}


def measure(stack: Stack, runs: int = 5) -> dict[str, Any]:
    """Median import and first-request times of every function, ``runs`` fresh processes each.

    The runs go round-robin over the functions (and the yardstick import), so a burst of
    load on the shared machine spreads over all of them instead of hitting one.
    """
    from local.template import load_stack

    current, why = build_is_current()
    if not (BUILD / "template.yaml").is_file():
        return {"skipped": why, "functions": []}
    built = load_stack(BUILD / "template.yaml")
    specs = _specs_dir()
    for provider in ("mindbody", "square"):
        stack.prepare(provider)
    with tempfile.TemporaryDirectory(prefix="aptura-bench-") as tmp:
        jobs: list[tuple[str, str, Path, dict[str, str]]] = []  # (name, first request, config, env)
        runtime = runtime_dir(Path(tmp))
        for fn in built.functions.values():
            event, request = _event(stack, fn)
            config_file = Path(tmp) / f"{fn.logical_id}.json"
            paths = [*(str(p) for p in fn.python_path), str(runtime)]
            config_file.write_text(json.dumps({"paths": paths, "event": event}))
            env = {**fn.environment, **stack.env, "APTURA_SPECS_DIR": str(specs),
                   "AWS_LAMBDA_FUNCTION_NAME": fn.name, "PYTHONHASHSEED": "0"}
            env.pop("PYTHONPATH", None)
            jobs.append((fn.logical_id, request, config_file, env))
        layer = next((str(p) for p in next(iter(built.functions.values())).python_path if p.name == "python"), "")
        reference_file = Path(tmp) / "reference.json"
        reference_file.write_text(json.dumps({"paths": [layer], "module": REFERENCE_MODULE, "event": None}))
        jobs.append(("(yardstick)", "", reference_file, {"PATH": os.environ.get("PATH", "")}))
        results: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in jobs}
        for _ in range(runs):
            for name, _request, config_file, env in jobs:
                results[name].append(_once(config_file, env))
        profiled = next((job for job in jobs if job[0] == PROFILED), None)
        profiles = {PROFILED: _once(profiled[2], profiled[3], importtime=True)["import_profile"]} if profiled else {}
    rows = []
    for name, request, _config, _env in jobs[:-1]:
        done = results[name]
        if any(not str(r.get("aptura_from") or "").startswith(str(BUILD)) for r in done):
            raise RuntimeError(f"{name}: aptura was not imported from the build: {done[0].get('aptura_from')}")
        import_ms = statistics.median(r["import_ms"] for r in done)
        rows.append({
            "function": name, "first_request": request,
            "import_ms_median": round(import_ms, 1),
            "import_cpu_ms_median": round(statistics.median(r["import_cpu_ms"] for r in done), 1),
            "import_ms_runs": [round(r["import_ms"], 1) for r in done],
            "first_request_ms_median": _median(done, "first_request_ms"),
            "first_request_cpu_ms_median": _median(done, "first_request_cpu_ms"),
            "status": sorted({int(r["status"]) for r in done if r.get("status") is not None}),
            "process_wall_ms_median": _median(done, "process_wall_ms"),
            "modules_imported": done[0]["modules_imported"],
            "target_import_ms": TARGET_IMPORT_MS, "met": import_ms <= TARGET_IMPORT_MS,
        })
    reference = statistics.median(r["import_ms"] for r in results["(yardstick)"])
    slowdown = max(reference / REFERENCE_IDLE_MS, 1.0)
    for row in rows:  # a rough idle-machine figure: the wall time divided by the yardstick's slowdown
        row["import_ms_idle_estimate"] = round(row["import_ms_median"] / slowdown, 1)
    return {"build": str(BUILD.relative_to(ROOT)), "build_current": current, "build_note": why,
            "reference": {"module": REFERENCE_MODULE, "import_ms_median": round(reference, 1),
                          "idle_machine_ms": REFERENCE_IDLE_MS, "slowdown": round(slowdown, 2)},
            "runs": runs, "python": sys.version.split()[0], "specs_dir": os.path.relpath(specs, ROOT),
            "functions": rows, "import_profiles": profiles}


def _median(results: list[dict[str, Any]], key: str) -> float | None:
    values = [r[key] for r in results if r.get(key) is not None]
    return round(statistics.median(values), 1) if values else None
