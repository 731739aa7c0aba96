"""What every handler shares: the resolver, Aptura's error format, who is calling,
which connection they may use, and running an operation on it.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any, Literal, cast

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import OpenAPIRequestValidationMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType, RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError

from aptura import events, priming
from aptura.api import audit
from aptura.api.listing import MAX_LIMIT
from aptura.api.models import ErrorBody
from aptura.engine.auth import TokenStore
from aptura.engine.http import Deadline
from aptura.engine.runner import Connection, Runner
from aptura.errors import AptError, Forbidden, NotFound, Unauthorized, ValidationError
from aptura.spec.loader import load_spec
from aptura.spec.models import OAuth2Auth, ProviderSpec
from aptura.store.connections import (
    ConnectionRecord,
    get_connection,
    read_credentials,
    read_platform_secret,
    record_error,
    record_ok,
)
from aptura.store.keys import (
    ApiKey,
    Usage,
    begin_use,
    kind_of,
    origin_allowed_by_some_key,
    record_auth_failure,
    use_api_key,
    use_client_ip,
)
from aptura.store.tokens import DynamoTokenStore

# The one non-child Powertools logger: every aptura log line goes through its redacting formatter.
logger = Logger(logger_formatter=audit.RedactingFormatter())

_ERRORS = [
    (400, "Invalid request data", "validation_error", "Invalid request data",
     {"startTime": ["must include a time zone: use UTC with 'Z'"]}),
    (401, "Missing or invalid API key, or provider credentials refused", "unauthorized", "invalid API key", {}),
    (403, "Insufficient permissions", "forbidden", "this API key lacks the bookings:write scope",
     {"required_scope": "bookings:write"}),
    (404, "Connection or resource not found", "not_found", "connection conn_xyz789 not found", {}),
    (409, "Conflict, e.g. the slot is already booked", "conflict", "The slot is no longer available", {}),
    (422, "The provider refused the request", "unprocessable", "the provider rejected the request", {}),
    (429, "Rate limited (see Retry-After)", "rate_limited", "the provider is rate limiting requests", {}),
    (501, "The provider cannot do this operation", "not_supported",
     "Acme Book does not support locations.list", {"provider": "acmebook", "operation": "locations.list"}),
    (502, "Provider error", "provider_error", "the provider failed", {"provider_status": 500}),
    (503, "Provider unavailable (see Retry-After)", "provider_unavailable", "the provider is unavailable", {}),
    (504, "Provider timeout", "provider_timeout", "the provider timed out", {}),
]
ERROR_RESPONSES: dict[int, OpenAPIResponse] = {
    status: {"description": text, "content": {"application/json": {
        "model": ErrorBody, "examples": {code: {"value": {"error": code, "message": message, "details": details}}},
    }}}
    for status, text, code, message, details in _ERRORS
}


RATE_LIMIT_HEADERS: dict[str, Any] = {
    "X-RateLimit-Limit": {"description": "Requests allowed in the binding window", "schema": {"type": "integer"}},
    "X-RateLimit-Remaining": {"description": "Requests left in that window", "schema": {"type": "integer"}},
    "X-RateLimit-Reset": {"description": "Unix time when that window resets", "schema": {"type": "integer"}},
}


def success(model: type[BaseModel], description: str) -> OpenAPIResponse:
    """A route's success response for the OpenAPI document: ``model`` (its examples included)."""
    return {"description": description, "headers": RATE_LIMIT_HEADERS,
            "content": {"application/json": {"model": model}}}


# A public route (no API key) passes ``openapi_extensions=NO_KEY``: its operation gets OpenAPI's ``security: []``,
# so Swagger UI shows no lock and clients send no key. Powertools' own ``security=[]`` is dropped as "not given"
# (its Router keeps only a non-empty list), which left those operations under the document's global apiKey.
NO_KEY: dict[str, Any] = {"security": []}


def is_public(route: Any) -> bool:
    """Whether the Powertools ``route`` was declared with ``openapi_extensions=NO_KEY`` (no API key)."""
    return (getattr(route, "openapi_extensions", None) or {}).get("security") == []


ConnectionHeader = Annotated[str, Header(
    alias="X-Connection-Id", min_length=1, max_length=100,
    description="The connection (one business's account on a provider) to use", examples=["conn_xyz789"])]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Page size, at most {MAX_LIMIT}")]
Cursor = Annotated[str | None, Query(max_length=500, description="next_cursor of the previous page")]
Include = Annotated[Literal["raw"] | None, Query(description="`raw` adds the provider's original object")]


# An incoming X-Request-Id is echoed only when it is this short and printable: it lands in logs and headers.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# The id of the request being handled: X-Request-Id on the answer, details.request_id in errors, the log
# correlation id.
_REQUEST_ID: ContextVar[str | None] = ContextVar("aptura_request_id", default=None)


def request_id_for(event: dict[str, Any], context: object | None = None) -> str:
    """The id of this request: a sane incoming ``X-Request-Id``, else API Gateway's (or Lambda's) request id."""
    for name, value in (event.get("headers") or {}).items():
        if name.lower() == "x-request-id" and isinstance(value, str) and _SANE_REQUEST_ID.fullmatch(value.strip()):
            return value.strip()
    request_id = (event.get("requestContext") or {}).get("requestId")
    if isinstance(request_id, str) and request_id:
        return request_id
    return getattr(context, "aws_request_id", None) or str(uuid.uuid4())


def current_request_id() -> str | None:
    """The id of the request being handled (None outside a Lambda invocation)."""
    return _REQUEST_ID.get()


def error_body(error: AptError) -> dict[str, Any]:
    """``error``'s JSON body, with the request id in ``details`` (a copy: the exception is left as is)."""
    body = error.body()
    request_id = _REQUEST_ID.get()
    if request_id is not None:
        details = body.get("details")
        body["details"] = {**details, "request_id": request_id} if isinstance(details, dict) else {
            "request_id": request_id, "errors": details}
    return body


def error_response(error: AptError) -> Response:
    """The HTTP answer for ``error`` in Aptura's format."""
    return Response(status_code=error.status, content_type="application/json", body=json.dumps(error_body(error)),
                    headers=error.headers())


def _validation_details(errors: Any) -> dict[str, list[str]]:
    details: dict[str, list[str]] = {}
    for err in errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        details.setdefault(".".join(loc) or "body", []).append(err.get("msg", "invalid"))
    return details


# Far beyond any Aptura body, yet small enough that parsing, validation and DynamoDB's
# serializer never recurse out of stack; 18 digits fit a 64-bit integer.
MAX_JSON_DEPTH = 32
MAX_INTEGER_DIGITS = 18
# Headers a client could repeat to make the first and the last copies disagree.
_SINGLE_HEADERS = ("authorization", "x-connection-id")


def _json_shape_problem(raw: str) -> str | None:
    """Why ``raw`` is too deep or has too long a number for Aptura, if it does (checked before parsing)."""
    depth, digits, in_string, escaped, in_fraction = 0, 0, False, False, False
    for char in raw:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char.isdigit():
            digits = 0 if in_fraction else digits + 1
            if digits > MAX_INTEGER_DIGITS:
                return f"numbers may have at most {MAX_INTEGER_DIGITS} digits"
            continue
        in_fraction = char in ".eE" or (in_fraction and char in "+-")
        digits = 0
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return f"JSON may nest at most {MAX_JSON_DEPTH} levels deep"
        elif char in "]}":
            depth -= 1
    return None


def _refuse_repeated_headers(event: APIGatewayProxyEvent) -> None:
    counts: dict[str, int] = {}
    for name, values in (event.multi_value_headers or {}).items():  # "Authorization" and "authorization" add up
        counts[name.lower()] = counts.get(name.lower(), 0) + len(values or [])
    for name in _SINGLE_HEADERS:
        if counts.get(name, 0) > 1:
            raise ValidationError(f"the {name} header must be sent once",
                                  details={name: ["sent more than once"]})


class _RequestValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, except that a JSON array is never read as an object body.

    Powertools takes a list body's first element for a non-list body parameter (meant for form fields), so
    ``POST /v1/api-keys`` with ``[{}]`` created a key. Every Aptura body is an object.
    """

    def handler(self, app: Any, next_middleware: Any) -> Response:
        """Refuse repeated credential headers, validate, and authenticate before describing a bad request."""
        _refuse_repeated_headers(cast(APIGatewayProxyEvent, app.current_event))
        try:
            response = cast(Response, super().handler(app, next_middleware))
        except (RequestValidationError, RequestUnsupportedContentType):
            # A caller without a valid key learns nothing of the schema: 401 (or 429) comes first.
            if not is_public(app.context["_route"]):
                authenticate()
                settle_rate_limit()
            raise
        except Exception:
            settle_rate_limit()  # a refusal of the request's count comes before the route's own failure
            raise
        settle_rate_limit()
        return response

    def _get_body(self, app: Any) -> dict[str, Any]:
        raw = app.current_event.decoded_body
        if raw:
            problem = _json_shape_problem(raw)
            if problem:
                raise RequestValidationError([{"type": "json_shape", "loc": ("body",), "msg": problem,
                                               "input": None}])
        body = super()._get_body(app)
        if isinstance(body, list):
            raise RequestValidationError([{"type": "model_type", "loc": ("body",), "msg": "must be a JSON object",
                                           "input": None}])
        return body


def create_app(*routers: Router) -> APIGatewayRestResolver:
    """A resolver serving ``routers``, with validation on and every failure in Aptura's error format."""
    app = APIGatewayRestResolver(enable_validation=True)
    # Powertools builds its validation middleware only when the resolver has none yet: this one is used instead.
    app._request_validation_middleware = _RequestValidation()  # type: ignore[attr-defined]
    for router in routers:
        app.include_router(router)

    @app.exception_handler(AptError)
    def _apt(ex: AptError) -> Response:
        if ex.status >= 500:
            logger.warning("request failed", extra={"error": ex.code, "status": ex.status})
        return error_response(ex)

    @app.exception_handler(RequestValidationError)
    def _invalid(ex: RequestValidationError) -> Response:
        return error_response(ValidationError("Invalid request data", details=_validation_details(list(ex.errors()))))

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported_media_type(ex: RequestUnsupportedContentType) -> Response:
        # Powertools raises it outside RequestValidationError (it is also a NotImplementedError): without this
        # handler a body sent as e.g. text/plain reached the catch-all and answered 500.
        return error_response(ValidationError("unsupported Content-Type: send the body as application/json",
                                              details={"Content-Type": ["must be application/json"]}))

    @app.exception_handler(OverflowError)
    def _out_of_range(ex: OverflowError) -> Response:
        # Date arithmetic on extreme but well-formed input (start_datetime=0001-01-01T09:20:00Z minus a zone
        # offset) leaves datetime's range: the input is unusable, not the server broken.
        logger.warning("input out of range", extra={"error": str(ex)})
        return error_response(ValidationError("a date or number is out of the supported range"))

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


# The resolver handling this thread's request. Route modules hold module-level Routers that
# several resolvers include (every handler in tests, all of them for the OpenAPI document), and
# a Router forwards ``current_event`` to whichever resolver included it last, so routes ask here.
_RESOLVER: ContextVar[APIGatewayRestResolver] = ContextVar("aptura_resolver")
# The calling key's rate-limit state, echoed in X-RateLimit-* headers.
_USAGE: ContextVar[Usage | None] = ContextVar("aptura_usage", default=None)
# A read-only request's count, running while the request does: (key, key's usage, client IP's usage) or None
# for a key gone since this container cached it. Settled (settle_rate_limit) before the answer leaves.
Counted = tuple[ApiKey, Usage, Usage | None] | None
_PENDING: ContextVar[Future[Counted] | None] = ContextVar("aptura_pending_count", default=None)
_READ_ONLY = ("GET", "HEAD")
# The browser origin this answer may be read from (a publishable key's allowed origin), if any.
_CORS_ORIGIN: ContextVar[str | None] = ContextVar("aptura_cors_origin", default=None)

# The only routes a publishable key may use, with the scope each needs. ``bookings:write`` on a publishable
# key means creating bookings: rescheduling, cancelling and reading them need a secret key.
PUBLISHABLE_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/v1/availability"): "availability:read",
    ("GET", "/v1/services"): "catalog:read",
    ("GET", "/v1/staff"): "catalog:read",
    ("GET", "/v1/locations"): "catalog:read",
    ("POST", "/v1/appointments"): "bookings:write",
}
CORS_ALLOW_HEADERS = "Authorization, Content-Type, X-Connection-Id, Idempotency-Key"
CORS_EXPOSE_HEADERS = "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After"
CORS_MAX_AGE = 600  # seconds a browser may reuse a preflight answer (Chromium caps it at 7200)


def cors_headers(origin: str) -> dict[str, str]:
    """What an answer to a request from the allowed browser ``origin`` carries so that page can read it."""
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
            "Access-Control-Expose-Headers": CORS_EXPOSE_HEADERS}


def current_event() -> APIGatewayProxyEvent:
    """The API Gateway event of the request being handled."""
    return cast(APIGatewayProxyEvent, _RESOLVER.get().current_event)


def current_context() -> LambdaContext | None:
    """The Lambda context of the request being handled."""
    return _RESOLVER.get().lambda_context


def lambda_handler_for(app: APIGatewayRestResolver) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """The Lambda entry point for ``app``: request-scoped log context, then the resolver.

    Called at the function's import, so under SnapStart it also primes the snapshot (:mod:`aptura.priming`).
    """
    priming.install()

    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        request_id = request_id_for(event, context)
        # Log lines carry the id the caller sees in X-Request-Id, so one id finds a request's answer and its logs.
        logger.set_correlation_id(request_id)
        token, usage, rid = _RESOLVER.set(app), _USAGE.set(None), _REQUEST_ID.set(request_id)
        pending = _PENDING.set(None)
        origin = _CORS_ORIGIN.set(None)
        scope, response = audit.begin_request(event), None
        try:
            response = app.resolve(event, context)
            headers = response.setdefault("multiValueHeaders", {})
            rate = _USAGE.get()
            if rate is not None:  # on every answer to an identified key, errors included
                for name, value in rate.headers().items():
                    headers[name] = [value]
            headers["X-Request-Id"] = [request_id]
            allowed = _CORS_ORIGIN.get()
            if allowed is not None:  # errors too: the page can read why it was refused
                for name, value in cors_headers(allowed).items():
                    headers[name] = [value]
            return response
        finally:
            audit.end_request(scope, response)
            _RESOLVER.reset(token)
            _USAGE.reset(usage)
            _PENDING.reset(pending)
            _REQUEST_ID.reset(rid)
            _CORS_ORIGIN.reset(origin)
            # A warm container must not carry this request's account or connection into later lines.
            logger.clear_state()

    return handler


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of one request and the connection it addresses."""

    key: ApiKey
    connection: ConnectionRecord
    spec: ProviderSpec


def _header(name: str) -> str | None:
    value = current_event().headers.get(name)  # case-insensitive in Powertools v3
    return value.strip() if isinstance(value, str) else None


def authenticate() -> ApiKey:
    """The API key of the current request, or a 401 (a publishable key: also its origin and client-IP limits)."""
    header = _header("Authorization") or ""
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise _failed_authentication(
            "missing API key: send 'Authorization: Bearer apt_test_…' or 'apt_live_…' "
            "(in a browser: a publishable key, 'apt_pk_test_…' or 'apt_pk_live_…')")
    raw = raw.strip()
    kind = kind_of(raw)
    if kind is None:
        raise _failed_authentication("invalid API key")
    if current_event().http_method in _READ_ONLY:  # counted while it runs: it changes nothing if refused
        ip, origin = _client_ip(), _header("Origin")
        begun = begin_use(raw, lambda: _count(raw, ip, origin))
        if begun is not None:
            key, count = begun
            _PENDING.set(count)
            audit.note(account_id=key.account_id, by_key_id=key.key_id)
            if key.publishable:
                try:
                    _check_origin(key)
                except Forbidden:
                    settle_rate_limit(origin_refused=True)  # a revoked key is still 401 first
                    raise
            return key
    used = use_api_key(raw)
    if used is None:
        if kind == "publishable":  # a page with a revoked or mistyped key can read why it fails
            origin = _header("Origin")
            if origin and origin_allowed_by_some_key(origin):
                _CORS_ORIGIN.set(origin)
        raise _failed_authentication("invalid API key")
    key, usage = used
    _USAGE.set(usage)
    audit.note(account_id=key.account_id, by_key_id=key.key_id)
    by_ip = None
    if key.publishable:
        _check_origin(key)
        by_ip = use_client_ip(key.account_id, _client_ip())
    _enforce(key, usage, by_ip)
    return key


def _count(raw: str, ip: str, origin: str | None) -> Counted:
    """Count one request of ``raw`` (and of its client IP, for a publishable key used from an origin it
    allows, as the synchronous path does): what settling needs."""
    used = use_api_key(raw)
    if used is None:
        return None
    key, usage = used
    counts_ip = key.publishable and origin is not None and origin in key.allowed_origins
    return key, usage, use_client_ip(key.account_id, ip) if counts_ip else None


def settle_rate_limit(origin_refused: bool = False) -> None:
    """Wait for this request's concurrent count (if it has one) and raise what the synchronous count would
    have: 401 for a key revoked meanwhile, else (unless ``origin_refused``, which comes first) 429 over a limit.
    Sets the ``X-RateLimit-*`` state either way."""
    count = _PENDING.get()
    if count is None:
        return
    _PENDING.set(None)
    counted = count.result()  # started with the request: done by now unless DynamoDB is slower than it
    if counted is None:
        _USAGE.set(None)
        raise _failed_authentication("invalid API key")
    key, usage, by_ip = counted
    _USAGE.set(usage)
    if not origin_refused:
        _enforce(key, usage, by_ip)


def _enforce(key: ApiKey, usage: Usage, by_ip: Usage | None) -> None:
    """Raise 429 when the client IP (publishable keys) or the key/account is over its limit; sets the binding
    usage for ``X-RateLimit-*``."""
    if by_ip is not None:
        if by_ip.exceeded:
            _USAGE.set(by_ip)
            raise AptError(f"rate limit of {by_ip.limit} requests exceeded for this client IP", code="rate_limited",
                           retry_after=by_ip.retry_after,
                           details={"limit": by_ip.limit, "reset": by_ip.reset, "per": "client_ip"})
        _USAGE.set(usage if usage.exceeded or usage.remaining <= by_ip.remaining else by_ip)
    if usage.exceeded:
        whose = "this account" if usage.per == "account" else "this API key"
        raise AptError(f"rate limit of {usage.limit} requests exceeded for {whose}", code="rate_limited",
                       retry_after=usage.retry_after,
                       details={"limit": usage.limit, "reset": usage.reset, "per": usage.per})


def _client_ip() -> str:
    """The caller's IP as API Gateway saw the connection (never X-Forwarded-For, which the caller writes)."""
    return current_event().request_context.identity.source_ip or "unknown"


def _failed_authentication(message: str) -> AptError:
    """A 401 with ``message``, counted against the client IP: 429 once it failed too often this minute."""
    failures = record_auth_failure(_client_ip())
    if failures.exceeded:
        return AptError(f"too many failed authentications from this client IP: retry after "
                        f"{failures.retry_after} s", code="rate_limited", retry_after=failures.retry_after,
                        details={"limit": failures.limit, "reset": failures.reset, "per": "client_ip"})
    return Unauthorized(message)


def _check_origin(key: ApiKey) -> None:
    """A publishable key is accepted only with an ``Origin`` header it allows (403 otherwise)."""
    origin = _header("Origin")
    if not origin or origin not in key.allowed_origins:
        raise Forbidden(
            f"this publishable key is not allowed from origin {origin}" if origin else
            "a publishable key is accepted only with an Origin header naming one of its allowed origins",
            details={"origin": origin, "allowed_origins_hint": "set when the key is created"})
    _CORS_ORIGIN.set(origin)


def require_key(scope: str | None) -> ApiKey:
    """Authenticate and check that the key has ``scope`` (None: any valid key will do).

    A publishable key may use only the routes of :data:`PUBLISHABLE_ROUTES`.
    """
    key = authenticate()
    if scope is not None and scope not in key.scopes:
        raise Forbidden(f"this API key lacks the {scope} scope", details={"required_scope": scope})
    if key.publishable:
        event = current_event()
        route = (event.http_method, event.resource)
        if route not in PUBLISHABLE_ROUTES:
            needs = f"a secret key with the {scope} scope" if scope else "a secret key"
            raise Forbidden(f"a publishable key cannot use {route[0]} {route[1]}: it needs {needs}",
                            details={"required_scope": scope, "key_kind": "publishable"})
    return key


def owned_connection(key: ApiKey, connection_id: str) -> ConnectionRecord:
    """The key's account's connection ``connection_id``, in the key's mode; else 404 or 403."""
    record = get_connection(key.account_id, connection_id)
    if key.connections and connection_id not in key.connections:
        record = None  # a publishable key limited to some connections sees no others
    if record is None:  # also for another account's connection: no hint that it exists
        raise NotFound(f"connection {connection_id} not found")
    if record.mode != key.mode:
        raise Forbidden(f"a {key.mode} key can only use {key.mode} connections; {connection_id} is a "
                        f"{record.mode} connection", details={"connection_mode": record.mode, "key_mode": key.mode})
    return record


def resolve_caller(scope: str, connection_id: str) -> Caller:
    """Authenticate, check ``scope``, and load the connection named by ``X-Connection-Id``."""
    key = require_key(scope)
    connection_id = connection_id.strip()
    if not connection_id:
        raise ValidationError("missing X-Connection-Id header", details={"X-Connection-Id": ["required"]})
    audit.note(connection_id=connection_id)
    record = owned_connection(key, connection_id)
    logger.append_keys(account_id=key.account_id, connection_id=connection_id, provider=record.provider)
    audit.note(provider=record.provider)
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


def native_filters(caller: Caller, operation: str) -> set[str]:
    """Input filters the caller's spec passes to the provider for ``operation``."""
    op = caller.spec.operations.get(operation)  # type: ignore[call-overload]
    return set(op.filters) if op is not None else set()


_CONNECTION_FAULTS = {"connection_auth_failed", "provider_error", "provider_unavailable", "provider_timeout"}


@contextmanager
def provider_runner(spec: ProviderSpec, connection: Connection, operation: str | None = None,
                    token_store: TokenStore | None = None, deadline: Deadline | None = None) -> Iterator[Runner]:
    """A Runner for ``connection`` in the current request (the platform's OAuth app for an OAuth 2.0 spec).

    However the block ends, ``operation`` and the provider's last request id are noted for the audit line.
    """
    oauth = isinstance(spec.auth, OAuth2Auth)
    runner = Runner(spec, connection, request_id=current_event().request_context.request_id or "",
                    token_store=token_store, oauth_app=oauth_app(spec.id, connection.mode) if oauth else None,
                    deadline=deadline)
    try:
        yield runner
    finally:
        audit.note(operation=operation, provider_request_id=runner.provider_request_id)


@dataclass(frozen=True)
class Outcome:
    output: Any
    zone: str  # the provider zone the spec declared for this connection


def run_operation(caller: Caller, operation: str, input_: dict[str, Any], deadline: Deadline | None = None
                  ) -> Outcome:
    """Run ``operation`` of the caller's provider spec with the unified ``input_``.

    Operations of one Aptura request that share ``deadline`` share its time budget. When the
    provider refuses this container's cached credentials, they are read again once: another
    container may have rotated them (a refusal means nothing was done, so running again is safe).
    """
    record = caller.connection
    credentials = read_credentials(record)
    try:
        try:
            outcome = _run_once(caller, operation, input_, deadline, credentials)
        except AptError as exc:
            if exc.code != "connection_auth_failed":
                raise
            fresh = read_credentials(record, force=True)
            if fresh == credentials:
                raise
            outcome = _run_once(caller, operation, input_, deadline, fresh)
    except AptError as exc:
        if exc.code in _CONNECTION_FAULTS:  # GET /v1/connections/{id} shows why it stopped working
            marked = record_error(record, exc.code, exc.message)
            if exc.code == "connection_auth_failed" and record.status != "error":
                # Only when it starts failing: every later call refused the same way is not news.
                events.emit_connection("connection.error", marked)
        raise
    record_ok(record)  # writes only when clearing an earlier error
    return outcome


def _run_once(caller: Caller, operation: str, input_: dict[str, Any], deadline: Deadline | None,
              credentials: dict[str, Any]) -> Outcome:
    record = caller.connection
    connection = Connection(record.connection_id, record.provider, record.mode, record.config, dict(credentials))
    token_store = DynamoTokenStore(record) if isinstance(caller.spec.auth, OAuth2Auth) else None
    with provider_runner(caller.spec, connection, operation, token_store, deadline) as runner:
        output = runner.run(operation, input_)
    return Outcome(output, runner.zone)
