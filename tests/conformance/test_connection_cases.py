"""Connection cases every provider must pass (issue 14 item 5), through the API handlers.

Verification with good and bad credentials; a provider 429 passed on with its Retry-After; a
provider 403 (a missing scope, or for providers without scopes the closest equivalent: the
provider's own "forbidden" answer) as a unified error; the live base URL built from config.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest

from aptura.engine.runner import base_url
from aptura.spec.loader import load_spec
from tests.conformance.conftest import Provisioned
from tests.support import Result, auth_headers, invoke

# Providers whose sandbox has a credential without a scope/privilege, and the call it cannot make.
RESTRICTED: dict[str, dict[str, Any]] = {
    # A booking's first write is its customer (POST /customers/, then PATCH to fill): the read-only token's
    # first refusal names customers:write (it lacks bookings:write too).
    "smoothschedule": {"credentials": {"api_token": "ss_test_demo_readonly_3e5a"}, "scope": "customers:write"},
    "digitalbooker": {"credentials": {"apiKeyId": "ak_demo_readonly", "apiKeyPassword": "sk_demo_readonly_secret"},
                      "scope": None},
}


def call(p: Provisioned, method: str, path: str, connection_id: str | None = None, **kwargs: Any) -> Result:
    return invoke(method, path, headers=auth_headers(p.key, connection_id or p.connection_id), **kwargs)


def connect(p: Provisioned, credentials: dict[str, Any]) -> Result:
    body = {"provider": p.provider, "config": p.demo["config"], "credentials": credentials}
    return invoke("POST", "/v1/connections", headers=auth_headers(p.key, None), json_body=body)


def slots(p: Provisioned, connection_id: str | None = None) -> Result:
    """Availability: the one read that calls every provider (a catalogue may come from config)."""
    return call(p, "GET", "/v1/availability", connection_id, query={
        "serviceId": p.demo["service_id"], "staffId": p.demo["staff_id"],
        "startDate": "2027-01-12", "endDate": "2027-01-12"})


def spoiled(credentials: dict[str, Any]) -> dict[str, Any]:
    """Every credential string changed by one character, so the provider must refuse it."""
    return {k: (v[:-1] + ("x" if v[-1:] != "x" else "y")) if isinstance(v, str) and v else v
            for k, v in credentials.items()}


def test_verification_accepts_good_credentials(provider: Provisioned) -> None:
    result = connect(provider, provider.demo["credentials"])
    assert result.status == 201, result
    assert result.body["status"] == "active" and result.body["last_verified_at"].endswith("Z")


def test_verification_refuses_bad_credentials(provider: Provisioned) -> None:
    result = connect(provider, spoiled(provider.demo["credentials"]))
    assert result.status == 422, result
    assert result.body["error"] == "unprocessable"
    assert result.body["details"]["provider_error"] == "connection_auth_failed"


def test_a_provider_429_is_passed_on_with_its_retry_after(provider: Provisioned) -> None:
    rule = {"path": ".*", "kind": "status", "status": 429, "count": None,
            "headers": {"Retry-After": "120", "Content-Type": "application/json"},
            "body": {"error": "rate_limit_exceeded", "message": "Too many requests", "code": "rate_limited"}}
    provider.admin("faults", {"rules": [rule]})
    result = slots(provider)
    assert result.status == 429, result
    assert result.body["error"] == "rate_limited"
    assert {k.lower(): v for k, v in result.headers.items()}["retry-after"] == "120"


def test_a_provider_403_is_a_unified_error(provider: Provisioned) -> None:
    """A real scope-less credential where the sandbox has one, else the provider's own 403."""
    restricted = RESTRICTED.get(provider.provider)
    if restricted is not None:
        made = connect(provider, restricted["credentials"])
        assert made.status == 201, made  # the connection check needs only read access
        start = slots(provider, made.body["id"])
        assert start.status == 200 and start.body["slots"], start
        slot = start.body["slots"][0]
        result = call(provider, "POST", "/v1/appointments", connection_id=made.body["id"], json_body={
            "serviceId": provider.demo["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
            "client": {"firstName": "Scope", "lastName": "Less", "email": "scope.less@example.com"}})
    else:
        rule = {"path": ".*", "kind": "status", "status": 403, "count": None,
                "headers": {"Content-Type": "application/json"},
                "body": {"error": "forbidden", "message": "Forbidden", "code": "forbidden"}}
        provider.admin("faults", {"rules": [rule]})
        result = slots(provider)
    assert result.status == 401, result
    assert result.body["error"] == "connection_auth_failed" and result.body["message"]
    if restricted is not None and restricted["scope"]:
        assert restricted["scope"] in result.body["message"]
        assert result.body["details"]["missing_scope"] == restricted["scope"]


def test_the_live_base_url_is_built_from_config(provider: Provisioned, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_spec(provider.provider)
    config = provider.demo["config"]
    monkeypatch.delenv("APTURA_SANDBOX_URL", raising=False)
    url = base_url(spec, "live", config)
    template = spec.environments.live.base_url
    expected = re.sub(r"\{config\.(\w+)\}", lambda m: str(config[m.group(1)]), template).rstrip("/")
    assert url == expected and url.startswith("https://") and "{" not in url
    # Whatever config fills in, the host stays under the spec's own domain.
    literal_host = urlsplit(re.sub(r"\{config\.\w+\}", "x", template)).hostname or ""
    domain = ".".join(literal_host.split(".")[-2:])
    assert (urlsplit(url).hostname or "").endswith(domain)
