"""SuperSaaS sandbox: the Appointment, Information and User APIs of one demo account.

Mounted at ``/supersaas`` by the shared server, so the provider host is ``<server>/supersaas``
and every real path (``/api/free/300101.json`` ...) follows it. Behaviour follows
``reference/providers/supersaas.md`` and seed 001; choices where the docs are silent are listed
in this package's README.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from sandboxes.core import Request, Response, SandboxApp
from sandboxes.supersaas import seed
from sandboxes.supersaas.availability import (
    ceil_minutes,
    fmt,
    overlaps,
    parse_time,
    resource_free_spaces,
    slot_by_id,
    slots_between,
    to_instant,
    to_local,
    utc_naive,
    within_opening_hours,
)
from sandboxes.supersaas.seed import Booking, Resource, Schedule, User
from sandboxes.supersaas.webhooks import Hooks

DEMO: dict[str, Any] = {
    "slot_taken_wordings": 3,  # ways this sandbox refuses a taken slot (POST /_sandbox/wording)
    # a refusal of a booking for another reason, in the provider's format (a /_sandbox/faults rule)
    "refusal_fault": {"path": "/api/bookings.json$",
                       "method": "POST",
                       "status": 422,
                       "body": {"errors": [{"status": "422",
                                            "code": "invalid",
                                            "title": "Bookings are closed for this schedule."}]}},
    # Keys equal the connection fields of specs/supersaas.yaml (config and secrets).
    "config": {
        "account_name": seed.ACCOUNT_NAME,
        "schedule_id": str(seed.RESOURCE_SCHEDULE_ID),
        "schedule_type": "resource",
        "time_zone": seed.TIME_ZONE,
        # Resource schedules have no services in the API: durations live in Aptura's config,
        # as comma-separated ``id:minutes:name`` entries (the service schedule's four services).
        "services": ",".join(f"{s.id}:{s.length_minutes}:{s.name}" for s in seed.SERVICES),
        # Prices live in SuperSaaS's payment settings, which no API exposes: the connection declares them.
        "service_prices": ",".join(f"{ident}:{amount}" for ident, amount in seed.SERVICE_PRICES.items()),
        "currency": "USD",
        "create_users": True,
    },
    "credentials": {"api_key": seed.API_KEY},
    "service_id": "203",
    "staff_id": str(seed.ALICE.id),
    # The account's other schedules, for tests that point a connection at another schedule type.
    "schedules": {
        "resource": str(seed.RESOURCE_SCHEDULE_ID),
        "capacity": str(seed.CAPACITY_SCHEDULE_ID),
        "service": str(seed.SERVICE_SCHEDULE_ID),
    },
    # The one provider request that makes a booking (fault rules aim at it in the tests). It answers
    # 201 with an empty body (the id is in Location), so a `slow_body` fault on it has nothing to stall.
    "booking_request": {"method": "POST", "path": r"^/api/bookings\.json$"},
}

Handler = Callable[[Request], Response]
JSON_TYPE = "application/json; charset=utf-8"
MAX_FREE_RESULTS = 100  # cap on maxresults, so long searches must page by moving `from`
FREE_HORIZON_DAYS = 366  # how far past `from` /api/free looks before giving up
CAPACITY_RANGE_DAYS = 31  # /api/range on a capacity schedule without `to`
FREE_STEP_MINUTES = 15  # "now" is rounded up to this grid: no free space starts in the past

CONTACT_FIELDS = (
    "full_name", "name", "email", "address", "mobile", "phone", "country",
    "field_1", "field_2", "field_1_r", "field_2_r", "super_field", "description", "form_id",
)
BOOKING_FIELDS = frozenset(
    {*CONTACT_FIELDS, "start", "finish", "slot_id", "resource_id", "res_name", "service_id", "user_id"}
)
USER_FIELDS = frozenset({
    "name", "email", "password", "full_name", "address", "mobile", "phone", "country", "timezone",
    "field_1", "field_2", "super_field", "credit", "role", "group", "fk",
})
# Request parameters that are never booking/user attributes.
META_PARAMS = frozenset({
    "schedule_id", "api_key", "checksum", "account", "user_id", "webhook", "form", "_method",
    "booking", "user", "id", "duplicate", "notfound",
})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_NESTED = re.compile(r"^(\w+)\[(\w+)\]$")
_FK = re.compile(r"^(\w+?)fk$", re.IGNORECASE)


class _Fail(Exception):
    """Raised inside handlers to answer with a SuperSaaS error document."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def error(status: int, title: str, code: str | None = None) -> Response:
    """The error document SuperSaaS clients read: ``{"errors":[{status, code, title}]}``."""
    entry = {"status": str(status), "code": code or _default_code(status), "title": title}
    return Response.json({"errors": [entry]}, status)


def _default_code(status: int) -> str:
    return {400: "bad_request", 401: "unauthorized", 403: "not_authorized", 404: "not_found",
            405: "not_allowed", 406: "not_acceptable", 422: "invalid", 501: "not_implemented"}.get(
        status, "error")


def empty(status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """An empty body that still carries a Content-Type (the Node client requires one)."""
    return Response(status, b"", {"Content-Type": JSON_TYPE, **(headers or {})})


def _text(value: Any) -> str | None:
    """A parameter as a string (JSON numbers included); blank means absent."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1", "yes"))


class SuperSaasSandbox(SandboxApp):
    """The SuperSaaS API of account ``ApturaDemo`` (see ``seed.py`` and README.md)."""

    name = "supersaas"

    def __init__(self, free_time_style: str = "space", location_base: str | None = None,
                 refuse_overlaps: bool = True) -> None:
        #: "space" emits ``YYYY-MM-DD HH:MM:SS`` in /api/free (the documented text); "iso" the
        #: ``YYYY-MM-DDTHH:MM:SS`` of the doc's JSON example. Both appear in seed 001.
        self.free_time_style = free_time_style
        #: Base of ``Location`` headers; ``None`` derives ``http://<Host>/supersaas`` from the request.
        self.location_base = location_base
        #: The docs do not say whether SuperSaaS refuses an overlapping booking made (or moved) through the
        #: API; ``False`` accepts it (the resource is still the one asked for), so clients can test their guard.
        self.refuse_overlaps = refuse_overlaps
        self.zone = ZoneInfo(seed.TIME_ZONE)
        self.schedules: dict[int, Schedule] = {}
        self.bookings: dict[int, Booking] = {}
        self.users: dict[int, User] = {}
        self.passwords: dict[int, str] = {}
        self.modified: dict[int, datetime] = {}
        self._next_booking_id = 0
        self._next_user_id = 0
        super().__init__()
        r = self.route
        r("GET", "/api/ping.json", self._guard(self.ping))
        r("GET", "/api/schedules.json", self._guard(self.list_schedules))
        r("GET", "/api/resources.json", self._guard(self.list_resources))
        r("GET", "/api/free/{schedule_id}.json", self._guard(self.free))
        r("GET", "/api/bookings.json", self._guard(self.list_bookings))
        r("POST", "/api/bookings.json", self._guard(self.create_booking))
        r("PUT", "/api/bookings.json", self._guard(self.update_booking))
        r("DELETE", "/api/bookings.json", self._guard(self.delete_booking))
        r("GET", "/api/bookings/{booking_id}.json", self._guard(self.get_booking))
        r("PUT", "/api/bookings/{booking_id}.json", self._guard(self.update_booking))
        r("DELETE", "/api/bookings/{booking_id}.json", self._guard(self.delete_booking))
        r("POST", "/api/bookings/{booking_id}.json", self._guard(self.post_booking_override))
        r("GET", "/api/range/{schedule_id}.json", self._guard(self.list_range))
        r("GET", "/api/agenda.json", self._guard(self.agenda))
        r("GET", "/api/agenda/{schedule_id}.json", self._guard(self.agenda))
        r("GET", "/api/changes/{schedule_id}.json", self._guard(self.changes))
        r("GET", "/api/hooks", self._guard(self.list_hooks))
        r("POST", "/api/hooks", self._guard(self.create_hook))
        r("DELETE", "/api/hooks", self._guard(self.delete_hook))
        r("GET", "/api/users.json", self._guard(self.list_users))
        r("POST", "/api/users.json", self._guard(self.create_user))
        r("GET", "/api/users/{user_ref}.json", self._guard(self.get_user))
        r("POST", "/api/users/{user_ref}.json", self._guard(self.create_user))
        r("PUT", "/api/users/{user_ref}.json", self._guard(self.update_user))
        r("DELETE", "/api/users/{user_ref}.json", self._guard(self.delete_user))
        for method in ("GET", "POST", "PUT", "DELETE"):
            r(method, "/api/{rest:path}\\.xml", self.xml_not_supported)

    # -- state --------------------------------------------------------------------------
    def reset(self) -> None:
        """Rebuild the account from ``seed.py``."""
        self.schedules = {s.id: s for s in seed.schedules()}
        self.bookings = {b.id: b for b in seed.bookings()}
        self.users = {u.id: u for u in seed.users()}
        self.passwords = {}
        stamp = seed.SEED_STAMP.replace(tzinfo=UTC) + timedelta(days=1)
        self.modified = {sid: stamp for sid in self.schedules}
        self._next_booking_id = max(self.bookings) + 1
        self._next_user_id = max(self.users) + 1
        self.hooks = Hooks()  # REST hooks and the notifications sent (webhooks.py)

    def admin_state(self) -> Any:
        """Everything, deleted bookings included (they keep ``deleted: true``)."""
        return {
            "account": {"name": seed.ACCOUNT_NAME, "time_zone": seed.TIME_ZONE},
            "schedules": [
                {"id": s.id, "name": s.name, "type": s.kind,
                 "resources": [{"id": x.id, "name": x.name} for x in s.resources],
                 "services": [{"id": x.id, "name": x.name, "length": x.length_minutes} for x in s.services]}
                for s in self.schedules.values()
            ],
            "bookings": [self._booking_json(b) for b in sorted(self.bookings.values(), key=lambda b: b.id)],
            "hooks": self.hooks.listed(),
            "hook_deliveries": self.hooks.outbox.view(),
            "users": [self._user_json(u) for u in self.users.values()],
        }

    def not_found(self, request: Request) -> Response:
        return error(404, "Not found")

    # -- plumbing -------------------------------------------------------------------------
    def _guard(self, handler: Handler) -> Handler:
        """Turn :class:`_Fail` raised anywhere in ``handler`` into its error response."""

        def run(request: Request) -> Response:
            try:
                result: Response = handler(request)
            except _Fail as failure:
                return failure.response
            except OverflowError:
                # A time SuperSaaS would parse but that leaves years 1-9999 once in UTC or past a search's horizon
                # (e.g. /api/free from 9999-12-31): answered as the unusable time it is, as this route answers a
                # malformed one. The docs say nothing (a guess, see the README).
                if request.method in ("POST", "PUT"):
                    return error(422, "Start or finish time is not a valid time, use YYYY-MM-DD HH:MM:SS",
                                 "invalid_time")
                return error(400, "Bad request: a time parameter is out of range, use YYYY-MM-DD HH:MM:SS")
            return result

        return run

    def _params(self, request: Request) -> dict[str, Any]:
        """Query string and body (JSON, or form-encoded ``booking[start]=...``) merged, body winning."""
        params: dict[str, Any] = {}
        _merge_pairs(params, request.query)
        if not request.body:
            return params
        ctype = (request.header("content-type") or "").lower()
        text = request.body.decode("utf-8", errors="replace")
        if "form-urlencoded" in ctype:
            _merge_pairs(params, parse_qsl(text, keep_blank_values=True))
            return params
        try:
            body = json.loads(text)
        except ValueError as exc:
            if "json" in ctype:
                raise _Fail(error(400, "Bad request: the request body is not valid JSON")) from exc
            _merge_pairs(params, parse_qsl(text, keep_blank_values=True))
            return params
        if body is None:
            return params
        if not isinstance(body, dict):
            raise _Fail(error(400, "Bad request: expected a JSON object"))
        for key, value in body.items():
            if isinstance(value, dict) and isinstance(params.get(key), dict):
                params[key].update(value)
            else:
                params[key] = value
        return params

    def _auth(self, request: Request, params: dict[str, Any], user_names: list[str] | None = None,
              account_wide: bool = False) -> None:
        """Accept HTTP Basic, Bearer, ``account``+``api_key`` or an md5 checksum; else raise 401/403.

        ``user_names`` are the user names a checksum may have been computed with; checksums
        are refused on calls that concern no user, as SuperSaaS documents.
        """
        keys = (seed.API_KEY, seed.ADMIN_PASSWORD)
        forbidden = _Fail(error(403, "Not authorized"))
        account = _text(params.get("account"))
        if account is not None and account.lower() != seed.ACCOUNT_NAME.lower():
            raise forbidden
        header = request.header("authorization") or ""
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() == "basic":
            try:
                login, _, secret = base64.b64decode(credentials.strip()).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError) as exc:
                raise forbidden from exc
            if login.lower() != seed.ACCOUNT_NAME.lower() or secret not in keys:
                raise forbidden
            return
        if scheme.lower() == "bearer":
            if credentials.strip() not in keys:
                raise forbidden
            return
        api_key = _text(params.get("api_key"))
        if api_key is not None:
            if api_key not in keys:
                raise forbidden
            if account is None and account_wide:
                # Only a schedule id lets the server find the account when no name is sent.
                raise _Fail(error(401, "Unauthorized: the account parameter is required with api_key"))
            return
        checksum = _text(params.get("checksum"))
        if checksum is not None:
            if user_names is None:
                raise _Fail(error(403, "Not authorized: checksum authentication only works for calls about a user"))
            expected = {
                hashlib.md5(f"{seed.ACCOUNT_NAME}{key}{user}".encode()).hexdigest()
                for key in keys for user in user_names
            }
            if checksum.lower() not in expected:
                raise forbidden
            return
        raise _Fail(Response(401, json.dumps({"errors": [{
            "status": "401", "code": "unauthorized",
            "title": "Unauthorized: supply the account name and API key (HTTP Basic, parameters or checksum)",
        }]}).encode(), {"Content-Type": JSON_TYPE, "WWW-Authenticate": 'Basic realm="SuperSaaS API"'}))

    def _schedule(self, value: Any) -> Schedule:
        text = _text(value)
        schedule = self.schedules.get(int(text)) if text and text.isdigit() else None
        if schedule is None:
            raise _Fail(error(404, "Schedule not found"))
        return schedule

    def _int_param(self, params: dict[str, Any], name: str, default: int | None = None,
                   minimum: int = 0) -> int | None:
        text = _text(params.get(name))
        if text is None:
            return default
        if not text.lstrip("-").isdigit() or int(text) < minimum:
            raise _Fail(error(400, f"Bad request: invalid {name} parameter"))
        return int(text)

    def _time_param(self, params: dict[str, Any], name: str) -> datetime | None:
        text = _text(params.get(name))
        if text is None:
            return None
        try:
            return parse_time(text)
        except ValueError as exc:
            raise _Fail(error(400, f"Bad request: invalid {name} parameter, use YYYY-MM-DD HH:MM:SS")) from exc

    def _now_local(self) -> datetime:
        return to_local(self.now(), self.zone).replace(microsecond=0)

    def _find_user(self, ref: Any) -> User | None:
        """A user by id, ``1234fk`` foreign key, login name or e-mail."""
        text = _text(ref)
        if text is None:
            return None
        if text.isdigit():
            return self.users.get(int(text))
        fk = _FK.match(text)
        for user in self.users.values():
            if fk and user.fk is not None and user.fk == fk.group(1):
                return user
            if user.name.lower() == text.lower() or (user.email or "").lower() == text.lower():
                return user
        return None

    def _paginate(self, items: list[Any], params: dict[str, Any]) -> list[Any]:
        offset = self._int_param(params, "offset", 0) or 0
        limit = self._int_param(params, "limit")
        return items[offset:] if limit is None else items[offset:offset + limit]

    def _location(self, request: Request, path: str) -> str:
        base = self.location_base or f"http://{request.header('host') or '127.0.0.1'}/{self.name}"
        return f"{base.rstrip('/')}{path}"

    def _touch(self, schedule_id: int) -> None:
        self.modified[schedule_id] = self.now().astimezone(UTC).replace(microsecond=0)

    # -- JSON views -------------------------------------------------------------------------
    def _booking_json(self, booking: Booking) -> dict[str, Any]:
        schedule = self.schedules[booking.schedule_id]
        out: dict[str, Any] = {
            # Seed 001 shows booking ids as JSON strings; other ids are numbers.
            "id": str(booking.id),
            "schedule_id": schedule.id,
            "schedule_name": schedule.name,
            "start": fmt(booking.start),
            "finish": fmt(booking.finish),
        }
        if schedule.kind == "resource":
            resource = next((r for r in schedule.resources if r.id == booking.resource_id), None)
            out["resource_id"] = booking.resource_id
            out["res_name"] = resource.name if resource else None
        elif schedule.kind == "capacity":
            out["slot_id"] = booking.slot_id
            out["waitlisted"] = None
        else:
            service = next((s for s in schedule.services if s.id == booking.service_id), None)
            out["service_id"] = booking.service_id
            out["service_name"] = service.name if service else None
        out.update({name: booking.fields.get(name) for name in CONTACT_FIELDS})
        out.update({
            "user_id": booking.user_id,
            "created_by": booking.created_by,
            "updated_by": booking.updated_by,
            "created_on": fmt(booking.created_on),
            "updated_on": fmt(booking.updated_on),
            "deleted": booking.deleted,
            "status": None,
            "price": None,
        })
        return out

    def _slot_json(self, schedule: Schedule, slot: Any, with_bookings: bool, style: str = "space") -> dict[str, Any]:
        taken = [b for b in self.bookings.values() if b.slot_id == slot.id and not b.deleted
                 and b.schedule_id == schedule.id]
        capacity = slot.template.capacity
        out: dict[str, Any] = {
            "id": slot.id,
            "start": fmt(slot.start, style),
            "finish": fmt(slot.finish, style),
            "title": slot.template.title,
            "name": slot.template.title,
            "description": slot.template.description,
            "location": slot.template.location,
            # places left; 0 also stands for "no capacity limit", as the doc says
            "count": 0 if capacity == 0 else max(capacity - len(taken), 0),
        }
        if with_bookings:
            out["bookings"] = [self._booking_json(b) for b in sorted(taken, key=lambda b: b.id)]
        return out

    def _user_json(self, user: User) -> dict[str, Any]:
        return {
            "id": user.id, "fk": user.fk, "name": user.name, "email": user.email, "full_name": user.full_name,
            "address": user.address, "mobile": user.mobile, "phone": user.phone, "country": user.country,
            "timezone": user.timezone, "field_1": user.field_1, "field_2": user.field_2,
            "super_field": user.super_field, "credit": user.credit, "role": user.role, "group": user.group,
            "created_on": fmt(user.created_on), "updated_on": fmt(user.updated_on),
        }

    # -- Information API ----------------------------------------------------------------------
    def ping(self, request: Request) -> Response:
        """``GET /api/ping.json``: a credentials check (used by integrations such as n8n)."""
        self._auth(request, self._params(request), account_wide=True)
        return Response.json({"ok": True})

    def list_schedules(self, request: Request) -> Response:
        """``GET /api/schedules.json``: ``[{id, name}]``."""
        self._auth(request, self._params(request), account_wide=True)
        return Response.json([{"id": s.id, "name": s.name} for s in self.schedules.values()])

    def list_resources(self, request: Request) -> Response:
        """``GET /api/resources.json?schedule_id=N``: resources, or services on a service schedule."""
        params = self._params(request)
        self._auth(request, params)
        schedule = self._schedule(params.get("schedule_id"))
        if schedule.kind == "capacity":
            return error(405, "Not available for capacity type schedule")
        items = schedule.resources if schedule.kind == "resource" else schedule.services
        return Response.json([{"id": x.id, "name": x.name} for x in items])

    # -- Availability API -----------------------------------------------------------------------
    def free(self, request: Request) -> Response:
        """``GET /api/free/{id}.json``: free spaces from ``from`` on, at most ``maxresults``."""
        params = self._params(request)
        user = _text(params.get("user"))
        self._auth(request, params, user_names=[user or ""])
        schedule = self._schedule(request.params["schedule_id"])
        if schedule.kind == "service":
            return error(501, "Not yet implemented for service type schedule")
        since = request.header("if-modified-since")
        if since:
            try:
                if parsedate_to_datetime(since) >= self.modified[schedule.id]:
                    return empty(304)
            except (TypeError, ValueError):
                pass  # an unparsable date is ignored, as HTTP servers do
        max_results = min(self._int_param(params, "maxresults", 10, minimum=1) or 10, MAX_FREE_RESULTS)
        start = self._time_param(params, "from")
        now = ceil_minutes(self._now_local(), FREE_STEP_MINUTES)
        lower = max(start, now) if start else now
        style = self.free_time_style
        headers = {"Last-Modified": format_datetime(self.modified[schedule.id], usegmt=True)}
        with self.lock:
            if schedule.kind == "capacity":
                full = _truthy(params.get("full"))
                slots = []
                for slot in slots_between(schedule, lower, lower + timedelta(days=FREE_HORIZON_DAYS)):
                    view = self._slot_json(schedule, slot, with_bookings=False, style=style)
                    if view["count"] > 0 or slot.template.capacity == 0 or full:
                        slots.append(view)
                    if len(slots) >= max_results:
                        break
                return Response.json({"slots": slots}, headers=headers)
            length = self._int_param(params, "length", schedule.default_length, minimum=1) or schedule.default_length
            resources = list(schedule.resources)
            wanted = _text(params.get("resource"))
            if wanted is not None:
                resources = [r for r in resources if wanted.lower() in (r.name.lower(), str(r.id))]
                if not resources:
                    return error(404, f"Resource not found: {wanted}")
            spaces = resource_free_spaces(schedule, self.bookings.values(), lower, length, resources,
                                          max_results, FREE_HORIZON_DAYS)
        return Response.json({"slots": [
            {"id": None, "start": fmt(s.start, style), "finish": fmt(s.finish, style),
             "title": s.resource.name, "name": s.resource.name, "resource_id": s.resource.id,
             "description": None, "location": None, "count": 1}
            for s in spaces
        ]}, headers=headers)

    # -- Appointment API: reads ------------------------------------------------------------------
    def list_bookings(self, request: Request) -> Response:
        """``GET /api/bookings.json?schedule_id=N[&start&finish&limit&offset]``."""
        params = self._params(request)
        self._auth(request, params)
        schedule = self._schedule(params.get("schedule_id"))
        start = finish = None
        if schedule.kind != "capacity":  # the window filter is documented for resource/service only
            start, finish = self._time_param(params, "start"), self._time_param(params, "finish")
        with self.lock:
            rows = sorted((b for b in self.bookings.values() if b.schedule_id == schedule.id and not b.deleted
                           and (start is None or b.start >= start) and (finish is None or b.start < finish)),
                          key=lambda b: (b.start, b.id))
            page = [self._booking_json(b) for b in self._paginate(rows, params)]
        return Response.json({"bookings": page})

    def get_booking(self, request: Request) -> Response:
        """``GET /api/bookings/{id}.json``: one booking, not wrapped."""
        params = self._params(request)
        booking = self._booking_for(request, params)
        self._auth(request, params, user_names=self._owner_names(booking))
        if booking is None:
            return error(404, "Not found")
        with self.lock:
            return Response.json(self._booking_json(booking))

    def list_range(self, request: Request) -> Response:
        """``GET /api/range/{id}.json``: bookings (or capacity slots) starting in ``[from, to)``."""
        params = self._params(request)
        self._auth(request, params)
        schedule = self._schedule(request.params["schedule_id"])
        if _truthy(params.get("today")):
            lower = self._now_local().replace(hour=0, minute=0, second=0)
            upper: datetime | None = lower + timedelta(days=1)
        else:
            lower = self._time_param(params, "from") or self._now_local()
            upper = self._time_param(params, "to")
        with self.lock:
            if schedule.kind == "capacity":
                end = upper or lower + timedelta(days=CAPACITY_RANGE_DAYS)
                slots = [self._slot_json(schedule, s, _truthy(params.get("slot")))
                         for s in slots_between(schedule, lower, end)]
                return Response.json({"slots": self._paginate(slots, params)})
            user_filter = self._user_filter(params.get("user"))
            resource_id = self._int_param(params, "resource_id")
            service_id = self._int_param(params, "service_id")
            rows = sorted((b for b in self.bookings.values()
                           if b.schedule_id == schedule.id and not b.deleted and b.start >= lower
                           and (upper is None or b.start < upper) and user_filter(b)
                           and (resource_id is None or b.resource_id == resource_id)
                           and (service_id is None or b.service_id == service_id)),
                          key=lambda b: (b.start, b.id))
            return Response.json({"bookings": [self._booking_json(b) for b in self._paginate(rows, params)]})

    def agenda(self, request: Request) -> Response:
        """``GET /api/agenda/{id}.json?user=...`` (or ``/api/agenda.json?account=...``): one user's bookings."""
        params = self._params(request)
        ref = _text(params.get("user"))
        user = self._find_user(ref) if ref not in (None, "0") else None
        names = [n for n in (ref, user.name if user else None) if n is not None]
        schedule_ref = request.params.get("schedule_id")
        self._auth(request, params, user_names=names, account_wide=schedule_ref is None)
        schedules = [self._schedule(schedule_ref)] if schedule_ref else list(self.schedules.values())
        if ref is None:
            return error(422, "Missing parameter: user")
        if ref != "0" and user is None:
            return error(404, "User not found")
        lower = self._time_param(params, "from") or self._now_local()
        user_id = user.id if user else None
        with self.lock:
            rows = sorted((b for b in self.bookings.values()
                           if b.schedule_id in {s.id for s in schedules} and not b.deleted
                           and b.user_id == user_id and b.start >= lower),
                          key=lambda b: (b.start, b.id))
            if _truthy(params.get("slot")) and len(schedules) == 1 and schedules[0].kind == "capacity":
                return Response.json({"slots": self._slots_for(schedules[0], rows)})
            return Response.json({"bookings": [self._booking_json(b) for b in rows]})

    def changes(self, request: Request) -> Response:
        """``GET /api/changes/{id}.json``: bookings changed (or deleted) since ``from`` (UTC)."""
        params = self._params(request)
        self._auth(request, params)
        schedule = self._schedule(request.params["schedule_id"])
        lower, upper = self._time_param(params, "from"), self._time_param(params, "to")
        with self.lock:
            user_filter = self._user_filter(params.get("user"))
            rows = sorted((b for b in self.bookings.values() if b.schedule_id == schedule.id and user_filter(b)
                           and (lower is None or b.updated_on >= lower)
                           and (upper is None or b.updated_on < upper)),
                          key=lambda b: (b.updated_on, b.id))
            if lower is None:
                rows = rows[-10:]  # "If omitted shows the ten most recent changes"
            rows = self._paginate(rows, params)
            if _truthy(params.get("slot")) and schedule.kind == "capacity":
                return Response.json({"slots": self._slots_for(schedule, rows)})
            return Response.json({"bookings": [self._booking_json(b) for b in rows]})

    def _slots_for(self, schedule: Schedule, rows: list[Booking]) -> list[dict[str, Any]]:
        """Group capacity bookings under their slots (the ``slot=true`` output form)."""
        slots: dict[int, dict[str, Any]] = {}
        for booking in rows:
            slot = slot_by_id(schedule, booking.slot_id or 0)
            if slot is None:
                continue
            view = slots.setdefault(slot.id, {**self._slot_json(schedule, slot, False), "bookings": []})
            view["bookings"].append(self._booking_json(booking))
        return list(slots.values())

    def _user_filter(self, ref: Any) -> Any:
        """Predicate for the ``user`` parameter: name, id or fk; ``0`` = the administrator."""
        text = _text(ref)
        if text is None:
            return lambda booking: True
        if text == "0":
            return lambda booking: booking.user_id is None
        user = self._find_user(text)
        if user is None:
            raise _Fail(error(404, "User not found"))
        return lambda booking: booking.user_id == user.id

    def _booking_for(self, request: Request, params: dict[str, Any]) -> Booking | None:
        """The live booking named by the path (or an ``id`` parameter), honouring ``schedule_id``."""
        text = request.params.get("booking_id") or _text(params.get("id"))
        booking = self.bookings.get(int(text)) if text and text.isdigit() else None
        if booking is None or booking.deleted:
            return None
        wanted = _text(params.get("schedule_id"))
        if wanted is not None and wanted != str(booking.schedule_id):
            return None
        return booking

    def _owner_names(self, booking: Booking | None) -> list[str]:
        user = self.users.get(booking.user_id) if booking and booking.user_id is not None else None
        return [user.name] if user else []

    # -- Appointment API: writes -------------------------------------------------------------------
    def _booking_attrs(self, params: dict[str, Any]) -> dict[str, Any]:
        """Booking attributes from ``booking[...]``/``{"booking":{...}}`` or a flat JSON body."""
        return _model_attrs(params, "booking", BOOKING_FIELDS, "Booking")

    def _contact_fields(self, attrs: dict[str, Any], base: dict[str, str | None]) -> dict[str, str | None]:
        fields = dict(base)
        for name in CONTACT_FIELDS:
            if name in attrs:
                fields[name] = _text(attrs[name])
        email = fields.get("email")
        if email is not None and not _EMAIL.match(email):
            raise _Fail(error(422, "Email is invalid", "invalid_email"))
        country = fields.get("country")
        if country is not None:
            if not re.fullmatch(r"[A-Za-z]{2}", country):
                raise _Fail(error(422, "Country is invalid, use a two letter ISO 3166-1 code", "invalid_country"))
            fields["country"] = country.upper()
        return fields

    def _resolve_resource(self, schedule: Schedule, value: Any) -> Resource:
        text = _text(value)
        for resource in schedule.resources:
            if text is not None and text.lower() in (str(resource.id), resource.name.lower()):
                return resource
        raise _Fail(error(422, f"Resource not found: {text}", "invalid_resource"))

    def _place_resource_booking(self, schedule: Schedule, attrs: dict[str, Any],
                                current: Booking | None) -> tuple[datetime, datetime, int]:
        """Validate start/finish/resource of a resource-schedule booking; refuse double booking."""
        start_text, finish_text = _text(attrs.get("start")), _text(attrs.get("finish"))
        try:
            start = parse_time(start_text) if start_text else (current.start if current else None)
            finish = parse_time(finish_text) if finish_text else (current.finish if current else None)
        except ValueError as exc:
            raise _Fail(error(422, "Start or finish time is not a valid time, use YYYY-MM-DD HH:MM:SS",
                              "invalid_time")) from exc
        if start is None:
            raise _Fail(error(422, "Start time can't be blank", "missing_start"))
        if finish is None:
            raise _Fail(error(422, "Finish time can't be blank", "missing_finish"))
        if finish <= start:
            raise _Fail(error(422, "Finish time must be after the start time", "invalid_time"))
        if to_instant(start, self.zone) < self.now():
            raise _Fail(error(422, "Start time is in the past", "in_the_past"))
        if not within_opening_hours(schedule, start, finish):
            raise _Fail(error(422, "The requested time is outside the available time of the schedule",
                              "outside_opening_hours"))
        explicit = _text(attrs.get("resource_id")) or _text(attrs.get("res_name"))
        if explicit is not None:
            candidates = [self._resolve_resource(schedule, explicit)]
        elif current is not None and current.resource_id is not None:
            candidates = [r for r in schedule.resources if r.id == current.resource_id]
        else:
            candidates = list(schedule.resources)  # like the booking screen: any free resource
        # One resource was asked for (named, or kept by a move): the only case an overlap can be accepted.
        if not self.refuse_overlaps and len(candidates) == 1 and (explicit is not None or current is not None):
            return start, finish, candidates[0].id
        for resource in candidates:
            clash = any(
                b.schedule_id == schedule.id and not b.deleted and b.resource_id == resource.id
                and (current is None or b.id != current.id) and overlaps(start, finish, b.start, b.finish)
                for b in self.bookings.values()
            )
            if not clash:
                return start, finish, resource.id
        who = candidates[0].name if len(candidates) == 1 else "No resource"
        # SuperSaaS documents a 422 with errors[{code, title}], not these words (sandboxes/README.md: guesses).
        raise _Fail(error(*self.worded("slot_taken", [
            (422, f"{who} is not available at the requested time: it overlaps another appointment", "not_available"),
            (422, "Start time is already booked", "invalid"),
            (422, "Sorry, this time is no longer available", None),
        ])))

    def _place_capacity_booking(self, schedule: Schedule, attrs: dict[str, Any],
                                current: Booking | None) -> tuple[datetime, datetime, int]:
        text = _text(attrs.get("slot_id"))
        if text is None:
            if current is not None and current.slot_id is not None:
                text = str(current.slot_id)
            else:
                raise _Fail(error(422, "Slot can't be blank: capacity schedules need a slot_id", "missing_slot"))
        slot = slot_by_id(schedule, int(text)) if text.isdigit() else None
        if slot is None:
            raise _Fail(error(422, f"Slot not found: {text}", "invalid_slot"))
        if to_instant(slot.start, self.zone) < self.now():
            raise _Fail(error(422, "Start time is in the past", "in_the_past"))
        taken = sum(1 for b in self.bookings.values()
                    if b.slot_id == slot.id and not b.deleted and (current is None or b.id != current.id))
        if slot.template.capacity and taken >= slot.template.capacity:
            raise _Fail(error(422, "This slot is full", "slot_full"))
        return slot.start, slot.finish, slot.id

    def create_booking(self, request: Request) -> Response:
        """``POST /api/bookings.json``: 201 with the new id only in ``Location``."""
        params = self._params(request)
        user_ref = _text(params.get("user_id"))
        user = self._find_user(user_ref) if user_ref else None
        self._auth(request, params, user_names=[user.name] if user else [])
        attrs = self._booking_attrs(params)
        schedule = self._schedule(params.get("schedule_id"))
        if schedule.kind == "service":
            return error(501, "Not yet implemented for service type schedule")
        if user_ref and user is None:
            return error(422, f"User not found: {user_ref}", "invalid_user")
        base: dict[str, str | None] = {"country": seed.ACCOUNT_COUNTRY}
        if user is not None:
            base.update({"full_name": user.full_name, "name": user.name, "email": user.email,
                         "mobile": user.mobile, "phone": user.phone, "country": user.country or seed.ACCOUNT_COUNTRY})
        fields = self._contact_fields(attrs, base)
        if not (fields.get("full_name") or fields.get("name")):
            return error(422, "Full name can't be blank", "missing_full_name")
        by = user.name if user else seed.ACCOUNT_NAME
        with self.lock:
            if schedule.kind == "resource":
                start, finish, resource_id = self._place_resource_booking(schedule, attrs, None)
                slot_id = None
            else:
                start, finish, slot_id = self._place_capacity_booking(schedule, attrs, None)
                resource_id = None
            stamp = utc_naive(self.now())
            booking = Booking(self._next_booking_id, schedule.id, start, finish, resource_id=resource_id,
                              slot_id=slot_id, user_id=user.id if user else None, fields=fields,
                              created_on=stamp, updated_on=stamp, created_by=by, updated_by=by)
            self.bookings[booking.id] = booking
            self._next_booking_id += 1
            self._touch(schedule.id)
            self._notify(params, booking, "create")
        return empty(201, {"Location": self._location(request, f"/api/bookings/{booking.id}.json")})

    def update_booking(self, request: Request) -> Response:
        """``PUT /api/bookings/{id}.json``: 200 with an empty body; 404 when gone; 422 when invalid."""
        params = self._params(request)
        with self.lock:
            booking = self._booking_for(request, params)
            self._auth(request, params, user_names=self._owner_names(booking))
            if booking is None:
                return error(404, "Not found")
            attrs = self._booking_attrs(params)
            schedule = self.schedules[booking.schedule_id]
            fields = self._contact_fields(attrs, booking.fields)
            if not (fields.get("full_name") or fields.get("name")):
                return error(422, "Full name can't be blank", "missing_full_name")
            if schedule.kind == "resource":
                start, finish, resource_id = self._place_resource_booking(schedule, attrs, booking)
                updated = replace(booking, start=start, finish=finish, resource_id=resource_id)
            elif schedule.kind == "capacity":
                start, finish, slot_id = self._place_capacity_booking(schedule, attrs, booking)
                updated = replace(booking, start=start, finish=finish, slot_id=slot_id)
            else:
                return error(501, "Not yet implemented for service type schedule")
            self.bookings[booking.id] = replace(updated, fields=fields, updated_on=utc_naive(self.now()),
                                                updated_by=seed.ACCOUNT_NAME)
            self._touch(schedule.id)
            self._notify(params, self.bookings[booking.id], "edit")
        return empty(200)

    def delete_booking(self, request: Request) -> Response:
        """``DELETE /api/bookings/{id}.json``: 200, or 404 if it (no longer) exists."""
        params = self._params(request)
        with self.lock:
            booking = self._booking_for(request, params)
            self._auth(request, params, user_names=self._owner_names(booking))
            if booking is None:
                return error(404, "Not found")
            # Kept with deleted=true so /api/changes can report the deletion.
            self.bookings[booking.id] = replace(booking, deleted=True, updated_on=utc_naive(self.now()),
                                                updated_by=seed.ACCOUNT_NAME)
            self._touch(booking.schedule_id)
            self._notify(params, self.bookings[booking.id], "destroy")
        return empty(200)

    # -- REST hooks (webhooks.py) -----------------------------------------------------------
    def _notify(self, params: dict[str, Any], booking: Booking, action: str) -> None:
        """Only API writes that ask for it (``webhook=true``) notify, as SuperSaaS documents."""
        if (_text(params.get("webhook")) or "").lower() == "true":
            self.hooks.notify(booking.schedule_id, action, self._booking_json(booking))

    def list_hooks(self, request: Request) -> Response:
        """``GET /api/hooks``."""
        params = self._params(request)
        self._auth(request, params, account_wide=True)
        with self.lock:
            return Response.json(self.hooks.listed())

    def create_hook(self, request: Request) -> Response:
        """``POST /api/hooks`` (``event``, ``parent_id``, ``target_url``) → ``{"id"}``."""
        params = self._params(request)
        self._auth(request, params, account_wide=True)
        with self.lock:
            status, answer = self.hooks.create(_text(params.get("event")), _text(params.get("parent_id")),
                                               _text(params.get("target_url")), set(self.schedules))
        return Response.json(answer, status)

    def delete_hook(self, request: Request) -> Response:
        """``DELETE /api/hooks`` (``id``, ``parent_id``)."""
        params = self._params(request)
        self._auth(request, params, account_wide=True)
        with self.lock:
            status = self.hooks.delete(_text(params.get("id")))
        return empty(status) if status == 200 else error(status, "Not found")

    def post_booking_override(self, request: Request) -> Response:
        """``POST /api/bookings/{id}.json`` with ``_method=DELETE|PUT`` for clients without those verbs."""
        method = (_text(self._params(request).get("_method")) or "").upper()
        if method == "DELETE":
            return self.delete_booking(request)
        if method == "PUT":
            return self.update_booking(request)
        return Response.json({"error": "method not allowed"}, 405, {"Allow": "GET, PUT, DELETE"})

    # -- User API ------------------------------------------------------------------------------------
    def list_users(self, request: Request) -> Response:
        """``GET /api/users.json[?limit&offset]`` (plus sandbox-only ``name``/``email`` filters)."""
        params = self._params(request)
        self._auth(request, params, account_wide=True)
        name, email = _text(params.get("name")), _text(params.get("email"))
        with self.lock:
            rows = [u for u in sorted(self.users.values(), key=lambda u: u.id)
                    if (name is None or u.name.lower() == name.lower())
                    and (email is None or (u.email or "").lower() == email.lower())]
            return Response.json([self._user_json(u) for u in self._paginate(rows, params)])

    def get_user(self, request: Request) -> Response:
        """``GET /api/users/{id|1234fk}.json``."""
        params = self._params(request)
        user = self._user_by_ref(request.params["user_ref"])
        self._auth(request, params, user_names=[user.name] if user else [], account_wide=True)
        if user is None:
            return error(404, "User not found")
        with self.lock:
            return Response.json(self._user_json(user))

    def _user_by_ref(self, ref: str) -> User | None:
        """Path references are ids or ``1234fk`` foreign keys (names are not accepted here)."""
        if ref.isdigit():
            return self.users.get(int(ref))
        fk = _FK.match(ref)
        return next((u for u in self.users.values() if fk and u.fk == fk.group(1)), None)

    def _user_attrs(self, params: dict[str, Any]) -> dict[str, Any]:
        return _model_attrs(params, "user", USER_FIELDS, "User")

    def _apply_user(self, user: User, attrs: dict[str, Any]) -> User:
        changes: dict[str, Any] = {}
        for key, value in attrs.items():
            if key == "password":
                continue
            if key == "role":
                text = _text(value)
                if text not in ("3", "4", "-1"):
                    raise _Fail(error(422, "Role is invalid (3, 4 or -1)", "invalid_role"))
                changes["role"] = int(text)
            else:
                changes[key] = _text(value)
        if changes.get("email") is not None and not _EMAIL.match(changes["email"]):
            raise _Fail(error(422, "Email is invalid", "invalid_email"))
        if changes.get("country") is not None and not re.fullmatch(r"[A-Za-z]{2}", changes["country"]):
            raise _Fail(error(422, "Country is invalid, use a two letter ISO 3166-1 code", "invalid_country"))
        if "name" in changes and not changes["name"]:
            raise _Fail(error(422, "Name can't be blank", "missing_name"))
        clash = next((u for u in self.users.values() if changes.get("name") and u.id != user.id
                      and u.name.lower() == changes["name"].lower()), None)
        if clash is not None:
            raise _Fail(error(422, "Name has already been taken", "name_taken"))
        return replace(user, **changes, updated_on=utc_naive(self.now()))

    def _new_user(self, request: Request, attrs: dict[str, Any], fk: str | None) -> Response:
        if not _text(attrs.get("name")):
            return error(422, "Name can't be blank", "missing_name")
        stamp = utc_naive(self.now())
        user = self._apply_user(User(self._next_user_id, "", fk=fk, created_on=stamp, updated_on=stamp), attrs)
        self.users[user.id] = user
        self._next_user_id += 1
        if _text(attrs.get("password")):
            self.passwords[user.id] = str(attrs["password"])
        return empty(201, {"Location": self._location(request, f"/api/users/{user.id}.json")})

    def create_user(self, request: Request) -> Response:
        """``POST /api/users.json`` (or ``/api/users/1234fk.json`` to key it by a foreign key).

        An existing user with the same name (or foreign key) is updated unless ``duplicate=raise``.
        """
        params = self._params(request)
        attrs = self._user_attrs(params)
        ref = request.params.get("user_ref")
        fk_match = _FK.match(ref) if ref else None
        with self.lock:
            existing = self._user_by_ref(ref) if ref else None
            if existing is None and _text(attrs.get("name")):
                existing = next((u for u in self.users.values()
                                 if u.name.lower() == str(attrs["name"]).strip().lower()), None)
            names = [n for n in (_text(attrs.get("name")), existing.name if existing else None) if n]
            self._auth(request, params, user_names=names, account_wide=True)
            if ref and not fk_match and existing is None:
                return error(404, "User not found")
            if existing is None:
                return self._new_user(request, attrs, fk_match.group(1) if fk_match else None)
            duplicate = _text(params.get("duplicate"))
            if duplicate == "raise":
                return error(422, "Name has already been taken", "name_taken")
            if duplicate != "ignore":
                self.users[existing.id] = self._apply_user(existing, attrs)
            return empty(200)

    def update_user(self, request: Request) -> Response:
        """``PUT /api/users/{id}.json``: update; a missing user is created unless ``notfound=error|ignore``."""
        params = self._params(request)
        attrs = self._user_attrs(params)
        ref = request.params["user_ref"]
        with self.lock:
            user = self._user_by_ref(ref)
            names = [n for n in (user.name if user else None, _text(attrs.get("name"))) if n]
            self._auth(request, params, user_names=names, account_wide=True)
            if user is None:
                notfound = _text(params.get("notfound"))
                if notfound == "error":
                    return error(404, "User not found")
                if notfound == "ignore":
                    return empty(200)
                fk = _FK.match(ref)
                return self._new_user(request, attrs, fk.group(1) if fk else None)
            self.users[user.id] = self._apply_user(user, attrs)
        return empty(200)

    def delete_user(self, request: Request) -> Response:
        """``DELETE /api/users/{id}.json``: 200, or 404 if unknown."""
        params = self._params(request)
        with self.lock:
            user = self._user_by_ref(request.params["user_ref"])
            self._auth(request, params, user_names=[user.name] if user else [], account_wide=True)
            if user is None:
                return error(404, "User not found")
            del self.users[user.id]
            self.passwords.pop(user.id, None)
        return empty(200)

    def xml_not_supported(self, request: Request) -> Response:
        """The real API also speaks XML; this sandbox answers ``.xml`` paths with 406."""
        return error(406, "This sandbox only implements the JSON API; use the .json path")


def _merge_pairs(target: dict[str, Any], pairs: list[tuple[str, str]]) -> None:
    """Fold ``key=value`` pairs into ``target``, nesting ``booking[start]`` as ``{"booking": {"start"}}``."""
    for key, value in pairs:
        nested = _NESTED.match(key)
        if nested:
            bucket = target.setdefault(nested.group(1), {})
            if isinstance(bucket, dict):
                bucket[nested.group(2)] = value
        else:
            target[key] = value


def _model_attrs(params: dict[str, Any], wrapper: str, fields: Any, model: str) -> dict[str, Any]:
    """Attributes from ``<wrapper>[...]``/``{"<wrapper>":{...}}`` or a flat body; unknown ones are a 400, as
    Rails answers."""
    nested = params.get(wrapper)
    attrs: dict[str, Any] = dict(nested) if isinstance(nested, dict) else {}
    for key, value in params.items():
        if key not in META_PARAMS:
            attrs.setdefault(key, value)
    for key in attrs:
        if key not in fields:
            raise _Fail(error(400, f"Bad request: unknown attribute '{key}' for {model}."))
    return attrs
