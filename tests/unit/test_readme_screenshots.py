"""The README's screenshots exist, are the width their names say, and are ones the browser tests take.

``shot(page, name)`` in tests/browser saves ``<name>-<viewport width>.png``; ``make screenshots`` runs the browser
tests with ``APTURA_SCREENSHOTS=docs/screenshots``. A picture the README shows but no test takes could not be
retaken and would drift from the pages, and one that is not committed shows as a broken image: both fail here.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tests.support import ROOT

_REFERENCED = re.compile(r"\((docs/screenshots/([a-z0-9-]+)-(\d+)\.png)\)")
_SHOT = re.compile(r"""shot\(\w+, ["']([a-z0-9-]+)["']\)""")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def referenced() -> list[tuple[str, str, int]]:
    """``(path, shot name, width)`` of every screenshot README.md shows."""
    return [(path, name, int(width)) for path, name, width in _REFERENCED.findall((ROOT / "README.md").read_text())]


def shot_names() -> set[str]:
    """Every name the browser tests pass to ``shot`` literally, plus those of their (name, link) loops."""
    names: set[str] = set()
    for source in (ROOT / "tests" / "browser").glob("test_*.py"):
        text = source.read_text()
        names.update(_SHOT.findall(text))
        names.update(re.findall(r"""\(["']((?:dashboard|connect|sign)-[a-z0-9-]+)["'], """, text))
    return names


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_the_readme_shows_screenshots() -> None:
    assert referenced(), "README.md should show the quickstart's pages"


@pytest.mark.parametrize(("path", "name", "width"), referenced())
def test_each_referenced_screenshot_is_committed_and_taken_by_a_browser_test(path: str, name: str,
                                                                            width: int) -> None:
    assert name in shot_names(), f"no browser test takes {name!r}: `make screenshots` could not retake {path}"
    file = ROOT / path
    assert file.is_file(), f"{path} is missing: run `make screenshots` and commit it"
    if (ROOT / ".git").exists() and shutil.which("git"):  # a checkout (not an unpacked archive): git must have it
        tracked = subprocess.run(["git", "ls-files", "--error-unmatch", path], cwd=ROOT, capture_output=True)
        assert tracked.returncode == 0, f"{path} is taken but not committed"
    got_width, got_height = png_size(file)
    assert got_width == width and got_height >= 300, (path, got_width, got_height)
