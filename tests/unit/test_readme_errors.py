"""README's error paragraph states, for every error code it names, the status the code answers."""

from __future__ import annotations

import re

from aptura.errors import ERROR_STATUS
from tests.support import ROOT


def error_paragraph() -> str:
    """README's paragraph that lists every error status."""
    text = (ROOT / "README.md").read_text()
    start = text.index('Every error has the same shape, `{"error", "message", "details"}`')
    return text[start:text.index("\n\n", start)]


def promised(paragraph: str) -> dict[str, int]:
    """Each backticked error code with the status written last before it (``401 ... `code```)."""
    out: dict[str, int] = {}
    for match in re.finditer(r"`([a-z_]+)`", paragraph):
        statuses = re.findall(r"\b([1-5][0-9]{2})\b", paragraph[:match.start()])
        if match.group(1) in ERROR_STATUS and statuses:
            out[match.group(1)] = int(statuses[-1])
    return out


def test_every_error_code_readme_names_has_the_status_the_code_answers() -> None:
    said = promised(error_paragraph())
    # Refused provider credentials are two failure classes, each named with its one status.
    assert {"connection_auth_failed", "unprocessable"} <= set(said), said
    assert said == {code: ERROR_STATUS[code] for code in said}


def test_the_check_sees_a_code_under_the_wrong_status() -> None:
    assert promised("401 bad key, 422 refused credentials (`connection_auth_failed`)") == {
        "connection_auth_failed": 422}
    assert promised("401 bad key (`connection_auth_failed`), 422 refused (`unprocessable`)") == {
        "connection_auth_failed": 401, "unprocessable": 422}
