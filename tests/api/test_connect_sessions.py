"""/v1/connect-sessions through the handlers: create (scope, providers, redirect rules by mode),
read (status, end user, connection once completed; other accounts' ids are 404), end_user on
connections with ?end_user_id=, and the hosted OAuth flow completing a session."""

from __future__ import annotations

import json
import os
import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest

from aptura import connect
from aptura.api.audit import activity
from aptura.store.connections import put_platform_secret
from aptura.store.keys import create_api_key, hash_key
from tests.conformance.conftest import PINNED_NOW, demo_of, fresh_sandbox
from tests.support import Result, auth_headers, invoke

PROVIDER = "mindbody"
DEMO = demo_of(PROVIDER)
END_USER = {"id": "biz_42", "name": "Hair by Jo", "email": "jo@example.com"}
BACK = "https://app.example.com/connected"


@pytest.fixture()
def keys(moto_aws: None, sandboxes: Any) -> dict[str, str]:
    for action, payload in (("reset", None), ("clock", {"now": PINNED_NOW})):
        httpx.post(f"{sandboxes.url}/{PROVIDER}/_sandbox/{action}", json=payload).raise_for_status()
    return {
        "a_test": create_api_key("acct_a", "test")[0],
        "a_live": create_api_key("acct_a", "live")[0],
        "b_test": create_api_key("acct_b", "test")[0],
        "a_read": create_api_key("acct_a", "test", scopes=("availability:read",))[0],
    }


def call(method: str, path: str, key: str, body: Any = None, query: dict[str, Any] | None = None) -> Result:
    return invoke(method, path, headers=auth_headers(key, None), json_body=body, query=query)


def start(key: str, **overrides: Any) -> Result:
    return call("POST", "/v1/connect-sessions", key,
                {"end_user": END_USER, "providers": [PROVIDER], "redirect_url": BACK, **overrides})


def token_of(created: Result) -> str:
    path = urlsplit(created.body["url"]).path
    assert path.startswith("/connect/")
    return path.removeprefix("/connect/")


def test_create_returns_a_link_that_expires_in_30_minutes(keys: dict[str, str]) -> None:
    created = start(keys["a_test"])
    assert created.status == 201, created
    assert set(created.body) == {"id", "url", "expires_at"} and created.body["id"].startswith("cs_")
    assert created.body["url"].startswith("http://api.test/connect/cst_")  # on the configured PublicUrl
    expires = datetime.fromisoformat(created.body["expires_at"].replace("Z", "+00:00"))
    assert created.body["expires_at"].endswith("Z")
    assert abs(expires - (datetime.now(UTC) + timedelta(minutes=30))) < timedelta(seconds=30)
    assert connect.open_session(token_of(created)).end_user == connect.EndUser(**END_USER)
    got = call("GET", f"/v1/connect-sessions/{created.body['id']}", keys["a_test"])
    assert got.status == 200, got
    assert got.body == {"id": created.body["id"], "mode": "test", "status": "open", "end_user": END_USER,
                        "providers": [PROVIDER], "redirect_url": BACK, "created_at": got.body["created_at"],
                        "expires_at": created.body["expires_at"], "connection_id": None}
    assert token_of(created) not in json.dumps(got.body)
    assert [e["operation"] for e in activity("acct_a")] == ["connect_sessions.create"]


def test_create_needs_the_scope_and_valid_fields(keys: dict[str, str]) -> None:
    narrow = start(keys["a_read"])
    assert narrow.status == 403 and narrow.body["details"] == {"required_scope": "connections:manage"}
    unknown = start(keys["a_test"], providers=[PROVIDER, "nosuchprovider"])
    assert unknown.status == 400 and list(unknown.body["details"]) == ["providers"], unknown
    for body in ({"providers": [PROVIDER], "redirect_url": BACK},  # no end_user
                 {"end_user": {"name": "x"}, "redirect_url": BACK},
                 {"end_user": {**END_USER, "email": "not-an-email"}, "redirect_url": BACK},
                 {"end_user": END_USER}):
        result = call("POST", "/v1/connect-sessions", keys["a_test"], body)
        assert result.status == 400 and result.body["error"] == "validation_error", (body, result)
    everything = call("POST", "/v1/connect-sessions", keys["a_test"], {"end_user": {"id": "x"}, "redirect_url": BACK})
    assert everything.status == 201
    listed = call("GET", f"/v1/connect-sessions/{everything.body['id']}", keys["a_test"])
    assert PROVIDER in listed.body["providers"] and "square" in listed.body["providers"]
    assert listed.body["end_user"] == {"id": "x", "name": None, "email": None}


@pytest.mark.parametrize("key,url,status", [
    ("a_test", "http://localhost:3000/done", 201),
    ("a_test", "http://127.0.0.1:8080/done", 201),
    ("a_test", "http://app.example.com/done", 400),
    ("a_live", "http://localhost:3000/done", 400),
    ("a_live", "https://app.example.com/done", 201),
    ("a_live", "javascript:alert(1)", 400),
])
def test_redirect_url_must_be_https_in_live_mode(keys: dict[str, str], key: str, url: str, status: int) -> None:
    result = start(keys[key], redirect_url=url)
    assert result.status == status, result
    if status == 400:
        assert list(result.body["details"]) == ["redirect_url"]


def test_completed_session_shows_its_connection_which_carries_the_end_user(keys: dict[str, str]) -> None:
    created = start(keys["a_test"])
    record, target = connect.complete_session(token_of(created), PROVIDER, DEMO["config"], DEMO["credentials"])
    assert parse_qs(urlsplit(target).query) == {"connection_id": [record.connection_id],
                                                 "connect_session_id": [created.body["id"]]}
    got = call("GET", f"/v1/connect-sessions/{created.body['id']}", keys["a_test"])
    assert got.body["status"] == "completed" and got.body["connection_id"] == record.connection_id
    connection = call("GET", f"/v1/connections/{record.connection_id}", keys["a_test"])
    assert connection.status == 200 and connection.body["end_user"] == END_USER
    for value in DEMO["credentials"].values():
        assert str(value) not in json.dumps(connection.body)
    again = start(keys["a_test"])
    with pytest.raises(connect.ConnectRefused):
        connect.complete_session(token_of(again), PROVIDER, DEMO["config"],
                                 {**DEMO["credentials"], "password": "not-the-password-42"})
    listed = call("GET", "/v1/connections", keys["a_test"])
    assert [c["id"] for c in listed.body["data"]] == [record.connection_id]  # the refused one saved nothing


def test_expired_session_reads_as_expired(keys: dict[str, str]) -> None:
    created = start(keys["a_test"])
    table = boto3.resource("dynamodb").Table(os.environ["APTURA_TABLE"])
    for key in ({"pk": f"CONNECT#{hash_key(token_of(created))}", "sk": "CONNECT_SESSION"},
                {"pk": "ACCOUNT#acct_a", "sk": f"CONNECT_SESSION#{created.body['id']}"}):
        table.update_item(Key=key, UpdateExpression="SET session_expires = :t",
                          ExpressionAttributeValues={":t": int(time.time()) - 5})
    got = call("GET", f"/v1/connect-sessions/{created.body['id']}", keys["a_test"])
    assert got.status == 200 and got.body["status"] == "expired"


def test_another_accounts_or_modes_session_is_404(keys: dict[str, str]) -> None:
    created = start(keys["a_test"])
    for key in ("b_test", "a_live"):
        other = call("GET", f"/v1/connect-sessions/{created.body['id']}", keys[key])
        assert other.status == 404 and other.body["error"] == "not_found", (key, other)
    missing = call("GET", "/v1/connect-sessions/cs_000000000000000000000000", keys["a_test"])
    assert missing.status == 404


def test_connections_filter_by_end_user(keys: dict[str, str]) -> None:
    body = {"provider": PROVIDER, "config": DEMO["config"], "credentials": DEMO["credentials"]}
    jo = call("POST", "/v1/connections", keys["a_test"], {**body, "end_user": END_USER})
    sam = call("POST", "/v1/connections", keys["a_test"], {**body, "end_user": {"id": "biz_7"}})
    nobody = call("POST", "/v1/connections", keys["a_test"], body)
    assert jo.status == sam.status == nobody.status == 201, (jo, sam, nobody)
    assert sam.body["end_user"] == {"id": "biz_7", "name": None, "email": None} and nobody.body["end_user"] is None
    only_jo = call("GET", "/v1/connections", keys["a_test"], query={"end_user_id": "biz_42"})
    assert [c["id"] for c in only_jo.body["data"]] == [jo.body["id"]]
    assert call("GET", "/v1/connections", keys["a_test"], query={"end_user_id": "BIZ_42"}).body["data"] == []
    assert call("GET", "/v1/connections", keys["b_test"], query={"end_user_id": "biz_42"}).body["data"] == []
    assert len(call("GET", "/v1/connections", keys["a_test"]).body["data"]) == 3


# -- OAuth ------------------------------------------------------------------------------------


@pytest.fixture()
def square(keys: dict[str, str], sandboxes: Any) -> dict[str, Any]:
    from sandboxes.square.app import OAUTH_APP

    root = f"{sandboxes.url}/square/_sandbox"
    fresh_sandbox(root)
    put_platform_secret("state-key", {"key": secrets.token_hex(24)})
    put_platform_secret("oauth-apps", {"square": {"test": OAUTH_APP}})
    return {"root": root}


def consent_and_return(consent_url: str) -> dict[str, str]:
    back = httpx.get(consent_url, follow_redirects=False)  # the sandbox's consent page approves at once
    assert back.status_code == 302, back.text
    target = urlsplit(back.headers["location"])
    assert target.path == "/v1/oauth/square/callback"
    return {k: v[0] for k, v in parse_qs(target.query).items()}


def test_oauth_completes_the_session_once_and_redirects_to_its_url(keys: dict[str, str],
                                                                   square: dict[str, Any]) -> None:
    created = start(keys["a_test"], providers=["square"])
    raw = token_of(created)
    consent = connect.oauth_start(raw, "square", "http://api.test/v1/oauth/square/callback")
    params = consent_and_return(consent)
    done = invoke("GET", "/v1/oauth/square/callback", query=params)
    assert done.status == 302, done
    location = urlsplit(done.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == BACK
    query = parse_qs(location.query)
    assert query["connect_session_id"] == [created.body["id"]]
    connection_id = query["connection_id"][0]
    connection = call("GET", f"/v1/connections/{connection_id}", keys["a_test"])
    assert connection.status == 200 and connection.body["end_user"] == END_USER
    assert connection.body["provider"] == "square" and connection.body["mode"] == "test"
    session = call("GET", f"/v1/connect-sessions/{created.body['id']}", keys["a_test"])
    assert session.body["status"] == "completed" and session.body["connection_id"] == connection_id
    replay = invoke("GET", "/v1/oauth/square/callback", query=params)  # the same state again: used up
    assert replay.status == 410 and replay.body["error"] == "gone", replay
    with pytest.raises(connect.AptError):
        connect.oauth_start(raw, "square", "http://api.test/v1/oauth/square/callback")
    assert len(call("GET", "/v1/connections", keys["a_test"]).body["data"]) == 1


def test_oauth_only_for_the_sessions_providers_and_declines_go_back(keys: dict[str, str],
                                                                     square: dict[str, Any]) -> None:
    mindbody_only = start(keys["a_test"])
    with pytest.raises(connect.ConnectRefused):
        connect.oauth_start(token_of(mindbody_only), "square", "http://api.test/v1/oauth/square/callback")
    created = start(keys["a_test"], providers=["square"])
    params = consent_and_return(connect.oauth_start(token_of(created), "square",
                                                    "http://api.test/v1/oauth/square/callback"))
    declined = invoke("GET", "/v1/oauth/square/callback", query={"state": params["state"], "error": "access_denied"})
    assert declined.status == 302
    query = parse_qs(urlsplit(declined.headers["location"]).query)
    assert query == {"error": ["access_denied"], "connect_session_id": [created.body["id"]]}
    assert connect.open_session(token_of(created)).status == "open"  # declining does not use the link up
