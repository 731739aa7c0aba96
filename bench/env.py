"""The benchmark stack: provider sandboxes and AWS stand-ins in their own processes, one
provisioned account, and counters for the provider and AWS calls a request makes.

Handlers run in this process (``tests.support.invoke`` builds the API Gateway events), so a
profile of them contains only Aptura's work. The sandboxes and the AWS stand-ins run in
subprocesses, as the real provider and AWS are elsewhere: their CPU time does not compete
with the handler for this process's GIL.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT_ID = "acct_bench"
# The sandboxes' clocks are pinned here so their fixed seed dates stay in the future (as in the tests).
PINNED_NOW = "2027-01-04T00:00:00Z"
LATENCY_MS = 50


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation between closest ranks."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def summary(values_ms: list[float]) -> dict[str, float]:
    """p50, p99, mean, min and max of a sample, rounded to 0.01 ms."""
    return {
        "n": len(values_ms),
        "p50": round(percentile(values_ms, 50), 2),
        "p99": round(percentile(values_ms, 99), 2),
        "mean": round(sum(values_ms) / len(values_ms), 2) if values_ms else float("nan"),
        "min": round(min(values_ms), 2) if values_ms else float("nan"),
        "max": round(max(values_ms), 2) if values_ms else float("nan"),
    }


@dataclass
class CapturedRequest:
    """A provider request as the engine put it on the wire (replayed by the direct baseline)."""

    method: str
    url: str
    headers: list[tuple[str, str]]
    content: bytes
    sent_at: float = 0.0  # perf_counter seconds


class ProviderCalls:
    """Records every request the engine's pooled httpx client sends."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: list[CapturedRequest] = []

    def install(self, client: httpx.Client) -> None:
        hooks = client.event_hooks
        if self._on_request not in hooks["request"]:
            client.event_hooks = {"request": [*hooks["request"], self._on_request], "response": hooks["response"]}

    def _on_request(self, request: httpx.Request) -> None:
        captured = CapturedRequest(request.method, str(request.url), list(request.headers.multi_items()),
                                   request.read(), time.perf_counter())
        with self._lock:
            self.requests.append(captured)

    @contextmanager
    def recording(self) -> Iterator[list[CapturedRequest]]:
        """Collect the requests sent inside the block (the list fills as they happen)."""
        bucket: list[CapturedRequest] = []
        with self._lock:
            self.requests = bucket
        try:
            yield bucket
        finally:
            with self._lock:
                self.requests = []  # later requests belong to no recording


# Operations that only read; everything else counts as a write.
_READS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems", "GetSecretValue", "DescribeSecret",
          "ListSecrets", "DescribeTable", "ListTables"}


@dataclass
class AwsCall:
    service: str
    operation: str
    ms: float
    item: str = ""  # the kind of item addressed, e.g. "APIKEY/APIKEY" (key prefixes only, never values)
    # Made by the thread handling the request (on its critical path), not by a background one.
    on_request_thread: bool = True

    @property
    def kind(self) -> str:
        return "read" if self.operation in _READS else "write"


class AwsCalls:
    """Counts boto3 API calls through botocore's ``before-call``/``after-call`` events.

    Installed on boto3's default session before any client exists, so every client the
    handlers create (the table resource, Secrets Manager, Powertools' provider) inherits it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: list[AwsCall] = []

    def install(self) -> None:
        import boto3

        from aptura.store import connections, db

        boto3.setup_default_session()
        assert boto3.DEFAULT_SESSION is not None
        events = boto3.DEFAULT_SESSION.events
        events.register("before-parameter-build", self._params)  # API params; before-call sees the HTTP request
        events.register("before-call", self._before)
        events.register("after-call", self._after)
        db.reset_clients()  # clients made before this point would not carry the hooks
        connections.reset_secret_cache()

    def _params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["bench_item"] = _item_kind(params)

    def _before(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        context["bench_started"] = time.perf_counter()

    def _after(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        started = context.get("bench_started", time.perf_counter())
        call = AwsCall(model.service_model.service_name, model.name, (time.perf_counter() - started) * 1000,
                       context.get("bench_item", ""), threading.current_thread() is threading.main_thread())
        with self._lock:
            self.calls.append(call)

    @contextmanager
    def recording(self) -> Iterator[list[AwsCall]]:
        """Collect the calls completed inside the block."""
        bucket: list[AwsCall] = []
        with self._lock:
            self.calls = bucket
        try:
            yield bucket
        finally:
            with self._lock:
                self.calls = []


def _item_kind(params: dict[str, Any]) -> str:
    """``PK/SK`` prefixes (before ``#``) of the DynamoDB item a call addresses, if it names one."""
    key = params.get("Key")
    if not isinstance(key, dict):
        return ""
    parts = []
    for name in ("pk", "sk"):
        value = key.get(name)
        text = value.get("S", "") if isinstance(value, dict) else str(value or "")
        parts.append(text.split("#", 1)[0])
    return "/".join(parts)


def _wait_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> None:
    from local.services import wait_for_port

    wait_for_port(port, timeout, process, log)


@dataclass
class Stack:
    """The running benchmark stack (see the module docs)."""

    sandbox_url: str
    dynamodb: str  # which backend serves DynamoDB
    key: str = ""
    connections: dict[str, str] = field(default_factory=dict)  # provider -> connection id
    demos: dict[str, dict[str, Any]] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # what a cold-start subprocess needs
    provider_calls: ProviderCalls = field(default_factory=ProviderCalls)
    aws_calls: AwsCalls = field(default_factory=AwsCalls)
    _stops: list[Callable[[], None]] = field(default_factory=list)

    def admin(self, provider: str, action: str, payload: Any = None, method: str = "POST") -> Any:
        """Call a sandbox admin hook (``/<provider>/_sandbox/<action>``)."""
        response = httpx.request(method, f"{self.sandbox_url}/{provider}/_sandbox/{action}", json=payload,
                                 timeout=30)
        response.raise_for_status()
        return response.json() if response.content else None

    def prepare(self, provider: str, latency_ms: float = 0) -> None:
        """Reset the sandbox's seed data, pin its clock and set its latency."""
        self.admin(provider, "reset")
        self.admin(provider, "clock", {"now": PINNED_NOW})
        self.admin(provider, "faults", {"latency_ms": latency_ms})

    def sandbox_requests(self, provider: str) -> list[dict[str, str]]:
        """The provider calls the sandbox received since its last reset (method and path)."""
        return list(self.admin(provider, "requests", method="GET"))

    def headers(self, provider: str | None) -> dict[str, str]:
        from tests.support import auth_headers

        return auth_headers(self.key, self.connections[provider] if provider else None)

    def stop(self) -> None:
        for stop in reversed(self._stops):
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - stopping the rest matters more
                print(f"[bench] stopping a stack process failed: {exc!r}", file=sys.stderr)


def _spawn(argv: list[str], name: str, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], Path]:
    log = Path(tempfile.gettempdir()) / f"aptura-bench-{name}-{os.getpid()}.log"
    with log.open("wb") as sink:  # a file: an unread pipe could block the child
        process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, env=env, cwd=ROOT)  # noqa: S603
    return process, log


def _terminate(process: subprocess.Popen[bytes]) -> Callable[[], None]:
    def stop() -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return stop


def start_stack(providers: list[str], use_dynamodb_local: bool = True) -> Stack:
    """Start sandboxes and AWS stand-ins, provision one account, and point this process at them.

    DynamoDB is AWS's DynamoDB Local (as in ``make dev``) unless it cannot start (no Java)
    or ``use_dynamodb_local`` is False; then moto serves it too. Secrets Manager is moto's server.
    """
    from local.services import free_port, start_dynamodb_local
    from tests.support import configure_aws_env

    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        os.environ.pop(name, None)
    configure_aws_env()
    child_env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layer'}{os.pathsep}{ROOT}"}
    stops: list[Callable[[], None]] = []
    try:
        sandbox_port, moto_port = free_port(), free_port()
        sandbox, sandbox_log = _spawn([sys.executable, "-m", "sandboxes.server", "--port", str(sandbox_port)],
                                      "sandboxes", child_env)
        stops.append(_terminate(sandbox))
        moto_bin = Path(sys.executable).parent / "moto_server"
        moto, moto_log = _spawn([str(moto_bin), "-H", "127.0.0.1", "-p", str(moto_port)], "moto", child_env)
        stops.append(_terminate(moto))
        moto_url = f"http://127.0.0.1:{moto_port}"
        dynamodb_url, backend = moto_url, "moto server"
        if use_dynamodb_local:
            try:
                ddb = start_dynamodb_local()
                stops.append(ddb.stop)
                dynamodb_url, backend = ddb.endpoint, "DynamoDB Local"
            except (OSError, RuntimeError, TimeoutError) as exc:
                print(f"[bench] DynamoDB Local did not start ({exc}); using moto for DynamoDB", file=sys.stderr)
        _wait_port(sandbox_port, sandbox, sandbox_log)
        _wait_port(moto_port, moto, moto_log)
    except Exception:
        for stop in reversed(stops):
            stop()
        raise
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    os.environ.update({"AWS_ENDPOINT_URL_DYNAMODB": dynamodb_url, "AWS_ENDPOINT_URL_SECRETS_MANAGER": moto_url,
                       "APTURA_SANDBOX_URL": sandbox_url})
    stack = Stack(sandbox_url, backend, _stops=stops)
    try:
        _provision(stack, providers)
    except Exception:
        stack.stop()
        raise
    return stack


def _provision(stack: Stack, providers: list[str]) -> None:
    import boto3

    from aptura.store import connections, keys
    from local.resources import create_tables
    from tests.support import reset_caches

    reset_caches()
    stack.aws_calls.install()
    create_tables(boto3.client("dynamodb"), ROOT / "template.yaml")
    stack.key, _ = keys.create_api_key(ACCOUNT_ID, "test")
    # A benchmark sends hundreds of requests a minute with one key; the default limits would answer 429.
    keys.set_account_limits(ACCOUNT_ID, per_minute=1_000_000, per_hour=10_000_000)
    oauth_apps: dict[str, Any] = {}
    for name in providers:
        module = importlib.import_module(f"sandboxes.{name}.app")
        demo = module.DEMO
        stack.demos[name] = demo
        if getattr(module, "OAUTH_APP", None):
            oauth_apps[name] = {"test": module.OAUTH_APP}
        record = connections.create_connection(ACCOUNT_ID, name, "test", demo["config"], demo["credentials"])
        stack.connections[name] = record.connection_id
        stack.prepare(name)
    connections.put_platform_secret("state-key", {"key": "bench-state-signing-key-not-a-secret-0123456789"})
    connections.put_platform_secret("oauth-apps", oauth_apps)
    stack.env = {k: v for k, v in os.environ.items()
                 if k.startswith(("AWS_", "APTURA_", "POWERTOOLS_")) or k in ("PATH", "HOME", "LANG", "TZ")}
    from aptura.engine.runner import default_transport

    stack.provider_calls.install(default_transport().client)


@dataclass(frozen=True)
class Timing:
    wall_ms: float
    cpu_ms: float  # CPU time of this process (every thread): Aptura's own work, not the provider's or AWS's
    body: Any = None


def timed_invoke(stack: Stack, provider: str | None, method: str, path: str, query: dict[str, Any] | None = None,
                 expect: int = 200) -> Timing:
    """One in-process request, timed (raises if the status is not ``expect``)."""
    from tests.support import invoke

    cpu, started = time.process_time(), time.perf_counter()
    result = invoke(method, path, headers=stack.headers(provider), query=query)
    timing = Timing((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000, result.body)
    if result.status != expect:
        raise RuntimeError(f"{method} {path} ({provider}) answered {result.status}: "
                           f"{json.dumps(result.body)[:500]}")
    return timing


def warm_invoke(stack: Stack, provider: str | None, method: str, path: str, query: dict[str, Any] | None = None,
                expect: int = 200) -> float:
    """One in-process request; returns its wall time in ms (raises if the status is not ``expect``)."""
    return timed_invoke(stack, provider, method, path, query, expect).wall_ms
