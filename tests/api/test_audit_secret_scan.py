"""The secret scan fails a real pytest session that leaks, with and without pytest-xdist.

Each case runs a small session in a subprocess with the scan plugin, as ``make test`` loads it,
and checks its exit status and summary: every test passes, and the leak alone fails the session.
The control is the suite itself, which runs with the same plugin and passes.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandboxes.mindbody.app import DEMO
from tests.support import ROOT

INNER = '''
from tests.support import configure_aws_env

configure_aws_env()


def test_logs_a_secret_under_a_secret_name():
    from aptura.api.app import logger
    from sandboxes.mindbody.app import DEMO

    logger.info("verifying", extra={"credentials": DEMO["credentials"]})  # redacted: not a leak


def test_maybe_leaks():
    from aptura.api.app import logger
    from sandboxes.mindbody.app import DEMO
    from tests.support import WORKER_LOG_HOOKS

    if LEAK:
        logger.info("debugging", extra={"note": "site password " + DEMO["credentials"]["password"]})
        for hook in WORKER_LOG_HOOKS:  # as the gateway fixture hands over its Lambda workers' lines
            hook('[AppointmentsFunction] {"note": "worker password ' + DEMO["credentials"]["password"] + '"}')
'''


def _session(tmp_path: Path, leak: bool, *args: str) -> subprocess.CompletedProcess[str]:
    test_file = tmp_path / "test_inner.py"
    test_file.write_text(f"LEAK = {leak}\n{INNER}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "APTURA_SANDBOX"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "layer"), str(ROOT)])
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.secret_scan", "-p", "no:cacheprovider", "-q",
         "--rootdir", str(tmp_path), "-c", os.devnull, *args, str(test_file)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180, check=False)


@pytest.mark.parametrize("args", [("-p", "no:xdist"), ("-n", "2", "--dist", "loadgroup")],
                         ids=["no-xdist", "xdist"])
def test_a_leaking_session_fails_naming_the_leak(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = _session(tmp_path, True, *args)
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "2 passed" in out and "failed" not in out.replace("the session fails", ""), out
    assert "secret scan: secrets leaked" in out, out
    assert "sandboxes.mindbody DEMO credentials.password in log aptura" in out, out
    assert "sandboxes.mindbody DEMO credentials.password in log gateway worker" in out, out
    assert "site password <secret>" in out and DEMO["credentials"]["password"] not in out, out

