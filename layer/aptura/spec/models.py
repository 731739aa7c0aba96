"""The provider spec format, defined once: these pydantic models ARE the schema.

``specs/schema.json`` is exported from :class:`ProviderSpec` (``python -m aptura.spec.schema``)
and a test fails when it is stale. Templates and expressions are compiled by
after-validators, so a loaded spec is ready to run and a bad expression is reported
with its location like any other validation error.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from aptura.errors import ERROR_STATUS
from aptura.spec.sources import Sources
from aptura.spec.template import (
    Compiled,
    Each,
    Interpolated,
    Lst,
    ModelRef,
    Obj,
    Template,
    compile_expression,
    compile_template,
)

TemplateNode = Annotated[
    Any,
    Field(
        description="A template: strings are JMESPath expressions, other scalars literals; "
        "mappings/lists build objects/arrays; a mapping with `each` iterates (see docs/spec-reference.md)."
    ),
]
Expression = Annotated[str, Field(description="A JMESPath expression (custom functions in docs/spec-reference.md).")]
ErrorCode = Literal[
    "validation_error", "unauthorized", "connection_auth_failed", "forbidden", "not_found", "method_not_allowed",
    "conflict", "unprocessable", "rate_limited", "internal_error", "not_supported", "provider_error",
    "provider_unavailable", "provider_timeout",
]
assert set(get_args(ErrorCode)) == set(ERROR_STATUS), "ErrorCode must list exactly the codes of ERROR_STATUS"

OPERATIONS = (
    "connection.verify",
    "availability.list",
    "appointments.create",
    "appointments.get",
    "appointments.list",
    "appointments.update",
    "appointments.cancel",
    "services.list",
    "staff.list",
    "locations.list",
    "clients.list",
    "clients.create",
)
OperationName = Literal[OPERATIONS]  # type: ignore[valid-type]


class UnknownReference(ValueError):
    """A name that refers to no declared component; ``loc`` is where in the spec it is written."""

    def __init__(self, loc: tuple[str | int, ...], reason: str) -> None:
        super().__init__(reason)
        self.loc = loc


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _expr(text: str | None, where: str) -> Compiled | None:
    return compile_expression(text, where) if text is not None else None


# -- connection fields ------------------------------------------------------------------


class FieldSpec(_Model):
    """One connection field (config in DynamoDB, or a secret in Secrets Manager)."""

    type: Literal["string", "integer", "number", "boolean", "timezone", "url", "enum"] = "string"
    description: str = ""
    required: bool = True
    default: Any = None
    pattern: str | None = None
    enum: list[str] | None = None
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    example: Any = None
    # Form metadata for the hosted connect page and the dashboard: generic, optional, never used by the engine.
    label: str | None = Field(None, description="Short form label (default: the field name).")
    order: int | None = Field(None, description="Position in the form, ascending; fields without one follow "
                              "in spec order.")
    help: str | None = Field(None, description="Plain-words hint for the person connecting: where to find this.")
    help_url: str | None = Field(None, pattern=r"^https://", description="A provider documentation page that "
                                 "shows where to find this value (https).")


class ConnectionFields(_Model):
    config: dict[str, FieldSpec] = Field(default_factory=dict, description="Stored in DynamoDB; never secret.")
    secrets: dict[str, FieldSpec] = Field(default_factory=dict, description="Stored in Secrets Manager only.")


class Environment(_Model):
    base_url: str = Field(description="Base URL every request path is appended to.")


class Environments(_Model):
    live: Environment
    test: Environment = Field(
        description="Used by test-mode connections. APTURA_SANDBOX_URL, when set, replaces it with "
        "<APTURA_SANDBOX_URL>/<spec id>."
    )


# -- requests, errors, pagination -------------------------------------------------------------


class RequestSpec(_Model):
    """An HTTP request built from templates."""

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "GET"
    path: str = Field(description="Appended to the base URL; `{expr}` placeholders are URL-encoded. "
                      "An absolute URL is used as is.")
    query: dict[str, TemplateNode] = Field(default_factory=dict, description="Null values are dropped; "
                                           "lists repeat the key.")
    headers: dict[str, TemplateNode] = Field(default_factory=dict)
    body: TemplateNode = None
    body_format: Literal["json", "form"] = "json"
    timeout_seconds: float | None = None
    retry: bool | None = Field(None, description="Retry transient faults. Default: only GET/PUT/DELETE.")
    accept_status: list[int] = Field(default_factory=list, description="Non-2xx statuses treated as success.")
    auth: str | None = Field(None, description="The auth profile (a key of the spec's `auth:`) this request uses; "
                             "default: the operation's, else `default`.")

    _path: Interpolated = PrivateAttr()
    _query: dict[str, Template] = PrivateAttr()
    _headers: dict[str, Template] = PrivateAttr()
    _body: Template | None = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> RequestSpec:
        self._path = Interpolated(self.path, "path")
        self._query = {k: compile_template(v, f"query.{k}") for k, v in self.query.items()}
        self._headers = {k: compile_template(v, f"headers.{k}") for k, v in self.headers.items()}
        self._body = compile_template(self.body, "body") if self.body is not None else None
        return self


# A document's first token, after whitespace and # comments: `query` or `{` is a read.
_QUERY_DOCUMENT = re.compile(r"(?:\s|#[^\n]*\n)*(?:query\b|\{)")


class GraphQLSpec(_Model):
    """A GraphQL request: POSTs ``{"query", "variables"}`` to ``path``."""

    path: str = ""
    query: str = Field(description="The GraphQL document (literal text, not an expression).")
    variables: TemplateNode = None
    operation_name: str | None = None
    headers: dict[str, TemplateNode] = Field(default_factory=dict)
    timeout_seconds: float | None = None
    retry: bool | None = Field(None, description="Retry transient faults (default: true for a `query` "
                               "document, which is a read; false for a mutation, as for any POST).")
    auth: str | None = Field(None, description="The auth profile this request uses (see RequestSpec.auth).")

    _request: RequestSpec = PrivateAttr()

    def is_query(self) -> bool:
        """Whether the document is a GraphQL query (``query ...`` or the shorthand ``{ ... }``): a read
        by the GraphQL spec, so as safe to repeat as a GET, though it is sent as a POST."""
        return _QUERY_DOCUMENT.match(self.query) is not None

    @model_validator(mode="after")
    def _compile(self) -> GraphQLSpec:
        body: dict[str, Any] = {"query": f"`{_json_literal(self.query)}`", "variables": self.variables}
        if self.operation_name:
            body["operationName"] = f"'{self.operation_name}'"
        self._request = RequestSpec(
            method="POST", path=self.path, headers=self.headers, body=body,
            timeout_seconds=self.timeout_seconds, retry=self.is_query() if self.retry is None else self.retry,
            auth=self.auth,
        )
        return self


def _json_literal(text: str) -> str:
    import json

    return json.dumps(text).replace("`", "\\`")


class ErrorRule(_Model):
    """Maps a provider response to an Aptura error when ``when`` is truthy.

    Expressions see ``{status, headers, body}`` of the response (headers lower-cased).
    """

    when: Expression
    error: ErrorCode
    message: Expression | None = Field(None, description="Defaults to a generic message for the code.")
    details: TemplateNode = None
    retry_after: Expression | None = None

    _when: Compiled = PrivateAttr()
    _message: Compiled | None = PrivateAttr()
    _details: Template | None = PrivateAttr()
    _retry_after: Compiled | None = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> ErrorRule:
        self._when = compile_expression(self.when, "when")
        self._message = _expr(self.message, "message")
        self._details = compile_template(self.details, "details") if self.details is not None else None
        self._retry_after = _expr(self.retry_after, "retry_after")
        return self


class _PaginationBase(_Model):
    items: Expression = Field(description="Items of one page, from the response {status, headers, body}.")
    max_pages: int = Field(50, ge=1, le=1000)

    _items: Compiled = PrivateAttr()

    @model_validator(mode="after")
    def _compile_items(self) -> _PaginationBase:
        self._items = compile_expression(self.items, "items")
        return self


class OffsetPagination(_PaginationBase):
    """``limit``/``offset`` query parameters; stops on a short page or at ``total``."""

    type: Literal["offset"]
    limit_param: str
    offset_param: str
    limit: int = Field(100, ge=1)
    total: Expression | None = None

    _total: Compiled | None = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> OffsetPagination:
        self._total = _expr(self.total, "total")
        return self


class CursorPagination(_PaginationBase):
    """The next cursor comes from the response; stops when it is empty."""

    type: Literal["cursor"]
    cursor: Expression = Field(description="Next cursor from the response; null/empty/false stops.")
    param: str = Field(description="Where the cursor goes: a query parameter, or a body key when in=body; "
                       "a dotted key is a path into the body, e.g. variables.after for GraphQL.")
    in_: Literal["query", "body"] = Field("query", alias="in")

    _cursor: Compiled = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> CursorPagination:
        self._cursor = compile_expression(self.cursor, "cursor")
        return self


class PagePagination(_PaginationBase):
    """Page-number paging; stops on a short page (or when ``has_more`` is falsy)."""

    type: Literal["page"]
    page_param: str
    size_param: str | None = None
    size: int = Field(100, ge=1)
    start: int = 1
    has_more: Expression | None = None

    _has_more: Compiled | None = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> PagePagination:
        self._has_more = _expr(self.has_more, "has_more")
        return self


class NextPagination(_PaginationBase):
    """General form: ``next`` builds the next request's query overrides, or null to stop.

    It sees the step context plus ``response`` (the last one), ``page`` (its items) and
    ``query`` (the last query) — e.g. move a ``from`` parameter past the last item.
    """

    type: Literal["next"]
    next: TemplateNode

    _next: Template = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> NextPagination:
        self._next = compile_template(self.next, "next")
        return self


Pagination = Annotated[
    OffsetPagination | CursorPagination | PagePagination | NextPagination, Field(discriminator="type")
]


# -- steps and operations ----------------------------------------------------------------------


class FailSpec(_Model):
    """Stop the operation with an Aptura error (e.g. a feature the provider lacks)."""

    error: ErrorCode
    message: Expression
    details: TemplateNode = None

    _message: Compiled = PrivateAttr()
    _details: Template | None = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> FailSpec:
        self._message = compile_expression(self.message, "message")
        self._details = compile_template(self.details, "details") if self.details is not None else None
        return self


class RequireSpec(FailSpec):
    """A precondition: stop with the unified error unless ``that`` is truthy (one step, no ``when``)."""

    that: Expression

    _that: Compiled = PrivateAttr()

    @model_validator(mode="after")
    def _compile_that(self) -> RequireSpec:
        self._that = compile_expression(self.that, "that")
        return self


class Resource(_Model):
    """A provider endpoint declared once: its request, pagination and record selector.

    Steps read it with ``resource: {name, query}``; the step's ``query`` entries are added to
    (or replace) the resource's, so one paging rule serves every operation that lists it.
    """

    request: RequestSpec
    paginate: Pagination | None = None
    extract: Expression | None = Field(None, description="Record selector when not paginated; default body.")


class ResourceRef(_Model):
    """A step's use of a declared resource, with extra query parameters."""

    name: str = Field(description="A key of the spec's `resources:`.")
    query: dict[str, TemplateNode] = Field(default_factory=dict, description="Added to the resource's query.")


class SwitchSpec(_Model):
    """Run the steps of the case named by ``value`` (compared as text), else ``default``.

    (The key is ``value``, not ``on``: YAML 1.1 reads a bare ``on`` key as the boolean true.)

    One switch replaces the same ``when`` guard written on many steps. The chosen case's steps
    store their results under their own ids, as if written in place, so later steps and the
    output read them as ``steps.<id>``; steps of cases not chosen stay absent (null).
    """

    value: Expression = Field(description="The value that picks the case, e.g. config.schedule_type.")
    cases: dict[str, list[Step]] = Field(min_length=1, description="Steps per value of `value`.")
    default: list[Step] = Field(default_factory=list, description="Steps when no case matches (default: none).")

    _value: Compiled = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> SwitchSpec:
        self._value = compile_expression(self.value, "value")
        return self

    def branches(self) -> list[list[Step]]:
        """Every case's steps and the default's."""
        return [*self.cases.values(), self.default]


class LookupSpec(_Model):
    """How ``find_or_create`` looks a record up: one read (a declared resource or a request, with
    its own pagination and selector), then the first record for which ``match`` holds."""

    resource: ResourceRef | None = Field(None, description="Read a declared resource (request + paginate).")
    request: RequestSpec | None = None
    paginate: Pagination | None = None
    extract: Expression | None = Field(None, description="The list of records from the response; default body.")
    as_: str = Field("item", alias="as", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
                     description="The name each record is bound to inside `match`.")
    match: Expression = Field(description="Truthy for the record wanted, e.g. lower(c.email) == lower(input.email).")

    _extract: Compiled | None = PrivateAttr()
    _match: Compiled = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> LookupSpec:
        if (self.resource is None) == (self.request is None):
            raise ValueError("find needs exactly one of resource, request")
        self._extract = _expr(self.extract, "extract")
        self._match = compile_expression(self.match, "match")
        return self

    def use_resource(self, resource: Resource) -> None:
        """Resolve ``resource:`` into the lookup's request, paginate and extract (once, at load)."""
        ref = self.resource
        assert ref is not None
        self.request = RequestSpec(**{**resource.request.model_dump(by_alias=True, exclude_unset=True),
                                      "query": {**resource.request.query, **ref.query}})
        if self.paginate is None:
            self.paginate = resource.paginate
        if self.extract is None and resource.extract is not None:
            self.extract = resource.extract
            self._extract = _expr(self.extract, "extract")


class ConflictSpec(_Model):
    """A create refused because the record already exists (e.g. made by a concurrent request):
    look it up again instead of failing."""

    status: list[int] = Field(min_length=1, description="Provider statuses that may mean 'already exists'.")
    when: Expression | None = Field(None, description="Over the response (status, headers, body): truthy when "
                                    "it is that conflict; default: any of `status`.")
    missing: FailSpec | None = Field(None, description="The error when the look-up still finds nothing "
                                     "(default: conflict).")

    _when: Compiled | None = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> ConflictSpec:
        self._when = _expr(self.when, "when")
        return self


class FillField(_Model):
    """One field a found record may have filled: what it holds and what the input offers."""

    have: Expression = Field(description="The record's value (the found record bound under find's `as`).")
    want: Expression = Field(description="The input's value, e.g. input.client.phone; null or '' offers nothing.")

    _have: Compiled = PrivateAttr()
    _want: Compiled = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> FillField:
        self._have = compile_expression(self.have, "have")
        self._want = compile_expression(self.want, "want")
        return self


class FillSpec(_Model):
    """Fill a found record's empty fields from the input (``find_or_create``'s ``fill``).

    A field is filled only when the record has no value; a present value that differs from the
    input is left as it is and named in the result's ``unchanged``, as is every field to fill
    when there is no ``request`` (the provider has no update API).
    """

    fields: dict[str, FillField] = Field(min_length=1, description="Unified field name -> {have, want}.")
    request: RequestSpec | GraphQLSpec | None = Field(
        None, description="The update; sees the found record (find's `as`) and `fill` (field -> new value).")
    extract: Expression | None = Field(None, description="The updated record from the update response "
                                       "(status, headers, body); default body.")

    _extract: Compiled | None = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> FillSpec:
        self._extract = _expr(self.extract, "extract")
        return self

    def update_request(self) -> RequestSpec | None:
        """The update as a plain request, or None when the provider has none."""
        if self.request is None or isinstance(self.request, RequestSpec):
            return self.request
        return self.request._request


class FindOrCreateSpec(_Model):
    """Look a record up (``find``), else create it; result ``{record, created, filled, unchanged}``.

    With ``on_conflict``, a create refused as a duplicate looks the record up once more, so two
    concurrent first bookings of one client end with one client and no error.
    """

    find: LookupSpec
    create: RequestSpec | GraphQLSpec = Field(description="The request that creates the record.")
    extract: Expression | None = Field(None, description="The created record from the create response "
                                       "(status, headers, body); default body.")
    on_conflict: ConflictSpec | None = None
    fill: FillSpec | None = Field(None, description="A found record's empty fields filled from the input; "
                                  "adds `filled` and `unchanged` (field names) to the result.")

    _extract: Compiled | None = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> FindOrCreateSpec:
        self._extract = _expr(self.extract, "extract")
        return self

    def create_request(self) -> RequestSpec:
        return self.create if isinstance(self.create, RequestSpec) else self.create._request


#: What a step can do, one per step (the field that names it; `set` is the attribute `set_`).
STEP_KINDS = ("request", "graphql", "resource", "set", "fail", "require", "switch", "find_or_create")


class Step(_Model):
    """One step: exactly one of ``request``, ``graphql``, ``resource``, ``set``, ``fail``, ``require``, ``switch``
    or ``find_or_create``.

    Its result is stored as ``steps.<id>``: the ``extract`` of the response (default
    its body), the concatenated page items when paginated, a list of results with
    ``for_each``, or null when ``when`` was falsy and the step did not run.
    """

    id: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    description: str = ""
    when: Expression | None = Field(None, description="Run only when truthy.")
    for_each: Expression | None = Field(None, description="Run once per element (concurrently).")
    as_: str = Field("item", alias="as", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    concurrency: int = Field(8, ge=1, le=32)
    request: RequestSpec | None = None
    graphql: GraphQLSpec | None = None
    resource: ResourceRef | None = Field(None, description="Read a declared resource (request + paginate).")
    set_: TemplateNode = Field(None, alias="set", description="Compute a value; no request.")
    fail: FailSpec | None = None
    require: RequireSpec | None = Field(None, description="Fail with the error unless `that` holds; result null.")
    switch: SwitchSpec | None = Field(None, description="Run one case's steps, picked by a value; result: the case.")
    find_or_create: FindOrCreateSpec | None = Field(
        None, description="Look a record up, else create it; result {record, created}.")
    extract: Expression | None = Field(
        None, description="The step result, from the context plus the response's status, headers, body; default body."
    )
    paginate: Pagination | None = None
    errors: list[ErrorRule] = Field(default_factory=list, description="Checked before the spec's errors.")
    compensate: RequestSpec | GraphQLSpec | None = Field(
        None, description="Undo request run (best effort) when a LATER step fails; sees this step's result."
    )

    _when: Compiled | None = PrivateAttr()
    _for_each: Compiled | None = PrivateAttr()
    _set: Template | None = PrivateAttr()
    _extract: Compiled | None = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> Step:
        kinds = [k for k in STEP_KINDS if getattr(self, "set_" if k == "set" else k) is not None]
        if len(kinds) != 1:
            raise ValueError("a step needs exactly one of request, graphql, resource, set, fail, require, switch, "
                             "find_or_create")
        if self.find_or_create is not None and (self.paginate is not None or self.extract is not None):
            # Its find and create each say how their records come out; one step-level rule cannot serve both.
            raise ValueError("a find_or_create step takes paginate/extract inside find and create, not on the step")
        if self.switch is not None and (self.for_each is not None or self.extract is not None or self.errors
                                        or self.compensate is not None or self.paginate is not None):
            # The case's own steps carry these; on the switch they would have no single request to apply to.
            raise ValueError("a switch step takes only id, description, when and switch")
        if self.paginate is not None and self.request is None and self.graphql is None and self.resource is None:
            raise ValueError("paginate needs a request")
        self._when = _expr(self.when, "when")
        self._for_each = _expr(self.for_each, "for_each")
        self._set = compile_template(self.set_, "set") if self.set_ is not None else None
        self._extract = _expr(self.extract, "extract")
        return self

    def use_resource(self, resource: Resource) -> None:
        """Resolve ``resource:`` into this step's request, paginate and extract (done once, at load)."""
        ref = self.resource
        assert ref is not None
        self.request = RequestSpec(**{**resource.request.model_dump(by_alias=True, exclude_unset=True),
                                      "query": {**resource.request.query, **ref.query}})
        if self.paginate is None:
            self.paginate = resource.paginate
        if self.extract is None and resource.extract is not None:
            self.extract = resource.extract
            self._extract = _expr(self.extract, "extract")


def walk_steps(steps: list[Step], loc: tuple[str | int, ...] = ()) -> list[tuple[Step, tuple[str | int, ...]]]:
    """Every step with its location below ``loc``, including those inside switch cases, in spec order."""
    out: list[tuple[Step, tuple[str | int, ...]]] = []
    for i, step in enumerate(steps):
        out.append((step, (*loc, i)))
        if step.switch is not None:
            for key, case in step.switch.cases.items():
                out.extend(walk_steps(case, (*loc, i, "switch", "cases", key)))
            out.extend(walk_steps(step.switch.default, (*loc, i, "switch", "default")))
    return out


class Operation(_Model):
    """A unified operation: steps, then ``output`` built from the context."""

    description: str = ""
    steps: list[Step] = Field(min_length=1)
    output: TemplateNode = Field(description="The unified result, from {input, config, zone, steps, ...}.")
    filters: list[str] = Field(
        default_factory=list, description="Input filters the provider applies natively (others Aptura applies)."
    )
    auth: str | None = Field(None, description="The auth profile of this operation's requests unless a request "
                             "names its own; default: `default`.")
    stamps_reference: bool = Field(
        False, description="appointments.create only: the steps keep input.reference on the provider's booking and "
        "appointments.get/list map it back as `reference`, so a booking whose outcome was unknown can be found.")

    _output: Template = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> Operation:
        ids = [s.id for s, _ in walk_steps(self.steps)]  # one namespace: case steps write steps.<id> too
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"duplicate step ids {sorted(duplicates)}")
        self._output = compile_template(self.output, "output")
        return self


# -- auth -----------------------------------------------------------------------------------------


class ApplySpec(_Model):
    """How a credential is attached to requests. Expressions also see ``token``."""

    headers: dict[str, TemplateNode] = Field(default_factory=dict)
    query: dict[str, TemplateNode] = Field(default_factory=dict)

    _headers: dict[str, Template] = PrivateAttr()
    _query: dict[str, Template] = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> ApplySpec:
        self._headers = {k: compile_template(v, f"headers.{k}") for k, v in self.headers.items()}
        self._query = {k: compile_template(v, f"query.{k}") for k, v in self.query.items()}
        return self


class NoAuth(_Model):
    type: Literal["none"]


class ApiKeyAuth(_Model):
    """Static credentials in headers and/or query parameters."""

    type: Literal["api_key"]
    apply: ApplySpec


class BasicAuth(_Model):
    """HTTP Basic with templated username and password."""

    type: Literal["basic"]
    username: TemplateNode
    password: TemplateNode

    _username: Template = PrivateAttr()
    _password: Template = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> BasicAuth:
        self._username = compile_template(self.username, "username")
        self._password = compile_template(self.password, "password")
        return self


class SessionTokenAuth(_Model):
    """A token obtained by a request, cached per connection, renewed on expiry or refusal."""

    type: Literal["session_token"]
    request: RequestSpec = Field(description="The login request (the spec's default headers apply).")
    token: Expression = Field(description="The token, from the login response {status, headers, body}.")
    expires_at: Expression | None = Field(None, description="Expiry instant from the login response.")
    expires_in: Expression | None = Field(None, description="Lifetime in seconds from the login response.")
    ttl_seconds: int = Field(3600, description="Lifetime when the response gives none.")
    refresh_margin_seconds: int = 60
    apply: ApplySpec
    renew_on_status: list[int] = Field(default_factory=lambda: [401])
    errors: list[ErrorRule] = Field(default_factory=list, description="Mapping for login failures.")

    _token: Compiled = PrivateAttr()
    _expires_at: Compiled | None = PrivateAttr()
    _expires_in: Compiled | None = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> SessionTokenAuth:
        self._token = compile_expression(self.token, "token")
        self._expires_at = _expr(self.expires_at, "expires_at")
        self._expires_in = _expr(self.expires_in, "expires_in")
        return self


class AuthorizeSpec(_Model):
    """The provider's consent page for the hosted flow (``GET /v1/oauth/{provider}/authorize``).

    ``query`` expressions see ``app`` (the platform's OAuth app for the mode), ``state``,
    ``redirect_uri`` (Aptura's callback) and ``config`` (from the authorize request).
    """

    path: str = Field(description="Relative to the environment's base URL, or absolute.")
    query: dict[str, TemplateNode] = Field(default_factory=dict)

    _path: Interpolated = PrivateAttr()
    _query: dict[str, Template] = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> AuthorizeSpec:
        self._path = Interpolated(self.path, "path")
        self._query = {k: compile_template(v, f"query.{k}") for k, v in self.query.items()}
        return self


class OAuth2Auth(_Model):
    """OAuth 2.0 bearer tokens kept in the connection's secret (``access_token``,
    ``refresh_token``, ``expires_at``), refreshed before expiry or when refused, by
    exactly one caller at a time across all containers (a DynamoDB lease).

    ``token_request`` exchanges a code or a refresh token; it sees ``app`` (the platform
    OAuth app: ``client_id``, ``client_secret``), ``secrets`` and ``grant``
    (``{type: authorization_code|refresh_token, code, refresh_token, redirect_uri}``).
    """

    type: Literal["oauth2"]
    authorize: AuthorizeSpec | None = Field(None, description="Present when the hosted flow is offered.")
    token_request: RequestSpec
    access_token: Expression = "body.access_token"
    refresh_token: Expression | None = "body.refresh_token"
    expires_at: Expression | None = Field(None, description="Expiry instant from the token response.")
    expires_in: Expression | None = Field(None, description="Lifetime in seconds from the token response.")
    refresh_margin_seconds: int = Field(300, ge=0, description="Refresh this long before expiry.")
    apply: ApplySpec
    renew_on_status: list[int] = Field(default_factory=lambda: [401])
    errors: list[ErrorRule] = Field(default_factory=list, description="Mapping for token endpoint failures.")

    _access_token: Compiled = PrivateAttr()
    _refresh_token: Compiled | None = PrivateAttr()
    _expires_at: Compiled | None = PrivateAttr()
    _expires_in: Compiled | None = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> OAuth2Auth:
        self._access_token = compile_expression(self.access_token, "access_token")
        self._refresh_token = _expr(self.refresh_token, "refresh_token")
        self._expires_at = _expr(self.expires_at, "expires_at")
        self._expires_in = _expr(self.expires_in, "expires_in")
        return self


class HmacAuth(_Model):
    """Request signing: an HMAC of ``message`` under ``key``, attached by ``apply``.

    ``message`` is evaluated once per request, so a timestamp in it is the same wherever it is
    used; it sees the context plus ``request`` ({method, url, path, query, body}) of the request
    being signed. ``apply`` sees ``signature`` (encoded) and ``message``.
    """

    type: Literal["hmac"]
    key: Expression = Field(description="The signing key as text, e.g. secrets.signing_key.")
    key_encoding: Literal["text", "base64", "hex"] = Field("text", description="How the key text is decoded "
                                                           "into key bytes.")
    message: Expression = Field(description="The text that is signed (UTF-8).")
    algorithm: Literal["sha1", "sha256", "sha512"] = "sha256"
    encoding: Literal["base64", "base64url", "hex"] = Field("base64", description="How the digest is written "
                                                            "as `signature`.")
    apply: ApplySpec

    _key: Compiled = PrivateAttr()
    _message: Compiled = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> HmacAuth:
        self._key = compile_expression(self.key, "key")
        self._message = compile_expression(self.message, "message")
        return self


def _no_auth() -> Auth:
    return NoAuth(type="none")


Auth = Annotated[NoAuth | ApiKeyAuth | BasicAuth | SessionTokenAuth | OAuth2Auth | HmacAuth,
                 Field(discriminator="type")]


# -- models --------------------------------------------------------------------------------------------

# The unified shapes a model can produce (classes of aptura.api.models, checked by aptura.spec.shapes).
ShapeName = Literal["Appointment", "Slot", "Service", "Staff", "Location", "Client"]
SHAPES: tuple[str, ...] = get_args(ShapeName)


class ModelSpec(_Model):
    """A mapping from one provider object to a unified shape, declared once and used by name.

    A template uses it with ``{model: <name>, of: <expression>}``: ``of``'s value is bound as
    ``from`` while ``map`` renders (the rest of the context stays visible), and a null ``of``
    gives null. The key of ``models:`` is the shape unless ``shape`` names it, so a spec may
    declare two mappings to one shape.
    """

    shape: ShapeName | None = Field(None, description="The unified shape (default: the model's name).")
    from_: str = Field(alias="from", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
                       description="The name the provider object is bound to inside `map`.")
    map: dict[str, TemplateNode] = Field(description="The unified object's fields, each a template.")

    _map: Template = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> ModelSpec:
        self._map = compile_template(self.map, "map")
        return self


def _private_field(model: BaseModel, private: str) -> str | None:
    """The YAML key of the field a compiled private attribute was built from (``_set`` -> ``set``)."""
    field = type(model).model_fields.get(private.lstrip("_")) or type(model).model_fields.get(private.lstrip("_") + "_")
    if field is None:
        return None
    return field.alias or private.lstrip("_")


def model_refs(value: Any, loc: tuple[str | int, ...] = ()) -> list[tuple[ModelRef, tuple[str | int, ...]]]:
    """Every ``{model, of}`` use in a loaded spec part, with its location in the YAML."""
    out: list[tuple[ModelRef, tuple[str | int, ...]]] = []
    if isinstance(value, ModelRef):
        out.append((value, loc))
    elif isinstance(value, Each) and value.mapping is not None:
        out.extend(model_refs(value.mapping, (*loc, "map")))
    elif isinstance(value, Obj):
        for key, child in value.fields.items():
            out.extend(model_refs(child, (*loc, key)))
    elif isinstance(value, Lst):
        for i, child in enumerate(value.items):
            out.extend(model_refs(child, (*loc, i)))
    elif isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            out.extend(model_refs(getattr(value, name), (*loc, info.alias or name)))
        for private, child in (value.__pydantic_private__ or {}).items():
            field = _private_field(value, private)
            # A private built from no field of its own (a GraphQL step's request) sits where its owner is.
            out.extend(model_refs(child, (*loc, field) if field else loc))
    elif isinstance(value, dict):
        for key, child in value.items():
            out.extend(model_refs(child, (*loc, key)))
    elif isinstance(value, list | tuple):
        for i, child in enumerate(value):
            out.extend(model_refs(child, (*loc, i)))
    return out


def auth_users(value: Any, loc: tuple[str | int, ...]) -> list[tuple[RequestSpec | GraphQLSpec, tuple[str | int, ...]]]:
    """Every request (and GraphQL request) written in a spec part, with its location."""
    out: list[tuple[RequestSpec | GraphQLSpec, tuple[str | int, ...]]] = []
    if isinstance(value, RequestSpec | GraphQLSpec):
        out.append((value, loc))
    elif isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            out.extend(auth_users(getattr(value, name), (*loc, info.alias or name)))
    elif isinstance(value, dict):
        for key, child in value.items():
            out.extend(auth_users(child, (*loc, key)))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            out.extend(auth_users(child, (*loc, i)))
    return out


# -- the spec ------------------------------------------------------------------------------------------


class Quota(_Model):
    """A provider's request quota per connection; Aptura paces its calls to stay under it."""

    requests: int = Field(ge=1, description="Calls allowed ...")
    per_seconds: float = Field(gt=0, description="... per this many seconds.")


class ProviderSpec(_Model):
    """A booking provider, described entirely in YAML."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Stable provider id; matches the file name.")
    name: str
    docs_url: str | None = None
    environments: Environments
    connection: ConnectionFields
    timezone: Expression | None = Field(
        None, description="The zone of the provider's naive local times, e.g. config.timezone; bound as `zone`."
    )
    headers: dict[str, TemplateNode] = Field(default_factory=dict, description="Sent on every request.")
    auth_profiles: dict[str, Auth] = Field(
        default_factory=lambda: {"default": _no_auth()}, alias="auth",
        description="Named auth profiles; requests use `default` unless their operation or request names "
        "another with `auth: <name>`.")
    errors: list[ErrorRule] = Field(default_factory=list, description="Provider error mapping, first match wins.")
    vocab: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="Lookup tables bound as `vocab`, e.g. provider status -> unified status."
    )
    quota: Quota | list[Quota] | None = Field(
        None, description="Pace calls per connection under the provider's rate limit; a list declares several "
        "windows that all apply, e.g. 100 per 60 s and 1000 per 3600 s.")
    resources: dict[str, Resource] = Field(
        default_factory=dict, description="Endpoints declared once (request, paginate, extract), read by steps "
        "with `resource: {name: ...}`.")
    models: dict[str, ModelSpec] = Field(
        default_factory=dict, description="Provider object -> unified shape mappings, used in templates as "
        "`{model: <name>, of: <expression>}`.")
    operations: dict[OperationName, Operation]
    sources: Sources | None = Field(
        None, description="Native webhooks and changes feeds (docs/spec-reference.md, Sources).")

    _timezone: Compiled | None = PrivateAttr()
    _headers: dict[str, Template] = PrivateAttr()

    @property
    def auth(self) -> Auth:
        """The `default` auth profile (what OAuth flows, the connect page and the providers list read)."""
        return self.auth_profiles["default"]

    @model_validator(mode="after")
    def _compile(self) -> ProviderSpec:
        self._timezone = _expr(self.timezone, "timezone")
        self._headers = {k: compile_template(v, f"headers.{k}") for k, v in self.headers.items()}
        for name, op in self.operations.items():
            for step, loc in walk_steps(op.steps):
                lookup = step.find_or_create.find if step.find_or_create is not None else None
                user: Step | LookupSpec | None = step if step.resource is not None else lookup
                if user is None or user.resource is None:
                    continue
                where = ("find_or_create", "find") if user is lookup else ()
                resource = self.resources.get(user.resource.name)
                if resource is None:
                    raise UnknownReference(("operations", name, "steps", *loc, *where, "resource", "name"),
                                          f"unknown resource {user.resource.name!r} "
                                          f"(declared: {sorted(self.resources)})")
                user.use_resource(resource)
            if op.stamps_reference and name != "appointments.create":
                raise ValueError(f"operations.{name}: stamps_reference is for appointments.create only")
            if op.stamps_reference and "appointments.list" not in self.operations:
                raise ValueError("operations.appointments.create: stamps_reference needs appointments.list "
                                 "(the reference is looked up there)")
        self._bind_models()
        self._check_auth_names()
        return self

    def _check_auth_names(self) -> None:
        if "default" not in self.auth_profiles:
            raise UnknownReference(("auth",), "auth profiles need a `default` (used when a request names none)")
        for name, op in self.operations.items():
            if op.auth is not None and op.auth not in self.auth_profiles:
                raise UnknownReference(("operations", name, "auth"), self._unknown_auth(op.auth))
            for request, loc in auth_users(op, ("operations", name)):
                if request.auth is not None and request.auth not in self.auth_profiles:
                    raise UnknownReference((*loc, "auth"), self._unknown_auth(request.auth))

    def _unknown_auth(self, name: str) -> str:
        return f"unknown auth profile {name!r} (declared: {sorted(self.auth_profiles)})"

    def _bind_models(self) -> None:
        for name, model in self.models.items():
            if model.shape is None and name not in SHAPES:
                raise UnknownReference(("models", name), f"model {name!r} is not a unified shape "
                                       f"({', '.join(SHAPES)}); name one with `shape:`")
        for ref, loc in model_refs(self):
            target = self.models.get(ref.name)
            if target is None:
                raise UnknownReference((*loc, "model"), f"unknown model {ref.name!r} (declared: {sorted(self.models)})")
            ref.bind(target._map, target.from_)

    def shape_of(self, model: str) -> str:
        """The unified shape the declared model ``model`` produces."""
        return self.models[model].shape or model

    def quota_windows(self) -> list[Quota]:
        """Every declared quota window (none, one, or several that all apply)."""
        if self.quota is None:
            return []
        return self.quota if isinstance(self.quota, list) else [self.quota]

    def stamps_reference(self) -> bool:
        """Whether bookings carry Aptura's reference, so an unknown outcome can be looked up."""
        create = self.operations.get("appointments.create")  # type: ignore[call-overload]
        return create is not None and bool(create.stamps_reference)


SwitchSpec.model_rebuild()
