"""Overhead: a warm ``GET /v1/availability`` through the handler vs. the same provider call
made directly, both with injected provider latency.

The provider is Mindbody with a one-day window and a staff member: one provider call
(``GET /appointment/bookableitems``) once the session token is cached, which the run
checks against both the engine's own request log and the sandbox's. The direct baseline
replays exactly the request the engine sent (URL, query, headers) over its own pooled
httpx client and parses the JSON body, as any client would. Handler and direct requests
alternate, so both see the same machine load.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from bench.env import LATENCY_MS, CapturedRequest, Stack, summary, timed_invoke, warm_invoke
from bench.profiling import profile_calls

PROVIDER = "mindbody"
PATH = "/v1/availability"
TARGET_RATIO = 1.10


def query(stack: Stack) -> dict[str, Any]:
    """The measured request's query: one day, the demo service and staff member."""
    demo = stack.demos[PROVIDER]
    return {"serviceId": demo["service_id"], "staffId": demo["staff_id"],
            "startDate": "2027-01-11", "endDate": "2027-01-11"}


def direct_client() -> httpx.Client:
    """A client configured like the engine's (pooled, keep-alive)."""
    return httpx.Client(limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
                        headers={"User-Agent": "Aptura/1.0"}, follow_redirects=False)


def replay(client: httpx.Client, requests: list[CapturedRequest]) -> float:
    """Send ``requests`` one after another; returns the wall time in ms."""
    started = time.perf_counter()
    for req in requests:
        response = client.request(req.method, req.url, headers=req.headers, content=req.content or None)
        response.raise_for_status()
        response.json()
    return (time.perf_counter() - started) * 1000


def capture(stack: Stack) -> list[CapturedRequest]:
    """The provider requests one warm handler request makes, checked against the sandbox's log."""
    q = query(stack)
    warm_invoke(stack, PROVIDER, "GET", PATH, q)  # logs in; the token is cached from here on
    before = len(stack.sandbox_requests(PROVIDER))
    with stack.provider_calls.recording() as sent:
        warm_invoke(stack, PROVIDER, "GET", PATH, q)
    received = stack.sandbox_requests(PROVIDER)[before:]
    if len(sent) != len(received) or len(sent) != 1:
        raise RuntimeError(f"expected one provider call per warm request, the engine sent {len(sent)} "
                           f"and the sandbox received {received}")
    return list(sent)


def warm_up(stack: Stack, requests: int) -> None:
    """Warm the handler, the connection pools and DynamoDB Local's JIT at zero latency."""
    stack.admin(PROVIDER, "faults", {"latency_ms": 0})
    q = query(stack)
    for _ in range(requests):
        warm_invoke(stack, PROVIDER, "GET", PATH, q)


def measure(stack: Stack, requests: int = 100, latency_ms: float = LATENCY_MS) -> dict[str, Any]:
    """Alternate ``requests`` handler requests and direct replays at ``latency_ms``."""
    sent = capture(stack)
    q = query(stack)
    stack.admin(PROVIDER, "faults", {"latency_ms": latency_ms})
    handler_ms: list[float] = []
    cpu_ms: list[float] = []
    direct_ms: list[float] = []
    aws_ms: list[float] = []
    critical_aws_ms: list[float] = []
    with direct_client() as client:
        replay(client, sent)  # open its connection
        warm_invoke(stack, PROVIDER, "GET", PATH, q)
        for _ in range(requests):
            with stack.aws_calls.recording() as calls:
                timing = timed_invoke(stack, PROVIDER, "GET", PATH, q)
            handler_ms.append(timing.wall_ms)
            cpu_ms.append(timing.cpu_ms)
            aws_ms.append(sum(c.ms for c in calls))
            critical_aws_ms.append(sum(c.ms for c in calls if c.on_request_thread))
            direct_ms.append(replay(client, sent))
    stack.admin(PROVIDER, "faults", {"latency_ms": 0})
    handler, direct = summary(handler_ms), summary(direct_ms)
    ratio = handler["p50"] / direct["p50"]
    return {
        "provider": PROVIDER,
        "request": f"GET {PATH} (1 day, 1 staff member)",
        "provider_calls_per_request": len(sent),
        "provider_request": f"{sent[0].method} {httpx.URL(sent[0].url).path}",
        "latency_ms": latency_ms,
        "handler_ms": handler,
        "direct_ms": direct,
        "aws_ms_per_request": summary(aws_ms),
        # The part of it the request waited for (the rest overlapped the provider call, in a background thread).
        "aws_ms_on_critical_path": summary(critical_aws_ms),
        "aptura_cpu_ms_per_request": summary(cpu_ms),
        "ratio_p50": round(ratio, 3),
        "added_p50_ms": round(handler["p50"] - direct["p50"], 2),
        "added_p99_ms": round(handler["p99"] - direct["p99"], 2),
        "target_ratio": TARGET_RATIO,
        "met": ratio <= TARGET_RATIO,
    }


def profile(stack: Stack, requests: int = 200) -> dict[str, Any]:
    """cProfile of warm requests at zero latency: where Aptura's own time goes."""
    stack.admin(PROVIDER, "faults", {"latency_ms": 0})
    q = query(stack)
    with stack.aws_calls.recording() as calls:
        result = profile_calls(lambda: warm_invoke(stack, PROVIDER, "GET", PATH, q), requests)
    return {"request": f"GET {PATH} on {PROVIDER}, 0 ms latency",
            "aws_ms_per_call": round(sum(c.ms for c in calls) / requests, 2), **result}
