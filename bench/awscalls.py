"""AWS calls per request (DynamoDB, Secrets Manager), counted with botocore's call events:
the first request after the per-container caches are emptied (a cold container), then
warm requests. No latency is injected: only the count matters here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from bench.env import Stack, warm_invoke

DAY = "2027-01-11"


@dataclass(frozen=True)
class Endpoint:
    name: str
    provider: str | None
    path: str
    availability: bool = False


ENDPOINTS = [
    Endpoint("GET /v1/availability (mindbody, session token)", "mindbody", "/v1/availability", True),
    Endpoint("GET /v1/availability (square, OAuth 2.0)", "square", "/v1/availability", True),
    Endpoint("GET /v1/availability (timetap, session token)", "timetap", "/v1/availability", True),
    Endpoint("GET /v1/services (mindbody)", "mindbody", "/v1/services"),
    Endpoint("GET /v1/providers (no connection)", None, "/v1/providers"),
]


def _query(stack: Stack, endpoint: Endpoint) -> dict[str, Any] | None:
    if not endpoint.availability or endpoint.provider is None:
        return None
    demo = stack.demos[endpoint.provider]
    return {"serviceId": demo["service_id"], "staffId": demo["staff_id"], "startDate": DAY, "endDate": DAY}


def _tally(calls: list[Any]) -> dict[str, Any]:
    dynamo = [c for c in calls if c.service == "dynamodb"]
    return {
        "dynamodb_reads": sum(1 for c in dynamo if c.kind == "read"),
        "dynamodb_writes": sum(1 for c in dynamo if c.kind == "write"),
        "secretsmanager": sum(1 for c in calls if c.service == "secretsmanager"),
        "operations": dict(Counter(f"{c.service}.{c.operation}" + (f"({c.item})" if c.item else "") for c in calls)),
    }


def measure(stack: Stack, requests: int = 20) -> list[dict[str, Any]]:
    """Calls of the first and of ``requests`` warm requests to each of :data:`ENDPOINTS`."""
    from tests.support import reset_caches

    out = []
    reset_caches()  # a cold container: no cached secrets, tokens or limits
    for endpoint in ENDPOINTS:
        if endpoint.provider is not None:
            stack.prepare(endpoint.provider)
        q = _query(stack, endpoint)
        with stack.aws_calls.recording() as calls:
            warm_invoke(stack, endpoint.provider, "GET", endpoint.path, q)
        first = _tally(list(calls))
        warm = []
        for _ in range(requests):
            with stack.aws_calls.recording() as calls:
                warm_invoke(stack, endpoint.provider, "GET", endpoint.path, q)
            warm.append(_tally(list(calls)))
        worst = max(warm, key=lambda t: t["dynamodb_reads"] + t["dynamodb_writes"] + t["secretsmanager"])
        per_request = {k: round(sum(t[k] for t in warm) / len(warm), 2)
                       for k in ("dynamodb_reads", "dynamodb_writes", "secretsmanager")}
        ops: Counter[str] = Counter()
        for t in warm:
            ops.update(t["operations"])
        out.append({
            "endpoint": endpoint.name, "first_request": first, "warm_requests": requests,
            "warm_per_request": per_request, "warm_worst": {k: worst[k] for k in per_request},
            "warm_operations_per_request": {k: round(v / requests, 2) for k, v in sorted(ops.items())},
            "secrets_manager_zero_when_warm": all(t["secretsmanager"] == 0 for t in warm),
            "key_reads_zero_when_warm": all(
                not any(op.startswith("dynamodb.GetItem(APIKEY") for op in t["operations"]) for t in warm),
            "met": all(t["dynamodb_reads"] + t["dynamodb_writes"] + t["secretsmanager"] == 0 for t in warm),
        })
    return out
