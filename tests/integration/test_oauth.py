"""OAuth 2.0 end to end against the Square sandbox, on DynamoDB Local and moto's server:
the hosted flow creates a connection; an expired token is refreshed exactly once however
many requests find it expired at once."""

from __future__ import annotations

import secrets
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from aptura.store.connections import create_connection, get_connection, put_platform_secret, read_credentials
from aptura.store.keys import create_api_key
from sandboxes.square.app import DEMO, OAUTH_APP
from tests.conformance.conftest import fresh_sandbox
from tests.support import auth_headers, call_gateway, invoke

pytestmark = pytest.mark.integration
PROVIDER = "square"


@pytest.fixture()
def square(aws: dict[str, str], sandboxes: Any) -> dict[str, Any]:
    root = f"{sandboxes.url}/{PROVIDER}/_sandbox"
    fresh_sandbox(root)
    put_platform_secret("state-key", {"key": secrets.token_hex(24)})
    put_platform_secret("oauth-apps", {PROVIDER: {"test": OAUTH_APP}})
    account = f"acct_{uuid.uuid4().hex[:8]}"
    key, _ = create_api_key(account, "test")
    return {"root": root, "account": account, "key": key}


def state(root: str) -> dict[str, Any]:
    return httpx.get(f"{root}/state").json()


def availability(key: str, connection_id: str) -> Any:
    return invoke("GET", "/v1/availability", headers=auth_headers(key, connection_id),
                  query={"serviceId": DEMO["service_id"], "startDate": "2027-01-12", "endDate": "2027-01-13"})


def run_hosted_flow(square: dict[str, Any], redirect_uri: str | None = None) -> tuple[str, Any]:
    query = {"config": '{"timezone": "America/New_York"}'}
    if redirect_uri:
        query["redirect_uri"] = redirect_uri
    start = invoke("GET", f"/v1/oauth/{PROVIDER}/authorize", headers=auth_headers(square["key"], None), query=query)
    assert start.status == 302, start
    consent = start.headers["location"]
    assert consent.startswith(square["root"].rsplit("/_sandbox", 1)[0] + "/oauth2/authorize?")
    assert parse_qs(urlsplit(consent).query)["client_id"] == [OAUTH_APP["client_id"]]
    back = httpx.get(consent, follow_redirects=False)  # the sandbox's consent page approves at once
    assert back.status_code == 302
    target = urlsplit(back.headers["location"])
    assert target.path == f"/v1/oauth/{PROVIDER}/callback"
    params = {k: v[0] for k, v in parse_qs(target.query).items()}
    return params["state"], invoke("GET", target.path, query=params)


def test_hosted_flow_creates_a_working_connection(square: dict[str, Any]) -> None:
    _, done = run_hosted_flow(square)
    assert done.status == 201, done
    assert done.body["provider"] == PROVIDER and done.body["mode"] == "test"
    assert "access_token" not in str(done.body)
    record = get_connection(square["account"], done.body["connection_id"])
    assert record is not None
    stored = read_credentials(record)
    assert stored["access_token"] and stored["refresh_token"] and stored["expires_at"].endswith("Z")
    assert availability(square["key"], record.connection_id).status == 200


def test_hosted_flow_redirects_back_with_the_connection_id(square: dict[str, Any]) -> None:
    _, done = run_hosted_flow(square, redirect_uri="https://app.example.com/connected")
    assert done.status == 302
    location = urlsplit(done.headers["location"])
    assert location.netloc == "app.example.com"
    connection_id = parse_qs(location.query)["connection_id"][0]
    assert get_connection(square["account"], connection_id) is not None


def test_forged_or_misdirected_state_is_refused(square: dict[str, Any]) -> None:
    state_text, _ = run_hosted_flow(square)
    payload, _, signature = state_text.partition(".")
    forged = invoke("GET", f"/v1/oauth/{PROVIDER}/callback", query={"code": "x", "state": payload + ".AAAA"})
    assert forged.status == 400 and forged.body["error"] == "validation_error"
    other = invoke("GET", "/v1/oauth/mindbody/callback", query={"code": "x", "state": state_text})
    assert other.status in (400, 501)


def test_authorize_needs_the_connections_scope(square: dict[str, Any]) -> None:
    narrow, _ = create_api_key(square["account"], "test", scopes=("availability:read",))
    result = invoke("GET", f"/v1/oauth/{PROVIDER}/authorize", headers=auth_headers(narrow, None))
    assert result.status == 403 and result.body["details"] == {"required_scope": "connections:manage"}
    no_oauth = invoke("GET", "/v1/oauth/mindbody/authorize", headers=auth_headers(square["key"], None))
    assert no_oauth.status == 501


def test_twenty_requests_with_an_expired_token_make_exactly_one_refresh(square: dict[str, Any],
                                                                        gateway: str) -> None:
    creds = {**DEMO["credentials"], "expires_at": "2020-01-01T00:00:00Z"}  # expired long ago
    conn = create_connection(square["account"], PROVIDER, "test", DEMO["config"], creds)
    before = state(square["root"])["refresh_grant_calls"]

    def at_once(_: int) -> Any:  # in several Lambda environments, each with its own token cache
        return call_gateway(gateway, "GET", "/v1/availability", headers=auth_headers(square["key"], conn.connection_id),
                            query={"serviceId": DEMO["service_id"], "startDate": "2027-01-12", "endDate": "2027-01-13"})

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(at_once, range(20)))
    assert [r.status for r in results] == [200] * 20, [r for r in results if r.status != 200][:2]
    assert state(square["root"])["refresh_grant_calls"] - before == 1
    record = get_connection(square["account"], conn.connection_id)
    assert record is not None and read_credentials(record, force=True)["expires_at"] > "2026"
