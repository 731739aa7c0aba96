"""Hostile input of issue 18 through the handlers: limits a key-minting caller cannot multiply, a cap on
active keys, failed authentication throttled per client IP, and public URLs that no request header can
steer. Every refusal is a 4xx in Aptura's error format with nothing logged at ERROR.

(Bodies, repeated credential headers and out-of-range dates: tests/api/test_hostile_bodies.py; path ids:
tests/unit/test_path_ids.py and tests/integration/test_hostile_input.py; the local gateway's own errors and
log redaction: tests/local/test_gateway.py.)
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from aptura.api import oauth
from aptura.store import keys as store
from aptura.store.connections import put_platform_secret
from local.events import HttpRequest, build_event
from tests.support import STACK, FakeContext, _module, route_for

IP = "203.0.113.7"


def send(method: str, path: str, headers: list[tuple[str, str]], *, source_ip: str = IP,
         query: str = "", body: bytes = b"") -> tuple[int, dict[str, str], Any]:
    """Invoke the handler with exactly these headers (Host included) from ``source_ip``."""
    route, params = route_for(method, quote(path))
    event = build_event(HttpRequest(method, quote(path), query, headers, body, source_ip), route, params)
    fn = STACK.functions[route.function_id]
    answer = _module(fn).lambda_handler(event, FakeContext(fn))
    out = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
    out.update({k.lower(): ", ".join(v) for k, v in (answer.get("multiValueHeaders") or {}).items()})
    text = answer.get("body") or ""
    return answer["statusCode"], out, json.loads(text) if text.startswith("{") else text


def bearer(key: str) -> list[tuple[str, str]]:
    return [("Host", "api.test"), ("Authorization", f"Bearer {key}")]


def is_aptura_error(body: Any, code: str) -> None:
    assert isinstance(body, dict) and set(body) == {"error", "message", "details"} and body["error"] == code, body


@pytest.fixture()
def no_errors_logged(caplog: pytest.LogCaptureFixture) -> Any:
    caplog.set_level(logging.INFO)
    yield
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


# -- limits ---------------------------------------------------------------------------------------------


def test_the_accounts_limit_holds_across_its_keys(moto_aws: None) -> None:
    store.set_account_limits("acct_a", per_minute=3, per_hour=100)
    first, second = (store.create_api_key("acct_a", "test")[0] for _ in range(2))
    now = 1_800_000_000.0  # one fixed minute: the three requests share it
    for _ in range(3):
        used = store.use_api_key(first, now)
        assert used is not None and not used[1].exceeded
    used = store.use_api_key(second, now)  # the second key's own count is 1, the account's is 4
    assert used is not None and used[1].exceeded and used[1].per == "account" and used[1].limit == 3
    assert not store.use_api_key(store.create_api_key("acct_a", "live")[0], now)[1].exceeded  # type: ignore[index]
    assert not store.use_api_key(store.create_api_key("acct_b", "test")[0], now)[1].exceeded  # type: ignore[index]


def test_minting_keys_does_not_multiply_the_limit(moto_aws: None, no_errors_logged: None) -> None:
    store.set_account_limits("acct_a", per_minute=1000, per_hour=4)  # the hour binds: no minute boundary flake
    manager = store.create_api_key("acct_a", "test")[0]
    minted = []
    for _ in range(3):
        status, _, body = send("POST", "/v1/api-keys", [*bearer(manager), ("Content-Type", "application/json")],
                               body=b'{"scopes": ["keys:manage"]}')
        assert status == 201, body
        minted.append(body["key"])
    status, headers, body = send("GET", "/v1/api-keys", bearer(minted[0]))  # the account's 4th request
    assert status == 200, body
    status, headers, body = send("GET", "/v1/api-keys", bearer(minted[1]))  # a fresh key, but the 5th
    assert status == 429, body
    is_aptura_error(body, "rate_limited")
    assert body["details"]["per"] == "account" and int(headers["retry-after"]) >= 1


def test_an_account_has_at_most_twenty_active_keys_per_mode(moto_aws: None, no_errors_logged: None) -> None:
    manager = store.create_api_key("acct_a", "test")[0]
    for _ in range(store.MAX_ACTIVE_KEYS - 1):
        store.create_api_key("acct_a", "test")
    store.create_api_key("acct_a", "live")  # the live mode counts on its own
    status, _, body = send("POST", "/v1/api-keys", [*bearer(manager), ("Content-Type", "application/json")],
                           body=b"{}")
    assert status == 409, body
    is_aptura_error(body, "conflict")
    assert body["details"]["active_keys"] == store.MAX_ACTIVE_KEYS
    assert len(store.list_api_keys("acct_a", "test")) == store.MAX_ACTIVE_KEYS
    victim = store.list_api_keys("acct_a", "test")[-1]["id"]
    assert store.revoke_api_key("acct_a", victim, "test") is not None
    status, _, body = send("POST", "/v1/api-keys", [*bearer(manager), ("Content-Type", "application/json")],
                           body=b"{}")
    assert status == 201, body


def test_a_creation_that_lost_the_race_counts_again(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two creations that both counted 19 keys: the second one's guard fails, it counts 20 and refuses."""
    for _ in range(store.MAX_ACTIVE_KEYS - 1):
        store.create_api_key("acct_a", "test")
    real_count = store._active_key_count
    calls: list[int] = []

    def count_then_lose(account_id: str, mode: str) -> int:
        seen = real_count(account_id, mode)
        if not calls:  # between this creation's count and its write, another creation commits
            calls.append(seen)
            monkeypatch.setattr(store, "_active_key_count", real_count)
            store.create_api_key(account_id, mode)
        return seen

    monkeypatch.setattr(store, "_active_key_count", count_then_lose)
    with pytest.raises(store.AptError) as refused:
        store.create_api_key("acct_a", "test")
    assert refused.value.status == 409 and calls == [store.MAX_ACTIVE_KEYS - 1]
    assert len(store.list_api_keys("acct_a", "test")) == store.MAX_ACTIVE_KEYS


@pytest.mark.parametrize("authorization", [None, "Bearer apt_test_not_a_real_key_at_all", "Bearer junk", "Basic x"])
def test_failed_authentication_is_throttled_per_client_ip(moto_aws: None, no_errors_logged: None,
                                                          authorization: str | None) -> None:
    headers = [("Host", "api.test"), *((("Authorization", authorization),) if authorization else ())]
    limit = store.AUTH_FAILURE_LIMITS["per_minute"]
    statuses = [send("GET", "/v1/api-keys", headers)[0] for _ in range(limit)]
    # The minute may turn over once during the loop: never a 429 before the limit, whatever the clock does.
    assert statuses == [401] * limit
    status, answer_headers, body = send("GET", "/v1/api-keys", headers)
    if status == 401:  # the minute turned during the loop: the next minute's failures count again
        for _ in range(limit):
            status, answer_headers, body = send("GET", "/v1/api-keys", headers)
    assert status == 429, body
    is_aptura_error(body, "rate_limited")
    assert body["details"]["per"] == "client_ip" and 1 <= int(answer_headers["retry-after"]) <= 3600
    other = send("GET", "/v1/api-keys", headers, source_ip="198.51.100.9")
    assert other[0] == 401, other  # another client is not punished for this one
    is_aptura_error(other[2], "unauthorized")


def test_a_valid_key_is_not_throttled_by_its_own_successes(moto_aws: None) -> None:
    key = store.create_api_key("acct_a", "test")[0]
    for _ in range(store.AUTH_FAILURE_LIMITS["per_minute"] + 2):
        status, _, body = send("GET", "/v1/api-keys", bearer(key))
        assert status == 200, body


# -- headers that must not steer URLs -------------------------------------------------------------------

HOSTILE_HOST = [("Host", "evil.example"), ("X-Forwarded-Host", "evil.example"), ("X-Forwarded-Proto", "https"),
                ("X-Forwarded-Port", "8443")]


@pytest.fixture()
def square_app(moto_aws: None) -> None:
    from sandboxes.square.app import OAUTH_APP

    put_platform_secret("state-key", {"key": secrets.token_hex(24)})
    put_platform_secret("oauth-apps", {"square": {"test": OAUTH_APP}})


def test_the_oauth_redirect_uri_comes_from_configuration(square_app: None, no_errors_logged: None) -> None:
    key = store.create_api_key("acct_a", "test")[0]
    status, headers, body = send("GET", "/v1/oauth/square/authorize",
                                 [*HOSTILE_HOST, ("Authorization", f"Bearer {key}")])
    assert status == 302, body
    sent = parse_qs(urlsplit(headers["location"]).query)
    assert sent["redirect_uri"] == ["http://api.test/v1/oauth/square/callback"]  # tests/support's PublicUrl
    assert "evil.example" not in headers["location"]


def test_connect_links_and_the_openapi_servers_come_from_configuration(moto_aws: None, sandboxes: Any) -> None:
    key = store.create_api_key("acct_a", "test")[0]
    status, _, body = send("POST", "/v1/connect-sessions",
                           [*HOSTILE_HOST, ("Authorization", f"Bearer {key}"), ("Content-Type", "application/json")],
                           body=json.dumps({"end_user": {"id": "biz_1", "name": "Jo"}, "providers": ["mindbody"],
                                            "redirect_url": "https://app.example.com/done"}).encode())
    assert status == 201, body
    assert body["url"].startswith("http://api.test/connect/"), body
    status, _, document = send("GET", "/v1/openapi.json", HOSTILE_HOST)
    assert status == 200 and document["servers"] == [{"url": "http://api.test"}]


def test_unconfigured_the_url_is_api_gateways_own_never_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APTURA_PUBLIC_URL")
    on_aws = "abc123.execute-api.eu-west-1.amazonaws.com"
    assert oauth.public_base_url(on_aws, "abc123", "Prod") == f"https://{on_aws}/Prod"
    # A domain that is not this API's own execute-api one (the Host a client chose locally) is not used.
    assert oauth.public_base_url("evil.example", "abc123", "Prod") == oauth.LOCAL_PUBLIC_URL
    assert oauth.public_base_url("other.execute-api.eu-west-1.amazonaws.com", "abc123", "Prod") == \
        oauth.LOCAL_PUBLIC_URL
    monkeypatch.setenv("APTURA_PUBLIC_URL", "https://api.aptura.example/")
    assert oauth.public_base_url(on_aws, "abc123", "Prod") == "https://api.aptura.example"
