"""A tiny HTTP toolkit for provider sandboxes (stdlib only).

Each provider sandbox is a :class:`SandboxApp`: a router of handlers plus its own
state. :func:`serve` mounts any number of apps on one port under ``/<name>``, so one
process (and one URL) serves every simulated provider, as ``make dev`` needs.

Why stdlib: sandboxes run in tests, in the local stack and in benchmarks; they must
start in milliseconds and add no dependency the product does not already have.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from sandboxes.core.faults import Fault, FaultInjector


@dataclass
class Request:
    """One incoming request, already split into the parts handlers need."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    params: dict[str, str] = field(default_factory=dict)

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)

    def json(self) -> Any:
        """Parse the body as JSON; raises ``ValueError`` on malformed input."""
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> list[tuple[str, str]]:
        return parse_qsl(self.body.decode("utf-8"), keep_blank_values=True)

    def arg(self, name: str, default: str | None = None) -> str | None:
        """First query value for ``name`` (exact match)."""
        for key, value in self.query:
            if key == name:
                return value
        return default


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    reason: str | None = None  # a provider's own reason phrase, when it differs from the standard one

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        hdrs = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
        return cls(status, json.dumps(data).encode("utf-8"), hdrs)

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain") -> Response:
        return cls(status, text.encode("utf-8"), {"Content-Type": f"{content_type}; charset=utf-8"})


Handler = Callable[[Request], Response]
_PARAM = re.compile(r"\{(\w+)(:path)?\}")


@dataclass
class _Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class SandboxApp:
    """Base class for a provider sandbox: routes, seed state, faults, admin hooks.

    Subclasses register routes in ``__init__`` with :meth:`route` and implement
    :meth:`reset` to (re)build deterministic seed state. Every app gets admin
    endpoints under ``/_sandbox/`` (which real providers lack): ``POST reset``,
    ``POST|DELETE faults``, ``POST clock`` (``{"now": iso}`` pins :meth:`now`, ``{}`` unpins),
    ``GET state`` and ``GET requests`` (the log of provider calls, for tests), and ``POST wording``
    (``{"slot_taken": n}``: the n-th of the sandbox's ways of refusing a taken slot, see :meth:`worded`;
    reset goes back to the first).
    """

    name: str = "sandbox"

    def __init__(self) -> None:
        self._routes: list[_Route] = []
        self.faults = FaultInjector()
        self.lock = threading.RLock()
        self.requests: list[tuple[str, str]] = []  # (method, path) log for tests
        self._now: datetime | None = None
        self.wording: dict[str, int] = {}
        self.reset()

    def now(self) -> datetime:
        """The sandbox clock (aware UTC): real time unless pinned by ``POST /_sandbox/clock``."""
        return self._now or datetime.now(UTC)

    def worded(self, kind: str, variants: list[Any]) -> Any:
        """The wording of a refusal of ``kind`` chosen by ``POST /_sandbox/wording`` (the first by default).

        Real providers word one refusal in several ways (by endpoint, version or locale), so clients
        must not depend on one text; the sandboxes let tests try each.
        """
        return variants[self.wording.get(kind, 0) % len(variants)]

    # -- to override ---------------------------------------------------------------
    def reset(self) -> None:
        """Rebuild the seed state. Called at start and by ``POST /_sandbox/reset``."""

    def admin_state(self) -> Any:
        """A JSON view of the state, for tests (``GET /_sandbox/state``)."""
        return {}

    def arrived(self, request: Request) -> None:
        """A request that will be served has arrived (before an injected stall delays it).

        For providers that act on a request as it arrives (e.g. lock what it works on).
        """

    def not_found(self, request: Request) -> Response:
        return Response.json({"error": "not found", "path": request.path}, 404)

    def bad_request(self, message: str) -> Response:
        return Response.json({"error": message}, 400)

    # -- routing ---------------------------------------------------------------------
    def route(self, method: str, template: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` and a path template such as ``/items/{id}``."""
        regex = "^" + _PARAM.sub(
            lambda m: f"(?P<{m.group(1)}>.+)" if m.group(2) else f"(?P<{m.group(1)}>[^/]+)",
            template,
        ) + "$"
        self._routes.append(_Route(method.upper(), re.compile(regex, re.IGNORECASE), handler))

    def dispatch(self, request: Request) -> Response:
        if request.path.startswith("/_sandbox/"):
            return self._admin(request)
        with self.lock:
            self.requests.append((request.method, request.path))
        allowed: list[str] = []
        for route in self._routes:
            match = route.pattern.match(request.path)
            if not match:
                continue
            if route.method != request.method:
                allowed.append(route.method)
                continue
            request.params = {k: unquote(v) for k, v in match.groupdict().items()}
            return route.handler(request)
        if allowed:
            return Response.json({"error": "method not allowed"}, 405, {"Allow": ", ".join(allowed)})
        return self.not_found(request)

    def _admin(self, request: Request) -> Response:
        action = request.path[len("/_sandbox/"):]
        if action == "reset" and request.method == "POST":
            with self.lock:
                self.faults.clear()
                self.requests.clear()
                self.wording.clear()
                self.reset()
            return Response.json({"ok": True})
        if action == "faults" and request.method == "POST":
            spec = request.json() or {}
            self.faults.configure(spec)
            return Response.json({"ok": True})
        if action == "faults" and request.method == "DELETE":
            self.faults.clear()
            return Response.json({"ok": True})
        if action == "wording" and request.method == "POST":
            chosen = request.json() or {}
            self.wording.update({str(k): int(v) for k, v in chosen.items()})
            return Response.json({"wording": self.wording})
        if action == "clock" and request.method == "POST":
            value = (request.json() or {}).get("now")
            self._now = datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None
            return Response.json({"now": self.now().isoformat()})
        if action == "state" and request.method == "GET":
            with self.lock:
                return Response.json(self.admin_state())
        if action == "requests" and request.method == "GET":
            with self.lock:
                return Response.json([{"method": m, "path": p} for m, p in self.requests])
        return Response.json({"error": f"unknown admin action {action}"}, 404)


class _Handler(BaseHTTPRequestHandler):
    server: _SandboxServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes; without this, Nagle + delayed ACK adds ~40 ms per request.
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.server.verbose:
            super().log_message(format, *args)

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        segments = parts.path.split("/", 2)
        app = self.server.apps.get(segments[1].lower()) if len(segments) > 1 else None
        if app is None:
            self._send(Response.json({"error": "no such sandbox", "sandboxes": sorted(self.server.apps)}, 404))
            return
        request = Request(
            method=self.command,
            path="/" + (segments[2] if len(segments) > 2 else ""),
            query=parse_qsl(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        fault: Fault | None = None
        if not request.path.startswith("/_sandbox/"):
            fault = app.faults.before(request.method, request.path, request.body)
        if fault is not None and fault.kind in ("reset", "respond"):  # never reaches dispatch, still received
            with app.lock:
                app.requests.append((request.method, request.path))
        if fault is not None and fault.kind == "reset":
            self.close_connection = True
            self.connection.shutdown(2)  # abrupt close: the client sees a connection reset
            return
        served = fault is None or fault.kind != "respond"
        if served and not request.path.startswith("/_sandbox/"):
            app.arrived(request)
        if fault is not None and fault.kind == "timeout":
            time.sleep(fault.seconds)
        try:
            response = app.dispatch(request) if served or fault is None else fault.response()
        except Exception as exc:  # a sandbox bug must not kill the server thread
            response = Response.json({"error": "sandbox internal error", "detail": repr(exc)}, 500)
        try:
            self._send(response, slow=fault.seconds if fault is not None and fault.kind == "slow_body" else 0.0)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its timeout fired): nothing to report

    def _send(self, response: Response, slow: float = 0.0) -> None:
        self.send_response(response.status, response.reason)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if not any(name.lower() == "x-request-id" for name in response.headers):
            # Most providers tag answers with a request id; Aptura's audit log records it.
            self.send_header("X-Request-Id", uuid.uuid4().hex)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if slow and response.body:
            half = len(response.body) // 2
            self.wfile.write(response.body[:half])
            self.wfile.flush()
            time.sleep(slow)
            self.wfile.write(response.body[half:])
        else:
            self.wfile.write(response.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


class _SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # concurrency tests open 20+ connections at once; 5 drops some

    def __init__(self, address: tuple[str, int], apps: dict[str, SandboxApp], verbose: bool) -> None:
        super().__init__(address, _Handler)
        self.apps = apps
        self.verbose = verbose


@dataclass
class RunningServer:
    """A started sandbox server; ``url`` is its base, ``stop()`` shuts it down."""

    server: _SandboxServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def app(self, name: str) -> SandboxApp:
        return self.server.apps[name]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(apps: list[SandboxApp], host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> RunningServer:
    """Start serving ``apps`` (each under ``/<app.name>``) in a background thread."""
    server = _SandboxServer((host, port), {a.name: a for a in apps}, verbose)
    thread = threading.Thread(target=server.serve_forever, name="sandbox-server", daemon=True)
    thread.start()
    return RunningServer(server, thread)
