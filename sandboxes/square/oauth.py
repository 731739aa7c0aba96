"""OAuth 2.0 state of the Square sandbox: applications, authorization codes and tokens.

Follows Square's code flow (multi-use refresh tokens that never expire and come back unchanged
from the refresh grant) and PKCE flow (single-use refresh tokens that rotate and expire after
90 days). The HTTP handlers in ``app.py`` translate :class:`OAuthError` into Square's error body.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

CODE_LIFETIME = timedelta(minutes=5)
PKCE_REFRESH_LIFETIME = timedelta(days=90)


class OAuthError(Exception):
    """A failed OAuth step, carrying the Square error fields to answer with."""

    def __init__(self, status: int, code: str, detail: str, field_name: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field_name


@dataclass
class Application:
    """A registered OAuth application (Developer Console entry)."""

    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass
class AuthCode:
    code: str
    client_id: str
    scopes: tuple[str, ...]
    redirect_uri: str | None  # only set when the authorize URL carried one
    expires_at: datetime
    code_challenge: str | None = None
    code_challenge_method: str = "S256"
    used: bool = False


@dataclass
class RefreshToken:
    token: str
    client_id: str
    merchant_id: str
    scopes: tuple[str, ...]
    pkce: bool = False
    expires_at: datetime | None = None
    revoked: bool = False


@dataclass
class AccessToken:
    token: str
    client_id: str
    merchant_id: str
    scopes: tuple[str, ...]
    expires_at: datetime | None  # None: a personal access token, which does not expire
    short_lived: bool = False
    revoked: bool = False


@dataclass
class OAuthStore:
    """Every OAuth artefact of the sandbox plus counters for tests (guarded by the app lock)."""

    merchant_id: str
    applications: dict[str, Application] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=lambda: {
        "authorization_code_grants": 0,
        "refresh_grant_calls": 0,
        "refresh_grants": 0,
        "access_tokens_issued": 0,
        "revocations": 0,
    })

    # -- authorize --------------------------------------------------------------------
    def issue_code(
        self, client_id: str, scopes: tuple[str, ...], redirect_uri: str | None, now: datetime,
        code_challenge: str | None = None, code_challenge_method: str = "S256",
    ) -> str:
        """Create a single-use authorization code (valid for five minutes, as Square's are)."""
        code = "sandbox-sq0cgb-" + secrets.token_urlsafe(16)
        self.codes[code] = AuthCode(code, client_id, scopes, redirect_uri, now + CODE_LIFETIME,
                                    code_challenge, code_challenge_method)
        return code

    # -- token endpoint ------------------------------------------------------------------
    def _client(self, client_id: str, client_secret: str | None, *, secret_required: bool) -> Application:
        app = self.applications.get(client_id)
        if app is None:
            raise OAuthError(401, "UNAUTHORIZED", "Invalid client_id.", "client_id")
        if secret_required or client_secret is not None:
            if client_secret is None:
                raise OAuthError(400, "MISSING_REQUIRED_PARAMETER", "Missing required parameter `client_secret`.",
                                 "client_secret")
            if not secrets.compare_digest(client_secret, app.client_secret):
                raise OAuthError(401, "UNAUTHORIZED", "Invalid client_secret.", "client_secret")
        return app

    def _issue_access(self, client_id: str, scopes: tuple[str, ...], now: datetime, lifetime: timedelta,
                      short_lived: bool) -> AccessToken:
        token = AccessToken("EAAAl" + secrets.token_urlsafe(45), client_id, self.merchant_id, scopes,
                            now + lifetime, short_lived)
        self.access_tokens[token.token] = token
        self.counters["access_tokens_issued"] += 1
        return token

    def exchange_code(
        self, *, client_id: str, client_secret: str | None, code: str | None, redirect_uri: str | None,
        code_verifier: str | None, short_lived: bool, now: datetime, lifetime: timedelta,
    ) -> tuple[AccessToken, RefreshToken]:
        """The ``authorization_code`` grant."""
        if not code:
            raise OAuthError(400, "MISSING_REQUIRED_PARAMETER", "Missing required parameter `code`.", "code")
        grant = self.codes.get(code)
        pkce = grant is not None and grant.code_challenge is not None
        self._client(client_id, client_secret, secret_required=not pkce)
        if grant is None or grant.used or grant.client_id != client_id or grant.expires_at <= now:
            raise OAuthError(401, "UNAUTHORIZED", "The authorization code is invalid, expired or already used.",
                             "code")
        if grant.redirect_uri is not None and redirect_uri != grant.redirect_uri:
            raise OAuthError(400, "INVALID_VALUE", "`redirect_uri` does not match the authorization request.",
                             "redirect_uri")
        if pkce:
            if not code_verifier:
                raise OAuthError(400, "MISSING_REQUIRED_PARAMETER", "Missing required parameter `code_verifier`.",
                                 "code_verifier")
            if _challenge(code_verifier, grant.code_challenge_method) != grant.code_challenge:
                raise OAuthError(401, "UNAUTHORIZED", "The code verifier does not match the code challenge.",
                                 "code_verifier")
        grant.used = True
        self.counters["authorization_code_grants"] += 1
        refresh = RefreshToken("EQAAl" + secrets.token_urlsafe(45), client_id, self.merchant_id, grant.scopes,
                               pkce=pkce, expires_at=now + PKCE_REFRESH_LIFETIME if pkce else None)
        self.refresh_tokens[refresh.token] = refresh
        return self._issue_access(client_id, grant.scopes, now, lifetime, short_lived), refresh

    def refresh(
        self, *, client_id: str, client_secret: str | None, refresh_token: str | None, scopes: list[str] | None,
        short_lived: bool, now: datetime, lifetime: timedelta,
    ) -> tuple[AccessToken, RefreshToken]:
        """The ``refresh_token`` grant. Counted before validation: tests assert on calls made."""
        self.counters["refresh_grant_calls"] += 1
        if not refresh_token:
            raise OAuthError(400, "MISSING_REQUIRED_PARAMETER", "Missing required parameter `refresh_token`.",
                             "refresh_token")
        record = self.refresh_tokens.get(refresh_token)
        self._client(client_id, client_secret, secret_required=record is None or not record.pkce)
        if (record is None or record.revoked or record.client_id != client_id
                or (record.expires_at is not None and record.expires_at <= now)):
            raise OAuthError(401, "UNAUTHORIZED", "The refresh token is invalid, revoked or expired.",
                             "refresh_token")
        granted = record.scopes
        if scopes:
            # narrowing only: the new token gets the intersection with what was authorized
            granted = tuple(s for s in record.scopes if s in set(scopes))
        if record.pkce:
            record.revoked = True  # PKCE refresh tokens are single-use and rotate
            record = RefreshToken("EQAAl" + secrets.token_urlsafe(45), client_id, self.merchant_id, record.scopes,
                                  pkce=True, expires_at=now + PKCE_REFRESH_LIFETIME)
            self.refresh_tokens[record.token] = record
        self.counters["refresh_grants"] += 1
        return self._issue_access(client_id, granted, now, lifetime, short_lived), record

    # -- revoke ----------------------------------------------------------------------------
    def revoke(self, *, client_id: str, access_token: str | None, merchant_id: str | None,
               only_access_token: bool) -> None:
        """Revoke one access token, or the whole authorization of ``client_id`` for the seller."""
        if access_token and merchant_id:
            raise OAuthError(400, "CONFLICTING_PARAMETERS", "Provide either `access_token` or `merchant_id`.")
        if not access_token and not merchant_id:
            raise OAuthError(400, "MISSING_REQUIRED_PARAMETER", "Provide `access_token` or `merchant_id`.")
        if access_token:
            record = self.access_tokens.get(access_token)
            if record is None or record.client_id != client_id:
                raise OAuthError(404, "NOT_FOUND", "Access token not found.", "access_token")
            if only_access_token:
                record.revoked = True
                self.counters["revocations"] += 1
                return
        elif merchant_id != self.merchant_id:
            raise OAuthError(404, "NOT_FOUND", "Merchant not found.", "merchant_id")
        for token in self.access_tokens.values():
            if token.client_id == client_id:
                token.revoked = True
        for refresh in self.refresh_tokens.values():
            if refresh.client_id == client_id:
                refresh.revoked = True
        self.counters["revocations"] += 1


def _challenge(verifier: str, method: str) -> str:
    if method.upper() == "PLAIN":
        return verifier
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
