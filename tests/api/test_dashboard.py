"""Dashboard routes in-process with moto (Cognito, DynamoDB, Secrets Manager): sign-up, sign-in, keys,
connections, activity, CSRF refusal and tenant isolation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlencode

import boto3
import pytest

from aptura.store import connections as store
from aptura.web import sessions
from tests.support import invoke

PASSWORD = "Correct-horse-9battery"


@pytest.fixture
def pool(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A user pool and public client as the template declares them; sign-ups confirmed at once (dev)."""
    monkeypatch.delenv("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", raising=False)
    idp = boto3.client("cognito-idp")
    made = idp.create_user_pool(PoolName="people", UsernameAttributes=["email"], AutoVerifiedAttributes=["email"])
    pool_id = made["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="dashboard", GenerateSecret=False,
                                         ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])
    monkeypatch.setenv("APTURA_USER_POOL_ID", pool_id)
    monkeypatch.setenv("APTURA_USER_POOL_CLIENT_ID", client["UserPoolClient"]["ClientId"])
    monkeypatch.setenv("APTURA_DEV_AUTO_CONFIRM", "1")
    yield pool_id


def post(path: str, fields: dict[str, str | list[str]], cookie: str | None = None,  # type: ignore[no-untyped-def]
         extra: dict[str, str] | None = None):
    headers = {"Content-Type": "application/x-www-form-urlencoded", **(extra or {})}
    if cookie:
        headers["Cookie"] = f"{sessions.COOKIE}={cookie}"
    return invoke("POST", path, headers=headers, raw_body=urlencode(fields, doseq=True).encode())


def get(path: str, cookie: str | None = None, query: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    headers = {"Cookie": f"{sessions.COOKIE}={cookie}"} if cookie else {}
    return invoke("GET", path, headers=headers, query=query)


def cookie_of(result) -> str:  # type: ignore[no-untyped-def]
    match = re.search(rf"{sessions.COOKIE}=([^;]+);", result.headers["set-cookie"])
    assert match, result.headers
    return match.group(1)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def key_shown(html: str) -> str:
    match = re.search(r'id="new-key" class="secret" readonly value="([^"]+)"', html)
    assert match, html[:800]
    return match.group(1)


def sign_up(email: str) -> tuple[str, str, str]:
    """Sign up; returns (cookie, csrf, first key)."""
    made = post("/dashboard/sign-up", {"email": email, "password": PASSWORD})
    assert made.status == 200, made.body
    return cookie_of(made), csrf_of(made.body), key_shown(made.body)


def test_sign_up_shows_the_first_test_key_once_and_it_calls_the_api(pool: str) -> None:
    made = post("/dashboard/sign-up", {"email": "Owner@Example.com", "password": PASSWORD})
    assert made.status == 200
    assert "HttpOnly" in made.headers["set-cookie"] and "SameSite=Lax" in made.headers["set-cookie"]
    assert "Secure" in made.headers["set-cookie"]  # Host api.test is not plain-http localhost
    key = key_shown(made.body)
    assert key.startswith("apt_test_")
    assert "Test mode" in made.body
    providers = invoke("GET", "/v1/providers", headers={"Authorization": f"Bearer {key}"})
    assert providers.status == 200
    cookie = cookie_of(made)
    listing = get("/dashboard/keys", cookie)
    assert listing.status == 200 and key[:13] in listing.body and key not in listing.body
    assert "<h3>First test key</h3>" in listing.body


def test_sign_up_twice_with_one_email_is_refused(pool: str) -> None:
    sign_up("twice@example.com")
    again = post("/dashboard/sign-up", {"email": "twice@example.com", "password": PASSWORD})
    assert again.status == 400 and "sign in instead" in again.body


def test_without_auto_confirm_sign_up_asks_the_emailed_code_before_any_key(pool: str,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APTURA_DEV_AUTO_CONFIRM")
    made = post("/dashboard/sign-up", {"email": "code@example.com", "password": PASSWORD})
    assert made.status == 200 and 'name="code"' in made.body and "new-key" not in made.body
    assert "set-cookie" not in made.headers
    refused = post("/dashboard/sign-in", {"email": "code@example.com", "password": PASSWORD})
    assert refused.status == 401  # unconfirmed: no sign-in yet


def test_sign_in_refusals_share_one_message_and_sign_in_reuses_the_account(pool: str) -> None:
    first_cookie, csrf, _ = sign_up("person@example.com")
    wrong = post("/dashboard/sign-in", {"email": "person@example.com", "password": "Wrong-password-1"})
    unknown = post("/dashboard/sign-in", {"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.status == unknown.status == 401
    assert "do not match an account" in wrong.body and "do not match an account" in unknown.body
    assert "set-cookie" not in wrong.headers
    out = post("/dashboard/sign-out", {"csrf": csrf}, first_cookie)
    assert out.status == 303 and "Max-Age=0" in out.headers["set-cookie"]
    assert get("/dashboard/keys", first_cookie).status == 303  # the old session ended
    back = post("/dashboard/sign-in", {"email": "person@example.com", "password": PASSWORD})
    assert back.status == 303 and back.headers["location"] == "/dashboard/keys"
    listing = get("/dashboard/keys", cookie_of(back))
    assert listing.body.count("<h3>First test key</h3>") == 1  # same account, no second one made


def test_every_post_needs_the_sessions_csrf_token(pool: str) -> None:
    cookie, csrf, _ = sign_up("csrf@example.com")
    for path in ("/dashboard/keys", "/dashboard/sign-out", "/dashboard/mode", "/dashboard/connections"):
        refused = post(path, {"name": "x", "scopes": "catalog:read", "mode": "live", "end_user": "x"}, cookie)
        assert refused.status == 403, path
        wrong = post(path, {"csrf": csrf + "x", "name": "x", "scopes": "catalog:read"}, cookie)
        assert wrong.status == 403, path
    assert "<h3>x</h3>" not in get("/dashboard/keys", cookie).body


def test_sign_up_and_sign_in_posted_from_another_site_are_refused(pool: str) -> None:
    sign_up("origin@example.com")
    fields: dict[str, str | list[str]] = {"email": "origin@example.com", "password": PASSWORD, "code": "123456"}
    foreign = ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site", "Origin": "null"},
               {"Sec-Fetch-Site": "same-site"})
    for path in ("/dashboard/sign-in", "/dashboard/sign-up", "/dashboard/confirm"):
        for extra in foreign:
            refused = post(path, fields, extra=extra)
            assert refused.status == 403 and "set-cookie" not in refused.headers, (path, extra)
    for extra in ({"Origin": "https://api.test"}, {"Origin": "null", "Sec-Fetch-Site": "same-origin"}):
        same = post("/dashboard/sign-in", fields, extra=extra)
        assert same.status == 303 and "set-cookie" in same.headers, extra


def test_pages_need_a_session(pool: str) -> None:
    for path in ("/dashboard/keys", "/dashboard/connections", "/dashboard/activity"):
        answer = get(path, "not-a-session")
        assert answer.status == 303 and answer.headers["location"] == "/dashboard/sign-in"


def test_create_and_revoke_a_key_and_live_keys_need_confirmation(pool: str) -> None:
    cookie, csrf, _ = sign_up("keys@example.com")
    made = post("/dashboard/keys", {"csrf": csrf, "name": "Server", "kind": "secret",
                                    "scopes": ["catalog:read", "availability:read"]}, cookie)
    assert made.status == 200
    # Both checked scopes reach the key (one form parser keeps a checkbox group's every value).
    assert re.search(r"<h3>Server</h3>.*?Scopes: catalog:read, availability:read", made.body, re.S) or \
        re.search(r"<h3>Server</h3>.*?Scopes: availability:read, catalog:read", made.body, re.S), made.body
    raw = key_shown(made.body)
    assert invoke("GET", "/v1/providers", headers={"Authorization": f"Bearer {raw}"}).status == 200
    key_id = re.search(r'<h3>Server</h3>.*?action="/dashboard/keys/(key_[0-9a-f]+)/revoke"', made.body, re.S)
    assert key_id
    revoked = post(f"/dashboard/keys/{key_id.group(1)}/revoke", {"csrf": csrf}, cookie)
    assert revoked.status == 303
    assert invoke("GET", "/v1/providers", headers={"Authorization": f"Bearer {raw}"}).status == 401

    switched = post("/dashboard/mode", {"csrf": csrf, "mode": "live"}, cookie)
    assert switched.status == 303
    live_cookie = cookie_of(switched)
    page = get("/dashboard/keys", live_cookie)
    assert "Live mode" in page.body and 'name="confirm_live"' in page.body
    live_csrf = csrf_of(page.body)
    unconfirmed = post("/dashboard/keys", {"csrf": live_csrf, "kind": "secret", "scopes": "catalog:read"},
                       live_cookie)
    assert unconfirmed.status == 400 and "new-key" not in unconfirmed.body
    confirmed = post("/dashboard/keys", {"csrf": live_csrf, "kind": "secret", "scopes": "catalog:read",
                                         "confirm_live": "yes"}, live_cookie)
    assert confirmed.status == 200 and key_shown(confirmed.body).startswith("apt_live_")


def test_publishable_key_with_an_allowed_origin(pool: str) -> None:
    cookie, csrf, _ = sign_up("pk@example.com")
    made = post("/dashboard/keys", {"csrf": csrf, "kind": "publishable", "scopes": "availability:read",
                                    "allowed_origins": "https://salon.example"}, cookie)
    assert made.status == 200 and key_shown(made.body).startswith("apt_pk_test_")
    assert "origins: https://salon.example" in get("/dashboard/keys", cookie).body
    none = post("/dashboard/keys", {"csrf": csrf, "kind": "publishable", "scopes": "availability:read"}, cookie)
    assert none.status == 400 and "new-key" not in none.body


def test_another_accounts_key_and_connection_answer_404(pool: str) -> None:
    a_cookie, a_csrf, a_key = sign_up("a@example.com")
    b_cookie, b_csrf, _ = sign_up("b@example.com")
    a_account = sessions.load(a_cookie)
    assert a_account is not None
    a_key_id = re.search(r"/dashboard/keys/(key_[0-9a-f]+)/revoke", get("/dashboard/keys", a_cookie).body)
    assert a_key_id
    assert post(f"/dashboard/keys/{a_key_id.group(1)}/revoke", {"csrf": b_csrf}, b_cookie).status == 404
    assert invoke("GET", "/v1/providers", headers={"Authorization": f"Bearer {a_key}"}).status == 200
    record = store.create_connection(a_account.account_id, "mindbody", "test", {"site_id": "1"}, {"api_key": "s"})
    path = f"/dashboard/connections/{record.connection_id}/delete"
    assert get(path, b_cookie).status == 404
    assert post(path, {"csrf": b_csrf}, b_cookie).status == 404
    assert store.get_connection(a_account.account_id, record.connection_id) is not None
    assert record.connection_id not in get("/dashboard/connections", b_cookie).body
    rotate = f"/dashboard/connections/{record.connection_id}/rotate"
    assert get(rotate, b_cookie).status == 404
    assert post(rotate, {"csrf": b_csrf, "password": "stolen-password-1"}, b_cookie).status == 404
    assert post(rotate, {"password": "no-token-password"}, a_cookie).status == 403
    form = get(rotate, a_cookie)
    assert form.status == 200 and 'name="password"' in form.body and 'value="s"' not in form.body
    # the owner sees it, confirms, and it is gone
    assert record.connection_id in get("/dashboard/connections", a_cookie).body
    confirm_page = get(path, a_cookie)
    assert confirm_page.status == 200 and "Delete the connection" in confirm_page.body
    assert post(path, {"csrf": a_csrf}, a_cookie).status == 303
    assert store.get_connection(a_account.account_id, record.connection_id) is None


def test_connect_a_provider_sends_the_browser_to_the_hosted_page(pool: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APTURA_PUBLIC_URL", "https://api.test")  # a deployment's PublicUrl is https
    cookie, csrf, _ = sign_up("connect@example.com")
    started = post("/dashboard/connections", {"csrf": csrf, "end_user": "Salon Nord"}, cookie)
    assert started.status == 303, started.body
    assert "/connect/" in started.headers["location"]
    origin = started.headers["location"].split("/connect/")[0]
    assert origin in started.headers["content-security-policy"]


def test_activity_lists_sign_up_sign_in_and_key_changes_with_filters(pool: str) -> None:
    cookie, csrf, _ = sign_up("activity@example.com")
    post("/dashboard/keys", {"csrf": csrf, "kind": "secret", "scopes": "catalog:read"}, cookie)
    page = get("/dashboard/activity", cookie)
    assert page.status == 200
    for operation in ("sign_up", "sign_in", "api_key.create", "account.create"):
        assert f'<td data-label="Operation">{operation}</td>' in page.body, operation
    assert re.search(r"key_id: <code>key_[0-9a-f]+</code>", page.body)  # which key, never its text
    assert "apt_test_" not in page.body and re.search(r'<time datetime="[0-9T:.-]+Z">', page.body)
    only = get("/dashboard/activity", cookie, {"operation": "sign_up"})
    assert '<td data-label="Operation">sign_up</td>' in only.body
    assert '<td data-label="Operation">sign_in</td>' not in only.body
    future = get("/dashboard/activity", cookie, {"since": "2200-01-01T00:00"})
    assert "No activity matches" in future.body
    other_cookie, _, _ = sign_up("other@example.com")
    other = get("/dashboard/activity", other_cookie)
    assert other.body.count('<td data-label="Operation">api_key.create</td>') == 1  # only its own first key
