"""README's "Client libraries" examples and the files under sdks/ work on any APTURA_PORT: no port 3000 written in.

The Python block itself is run against a ``make dev`` on another port by tests/e2e/test_sdks.py; this checks, without
a stack, that neither block (nor an SDK's README or example script) names make dev's default port as a literal.
"""

from __future__ import annotations

import re

from local.events import DEMO_API_KEY
from tests.support import ROOT

_HARD_CODED = re.compile(r"(localhost|127\.0\.0\.1):3000\b")


def _section() -> str:
    readme = (ROOT / "README.md").read_text()
    return readme.split("## Client libraries", 1)[1].split("\n## ", 1)[0]


def _block(language: str) -> str:
    return _section().split(f"```{language}\n", 1)[1].split("```", 1)[0]


def test_readme_client_examples_take_the_port_from_aptura_port() -> None:
    python, typescript = _block("python"), _block("typescript")
    assert not _HARD_CODED.search(python) and 'os.environ.get(\'APTURA_PORT\', \'3000\')' in python, python
    assert not _HARD_CODED.search(typescript) and 'process.env.APTURA_PORT ?? "3000"' in typescript, typescript


def test_readme_client_examples_use_make_devs_demo_key_and_connection() -> None:
    for code in (_block("python"), _block("typescript")):
        assert DEMO_API_KEY in code and "conn_demo_supersaas" in code, code


def test_sdk_readmes_and_examples_name_no_fixed_local_port() -> None:
    files = [path for path in (ROOT / "sdks").rglob("*")
             if path.is_file() and "node_modules" not in path.parts
             and (path.name.lower().startswith("readme") or "examples" in path.parts)]
    assert files, "sdks/ should have a README and the TypeScript example"
    offending = [str(path.relative_to(ROOT)) for path in files if _HARD_CODED.search(path.read_text())]
    assert not offending, offending
