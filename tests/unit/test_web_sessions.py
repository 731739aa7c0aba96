"""Dashboard sessions: only a hash stored, expiry, sign-out, CSRF tokens and cookie attributes."""

from __future__ import annotations

import time

import pytest

from aptura.store.db import table
from aptura.store.keys import hash_key
from aptura.web import sessions


def test_a_session_is_stored_by_hash_and_loads_back(moto_aws: None) -> None:
    raw, session = sessions.start("sub-1", "acct_a")
    [item] = table().scan()["Items"]
    assert raw not in repr(item) and item["pk"] == f"WEBSESSION#{hash_key(raw)}"
    assert abs(int(item["expires_at"]) - (time.time() + sessions.LIFETIME_SECONDS)) < 60
    assert sessions.load(raw) == session and session.mode == "test" and session.account_id == "acct_a"
    assert sessions.load("not-a-session") is None and sessions.load(None) is None


def test_sign_out_and_expiry_end_a_session(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    raw, _ = sessions.start("sub-1", "acct_a")
    other, _ = sessions.start("sub-2", "acct_b")
    sessions.end(raw)
    assert sessions.load(raw) is None and sessions.load(other) is not None
    monkeypatch.setattr(sessions.time, "time", lambda: 10 ** 11)  # past expiry, before TTL deletion
    assert sessions.load(other) is None


def test_csrf_token_must_match_its_own_session(moto_aws: None) -> None:
    _, mine = sessions.start("sub-1", "acct_a")
    _, theirs = sessions.start("sub-2", "acct_b")
    assert mine.csrf != theirs.csrf
    assert sessions.csrf_ok(mine, mine.csrf)
    assert not sessions.csrf_ok(mine, theirs.csrf)
    assert not sessions.csrf_ok(mine, None) and not sessions.csrf_ok(None, mine.csrf)


@pytest.mark.parametrize(("host", "scheme", "secure"), [
    ("localhost:3000", "http", False), ("127.0.0.1", "http", False), ("[::1]:8080", "http", False),
    ("localhost:3000", "https", True), ("api.aptura.dev", "http", True), ("api.aptura.dev", "https", True),
])
def test_cookies_are_secure_except_plain_http_to_localhost(host: str, scheme: str, secure: bool) -> None:
    assert sessions.is_secure(host, scheme) is secure


def test_cookie_attributes_and_parsing() -> None:
    header = sessions.set_cookie("abc", secure=True)
    assert header.startswith("aptura_session=abc;")
    assert all(part in header for part in ("HttpOnly", "SameSite=Lax", "Secure", "Path=/"))
    assert "Secure" not in sessions.set_cookie("abc", secure=False)
    assert "Max-Age=0" in sessions.clear_cookie(secure=False)
    assert sessions.cookie_value("a=1; aptura_session=xyz; b=2") == "xyz"
    assert sessions.cookie_value("a=1") is None and sessions.cookie_value(None) is None
