"""SmoothSchedule sandbox: the tenant API ``https://<subdomain>.smoothschedule.com/tenant-api/v1/``.

The tenant is read from the ``Host`` header (``<subdomain>.smoothschedule.com``) or, since every
sandbox shares one local port, from a leading path segment: ``/<subdomain>/tenant-api/v1/...``.
Everything seed 004 leaves open (ids, envelopes, routes beyond its examples) follows the
recommended contract in ``README.md``.
"""

from __future__ import annotations

import operator
import secrets
import time as wallclock
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlencode

from sandboxes.core import Request, Response, SandboxApp
from sandboxes.core.outbound import Outbox, acceptable_url
from sandboxes.smoothschedule.seed import (
    CLOSE,
    OPEN,
    SLOT_STEP_MINUTES,
    TOKENS,
    WEBHOOK_EVENTS,
    Booking,
    Customer,
    DataSet,
    Tenant,
    Token,
    Webhook,
    build_tenants,
)
from sandboxes.smoothschedule.webhooks import notify

API = "/{tenant}/tenant-api/v1"
HOST_SUFFIX = ".smoothschedule.com"
LIMITS = ((100, 60), (1000, 3600))  # (requests, window seconds), seed 004
PAGE_SIZE, MAX_PAGE_SIZE = 50, 100
MAX_AVAILABILITY_DAYS = 31
BOOKING_STATUSES = ("SCHEDULED", "CONFIRMED", "COMPLETED", "CANCELLED")

DEMO: dict[str, Any] = {
    "slot_taken_wordings": 3,  # ways this sandbox refuses a taken slot (POST /_sandbox/wording)
    # a refusal of a booking for another reason, in the provider's format (a /_sandbox/faults rule)
    "refusal_fault": {"path": "/bookings/$",
                       "method": "POST",
                       "status": 400,
                       "body": {"error": "validation_error",
                                "message": "Online booking is disabled for this service.",
                                "details": {}}},
    "config": {"subdomain": "demo", "timezone": "America/Chicago"},
    "credentials": {"api_token": "ss_test_demo_full_4f9c2a"},
    "service_id": "1",
    "staff_id": "11",
    "booking_request": {"method": "POST", "path": "^/[^/]+/tenant-api/v1/bookings/$"},
}


class ApiError(Exception):
    """An error in seed 004's format: ``{"error", "message", "details"}``."""

    def __init__(self, status: int, error: str, message: str, details: dict[str, list[str]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.details = details or {}
        self.headers = headers or {}

    def response(self) -> Response:
        return Response.json({"error": self.error, "message": self.message, "details": self.details},
                             self.status, self.headers)


def _invalid(details: dict[str, list[str]]) -> NoReturn:
    raise ApiError(400, "validation_error", "Invalid request data", details)


def _not_found(what: str) -> NoReturn:
    raise ApiError(404, "not_found", f"{what} not found.")


_Row = TypeVar("_Row")


def _by_id(request: Request, rows: dict[int, _Row], kind: str) -> _Row:
    """The record the path's ``id`` names, or DRF's 404 for ``kind``."""
    row = rows.get(_parse_int(request.params["id"], "id"))
    if row is None:
        _not_found(kind)
    return row


def iso(moment: datetime) -> str:
    """UTC ISO 8601 with ``Z``, whole seconds."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse_datetime(value: Any, field: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        _invalid({field: ["Datetime has wrong format. Use ISO 8601."]})
    if parsed.tzinfo is None:
        _invalid({field: ["Datetime must include a UTC offset."]})
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # outside years 1..9999 once in UTC: DRF answers it as a badly formatted datetime
        _invalid({field: ["Datetime has wrong format. Use ISO 8601."]})


def _parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        _invalid({field: ["Date has wrong format. Use YYYY-MM-DD."]})


def _parse_int(value: Any, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    _invalid({field: ["A valid integer is required."]})


def _parse_bool(value: str, field: str) -> bool:
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    _invalid({field: ["Must be true or false."]})


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "": lambda a, b: a == b, "__lt": lambda a, b: a < b, "__lte": lambda a, b: a <= b,
    "__gt": lambda a, b: a > b, "__gte": lambda a, b: a >= b,
}


class SmoothScheduleSandbox(SandboxApp):
    """The tenant API with per-token scopes, test/live data sets and both rate-limit windows."""

    name = "smoothschedule"

    def __init__(self) -> None:
        super().__init__()
        # Reads and writes differ only by the scope they need.
        read = write = self._guarded
        self.route("GET", API + "/business/", read("business:read", self.business))
        self.route("GET", API + "/services/", read("services:read", self.list_services))
        self.route("GET", API + "/services/{id}/", read("services:read", self.get_service))
        self.route("GET", API + "/resources/", read("resources:read", self.list_resources))
        self.route("GET", API + "/resources/{id}/", read("resources:read", self.get_resource))
        self.route("GET", API + "/availability/", read("availability:read", self.availability))
        self.route("GET", API + "/bookings/", read("bookings:read", self.list_bookings))
        self.route("POST", API + "/bookings/", write("bookings:write", self.create_booking))
        self.route("GET", API + "/bookings/{id}/", read("bookings:read", self.get_booking))
        self.route("PATCH", API + "/bookings/{id}/", write("bookings:write", self.update_booking))
        self.route("PUT", API + "/bookings/{id}/", write("bookings:write", self.update_booking))
        self.route("POST", API + "/bookings/{id}/cancel/", write("bookings:write", self.cancel_booking))
        self.route("DELETE", API + "/bookings/{id}/", write("bookings:write", self.cancel_booking))
        self.route("GET", API + "/customers/", read("customers:read", self.list_customers))
        self.route("POST", API + "/customers/", write("customers:write", self.create_customer))
        self.route("GET", API + "/customers/{id}/", read("customers:read", self.get_customer))
        self.route("PATCH", API + "/customers/{id}/", write("customers:write", self.update_customer))
        self.route("GET", API + "/webhooks/", read("webhooks:manage", self.list_webhooks))
        self.route("POST", API + "/webhooks/", write("webhooks:manage", self.create_webhook))
        self.route("GET", API + "/webhooks/events/", read("webhooks:manage", self.webhook_events))
        self.route("GET", API + "/webhooks/{id}/", read("webhooks:manage", self.get_webhook))
        self.route("PATCH", API + "/webhooks/{id}/", write("webhooks:manage", self.update_webhook))
        self.route("PUT", API + "/webhooks/{id}/", write("webhooks:manage", self.update_webhook))
        self.route("DELETE", API + "/webhooks/{id}/", write("webhooks:manage", self.delete_webhook))

    def reset(self) -> None:
        self.tenants: dict[str, Tenant] = build_tenants()
        self.outbox = Outbox()  # webhook deliveries sent (webhooks.py)
        self.hits: dict[str, list[float]] = {}  # token -> wall-clock request times, for the limits

    def admin_state(self) -> Any:
        def dump(data: DataSet) -> dict[str, Any]:
            return {"bookings": [self._booking(b, "UTC") for b in data.bookings.values()],
                    "customers": [self._customer(c) for c in data.customers.values()],
                    "webhooks": [asdict(w) | {"created_at": iso(w.created_at)} for w in data.webhooks.values()]}
        # Top level: what the demo connection (tenant demo, a test token) sees; then every data set.
        return dump(self.tenants["demo"].data["test"]) | {"deliveries": self.outbox.view()} | {
            "tenants": {sub: {mode: dump(data) for mode, data in t.data.items()} for sub, t in self.tenants.items()}}

    def not_found(self, request: Request) -> Response:
        return ApiError(404, "not_found", "Not found.").response()

    # -- tenant, trailing slash, auth, scopes, rate limits -----------------------------------------

    def dispatch(self, request: Request) -> Response:
        host = (request.header("host") or "").split(":")[0].lower()
        if request.path.startswith("/tenant-api/") and host.endswith(HOST_SUFFIX):
            request.path = "/" + host[: -len(HOST_SUFFIX)] + request.path
        if "/tenant-api/" in request.path and not request.path.endswith("/"):
            # Django's APPEND_SLASH: GETs are redirected, other methods cannot be (their body would be lost).
            if request.method == "GET":
                query = urlencode(request.query)
                location = f"/{self.name}{request.path}/" + (f"?{query}" if query else "")
                return Response(301, b"", {"Location": location})
            return self.not_found(request)
        try:
            return super().dispatch(request)
        except ApiError as exc:
            return exc.response()

    def _guarded(self, scope: str, handler: Callable[[Request, Tenant, DataSet], Any]) -> Callable[[Request], Response]:
        """Wrap ``handler`` with tenant lookup, Bearer auth, the rate limits and the ``scope`` check."""
        def run(request: Request) -> Response:
            tenant = self.tenants.get(request.params["tenant"].lower())
            if tenant is None:
                raise ApiError(404, "not_found", "Business not found.")
            raw = request.header("authorization") or ""
            token_text = raw[7:].strip() if raw.lower().startswith("bearer ") else ""
            token = TOKENS.get(token_text)
            if token is None or token.tenant != tenant.subdomain:
                # A token of another business is as invalid here as a made-up one.
                message = "Authentication credentials were not provided." if not token_text else "Invalid token."
                raise ApiError(401, "authentication_failed", message,
                               headers={"WWW-Authenticate": 'Bearer realm="api"'})
            limit_headers = self._count(token_text)
            if scope not in token.scopes:
                raise ApiError(403, "permission_denied", f"Token is missing required scope: {scope}",
                               {"required_scope": [scope]}, limit_headers)
            with self.lock:
                result = handler(request, tenant, tenant.data[Token.mode_of(token_text)])
            if isinstance(result, Response):
                result.headers.update(limit_headers)
                return result
            return Response.json(result, 200, limit_headers)
        return run

    def _count(self, token: str) -> dict[str, str]:
        """Record one request and return the X-RateLimit-* headers; raise 429 over either window.

        Windows run on wall-clock time (not the pinnable sandbox clock) so a pinned clock cannot
        freeze them; the headers describe the window with the fewest requests left.
        """
        now = wallclock.time()
        with self.lock:
            hits = [t for t in self.hits.get(token, []) if t > now - LIMITS[-1][1]]
            worst: tuple[int, int, float] | None = None  # (remaining, limit, reset)
            for limit, seconds in LIMITS:
                inside = [t for t in hits if t > now - seconds]
                reset = (inside[0] if inside else now) + seconds
                remaining = limit - len(inside)
                if worst is None or remaining < worst[0]:
                    worst = (remaining, limit, reset)
            assert worst is not None
            remaining, limit, reset = worst
            if remaining <= 0:
                self.hits[token] = hits
                headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": "0",
                           "X-RateLimit-Reset": str(int(reset) + 1),
                           "Retry-After": str(max(1, int(reset - now) + 1))}
                raise ApiError(429, "rate_limit_exceeded", "Request was throttled.", headers=headers)
            hits.append(now)
            self.hits[token] = hits
        return {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(remaining - 1),
                "X-RateLimit-Reset": str(int(reset) + 1)}

    # -- list machinery: filters, ordering, pages ----------------------------------------------

    def _filter(self, request: Request, rows: list[dict[str, Any]], numeric: tuple[str, ...],
                exact: dict[str, Callable[[str, str], Any]], ordering: tuple[str, ...]) -> list[dict[str, Any]]:
        for key, value in request.query:
            base, _, suffix = key.partition("__")
            op = f"__{suffix}" if suffix else ""
            if base in numeric and op in _COMPARE:
                wanted = _parse_int(value, key)
                rows = [r for r in rows if r[base] is not None and _COMPARE[op](r[base], wanted)]
            elif key in exact:
                wanted_value = exact[key](value, key)
                rows = [r for r in rows if r[key] == wanted_value]
        order = request.arg("ordering")
        if order:
            for field in reversed(order.split(",")):
                name = field.lstrip("-")
                if name in ordering:  # DRF's OrderingFilter ignores fields it does not allow
                    rows = sorted(rows, key=operator.itemgetter(name), reverse=field.startswith("-"))
        return rows

    def _page(self, request: Request, rows: list[dict[str, Any]]) -> dict[str, Any]:
        page = _parse_int(request.arg("page", "1"), "page")
        size = min(_parse_int(request.arg("page_size", str(PAGE_SIZE)), "page_size"), MAX_PAGE_SIZE)
        if page < 1 or size < 1 or (page > 1 and (page - 1) * size >= len(rows)):
            _not_found("Invalid page")

        def link(number: int) -> str:
            query = [(k, v) for k, v in request.query if k != "page"] + [("page", str(number))]
            return f"http://{request.header('host') or 'localhost'}/{self.name}{request.path}?{urlencode(query)}"

        return {"count": len(rows), "next": link(page + 1) if page * size < len(rows) else None,
                "previous": link(page - 1) if page > 1 else None,
                "results": rows[(page - 1) * size: page * size]}

    # -- serialisers ------------------------------------------------------------------------------

    def _booking(self, booking: Booking, zone: str) -> dict[str, Any]:
        return {"id": booking.id, "service_id": booking.service_id, "resource_id": booking.resource_id,
                "customer_id": booking.customer_id, "start_time": iso(booking.start_time),
                "end_time": iso(booking.end_time), "status": booking.status, "notes": booking.notes,
                "business_timezone": zone, "created_at": iso(booking.created_at),
                "updated_at": iso(booking.updated_at)}

    def _customer(self, customer: Customer) -> dict[str, Any]:
        return asdict(customer) | {"created_at": iso(customer.created_at)}

    # -- business, services, resources ----------------------------------------------------------

    def business(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        return {"id": tenant.id, "name": tenant.name, "subdomain": tenant.subdomain,
                "business_timezone": tenant.business_timezone, "currency": tenant.currency}

    def list_services(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        rows = [asdict(s) for s in data.services.values() if s.is_active]
        search = (request.arg("search") or "").lower()
        rows = [r for r in rows if search in r["name"].lower()]
        rows = self._filter(request, sorted(rows, key=lambda r: r["display_order"]), ("price", "duration"),
                            {"name": lambda v, _k: v, "variable_pricing": _parse_bool,
                             "requires_manual_scheduling": _parse_bool},
                            ("name", "price", "duration", "display_order"))
        return self._page(request, rows)

    def get_service(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        service = data.services.get(_parse_int(request.params["id"], "id"))
        if service is None or not service.is_active:
            _not_found("Service")
        return asdict(service)

    def list_resources(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        rows = [asdict(r) for r in data.resources.values()]
        rows = self._filter(request, rows, ("id",), {"type": lambda v, _k: v.upper(), "is_active": _parse_bool},
                            ("name", "id"))
        return self._page(request, rows)

    def get_resource(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        resource = data.resources.get(_parse_int(request.params["id"], "id"))
        if resource is None:
            _not_found("Resource")
        return asdict(resource)

    # -- availability --------------------------------------------------------------------------------

    def availability(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        if not request.arg("service_id"):
            errors["service_id"] = ["This field is required."]
        if not request.arg("date"):
            errors["date"] = ["This field is required."]
        if errors:
            _invalid(errors)
        service = data.services.get(_parse_int(request.arg("service_id"), "service_id"))
        if service is None or not service.is_active:
            _invalid({"service_id": ["Invalid service ID."]})
        first = _parse_date(request.arg("date") or "", "date")
        last = _parse_date(request.arg("end_date") or first.isoformat(), "end_date")
        if last < first or (last - first).days >= MAX_AVAILABILITY_DAYS:
            _invalid({"end_date": [f"Must be on or after date and within {MAX_AVAILABILITY_DAYS} days of it."]})
        resource_ids = service.resource_ids
        if request.arg("resource_id"):
            wanted = _parse_int(request.arg("resource_id"), "resource_id")
            if wanted not in resource_ids:
                _invalid({"resource_id": ["Invalid resource ID for this service."]})
            resource_ids = [wanted]
        slots = []
        if not service.requires_manual_scheduling:
            day = first
            while day <= last:
                for rid in resource_ids:
                    slots += [{"start_time": iso(start), "end_time": iso(start + timedelta(minutes=service.duration)),
                               "resource_id": rid, "resource_name": data.resources[rid].name}
                              for start in self._free_starts(tenant, data, service.duration, rid, day)]
                day += timedelta(days=1)
        slots.sort(key=lambda s: (s["start_time"], s["resource_id"]))
        return {"service_id": service.id, "business_timezone": tenant.business_timezone, "slots": slots}

    def _free_starts(self, tenant: Tenant, data: DataSet, minutes: int, rid: int, day: date) -> list[datetime]:
        if day.weekday() >= 5 or not data.resources[rid].is_active:
            return []
        opens = datetime.combine(day, OPEN, tenant.zone).astimezone(UTC)
        closes = datetime.combine(day, CLOSE, tenant.zone).astimezone(UTC)
        length, start, free = timedelta(minutes=minutes), opens, []
        while start + length <= closes:
            if start > self.now() and not self._clash(data, rid, start, start + length, None):
                free.append(start)
            start += timedelta(minutes=SLOT_STEP_MINUTES)
        return free

    def _clash(self, data: DataSet, rid: int, start: datetime, end: datetime, ignore: int | None) -> bool:
        return any(b.resource_id == rid and b.status != "CANCELLED" and b.id != ignore
                   and b.start_time < end and start < b.end_time for b in data.bookings.values())

    def _check_slot(self, tenant: Tenant, data: DataSet, service_id: int, rid: int, start: datetime,
                    ignore: int | None) -> datetime:
        """The end time of a bookable slot; 400 outside opening hours, 409 on a double booking."""
        service = data.services[service_id]
        end = start + timedelta(minutes=service.duration)
        local_start, local_end = start.astimezone(tenant.zone), end.astimezone(tenant.zone)
        if (local_start.weekday() >= 5 or local_start.time() < OPEN or local_end.time() > CLOSE
                or local_end.date() != local_start.date()):
            _invalid({"start_time": ["The business is closed at this time."]})
        if start <= self.now():
            _invalid({"start_time": ["Must be in the future."]})
        if self._clash(data, rid, start, end, ignore):
            # 409 `conflict` on a double booking is documented (seed 004); the other wordings are
            # guesses (sandboxes/README.md).
            raise ApiError(*self.worded("slot_taken", [
                (409, "conflict", "This time slot is already booked.",
                 {"start_time": ["This time slot is already booked."]}),
                (400, "validation_error", "Invalid request data",
                 {"start_time": ["The resource is not available at this time."]}),
                (409, "conflict", "Resource has a conflicting booking.", None),
            ]))
        return end

    # -- bookings -------------------------------------------------------------------------------------

    def list_bookings(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        bookings = list(data.bookings.values())
        if request.arg("start_date"):
            first = _parse_date(request.arg("start_date") or "", "start_date")
            bookings = [b for b in bookings if b.start_time.astimezone(tenant.zone).date() >= first]
        if request.arg("end_date"):
            last = _parse_date(request.arg("end_date") or "", "end_date")
            bookings = [b for b in bookings if b.start_time.astimezone(tenant.zone).date() <= last]
        if request.arg("start_datetime"):
            since = _parse_datetime(request.arg("start_datetime"), "start_datetime")
            bookings = [b for b in bookings if b.start_time >= since]
        if request.arg("end_datetime"):
            until = _parse_datetime(request.arg("end_datetime"), "end_datetime")
            bookings = [b for b in bookings if b.start_time <= until]
        status = request.arg("status")
        if status is not None and status.upper() not in BOOKING_STATUSES:
            _invalid({"status": [f"Select a valid choice. {status} is not one of the available choices."]})
        rows = [self._booking(b, tenant.business_timezone) for b in sorted(bookings, key=lambda b: b.id)]
        rows = self._filter(request, rows, ("id", "service_id", "customer_id", "resource_id"),
                            {"status": lambda v, _k: v.upper()},
                            ("start_time", "end_time", "created_at", "updated_at"))
        return self._page(request, rows)

    def get_booking(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        return self._booking(_by_id(request, data.bookings, "Booking"), tenant.business_timezone)

    def _body(self, request: Request) -> dict[str, Any]:
        try:
            body = request.json()
        except ValueError:
            raise ApiError(400, "parse_error", "Malformed JSON.") from None
        if not isinstance(body, dict):
            raise ApiError(400, "parse_error", "Expected a JSON object.")
        return body

    def create_booking(self, request: Request, tenant: Tenant, data: DataSet) -> Response:
        body = self._body(request)
        errors = {f: ["This field is required."] for f in ("service_id", "resource_id", "start_time")
                  if body.get(f) in (None, "")}
        if body.get("customer_id") is None and not isinstance(body.get("customer"), dict):
            errors["customer_id"] = ["Provide customer_id or customer."]
        if "service_id" not in errors and _parse_int(body["service_id"], "service_id") not in data.services:
            errors["service_id"] = ["Invalid service ID."]
        if errors:
            _invalid(errors)
        service = data.services[int(body["service_id"])]
        rid = _parse_int(body["resource_id"], "resource_id")
        if rid not in service.resource_ids:
            _invalid({"resource_id": ["Invalid resource ID for this service."]})
        if service.requires_manual_scheduling:
            _invalid({"service_id": ["This service requires manual scheduling."]})
        start = _parse_datetime(body["start_time"], "start_time")
        end = self._check_slot(tenant, data, service.id, rid, start, None)
        if body.get("customer_id") is not None:
            customer_id = _parse_int(body["customer_id"], "customer_id")
            if customer_id not in data.customers:
                _invalid({"customer_id": ["Invalid customer ID."]})
        else:
            customer_id = self._new_customer(data, body["customer"]).id
        now = self.now()
        booking = Booking(data.new_id(), service.id, rid, customer_id, start, end, "CONFIRMED",
                          str(body.get("notes") or ""), now, now)
        data.bookings[booking.id] = booking
        shown = self._booking(booking, tenant.business_timezone)
        notify(self.outbox, data, "booking.created", shown, now)
        return Response.json(shown, 201)

    def update_booking(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        booking = _by_id(request, data.bookings, "Booking")
        body = self._body(request)
        if booking.status == "CANCELLED":
            raise ApiError(409, "conflict", "A cancelled booking cannot be changed.")
        start = _parse_datetime(body["start_time"], "start_time") if "start_time" in body else booking.start_time
        rid = _parse_int(body["resource_id"], "resource_id") if "resource_id" in body else booking.resource_id
        if rid not in data.services[booking.service_id].resource_ids:
            _invalid({"resource_id": ["Invalid resource ID for this service."]})
        if start != booking.start_time or rid != booking.resource_id:
            booking.end_time = self._check_slot(tenant, data, booking.service_id, rid, start, booking.id)
            booking.start_time, booking.resource_id = start, rid
        if "status" in body:
            status = str(body["status"]).upper()
            if status not in ("SCHEDULED", "CONFIRMED", "COMPLETED"):
                _invalid({"status": ["Use the cancel endpoint to cancel; other values are not valid."]})
            booking.status = status
        if "notes" in body:
            booking.notes = str(body["notes"] or "")
        booking.updated_at = self.now()
        shown = self._booking(booking, tenant.business_timezone)
        notify(self.outbox, data, "booking.updated", shown, booking.updated_at)
        return shown

    def cancel_booking(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        booking = _by_id(request, data.bookings, "Booking")
        if booking.status == "CANCELLED":
            raise ApiError(409, "conflict", "This booking is already cancelled.")
        if booking.status == "COMPLETED":
            raise ApiError(409, "conflict", "A completed booking cannot be cancelled.")
        booking.status, booking.updated_at = "CANCELLED", self.now()
        shown = self._booking(booking, tenant.business_timezone)
        notify(self.outbox, data, "booking.cancelled", shown, booking.updated_at)
        return shown

    # -- customers ------------------------------------------------------------------------------------

    def list_customers(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        search = (request.arg("search") or "").lower()
        rows = [self._customer(c) for c in sorted(data.customers.values(), key=lambda c: c.id)
                if search in f"{c.first_name} {c.last_name} {c.email}".lower()]
        email = request.arg("email")
        if email is not None:  # e-mail addresses compare case-insensitively (iexact)
            rows = [r for r in rows if r["email"].lower() == email.lower()]
        rows = self._filter(request, rows, ("id",), {},
                            ("last_name", "first_name", "created_at", "id"))
        return self._page(request, rows)

    def _new_customer(self, data: DataSet, body: dict[str, Any]) -> Customer:
        errors = {f: ["This field is required."] for f in ("first_name", "last_name", "email") if not body.get(f)}
        email = str(body.get("email") or "").strip()
        if email and "@" not in email:
            errors["email"] = ["Enter a valid email address."]
        if email and any(c.email.lower() == email.lower() for c in data.customers.values()):
            errors["email"] = ["customer with this email already exists."]
        if errors:
            _invalid(errors)
        customer = Customer(data.new_id(), str(body["first_name"]), str(body["last_name"]), email,
                            str(body.get("phone") or ""), self.now())
        data.customers[customer.id] = customer
        return customer

    def create_customer(self, request: Request, tenant: Tenant, data: DataSet) -> Response:
        return Response.json(self._customer(self._new_customer(data, self._body(request))), 201)

    def get_customer(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        customer = data.customers.get(_parse_int(request.params["id"], "id"))
        if customer is None:
            _not_found("Customer")
        return self._customer(customer)

    def update_customer(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        customer = data.customers.get(_parse_int(request.params["id"], "id"))
        if customer is None:
            _not_found("Customer")
        body = self._body(request)
        for name in ("first_name", "last_name", "email", "phone"):
            if name in body:
                setattr(customer, name, str(body[name] or ""))
        return self._customer(customer)

    # -- webhooks (routes and event names are the sandbox's reading; README) ---------------------------

    def _webhook(self, hook: Webhook, with_secret: bool = False) -> dict[str, Any]:
        shown = asdict(hook) | {"created_at": iso(hook.created_at)}
        if not with_secret:
            shown.pop("secret")  # shown once, on creation
        return shown

    def _events(self, value: Any) -> list[str]:
        if not isinstance(value, list) or not value or any(e not in WEBHOOK_EVENTS for e in value):
            _invalid({"events": [f"A non-empty list of: {', '.join(WEBHOOK_EVENTS)}."]})
        return list(value)

    def list_webhooks(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        return self._page(request, [self._webhook(h) for h in data.webhooks.values()])

    def webhook_events(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        return {"events": list(WEBHOOK_EVENTS)}

    def create_webhook(self, request: Request, tenant: Tenant, data: DataSet) -> Response:
        body = self._body(request)
        url = str(body.get("url") or "")
        if not acceptable_url(url):
            _invalid({"url": ["Enter a valid https URL."]})
        hook = Webhook(data.new_id(), url, self._events(body.get("events")), bool(body.get("is_active", True)),
                       "whsec_" + secrets.token_hex(16), self.now())
        data.webhooks[hook.id] = hook
        return Response.json(self._webhook(hook, with_secret=True), 201)

    def get_webhook(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        return self._webhook(_by_id(request, data.webhooks, "Webhook"))

    def update_webhook(self, request: Request, tenant: Tenant, data: DataSet) -> dict[str, Any]:
        hook, body = _by_id(request, data.webhooks, "Webhook"), self._body(request)
        if "url" in body:
            if not acceptable_url(str(body["url"])):
                _invalid({"url": ["Enter a valid https URL."]})
            hook.url = str(body["url"])
        if "events" in body:
            hook.events = self._events(body["events"])
        if "is_active" in body:
            hook.is_active = bool(body["is_active"])
        return self._webhook(hook)

    def delete_webhook(self, request: Request, tenant: Tenant, data: DataSet) -> Response:
        data.webhooks.pop(_by_id(request, data.webhooks, "Webhook").id)
        return Response(204)
