"""Run one spec operation: steps in order, each building requests from the context,
then the operation's ``output`` template. This module is the whole engine loop.

The context every expression sees::

    input    the unified request (validated by the handler)
    config   the connection's config (DynamoDB)
    secrets  the connection's credentials (Secrets Manager); never logged or returned
    zone     the spec's time zone for provider-local times (``timezone:``), default UTC
    vocab    the spec's lookup tables
    env      {mode, connection_id, request_id}
    steps    results of earlier steps, by id
    <as>     the current element inside ``for_each`` (default name ``item``)
"""

from __future__ import annotations

import contextvars
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools import Logger

from aptura import observability
from aptura.engine.auth import AuthFlow, TokenStore, auth_flow, cache_key
from aptura.engine.http import Deadline, PreparedRequest, ProviderResponse, Transport, retry_after_seconds
from aptura.engine.pagination import paginate
from aptura.engine.quota import MAX_WAIT_SECONDS, Pacer
from aptura.engine.timezones import format_utc, parse_datetime
from aptura.errors import AptError, NotSupported, ValidationError, error_for
from aptura.spec.models import (
    ErrorRule,
    FindOrCreateSpec,
    LookupSpec,
    OAuth2Auth,
    ProviderSpec,
    RequestSpec,
    SessionTokenAuth,
    Step,
)
from aptura.spec.template import scalar_text, truthy

logger = Logger(child=True)

_TRANSPORT: Transport | None = None
PACER = Pacer()  # quota buckets per connection, for the container's life


def default_transport() -> Transport:
    """The container-wide transport (one connection pool, reused while warm)."""
    global _TRANSPORT
    if _TRANSPORT is None:
        _TRANSPORT = Transport()
    return _TRANSPORT


@dataclass
class Connection:
    """What the engine needs of a connection."""

    id: str
    provider: str
    mode: str  # "test" | "live"
    config: dict[str, Any]
    secrets: dict[str, Any] = field(repr=False)


# A config value put into a base URL must be one DNS label (no dot, slash, '@' or ':'), so it can
# pick a tenant's subdomain or path segment but never move the request to another domain.
_URL_CONFIG = re.compile(r"\{config\.(\w+)\}")
_DNS_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def base_url(spec: ProviderSpec, mode: str, config: dict[str, Any] | None = None) -> str:
    """The provider base URL for ``mode``; test mode goes to the sandbox when configured.

    ``{config.<field>}`` placeholders (e.g. a tenant subdomain) are filled from the connection's
    config; each value must be a single DNS label.
    """
    env = spec.environments.test if mode == "test" else spec.environments.live

    def fill(match: re.Match[str]) -> str:
        value = str((config or {}).get(match.group(1)) or "")
        if not _DNS_LABEL.match(value):
            raise ValidationError(f"config.{match.group(1)} must be a single DNS label to build the provider URL",
                                  details={"field": f"config.{match.group(1)}"})
        return value

    url = _URL_CONFIG.sub(fill, env.base_url)
    sandbox = os.environ.get("APTURA_SANDBOX_URL", "").rstrip("/")
    if mode == "test" and sandbox:
        return f"{sandbox}/{spec.id}{urlsplit(url).path.rstrip('/')}"
    return url.rstrip("/")


_DEFAULT_MESSAGES = {
    "connection_auth_failed": "the provider rejected this connection's credentials",
    "not_found": "the provider could not find the requested resource",
    "conflict": "the provider reported a conflict (the slot may already be taken)",
    "unprocessable": "the provider rejected the request",
    "rate_limited": "the provider is rate limiting requests",
    "provider_error": "the provider failed",
    "provider_unavailable": "the provider is unavailable",
    "provider_timeout": "the provider timed out",
}


def _default_error(response: ProviderResponse) -> AptError:
    status = response.status
    details = {"provider_status": status}
    retry_after = retry_after_seconds(response.headers)
    if status in (401, 403):
        code = "connection_auth_failed"
    elif status == 404:
        code = "not_found"
    elif status == 409:
        code = "conflict"
    elif status == 429:
        code = "rate_limited"
    elif status in (400, 405, 410, 412, 415, 422):
        code = "unprocessable"
    elif status == 503:
        code = "provider_unavailable"
    elif status == 504:
        code = "provider_timeout"
    else:
        code = "provider_error"
    return error_for(code, _DEFAULT_MESSAGES[code], details=details, retry_after=retry_after)


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# Headers in which providers (or the gateways in front of them) name a request, most specific first.
REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-amzn-requestid", "x-amz-request-id", "x-correlation-id",
                      "correlation-id", "x-trace-id", "traceparent", "x-amzn-trace-id", "cf-ray")


def request_id_of(headers: dict[str, str]) -> str | None:
    """The provider's id for the request a response answers, if it sent one (for support tickets)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    for name in REQUEST_ID_HEADERS:
        value = (lowered.get(name) or "").strip()
        if value:
            return value[:200]
    return None


# A provider refusing one record's update (bad value, changed since read, gone); not its faults
# or refused credentials, which fail the operation as any other call would.
_FILL_REFUSALS = (400, 404, 409, 422)


def _comparable(value: Any) -> str:
    # "+1 (555) 123-4567" and "+15551234567", or "alex" and "Alex", are the same value written twice.
    return re.sub(r"[\s().-]", "", scalar_text(value)).lower()


def with_path(body: Any, path: list[str], value: Any) -> dict[str, Any]:
    """``body`` (a dict, or None for an empty one) with ``value`` at the dotted ``path``, copied
    rather than changed in place: the rendered body of one page must not leak into the next.

    A cursor ``param: variables.after`` so lands inside a GraphQL request's variables, next to
    the ones the step rendered, which a cursor expression (seeing only the response) could not rebuild.
    """
    out = dict(body or {})
    head, *rest = path
    out[head] = with_path(out.get(head) if isinstance(out.get(head), dict) else None, rest, value) if rest else value
    return out


class Runner:
    """Runs operations of one spec for one connection (create one per Aptura request)."""

    def __init__(
        self,
        spec: ProviderSpec,
        connection: Connection,
        transport: Transport | None = None,
        request_id: str = "",
        deadline: Deadline | None = None,
        token_store: TokenStore | None = None,
        oauth_app: dict[str, Any] | None = None,
    ) -> None:
        self.spec = spec
        self.connection = connection
        self.transport = transport or default_transport()
        self.deadline = deadline or Deadline()
        self.base_url = base_url(spec, connection.mode, connection.config)
        self.env = {"mode": connection.mode, "connection_id": connection.id, "request_id": request_id}
        self.oauth_app = oauth_app or {}
        key = cache_key(spec.id, connection.id, connection.secrets)
        # One flow per auth profile; a named profile's session tokens are cached apart from the default's.
        self.auth_flows: dict[str, AuthFlow] = {
            name: auth_flow(profile, key if name == "default" else f"{key}:{name}", self._login,
                            connection.secrets, token_store, self._oauth_refresh)
            for name, profile in spec.auth_profiles.items()
        }
        self.auth: AuthFlow = self.auth_flows["default"]
        self._operation_auth: str | None = None
        self.zone = "UTC"
        self.provider_request_id: str | None = None  # of the last provider response that carried one
        self._compensating = False
        # Set when a write was sent but never definitively answered (or an undo failed): the
        # provider may or may not have carried it out.
        self.write_outcome_unknown = False

    # -- public ------------------------------------------------------------------------
    def context(self, input_: dict[str, Any]) -> dict[str, Any]:
        """The root context for an operation (see module docs)."""
        base: dict[str, Any] = {
            "input": input_,
            "config": self.connection.config,
            "secrets": self.connection.secrets,
            "vocab": self.spec.vocab,
            "env": self.env,
            "app": self.oauth_app,
            "steps": {},
        }
        zone = self.spec._timezone.search(base) if self.spec._timezone is not None else None
        base["zone"] = self.zone = zone or "UTC"
        return base

    def run(self, operation: str, input_: dict[str, Any]) -> Any:
        """Run ``operation`` with the unified ``input_`` and return its output."""
        op = self.spec.operations.get(operation)  # type: ignore[call-overload]
        if op is None:
            raise NotSupported(
                f"{self.spec.name} does not support {operation}",
                details={"provider": self.spec.id, "operation": operation},
            )
        ctx = self.context(input_)
        self._operation_auth = op.auth
        done: list[tuple[Step, dict[str, Any]]] = []
        labels = observability.label_calls(self.spec.id, operation)  # the dimensions of its provider metrics
        try:
            self._run_steps(op.steps, ctx, done)
        except Exception as exc:
            self._compensate(done, ctx)
            if self.write_outcome_unknown and isinstance(exc, AptError):
                exc.mark_outcome_unknown()
            raise
        finally:
            observability.unlabel(labels)
        if self.spec._timezone is not None:  # the zone may come from a response (e.g. the location's)
            zone = self.spec._timezone.search(ctx)
            if zone:
                ctx["zone"] = self.zone = zone
        return op._output.render(ctx)

    # -- steps ---------------------------------------------------------------------------
    def _run_steps(self, steps: list[Step], ctx: dict[str, Any], done: list[tuple[Step, dict[str, Any]]]) -> None:
        """Run ``steps`` in order; ``done`` collects them (case steps too) for compensation."""
        for step in steps:
            if step.switch is not None:
                self._run_switch(step, ctx, done)
            else:
                self._run_step(step, ctx)
            done.append((step, ctx))

    def _run_switch(self, step: Step, ctx: dict[str, Any], done: list[tuple[Step, dict[str, Any]]]) -> None:
        switch = step.switch
        assert switch is not None
        if step._when is not None and not truthy(step._when.search(ctx)):
            ctx["steps"][step.id] = None
            return
        value = switch._value.search(ctx)
        key = scalar_text(value) if value is not None else None
        # The result is the case taken (null for the default), so the output can say which one ran.
        chosen = key if key in switch.cases else None
        ctx["steps"][step.id] = chosen
        self._run_steps(switch.cases[chosen] if chosen is not None else switch.default, ctx, done)

    def _run_step(self, step: Step, ctx: dict[str, Any]) -> None:
        if step._when is not None and not truthy(step._when.search(ctx)):
            ctx["steps"][step.id] = None
            return
        if step._for_each is None:
            ctx["steps"][step.id] = self._execute(step, ctx)
            return
        items = step._for_each.search(ctx) or []
        if not isinstance(items, list):
            items = [items]
        if len(items) <= 1 or step.concurrency == 1:
            ctx["steps"][step.id] = [self._execute(step, {**ctx, step.as_: item}) for item in items]
            return
        with ThreadPoolExecutor(max_workers=min(step.concurrency, len(items))) as pool:
            # Each thread runs in a copy of this context, so its provider calls keep the operation's labels.
            futures = [pool.submit(contextvars.copy_context().run, self._execute, step, {**ctx, step.as_: item})
                       for item in items]
            ctx["steps"][step.id] = [f.result() for f in futures]

    def _execute(self, step: Step, ctx: dict[str, Any]) -> Any:
        if step._set is not None:
            return step._set.render(ctx)
        failure = step.fail
        if step.require is not None:
            if truthy(step.require._that.search(ctx)):
                return None
            failure = step.require
        if failure is not None:
            details = failure._details.render(ctx) if failure._details is not None else None
            raise error_for(failure.error, str(failure._message.search(ctx)), details=details)
        if step.find_or_create is not None:
            return self._find_or_create(step.find_or_create, step.errors, ctx)
        request = step.request if step.request is not None else step.graphql._request  # type: ignore[union-attr]
        if step.paginate is not None:
            def fetch(query: dict[str, str], body: dict[str, Any]) -> ProviderResponse:
                return self.call(request, ctx, step.errors, query, body)

            return paginate(step.paginate, fetch, ctx)
        response = self.call(request, ctx, step.errors)
        if step._extract is None:
            return response.body
        return step._extract.search({**ctx, **response.context()})

    def _lookup(self, find: LookupSpec, ctx: dict[str, Any], rules: list[ErrorRule]) -> Any:
        """The first record of ``find``'s read for which its ``match`` holds, else None."""
        request = find.request
        assert request is not None  # a resource is resolved into the request at load
        if find.paginate is not None:
            def fetch(query: dict[str, str], body: dict[str, Any]) -> ProviderResponse:
                return self.call(request, ctx, rules, query, body)

            records: Any = paginate(find.paginate, fetch, ctx)
        else:
            response = self.call(request, ctx, rules)
            records = find._extract.search({**ctx, **response.context()}) if find._extract else response.body
        if not isinstance(records, list):  # a single object (or none) read by id or by a unique key
            records = [] if records is None else [records]
        return next((r for r in records if truthy(find._match.search({**ctx, find.as_: r}))), None)

    def _find_or_create(self, spec: FindOrCreateSpec, rules: list[ErrorRule], ctx: dict[str, Any]) -> Any:
        found = self._lookup(spec.find, ctx, rules)
        if found is not None:
            return self._fill(spec, found, rules, ctx)
        conflict = spec.on_conflict
        # The conflict statuses are let through the checks here, so that they can be told apart below.
        response = self.call(spec.create_request(), ctx, rules, accept_extra=conflict.status if conflict else ())
        if conflict is not None and response.status in conflict.status:
            rctx = {**ctx, **response.context()}
            if conflict._when is not None and not truthy(conflict._when.search(rctx)):
                # Not the duplicate it may mean: the status is an error like any other.
                self.check(response, [*rules, *self.spec.errors], spec.create_request().accept_status)
                return {"record": self._created_record(spec, rctx), "created": True,  # an accepted status
                        "filled": [], "unchanged": []}
            # Someone created it between our look-up and our create (two first bookings at once).
            found = self._lookup(spec.find, ctx, rules)
            if found is not None:
                return self._fill(spec, found, rules, ctx)
            missing = conflict.missing
            if missing is None:
                raise error_for("conflict", "the provider reports the record exists, but it cannot be found",
                                details={"provider_status": response.status})
            details = missing._details.render(rctx) if missing._details is not None else None
            raise error_for(missing.error, str(missing._message.search(rctx)), details=details)
        return {"record": self._created_record(spec, {**ctx, **response.context()}), "created": True,
                "filled": [], "unchanged": []}

    def _fill(self, spec: FindOrCreateSpec, found: Any, rules: list[ErrorRule], ctx: dict[str, Any]) -> Any:
        """A found record with its empty fields filled from the input where the spec can update it.

        Only empty fields are written: a present value the input contradicts is the business's
        own data, so it is kept and named in ``unchanged`` rather than overwritten.
        """
        fill = spec.fill
        if fill is None:
            return {"record": found, "created": False, "filled": [], "unchanged": []}
        bound = {**ctx, spec.find.as_: found}
        missing: dict[str, Any] = {}
        unchanged: list[str] = []
        for name, field_ in fill.fields.items():
            want = field_._want.search(bound)
            if want is None or scalar_text(want).strip() == "":
                continue
            have = field_._have.search(bound)
            if have is None or scalar_text(have).strip() == "":
                missing[name] = want
            elif _comparable(have) != _comparable(want):
                unchanged.append(name)
        request = fill.update_request()
        if not missing or request is None:
            return {"record": found, "created": False, "filled": [], "unchanged": [*unchanged, *missing]}
        try:
            response = self.call(request, {**bound, "fill": missing}, rules)
        except AptError as exc:
            if not exc.from_provider or exc.status not in _FILL_REFUSALS:
                raise
            # The record exists and is usable as it is: a refused fill must not cost the booking.
            logger.info("fill refused", extra={"provider": self.spec.id, "error": exc.code})
            return {"record": found, "created": False, "filled": [], "unchanged": [*unchanged, *missing]}
        rctx = {**bound, "fill": missing, **response.context()}
        record = fill._extract.search(rctx) if fill._extract is not None else response.body
        return {"record": record, "created": False, "filled": list(missing), "unchanged": unchanged}

    @staticmethod
    def _created_record(spec: FindOrCreateSpec, rctx: dict[str, Any]) -> Any:
        return spec._extract.search(rctx) if spec._extract is not None else rctx.get("body")

    def _compensate(self, done: list[tuple[Step, dict[str, Any]]], ctx: dict[str, Any]) -> None:
        # An undo must not be refused by the circuit breaker: that would strand what it undoes.
        self._compensating = True
        try:
            self._undo(done, ctx)
        finally:
            self._compensating = False

    def _undo(self, done: list[tuple[Step, dict[str, Any]]], ctx: dict[str, Any]) -> None:
        for step, _ in reversed(done):
            if step.compensate is None or ctx["steps"].get(step.id) is None:
                continue
            if step.find_or_create is not None and not ctx["steps"][step.id].get("created"):
                continue  # the record was found, not made by this operation: it is not ours to undo
            undo = step.compensate if isinstance(step.compensate, RequestSpec) else step.compensate._request
            try:
                self.call(undo, ctx, [])
                logger.info("compensated step", extra={"step": step.id, "provider": self.spec.id})
            except AptError as exc:  # best effort: the original error is what the caller must see
                self.write_outcome_unknown = True  # what it should have undone may still be there
                logger.warning("compensation failed", extra={"step": step.id, "error": exc.code})

    # -- requests ------------------------------------------------------------------------------
    def build(self, spec: RequestSpec, ctx: dict[str, Any], query_overrides: dict[str, str] | None = None,
              body_overrides: dict[str, Any] | None = None) -> PreparedRequest:
        """Render a request spec into a prepared request (without auth)."""
        try:
            path = spec._path.render(ctx)
        except ValueError as exc:
            raise AptError(str(exc), code="validation_error") from exc
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        headers: dict[str, str] = {}
        for name, template in [*self.spec._headers.items(), *spec._headers.items()]:
            value = template.render(ctx)
            if value is not None:
                headers[name] = scalar_text(value)
        query: list[tuple[str, str]] = []
        overrides = query_overrides or {}
        for name, template in spec._query.items():
            if name in overrides:
                continue
            value = template.render(ctx)
            if value is None:
                continue
            for element in value if isinstance(value, list) else [value]:
                if element is not None:
                    query.append((name, scalar_text(element)))
        query.extend(overrides.items())
        body = spec._body.render(ctx) if spec._body is not None else None
        for path, value in (body_overrides or {}).items():
            body = with_path(body, path.split("."), value)
        retry = spec.retry if spec.retry is not None else spec.method in ("GET", "PUT", "DELETE")
        return PreparedRequest(spec.method, url, query, headers, body, spec.body_format, spec.timeout_seconds, retry)

    def call(self, spec: RequestSpec, ctx: dict[str, Any], rules: list[ErrorRule],
             query_overrides: dict[str, str] | None = None, body_overrides: dict[str, Any] | None = None,
             accept_extra: list[int] | tuple[int, ...] = ()) -> ProviderResponse:
        """Build, authenticate, send (renewing a refused credential once) and check a request."""
        flow = self.auth_flows[spec.auth or self._operation_auth or "default"]
        for attempt in (1, 2):
            req = self.build(spec, ctx, query_overrides, body_overrides)
            used = flow.apply(req, ctx)
            unsafe = req.method not in SAFE_METHODS
            try:
                response = self._send(req)
            except AptError as exc:
                # Sent but not answered (a timeout, a reset, a cut-short body): a write may have happened.
                self.write_outcome_unknown = self.write_outcome_unknown or (unsafe and exc.request_sent)
                raise
            if unsafe and response.status >= 500:
                self.write_outcome_unknown = True
            if attempt == 1 and not response.ok and flow.renew_if_refused(response, used):
                continue
            break
        self.check(response, [*rules, *self.spec.errors], [*spec.accept_status, *accept_extra])
        return response

    def _send(self, req: PreparedRequest) -> ProviderResponse:
        started = time.perf_counter()
        try:
            circuit = None if self._compensating else self.connection.id
            windows = self.spec.quota_windows()
            if windows and not self._compensating:
                PACER.wait_windows(self.connection.id, [(q.requests, q.per_seconds) for q in windows],
                                   min(self.deadline.remaining() - 1, MAX_WAIT_SECONDS))
            response = self.transport.send(req, self.deadline, circuit=circuit)
        except AptError as exc:
            logger.info("provider call failed", extra={"provider": self.spec.id, "method": req.method,
                                                       "path": urlsplit(req.url).path, "error": exc.code})
            raise
        self.provider_request_id = request_id_of(response.headers) or self.provider_request_id
        logger.debug("provider call", extra={
            "provider": self.spec.id, "method": req.method, "path": urlsplit(req.url).path,
            "status": response.status, "ms": round((time.perf_counter() - started) * 1000, 1),
        })
        return response

    def _login(self, auth: SessionTokenAuth, ctx: dict[str, Any]) -> ProviderResponse:
        response = self._send(self.build(auth.request, ctx))
        if not response.ok or auth.errors:
            self.check(response, [*auth.errors, *self.spec.errors], [], login=True)
        return response

    # -- OAuth 2.0 ---------------------------------------------------------------------------
    def oauth_token_call(self, grant: dict[str, Any], credentials: dict[str, Any]) -> dict[str, Any]:
        """Call the spec's token endpoint with ``grant``; returns the new token fields."""
        auth = self.spec.auth
        if not isinstance(auth, OAuth2Auth):
            raise NotSupported(f"{self.spec.name} does not use OAuth 2.0")
        ctx = {**self.context({}), "secrets": credentials, "grant": grant}
        response = self._send(self.build(auth.token_request, ctx))
        self.check(response, [*auth.errors, *self.spec.errors], [], login=True)
        rctx = response.context()
        token = auth._access_token.search(rctx)
        if not token:
            raise AptError("the provider's token response had no access token", code="provider_error")
        fields: dict[str, Any] = {"access_token": str(token)}
        refresh = auth._refresh_token.search(rctx) if auth._refresh_token is not None else None
        fields["refresh_token"] = str(refresh) if refresh else credentials.get("refresh_token")
        expires = auth._expires_at.search(rctx) if auth._expires_at is not None else None
        if expires:
            fields["expires_at"] = format_utc(parse_datetime(str(expires)))
        elif auth._expires_in is not None and auth._expires_in.search(rctx) is not None:
            fields["expires_at"] = format_utc(datetime.now(UTC)
                                              + timedelta(seconds=float(auth._expires_in.search(rctx))))
        else:
            fields["expires_at"] = None
        return {k: v for k, v in fields.items() if v is not None}

    def _oauth_refresh(self, auth: OAuth2Auth, credentials: dict[str, Any]) -> dict[str, Any]:
        if not credentials.get("refresh_token"):
            raise AptError("the connection's access token expired and it has no refresh token; reconnect it",
                           code="connection_auth_failed")
        grant = {"type": "refresh_token", "refresh_token": credentials["refresh_token"]}
        logger.info("refreshing OAuth token", extra={"provider": self.spec.id, "connection_id": self.connection.id})
        return {**credentials, **self.oauth_token_call(grant, credentials)}

    def check(self, response: ProviderResponse, rules: list[ErrorRule], accept: list[int], login: bool = False
              ) -> None:
        """Raise the Aptura error a response means, per the rules, else by status."""
        if response.status in accept:  # the step expects this status: not an error, whatever the rules say
            return
        rctx = response.context()
        for rule in rules:
            if truthy(rule._when.search(rctx)):
                error = self._rule_error(rule, rctx, response)
                error.from_provider = True
                raise error
        if response.ok:
            return
        error = _default_error(response)
        if login and response.status in (400, 401, 403, 404):
            error = error_for("connection_auth_failed", _DEFAULT_MESSAGES["connection_auth_failed"],
                              details=error.details)
        error.from_provider = True
        raise error

    def _rule_error(self, rule: ErrorRule, rctx: dict[str, Any], response: ProviderResponse) -> AptError:
        message = rule._message.search(rctx) if rule._message is not None else None
        details = rule._details.render(rctx) if rule._details is not None else {"provider_status": response.status}
        retry_after: Any = rule._retry_after.search(rctx) if rule._retry_after is not None else None
        if retry_after is None:
            retry_after = retry_after_seconds(response.headers)
        return error_for(
            rule.error,
            str(message) if message else _DEFAULT_MESSAGES.get(rule.error, "the provider refused the request"),
            details=details,
            retry_after=int(float(retry_after)) if retry_after is not None else None,
        )

