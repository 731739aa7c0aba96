"""Every time in an Aptura error message is UTC: no spec error message is built from a local-time
function (or from a step that computes a local time), and no engine or API error message formats a
time by any means other than ``format_utc``."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

import yaml

from aptura.spec.template import compile_expression
from tests.support import ROOT

# The functions that turn an instant into provider wall-clock text (layer/aptura/engine/functions.py).
LOCAL_FUNCTIONS = frozenset({"to_local", "format_local", "format_time", "local_date", "combine", "hhmm"})
# Python calls that format a time without saying it is UTC.
LOCAL_FORMATTERS = frozenset({"isoformat", "strftime", "format_local", "utc_to_local", "ctime"})


def _functions(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") == "function_expression":
            yield node["value"]
        for child in node.get("children", []):
            yield from _functions(child)


def _dicts(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for child in value.values():
            yield from _dicts(child)
    elif isinstance(value, list):
        for child in value:
            yield from _dicts(child)


def local_steps(spec: dict[str, Any]) -> set[str]:
    """Ids of steps whose ``set`` computes a local time (e.g. DigitalBooker's ``local_start``)."""
    out = set()
    for d in _dicts(spec):
        if "id" in d and "set" in d and any(f"{name}(" in str(d["set"]) for name in LOCAL_FUNCTIONS):
            out.add(str(d["id"]))
    return out


def local_messages(spec: dict[str, Any]) -> list[str]:
    """The error messages (error rules, ``fail``, ``require``, ``missing``) that show a local time."""
    local = local_steps(spec)
    bad = []
    for d in _dicts(spec):
        message = d.get("message")
        if "error" not in d or not isinstance(message, str):
            continue  # an hmac profile's `message` is what is signed, not an error message
        used = set(_functions(compile_expression(message).parsed.parsed))
        steps = set(re.findall(r"steps\.([A-Za-z_][A-Za-z0-9_]*)", message))
        if used & LOCAL_FUNCTIONS or steps & local:
            bad.append(message)
    return bad


def local_formatting(source: str) -> list[int]:
    """Lines where an error (``…Error(...)``, ``error_for(...)``) message f-string formats a time locally."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if not (name.endswith("Error") or name == "error_for"):
            continue
        for text in (a for a in node.args if isinstance(a, ast.JoinedStr)):
            for call in (c for c in ast.walk(text) if isinstance(c, ast.Call)):
                called = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
                if called in LOCAL_FORMATTERS:
                    lines.append(node.lineno)
    return lines


def test_no_spec_error_message_shows_a_local_time() -> None:
    offenders = {}
    for path in sorted((ROOT / "specs").glob("*.yaml")):
        found = local_messages(yaml.safe_load(path.read_text()))
        if found:
            offenders[path.name] = found
    assert offenders == {}


def test_no_python_error_message_formats_a_time_other_than_as_utc() -> None:
    offenders = {}
    for path in sorted((ROOT / "layer" / "aptura").rglob("*.py")):
        lines = local_formatting(path.read_text())
        if lines:
            offenders[str(path.relative_to(ROOT))] = lines
    assert offenders == {}


def test_the_scans_catch_what_they_look_for() -> None:
    spec = {"operations": {"a": {"steps": [
        {"id": "local_start", "set": "to_local(input.startTime, zone)"},
        {"id": "taken", "require": {"that": "`false`", "error": "conflict",
                                    "message": "join('', ['Taken at ', steps.local_start])"}},
        {"id": "shown", "fail": {"error": "conflict", "message": "join(' ', ['at', hhmm(input.startTime)])"}},
        {"id": "fine", "fail": {"error": "conflict", "message": "join(' ', ['at', input.startTime])"}},
    ]}}, "auth": {"type": "hmac", "message": "to_local(input.startTime, zone)"}}
    assert local_messages(spec) == ["join('', ['Taken at ', steps.local_start])",
                                    "join(' ', ['at', hhmm(input.startTime)])"]
    source = ("def f(start):\n"
              "    raise AptError(f'taken at {start.isoformat()}')\n"
              "    raise AptError(f'taken at {format_utc(start)}')\n"
              "    return error_for('conflict', f'at {start.strftime(\"%H:%M\")}')\n")
    assert local_formatting(source) == [2, 4]


def test_the_slot_taken_message_is_utc() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    from aptura.api.routes.appointments import _slot_taken
    from aptura.errors import AptError

    local = datetime(2027, 3, 15, 10, 0, tzinfo=timezone(timedelta(hours=-4)))
    error = _slot_taken(AptError("Slot 10:00 is taken", code="conflict"), {}, local, "7")
    assert error.message == "The slot at 2027-03-15T14:00:00Z with staff member 7 is no longer available"
    assert error.details["startTime"] == datetime(2027, 3, 15, 14, tzinfo=UTC).isoformat().replace("+00:00", "Z")
    assert error.details["provider_message"] == "Slot 10:00 is taken"  # the provider's words, kept apart
