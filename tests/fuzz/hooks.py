"""Schemathesis hooks for fuzzing Aptura: loaded by ``schemathesis run`` through ``SCHEMATHESIS_HOOKS``.

Runs inside the fuzzing venv (``.fuzz-venv``), which has schemathesis but none of Aptura's dependencies: only
:mod:`aptura.errors` (standard library only) is imported from the layer.

* :func:`aptura_error_format` - a check: every 4xx/5xx Aptura answers is exactly ``{"error", "message",
  "details"}`` with an error code whose status is the one sent, and the only 5xx are declared provider faults.
* :func:`before_call` (:func:`keep_the_demo_account_usable`) - DELETE and PATCH never reach the API keys and
  connections that existed before the run (``APTURA_FUZZ_PROTECTED``): a run that revoked its own key, or
  deleted its connection, would spend the rest of its cases on 401s and 404s. What the run creates, it may delete.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import schemathesis

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "layer"))
from aptura.errors import ERROR_STATUS  # noqa: E402 - needs the layer on sys.path first

ERROR_KEYS = {"error", "message", "details"}
# The 5xx the document declares as the provider's doing; 500 (internal_error) is always a bug.
PROVIDER_FAULTS = {501: "not_supported", 502: "provider_error", 503: "provider_unavailable", 504: "provider_timeout"}
# Stand-ins for protected ids: well-formed, and owned by nobody, so the call still runs and answers 404.
STAND_INS = {"key_id": "key_0000000000000000", "connection_id": "conn_fuzz_protected"}


def _protected() -> set[str]:
    return {value for value in os.environ.get("APTURA_FUZZ_PROTECTED", "").split(",") if value}


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Point DELETE/PATCH of a protected key or connection at an id nobody owns (see the module docstring)."""
    keep_the_demo_account_usable(case)


def keep_the_demo_account_usable(case: Any) -> None:
    """Swap a protected path id of a DELETE or PATCH for its stand-in."""
    if case.method.upper() not in {"DELETE", "PATCH"} or not case.path_parameters:
        return
    protected = _protected()
    for name, value in list(case.path_parameters.items()):
        if name in STAND_INS and value in protected:
            case.path_parameters[name] = STAND_INS[name]


@schemathesis.check
def aptura_error_format(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every error is Aptura's ``{"error", "message", "details"}``, its code matches its status, and a 5xx is
    only ever a declared provider fault."""
    status = response.status_code
    if status < 400:
        return None
    if case.method.upper() != case.operation.method.upper():
        # The unsupported-method probe: no function is routed for that method, so the gateway answers
        # (API Gateway's own 405 body, which Aptura does not shape).
        return None
    content_type = ",".join(response.headers.get("content-type", []))
    if not content_type.startswith("application/json"):
        raise AssertionError(f"{status} error has Content-Type {content_type!r}, not application/json")
    try:
        body = json.loads(response.content)
    except ValueError as exc:
        raise AssertionError(f"{status} error body is not JSON: {response.content[:200]!r}") from exc
    if not isinstance(body, dict) or set(body) != ERROR_KEYS:
        keys = sorted(body) if isinstance(body, dict) else type(body).__name__
        raise AssertionError(f"{status} error body is not {{error, message, details}}: got {keys}")
    code, message, details = body["error"], body["message"], body["details"]
    if not isinstance(code, str) or not isinstance(message, str) or not message:
        raise AssertionError(f"{status} error: 'error' and 'message' must be non-empty strings: {body}")
    if not isinstance(details, dict | list):
        raise AssertionError(f"{status} error: 'details' must be an object or a list: {body}")
    if ERROR_STATUS.get(code) != status:
        raise AssertionError(f"{status} error has code {code!r}, whose status is {ERROR_STATUS.get(code)}")
    if status >= 500 and PROVIDER_FAULTS.get(status) != code:
        raise AssertionError(f"{status} {code!r} is not a declared provider fault: {body}")
    return None
