"""ruff and mypy are part of the suite: the house style is checked, not hoped for."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import ROOT

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.xdist_group("lint")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff_is_clean() -> None:
    result = run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.mark.parametrize("target", ["layer/aptura local sandboxes", "tests bench",
                                    *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "functions").glob("*/app.py"))])
def test_mypy_is_clean(target: str) -> None:
    result = run(str(BIN / "mypy"), *target.split())
    assert result.returncode == 0, result.stdout[-4000:]
