"""Aptura's local API Gateway: serve a SAM template's API routes on a local port, without Docker.

``sam local start-api`` needs a container runtime, which our machines lack, so this emulates the part we use::

    python -m local.gateway --template template.yaml [--port 3000] [--host 127.0.0.1] \\
        [--env-vars env.json] [--parameter-overrides StageName=Dev LogLevel=DEBUG]

or from Python: ``gw = Gateway("template.yaml", port=0); url = gw.start(); ...; gw.stop()``.

* Routes come from each function's ``Events``: ``Type: Api`` gets REST payload 1.0 events, ``Type: HttpApi``
  payload 2.0 (or 1.0 if its PayloadFormatVersion says so), built by :mod:`local.events`. ``{param}``,
  ``{proxy+}`` and ``ANY`` work; the most specific path wins, as in API Gateway.
* Each function runs in long-lived worker processes (:mod:`local.lambda_worker`), one request at a time each,
  like Lambda execution environments: module state stays warm between requests, and functions whose modules
  share a name (every ``app.py``) never meet. A pool grows on demand to ``max_workers`` (default 4) per
  function when all are busy. Workers start on a function's first request, with cwd = CodeUri, PYTHONPATH =
  CodeUri + layer directories, and environment = os.environ + Lambda's runtime variables + Globals + function
  Environment + ``--env-vars`` (``Parameters`` for all functions, then the function's own entry; unlike
  ``sam local``, keys not declared in the template are added too). ``AWS_SAM_LOCAL=true`` is set as by
  ``sam local`` (Powertools Tracer then stays off). Their stdout/stderr go to our stderr as ``[Function] ...``.
  Code changes are picked up by restarting the gateway (warm state would not survive a reload anyway).

Errors are answered the way API Gateway answers them, with these deliberate choices:

Every error the gateway itself answers is in Aptura's format, as template.yaml's GatewayResponses make API
Gateway answer: ``{"error", "message", "details": {"request_id"}}`` with ``X-Request-Id`` (the event's
``requestContext.requestId``, as ``$context.requestId`` there):

* unknown path: 404 ``not_found``;
* known path, method not routed (including TRACE, QUERY and every method API Gateway cannot route):
  405 ``method_not_allowed`` with an ``Allow`` header. A real REST API answers
  403 "Missing Authentication Token" here, but the 403 hides which methods exist and makes HTTP tooling
  (schemathesis' unsupported-method check) report a defect; the issue asks for 404/405, so we follow HTTP;
* function error, crash or malformed response: 502 ``internal_error``; a crashed
  worker is discarded and the next request starts a fresh one (a cold start);
* function Timeout (or the 29 s REST / 30 s HTTP API integration limit, whichever is first): 504
  ``provider_timeout``, and the worker is killed. In AWS a function timeout
  reaches clients as 502; 504 tells a developer what happened, as the issue requires;
* request body over 10 MB (API Gateway's limit): 413; the connection is closed rather than drained.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from base64 import b64decode
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self, TextIO
from urllib.parse import urlsplit

from local.events import HttpRequest, build_event
from local.template import Function, Route, Stack, load_stack

# The gateway's own errors in Aptura's format (the codes template.yaml's GatewayResponses use).
_ERROR_CODES = {404: "not_found", 405: "method_not_allowed", 429: "rate_limited", 504: "provider_timeout"}
NOT_FOUND = "no such route; see GET /v1/openapi.json"
# Query values redacted from access log lines: any parameter whose name is or ends in one of these.
_SECRET_QUERY_VALUES = re.compile(r"([?&;](?:[^=&\s]*_)?(?:code|state|token|key|secret))=[^&\s\"]*", re.IGNORECASE)
# A hosted connect page's path carries its session's bearer token: only a short prefix stays in the log.
_CONNECT_TOKEN = re.compile(r"(/connect/cst_[A-Za-z0-9_-]{4})[A-Za-z0-9_-]*")

MAX_BODY = 10 * 1024 * 1024
INIT_TIMEOUT = 10.0  # Lambda's init phase limit
INTEGRATION_TIMEOUT = {"Api": 29.0, "HttpApi": 30.0}
WORKER_SCRIPT = Path(__file__).with_name("lambda_worker.py")
_LOG_LOCK = threading.Lock()


class InvokeError(Exception):
    """An invocation that API Gateway turns into an error response."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


BAD_GATEWAY = (502, "Internal server error")
TIMED_OUT = (504, "Endpoint request timed out")


class Worker:
    """One worker process: a single warm Lambda execution environment for one function."""

    def __init__(self, fn: Function, env: dict[str, str], arn: str, log: TextIO | None) -> None:
        self.fn = fn
        self.alive = True
        self._ready = False
        self._buf = bytearray()
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        try:
            self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and script, no shell
                [sys.executable, "-u", "-P", str(WORKER_SCRIPT), fn.handler, str(req_r), str(resp_w), arn],
                cwd=fn.code_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                pass_fds=(req_r, resp_w),
                start_new_session=True,  # own process group: Ctrl-C goes to us, and kill() takes its children too
            )
        except OSError:
            os.close(req_w)
            os.close(resp_r)
            raise
        finally:
            os.close(req_r)
            os.close(resp_w)
        self._requests = os.fdopen(req_w, "wb")
        self._resp_fd = resp_r
        self._relay = threading.Thread(target=self._relay_logs, args=(log,), daemon=True)
        self._relay.start()

    def _relay_logs(self, log: TextIO | None) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with _LOG_LOCK:
                try:
                    print(f"[{self.fn.name}] {line}", file=log or sys.stderr, flush=True)
                except (OSError, ValueError):  # a closed log stream must not stop the draining (the worker would block)
                    pass

    def _read_message(self, deadline: float) -> dict[str, Any] | None:
        """The next protocol line, or None once ``deadline`` (monotonic) passes. Raises EOFError on exit."""
        while b"\n" not in self._buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([self._resp_fd], [], [], remaining)[0]:
                return None
            chunk = os.read(self._resp_fd, 1 << 16)
            if not chunk:
                raise EOFError
            self._buf += chunk
        line, _, rest = bytes(self._buf).partition(b"\n")
        self._buf = bytearray(rest)
        return json.loads(line)

    def invoke(self, event: dict[str, Any], request_id: str, wait_limit: float) -> Any:
        """Run one invocation and return the handler's result; raise :class:`InvokeError` otherwise."""
        try:
            if not self._ready:
                if self._read_message(time.monotonic() + INIT_TIMEOUT) is None:
                    raise InvokeError(*BAD_GATEWAY)
                self._ready = True
            deadline_ms = int(time.time() * 1000 + self.fn.timeout * 1000)
            message = {"event": event, "requestId": request_id, "deadlineMs": deadline_ms}
            self._requests.write(json.dumps(message).encode() + b"\n")
            self._requests.flush()
            reply = self._read_message(time.monotonic() + wait_limit)
            if reply is None:
                raise InvokeError(*TIMED_OUT)
        except (EOFError, BrokenPipeError, ValueError) as exc:  # crashed, or wrote garbage on the protocol fd
            self.kill()
            raise InvokeError(*BAD_GATEWAY) from exc
        except InvokeError:
            self.kill()  # timed out: the environment is not reused, as Lambda does
            raise
        if "error" in reply:  # the handler raised: Lambda keeps this environment warm
            raise InvokeError(*BAD_GATEWAY)
        return reply["result"]

    def terminate(self) -> None:
        """Kill the process group (the worker and anything it started) and reap it; the pipes stay open, so a
        thread blocked in :meth:`invoke` wakes up with EOF instead of reading a closed (maybe reused) fd."""
        self.alive = False
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()

    def kill(self) -> None:
        """Terminate and release the pipes; only for the worker's current user (or an idle worker)."""
        self.terminate()
        try:
            self._requests.close()
        except OSError:  # BrokenPipeError: close() flushes what a dead worker never read
            pass
        if self._resp_fd >= 0:
            os.close(self._resp_fd)
            self._resp_fd = -1
        self._relay.join(timeout=2)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


class FunctionPool:
    """Up to ``max_workers`` workers for one function, created on demand, most recently used first."""

    def __init__(self, fn: Function, env: dict[str, str], arn: str, max_workers: int, log: TextIO | None) -> None:
        self.fn, self._env, self._arn, self._max, self._log = fn, env, arn, max_workers, log
        self._idle: list[Worker] = []
        self._all: set[Worker] = set()
        self._cond = threading.Condition()
        self._closed = False

    def invoke(self, event: dict[str, Any], request_id: str, wait_limit: float) -> Any:
        """Invoke on a free worker, waiting for one when ``max_workers`` are busy."""
        worker = self._acquire()
        try:
            return worker.invoke(event, request_id, wait_limit)
        finally:
            self._release(worker)

    def _acquire(self) -> Worker:
        with self._cond:
            while not self._closed:
                if self._idle:
                    return self._idle.pop()  # LIFO: the warmest environment serves sequential traffic
                if len(self._all) < self._max:
                    try:
                        worker = Worker(self.fn, self._env, self._arn, self._log)
                    except OSError as exc:
                        print(f"[gateway] cannot start {self.fn.name}: {exc}", file=self._log or sys.stderr)
                        raise InvokeError(*BAD_GATEWAY) from exc
                    self._all.add(worker)
                    return worker
                self._cond.wait()
        raise InvokeError(*BAD_GATEWAY)  # the gateway is stopping

    def _release(self, worker: Worker) -> None:
        with self._cond:
            if worker.alive and not self._closed:
                self._idle.append(worker)
            else:
                self._all.discard(worker)
            self._cond.notify()
        if not worker.alive or self._closed:
            worker.kill()

    def open(self) -> None:
        """Accept invocations again (after :meth:`close`)."""
        with self._cond:
            self._closed = False

    def close(self) -> None:
        """Kill every worker, busy or idle; callers waiting for one get a 502."""
        with self._cond:
            self._closed = True
            idle, busy = self._idle, self._all.difference(self._idle)
            self._all, self._idle = set(), []
            self._cond.notify_all()
        for worker in idle:
            worker.kill()
        for worker in busy:  # their request threads see EOF, answer 502 and release the pipes
            worker.terminate()


def lambda_to_http(result: Any, payload_version: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """Map a proxy integration result to ``(status, headers, body)``; ValueError if API Gateway would reject it."""
    if payload_version == "2.0" and not (isinstance(result, dict) and "statusCode" in result):
        # HTTP API's shortcut: any other JSON value is a 200 with that JSON as the body.
        return 200, [("Content-Type", "application/json")], json.dumps(result).encode()
    if not isinstance(result, dict) or "statusCode" not in result:
        raise ValueError("malformed Lambda proxy response")
    status = int(result["statusCode"])
    multi: dict[str, list[Any]] = result.get("multiValueHeaders") or {}
    # Like API Gateway: a header set in both places takes only the multiValueHeaders values.
    in_multi = {k.lower() for k in multi}
    headers = [(k, str(v)) for k, v in (result.get("headers") or {}).items() if k.lower() not in in_multi]
    headers += [(k, str(v)) for k, values in multi.items() for v in values]
    if payload_version == "2.0":
        headers += [("Set-Cookie", str(c)) for c in result.get("cookies") or []]
    if not any(k.lower() == "content-type" for k, _ in headers):
        headers.append(("Content-Type", "application/json"))
    body = result.get("body")
    if not 100 <= status <= 599 or (body is not None and not isinstance(body, str)):
        raise ValueError("malformed Lambda proxy response")
    if any("\r" in k + v or "\n" in k + v for k, v in headers):
        raise ValueError("header with a line break")
    data = b"" if body is None else b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return status, headers, data


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 refuses bursts of parallel clients
    gateway: Gateway


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like API Gateway
    # Headers and body go out as separate writes; without this, Nagle + the client's delayed ACK stall every
    # request after the first on a keep-alive connection by ~40 ms.
    disable_nagle_algorithm = True
    server: _Server

    def __getattr__(self, name: str) -> Any:
        # http.server answers methods without a do_<METHOD> with 501; API Gateway routes or refuses every method.
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def _handle(self) -> None:
        gw = self.server.gateway
        request_id = str(uuid.uuid4())
        try:
            body = self._read_body()
        except ValueError:  # unparsable Content-Length or chunk size: the stream position is lost
            self.close_connection = True
            return self._send_error(400, "Bad Request", request_id)
        if body is None:
            self.close_connection = True  # not worth draining 10 MB+; the client sees the close
            return self._send_error(413, f"the request body is too large (at most {MAX_BODY // 2**20} MB)", request_id)
        split = urlsplit(self.path)
        raw_path = split.path or "/"
        found, allowed = gw.match(self.command, raw_path)
        if found is None:
            if not allowed:
                return self._send_error(404, NOT_FOUND, request_id)
            return self._send_error(405, f"{self.command} is not allowed on {raw_path}; allowed: {', '.join(allowed)}",
                                    request_id, (("Allow", ", ".join(allowed)),))
        route, params = found
        req = HttpRequest(self.command, raw_path, split.query, list(self.headers.items()), body, self.client_address[0])
        event = build_event(req, route, params, request_id=request_id)
        wait_limit = min(gw.stack.functions[route.function_id].timeout, INTEGRATION_TIMEOUT[route.kind])
        try:
            result = gw.pools[route.function_id].invoke(event, request_id, wait_limit)
            status, headers, data = lambda_to_http(result, route.payload_version)
        except InvokeError as exc:
            return self._send_error(exc.status, str(exc), request_id)
        except (ValueError, TypeError, AttributeError) as exc:  # e.g. headers that are not a map
            gw.log(f"{route.function_id} returned an invalid response: {exc}")
            return self._send_error(*BAD_GATEWAY, request_id)
        self._send(status, headers, data, request_id)

    def _read_body(self) -> bytes | None:
        """Read the whole body (so early answers leave the connection clean); None when it is too large."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks, total = [], 0
            while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                total += size
                if total > MAX_BODY:
                    return None
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return None if length > MAX_BODY else self.rfile.read(length)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own refusals (414 URI too long, 431 headers too large, 400 bad request line)
        in Aptura's error format, as API Gateway answers with GatewayResponses, instead of HTML."""
        self.close_connection = True
        self._send_error(code, message or "Bad Request", str(uuid.uuid4()))

    def _send_error(self, status: int, message: str, request_id: str, extra: tuple[tuple[str, str], ...] = ()) -> None:
        code = _ERROR_CODES.get(status, "validation_error" if status < 500 else "internal_error")
        data = json.dumps({"error": code, "message": message, "details": {"request_id": request_id}}).encode()
        self._send(status, [("Content-Type", "application/json"), ("X-Request-Id", request_id), *extra], data,
                   request_id)

    def _send(self, status: int, headers: list[tuple[str, str]], data: bytes, request_id: str) -> None:
        self.send_response(status)
        for key, value in headers:
            if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", request_id)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        # The request line carries OAuth codes and states; an access log must not keep them.
        line = _SECRET_QUERY_VALUES.sub(r"\1=REDACTED", format % args)
        self.server.gateway.log(_CONNECT_TOKEN.sub(r"\1...REDACTED", line))


class Gateway:
    """The local gateway: routes from ``template_path``, one worker pool per function, an HTTP server."""

    def __init__(
        self,
        template_path: str | Path,
        env_overrides: dict[str, dict[str, Any]] | None = None,
        parameter_overrides: dict[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int | None = None,
        *,
        max_workers: int = 4,
        log: TextIO | None = None,
    ) -> None:
        self.stack: Stack = load_stack(template_path, parameter_overrides)
        self.routes: list[Route] = self.stack.routes
        self.host = host
        self.port = int(os.environ.get("APTURA_PORT", "3000")) if port is None else port
        self._log = log
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        env_overrides = env_overrides or {}
        self.pools = {
            fid: FunctionPool(fn, self.function_env(fn, env_overrides), self._arn(fn), max_workers, log)
            for fid, fn in self.stack.functions.items()
        }

    @property
    def url(self) -> str:
        """Base URL (meaningful after :meth:`start`, which resolves port 0 to the real port)."""
        return f"http://{self.host}:{self.port}"

    def _arn(self, fn: Function) -> str:
        return f"arn:aws:lambda:{self.stack.region}:123456789012:function:{fn.name}"

    def function_env(self, fn: Function, env_overrides: dict[str, dict[str, Any]]) -> dict[str, str]:
        """The environment ``fn``'s workers get (see the module docstring for the order)."""
        env = dict(os.environ)
        env.update(
            {
                "AWS_LAMBDA_FUNCTION_NAME": fn.name,
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_mb),
                "AWS_LAMBDA_FUNCTION_TIMEOUT": str(fn.timeout),
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fn.name}",
                "AWS_LAMBDA_LOG_STREAM_NAME": f"$LATEST/{uuid.uuid4().hex}",
                "AWS_REGION": self.stack.region,
                "AWS_DEFAULT_REGION": self.stack.region,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.runtime}",
                "AWS_SAM_LOCAL": "true",
                "LAMBDA_TASK_ROOT": str(fn.code_dir),
                "_HANDLER": fn.handler,
                "TZ": ":UTC",
            }
        )
        env.update(fn.environment)
        for key in ("Parameters", fn.logical_id, fn.name):
            env.update({k: "" if v is None else str(v) for k, v in (env_overrides.get(key) or {}).items()})
        env["PYTHONPATH"] = os.pathsep.join(str(p) for p in fn.python_path)
        return env

    def match(self, method: str, raw_path: str) -> tuple[tuple[Route, dict[str, str]] | None, list[str]]:
        """``((route, path_params), allowed)`` for a request; route is None for 404 (no allowed) or 405."""
        matches = [(r, p) for r in self.routes if (p := r.match(raw_path)) is not None]
        allowed = sorted({m for r, _ in matches for m in r.methods})
        candidates = [(r, p) for r, p in matches if method in r.methods]
        if not candidates:
            return None, allowed
        # The most specific path wins; on the same path an explicit method beats ANY.
        return max(candidates, key=lambda rp: (rp[0].specificity, rp[0].method != "ANY")), allowed

    def log(self, line: str) -> None:
        """Write one gateway log line to stderr (or the ``log`` stream given)."""
        with _LOG_LOCK:
            print(f"[gateway] {line}", file=self._log or sys.stderr, flush=True)

    def describe_routes(self) -> list[str]:
        """One human-readable line per route."""
        return [
            f"  {r.method:<7} {self.url}{r.path} -> {r.function_id} "
            f"({'REST' if r.kind == 'Api' else 'HTTP API'}, payload {r.payload_version}, stage {r.stage})"
            for r in self.routes
        ]

    def start(self) -> str:
        """Serve in a background thread; return the base URL."""
        for fn in self.stack.functions.values():
            if not fn.code_dir.is_dir():
                self.log(f"warning: {fn.logical_id} CodeUri {fn.code_dir} does not exist; its routes will answer 502")
        for pool in self.pools.values():
            pool.open()
        self._server = _Server((self.host, self.port), _Handler)
        self._server.gateway = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.1,), daemon=True, name="gateway")
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and kill every worker; nothing started by the gateway keeps running."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        for pool in self.pools.values():
            pool.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def load_env_vars(path: str | Path) -> dict[str, dict[str, Any]]:
    """Read a SAM-style ``env.json``: ``{"Parameters": {...}, "<FunctionLogicalId>": {...}}``."""
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def parse_parameter_overrides(items: list[str]) -> dict[str, str]:
    """``["K=V", "ParameterKey=K,ParameterValue=V"]`` (both SAM spellings) -> ``{"K": "V"}``."""
    out = {}
    for item in items:
        if item.startswith("ParameterKey="):
            key_part, _, value_part = item.partition(",ParameterValue=")
            out[key_part.removeprefix("ParameterKey=")] = value_part
        else:
            key, _, value = item.partition("=")
            out[key] = value
    return out


def main(argv: list[str] | None = None) -> None:
    """CLI entry point: serve until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(description="Serve a SAM template's API routes locally, without Docker.")
    parser.add_argument("--template", default="template.yaml")
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("APTURA_PORT", "3000")))
    parser.add_argument("--env-vars", help="SAM-style env.json with per-function and Parameters overrides")
    parser.add_argument("--parameter-overrides", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument("--max-workers", type=int, default=4, help="concurrent workers per function")
    args = parser.parse_args(argv)
    gateway = Gateway(
        args.template,
        env_overrides=load_env_vars(args.env_vars) if args.env_vars else None,
        parameter_overrides=parse_parameter_overrides(args.parameter_overrides),
        host=args.host,
        port=args.port,
        max_workers=args.max_workers,
    )
    url = gateway.start()
    print("\n".join(["Routes:", *gateway.describe_routes()]), flush=True)
    print(f"Aptura gateway listening on {url} (Ctrl-C to stop)", flush=True)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    while not stopping.wait(0.25):  # a bare wait() can miss a signal delivered while blocked
        pass
    gateway.stop()


if __name__ == "__main__":
    main()
