"""Routes of /v1/oauth/{provider}/authorize and /callback: the hosted OAuth 2.0 connection flow."""

from __future__ import annotations

import json
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from aptura import connect
from aptura.api import oauth
from aptura.api.app import ERROR_RESPONSES, NO_KEY, logger, oauth_app, require_key
from aptura.api.audit import audit
from aptura.errors import ValidationError
from aptura.spec.loader import load_spec

router = Router()

# Redirects carry no body, only where to go next.
_REDIRECT_HEADERS: dict[str, Any] = {
    "Location": {"description": "Where the browser goes next", "schema": {"type": "string"}}}
_CONNECTION_CREATED: dict[str, Any] = {
    "type": "object", "required": ["connection_id", "provider", "mode", "config"], "properties": {
        "connection_id": {"type": "string"}, "provider": {"type": "string"},
        "mode": {"type": "string", "enum": ["test", "live"]}, "config": {"type": "object"}}}


@router.get("/v1/oauth/<provider>/authorize", operation_id="startOAuth", tags=["OAuth"],
         summary="Start connecting a provider account (hosted OAuth)",
         responses={302: {"description": "Redirect to the provider's consent page", "content": {},
                          "headers": _REDIRECT_HEADERS}, **ERROR_RESPONSES})
def authorize(
    provider: str,
    redirect_uri: Annotated[str | None, Query(description="Where to send the user when done")] = None,
    config: Annotated[str | None, Query(description="JSON object of the connection's config fields")] = None,
) -> Response[str]:
    key = require_key("connections:manage")
    spec = load_spec(provider)
    try:
        config_fields = json.loads(config) if config else {}
    except ValueError as exc:
        raise ValidationError("config must be a JSON object", details={"config": ["invalid JSON"]}) from exc
    if not isinstance(config_fields, dict):
        raise ValidationError("config must be a JSON object", details={"config": ["not an object"]})
    url = oauth.authorize_url(spec, key.account_id, key.mode, config_fields, redirect_uri,
                              oauth.callback_url(spec.id), oauth_app(spec.id, key.mode))
    logger.info("oauth authorize", extra={"account_id": key.account_id, "provider": spec.id, "mode": key.mode})
    return Response(status_code=302, headers={"Location": url}, body="")


@router.get("/v1/oauth/<provider>/callback", operation_id="completeOAuth", tags=["OAuth"],
         summary="The provider returns here after consent", openapi_extensions=NO_KEY,
         responses={201: {"description": "The connection created",
                          "content": {"application/json": {"schema": _CONNECTION_CREATED}}},
                    302: {"description": "Back to redirect_uri", "content": {}, "headers": _REDIRECT_HEADERS},
                    **ERROR_RESPONSES})
def callback(
    provider: str,
    state: Annotated[str, Query(min_length=3)],
    code: Annotated[str | None, Query()] = None,
    error: Annotated[str | None, Query()] = None,
) -> Response[str]:
    spec = load_spec(provider)
    verified = oauth.verify_state(state, spec.id)
    if error or not code:
        declined = connect.oauth_declined(verified, error or "no_code")
        if declined:
            return Response(status_code=302, headers={"Location": declined}, body="")
        raise ValidationError("the provider did not grant access", details={"error": [error or "no code"]})
    record, target = connect.complete_oauth(spec, verified, code, oauth.callback_url(spec.id))
    audit("connections.create", "created", "connection created", account_id=record.account_id,
          connection_id=record.connection_id, provider=spec.id, mode=record.mode, via="oauth",
          connect_session_id=verified.connect_session)
    body = {"connection_id": record.connection_id, "provider": record.provider, "mode": record.mode,
            "config": record.config}
    if target:
        return Response(status_code=302, headers={"Location": target}, body="")
    return Response(status_code=201, content_type="application/json", body=json.dumps(body))
