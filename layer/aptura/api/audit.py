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
Aptura API keys, connect-session tokens, bearer/basic credentials and ``secret=value`` pairs are
scrubbed from every string, the message and tracebacks included. A log call cannot opt out.

Each entry that names an account is also kept in the app table for the dashboard's activity
page (:func:`activity`), ``pk`` ``ACCOUNT#<account_id>``, ``sk`` ``AUDIT#<UTC time>#<random>``,
for :data:`KEEP_SECONDS`. Inside a request the entries are written once, when the request
ends, so a route pays for one put at most; a failed put is logged, never raised: the log
line stays the trail of record and a write that succeeded must not be answered as failed.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

from aptura.engine.runner import SAFE_METHODS
from aptura.store.db import items, table

logger = Logger(child=True)

REDACTED = "[REDACTED]"
# A key whose name, lower-cased without separators, contains one of these holds a secret.
_SECRET_WORDS = ("password", "passwd", "secret", "token", "apikey", "authorization", "credential",
                 "privatekey", "cookie", "signature")
_SECRET_NAMES = {"auth"}  # too short to look for inside other names
APTURA_KEY = re.compile(r"apt_((?:pk_)?(?:test|live))_[A-Za-z0-9_-]{8,}")  # secret and publishable keys
# A connect session's token is a bearer credential for its hosted page (``/connect/cst_…`` in every URL
# and path that names it): whoever reads it off a log line could complete the session.
CONNECT_TOKEN = re.compile(r"\bcst_[A-Za-z0-9_-]{8,}")
_SCHEME = re.compile(r"(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=-]{8,}")
# ``password=x``, ``"api_key": "x"``, ``X-Api-Key: x`` inside free text (URLs, echoed bodies, messages).
_PAIR = re.compile(r"(?i)((?:password|passwd|secret|token|api[_-]?key|authorization|credential|private[_-]?key"
                   r"|signature)[\w-]*[\"']?\s*[=:]\s*[\"']?)(?!(?:bearer|basic)\s)([^\s\"'&,;}]+)")
_MAX_DEPTH = 12

# GET routes that change something: the OAuth callback creates a connection.
WRITING_GETS = frozenset({"/v1/oauth/{provider}/callback"})

KEEP_SECONDS = 90 * 24 * 3600  # how long the activity page can look back
_SK = "AUDIT#"


def is_secret_name(name: Any) -> bool:
    """Whether a field called ``name`` holds a secret (password, token, apiKey, Authorization...)."""
    if not isinstance(name, str):
        return False
    folded = re.sub(r"[^a-z0-9]", "", name.lower())
    return folded in _SECRET_NAMES or any(word in folded for word in _SECRET_WORDS)


def scrub(text: str) -> str:
    """``text`` without Aptura keys, connect-session tokens, bearer/basic credentials or ``secret=value`` pairs."""
    text = APTURA_KEY.sub(lambda m: f"apt_{m.group(1)}_{REDACTED}", text)
    text = CONNECT_TOKEN.sub(f"cst_{REDACTED}", text)
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
    pending: list[dict[str, Any]] = field(default_factory=list)


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
    if entry.get("account_id"):
        stored = {**entry, "message": message or f"{operation} {outcome}", "at": _stamp(datetime.now(UTC))}
        if state is not None:
            state.pending.append(stored)
        else:
            _persist([stored])


def _stamp(value: datetime) -> str:
    # Microseconds keep entries of one request in order; the fixed width keeps sk order = time order.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _persist(entries: list[dict[str, Any]]) -> None:
    """Keep ``entries`` for the activity page; a storage fault is logged, never raised."""
    now = int(time.time())
    try:
        with table().batch_writer() as batch:
            for entry in entries:
                safe = redact({k: v for k, v in entry.items() if k != "audit"})
                batch.put_item(Item={
                    "pk": f"ACCOUNT#{safe['account_id']}", "sk": f"{_SK}{safe['at']}#{secrets.token_hex(4)}",
                    "operation": str(safe["operation"]), "outcome": str(safe["outcome"]),
                    # JSON text: entries carry floats and nested values DynamoDB's types would refuse.
                    "entry": json.dumps(safe, default=str), "expires_at": now + KEEP_SECONDS})
    except Exception as exc:  # noqa: BLE001 - the write being audited already happened
        logger.warning("audit entries not stored", extra={"error": type(exc).__name__, "count": len(entries)})


def activity(account_id: str, *, operation: str | None = None, outcome: str | None = None,
             since: datetime | None = None, until: datetime | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """The account's stored audit entries, newest first, at most ``limit`` of them.

    ``operation`` and ``outcome`` must match exactly; ``since`` and ``until`` (inclusive)
    bound the entry's time. Only ``account_id``'s own partition is read.
    """
    low = f"{_SK}{_stamp(since)}" if since else _SK
    high = f"{_SK}{_stamp(until)}~" if until else f"{_SK}~"
    query: dict[str, Any] = {
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
        "ExpressionAttributeValues": {":pk": f"ACCOUNT#{account_id}", ":low": low, ":high": high},
        "ScanIndexForward": False,
    }
    filters = [(name, value) for name, value in (("operation", operation), ("outcome", outcome)) if value]
    if filters:
        query["FilterExpression"] = " AND ".join(f"#{n} = :{n}" for n, _ in filters)
        query["ExpressionAttributeNames"] = {f"#{n}": n for n, _ in filters}
        query["ExpressionAttributeValues"].update({f":{n}": v for n, v in filters})
    return [json.loads(item["entry"]) for item in islice(items(**query), limit)]


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
        if state is not None and state.pending:
            _persist(state.pending)
    finally:
        _REQUEST.reset(token)
