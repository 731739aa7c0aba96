"""Server-side sign-in sessions of the dashboard.

The browser holds only a random id in an HttpOnly cookie; the table holds its hash
(``pk`` ``WEBSESSION#<sha256(id)>``), so a read of the table cannot be replayed as a sign-in.
Each session carries its own CSRF token (the synchronizer token every dashboard form posts).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

from aptura.store.db import table
from aptura.store.keys import hash_key

COOKIE = "aptura_session"
LIFETIME_SECONDS = 12 * 3600
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class WebSession:
    """A signed-in person: their Cognito ``sub``, the account they act for and the mode shown."""

    user_sub: str
    account_id: str
    mode: str
    csrf: str
    expires_at: int


def _key(raw: str) -> dict[str, str]:
    return {"pk": f"WEBSESSION#{hash_key(raw)}", "sk": "WEBSESSION"}


def start(user_sub: str, account_id: str, mode: str = "test") -> tuple[str, WebSession]:
    """A new session; returns the raw id for the cookie (never stored) and the session."""
    raw = secrets.token_urlsafe(32)
    session = WebSession(user_sub, account_id, mode, secrets.token_urlsafe(32), int(time.time()) + LIFETIME_SECONDS)
    table().put_item(Item={**_key(raw), "user_sub": user_sub, "account_id": account_id, "mode": mode,
                           "csrf": session.csrf, "expires_at": session.expires_at})
    return raw, session


def load(raw: str | None) -> WebSession | None:
    """The live session whose id is ``raw``, or ``None`` (unknown, ended or expired)."""
    if not raw:
        return None
    item = table().get_item(Key=_key(raw), ConsistentRead=True).get("Item")
    # TTL deletion lags by up to days: an expired session is no session.
    if not item or int(item["expires_at"]) <= time.time():
        return None
    return WebSession(str(item["user_sub"]), str(item["account_id"]), str(item["mode"]), str(item["csrf"]),
                      int(item["expires_at"]))


def end(raw: str | None) -> None:
    """Sign out: the session id stops working at once."""
    if raw:
        table().delete_item(Key=_key(raw))


def csrf_ok(session: WebSession | None, submitted: str | None) -> bool:
    """Whether a form post carries its session's CSRF token (constant-time comparison)."""
    if session is None or not submitted:
        return False
    return hmac.compare_digest(session.csrf.encode(), submitted.encode())


def cookie_value(cookie_header: str | None, name: str = COOKIE) -> str | None:
    """The value of cookie ``name`` in a ``Cookie`` request header, or ``None``."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(cookie_header or "")
    except CookieError:
        return None
    morsel = jar.get(name)
    return morsel.value if morsel else None


def is_secure(host: str | None, scheme: str | None) -> bool:
    """Whether cookies must be ``Secure``: always, except over plain http to localhost."""
    return not (scheme == "http" and urlsplit(f"//{host or ''}").hostname in _LOCAL_HOSTS)


def set_cookie(raw: str, *, secure: bool, name: str = COOKIE, max_age: int = LIFETIME_SECONDS) -> str:
    """The ``Set-Cookie`` value carrying ``raw``: HttpOnly, SameSite=Lax, Secure unless local http."""
    return f"{name}={raw}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")


def clear_cookie(*, secure: bool, name: str = COOKIE) -> str:
    """The ``Set-Cookie`` value that removes the cookie (sign-out)."""
    return set_cookie("", secure=secure, name=name, max_age=0)
