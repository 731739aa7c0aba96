"""The hosted OAuth 2.0 flow, for any spec whose auth is ``oauth2`` with ``authorize``.

1. ``GET /v1/oauth/{provider}/authorize`` (API key with ``connections:manage``) answers
   302 to the provider's consent page with a signed ``state`` that carries the account,
   mode, provider, connection config and where to send the user afterwards.
2. The provider sends the user to ``GET /v1/oauth/{provider}/callback?code&state``; Aptura
   checks the signature and expiry, exchanges the code, stores the tokens in Secrets
   Manager and creates the connection, then redirects to the caller's ``redirect_uri``
   with ``connection_id`` (or answers 201 with the connection when none was given).

A flow started from a connect session's hosted page (``aptura.connect.oauth_start``) carries
the session's id in its state instead of a ``redirect_uri``: the callback completes that
session and redirects to the session's ``redirect_url``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets as pysecrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from aptura.api.app import current_event
from aptura.engine.runner import Connection, Runner, base_url
from aptura.errors import AptError, NotSupported, ValidationError
from aptura.spec.fields import validate_connection
from aptura.spec.models import OAuth2Auth, ProviderSpec
from aptura.spec.template import scalar_text
from aptura.store.connections import read_platform_secret

STATE_TTL_SECONDS = 600


@dataclass(frozen=True)
class State:
    account_id: str
    mode: str
    provider: str
    config: dict[str, Any]
    redirect_uri: str | None
    expires: int
    connect_session: str | None = None  # the connect session this flow completes, if any


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _state_key() -> bytes:
    key = read_platform_secret("state-key").get("key")
    if not key:
        raise AptError("the OAuth state signing key is not configured", code="internal_error")
    return str(key).encode()


def sign_state(state: State) -> str:
    """``payload.signature``, both base64url; the payload is not secret, only tamper-proof."""
    payload = _b64(json.dumps({"a": state.account_id, "m": state.mode, "p": state.provider, "c": state.config,
                               "r": state.redirect_uri, "e": state.expires, "s": state.connect_session,
                               "n": pysecrets.token_hex(8)}, separators=(",", ":")).encode())
    signature = _b64(hmac.new(_state_key(), payload.encode(), hashlib.sha256).digest())
    return f"{payload}.{signature}"


def verify_state(text: str, provider: str) -> State:
    """The state's content, or a 400 when it is forged, for another provider or expired."""
    payload, _, signature = text.partition(".")
    expected = _b64(hmac.new(_state_key(), payload.encode(), hashlib.sha256).digest())
    if not signature or not hmac.compare_digest(signature, expected):
        raise ValidationError("invalid OAuth state", details={"state": ["signature mismatch"]})
    data = json.loads(_unb64(payload))
    if data["p"] != provider:
        raise ValidationError("invalid OAuth state", details={"state": ["issued for another provider"]})
    if int(data["e"]) < time.time():
        raise ValidationError("the OAuth flow expired; start again", details={"state": ["expired"]})
    return State(data["a"], data["m"], data["p"], data["c"], data["r"], int(data["e"]), data.get("s"))


def _oauth(spec: ProviderSpec) -> OAuth2Auth:
    if not isinstance(spec.auth, OAuth2Auth) or spec.auth.authorize is None:
        raise NotSupported(f"{spec.name} does not offer a hosted OAuth flow",
                           details={"provider": spec.id, "operation": "oauth.authorize"})
    return spec.auth


def _redirect_target(value: str | None) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError("redirect_uri must be an absolute http(s) URL", details={"redirect_uri": ["invalid"]})
    return value


def authorize_url(spec: ProviderSpec, account_id: str, mode: str, config: dict[str, Any],
                  redirect_uri: str | None, callback_url: str, app: dict[str, Any], *,
                  connect_session: str | None = None) -> str:
    """The provider consent URL the caller's user is sent to (``connect_session``: the flow completes it)."""
    auth = _oauth(spec)
    if not app.get("client_id"):
        raise NotSupported(f"no OAuth application is configured for {spec.name} in {mode} mode")
    clean_config, _ = validate_connection(spec.connection.model_copy(update={"secrets": {}}), config, {})
    state = sign_state(State(account_id, mode, spec.id, clean_config, _redirect_target(redirect_uri),
                             int(time.time()) + STATE_TTL_SECONDS, connect_session))
    assert auth.authorize is not None
    ctx = {"app": app, "state": state, "redirect_uri": callback_url, "config": clean_config}
    path = auth.authorize._path.render(ctx)
    url = path if path.startswith(("http://", "https://")) else base_url(spec, mode, clean_config) + path
    query = {}
    for name, template in auth.authorize._query.items():
        value = template.render(ctx)
        if value is not None:
            query[name] = scalar_text(value)
    return f"{url}?{urlencode(query)}"


def exchange(spec: ProviderSpec, state: State, code: str, callback_url: str, app: dict[str, Any],
             connection_id: str) -> Connection:
    """Exchange the code for tokens; the validated connection to store (``aptura.connect`` stores it)."""
    _oauth(spec)
    pending = Connection(connection_id, spec.id, state.mode, state.config, {})
    runner = Runner(spec, pending, oauth_app=app)
    tokens = runner.oauth_token_call({"type": "authorization_code", "code": code, "redirect_uri": callback_url}, {})
    config, credentials = validate_connection(spec.connection, state.config, tokens)
    return Connection(connection_id, spec.id, state.mode, config, credentials)


# Where ``make dev``'s gateway listens: the base URL when nothing else is configured outside AWS.
LOCAL_PUBLIC_URL = "http://127.0.0.1:3000"


def public_base_url(domain_name: str | None = None, api_id: str | None = None, stage: str | None = None) -> str:
    """This API's public base URL, never from a request header (``Host: evil.example`` must not become an
    OAuth ``redirect_uri`` or a connect link): ``APTURA_PUBLIC_URL`` (the template's ``PublicUrl``); else, on
    AWS, this API's own execute-api URL from API Gateway's request context (which routes that domain only
    to this API, whatever the client sends); else :data:`LOCAL_PUBLIC_URL`."""
    configured = os.environ.get("APTURA_PUBLIC_URL")
    if configured:
        return configured.rstrip("/")
    if (domain_name and api_id and domain_name.startswith(f"{api_id}.execute-api.")
            and domain_name.endswith(".amazonaws.com")):
        return f"https://{domain_name}/{stage}" if stage else f"https://{domain_name}"
    return LOCAL_PUBLIC_URL


def served_url() -> str:
    """This deployment's public base URL (see :func:`public_base_url`) for the current request."""
    context = current_event().request_context
    return public_base_url(context.domain_name, context.api_id, context.stage)


def callback_url(provider: str) -> str:
    """Where the provider sends the user back to after consent, on this deployment's public URL."""
    return f"{served_url()}/v1/oauth/{provider}/callback"
