"""The committed client libraries (sdks/) are what `make sdks` generates from docs/openapi.json today."""

from __future__ import annotations

import filecmp
import shutil
import subprocess
import sys
from pathlib import Path

from tests.support import ROOT

SDKS = ROOT / "sdks"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


def _differences(left: Path, right: Path) -> list[str]:
    """Files only in one tree or differing between them, relative to the trees' roots."""
    found: list[str] = []

    def walk(cmp: filecmp.dircmp[str], prefix: str) -> None:
        found.extend(f"{prefix}{name}" for name in cmp.left_only + cmp.right_only + cmp.diff_files
                     if name != "__pycache__")
        for name, sub in cmp.subdirs.items():
            if name != "__pycache__":
                walk(sub, f"{prefix}{name}/")

    walk(filecmp.dircmp(left, right, ignore=[]), "")
    return found


def test_committed_python_sdk_matches_a_fresh_generation(tmp_path: Path) -> None:
    shutil.copy(SDKS / "python-config.yaml", tmp_path / "python-config.yaml")
    subprocess.run([str(GENERATOR), "generate", "--path", str(ROOT / "docs" / "openapi.json"), "--config",
                    "python-config.yaml", "--output-path", "python", "--overwrite"],
                   cwd=tmp_path, check=True, capture_output=True, timeout=300)
    # dircmp compares contents here: the fresh files' mtimes differ, so no stat signature can match.
    stale = _differences(SDKS / "python", tmp_path / "python")
    assert not stale, f"sdks/python is stale (run make sdks): {stale}"


def test_python_sdk_names_its_calls_after_the_operation_ids() -> None:
    from aptura_client.api.appointments import create_appointment
    from aptura_client.api.availability import list_availability
    from aptura_client.api.catalog import list_services
    from aptura_client.api.health import get_health

    for module in (create_appointment, list_availability, list_services, get_health):
        assert callable(module.sync) and callable(module.sync_detailed)


def test_committed_typescript_types_match_a_fresh_generation(tmp_path: Path) -> None:
    ts_sdk = SDKS / "typescript"
    fresh = tmp_path / "schema.d.ts"
    subprocess.run([str(ts_sdk / "node_modules" / ".bin" / "openapi-typescript"), str(ROOT / "docs" / "openapi.json"),
                    "-o", str(fresh)], check=True, capture_output=True, timeout=120)
    assert fresh.read_text() == (ts_sdk / "schema.d.ts").read_text(), "sdks/typescript is stale: run make sdks"


def test_committed_typescript_javascript_matches_tsc(tmp_path: Path) -> None:
    """node runs the committed .js: it must be what tsc makes of the committed .ts today."""
    ts_sdk = SDKS / "typescript"
    subprocess.run([str(ts_sdk / "node_modules" / ".bin" / "tsc"), "-p", str(ts_sdk), "--outDir", str(tmp_path)],
                   check=True, capture_output=True, timeout=120)
    emitted = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert emitted, "tsc emitted nothing"
    stale = [str(rel) for rel in emitted if (tmp_path / rel).read_text() != (ts_sdk / rel).read_text()]
    assert not stale, f"sdks/typescript is stale (run make sdks): {stale}"
