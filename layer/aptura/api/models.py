"""The unified API's request and response shapes (the public contract)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from aptura.store.keys import Scope

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Status = Literal["confirmed", "cancelled", "completed", "no_show", "pending"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


def _aware_whole_minute(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a time zone: use UTC with 'Z'")
    if value.second or value.microsecond:
        raise ValueError("must be on a whole minute")
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MIN_YEAR, MAX_YEAR = 1900, 2200


def iso_8601(value: Any) -> Any:
    """Let only ISO-8601 text (or None) on to a date or datetime field.

    pydantic alone also reads numbers and numeric strings as Unix timestamps (``start_datetime=0.5`` was
    1970-01-01T00:00:00.5Z), which the documented ``format: date``/``date-time`` does not offer.
    """
    if value is None:
        return value
    if isinstance(value, date):
        year = value.year
    elif isinstance(value, str) and _ISO_DATE.match(value.strip()):
        year = int(value.strip()[:4])
    else:
        raise ValueError("must be ISO-8601 text, e.g. 2024-03-15 or 2024-03-15T14:00:00Z")
    # Beyond these years providers fail in their own ways (and strftime stops zero-padding before 1000).
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"must be within the years {MIN_YEAR} to {MAX_YEAR}")
    return value


StartTime = Annotated[datetime, BeforeValidator(iso_8601), AfterValidator(_aware_whole_minute)]


class ClientIn(_In):
    """A client as a booking or ``POST /v1/clients`` sends it."""

    firstName: str = Field(min_length=1, max_length=100)
    lastName: str = Field(min_length=1, max_length=100)
    email: str = Field(pattern=EMAIL, max_length=254)
    phone: str | None = Field(None, pattern=r"^\+?[0-9 ()-]{5,20}$")


class AppointmentCreate(_In):
    """Body of ``POST /v1/appointments``."""

    serviceId: str = Field(min_length=1, max_length=100)
    staffId: str = Field(min_length=1, max_length=100)
    startTime: StartTime = Field(description="UTC ISO-8601, e.g. 2024-03-15T10:00:00Z")
    client: ClientIn
    notes: str | None = Field(None, max_length=2000)
    locationId: str | None = Field(None, max_length=100)

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{
            "serviceId": "svc_haircut", "staffId": "staff_jane", "startTime": "2024-03-15T10:00:00Z",
            "client": {"firstName": "Alex", "lastName": "Johnson", "email": "alex@example.com",
                       "phone": "+15551234567"},
            "notes": "First time client",
        }]},
    )


class Slot(_Out):
    startTime: str
    endTime: str
    staffId: str | None = None
    staffName: str | None = None


class AvailabilityResponse(_Out):
    provider: str
    serviceId: str
    slots: list[Slot]


class ServiceRef(_Out):
    id: str
    name: str | None = None
    durationMinutes: int | None = None


class StaffRef(_Out):
    id: str
    name: str | None = None


UNCHANGED = Field(None, description=(
    "When the booking found an existing client by e-mail: the fields given (firstName, lastName, phone) "
    "that the client still holds differently. An empty field is filled where the provider allows it; a "
    "present value is never overwritten, and a field the provider cannot update is left as it was."))


class ClientRef(_Out):
    id: str | None = None
    firstName: str | None = None
    lastName: str | None = None
    email: str | None = None
    phone: str | None = None
    unchanged: list[str] | None = UNCHANGED


_RAW = Field(None, description="The provider's original object; only with ?include=raw")


class Appointment(_Out):
    id: str
    provider: str
    status: Status
    service: ServiceRef
    staff: StaffRef | None = None
    startTime: str = Field(description="UTC ISO-8601")
    endTime: str = Field(description="UTC ISO-8601")
    locationId: str | None = None
    notes: str | None = None
    client: ClientRef | None = None
    reference: str | None = Field(None, description=(
        "Aptura's reference, kept on the provider's booking when it was booked through Aptura and the "
        "provider has a place for it (null otherwise). With an Idempotency-Key it is the same on every retry."))
    raw: dict[str, Any] | None = _RAW

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "id": "apt_123abc", "provider": "acmebook", "status": "confirmed",
        "service": {"id": "svc_haircut", "name": "Haircut", "durationMinutes": 60},
        "staff": {"id": "staff_jane", "name": "Jane Smith"},
        "startTime": "2024-03-15T10:00:00Z", "endTime": "2024-03-15T11:00:00Z", "locationId": "1",
        "notes": "First time client",
        "client": {"id": "100015", "firstName": "Alex", "lastName": "Johnson", "email": "alex@example.com",
                   "phone": "+15551234567"},
        "reference": "aptref_9f2c41d07be35a6618c4",
    }]})


class AppointmentUpdate(_In):
    """Body of ``PATCH /v1/appointments/{id}``: reschedule and/or change notes."""

    startTime: StartTime | None = Field(None, description="New start, UTC ISO-8601")
    staffId: str | None = Field(None, min_length=1, max_length=100)
    notes: str | None = Field(None, max_length=2000)

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={
        "examples": [{"startTime": "2024-03-15T14:00:00Z", "notes": "Moved to the afternoon"}]})


class Money(_Out):
    amount: int = Field(description="In minor units (cents)")
    currency: str = Field(examples=["USD"])


class Service(_Out):
    id: str
    name: str
    description: str | None = None
    durationMinutes: int | None = None
    price: Money | None = None
    raw: dict[str, Any] | None = _RAW

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "id": "svc_haircut", "name": "Haircut", "description": "Wash, cut and style", "durationMinutes": 60,
        "price": {"amount": 4500, "currency": "USD"}}]})


class Staff(_Out):
    id: str
    name: str | None = None
    firstName: str | None = None
    lastName: str | None = None
    serviceIds: list[str] | None = None
    raw: dict[str, Any] | None = _RAW

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "id": "staff_jane", "name": "Jane Smith", "firstName": "Jane", "lastName": "Smith",
        "serviceIds": ["svc_haircut"]}]})


class Address(_Out):
    line1: str | None = None
    line2: str | None = None
    city: str | None = None
    region: str | None = None
    postalCode: str | None = None
    country: str | None = None


class Location(_Out):
    id: str
    name: str | None = None
    timezone: str | None = None
    phone: str | None = None
    address: Address | None = None
    raw: dict[str, Any] | None = _RAW

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "id": "1", "name": "Downtown", "timezone": "America/New_York", "phone": "+15550100",
        "address": {"line1": "1 Main St", "city": "New York", "region": "NY", "postalCode": "10001",
                    "country": "US"}}]})


class Client(_Out):
    id: str
    firstName: str | None = None
    lastName: str | None = None
    email: str | None = None
    phone: str | None = None
    raw: dict[str, Any] | None = _RAW

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "id": "100015", "firstName": "Alex", "lastName": "Johnson", "email": "alex@example.com",
        "phone": "+15551234567"}]})


class _Page(_Out):
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page; null on the last")


class AppointmentList(_Page):
    data: list[Appointment]


class ServiceList(_Page):
    data: list[Service]


class StaffList(_Page):
    data: list[Staff]


class LocationList(_Page):
    data: list[Location]


class ClientList(_Page):
    data: list[Client]


class FieldInfo(_Out):
    type: str
    required: bool
    description: str = ""
    example: Any = None
    enum: list[str] | None = None
    pattern: str | None = None
    label: str | None = Field(None, description="Short form label")
    order: int | None = Field(None, description="Position in a form, ascending")
    help: str | None = Field(None, description="Where to find this value, in plain words")
    help_url: str | None = Field(None, description="Provider documentation showing where to find it")


class ConnectionFieldsInfo(_Out):
    config: dict[str, FieldInfo]
    secrets: dict[str, FieldInfo]


class Capability(_Out):
    operation: str = Field(examples=["appointments.list"])
    endpoint: str = Field(examples=["GET /v1/appointments"])
    supported: bool
    native_filters: list[str] = Field(description="Filters the provider applies itself")
    aptura_filters: list[str] = Field(description="Filters Aptura applies after fetching")


class ProviderInfo(_Out):
    id: str
    name: str
    docs_url: str | None = None
    auth: str = Field(description="How a connection authenticates: api_key, basic, session_token, oauth2, none")
    connection: ConnectionFieldsInfo
    capabilities: list[Capability]
    stamps_reference: bool = Field(description=(
        "Bookings carry Aptura's `reference`, so a booking whose outcome was unknown (the provider timed out) "
        "is found by a retry with the same Idempotency-Key instead of being made twice"))

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "id": "acmebook", "name": "Acme Book", "docs_url": "https://docs.acmebook.example/api",
        "auth": "session_token",
        "connection": {"config": {"locationId": {"type": "string", "required": True, "example": "634001"}},
                       "secrets": {"apiKey": {"type": "string", "required": True}}},
        "capabilities": [{"operation": "appointments.list", "endpoint": "GET /v1/appointments", "supported": True,
                          "native_filters": ["staff_id", "service_id"],
                          "aptura_filters": ["start_date", "end_date", "start_datetime", "end_datetime", "status",
                                             "client_email"]}],
    }]})


class ProviderList(_Out):
    data: list[ProviderInfo]


class EndUserIn(_In):
    """The business a connection is made for, in the integrator's own terms."""

    id: str = Field(min_length=1, max_length=200, description="Your id for this end user (a business)")
    name: str | None = Field(None, max_length=200, description="Shown on the hosted connect page")
    email: str | None = Field(None, pattern=EMAIL, max_length=254)


class EndUserOut(_Out):
    id: str
    name: str | None = None
    email: str | None = None


class ConnectionCreate(_In):
    """Body of ``POST /v1/connections``: the fields come from the provider's spec (``GET /v1/providers``)."""

    provider: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=50, description="A provider id")
    config: dict[str, Any] = Field(default_factory=dict, description="The provider's connection config fields")
    credentials: dict[str, Any] = Field(
        default_factory=dict, json_schema_extra={"writeOnly": True},
        description="The provider's secret fields; stored in Secrets Manager and never returned")
    end_user: EndUserIn | None = Field(None, description="Whom the connection is for (filter on it with "
                                       "`GET /v1/connections?end_user_id=`)")

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "provider": "acmebook",
        "config": {"siteId": "-99", "locationId": "1", "timezone": "America/New_York"},
        "credentials": {"apiKey": "ab-api-key", "username": "owner@example.com", "password": "••••••••"},
    }]})


class ConnectionUpdate(_In):
    """Body of ``PATCH /v1/connections/{id}``: fields merged into the current ones (null removes an optional one)."""

    credentials: dict[str, Any] | None = Field(
        None, json_schema_extra={"writeOnly": True}, description="Secret fields to replace (rotation)")
    config: dict[str, Any] | None = Field(None, description="Config fields to replace")

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={
        "examples": [{"credentials": {"password": "••••••••"}}]})


class ConnectionLastError(_Out):
    code: str = Field(examples=["connection_auth_failed"])
    message: str
    at: str = Field(description="UTC ISO-8601")


class Connection(_Out):
    """A connection as the API shows it: never its credentials."""

    id: str
    provider: str
    mode: Literal["test", "live"] = Field(description="The mode of the API key that created it")
    status: Literal["active", "unverified", "error"] = Field(description=(
        "`active`: the provider accepted the credentials; `unverified`: the provider's spec declares no "
        "verification call, so they were not checked; `error`: the provider refused them (see `last_error`)"))
    config: dict[str, Any]
    created_at: str = Field(description="UTC ISO-8601")
    updated_at: str = Field(description="UTC ISO-8601")
    last_verified_at: str | None = Field(None, description="When the provider last accepted the credentials")
    last_error: ConnectionLastError | None = None
    end_user: EndUserOut | None = Field(None, description="Whom the connection is for; null when not given")

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "id": "conn_xyz789", "provider": "acmebook", "mode": "test", "status": "active",
        "config": {"siteId": "-99", "locationId": "1", "timezone": "America/New_York", "bookingIncrementMinutes": 15},
        "created_at": "2024-03-01T09:00:00Z", "updated_at": "2024-03-01T09:00:00Z",
        "last_verified_at": "2024-03-01T09:00:00Z", "last_error": None,
        "end_user": {"id": "biz_42", "name": "Hair by Jo", "email": "jo@example.com"}}]})


class ConnectionList(_Page):
    data: list[Connection]


class ConnectSessionCreate(_In):
    """Body of ``POST /v1/connect-sessions``."""

    end_user: EndUserIn
    providers: list[str] | None = Field(None, max_length=50, description=(
        "Provider ids the end user may connect (`GET /v1/providers`); default: every provider"))
    redirect_url: str = Field(max_length=2000, description=(
        "Where the browser goes when done, with `connection_id` and `connect_session_id` added to its query. "
        "https; in test mode also http on localhost or 127.0.0.1"))

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "end_user": {"id": "biz_42", "name": "Hair by Jo", "email": "jo@example.com"},
        "providers": ["acmebook"], "redirect_url": "https://app.example.com/connected"}]})


class ConnectSessionCreated(_Out):
    id: str = Field(examples=["cs_4f1d2c3b4a5e6f708192a3b4"])
    url: str = Field(description="The hosted connect page: send the end user there. Single use; it grants "
                     "nothing beyond completing this one connection")
    expires_at: str = Field(description="UTC ISO-8601")

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "id": "cs_4f1d2c3b4a5e6f708192a3b4", "url": "https://api.aptura.dev/connect/cst_Qm3xV8p2Lr6TnYc1Wz5Hb7Kd",
        "expires_at": "2024-03-01T09:30:00Z"}]})


class ConnectSessionInfo(_Out):
    id: str
    mode: Literal["test", "live"]
    status: Literal["open", "completed", "expired"]
    end_user: EndUserOut
    providers: list[str]
    redirect_url: str
    created_at: str = Field(description="UTC ISO-8601")
    expires_at: str = Field(description="UTC ISO-8601")
    connection_id: str | None = Field(None, description="The connection it created, once completed")

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "id": "cs_4f1d2c3b4a5e6f708192a3b4", "mode": "test", "status": "completed",
        "end_user": {"id": "biz_42", "name": "Hair by Jo", "email": "jo@example.com"}, "providers": ["acmebook"],
        "redirect_url": "https://app.example.com/connected", "created_at": "2024-03-01T09:00:00Z",
        "expires_at": "2024-03-01T09:30:00Z", "connection_id": "conn_xyz789"}]})


class ApiKeyCreate(_In):
    """Body of ``POST /v1/api-keys``: a key of the caller's mode with at most the caller's scopes."""

    kind: Literal["secret", "publishable"] = Field("secret", description=(
        "`secret` (`apt_test_…`/`apt_live_…`): for servers only. `publishable` (`apt_pk_test_…`/`apt_pk_live_…`): "
        "safe in a web page; only `availability:read`, `catalog:read` and `bookings:write` (creating bookings: "
        "`POST /v1/appointments` only), accepted only from its `allowed_origins`"))
    scopes: list[Scope] | None = Field(None, min_length=1, description=(
        "Default: the calling key's scopes (publishable: those of them a publishable key may hold)"))
    allowed_origins: list[Annotated[str, Field(max_length=300)]] | None = Field(None, max_length=20, description=(
        "Publishable keys only, and required for them: the exact browser origins (`scheme://host[:port]`) that "
        "may use the key. Live mode: https only; test mode: also http on localhost/127.0.0.1"))
    connections: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        None, max_length=100, description=(
            "Publishable keys only: the connection ids the key may use (default: all of the account's "
            "connections of its mode); others answer 404 as if they did not exist"))
    name: str | None = Field(None, max_length=100, description="A label for people")

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"scopes": ["availability:read", "bookings:read", "bookings:write"], "name": "booking backend"},
        {"kind": "publishable", "allowed_origins": ["https://salon.example.com"], "connections": ["conn_xyz789"],
         "scopes": ["availability:read", "catalog:read"], "name": "booking widget"}]})


class ApiKeyInfo(_Out):
    id: str
    prefix: str = Field(description="The key's first characters, to recognise it")
    mode: Literal["test", "live"]
    kind: Literal["secret", "publishable"] = "secret"
    scopes: list[str]
    allowed_origins: list[str] = Field(default_factory=list, description="Publishable keys: origins allowed")
    connections: list[str] = Field(default_factory=list, description=(
        "Publishable keys: the connections it may use (empty: all)"))
    name: str | None = None
    created_at: str
    last_used_at: str | None = None

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "id": "key_5f0c2a7e9b1d3c4a", "prefix": "apt_pk_test_Qm3x", "mode": "test", "kind": "publishable",
        "scopes": ["availability:read"], "allowed_origins": ["https://salon.example.com"], "connections": [],
        "name": "booking widget", "created_at": "2024-03-01T12:00:00Z", "last_used_at": "2024-03-02T08:15:00Z"}]})


class ApiKeyCreated(ApiKeyInfo):
    key: str = Field(description="The key itself: shown only in this response, only a hash is stored")

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "id": "key_5f0c2a7e9b1d3c4a", "key": "apt_test_Qm3xV8p2Lr6TnYc1Wz5Hb7Kd", "prefix": "apt_test_Qm3x",
        "mode": "test", "kind": "secret", "scopes": ["availability:read"], "allowed_origins": [],
        "connections": [], "name": "booking backend", "created_at": "2024-03-01T12:00:00Z", "last_used_at": None}]})


class ApiKeyList(_Out):
    data: list[ApiKeyInfo]


class ErrorBody(BaseModel):
    error: str = Field(examples=["validation_error"])
    message: str = Field(examples=["Invalid request data"])
    details: dict[str, Any] | list[Any] = Field(default_factory=dict)


EventType = Literal["*", "appointment.created", "appointment.rescheduled", "appointment.updated",
                    "appointment.cancelled", "connection.created", "connection.error", "connection.deleted"]
_WEBHOOK_EXAMPLE: dict[str, Any] = {
    "id": "we_3f9a1c0d5e7b2a4c6d8e", "url": "https://app.example.com/aptura/webhooks", "mode": "test",
    "event_types": ["appointment.created", "appointment.cancelled"], "connection_ids": [],
    "description": "booking sync", "status": "enabled", "disabled_reason": None, "failing_since": None,
    "created_at": "2024-03-01T12:00:00Z", "updated_at": "2024-03-01T12:00:00Z"}


class WebhookEndpointCreate(_In):
    """Body of ``POST /v1/webhook-endpoints``."""

    url: str = Field(min_length=1, max_length=2048, description=(
        "Where events are POSTed. Live mode: https, resolving to public addresses only (checked now and before "
        "each delivery; redirects are not followed). Test mode: https, or http on localhost/127.0.0.1"))
    event_types: list[EventType] = Field(min_length=1, max_length=20, description="Event types to send; `*`: all")
    connection_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        None, max_length=100, description="Only events of these connections (default: every connection)")
    description: str | None = Field(None, max_length=200, description="A label for people")

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={"examples": [{
        "url": "https://app.example.com/aptura/webhooks",
        "event_types": ["appointment.created", "appointment.cancelled"],
        "description": "booking sync"}]})


class WebhookEndpointUpdate(_In):
    """Body of ``PATCH /v1/webhook-endpoints/{id}``: the fields given change (``[]`` clears the filter)."""

    url: str | None = Field(None, min_length=1, max_length=2048)
    event_types: list[EventType] | None = Field(None, min_length=1, max_length=20)
    connection_ids: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(None, max_length=100)
    description: str | None = Field(None, max_length=200)
    status: Literal["enabled", "disabled"] | None = Field(None, description=(
        "`disabled` stops deliveries; `enabled` resumes them and clears a failure disable"))

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={
        "examples": [{"event_types": ["*"]}, {"status": "enabled"}]})


class WebhookEndpoint(_Out):
    """A webhook endpoint as the API shows it: never its secret (shown once, at creation and rotation)."""

    id: str
    url: str
    mode: Literal["test", "live"]
    event_types: list[str]
    connection_ids: list[str] = Field(default_factory=list, description="Empty: every connection")
    description: str | None = None
    status: Literal["enabled", "disabled"]
    disabled_reason: str | None = Field(None, description="Why Aptura disabled it (deliveries failing for 5 days)")
    failing_since: str | None = Field(None, description="First failed delivery since the last one that succeeded")
    created_at: str
    updated_at: str

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [_WEBHOOK_EXAMPLE]})


class WebhookEndpointCreated(WebhookEndpoint):
    secret: str = Field(description=(
        "The signing secret (`whsec_…`, Standard Webhooks): shown only in this response; verify each delivery's "
        "`webhook-signature` with it"))

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        **_WEBHOOK_EXAMPLE, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}]})


class WebhookSecret(_Out):
    secret: str = Field(description=(
        "The new signing secret, shown only here; the previous one also signs deliveries for 24 hours"))

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}]})


class WebhookEndpointList(_Page):
    data: list[WebhookEndpoint]


class WebhookDelivery(_Out):
    """One delivery attempt of one event to one endpoint."""

    id: str
    endpoint_id: str
    event_id: str = Field(description="The event's id, also its `webhook-id` header (the same on every retry)")
    event_type: str
    attempt: int = Field(description="1 for the first attempt")
    outcome: Literal["succeeded", "failed", "skipped"] = Field(description=(
        "`skipped`: not sent (endpoint disabled, or its URL no longer allowed)"))
    response_status: int | None = Field(None, description="The receiver's HTTP status; null when none answered")
    error: str | None = Field(None, description="Why it failed: `http_status`, `timeout`, `connect_error`...")
    duration_ms: int | None = None
    next_attempt_at: str | None = Field(None, description="When it is retried; null when it is not")
    at: str = Field(description="UTC ISO-8601, with microseconds")

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "id": "wd_1a2b3c4d5e6f7a8b", "endpoint_id": "we_3f9a1c0d5e7b2a4c6d8e",
        "event_id": "evt_0c1d2e3f4a5b6c7d8e9f0a1b",
        "event_type": "appointment.created", "attempt": 2, "outcome": "failed", "response_status": 503,
        "error": "http_status", "duration_ms": 84, "next_attempt_at": "2024-03-01T12:05:05Z",
        "at": "2024-03-01T12:00:05.120000Z"}]})


class WebhookDeliveryList(_Page):
    data: list[WebhookDelivery]


_EVENT_EXAMPLE: dict[str, Any] = {
    "id": "evt_018f3a2b4c5d9e8f7a6b5c4d", "type": "appointment.cancelled", "created_at": "2024-03-01T12:00:00Z",
    "mode": "test", "connection_id": "conn_xyz789", "end_user": {"id": "biz_42", "name": "Studio 42"},
    "sequence": 2, "data": {"object": {"id": "apt_123", "status": "cancelled"}, "previous": {"status": "booked"}}}


class EventData(_Out):
    object: dict[str, Any] = Field(description="The unified object (appointment or connection) after the change")
    previous: dict[str, Any] = Field(default_factory=dict, description="The changed fields, with their old values")


class Event(_Out):
    """One change, exactly as webhook receivers get it (its id is each delivery's `webhook-id`)."""

    id: str = Field(description="`evt_…`; ids sort in creation order")
    type: str
    created_at: str = Field(description="UTC ISO-8601")
    mode: Literal["test", "live"]
    connection_id: str | None = None
    end_user: dict[str, Any] | None = None
    sequence: int | None = Field(None, description=(
        "1, 2, 3… over the events of one object (one appointment, one connection): order deliveries by it"))
    data: EventData

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [_EVENT_EXAMPLE]})


class EventList(_Page):
    data: list[Event]


class EventRedeliver(_In):
    """Body of ``POST /v1/events/{id}/redeliver`` (optional): one endpoint instead of every matching one."""

    endpoint_id: str | None = Field(None, min_length=1, max_length=100, description=(
        "Only this webhook endpoint (it need not match the event's type); default: every enabled endpoint "
        "that matches now"))

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra={
        "examples": [{"endpoint_id": "we_3f9a1c0d5e7b2a4c6d8e"}]})


class EventRedelivered(_Out):
    event_id: str
    endpoint_ids: list[str] = Field(description="The endpoints the event was queued for (empty: none matched)")

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "event_id": "evt_018f3a2b4c5d9e8f7a6b5c4d", "endpoint_ids": ["we_3f9a1c0d5e7b2a4c6d8e"]}]})
