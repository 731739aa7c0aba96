"""The audit trail, and redaction of every log line.

Every write and every connection change leaves one structured line with ``"audit": true``:
the account and calling key, the connection and provider, the operation, the provider's
request id and the outcome (plus ``error`` and ``status`` when it did not succeed). Routes call
:func:`audit` when a write succeeds, adding the ids of what they wrote; for a write that ended
any other way (refused, failed, or answered from the idempotency store) :func:`end_request`
writes the line, so no write goes unlogged whichever way it leaves.

Redaction is by construction: :class:`RedactingFormatter` formats Aptura's one Powertools
logger (``aptura.api.app.logger``; every other logger in the layer is its child), and rewrites
each record just before it is serialized: values under secret-like keys are replaced, and
Aptura API keys, bearer/basic credentials and ``secret=value`` pairs are scrubbed from every
string, the message and tracebacks included. A log call cannot opt out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from aptura.engine.runner import SAFE_METHODS

logger = Logger(child=True)

REDACTED = "[REDACTED]"
# A key whose name, lower-cased without separators, contains one of these holds a secret.
_SECRET_WORDS = ("password", "passwd", "secret", "token", "apikey", "authorization", "credential",
                 "privatekey", "cookie", "signature")
_SECRET_NAMES = {"auth"}  # too short to look for inside other names
APTURA_KEY = re.compile(r"apt_(test|live)_[A-Za-z0-9_-]{8,}")
_SCHEME = re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}")
# ``password=x``, ``"api_key": "x"``, ``X-Api-Key: x`` inside free text (URLs, echoed bodies, messages).
_PAIR = re.compile(r"(?i)((?:password|passwd|secret|token|api[_-]?key|authorization|credential|private[_-]?key"
                   r"|signature)[\w-]*[\"']?\s*[=:]\s*[\"']?)(?!(?:bearer|basic)\s)([^\s\"'&,;}]+)")
_MAX_DEPTH = 12

# GET routes that change something: the OAuth callback creates a connection.
WRITING_GETS = frozenset({"/v1/oauth/{provider}/callback"})


def is_secret_name(name: Any) -> bool:
    """Whether a field called ``name`` holds a secret (password, token, apiKey, Authorization...)."""
    if not isinstance(name, str):
        return False
    folded = re.sub(r"[^a-z0-9]", "", name.lower())
    return folded in _SECRET_NAMES or any(word in folded for word in _SECRET_WORDS)


def scrub(text: str) -> str:
    """``text`` without Aptura keys, bearer/basic credentials or ``secret=value`` pairs."""
    text = APTURA_KEY.sub(lambda m: f"apt_{m.group(1)}_{REDACTED}", text)
    text = _SCHEME.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
    return _PAIR.sub(lambda m: f"{m.group(1)}{REDACTED}", text)


def redact(value: Any, _depth: int = 0) -> Any:
    """A copy of a log record (or any part of one) that is safe to write anywhere.

    Values under secret-like keys become ``[REDACTED]`` whatever their type (``None`` and
    booleans stay: they reveal nothing and say whether a secret was there); every string is
    scrubbed; objects are turned into their ``str`` first, as the JSON serializer would.
    """
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return scrub(value)
    if _depth >= _MAX_DEPTH:
        return scrub(str(value))
    if isinstance(value, Mapping):
        return {(scrub(k) if isinstance(k, str) else k):
                (REDACTED if is_secret_name(k) and v is not None and not isinstance(v, bool)
                 else redact(v, _depth + 1))
                for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(v, _depth + 1) for v in value]
    return scrub(str(value))


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter, redacting every record just before it is serialized."""

    def serialize(self, log: Any) -> str:
        """The JSON line for ``log``, after :func:`redact`."""
        return super().serialize(redact(log))


@dataclass
class _Request:
    route: str  # "POST /v1/appointments/{appointment_id}/cancel"
    writes: bool
    facts: dict[str, Any] = field(default_factory=dict)
    audited: bool = False


_REQUEST: ContextVar[_Request | None] = ContextVar("aptura_audit_request", default=None)


def begin_request(event: Mapping[str, Any]) -> Token[_Request | None]:
    """Start the audit scope of one API Gateway request (``end_request`` closes it)."""
    method = str(event.get("httpMethod") or "").upper()
    resource = str(event.get("resource") or event.get("path") or "")
    return _REQUEST.set(_Request(f"{method} {resource}", method not in SAFE_METHODS or resource in WRITING_GETS))


def note(**facts: Any) -> None:
    """Remember facts of the current request for its audit line (``None`` values are ignored).

    ``app.py`` notes ``account_id`` and ``by_key_id`` once the key is known, ``connection_id``
    and ``provider`` once the connection is, and ``operation`` and ``provider_request_id``
    after each provider operation (the last one wins).
    """
    state = _REQUEST.get()
    if state is not None:
        state.facts.update({k: v for k, v in facts.items() if v is not None})


@contextmanager
def aside() -> Iterator[None]:
    """Run a secondary operation (a lookup) whose noted facts must not replace the request's own."""
    state = _REQUEST.get()
    saved = dict(state.facts) if state is not None else {}
    try:
        yield
    finally:
        if state is not None:
            state.facts.clear()
            state.facts.update(saved)


def audit(operation: str, outcome: str, message: str | None = None, **fields: Any) -> None:
    """Log the audit line of ``operation``: it ended in ``outcome`` (created, refused, ...).

    The request's noted facts fill in account, key, connection, provider and provider request
    id; ``fields`` add to them or override them (``None`` fields are ignored). Pass ids and
    names only: anything else is still redacted, but has no place in an audit trail.
    """
    state = _REQUEST.get()
    entry: dict[str, Any] = {"audit": True}
    if state is not None:
        state.audited = True
        entry["route"] = state.route
        entry.update(state.facts)
    entry.update({k: v for k, v in fields.items() if v is not None})
    entry.update(operation=operation, outcome=outcome)
    logger.info(message or f"{operation} {outcome}", extra=entry)


def _error_code(response: Mapping[str, Any]) -> str | None:
    try:
        body = json.loads(response.get("body") or "null")
    except (TypeError, ValueError):
        return None
    return str(body["error"]) if isinstance(body, dict) and body.get("error") else None


def end_request(token: Token[_Request | None], response: Mapping[str, Any] | None) -> None:
    """Close the request's audit scope; a write its route did not audit is audited here.

    That is every write that did not succeed (outcome ``refused`` for a 4xx, ``failed`` for a
    5xx or no answer, with the error code) and any success a route left unlogged, such as an
    answer replayed from the idempotency store.
    """
    state = _REQUEST.get()
    try:
        if state is not None and state.writes and not state.audited:
            status = int(response.get("statusCode") or 500) if response is not None else 500
            outcome = "succeeded" if status < 400 else "refused" if status < 500 else "failed"
            error = _error_code(response) if response is not None and status >= 400 else None
            audit(str(state.facts.get("operation") or state.route), outcome, status=status,
                  error=error or ("internal_error" if status >= 500 else None))
    finally:
        _REQUEST.reset(token)
