"""Auth styles as small flow objects (as httpx does): each attaches credentials to a
prepared request and may ask for one retry after renewing a refused credential.

Session tokens are cached per connection and credential version for the life of the
container, shared by concurrent requests, and fetched once when many find them missing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

from aptura.engine.http import PreparedRequest, ProviderResponse
from aptura.engine.timezones import parse_datetime
from aptura.errors import AptError
from aptura.spec.models import ApiKeyAuth, ApplySpec, BasicAuth, HmacAuth, NoAuth, OAuth2Auth, SessionTokenAuth
from aptura.spec.template import scalar_text

Login = Callable[[SessionTokenAuth, dict[str, Any]], ProviderResponse]


def _apply(apply: ApplySpec, req: PreparedRequest, ctx: dict[str, Any]) -> None:
    for name, template in apply._headers.items():
        value = template.render(ctx)
        if value is not None:
            req.headers[name] = scalar_text(value)
    for name, template in apply._query.items():
        value = template.render(ctx)
        if value is not None:
            req.query.append((name, scalar_text(value)))


class AuthFlow:
    """No credentials."""

    def apply(self, req: PreparedRequest, ctx: dict[str, Any]) -> str | None:
        """Attach credentials to ``req``; returns the credential used (for renewal)."""
        return None

    def renew_if_refused(self, response: ProviderResponse, used: str | None) -> bool:
        """After a refusal of ``used``: drop it and return True to resend once."""
        return False


class ApiKeyFlow(AuthFlow):
    def __init__(self, spec: ApiKeyAuth) -> None:
        self.spec = spec

    def apply(self, req: PreparedRequest, ctx: dict[str, Any]) -> str | None:
        _apply(self.spec.apply, req, ctx)
        return None


class BasicFlow(AuthFlow):
    def __init__(self, spec: BasicAuth) -> None:
        self.spec = spec

    def apply(self, req: PreparedRequest, ctx: dict[str, Any]) -> str | None:
        user, password = self.spec._username.render(ctx), self.spec._password.render(ctx)
        req.auth = (scalar_text("" if user is None else user), scalar_text("" if password is None else password))
        return None


class HmacFlow(AuthFlow):
    """Signs each request: HMAC of the spec's ``message`` under its ``key``, attached by ``apply``."""

    def __init__(self, spec: HmacAuth) -> None:
        self.spec = spec

    def _key(self, ctx: dict[str, Any]) -> bytes:
        text = self.spec._key.search(ctx)
        if not text:
            raise AptError("the connection has no signing key", code="connection_auth_failed")
        text = scalar_text(text)
        try:
            if self.spec.key_encoding == "base64":
                return base64.b64decode(text, validate=True)
            if self.spec.key_encoding == "hex":
                return bytes.fromhex(text)
        except ValueError as exc:
            # Never echo the key: only say which encoding it failed.
            raise AptError(f"the connection's signing key is not valid {self.spec.key_encoding}",
                           code="connection_auth_failed") from exc
        return text.encode()

    def apply(self, req: PreparedRequest, ctx: dict[str, Any]) -> str | None:
        request = {"method": req.method, "url": req.url, "path": urlsplit(req.url).path,
                   "query": dict(req.query), "body": req.body}
        message = scalar_text(self.spec._message.search({**ctx, "request": request}))
        digest = hmac.new(self._key(ctx), message.encode(), getattr(hashlib, self.spec.algorithm)).digest()
        if self.spec.encoding == "hex":
            signature = digest.hex()
        elif self.spec.encoding == "base64url":
            signature = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        else:
            signature = base64.b64encode(digest).decode()
        _apply(self.spec.apply, req, {**ctx, "signature": signature, "message": message})
        return None


@dataclass
class _Token:
    value: str
    expires_at: float  # epoch seconds


class TokenCache:
    """Process-wide session tokens, keyed by provider, connection and secret version."""

    def __init__(self) -> None:
        self._tokens: dict[str, _Token] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def get(self, key: str, margin: float) -> str | None:
        token = self._tokens.get(key)
        if token and token.expires_at - margin > time.time():
            return token.value
        return None

    def put(self, key: str, value: str, expires_at: float) -> None:
        self._tokens[key] = _Token(value, expires_at)

    def drop(self, key: str, value: str | None = None) -> None:
        with self._guard:
            current = self._tokens.get(key)
            if current and (value is None or current.value == value):
                del self._tokens[key]

    def clear(self) -> None:
        with self._guard:
            self._tokens.clear()


TOKENS = TokenCache()


def cache_key(provider: str, connection_id: str, secrets: dict[str, Any]) -> str:
    """Token cache key; a credential rotation yields a new key, so old tokens die with it."""
    digest = hashlib.sha256(json.dumps(secrets, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"{provider}:{connection_id}:{digest}"


class SessionTokenFlow(AuthFlow):
    def __init__(self, spec: SessionTokenAuth, key: str, login: Login) -> None:
        self.spec, self.key, self.login = spec, key, login

    def _token(self, ctx: dict[str, Any]) -> str:
        margin = self.spec.refresh_margin_seconds
        token = TOKENS.get(self.key, margin)
        if token:
            return token
        with TOKENS.lock(self.key):  # one login however many requests find no token
            token = TOKENS.get(self.key, margin)
            if token:
                return token
            response = self.login(self.spec, ctx)
            rctx = response.context()
            value = self.spec._token.search(rctx)
            if not value:
                raise AptError("the provider's login response had no token", code="provider_error")
            TOKENS.put(self.key, str(value), self._expiry(rctx))
            return str(value)

    def _expiry(self, rctx: dict[str, Any]) -> float:
        if self.spec._expires_at is not None:
            raw = self.spec._expires_at.search(rctx)
            if raw:
                parsed = parse_datetime(str(raw))
                if parsed.tzinfo is not None:
                    return parsed.timestamp()
        if self.spec._expires_in is not None:
            raw = self.spec._expires_in.search(rctx)
            if raw is not None:
                return time.time() + float(raw)
        return time.time() + self.spec.ttl_seconds

    def apply(self, req: PreparedRequest, ctx: dict[str, Any]) -> str | None:
        token = self._token(ctx)
        _apply(self.spec.apply, req, {**ctx, "token": token})
        return token

    def renew_if_refused(self, response: ProviderResponse, used: str | None) -> bool:
        if response.status not in self.spec.renew_on_status:
            return False
        TOKENS.drop(self.key, used)
        return True


class TokenStore(Protocol):
    """Where a connection's OAuth tokens live, and how one refresh is made exclusive."""

    def refresh_once(self, stale: Callable[[dict[str, Any]], bool],
                     refresh: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        """Return fresh credentials, running ``refresh`` only if they are still stale once
        this caller holds the refresh lease; concurrent callers wait and reuse its result."""
        ...


class MemoryTokenStore:
    """A single-process token store (unit tests, scripts); production uses DynamoDB."""

    def __init__(self, credentials: dict[str, Any]) -> None:
        self.credentials = credentials
        self._lock = threading.Lock()

    def refresh_once(self, stale: Callable[[dict[str, Any]], bool],
                     refresh: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        with self._lock:
            if stale(self.credentials):
                self.credentials = refresh(self.credentials)
            return self.credentials


Refresh = Callable[[OAuth2Auth, dict[str, Any]], dict[str, Any]]


class OAuth2Flow(AuthFlow):
    """Bearer tokens from the connection's secret, refreshed before expiry or on refusal."""

    def __init__(self, spec: OAuth2Auth, credentials: dict[str, Any], store: TokenStore, refresh: Refresh) -> None:
        self.spec, self.credentials, self.store, self.refresh = spec, credentials, store, refresh
        self._refused: set[str] = set()
        self._lock = threading.Lock()

    def _stale(self, creds: dict[str, Any]) -> bool:
        token = creds.get("access_token")
        if not token or token in self._refused:
            return True
        expires = creds.get("expires_at")
        if not expires:
            return False
        try:
            moment = parse_datetime(str(expires)).timestamp()
        except AptError:
            return True
        return moment - self.spec.refresh_margin_seconds <= time.time()

    def apply(self, req: PreparedRequest, ctx: dict[str, Any]) -> str | None:
        with self._lock:
            creds = dict(self.credentials)
        if self._stale(creds):
            creds = self.store.refresh_once(self._stale, lambda current: self.refresh(self.spec, current))
            with self._lock:
                self.credentials.clear()
                self.credentials.update(creds)
        token = str(creds["access_token"])
        _apply(self.spec.apply, req, {**ctx, "token": token})
        return token

    def renew_if_refused(self, response: ProviderResponse, used: str | None) -> bool:
        if response.status not in self.spec.renew_on_status or used is None:
            return False
        with self._lock:
            self._refused.add(used)
        return True


def auth_flow(spec: Any, key: str, login: Login, credentials: dict[str, Any] | None = None,
              store: TokenStore | None = None, refresh: Refresh | None = None) -> AuthFlow:
    """The flow object for a spec's ``auth`` section."""
    if isinstance(spec, NoAuth):
        return AuthFlow()
    if isinstance(spec, ApiKeyAuth):
        return ApiKeyFlow(spec)
    if isinstance(spec, BasicAuth):
        return BasicFlow(spec)
    if isinstance(spec, HmacAuth):
        return HmacFlow(spec)
    if isinstance(spec, SessionTokenAuth):
        return SessionTokenFlow(spec, key, login)
    if isinstance(spec, OAuth2Auth):
        if credentials is None or refresh is None:
            raise TypeError("oauth2 needs the connection's credentials and a refresh function")
        return OAuth2Flow(spec, credentials, store or MemoryTokenStore(credentials), refresh)
    raise TypeError(f"unsupported auth {type(spec).__name__}")
