"""Publishable (browser-safe) keys: created over POST /v1/api-keys, limited to a few scopes and routes,
to their allowed origins and optionally to some connections, rate limited per key and per client IP,
and answered with CORS headers only for their allowed origins; preflights via functions/cors."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from aptura.store import keys as store
from local.events import HttpRequest, build_event
from tests.api.test_connections_api import DEMO, PROVIDER, create_body
from tests.conformance.conftest import PINNED_NOW
from tests.support import INVOKE_HOOKS, STACK, FakeContext, Result, _module, _parsed, auth_headers, invoke, route_for

ORIGIN = "https://salon.example.com"
OTHER_ORIGIN = "https://evil.example.net"
QUERY = {"serviceId": DEMO["service_id"], "startDate": "2027-01-12", "endDate": "2027-01-13"}


@pytest.fixture()
def secret(moto_aws: None, sandboxes: Any) -> str:
    for action, payload in (("reset", None), ("clock", {"now": PINNED_NOW})):
        httpx.post(f"{sandboxes.url}/{PROVIDER}/_sandbox/{action}", json=payload).raise_for_status()
    return store.create_api_key("acct_a", "test")[0]


def connection(secret: str) -> str:
    made = invoke("POST", "/v1/connections", headers=auth_headers(secret, None), json_body=create_body())
    assert made.status == 201, made
    return str(made.body["id"])


def publishable(secret: str, **body: Any) -> Result:
    return invoke("POST", "/v1/api-keys", headers=auth_headers(secret, None),
                  json_body={"kind": "publishable", "allowed_origins": [ORIGIN], **body})


def browser_call(method: str, path: str, key: str, connection_id: str | None, origin: str | None = ORIGIN,
                 source_ip: str = "203.0.113.7", query: dict[str, Any] | None = None) -> Result:
    """A request as a browser page sends it: with an Origin, from a client IP."""
    from urllib.parse import urlencode

    route, params = route_for(method, path)
    headers = [("Host", "api.test"), *auth_headers(key, connection_id).items()]
    if origin:
        headers.append(("Origin", origin))
    req = HttpRequest(method, path, urlencode(query or {}), headers, b"", source_ip)
    fn = STACK.functions[route.function_id]
    after = [hook(method, path, dict(headers), None) for hook in INVOKE_HOOKS]  # the secret scan sees these
    result = _module(fn).lambda_handler(build_event(req, route, params), FakeContext(fn))
    out = {k.lower(): v for k, v in (result.get("headers") or {}).items()}
    out.update({k.lower(): ", ".join(v) for k, v in (result.get("multiValueHeaders") or {}).items()})
    answer = Result(result["statusCode"], out, _parsed(result.get("body") or ""))
    for done in after:
        done(answer)
    return answer


def test_create_lists_and_uses_a_publishable_key(secret: str) -> None:
    conn = connection(secret)
    made = publishable(secret, name="widget", allowed_origins=[ORIGIN, "http://localhost:8080"])
    assert made.status == 201, made
    body = made.body
    assert body["key"].startswith("apt_pk_test_") and body["prefix"] == body["key"][:16]
    assert body["kind"] == "publishable" and body["mode"] == "test"
    assert body["scopes"] == ["availability:read", "bookings:write", "catalog:read"]  # the default
    assert body["allowed_origins"] == [ORIGIN, "http://localhost:8080"] and body["connections"] == []
    listed = invoke("GET", "/v1/api-keys", headers=auth_headers(secret, None)).body["data"]
    entry = next(k for k in listed if k["id"] == body["id"])
    assert entry["kind"] == "publishable" and entry["allowed_origins"] == body["allowed_origins"]
    assert "key" not in entry
    secret_entry = next(k for k in listed if k["id"] != body["id"])
    assert secret_entry["kind"] == "secret" and secret_entry["allowed_origins"] == []
    got = browser_call("GET", "/v1/availability", body["key"], conn, query=QUERY)
    assert got.status == 200, got
    assert got.body["slots"], got.body
    assert got.headers["access-control-allow-origin"] == ORIGIN and got.headers["vary"] == "Origin"
    assert "X-RateLimit-Remaining" in got.headers["access-control-expose-headers"]


@pytest.mark.parametrize(("extra", "status", "field"), [
    ({"scopes": ["bookings:read"]}, 400, "scopes"),
    ({"scopes": ["keys:manage"]}, 400, "scopes"),
    ({"scopes": ["connections:manage", "availability:read"]}, 400, "scopes"),
    ({"allowed_origins": []}, 400, "allowed_origins"),
    ({"allowed_origins": None}, 400, "allowed_origins"),
    ({"allowed_origins": ["https://salon.example.com/widget"]}, 400, "allowed_origins"),
    ({"allowed_origins": ["http://salon.example.com"]}, 400, "allowed_origins"),
    ({"allowed_origins": ["https://*.example.com"]}, 400, "allowed_origins"),
    ({"connections": ["conn_doesnotexist"]}, 400, "connections"),
])
def test_refused_publishable_keys(secret: str, extra: dict[str, Any], status: int, field: str) -> None:
    made = publishable(secret, **extra)
    assert made.status == status, made
    assert made.body["error"] == "validation_error" and field in made.body["details"], made.body
    assert [k["kind"] for k in store.list_api_keys("acct_a", "test")] == ["secret"]  # nothing created


def test_live_keys_allow_https_origins_only(moto_aws: None) -> None:
    from aptura.errors import ValidationError

    with pytest.raises(ValidationError):
        store.create_api_key("acct_a", "live", ("availability:read",), kind="publishable",
                             allowed_origins=("http://localhost:3000",))
    raw, key = store.create_api_key("acct_a", "live", ("availability:read",), kind="publishable",
                                    allowed_origins=("HTTPS://Shop.Example.com:443",))
    assert raw.startswith("apt_pk_live_") and store.mode_of(raw) == "live" and store.kind_of(raw) == "publishable"
    assert key.allowed_origins == ("https://shop.example.com",)


def test_secret_only_fields_and_scopes_beyond_the_caller(secret: str) -> None:
    bad = invoke("POST", "/v1/api-keys", headers=auth_headers(secret, None),
                 json_body={"allowed_origins": [ORIGIN]})
    assert bad.status == 400 and "allowed_origins" in bad.body["details"]
    weak = store.create_api_key("acct_a", "test", ("keys:manage", "availability:read"))[0]
    beyond = publishable(weak, scopes=["catalog:read"])
    assert beyond.status == 403 and beyond.body["details"] == {"scopes": ["catalog:read"]}
    default = publishable(weak)
    assert default.status == 201 and default.body["scopes"] == ["availability:read"]


def test_origin_required_and_matched(secret: str) -> None:
    conn = connection(secret)
    key = publishable(secret).body["key"]
    for origin in (None, OTHER_ORIGIN, ORIGIN + ":8443"):
        refused = browser_call("GET", "/v1/availability", key, conn, origin=origin, query=QUERY)
        assert refused.status == 403 and refused.body["error"] == "forbidden", refused
        assert "origin" in refused.body["message"].lower()
        assert "access-control-allow-origin" not in refused.headers


def test_publishable_key_outside_its_scopes_and_routes_is_403_naming_the_scope(secret: str) -> None:
    conn = connection(secret)
    key = publishable(secret, scopes=["availability:read", "bookings:write"]).body["key"]
    for method, path, scope in (("GET", "/v1/appointments", "bookings:read"), ("GET", "/v1/services", "catalog:read"),
                                ("GET", "/v1/api-keys", "keys:manage"), ("GET", "/v1/connections",
                                                                         "connections:manage"),
                                ("POST", "/v1/appointments/apt_1/cancel", "bookings:write")):
        refused = browser_call(method, path, key, conn)
        assert refused.status == 403, (method, path, refused)
        assert refused.body["details"]["required_scope"] == scope and scope in refused.body["message"]
        assert refused.headers["access-control-allow-origin"] == ORIGIN  # the page can read why
    creating = browser_call("POST", "/v1/appointments", key, conn)  # allowed route: fails on the empty body only
    assert creating.status == 400 and creating.body["error"] == "validation_error", creating


def test_connection_limit_answers_404_for_other_connections(secret: str) -> None:
    first, second = connection(secret), connection(secret)
    key = publishable(secret, connections=[first]).body["key"]
    assert browser_call("GET", "/v1/availability", key, first, query=QUERY).status == 200
    hidden = browser_call("GET", "/v1/availability", key, second, query=QUERY)
    assert hidden.status == 404 and hidden.body["message"] == f"connection {second} not found"


def test_per_client_ip_limit_spans_the_accounts_publishable_keys(secret: str,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "IP_LIMITS", {"per_minute": 3, "per_hour": 100})
    one, two = publishable(secret).body["key"], publishable(secret).body["key"]
    answers = [browser_call("GET", "/v1/providers", k, None) for k in (one, two, one)]
    # /v1/providers is not a publishable route (403), yet each request is counted first
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2", "1", "0"]
    limited = browser_call("GET", "/v1/providers", two, None)
    assert limited.status == 429 and limited.body["details"]["per"] == "client_ip"
    assert limited.headers["retry-after"] and limited.headers["access-control-allow-origin"] == ORIGIN
    elsewhere = browser_call("GET", "/v1/providers", two, None, source_ip="198.51.100.9")
    assert elsewhere.status == 403  # another IP has its own counter
    assert store.use_api_key(secret) is not None  # secret keys are not counted per IP
    by_secret = browser_call("GET", "/v1/providers", secret, None)
    assert by_secret.status == 200


def test_secret_keys_never_get_cors_headers(secret: str) -> None:
    publishable(secret)  # the origin is allowed by some key ...
    answer = browser_call("GET", "/v1/providers", secret, None)
    assert answer.status == 200  # ... yet a secret key's answer is not readable from it
    assert not any(h.startswith("access-control-") for h in answer.headers)


def preflight(origin: str | None, method: str = "GET", path: str = "/v1/availability") -> Result:
    headers = {"Access-Control-Request-Method": method,
               "Access-Control-Request-Headers": "authorization,x-connection-id"}
    if origin:
        headers["Origin"] = origin
    return invoke("OPTIONS", path, headers=headers)


def test_preflight_allows_only_origins_some_publishable_key_allows(secret: str) -> None:
    assert preflight(ORIGIN).status == 403  # no key allows it yet
    made = publishable(secret).body
    ok = preflight(ORIGIN)
    assert ok.status == 204, ok
    assert ok.headers["access-control-allow-origin"] == ORIGIN and ok.headers["vary"] == "Origin"
    assert ok.headers["access-control-allow-headers"] == \
        "Authorization, Content-Type, X-Connection-Id, Idempotency-Key"
    assert ok.headers["access-control-allow-methods"] == "GET" and int(ok.headers["access-control-max-age"]) > 0
    booking = preflight(ORIGIN, "POST", "/v1/appointments")
    assert booking.status == 204 and booking.headers["access-control-allow-methods"] == "POST"
    for refused in (preflight(OTHER_ORIGIN), preflight(None), preflight(ORIGIN, "DELETE", "/v1/appointments")):
        assert refused.status == 403 and refused.body["error"] == "forbidden"
    assert "access-control-allow-origin" not in preflight(OTHER_ORIGIN).headers
    invoke("DELETE", f"/v1/api-keys/{made['id']}", headers=auth_headers(secret, None))
    assert preflight(ORIGIN).status == 403  # revoking the last key allowing it withdraws the origin


def test_publishable_keys_are_redacted_in_logs() -> None:
    from aptura.api.audit import scrub

    assert scrub("sent apt_pk_live_Qm3xV8p2Lr6TnYc1Wz5Hb7Kd") == "sent apt_pk_live_[REDACTED]"
