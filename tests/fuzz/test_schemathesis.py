"""Fuzzing: schemathesis against the OpenAPI document the running API serves.

Starts the dev stack (:mod:`tests.fuzz.stack`: ``make dev``'s stack with the demo account's rate limits raised),
then runs ``schemathesis run <api>/v1/openapi.json`` from its own venv (``make test`` builds ``.fuzz-venv`` from
``requirements-fuzz.txt``) once per provider, with the demo key and that provider's demo connection, a fixed seed
and a bounded number of cases,
every phase (examples, coverage, fuzzing, stateful) and every check except ``positive_data_acceptance``: a valid
request can still be refused for reasons no schema states (an end date before the start date, a cursor this API
did not issue, a PATCH that changes nothing). Among the checks:

* ``not_a_server_error``: no 5xx but the declared provider faults 501-504 (``tests/fuzz/schemathesis.toml``);
* ``status_code_conformance``: no status the document does not declare;
* ``response_schema_conformance`` / ``content_type_conformance``: every answer matches its declaration;
* ``negative_data_rejection``: a request the schema forbids is refused with a 4xx;
* ``aptura_error_format`` (``tests/fuzz/hooks.py``): every 4xx/5xx is exactly ``{"error", "message",
  "details"}`` with the code of its status, and a 5xx only ever carries a provider fault code.

Any failure fails the test with schemathesis' report, which includes a curl command reproducing each case.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("fuzz")]

SCHEMATHESIS = os.environ.get("SCHEMATHESIS") or str(ROOT / ".fuzz-venv" / "bin" / "schemathesis")
HERE = Path(__file__).resolve().parent
SEED = 20240315
PROVIDERS = sorted(p.stem for p in (ROOT / "specs").glob("*.yaml"))
FEATURED = "mindbody"  # the featured demo connection, fuzzed hardest
# Per operation and phase; the coverage phase adds its boundary cases (~1,800 cases in all at 20, ~30-60 s).
# The other providers share the API code, so fewer cases each reach what differs: their specs and sandboxes.
MAX_EXAMPLES = {FEATURED: 20}
OTHER_MAX_EXAMPLES = 8
READY_TIMEOUT = 120.0  # `make test` runs two workers on two vCPUs; alone the stack is ready in ~10-25 s
RUN_TIMEOUT = 600.0


def _descendants(root: int) -> set[int]:
    """Pids whose parent chain leads to ``root`` (the gateway's workers run in sessions of their own)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int(Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The running stack's facts (``api_url``, ``api_key``, ``providers``) and its ``log`` (stderr)."""
    state = tmp_path_factory.mktemp("fuzz-stack")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APTURA_", "AWS_ENDPOINT_URL"))}
    env.update({"PYTHONPATH": f"{ROOT / 'layer'}{os.pathsep}{ROOT}", "PYTHONUNBUFFERED": "1"})
    with open(state / "stdout.log", "wb") as out, open(state / "stderr.log", "wb") as err:
        proc = subprocess.Popen(  # files, not pipes: an unread pipe would stall the stack's logging
            [sys.executable, "-m", "tests.fuzz.stack", str(state)], cwd=ROOT, env=env, stdout=out, stderr=err,
            start_new_session=True,
        )
    seen: set[int] = set()
    try:
        facts_path = state / "stack.json"
        deadline = time.monotonic() + READY_TIMEOUT
        while not facts_path.exists():
            log = (state / "stderr.log").read_text(errors="replace")[-4000:]
            assert proc.poll() is None, f"the stack exited with {proc.returncode}:\n{log}"
            assert time.monotonic() < deadline, f"the stack was not ready after {READY_TIMEOUT}s:\n{log}"
            time.sleep(0.2)
        yield {**json.loads(facts_path.read_text()), "log": state / "stderr.log"}
    finally:
        seen |= _descendants(proc.pid)
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for pid in seen:  # normally gone already; this only ends what a failed stop left behind
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _server_side_errors(log: Path, last: int = 40) -> str:
    """What the stack logged about failures: handler errors and the gateway's 5xx lines."""
    lines = log.read_text(errors="replace").splitlines()
    found = [line[:3000] for line in lines
             if '"level":"ERROR"' in line or (line.startswith("[gateway]") and '" 5' in line)]
    return "\n".join(found[-last:]) or "(none)"


def _headers(stack: dict[str, Any], provider: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack['api_key']}",
            "X-Connection-Id": stack["providers"][provider]["connection_id"]}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_schemathesis_finds_nothing(provider: str, stack: dict[str, Any], tmp_path: Path) -> None:
    assert Path(SCHEMATHESIS).exists(), "run `make test` (it installs schemathesis into .fuzz-venv)"
    assert provider in stack["providers"], f"the stack did not connect {provider}"
    api, headers = stack["api_url"], _headers(stack, provider)
    max_examples = MAX_EXAMPLES.get(provider, OTHER_MAX_EXAMPLES)

    # Preconditions, so a green run means the fuzzer reached the logic behind auth and the rate limiter.
    services = httpx.get(f"{api}/v1/services", headers=headers, timeout=30)
    assert services.status_code == 200, services.text
    assert services.headers["X-RateLimit-Limit"] == str(stack["rate_limit_per_minute"]), "rate limits not raised"
    keys = httpx.get(f"{api}/v1/api-keys", headers=headers, timeout=30)
    assert keys.status_code == 200, keys.text
    protected = [k["id"] for k in keys.json()["data"]] + [p["connection_id"] for p in stack["providers"].values()]

    command = [
        SCHEMATHESIS, "--config-file", str(HERE / "schemathesis.toml"), "run", f"{api}/v1/openapi.json",
        "-H", f"Authorization: {headers['Authorization']}",  # X-Connection-Id: see schemathesis.toml
        "--seed", str(SEED), "--max-examples", str(max_examples),
        "--workers", "1",  # one request at a time: a deterministic order, and room for the other xdist worker
        "--generation-database", "none",  # no replay of earlier runs' examples: every run is the same run
        "--checks", "all", "--exclude-checks", "positive_data_acceptance",
        "--exclude-path", "/v1/docs",  # an HTML page of the same document; nothing to fuzz
        # API Gateway's own limit. The fuzzing stack answers calls beyond a provider's declared quota at once
        # (tests/fuzz/stack.py), but a request of several provider calls can still take more than the default 10 s.
        "--max-response-time", "29",
        "--max-redirects", "0",  # a 302 is the answer under test, not the page it points to
        "--request-timeout", "30", "--no-color",
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HERE / "hooks.py"), "APTURA_FUZZ_PROTECTED": ",".join(protected),
           "APTURA_FUZZ_CONNECTION": headers["X-Connection-Id"], "NO_COLOR": "1", "COLUMNS": "120"}
    started = time.monotonic()
    run = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    elapsed = time.monotonic() - started
    output = run.stdout + run.stderr
    (tmp_path / "schemathesis.log").write_text(output)
    assert run.returncode == 0, (f"schemathesis failed (exit {run.returncode}, {elapsed:.0f}s):\n{output[-20000:]}"
                                 f"\n--- the stack's errors and 5xx answers ---\n{_server_side_errors(stack['log'])}")
    # A run that tested nothing would also exit 0.
    assert f"Seed: {SEED}" in output and "Test cases:" in output, output[-5000:]
    generated = int(output.split("Test cases:", 1)[1].split("generated", 1)[0].strip())
    assert generated >= 1000, output[-5000:]
