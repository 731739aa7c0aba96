"""Test helpers: drive the real handlers with the same API Gateway events the local
gateway builds, and provision accounts, keys and connections."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from local.events import HttpRequest, build_event
from local.template import Function, Route, load_stack

ROOT = Path(__file__).resolve().parents[1]
STACK = load_stack(ROOT / "template.yaml")
# One module per function, and one invocation at a time in this process, as in one Lambda
# execution environment. Powertools' resolvers keep the event being handled in class state
# (``BaseRouter.current_event``), shared by every resolver in the process, so two invocations
# at once would read each other's requests. Tests that need requests really at once send them
# through the local gateway's worker processes instead (``call_gateway``).
_MODULES: dict[str, ModuleType] = {}
_ENVIRONMENT = threading.Lock()
# Called with (method, path, headers, body) before each invoke; each returns what to call with its Result.
# The secret scan (tests/secret_scan.py) learns sent credentials and checks every answer this way.
INVOKE_HOOKS: list[Callable[[str, str, dict[str, str], Any], Callable[[Any], None]]] = []
# Called with each line the local gateway's Lambda workers wrote (their logs live in other processes).
WORKER_LOG_HOOKS: list[Callable[[str], None]] = []


@dataclass
class Result:
    status: int
    headers: dict[str, str]
    body: Any

    def __repr__(self) -> str:
        return f"Result({self.status}, {self.body!r})"


class FakeContext:
    """A Lambda context for in-process invocations."""

    def __init__(self, fn: Function) -> None:
        self.function_name = fn.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{fn.name}"
        self.memory_limit_in_mb = fn.memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{fn.name}"
        self.log_stream_name = "local"
        self._deadline = time.time() + fn.timeout

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.time()) * 1000)


def _module(fn: Function) -> ModuleType:
    """Import a function's handler module under a unique name (every function has an app.py)."""
    if fn.logical_id not in _MODULES:
        module_file, _ = fn.handler.rsplit(".", 1)
        path = fn.code_dir / f"{module_file}.py"
        spec = importlib.util.spec_from_file_location(f"fn_{fn.logical_id}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        _MODULES[fn.logical_id] = module
    return _MODULES[fn.logical_id]


def route_for(method: str, raw_path: str) -> tuple[Route, dict[str, str]]:
    for route in sorted(STACK.routes, key=lambda r: r.specificity, reverse=True):
        params = route.match(raw_path)
        if params is not None and method in route.methods:
            return route, params
    raise AssertionError(f"no route for {method} {raw_path}")


def _request_id_checked(answer: Result, keep: bool) -> Result:
    """``answer`` with ``details.request_id`` checked against its X-Request-Id header, then (unless ``keep``)
    removed, so tests compare an error's own details; every error answer of every test checks the id this way."""
    details = answer.body.get("details") if isinstance(answer.body, dict) and "error" in answer.body else None
    if isinstance(details, dict) and "request_id" in details:
        assert details["request_id"] == answer.headers.get("x-request-id"), answer
        if not keep:
            answer.body["details"] = {k: v for k, v in details.items() if k != "request_id"}
    return answer


def invoke(method: str, path: str, *, headers: dict[str, str] | None = None, query: dict[str, Any] | None = None,
           json_body: Any = None, raw_body: bytes | None = None, keep_request_id: bool = False) -> Result:
    """Call the handler that serves ``method path`` with a real API Gateway event.

    An error's ``details.request_id`` is checked and dropped unless ``keep_request_id``."""
    route, params = route_for(method, quote(path))
    body = raw_body if raw_body is not None else (json.dumps(json_body).encode() if json_body is not None else b"")
    hdrs = [("Host", "api.test"), *((k, v) for k, v in (headers or {}).items())]
    if json_body is not None:
        hdrs.append(("Content-Type", "application/json"))
    query_text = urlencode({k: v for k, v in (query or {}).items() if v is not None}, doseq=True)
    event = build_event(HttpRequest(method, quote(path), query_text, hdrs, body), route, params)
    fn = STACK.functions[route.function_id]
    after = [hook(method, path, dict(headers or {}), json_body if json_body is not None else raw_body)
             for hook in INVOKE_HOOKS]
    with _ENVIRONMENT:
        result = _module(fn).lambda_handler(event, FakeContext(fn))
    text = result.get("body") or ""
    parsed = _parsed(text)
    headers = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    for name, values in (result.get("multiValueHeaders") or {}).items():  # REST APIs answer with these
        headers[name.lower()] = ", ".join(values)
    answer = Result(result["statusCode"], headers, parsed)
    for done in after:
        done(answer)
    return _request_id_checked(answer, keep_request_id)


def _parsed(text: str) -> Any:
    """An answer's body: its JSON, else the text itself (None when empty)."""
    try:
        return json.loads(text) if text else None
    except ValueError:
        return text


def call_gateway(base_url: str, method: str, path: str, *, headers: dict[str, str] | None = None,
                 query: dict[str, Any] | None = None, json_body: Any = None, timeout: float = 60.0,
                 keep_request_id: bool = False) -> Result:
    """Call Aptura through the local API Gateway (:mod:`local.gateway`), whose functions run in
    Lambda-like worker processes: requests sent from several threads are really handled at once."""
    after = [hook(method, path, dict(headers or {}), json_body) for hook in INVOKE_HOOKS]
    response = httpx.request(method, f"{base_url}{quote(path)}", headers=headers,
                             params={k: v for k, v in (query or {}).items() if v is not None},
                             json=json_body, timeout=timeout)
    answer = Result(response.status_code, {k.lower(): v for k, v in response.headers.items()}, _parsed(response.text))
    for done in after:
        done(answer)
    return _request_id_checked(answer, keep_request_id)


def auth_headers(key: str, connection_id: str | None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}"}
    if connection_id:
        headers["X-Connection-Id"] = connection_id
    return headers


def configure_aws_env() -> None:
    """Fake credentials and the names the template gives locally."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"]
    for name in ("APTURA_TABLE", "APTURA_IDEMPOTENCY_TABLE"):
        os.environ[name] = STACK.functions["AvailabilityFunction"].environment[name]
    os.environ["APTURA_SECRET_PREFIX"] = "aptura/test/"
    os.environ["APTURA_WEBHOOK_ALLOW_LOOPBACK"] = "1"  # the receivers of the tests listen on 127.0.0.1
    os.environ["POWERTOOLS_SERVICE_NAME"] = "aptura"
    os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "Aptura")
    os.environ.pop("APTURA_SPECS_DIR", None)
    # The suite's deployment is configured (PublicUrl) at the host its requests are sent to.
    os.environ["APTURA_PUBLIC_URL"] = "http://api.test"


def reset_caches() -> None:
    """Forget every per-container cache (clients, keys, secrets, tokens)."""
    from aws_lambda_powertools.utilities import parameters

    from aptura import events
    from aptura.api import idempotency
    from aptura.engine.auth import TOKENS
    from aptura.store import connections, db, keys

    db.reset_clients()
    events.reset_clients()
    idempotency.reset()
    keys.clear_cache()
    connections.reset_secret_cache()
    parameters.clear_caches()
    TOKENS.clear()
