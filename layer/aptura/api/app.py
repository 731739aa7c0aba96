"""What every handler shares: the resolver, Aptura's error format, who is calling,
which connection they may use, and running an operation on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from pydantic import ValidationError as PydanticValidationError

from aptura.api.models import ErrorBody
from aptura.engine.runner import Connection, Runner
from aptura.errors import AptError, Forbidden, NotFound, Unauthorized, ValidationError
from aptura.spec.loader import load_spec
from aptura.spec.models import OAuth2Auth, ProviderSpec
from aptura.store.connections import ConnectionRecord, get_connection, read_credentials, read_platform_secret
from aptura.store.keys import ApiKey, mode_of, resolve_api_key
from aptura.store.tokens import DynamoTokenStore

logger = Logger()

_ERROR_SCHEMA = ErrorBody.model_json_schema()
ERROR_RESPONSES: dict[int, Any] = {
    status: {"description": text, "content": {"application/json": {"schema": _ERROR_SCHEMA}}}
    for status, text in [
        (400, "Invalid request data"), (401, "Missing or invalid API key, or provider credentials refused"),
        (403, "Insufficient permissions"), (404, "Connection or resource not found"),
        (409, "Conflict, e.g. the slot is already booked"), (429, "Rate limited"),
        (501, "The provider cannot do this operation"), (502, "Provider error"),
        (503, "Provider unavailable"), (504, "Provider timeout"),
    ]
}


def error_response(error: AptError) -> Response:
    return Response(status_code=error.status, content_type="application/json", body=json.dumps(error.body()),
                    headers=error.headers())


def _validation_details(errors: Any) -> dict[str, list[str]]:
    details: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        details.setdefault(".".join(loc) or "body", []).append(err.get("msg", "invalid"))
    return details


def create_app() -> APIGatewayRestResolver:
    """A resolver with validation on and every failure in Aptura's error format."""
    app = APIGatewayRestResolver(enable_validation=True)

    @app.exception_handler(AptError)
    def _apt(ex: AptError) -> Response:
        if ex.status >= 500:
            logger.warning("request failed", extra={"error": ex.code, "status": ex.status})
        return error_response(ex)

    @app.exception_handler(RequestValidationError)
    def _invalid(ex: RequestValidationError) -> Response:
        return error_response(ValidationError("Invalid request data", details=_validation_details(list(ex.errors()))))

    @app.exception_handler(UnicodeDecodeError)
    def _bad_encoding(ex: UnicodeDecodeError) -> Response:
        return error_response(ValidationError("the request body is not valid UTF-8"))

    @app.exception_handler(NotFoundError)
    def _not_found(ex: NotFoundError) -> Response:
        return error_response(NotFound(str(ex) or "no such route"))

    @app.exception_handler(PydanticValidationError)
    def _unmappable(ex: PydanticValidationError) -> Response:
        # Request bodies fail as RequestValidationError; this is a provider answer the spec could not map.
        logger.warning("provider response could not be mapped", extra={"errors": ex.error_count()})
        return error_response(AptError("the provider's answer could not be mapped", code="provider_error",
                                       details=_validation_details(list(ex.errors()))))

    @app.exception_handler(Exception)
    def _unexpected(ex: Exception) -> Response:
        if isinstance(ex, ValueError) and "boundary" in str(ex):
            return error_response(ValidationError("malformed multipart body"))
        logger.exception("unhandled error")
        return error_response(AptError("internal error; it has been logged", code="internal_error"))

    return app


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one request and the connection it addresses."""

    key: ApiKey
    connection: ConnectionRecord
    spec: ProviderSpec


def _header(app: APIGatewayRestResolver, name: str) -> str | None:
    value = app.current_event.headers.get(name)  # case-insensitive in Powertools v3
    return value.strip() if isinstance(value, str) else None


def authenticate(app: APIGatewayRestResolver) -> ApiKey:
    """The API key of the current request, or a 401."""
    header = _header(app, "Authorization") or ""
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthorized("missing API key: send 'Authorization: Bearer apt_test_…' or 'apt_live_…'")
    raw = raw.strip()
    if mode_of(raw) is None:
        raise Unauthorized("invalid API key")
    key = resolve_api_key(raw)
    if key is None:
        raise Unauthorized("invalid API key")
    return key


def require_key(app: APIGatewayRestResolver, scope: str) -> ApiKey:
    """Authenticate and check that the key has ``scope``."""
    key = authenticate(app)
    if scope not in key.scopes:
        raise Forbidden(f"this API key lacks the {scope} scope", details={"required_scope": scope})
    return key


def resolve_caller(app: APIGatewayRestResolver, scope: str) -> Caller:
    """Authenticate, check ``scope``, and load the ``X-Connection-Id`` connection."""
    key = require_key(app, scope)
    connection_id = _header(app, "X-Connection-Id")
    if not connection_id:
        raise ValidationError("missing X-Connection-Id header", details={"X-Connection-Id": ["required"]})
    record = get_connection(key.account_id, connection_id)
    if record is None:  # also for another account's connection: no hint that it exists
        raise NotFound(f"connection {connection_id} not found")
    if record.mode != key.mode:
        raise Forbidden(f"a {key.mode} key can only use {key.mode} connections; {connection_id} is a "
                        f"{record.mode} connection", details={"connection_mode": record.mode, "key_mode": key.mode})
    logger.append_keys(account_id=key.account_id, connection_id=connection_id, provider=record.provider)
    return Caller(key, record, load_spec(record.provider))


def oauth_app(provider: str, mode: str) -> dict[str, Any]:
    """The platform's OAuth app (client id and secret) for ``provider`` in ``mode``, if configured.

    Stored in the platform secret ``oauth-apps`` as ``{provider: {mode: {client_id, client_secret}}}``.
    """
    try:
        apps = read_platform_secret("oauth-apps")
    except AptError:
        return {}
    value = (apps.get(provider) or {}).get(mode) or {}
    return dict(value) if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Outcome:
    output: Any
    zone: str  # the provider zone the spec declared for this connection


def run_operation(app: APIGatewayRestResolver, caller: Caller, operation: str, input_: dict[str, Any]) -> Outcome:
    """Run ``operation`` of the caller's provider spec with the unified ``input_``."""
    record = caller.connection
    connection = Connection(record.connection_id, record.provider, record.mode, record.config,
                            dict(read_credentials(record)))
    request_id = app.current_event.request_context.request_id or ""
    oauth = isinstance(caller.spec.auth, OAuth2Auth)
    runner = Runner(caller.spec, connection, request_id=request_id,
                    token_store=DynamoTokenStore(record) if oauth else None,
                    oauth_app=oauth_app(caller.spec.id, record.mode) if oauth else None)
    output = runner.run(operation, input_)
    return Outcome(output, runner.zone)
