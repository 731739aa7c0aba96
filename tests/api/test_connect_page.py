"""The hosted connect page through its handler: choice, form, CSRF, refusal kept per field without secrets,
success redirect with form-action, used/expired (410) and unknown (404) links, OAuth start, static files."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from aptura import connect
from aptura.connect import EndUser
from aptura.store.connections import list_connections
from aptura.store.db import table
from aptura.store.keys import hash_key
from tests.conformance.conftest import PINNED_NOW, demo_of
from tests.support import Result, invoke

PROVIDER = "mindbody"
DEMO = demo_of(PROVIDER)
BACK = "https://app.example.com/connected"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture()
def fresh(moto_aws: None, sandboxes: Any) -> None:
    for action, payload in (("reset", None), ("clock", {"now": PINNED_NOW})):
        httpx.post(f"{sandboxes.url}/{PROVIDER}/_sandbox/{action}", json=payload).raise_for_status()


def session(providers: list[str] | None = None) -> tuple[connect.ConnectSession, str]:
    return connect.create_session("acct_a", "test", EndUser("biz_42", "Hair by Jo", "jo@example.com"),
                                  providers or [PROVIDER], BACK)


def text(result: Result) -> str:
    return result.body if isinstance(result.body, str) else str(result.body)


def post(token: str, provider: str, fields: dict[str, Any]) -> Result:
    return invoke("POST", f"/connect/{token}/{provider}", headers=FORM,
                  raw_body=urlencode({k: str(v) for k, v in fields.items()}).encode())


def filled(s: connect.ConnectSession, credentials: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"csrf": s.csrf, **DEMO["config"], **(credentials or DEMO["credentials"])}


def test_one_provider_goes_straight_to_a_labelled_form_with_strict_headers(fresh: None) -> None:
    s, token = session()
    got = invoke("GET", f"/connect/{token}")
    html = text(got)
    assert got.status == 200 and got.headers["content-type"].startswith("text/html")
    assert "Connect Mindbody" in html and "Hair by Jo" in html and "Test mode" in html
    assert f'name="csrf" value="{s.csrf}"' in html
    for name in [*DEMO["config"], *DEMO["credentials"]]:
        assert f'name="{name}"' in html and f'for="f-{name}"' in html
    csp = got.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "form-action 'self' https://app.example.com" in csp
    assert got.headers["x-frame-options"] == "DENY" and got.headers["cache-control"] == "no-store"
    assert "<script" not in html and "style=" not in html


def test_several_providers_are_listed_by_name(fresh: None) -> None:
    _, token = session([PROVIDER, "square"])
    html = text(invoke("GET", f"/connect/{token}"))
    assert f'href="/connect/{token}/mindbody"' in html and ">Square<" in html


def test_success_redirects_and_the_link_is_then_used(fresh: None) -> None:
    s, token = session()
    done = post(token, PROVIDER, filled(s))
    assert done.status == 303
    target = urlsplit(done.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == BACK
    connection_id = parse_qs(target.query)["connection_id"][0]
    assert [c.connection_id for c in list_connections("acct_a")] == [connection_id]
    again = invoke("GET", f"/connect/{token}/{PROVIDER}")
    assert again.status == 410 and "no longer be used" in text(again)
    assert post(token, PROVIDER, filled(s)).status == 410


def test_refused_credentials_keep_config_never_the_secret_and_save_nothing(fresh: None) -> None:
    s, token = session()
    wrong = "not-the-password-42"
    secret_name = next(k for k in DEMO["credentials"] if k == "password")
    refused = post(token, PROVIDER, filled(s, {**DEMO["credentials"], secret_name: wrong}))
    html = text(refused)
    assert refused.status == 422 and "did not accept" in html and 'role="alert"' in html
    assert wrong not in html
    for name, value in DEMO["config"].items():
        assert re.search(rf'name="{name}"[^>]* value="{re.escape(str(value))}"', html)
    assert list_connections("acct_a") == []


def test_missing_field_is_named_on_the_form(fresh: None) -> None:
    s, token = session()
    first = next(iter(DEMO["config"]))
    refused = post(token, PROVIDER, {**filled(s), first: ""})
    assert refused.status == 400
    assert re.search(rf'id="f-{first}-err"', text(refused))
    assert list_connections("acct_a") == []


def test_bad_csrf_is_refused(fresh: None) -> None:
    s, token = session()
    assert post(token, PROVIDER, {**filled(s), "csrf": "forged"}).status == 403
    assert list_connections("acct_a") == []


def test_unknown_and_expired_links(fresh: None) -> None:
    missing = invoke("GET", "/connect/cst_doesnotexist")
    assert missing.status == 404 and "text/html" in missing.headers["content-type"]
    _, token = session()
    # Time moves on: the session's stored expiry is now in the past.
    table().update_item(Key={"pk": f"CONNECT#{hash_key(token)}", "sk": "CONNECT_SESSION"},
                        UpdateExpression="SET session_expires = :t",
                        ExpressionAttributeValues={":t": int(time.time()) - 1})
    gone = invoke("GET", f"/connect/{token}")
    assert gone.status == 410 and "text/html" in gone.headers["content-type"]


def test_provider_not_offered_is_404(fresh: None) -> None:
    _, token = session()
    assert invoke("GET", f"/connect/{token}/square").status == 404


def test_oauth_button_leads_to_the_consent_url(fresh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    _, token = session(["square"])
    html = text(invoke("GET", f"/connect/{token}/square"))
    assert f'href="/connect/{token}/square/oauth"' in html and "Connect with Square" in html
    seen: dict[str, str] = {}

    def fake_start(raw: str, provider: str, callback: str) -> str:
        seen.update(raw=raw, provider=provider, callback=callback)
        return "https://consent.example/authorize?x=1"

    monkeypatch.setattr(connect, "oauth_start", fake_start)
    started = invoke("GET", f"/connect/{token}/square/oauth")
    assert started.status == 303 and started.headers["location"] == "https://consent.example/authorize?x=1"
    assert seen["raw"] == token and seen["callback"].endswith("/v1/oauth/square/callback")


def test_static_stylesheet_is_served_with_long_cache_and_nothing_else(moto_aws: None) -> None:
    css = invoke("GET", "/static/aptura.css")
    assert css.status == 200 and css.headers["content-type"].startswith("text/css")
    assert "max-age=31536000" in css.headers["cache-control"] and ":focus-visible" in text(css)
    for name in ("..%2Fhtml.py", "html.py", ".hidden.css", "nope.css"):
        assert invoke("GET", f"/static/{name}").status == 404
