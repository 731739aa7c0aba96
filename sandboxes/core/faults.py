"""Fault injection shared by every sandbox.

Configured at run time with ``POST /<sandbox>/_sandbox/faults`` and a JSON body::

    {"latency_ms": 50,
     "rules": [{"path": "^/appointment/", "method": "GET", "kind": "status",
                "status": 503, "headers": {"Retry-After": "2"}, "count": 1}]}

``latency_ms`` delays every provider request. Each rule matches a path regex (and
optionally a method, and a ``match_body`` regex on the request body, for APIs such as
GraphQL that send every operation to one path), lets the first ``after`` matching requests through (default 0, so
"fail the 4th POST" is ``after: 3``), then fires ``count`` times (``null`` = forever). Kinds:

- ``status``: answer ``status`` with ``body`` (text or JSON) and ``headers``;
- ``malformed``: 200 with a truncated JSON body;
- ``html``: ``status`` (default 502) with an HTML error page, as a proxy would send;
- ``timeout``: sleep ``seconds`` (default 30) before answering normally;
- ``slow_body``: send half the body, sleep ``seconds``, send the rest;
- ``reset``: close the connection without answering.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Fault:
    kind: str  # respond | timeout | slow_body | reset
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def response(self) -> Any:
        from sandboxes.core.http import Response

        return Response(self.status, self.body, dict(self.headers))


@dataclass
class _Rule:
    path: re.Pattern[str]
    method: str | None
    fault: Fault
    remaining: int | None
    skip: int = 0
    body: re.Pattern[str] | None = None


def _fault_from(spec: dict[str, Any]) -> Fault:
    kind = spec.get("kind", "status")
    headers = {str(k): str(v) for k, v in (spec.get("headers") or {}).items()}
    seconds = float(spec.get("seconds", 30 if kind == "timeout" else 2))
    if kind == "status":
        raw = spec.get("body", {"error": "injected fault"})
        body = raw.encode() if isinstance(raw, str) else json.dumps(raw).encode()
        headers.setdefault("Content-Type", "application/json" if not isinstance(raw, str) else "text/plain")
        return Fault("respond", int(spec.get("status", 500)), body, headers)
    if kind == "malformed":
        headers.setdefault("Content-Type", "application/json")
        return Fault("respond", int(spec.get("status", 200)), b'{"truncated": [1, 2', headers)
    if kind == "html":
        headers.setdefault("Content-Type", "text/html")
        page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>"
        return Fault("respond", int(spec.get("status", 502)), page, headers)
    if kind in ("timeout", "slow_body", "reset"):
        return Fault(kind, seconds=seconds)
    raise ValueError(f"unknown fault kind {kind!r}")


class FaultInjector:
    """Holds the active latency and fault rules of one sandbox (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.latency_ms = 0.0
        self._rules: list[_Rule] = []

    def configure(self, spec: dict[str, Any]) -> None:
        rules = [
            _Rule(re.compile(r.get("path", ".*")), (r.get("method") or "").upper() or None, _fault_from(r),
                  r.get("count"), int(r.get("after", 0)),
                  re.compile(r["match_body"]) if r.get("match_body") else None)
            for r in spec.get("rules", [])
        ]
        with self._lock:
            self.latency_ms = float(spec.get("latency_ms", 0))
            self._rules = rules

    def clear(self) -> None:
        self.configure({})

    def before(self, method: str, path: str, body: bytes = b"") -> Fault | None:
        """Apply latency, then return the first matching fault (consuming one use)."""
        with self._lock:
            delay = self.latency_ms / 1000
            chosen: Fault | None = None
            for rule in self._rules:
                if rule.method and rule.method != method:
                    continue
                if not rule.path.search(path):
                    continue
                if rule.body is not None and not rule.body.search(body.decode("utf-8", "replace")):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                if rule.remaining is not None:
                    if rule.remaining <= 0:
                        continue
                    rule.remaining -= 1
                chosen = rule.fault
                break
        if delay:
            time.sleep(delay)
        return chosen
