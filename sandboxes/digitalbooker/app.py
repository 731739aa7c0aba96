"""DigitalBooker sandbox: the Public API (no auth) and the Admin API (HTTP Basic with an API key).

Paths are mounted under ``/{customer}/{lang}/api/public`` and ``/{customer}/{lang}/api/admin``,
as on white-label sites such as ``https://www.varaaheti.fi/groom/fi/api/public``. Every name the
seed document lost (and every Admin path) is a reconstruction listed in ``README.md``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NoReturn

from sandboxes.core import Request, Response, SandboxApp
from sandboxes.digitalbooker.seed import (
    CUSTOMER,
    VAT_RATE,
    ZONE,
    ZONE_NAME,
    ApiKey,
    Booking,
    Location,
    Names,
    Resource,
    Service,
    Store,
    User,
    View,
    build_store,
)
from sandboxes.digitalbooker.timecalc import (
    boundary_to_utc,
    candidate_slots,
    fits_windows,
    local_hhmm,
    local_stamp,
    local_to_utc,
    overlaps,
)

PUBLIC = "/{customer}/{lang}/api/public"
ADMIN = "/{customer}/{lang}/api/admin"
DEFAULT_LIMIT = 10  # small on purpose: the seed's 25 users span three pages
MAX_LIMIT = 100  # the seed documents a page size range of 1 to 100
MAX_RANGE_DAYS = 366

DEMO: dict[str, Any] = {
    "slot_taken_wordings": 3,  # ways this sandbox refuses a taken slot (POST /_sandbox/wording)
    # a refusal of a booking for another reason, in the provider's format (a /_sandbox/faults rule)
    "refusal_fault": {"path": "/api/admin/bookings$",
                       "method": "POST",
                       "status": 422,
                       "body": {"object": "error",
                                "code": "invalid_parameter",
                                "message": "The booking needs a confirmed e-mail address."}},
    "config": {
        "customer": CUSTOMER,
        "lang": "en",
        "locationId": "1",
        "locationUrlText": "helsinki",
        "viewUrlText": "palvelut",
        "timezone": ZONE_NAME,
    },
    "credentials": {"apiKeyId": "ak_demo_full", "apiKeyPassword": "sk_demo_full_secret"},
    "service_id": "3",
    "staff_id": "101",
    # The one provider request that makes a booking (fault rules aim at it in the tests): the
    # Admin API's POST /bookings, as the sandbox sees it (under /{customer}/{lang}).
    "booking_request": {"method": "POST", "path": "^/[^/]+/[^/]+/api/admin/bookings$"},
}

_WWW_AUTH = {"WWW-Authenticate": 'Basic realm="DigitalBooker Admin API"'}


class ApiError(Exception):
    """An error answered with DigitalBooker's error body (``code``, ``message``, ``errors``)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or code)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def response(self) -> Response:
        """Render as ``{"object":"error","code":…,"message":…,"errors":[{"param":…,"message":…}]}``."""
        body: dict[str, Any] = {"object": "error", "code": self.code}
        if self.message:
            body["message"] = self.message
        if self.errors:
            body["errors"] = self.errors
        return Response.json(body, self.status, self.headers)


def _invalid(param: str, message: str) -> NoReturn:
    raise ApiError(400, "invalid_parameter", "One or more parameters are missing or invalid.",
                   [{"param": param, "message": message}])


def _not_found(what: str) -> NoReturn:
    raise ApiError(404, "not_found", f"{what} not found.")


# -- value parsing (query strings and bodies; bodies may be JSON or form-encoded) -----------------

def _as_int(value: Any, param: str) -> int:
    if isinstance(value, bool):
        _invalid(param, "Must be an integer.")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    _invalid(param, "Must be an integer.")


def _as_date(value: Any, param: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        _invalid(param, "Must be a date in YYYY-MM-DD format.")


def _as_time(value: Any, param: str) -> time:
    text = str(value)
    try:
        parsed = time.fromisoformat(text)
    except ValueError:
        _invalid(param, "Must be a time in HH:mm format.")
    if len(text) < 5 or parsed.second or parsed.microsecond or parsed.tzinfo is not None:
        _invalid(param, "Must be a time in HH:mm format.")
    return parsed


def _as_minutes(value: Any, param: str) -> int:
    """A duration given as ``HH:mm`` (the seed's "time" type) or as whole minutes."""
    if isinstance(value, int) and not isinstance(value, bool):
        minutes = value
    elif isinstance(value, str) and ":" in value:
        parsed = _as_time(value, param)
        minutes = parsed.hour * 60 + parsed.minute
    else:
        minutes = _as_int(value, param)
    if minutes <= 0:
        _invalid(param, "Must be a positive duration.")
    return minutes


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _as_int_list(value: Any, param: str) -> list[int]:
    """Accept ``[1,2]``, ``"1,2"``, a single value, or a repeated form/query field."""
    if value is None:
        return []
    items: Iterable[Any]
    if isinstance(value, list):
        items = value
    elif isinstance(value, str):
        items = [part for part in value.split(",") if part.strip()]
    else:
        items = [value]
    return [_as_int(item, param) for item in items]


def _as_datetime(value: str, param: str) -> datetime:
    """``YYYY-MM-DD HH:mm:ss`` local (the sandbox's format) or ISO 8601 with an offset."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        _invalid(param, "Must be a datetime in YYYY-MM-DD HH:mm:ss format.")
    try:
        return parsed.replace(tzinfo=ZONE).astimezone(UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:  # outside years 1..9999 once in UTC: the same 400 as any unusable datetime
        _invalid(param, "Must be a datetime in YYYY-MM-DD HH:mm:ss format.")


def _query_list(request: Request, name: str) -> list[str]:
    """All values of ``name``, ``name[]`` in the query string."""
    return [v for k, v in request.query if k in (name, f"{name}[]")]


def _body(request: Request) -> dict[str, Any]:
    """Parse a request body: JSON whatever the Content-Type (the live site accepts that), else form fields."""
    if not request.body.strip():
        return {}
    try:
        data = request.json()
    except (ValueError, UnicodeDecodeError):
        pairs = request.form()
        if not pairs:
            raise ApiError(400, "invalid_request", "The request body could not be parsed.") from None
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key.endswith("[]"):
                out.setdefault(key[:-2], []).append(value)
            else:
                out[key] = value
        return out
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_request", "The request body must be an object.")
    return data


def _text(names: Names, lang: str) -> str:
    """Localised string, falling back to any defined localisation (as the seed documents)."""
    return names.get(lang) or names.get("fi") or next(iter(names.values()), "")


@dataclass
class _Ctx:
    lang: str
    key: ApiKey | None = None


_Handler = Callable[[Request, _Ctx], Response]


class DigitalBookerSandbox(SandboxApp):
    """Simulated DigitalBooker for one customer (``aptura-demo``) in Europe/Helsinki."""

    name = "digitalbooker"

    def __init__(self) -> None:
        self.store: Store = build_store()
        super().__init__()
        self._register_public()
        self._register_admin()

    # -- SandboxApp hooks ------------------------------------------------------------------------
    def reset(self) -> None:
        """Rebuild the deterministic seed state."""
        self.store = build_store()

    def admin_state(self) -> Any:
        """Bookings and users (rendered as the Admin API would) and deleted booking ids, for tests."""
        ordered = sorted(self.store.bookings.values(), key=lambda b: (self._span(b)[0], b.id))
        return {
            "bookings": [self._booking_obj(b, "en") for b in ordered],
            "deleted_booking_ids": sorted(self.store.deleted_bookings),
            "users": [self._user_obj(u) for u in sorted(self.store.users.values(), key=lambda u: u.id)
                      if not u.deleted],
            "now": self.now().isoformat(),
        }

    def not_found(self, request: Request) -> Response:
        return ApiError(404, "not_found", "Unknown API method.").response()

    def bad_request(self, message: str) -> Response:
        return ApiError(400, "invalid_request", message).response()

    # -- plumbing ------------------------------------------------------------------------------------
    def _wrap(self, handler: _Handler, privilege: str | None) -> Callable[[Request], Response]:
        """Resolve customer/lang, authenticate Admin calls, serialise state access, map errors."""

        def run(request: Request) -> Response:
            try:
                if request.params.get("customer", "").lower() != CUSTOMER:
                    raise ApiError(404, "not_found", "Unknown customer.")
                lang = request.params.get("lang", "").lower()
                if len(lang) != 2 or not lang.isalpha():
                    raise ApiError(404, "not_found", "Unknown language identifier.")
                ctx = _Ctx(lang)
                if privilege is not None:
                    ctx.key = self._authenticate(request)
                    if privilege not in ctx.key.privileges:
                        raise ApiError(403, "forbidden", "The API key does not have privilege for this method.")
                # One lock around every call: the server is threaded and create must be check-then-insert atomic.
                with self.lock:
                    return handler(request, ctx)
            except ApiError as exc:
                return exc.response()

        return run

    def _authenticate(self, request: Request) -> ApiKey:
        header = request.header("authorization") or ""
        if not header.lower().startswith("basic "):
            raise ApiError(401, "unauthorized", "Authentication required. Provide an API key with HTTP Basic auth.",
                           headers=_WWW_AUTH)
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise ApiError(401, "unauthorized", "Invalid API key.", headers=_WWW_AUTH) from None
        key_id, _, password = decoded.partition(":")
        key = self.store.api_keys.get(key_id)
        if key is None or not hmac.compare_digest(key.password.encode(), password.encode()):
            raise ApiError(401, "unauthorized", "Invalid API key.", headers=_WWW_AUTH)
        return key

    def _public_route(self, template: str, handler: _Handler) -> None:
        self.route("GET", PUBLIC + template, self._wrap(handler, None))

    def _admin_route(self, method: str, template: str, handler: _Handler, privilege: str) -> None:
        self.route(method, ADMIN + template, self._wrap(handler, privilege))

    def _register_public(self) -> None:
        view = "/locations/{location}/views/{view}"
        self._public_route("/locations", self._pub_locations)
        self._public_route("/locations/{location}", self._pub_location)
        self._public_route("/locations/{location}/views", self._pub_views)
        self._public_route(view, self._pub_view)
        self._public_route(view + "/service_categories", self._pub_categories)
        self._public_route(view + "/service_categories/{category_id}", self._pub_category)
        self._public_route(view + "/resources", self._pub_view_resources)
        self._public_route(view + "/classes/available", self._pub_classes_available)
        self._public_route(view + "/services/{service_id}/alternatives", self._pub_alternatives)
        self._public_route(view + "/services/{service_id}/resources", self._pub_service_resources)
        self._public_route(view + "/services/{service_id}/available", self._pub_available)

    def _register_admin(self) -> None:
        self._admin_route("GET", "/users", self._users_list, "users:read")
        self._admin_route("POST", "/users", self._users_create, "users:write")
        self._admin_route("GET", "/users/{user_id}", self._users_get, "users:read")
        self._admin_route("PUT", "/users/{user_id}", self._users_update, "users:write")
        self._admin_route("DELETE", "/users/{user_id}", self._users_delete, "users:write")
        self._admin_route("GET", "/bookings", self._bookings_list, "bookings:read")
        self._admin_route("POST", "/bookings", self._bookings_create, "bookings:write")
        self._admin_route("GET", "/bookings/deleted", self._bookings_deleted, "bookings:read")  # before /{booking_id}
        self._admin_route("GET", "/bookings/{booking_id}", self._bookings_get, "bookings:read")
        self._admin_route("PUT", "/bookings/{booking_id}", self._bookings_update, "bookings:write")
        self._admin_route("DELETE", "/bookings/{booking_id}", self._bookings_delete, "bookings:write")
        self._admin_route("GET", "/locations", self._adm_locations, "catalog:read")
        self._admin_route("GET", "/locations/{location_id}", self._adm_location, "catalog:read")
        self._admin_route("GET", "/resources", self._adm_resources, "catalog:read")
        self._admin_route("GET", "/resources/{resource_id}", self._adm_resource, "catalog:read")
        self._admin_route("GET", "/resource_categories", self._adm_resource_categories, "catalog:read")
        self._admin_route("GET", "/workers/{resource_id}/work_hours", self._adm_work_hours, "catalog:read")
        self._admin_route("GET", "/workers/{resource_id}/work_hours/{location_id}", self._adm_work_hours,
                          "catalog:read")
        self._admin_route("GET", "/services", self._adm_services, "catalog:read")
        self._admin_route("GET", "/services/{service_id}", self._adm_service, "catalog:read")
        self._admin_route("GET", "/class_types", self._adm_class_types, "catalog:read")
        self._admin_route("GET", "/class_types/{class_type_id}", self._adm_class_type, "catalog:read")

    # -- lookups -----------------------------------------------------------------------------------
    def _today(self) -> date:
        return self.now().astimezone(ZONE).date()

    def _location_by_url(self, url_text: str) -> Location:
        for loc in self.store.locations:
            if loc.url_text.lower() == url_text.lower():
                return loc
        _not_found("Location")

    def _location_by_id(self, location_id: int) -> Location | None:
        return next((loc for loc in self.store.locations if loc.id == location_id), None)

    def _view(self, request: Request) -> tuple[Location, View]:
        loc = self._location_by_url(request.params["location"])
        for view in loc.views:
            if view.url_text.lower() == request.params["view"].lower():
                return loc, view
        _not_found("View")

    def _service(self, service_id: int) -> Service | None:
        return next((s for s in self.store.services if s.id == service_id), None)

    def _resource(self, resource_id: int) -> Resource | None:
        return next((r for r in self.store.resources if r.id == resource_id), None)

    def _view_service(self, request: Request) -> tuple[Location, View, Service]:
        loc, view = self._view(request)
        service_id = _as_int(request.params["service_id"], "service_id")
        service = self._service(service_id)
        if service is None or service_id not in view.service_ids:
            _not_found("Service")
        return loc, view, service

    def _works_at(self, resource_id: int, location_id: int) -> bool:
        return (resource_id, location_id) in self.store.work_hours

    def _windows(self, resource_id: int, location_id: int, day: date) -> list[tuple[time, time]]:
        return self.store.work_hours.get((resource_id, location_id), {}).get(day.weekday(), [])

    def _span(self, booking: Booking) -> tuple[datetime, datetime]:
        # Stored bookings never sit in a DST gap (validated on write); boundary_to_utc is only a fallback.
        start = local_to_utc(booking.date, booking.start, ZONE) or boundary_to_utc(booking.date, booking.start, ZONE)
        return start, start + timedelta(minutes=booking.duration)

    def _busy(self, exclude: int | None = None) -> dict[int, list[tuple[datetime, datetime]]]:
        busy: dict[int, list[tuple[datetime, datetime]]] = {}
        for booking in self.store.bookings.values():
            if booking.id == exclude:
                continue
            span = self._span(booking)
            for rid in booking.resource_ids:
                busy.setdefault(rid, []).append(span)
        return busy

    # -- renderers --------------------------------------------------------------------------------
    @staticmethod
    def _list(data: list[Any], has_more: bool = False, total: int | None = None) -> dict[str, Any]:
        return {"object": "list", "data": data, "has_more": has_more,
                "total_count": len(data) if total is None else total}

    def _paginate(self, request: Request, items: list[Any], ident: Callable[[Any], int],
                  render: Callable[[Any], Any]) -> Response:
        """Cursor pagination: ``limit`` (1-100) plus ``starting_after`` (an id) or ``offset``/``cursor`` (an index)."""
        raw_limit = request.arg("limit")
        limit = DEFAULT_LIMIT if raw_limit in (None, "") else _as_int(raw_limit, "limit")
        if not 1 <= limit <= MAX_LIMIT:
            _invalid("limit", f"Must be between 1 and {MAX_LIMIT}.")
        after = request.arg("starting_after")
        index = request.arg("offset") if request.arg("offset") is not None else request.arg("cursor")
        if after not in (None, "") and index not in (None, ""):
            _invalid("starting_after", "Use either starting_after or offset, not both.")
        start = 0
        if after not in (None, ""):
            after_id = _as_int(after, "starting_after")
            positions = [i for i, item in enumerate(items) if ident(item) == after_id]
            if not positions:
                _invalid("starting_after", f"No object with id {after_id} in this list.")
            start = positions[0] + 1
        elif index not in (None, ""):
            start = _as_int(index, "offset")
            if start < 0:
                _invalid("offset", "Must be zero or greater.")
        page = items[start:start + limit]
        return Response.json(self._list([render(x) for x in page], start + limit < len(items), len(items)))

    @staticmethod
    def _description(names: Names, lang: str) -> dict[str, Any]:
        return {"object": "description", "text": _text(names, lang), "icons": []}

    def _view_obj(self, view: View, lang: str) -> dict[str, Any]:
        return {
            "object": "view", "id": view.id, "type": view.type, "name": _text(view.names, lang),
            "url_text": view.url_text, "days": view.days,
            "select_worker": {"anyone": True, "select_yourself": True},
            "worker_title": _text({"en": "Stylist", "fi": "Kampaaja"}, lang),
            "has_extra_info": False, "has_week_browser": True, "display_worker_images": False,
        }

    def _location_obj(self, loc: Location, lang: str, public: bool, external: bool = False) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "object": "location", "id": loc.id, "name": _text(loc.names, lang), "url_text": loc.url_text,
            "address": loc.address, "zip": loc.zip, "city": loc.city, "country": loc.country, "phone": loc.phone,
            "business_hours": bool(loc.business_hours), "lat": loc.lat, "lng": loc.lng,
        }
        if public:
            obj["views"] = [self._view_obj(v, lang) for v in loc.views]
        else:
            obj.update({"in_calendar": True, "public": True, "in_menu": True})
            if external:
                obj["external_id"] = loc.external_id
        return obj

    def _service_obj(self, service: Service, lang: str) -> dict[str, Any]:
        return {
            "object": "service", "id": service.id, "name": _text(service.names, lang),
            "description": self._description(service.description, lang), "extra_services": [],
            "durations": [f"{service.duration // 60:02d}:{service.duration % 60:02d}"],
        }

    def _resource_obj(self, res: Resource, lang: str, admin: bool = False, external: bool = False) -> dict[str, Any]:
        obj: dict[str, Any] = {
            "object": "resource", "id": res.id, "type": res.type, "name": _text(res.names, lang),
            "description": self._description(res.description, lang),
        }
        if res.image_url:
            obj["image_url"] = res.image_url
        if admin:
            obj["category_id"] = res.category_id
            obj["time_bookable"] = res.time_bookable
            if external:
                obj["external_id"] = res.external_id
        return obj

    @staticmethod
    def _user_obj(user: User) -> dict[str, Any]:
        obj: dict[str, Any] = {"object": "user", "id": user.id, "name": f"{user.first_name} {user.last_name}",
                               "email": user.email, "type": user.type}
        for field_name in ("phone", "address", "zip", "city", "birth_year", "gender"):
            value = getattr(user, field_name)
            if value is not None:  # the seed marks these "If set"
                obj[field_name] = value
        return obj

    def _booking_obj(self, booking: Booking, lang: str) -> dict[str, Any]:
        _, end = self._span(booking)
        service = self._service(booking.service_id) if booking.service_id is not None else None
        if service is not None:
            title = _text(service.names, lang)
        else:
            title = ", ".join(_text(r.names, lang) for rid in booking.resource_ids if (r := self._resource(rid)))
        obj: dict[str, Any] = {
            "object": "booking", "id": booking.id, "type": booking.type, "title": title,
            "location_id": booking.location_id, "date": booking.date.isoformat(),
            "from": booking.start.strftime("%H:%M"), "to": local_hhmm(end, ZONE),
        }
        if booking.service_id is not None:
            obj["service_id"] = booking.service_id
        obj["resource_ids"] = list(booking.resource_ids)
        if booking.price is not None:
            obj["price"] = booking.price
            obj["tax"] = round(booking.price - booking.price / (1 + VAT_RATE), 2)
        obj["paid"] = False
        user = self.store.users.get(booking.user_id)
        if user is not None:
            obj["user"] = self._user_obj(user)
        if booking.notes:
            obj["notes"] = booking.notes
        obj["confirmed"] = booking.confirmed
        obj["ui"] = booking.ui
        obj["created"] = local_stamp(booking.created, ZONE)
        if booking.modified is not None:
            obj["modified"] = local_stamp(booking.modified, ZONE)
        if booking.extra_info:
            obj["extra_info"] = booking.extra_info
        return obj

    # -- Public API ---------------------------------------------------------------------------------
    def _pub_locations(self, request: Request, ctx: _Ctx) -> Response:
        return Response.json(self._list([self._location_obj(loc, ctx.lang, True) for loc in self.store.locations]))

    def _pub_location(self, request: Request, ctx: _Ctx) -> Response:
        # ``extend`` is accepted; views are always embedded already.
        return Response.json(self._location_obj(self._location_by_url(request.params["location"]), ctx.lang, True))

    def _pub_views(self, request: Request, ctx: _Ctx) -> Response:
        loc = self._location_by_url(request.params["location"])
        return Response.json(self._list([self._view_obj(v, ctx.lang) for v in loc.views]))

    def _pub_view(self, request: Request, ctx: _Ctx) -> Response:
        return Response.json(self._view_obj(self._view(request)[1], ctx.lang))

    def _pub_categories(self, request: Request, ctx: _Ctx) -> Response:
        _, view = self._view(request)
        data = [{"object": "service_category", "id": c.id, "name": _text(c.names, ctx.lang)}
                for c in self.store.service_categories if set(c.service_ids) & set(view.service_ids)]
        return Response.json(self._list(data))

    def _pub_category(self, request: Request, ctx: _Ctx) -> Response:
        _, view = self._view(request)
        category_id = _as_int(request.params["category_id"], "category_id")
        for cat in self.store.service_categories:
            if cat.id == category_id and set(cat.service_ids) & set(view.service_ids):
                services = [self._service_obj(s, ctx.lang) for sid in cat.service_ids
                            if sid in view.service_ids and (s := self._service(sid))]
                return Response.json({"object": "service_category", "id": cat.id,
                                      "name": _text(cat.names, ctx.lang), "services": services})
        _not_found("Service category")

    def _pub_view_resources(self, request: Request, ctx: _Ctx) -> Response:
        loc, _ = self._view(request)
        data = [self._resource_obj(r, ctx.lang) for r in self.store.resources if self._works_at(r.id, loc.id)]
        return Response.json(self._list(data))

    def _pub_classes_available(self, request: Request, ctx: _Ctx) -> Response:
        self._view(request)
        # No classes are seeded; live responses key ``data`` by date, so an empty object.
        return Response.json({"object": "list", "data": {}, "has_more": False, "total_count": 0})

    def _pub_alternatives(self, request: Request, ctx: _Ctx) -> Response:
        self._view_service(request)
        return Response.json(self._list([]))

    def _service_workers(self, service: Service, location_id: int) -> list[int]:
        return [rid for rid in service.resource_ids if self._works_at(rid, location_id)]

    def _pub_service_resources(self, request: Request, ctx: _Ctx) -> Response:
        loc, _, service = self._view_service(request)
        data = [self._resource_obj(r, ctx.lang) for rid in self._service_workers(service, loc.id)
                if (r := self._resource(rid))]
        return Response.json(self._list(data))

    def _pub_available(self, request: Request, ctx: _Ctx) -> Response:
        loc, view, service = self._view_service(request)
        workers = self._service_workers(service, loc.id)
        worker_id = _as_int(request.arg("worker_id") or "0", "worker_id")
        if worker_id:  # 0 or absent = any worker
            if worker_id not in workers:
                _invalid("worker_id", "The worker does not perform this service at this location.")
            workers = [worker_id]
        raw_duration = request.arg("duration")
        if raw_duration not in (None, "") and _as_minutes(raw_duration, "duration") != service.duration:
            _invalid("duration", "Not a duration of this service.")
        raw_date = request.arg("date")
        day = self._today() if raw_date in (None, "") else _as_date(raw_date, "date")
        date_range = (request.arg("date_range") or "").lower()
        if date_range in ("", "day"):
            days = [day]
        elif date_range == "week":
            monday = day - timedelta(days=day.weekday())
            days = [monday + timedelta(days=i) for i in range(7)]
        else:
            _invalid("date_range", "Must be 'day' or 'week'.")
        busy = self._busy()
        data = [{"date": d.isoformat(), "available": self._day_slots(loc, view, service, workers, d, busy)}
                for d in days]
        body: dict[str, Any] = {"object": "list", "data": data, "has_more": False, "total_count": len(data)}
        if _as_bool(request.arg("search_next_date") or "") and not any(entry["available"] for entry in data):
            body["next_date"] = self._next_date(loc, view, service, workers, days[-1] + timedelta(days=1), busy)
        return Response.json(body)

    def _next_date(self, loc: Location, view: View, service: Service, workers: list[int], start: date,
                   busy: dict[int, list[tuple[datetime, datetime]]]) -> str | None:
        last = self._today() + timedelta(days=view.days)
        day = max(start, self._today())
        while day <= last:
            if self._day_slots(loc, view, service, workers, day, busy):
                return day.isoformat()
            day += timedelta(days=1)
        return None

    def _day_slots(self, loc: Location, view: View, service: Service, workers: list[int], day: date,
                   busy: dict[int, list[tuple[datetime, datetime]]]) -> list[dict[str, Any]]:
        """Work hours minus bookings, on the service's grid, merged across workers (``resources``)."""
        now = self.now()
        if day > self._today() + timedelta(days=view.days):
            return []
        merged: dict[datetime, dict[str, Any]] = {}
        for wid in workers:
            for slot in candidate_slots(day, self._windows(wid, loc.id, day), service.duration, service.interval,
                                        ZONE):
                if slot.start < now:
                    continue
                if any(overlaps(slot.start, slot.end, b0, b1) for b0, b1 in busy.get(wid, [])):
                    continue
                entry = merged.setdefault(slot.start, {
                    "from": slot.local_start.strftime("%H:%M"), "to": local_hhmm(slot.end, ZONE),
                    "resources": [], "price": service.price, "normal_price": service.price,
                })
                entry["resources"].append(wid)
        return [merged[k] for k in sorted(merged)]

    # -- Admin: users ---------------------------------------------------------------------------------
    def _user(self, raw_id: str) -> User:
        user_id = _as_int(raw_id, "id") if raw_id.isdigit() else -1
        user = self.store.users.get(user_id)
        if user is None or user.deleted:
            _not_found("User")
        return user

    def _users_list(self, request: Request, ctx: _Ctx) -> Response:
        users = [u for u in sorted(self.store.users.values(), key=lambda u: u.id)
                 if not u.deleted and u.type != "temporary"]
        group = request.arg("group_id")
        if group not in (None, ""):
            group_id = _as_int(group, "group_id")
            users = [u for u in users if group_id in u.group_ids]
        email = request.arg("email")
        if email not in (None, ""):
            users = [u for u in users if u.email.lower() == email.strip().lower()]
        return self._paginate(request, users, lambda u: u.id, self._user_obj)

    def _user_fields(self, body: dict[str, Any], user: User | None) -> dict[str, Any]:
        """Validate create/update fields; first and last name are required on both, per the seed."""
        errors: list[dict[str, str]] = []
        fields: dict[str, Any] = {}
        for name in ("first_name", "last_name"):
            value = body.get(name)
            if not isinstance(value, str) or not value.strip():
                errors.append({"param": name, "message": "Required."})
            else:
                fields[name] = value.strip()
        if "email" in body and body["email"] not in (None, ""):
            email = str(body["email"]).strip()
            if "@" not in email or email.startswith("@") or email.endswith("@"):
                errors.append({"param": "email", "message": "Not a valid email address."})
            elif any(u.email.lower() == email.lower() and not u.deleted and u is not user
                     for u in self.store.users.values()):
                errors.append({"param": "email", "message": "A user with this email address already exists."})
            fields["email"] = email
        for name in ("phone", "address", "zip", "city", "gender", "type"):
            if name in body:
                fields[name] = None if body[name] in (None, "") else str(body[name])
        if body.get("birth_year") not in (None, ""):
            try:
                year = _as_int(body["birth_year"], "birth_year")
            except ApiError:
                year = 0
            if not 1900 <= year <= self._today().year:
                errors.append({"param": "birth_year", "message": "Must be a four-digit year."})
            fields["birth_year"] = year
        if errors:
            raise ApiError(400, "invalid_parameter", "One or more parameters are missing or invalid.", errors)
        return fields

    def _users_create(self, request: Request, ctx: _Ctx) -> Response:
        body = _body(request)
        fields = self._user_fields(body, None)
        consent_keys = ("allow_transactional_email", "allow_marketing_email", "allow_transactional_sms",
                        "allow_marketing_sms")
        consents: dict[str, int] = {k: int(_as_bool(body[k])) for k in consent_keys if k in body}
        user = User(id=self.store.next_user_id, first_name=fields.pop("first_name"),
                    last_name=fields.pop("last_name"), email=fields.pop("email", ""), consents=consents)
        for name, value in fields.items():
            if name == "type":
                user.type = value or "customer"
            else:
                setattr(user, name, value)
        self.store.users[user.id] = user
        self.store.next_user_id += 1
        return Response.json(self._user_obj(user))

    def _users_get(self, request: Request, ctx: _Ctx) -> Response:
        return Response.json(self._user_obj(self._user(request.params["user_id"])))

    def _users_update(self, request: Request, ctx: _Ctx) -> Response:
        user = self._user(request.params["user_id"])
        fields = self._user_fields(_body(request), user)
        for name, value in fields.items():
            if name == "type":
                user.type = value or user.type
            elif name == "email":
                user.email = value
            else:
                setattr(user, name, value)
        return Response.json(self._user_obj(user))

    def _users_delete(self, request: Request, ctx: _Ctx) -> Response:
        user = self._user(request.params["user_id"])
        user.deleted = True
        return Response.json({"object": "user", "id": user.id, "deleted": True})

    # -- Admin: bookings --------------------------------------------------------------------------------
    def _booking(self, raw_id: str) -> Booking:
        booking = self.store.bookings.get(int(raw_id)) if raw_id.isdigit() else None
        if booking is None:
            _not_found("Booking")
        return booking

    def _date_window(self, request: Request, default_today: bool) -> tuple[date | None, date | None]:
        """``date`` or ``from_date``/``to_date`` (either end open); today when all are omitted."""
        raw_day, raw_from, raw_to = request.arg("date"), request.arg("from_date"), request.arg("to_date")
        if raw_day not in (None, ""):
            day = _as_date(raw_day, "date")
            return day, day
        lo = _as_date(raw_from, "from_date") if raw_from not in (None, "") else None
        hi = _as_date(raw_to, "to_date") if raw_to not in (None, "") else None
        if lo and hi and lo > hi:
            _invalid("to_date", "Must not be before from_date.")
        if lo is None and hi is None and default_today:
            return self._today(), self._today()
        return lo, hi

    def _bookings_list(self, request: Request, ctx: _Ctx) -> Response:
        changed = request.arg("changed_since")
        # A sync by changed_since is not limited to today unless dates are given explicitly.
        lo, hi = self._date_window(request, default_today=changed in (None, ""))
        items = list(self.store.bookings.values())
        if lo is not None:
            items = [b for b in items if b.date >= lo]
        if hi is not None:
            items = [b for b in items if b.date <= hi]
        if request.arg("location_id") not in (None, ""):
            location_id = _as_int(request.arg("location_id"), "location_id")
            items = [b for b in items if b.location_id == location_id]
        wanted = [rid for raw in _query_list(request, "resource_ids") for rid in _as_int_list(raw, "resource_ids")]
        if wanted:
            items = [b for b in items if set(b.resource_ids) & set(wanted)]
        if changed not in (None, ""):
            since = _as_datetime(changed, "changed_since")
            items = [b for b in items if (b.modified or b.created) >= since]
        if _as_bool(request.arg("confirmed") or ""):
            items = [b for b in items if b.confirmed]
        items.sort(key=lambda b: (self._span(b)[0], b.id))
        return self._paginate(request, items, lambda b: b.id, lambda b: self._booking_obj(b, ctx.lang))

    def _bookings_deleted(self, request: Request, ctx: _Ctx) -> Response:
        lo, hi = self._date_window(request, default_today=True)
        rows = sorted(self.store.deleted_bookings.items(), key=lambda kv: (kv[1], kv[0]))
        ids = [bid for bid, at in rows
               if (lo is None or at.astimezone(ZONE).date() >= lo) and (hi is None or at.astimezone(ZONE).date() <= hi)]
        return self._paginate(request, ids, lambda bid: bid, lambda bid: bid)

    def _bookings_get(self, request: Request, ctx: _Ctx) -> Response:
        raw_id = request.params["booking_id"]
        removed = self.store.removed_bookings.get(int(raw_id)) if raw_id.isdigit() else None
        if removed is not None:
            # Stripe-style: a deleted object is still retrievable and says so (``deleted: true``).
            return Response.json({**self._booking_obj(removed, ctx.lang), "deleted": True})
        return Response.json(self._booking_obj(self._booking(raw_id), ctx.lang))

    def _check_time(self, location_id: int, day: date, start: time, duration: int, resource_ids: list[int],
                    exclude: int | None) -> None:
        """Refuse DST-gap times, past times, times outside work hours and overlaps (409)."""
        begin = local_to_utc(day, start, ZONE)
        if begin is None:
            _invalid("from", "This local time does not exist on that date (daylight saving time change).")
        if begin < self.now():
            _invalid("from", "The booking time is in the past.")
        end = begin + timedelta(minutes=duration)
        for rid in resource_ids:
            if not fits_windows(day, self._windows(rid, location_id, day), begin, end, ZONE):
                raise ApiError(409, "time_not_available",
                               f"Resource {rid} is not available at the given time.")
        busy = self._busy(exclude)
        for rid in resource_ids:
            if any(overlaps(begin, end, b0, b1) for b0, b1 in busy.get(rid, [])):
                # DigitalBooker documents a code, a message and a list of errors, not these words
                # (sandboxes/README.md: guesses).
                raise ApiError(*self.worded("slot_taken", [
                    (409, "booking_conflict", f"The given time overlaps an existing booking of resource {rid}."),
                    (422, "invalid_parameter", "The request has invalid parameters.",
                     [{"param": "from", "message": "The selected time is already reserved."}]),
                    (400, "reservation_failed", f"Resource {rid} cannot be reserved at the given time."),
                ]))

    def _booking_fields(self, body: dict[str, Any], current: Booking | None) -> dict[str, Any]:
        """Validate create (``current`` None) or update fields into a dict of Booking attributes."""
        errors: list[dict[str, str]] = []
        out: dict[str, Any] = {}

        def take(param: str, parse: Callable[[Any, str], Any], required: bool) -> None:
            if param not in body or body[param] in (None, "", []):
                if required and current is None:
                    errors.append({"param": param, "message": "Required."})
                elif param in body and current is not None and param == "resource_ids":
                    errors.append({"param": param, "message": "A booking must keep at least one resource."})
                return
            try:
                out[param] = parse(body[param], param)
            except ApiError as exc:
                errors.extend(exc.errors or [])

        kind = current.type if current is not None else str(body.get("type") or "service")
        if kind not in ("service", "resource"):
            errors.append({"param": "type", "message": "Must be 'service' or 'resource'."})
        take("location_id", _as_int, True)
        take("date", _as_date, True)
        take("from", _as_time, True)
        take("resource_ids", _as_int_list, True)
        take("user_id", _as_int, True)
        take("service_id", _as_int, kind == "service")
        take("duration", _as_minutes, kind == "resource")
        if "notes" in body:
            out["notes"] = None if body["notes"] in (None, "") else str(body["notes"])
        if "confirmed" in body:
            out["confirmed"] = _as_bool(body["confirmed"])
        if "extra_info" in body:
            if body["extra_info"] is not None and not isinstance(body["extra_info"], dict):
                errors.append({"param": "extra_info", "message": "Must be an object."})
            else:
                out["extra_info"] = body["extra_info"]
        for param in ("extra_service_ids", "alternative_ids"):
            if _as_int_list(body.get(param), param):
                errors.append({"param": param, "message": "This service has no extra services or alternatives."})
        if errors:
            raise ApiError(400, "invalid_parameter", "One or more parameters are missing or invalid.", errors)

        location_id = out.get("location_id", current.location_id if current else 0)
        if self._location_by_id(location_id) is None:
            errors.append({"param": "location_id", "message": "No such location."})
        if "user_id" in out:
            user = self.store.users.get(out["user_id"])
            if user is None or user.deleted:
                errors.append({"param": "user_id", "message": "No such user."})
        resource_ids = out.get("resource_ids", current.resource_ids if current else [])
        for rid in resource_ids:
            if self._resource(rid) is None:
                errors.append({"param": "resource_ids", "message": f"No such resource: {rid}."})
        if kind == "service":
            service_id = out.get("service_id", current.service_id if current else None)
            service = self._service(service_id) if service_id is not None else None
            loc = self._location_by_id(location_id)
            if service is None or (loc and not any(service.id in v.service_ids for v in loc.views)):
                errors.append({"param": "service_id", "message": "No such service at this location."})
            else:
                out["duration"] = service.duration
                out["price"] = service.price
                for rid in resource_ids:
                    res = self._resource(rid)
                    if res is not None and res.type == "worker" and rid not in service.resource_ids:
                        errors.append({"param": "resource_ids",
                                       "message": f"Resource {rid} does not perform this service."})
        else:
            for rid in resource_ids:
                res = self._resource(rid)
                if res is not None and not res.time_bookable:
                    errors.append({"param": "resource_ids",
                                   "message": f"Resource {rid} does not accept time bookings."})
        if errors:
            raise ApiError(400, "invalid_parameter", "One or more parameters are missing or invalid.", errors)
        out["type"] = kind
        return out

    def _bookings_create(self, request: Request, ctx: _Ctx) -> Response:
        fields = self._booking_fields(_body(request), None)
        self._check_time(fields["location_id"], fields["date"], fields["from"], fields["duration"],
                         fields["resource_ids"], None)
        booking = Booking(
            id=self.store.next_booking_id, type=fields["type"], location_id=fields["location_id"],
            date=fields["date"], start=fields["from"], duration=fields["duration"],
            resource_ids=fields["resource_ids"], user_id=fields["user_id"], service_id=fields.get("service_id"),
            price=fields.get("price"), created=self.now().astimezone(UTC), notes=fields.get("notes"),
            confirmed=fields.get("confirmed", True), ui=1, extra_info=fields.get("extra_info"),
        )
        self.store.bookings[booking.id] = booking
        self.store.next_booking_id += 1
        return Response.json(self._booking_obj(booking, ctx.lang))

    def _bookings_update(self, request: Request, ctx: _Ctx) -> Response:
        booking = self._booking(request.params["booking_id"])
        body = _body(request)
        fields = self._booking_fields(body, booking)
        timing = ("location_id", "date", "from", "resource_ids", "service_id", "duration")
        if any(name in body for name in timing):
            self._check_time(fields.get("location_id", booking.location_id), fields.get("date", booking.date),
                             fields.get("from", booking.start), fields.get("duration", booking.duration),
                             fields.get("resource_ids", booking.resource_ids), booking.id)
        for name, value in fields.items():
            setattr(booking, "start" if name == "from" else name, value)
        booking.modified = self.now().astimezone(UTC)
        return Response.json(self._booking_obj(booking, ctx.lang))

    def _bookings_delete(self, request: Request, ctx: _Ctx) -> Response:
        booking = self._booking(request.params["booking_id"])
        del self.store.bookings[booking.id]
        self.store.removed_bookings[booking.id] = booking
        self.store.deleted_bookings[booking.id] = self.now().astimezone(UTC)
        return Response.json({"object": "booking", "id": booking.id, "deleted": True})

    # -- Admin: catalogue ----------------------------------------------------------------------------
    def _adm_locations(self, request: Request, ctx: _Ctx) -> Response:
        external = _as_bool(request.arg("include_external_ids") or "")
        return self._paginate(request, self.store.locations, lambda loc: loc.id,
                              lambda loc: self._location_obj(loc, ctx.lang, False, external))

    def _adm_location(self, request: Request, ctx: _Ctx) -> Response:
        loc = self._location_by_id(_as_int(request.params["location_id"], "id"))
        if loc is None:
            _not_found("Location")
        external = _as_bool(request.arg("include_external_ids") or "")
        return Response.json(self._location_obj(loc, ctx.lang, False, external))

    def _adm_resources(self, request: Request, ctx: _Ctx) -> Response:
        items = list(self.store.resources)
        if request.arg("type"):
            items = [r for r in items if r.type == request.arg("type")]
        if request.arg("category_id") not in (None, ""):
            category_id = _as_int(request.arg("category_id"), "category_id")
            items = [r for r in items if r.category_id == category_id]
        if request.arg("location_id") not in (None, ""):
            location_id = _as_int(request.arg("location_id"), "location_id")
            items = [r for r in items if self._works_at(r.id, location_id)]
        external = _as_bool(request.arg("include_external_ids") or "")
        return self._paginate(request, items, lambda r: r.id,
                              lambda r: self._resource_obj(r, ctx.lang, True, external))

    def _adm_resource(self, request: Request, ctx: _Ctx) -> Response:
        res = self._resource(_as_int(request.params["resource_id"], "id"))
        if res is None:
            _not_found("Resource")
        external = _as_bool(request.arg("include_external_ids") or "")
        return Response.json(self._resource_obj(res, ctx.lang, True, external))

    def _adm_resource_categories(self, request: Request, ctx: _Ctx) -> Response:
        return self._paginate(request, self.store.resource_categories, lambda c: c.id,
                              lambda c: {"object": "resource_category", "id": c.id, "name": _text(c.names, ctx.lang),
                                         "type": c.type})

    def _adm_work_hours(self, request: Request, ctx: _Ctx) -> Response:
        res = self._resource(_as_int(request.params["resource_id"], "id"))
        if res is None or res.type != "worker":
            _not_found("Worker")
        only = request.params.get("location_id")
        location_ids = sorted(lid for rid, lid in self.store.work_hours if rid == res.id)
        if only is not None:
            wanted = _as_int(only, "location_id")
            if self._location_by_id(wanted) is None:
                _not_found("Location")
            location_ids = [lid for lid in location_ids if lid == wanted]
        lo, hi = self._date_window(request, default_today=True)
        lo = lo or hi or self._today()
        hi = hi or lo
        if (hi - lo).days >= MAX_RANGE_DAYS:
            _invalid("to_date", f"The date range may span at most {MAX_RANGE_DAYS} days.")
        data = []
        day = lo
        while day <= hi:
            for lid in location_ids:
                for open_at, close_at in self._windows(res.id, lid, day):
                    data.append({"object": "work_hours", "resource_id": res.id, "location_id": lid,
                                 "date": day.isoformat(), "from": open_at.strftime("%H:%M"),
                                 "to": close_at.strftime("%H:%M")})
            day += timedelta(days=1)
        return Response.json(self._list(data))

    def _adm_services(self, request: Request, ctx: _Ctx) -> Response:
        return self._paginate(request, self.store.services, lambda s: s.id,
                              lambda s: self._service_obj(s, ctx.lang))

    def _adm_service(self, request: Request, ctx: _Ctx) -> Response:
        service = self._service(_as_int(request.params["service_id"], "id"))
        if service is None:
            _not_found("Service")
        return Response.json(self._service_obj(service, ctx.lang))

    def _adm_class_types(self, request: Request, ctx: _Ctx) -> Response:
        return self._paginate(request, [], lambda c: 0, lambda c: c)

    def _adm_class_type(self, request: Request, ctx: _Ctx) -> Response:
        _not_found("Class type")
