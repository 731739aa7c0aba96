"""``make invoke`` end to end: every shipped event in ``events/``, run by ``python -m local.invoke`` (what
``make invoke EVENT=...`` runs) against a fresh ``make dev``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.devstack_harness import Stack, running_stack
from tests.support import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("devstack")]

EVENTS = sorted((ROOT / "events").glob("*/*.json"))
# The one event whose success is not a 2xx: starting the hosted OAuth flow answers the redirect to the consent page.
REDIRECTS = {"OAuthFunction/Authorize.json"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("devstack-invoke")) as running:
        yield running


def make_invoke(stack: Stack, event: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APTURA_", "AWS_ENDPOINT_URL"))}
    env.update({"PYTHONPATH": f"{ROOT / 'layer'}{os.pathsep}{ROOT}", "APTURA_STATE_DIR": str(stack.state_dir)})
    done = subprocess.run([sys.executable, "-m", "local.invoke", str(event.relative_to(ROOT))], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout))  # stdout is the response alone; the function's logs go to stderr


def test_every_shipped_event_answers(stack: Stack) -> None:
    assert {str(e.relative_to(ROOT / "events")) for e in EVENTS} >= REDIRECTS
    failed: dict[str, tuple[int, str]] = {}
    for event in EVENTS:
        name = str(event.relative_to(ROOT / "events"))
        response = make_invoke(stack, event)
        headers = response.get("multiValueHeaders") or {}
        assert headers.get("X-Request-Id"), name  # the handler ran, through lambda_handler_for
        status = response["statusCode"]
        if name in REDIRECTS:
            if status != 302 or not str(headers.get("Location", [""])[0]).startswith(stack.facts["sandbox_url"]):
                failed[name] = (status, str(headers.get("Location")))
        elif not 200 <= status < 300:
            failed[name] = (status, str(response.get("body"))[:300])
    assert not failed


def test_invoke_refuses_an_unknown_function(stack: Stack, tmp_path: Path) -> None:
    event = tmp_path / "NoSuchFunction" / "X.json"
    event.parent.mkdir()
    event.write_text("{}")
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layer'}{os.pathsep}{ROOT}", "APTURA_STATE_DIR": str(stack.state_dir)}
    done = subprocess.run([sys.executable, "-m", "local.invoke", str(event)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "no function 'NoSuchFunction'" in done.stderr
