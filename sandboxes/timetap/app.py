"""TimeTap sandbox: the TTAPI REST API (session tokens, availability, appointments, Calendar API).

Mounted at ``/timetap``; the provider's base URLs ``https://api.timetap.com/live`` and
``.../test`` become ``<server>/timetap/live`` and ``<server>/timetap/test`` (same state).
See ``README.md`` beside this file for the seed data and the choices made where TimeTap's
documentation is silent.
"""

from __future__ import annotations

import calendar as _calendar
import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

from sandboxes.core import Request, Response, SandboxApp
from sandboxes.timetap import seed
from sandboxes.timetap.seed import Appointment, Client, Location, Reason, Staff, TimeOff
from sandboxes.timetap.timeutil import (
    epoch_ms,
    js_date,
    local_to_utc,
    parse_date,
    parse_hhmm,
    to_hhmm,
    utc_to_local,
)

# Connection the dev stack creates against this sandbox (the base URL is the sandbox's own).
DEMO: dict[str, Any] = {
    "slot_taken_wordings": 3,  # ways this sandbox refuses a taken slot (POST /_sandbox/wording)
    # a refusal of a booking for another reason, in the provider's format (a /_sandbox/faults rule)
    "refusal_fault": {"path": "/appointments$",
                       "method": "POST",
                       "status": 400,
                       "body": {"message": "Clients must accept the terms before booking."}},
    # Keys are the field names of specs/timetap.yaml's connection.config / connection.secrets.
    "config": {"businessId": str(seed.BUSINESS_ID), "locationId": str(seed.DOWNTOWN), "timezone": seed.ZONE},
    "credentials": {"apiKey": seed.API_KEY, "privateKey": seed.PRIVATE_KEY},
    "service_id": str(seed.HAIRCUT),
    "staff_id": str(seed.AVERY),
    # The one provider request that makes a booking (fault rules aim at it in the tests);
    # the live and test base URLs share one state, so either prefix.
    "booking_request": {"method": "POST", "path": "^/(live|test)/appointments$"},
}

PREFIXES = ("/live", "/test")
EVENT_TYPES = ("APPOINTMENT", "CLASS", "TIME_OFF", "VACATION")
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 1000
MAX_RANGE_DAYS = 366


class ApiError(Exception):
    """Raised by handlers; rendered as TimeTap-style ``{"message": ...}`` with ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _int(value: Any, name: str) -> int:
    """Parse an integer id/parameter or fail with a 400."""
    if isinstance(value, bool):
        raise ApiError(400, f"{name} must be an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"{name} must be an integer") from None


def _bool_segment(value: str, name: str) -> bool:
    """Parse a ``true``/``false`` path segment (cancel/noshow/completed email flags)."""
    lowered = value.lower()
    if lowered not in ("true", "false"):
        raise ApiError(400, f"{name} must be true or false")
    return lowered == "true"


def _query_list(request: Request, name: str) -> list[str] | None:
    """A list parameter sent comma-separated or as repeated keys (timetappy repeats keys)."""
    values = [part.strip() for key, raw in request.query if key == name for part in raw.split(",")]
    values = [v for v in values if v]
    return values or None


def _query_ids(request: Request, name: str) -> set[int] | None:
    values = _query_list(request, name)
    return None if values is None else {_int(v, name) for v in values}


def _query_flag(request: Request, name: str, default: bool) -> bool:
    """Boolean/0-1 query parameters (``showBuffer=true``, ``showPaid=1``)."""
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ApiError(400, f"{name} must be true/false or 1/0")


def _query_date(request: Request, name: str) -> date | None:
    raw = request.arg(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_date(raw, name)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None


def _paging(request: Request) -> tuple[int, int]:
    """``pageNumber`` (1-based) and ``pageSize`` with TimeTap's defaults (1, 25)."""
    number = _int(request.arg("pageNumber") or 1, "pageNumber")
    size = _int(request.arg("pageSize") or DEFAULT_PAGE_SIZE, "pageSize")
    if number < 1:
        raise ApiError(400, "pageNumber must be 1 or greater")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise ApiError(400, f"pageSize must be between 1 and {MAX_PAGE_SIZE}")
    return number, size


def _page(items: list[Any], number: int, size: int) -> list[Any]:
    return items[(number - 1) * size: number * size]


class TimeTapSandbox(SandboxApp):
    """Simulated TimeTap API (one business, see ``seed.py``).

    Tunables (plain attributes, safe to change from tests):

    - ``token_lifetime_seconds``: how long a session token stays valid, measured on the
      sandbox clock (:meth:`now`), so tests can expire tokens by pinning and advancing it;
    - ``slot_interval_minutes``: spacing of offered start times in availability;
    - ``calendar_requires_end_date``: ``GET /calendar/range`` refuses a missing ``endDate``
      (the documented contract); set False to default it to ``startDate + 6 days``.
    """

    name = "timetap"

    def __init__(self, token_lifetime_seconds: float = 3600.0) -> None:
        self.token_lifetime_seconds = token_lifetime_seconds
        self.slot_interval_minutes = 30
        self.calendar_requires_end_date = True
        # Sessions survive POST /_sandbox/reset on purpose: a reset restores seed data, and
        # dropping tokens there would make unrelated test suites see spurious 401s.
        self._tokens: dict[str, datetime] = {}
        self.locations: dict[int, Location] = {}
        self.reasons: dict[int, Reason] = {}
        self.staff: dict[int, Staff] = {}
        self.clients: dict[int, Client] = {}
        self.appointments: dict[int, Appointment] = {}
        self.time_off: dict[int, TimeOff] = {}
        self.notifications: list[dict[str, Any]] = []
        self._next_calendar_id = 0
        self._next_client_id = 0
        super().__init__()
        self._register_routes()

    # -- state -----------------------------------------------------------------------------
    def reset(self) -> None:
        """Rebuild the seed state (tokens are kept, see ``__init__``)."""
        self.locations = {loc.locationId: loc for loc in seed.build_locations()}
        self.reasons = {r.reasonId: r for r in seed.build_reasons()}
        self.staff = {s.professionalId: s for s in seed.build_staff()}
        self.clients = {c.clientId: c for c in seed.build_clients()}
        self.appointments = {a.calendarId: a for a in seed.build_appointments()}
        self.time_off = {t.id: t for t in seed.build_time_off()}
        self.notifications = []
        self._next_calendar_id = max(self.appointments) + 1
        self._next_client_id = max(self.clients) + 1

    def admin_state(self) -> Any:
        """JSON view for tests: seed entities, appointments (provider shape) and session stats."""
        now = self.now()
        return {
            "business": {"businessId": seed.BUSINESS_ID, "businessName": seed.BUSINESS_NAME, "timeZone": seed.ZONE},
            "locations": [self._location_json(loc) for loc in self.locations.values()],
            "staff": [self._staff_json(s) for s in self.staff.values()],
            "services": [self._reason_json(r) for r in self.reasons.values()],
            "clients": [self._client_json(c) for c in self.clients.values()],
            "appointments": [self._appointment_json(a) for a in sorted(self.appointments.values(), key=self._sort_key)],
            "timeOff": [
                {"id": t.id, "professionalId": t.professionalId, "type": t.kind, "start": t.start.isoformat(),
                 "end": t.end.isoformat(), "note": t.note}
                for t in self.time_off.values()
            ],
            "notifications": list(self.notifications),
            "sessions": {
                "issued": len(self._tokens),
                "active": sum(1 for exp in self._tokens.values() if exp > now),
                "tokenLifetimeSeconds": self.token_lifetime_seconds,
            },
        }

    def _admin(self, request: Request) -> Response:
        # Extends the core admin API with session controls, which TimeTap-specific client
        # tests need (token renewal) and the shared fault injector cannot express.
        if request.path == "/_sandbox/tokens":
            if request.method == "DELETE":
                with self.lock:
                    self._tokens.clear()
                return Response.json({"ok": True})
            if request.method == "POST":
                try:
                    spec = request.json() or {}
                    lifetime = float(spec["lifetime_seconds"])
                except (ValueError, KeyError, TypeError):
                    return Response.json({"error": "body must be {\"lifetime_seconds\": number}"}, 400)
                with self.lock:
                    self.token_lifetime_seconds = lifetime
                return Response.json({"ok": True, "lifetime_seconds": lifetime})
        return super()._admin(request)

    def not_found(self, request: Request) -> Response:
        """Unknown paths answer like other TimeTap errors."""
        return Response.json({"message": f"No resource found for {request.method} {request.path}"}, 404)

    def bad_request(self, message: str) -> Response:
        """400 in TimeTap's error shape."""
        return Response.json({"message": message}, 400)

    # -- routing -----------------------------------------------------------------------------
    def _register_routes(self) -> None:
        authed: list[tuple[str, str, Callable[[Request], Any]]] = [
            ("GET", "/locations", self._get_locations),
            ("GET", "/locationIdList", lambda r: sorted(self.locations)),
            ("GET", "/locations/{locationId}", self._get_location),
            ("GET", "/staff", self._get_staff_list),
            ("GET", "/staffIdList", lambda r: sorted(self.staff)),
            ("GET", "/staff/{professionalId}", self._get_staff),
            ("GET", "/staff/{professionalId}/serviceStaff", self._get_staff_services),
            ("GET", "/services", lambda r: [self._reason_json(x) for x in self.reasons.values()]),
            ("GET", "/reasonIdList", lambda r: sorted(self.reasons)),
            ("GET", "/services/{reasonId}", self._get_service),
            ("GET", "/services/{reasonId}/serviceStaff", self._get_service_staff),
            ("GET", "/availability/location/{locationId}/service/{reasonId}", self._availability_dates),
            ("GET", "/availability/{year}/{month}/{day}/{staffId}/{locationId}/{reasonId}", self._availability_day),
            ("GET", "/availability/{year}/{month}/{staffId}/{locationId}/{reasonId}", self._availability_month),
            ("GET", "/clients", self._get_clients),
            ("GET", "/clients/count", lambda r: len(self.clients)),
            ("GET", "/clientIdList", lambda r: sorted(self.clients)),
            ("GET", "/clientList/report", self._get_clients),
            ("GET", "/clientList/reportWithCount", self._get_clients_with_count),
            ("GET", "/clientList/reportCount", self._get_clients_count),
            ("GET", "/clients/{clientId}", self._get_client),
            ("POST", "/clients", self._post_client),
            ("GET", "/appointments/report", self._appointment_report),
            ("GET", "/appointmentList/report", self._appointment_report),
            ("GET", "/appointmentList/reportWithCount", self._appointment_report_with_count),
            ("GET", "/appointmentList/reportCount", self._appointment_report_count),
            ("GET", "/appointments/countByStatus/location/{locationId}", self._count_by_status),
            ("POST", "/appointments", self._post_appointment),
            ("GET", "/appointments/{calendarId}", self._get_appointment),
            ("PUT", "/appointments/{calendarId}", self._put_appointment),
            ("PUT", "/appointments/{calendarId}/cancel/{sendStaffEmail}/{sendClientEmail}", self._cancel),
            ("PUT", "/appointments/{calendarId}/noshow/{sendClientEmail}", self._no_show),
            ("PUT", "/appointments/{calendarId}/completed/{sendClientEmail}", self._completed),
            ("GET", "/calendar/range/{staffIdList}", self._calendar_range),
            ("GET", "/calendar/event/{eventType}/{eventId}", self._calendar_event),
        ]
        for prefix in PREFIXES:
            self.route("GET", prefix + "/sessionToken", self._wrap(self._session_token, auth=False))
            for method, template, handler in authed:
                self.route(method, prefix + template, self._wrap(handler))

    def _wrap(self, handler: Callable[[Request], Any], auth: bool = True) -> Callable[[Request], Response]:
        """Add session checking and error rendering; plain return values become JSON 200s."""

        def run(request: Request) -> Response:
            try:
                if auth:
                    self._check_session(request)
                result = handler(request)
            except ApiError as exc:
                return Response.json({"message": exc.message}, exc.status)
            except OverflowError:
                # A valid date whose moment, in the location's zone or UTC, falls outside years 1-9999 (e.g. 23:59
                # on 9999-12-31 in New York): TimeTap's docs say nothing, so the same 400 as an invalid date (a
                # guess, see the README).
                return self.bad_request("Invalid date: outside the supported range")
            return result if isinstance(result, Response) else Response.json(result)

        return run

    # -- authentication -------------------------------------------------------------------------
    def _session_token(self, request: Request) -> Any:
        """``GET /sessionToken?apiKey&timestamp&signature``; signature = md5_hex(apiKey + privateKey)."""
        api_key, timestamp, signature = (request.arg(n) for n in ("apiKey", "timestamp", "signature"))
        if not api_key or not timestamp or not signature:
            raise ApiError(400, "apiKey, timestamp and signature are required")
        try:
            float(timestamp)  # timetappy sends a float; TimeTap does not hash or check it
        except ValueError:
            raise ApiError(400, "timestamp must be a number of seconds since the epoch") from None
        expected = hashlib.md5((seed.API_KEY + seed.PRIVATE_KEY).encode("utf-8")).hexdigest()
        if api_key != seed.API_KEY or not hmac.compare_digest(signature.lower(), expected):
            raise ApiError(403, "Invalid apiKey or signature")
        token = "st.api.api." + secrets.token_hex(16)
        with self.lock:
            self._tokens[token] = self.now() + timedelta(seconds=self.token_lifetime_seconds)
        return {"sessionToken": token}

    def _check_session(self, request: Request) -> None:
        """Accept ``Authorization: Bearer <token>`` or a ``sessionToken`` query parameter."""
        header = request.header("authorization") or ""
        scheme, _, value = header.partition(" ")
        token = value.strip() if scheme.lower() == "bearer" else ""
        token = token or (request.arg("sessionToken") or "")
        if not token:
            raise ApiError(401, "Session token is required")
        with self.lock:
            expires = self._tokens.get(token)
            if expires is None:
                raise ApiError(401, "Session token is invalid")
            if self.now() >= expires:
                del self._tokens[token]
                raise ApiError(401, "Session token has expired")

    # -- JSON shapes -----------------------------------------------------------------------------
    def _location_json(self, loc: Location) -> dict[str, Any]:
        return {
            "locationId": loc.locationId, "businessId": seed.BUSINESS_ID, "locationName": loc.locationName,
            "address1": loc.address1, "address2": loc.address2, "city": loc.city, "state": loc.state,
            "zip": loc.zip, "country": loc.country, "phone": loc.phone, "timeZone": loc.timeZone, "active": True,
        }

    def _reason_json(self, reason: Reason) -> dict[str, Any]:
        return {
            "reasonId": reason.reasonId, "businessId": seed.BUSINESS_ID, "reasonDesc": reason.reasonDesc,
            "reasonType": "SERVICE", "visitMinutes": reason.visitMinutes, "bufferMinutes": reason.bufferMinutes,
            "color": reason.color, "price": reason.price, "description": reason.description or None,
            "active": True,
        }

    def _staff_json(self, staff: Staff) -> dict[str, Any]:
        location_ids = sorted({s.locationId for s in staff.shifts})
        return {
            "professionalId": staff.professionalId, "businessId": seed.BUSINESS_ID,
            "firstName": staff.firstName, "lastName": staff.lastName, "fullName": staff.fullName,
            "email": staff.email, "active": True, "locationIdList": location_ids,
            "reasonIdList": list(staff.reasonIds),
        }

    def _client_json(self, client: Client) -> dict[str, Any]:
        return {
            "clientId": client.clientId, "businessId": seed.BUSINESS_ID,
            "firstName": client.firstName, "lastName": client.lastName, "fullName": client.fullName,
            "emailAddress": client.emailAddress, "cellPhone": client.cellPhone,
            "address": client.address, "zip": client.zip, "fields": client.fields, "status": "ACTIVE",
            "createdDate": epoch_ms(local_to_utc(client.createdDate, seed.ZONE)),
        }

    def _bounds(self, appt: Appointment) -> tuple[datetime, datetime, datetime]:
        """Local client start, client end and buffered end of an appointment."""
        reason = self.reasons[appt.reasonId]
        client_end = appt.start + timedelta(minutes=reason.visitMinutes)
        return appt.start, client_end, client_end + timedelta(minutes=reason.bufferMinutes)

    def _appointment_json(self, appt: Appointment) -> dict[str, Any]:
        start, client_end, end = self._bounds(appt)
        loc, staff = self.locations[appt.locationId], self.staff[appt.professionalId]
        reason = self.reasons[appt.reasonId]
        return {
            "calendarId": appt.calendarId,
            "appointmentIdHash": hashlib.md5(f"{seed.BUSINESS_ID}:{appt.calendarId}".encode()).hexdigest(),
            "businessId": seed.BUSINESS_ID,
            "client": self._client_json(self.clients[appt.clientId]),
            "location": {"locationId": loc.locationId, "locationName": loc.locationName, "timeZone": loc.timeZone},
            "staff": {"professionalId": staff.professionalId, "firstName": staff.firstName,
                      "lastName": staff.lastName, "fullName": staff.fullName},
            "reason": {"reasonId": reason.reasonId, "reasonDesc": reason.reasonDesc, "reasonType": "SERVICE",
                       "visitMinutes": reason.visitMinutes},
            "clientStartDate": start.date().isoformat(), "clientStartTime": to_hhmm(start),
            "clientEndDate": client_end.date().isoformat(), "clientEndTime": to_hhmm(client_end),
            "startDate": start.date().isoformat(), "startTime": to_hhmm(start),
            "endDate": end.date().isoformat(), "endTime": to_hhmm(end),
            "status": appt.status, "subStatus": appt.subStatus, "note": appt.note,
            "recurringAppointmentId": None,
            "createdDate": epoch_ms(local_to_utc(appt.createdDate, seed.ZONE)),
            **appt.extras,
        }

    @staticmethod
    def _sort_key(appt: Appointment) -> tuple[datetime, int]:
        return appt.start, appt.calendarId

    # -- lookups -------------------------------------------------------------------------------
    def _location(self, raw: Any) -> Location:
        loc = self.locations.get(_int(raw, "locationId"))
        if loc is None:
            raise ApiError(404, f"Location {raw} not found")
        return loc

    def _staff(self, raw: Any) -> Staff:
        staff = self.staff.get(_int(raw, "professionalId"))
        if staff is None:
            raise ApiError(404, f"Staff {raw} not found")
        return staff

    def _reason(self, raw: Any) -> Reason:
        reason = self.reasons.get(_int(raw, "reasonId"))
        if reason is None:
            raise ApiError(404, f"Service {raw} not found")
        return reason

    def _client(self, raw: Any) -> Client:
        client = self.clients.get(_int(raw, "clientId"))
        if client is None:
            raise ApiError(404, f"Client {raw} not found")
        return client

    def _appointment(self, raw: Any) -> Appointment:
        try:
            calendar_id = int(raw)
        except ValueError:
            calendar_id = -1
        appt = self.appointments.get(calendar_id)
        if appt is None:
            raise ApiError(404, f"Appointment {raw} not found")
        return appt

    # -- locations / staff / services --------------------------------------------------------------
    def _get_locations(self, request: Request) -> Any:
        return [self._location_json(loc) for loc in self.locations.values()]

    def _get_location(self, request: Request) -> Any:
        return self._location_json(self._location(request.params["locationId"]))

    def _get_staff_list(self, request: Request) -> Any:
        wanted = _query_ids(request, "locationId")
        return [
            self._staff_json(s) for s in self.staff.values()
            if wanted is None or wanted & {sh.locationId for sh in s.shifts}
        ]

    def _get_staff(self, request: Request) -> Any:
        return self._staff_json(self._staff(request.params["professionalId"]))

    def _get_staff_services(self, request: Request) -> Any:
        staff = self._staff(request.params["professionalId"])
        return [self._service_staff_json(staff, self.reasons[r]) for r in staff.reasonIds]

    def _service_staff_json(self, staff: Staff, reason: Reason) -> dict[str, Any]:
        return {"professionalId": staff.professionalId, "reasonId": reason.reasonId, "active": True,
                "staffName": staff.fullName, "reasonDesc": reason.reasonDesc, "visitMinutes": reason.visitMinutes}

    def _get_service(self, request: Request) -> Any:
        return self._reason_json(self._reason(request.params["reasonId"]))

    def _get_service_staff(self, request: Request) -> Any:
        reason = self._reason(request.params["reasonId"])
        return [self._service_staff_json(s, reason) for s in self.staff.values() if reason.reasonId in s.reasonIds]

    # -- availability -------------------------------------------------------------------------
    def _refusal(
        self, staff: Staff, loc: Location, reason: Reason, start: datetime, minutes: int, exclude: int | None = None
    ) -> ApiError | None:
        """Why ``staff`` cannot take this booking (or None). Shared by availability and booking."""
        if local_to_utc(start, loc.timeZone) < self.now():
            return ApiError(400, "Cannot book an appointment in the past")
        if reason.reasonId not in staff.reasonIds:
            return ApiError(400, f"{staff.fullName} does not offer {reason.reasonDesc}")
        block_end = start + timedelta(minutes=minutes + reason.bufferMinutes)
        if not any(
            sh.weekday == start.weekday() and sh.locationId == loc.locationId
            and start.date() == block_end.date()
            and to_hhmm(start) >= sh.start and block_end.hour * 100 + block_end.minute <= sh.end
            for sh in staff.shifts
        ):
            return ApiError(
                409, f"The requested time is outside {staff.fullName}'s working hours at {loc.locationName}")
        utc_start, utc_end = local_to_utc(start, loc.timeZone), local_to_utc(block_end, loc.timeZone)
        for other in self.appointments.values():
            if other.professionalId != staff.professionalId or other.status == "CANCELLED":
                continue
            if other.calendarId == exclude:
                continue
            o_start, _, o_end = self._bounds(other)
            zone = self.locations[other.locationId].timeZone
            if local_to_utc(o_start, zone) < utc_end and utc_start < local_to_utc(o_end, zone):
                # TimeTap documents no error bodies (sandboxes/README.md: guesses).
                return ApiError(*self.worded("slot_taken", [
                    (409, f"The selected time is not available: {staff.fullName} already has an appointment "
                          f"from {to_hhmm(o_start):04d} to {to_hhmm(o_end):04d} on {o_start.date().isoformat()}"),
                    (400, "Time slot is no longer available. Please choose another time."),
                    (422, f"{staff.fullName} is booked at the requested time"),
                ]))
        for off in self.time_off.values():
            if off.professionalId != staff.professionalId:
                continue
            if local_to_utc(off.start, loc.timeZone) < utc_end and utc_start < local_to_utc(off.end, loc.timeZone):
                return ApiError(409, f"The selected time is not available: {staff.fullName} is unavailable (time off)")
        return None

    def _slots(self, staff: Staff, loc: Location, reason: Reason, day: date, minutes: int) -> list[datetime]:
        """Bookable local start times: shifts stepped by the slot interval, minus refusals."""
        starts: list[datetime] = []
        if reason.reasonId not in staff.reasonIds:
            return starts
        step = timedelta(minutes=self.slot_interval_minutes)
        for sh in staff.shifts:
            if sh.weekday != day.weekday() or sh.locationId != loc.locationId:
                continue
            h, m = divmod(sh.start, 100)
            cursor = datetime(day.year, day.month, day.day, h, m)
            while to_hhmm(cursor) < sh.end and cursor.date() == day:
                if self._refusal(staff, loc, reason, cursor, minutes) is None:
                    starts.append(cursor)
                cursor += step
        return sorted(starts)

    def _duration(self, request: Request, reason: Reason) -> int:
        raw = request.arg("duration")
        if raw is None or raw == "":
            return reason.visitMinutes
        minutes = _int(raw, "duration")
        if not 1 <= minutes <= 24 * 60:
            raise ApiError(400, "duration must be between 1 and 1440 minutes")
        return minutes

    def _availability_target(self, request: Request) -> tuple[Staff, Location, Reason, int]:
        staff = self._staff(request.params["staffId"])
        loc = self._location(request.params["locationId"])
        reason = self._reason(request.params["reasonId"])
        return staff, loc, reason, self._duration(request, reason)

    def _availability_day(self, request: Request) -> Any:
        """``GET /availability/{YYYY}/{MM}/{DD}/{staffId}/{locationId}/{reasonId}``: the day's timeslots."""
        p = request.params
        day = self._path_date(p["year"], p["month"], p["day"])
        with self.lock:
            staff, loc, reason, minutes = self._availability_target(request)
            starts = self._slots(staff, loc, reason, day, minutes)
        slots = []
        for start in starts:
            client_end = start + timedelta(minutes=minutes)
            slots.append({
                "date": day.isoformat(),
                "startTime": to_hhmm(start), "endTime": to_hhmm(client_end + timedelta(minutes=reason.bufferMinutes)),
                "clientStartTime": to_hhmm(start), "clientEndTime": to_hhmm(client_end),
                "staffId": staff.professionalId, "locationId": loc.locationId, "reasonId": reason.reasonId,
            })
        return slots

    def _availability_month(self, request: Request) -> Any:
        """``GET /availability/{YYYY}/{MM}/{staffId}/{locationId}/{reasonId}``: days with openings."""
        p = request.params
        first = self._path_date(p["year"], p["month"], "1")
        days_in_month = _calendar.monthrange(first.year, first.month)[1]
        with self.lock:
            staff, loc, reason, minutes = self._availability_target(request)
            open_days = [
                d for d in range(1, days_in_month + 1)
                if self._slots(staff, loc, reason, first.replace(day=d), minutes)
            ]
        return {
            "year": first.year, "month": first.month,
            "staffId": staff.professionalId, "locationId": loc.locationId, "reasonId": reason.reasonId,
            "availableDays": open_days,
            "availableDates": [first.replace(day=d).isoformat() for d in open_days],
        }

    def _availability_dates(self, request: Request) -> Any:
        """``GET /availability/location/{locationId}/service/{reasonId}?startDate&endDate``: all staff."""
        start, end = _query_date(request, "startDate"), _query_date(request, "endDate")
        if start is None or end is None:
            raise ApiError(400, "startDate and endDate are required")
        self._check_range(start, end)
        out = []
        with self.lock:
            loc = self._location(request.params["locationId"])
            reason = self._reason(request.params["reasonId"])
            minutes = self._duration(request, reason)
            day = start
            while day <= end:
                staff_ids = [s.professionalId for s in self.staff.values() if self._slots(s, loc, reason, day, minutes)]
                if staff_ids:
                    out.append({"date": day.isoformat(), "staffIdList": staff_ids})
                day += timedelta(days=1)
        return out

    @staticmethod
    def _path_date(year: str, month: str, day: str) -> date:
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            raise ApiError(400, f"Invalid date {year}/{month}/{day}") from None

    @staticmethod
    def _check_range(start: date, end: date) -> None:
        if end < start:
            raise ApiError(400, "endDate must not be before startDate")
        if (end - start).days > MAX_RANGE_DAYS:
            raise ApiError(400, f"date range must not exceed {MAX_RANGE_DAYS} days")

    # -- clients --------------------------------------------------------------------------------
    _CLIENT_ORDER: ClassVar[frozenset[str]] = frozenset(
        {"clientId", "firstName", "lastName", "fullName", "emailAddress"})

    def _client_rows(self, request: Request) -> list[dict[str, Any]]:
        rows = [self._client_json(c) for c in self.clients.values()]
        wanted = _query_ids(request, "clientId")
        if wanted is not None:
            rows = [r for r in rows if r["clientId"] in wanted]
        field = request.arg("order_field") or "clientId"
        mode = (request.arg("order_mode") or "asc").lower()
        if field not in self._CLIENT_ORDER:
            raise ApiError(400, f"order_field must be one of {sorted(self._CLIENT_ORDER)}")
        if mode not in ("asc", "desc"):
            raise ApiError(400, "order_mode must be asc or desc")
        rows.sort(key=lambda r: (str(r[field] or "").lower() if field != "clientId" else r[field], r["clientId"]),
                  reverse=mode == "desc")
        return rows

    def _get_clients(self, request: Request) -> Any:
        number, size = _paging(request)
        with self.lock:
            return _page(self._client_rows(request), number, size)

    def _get_clients_with_count(self, request: Request) -> Any:
        number, size = _paging(request)
        with self.lock:
            rows = self._client_rows(request)
        return {"count": len(rows), "list": _page(rows, number, size)}

    def _get_clients_count(self, request: Request) -> Any:
        with self.lock:
            return len(self._client_rows(request))

    def _get_client(self, request: Request) -> Any:
        with self.lock:
            return self._client_json(self._client(request.params["clientId"]))

    def _new_client(self, body: dict[str, Any]) -> Client:
        """Create a client from an inline/POSTed client object (caller holds the lock)."""
        first, last = str(body.get("firstName") or "").strip(), str(body.get("lastName") or "").strip()
        if not first and not last and body.get("fullName"):
            first, _, last = str(body["fullName"]).strip().partition(" ")
        if not first and not last:
            raise ApiError(400, "client firstName or lastName is required")
        fields = body.get("fields") or []
        if not isinstance(fields, list):
            raise ApiError(400, "client fields must be an array")
        client = Client(
            self._next_client_id, first, last,
            emailAddress=(str(body["emailAddress"]).strip() or None) if body.get("emailAddress") else None,
            cellPhone=body.get("cellPhone"), address=body.get("address"), zip=body.get("zip"),
            fields=fields, createdDate=utc_to_local(self.now(), seed.ZONE),
        )
        self.clients[client.clientId] = client
        self._next_client_id += 1
        return client

    def _post_client(self, request: Request) -> Any:
        body = self._json_object(request)
        with self.lock:
            return self._client_json(self._new_client(body))

    def _resolve_client(self, body: Any) -> Client:
        """Inline client of an appointment: by ``clientId``, else by e-mail, else created."""
        if not isinstance(body, dict):
            raise ApiError(400, "client is required")
        if body.get("clientId") not in (None, "", 0):
            return self._client(body["clientId"])
        email = str(body.get("emailAddress") or "").strip().lower()
        if email:
            for client in self.clients.values():
                if (client.emailAddress or "").lower() == email:
                    return client
        return self._new_client(body)

    # -- appointments ----------------------------------------------------------------------------
    @staticmethod
    def _json_object(request: Request) -> dict[str, Any]:
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "Request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Request body must be a JSON object")
        return body

    @staticmethod
    def _ref(body: dict[str, Any], key: str, id_field: str) -> Any:
        ref = body.get(key)
        if isinstance(ref, dict) and ref.get(id_field) not in (None, ""):
            return ref[id_field]
        return None

    @staticmethod
    def _start_from(body: dict[str, Any], date_key: str, time_key: str) -> datetime | None:
        if body.get(date_key) in (None, "") and body.get(time_key) in (None, ""):
            return None
        try:
            day = parse_date(body.get(date_key), date_key)
            hour, minute = parse_hhmm(body.get(time_key), time_key)
        except ValueError as exc:
            raise ApiError(400, str(exc)) from None
        return datetime(day.year, day.month, day.day, hour, minute)

    # Reminder/confirmation fields of the create body, stored and echoed back unchanged.
    _EXTRAS: ClassVar[tuple[str, ...]] = (
        "clientReminderHours", "staffReminderHours", "remindClientSmsHrs", "remindStaffSmsHrs",
        "sendConfirmationToClient", "sendConfirmationToStaff")

    def _post_appointment(self, request: Request) -> Any:
        """``POST /appointments`` with the client inline; refuses overlaps for the staff member."""
        body = self._json_object(request)
        if body.get("businessId") not in (None, "") and str(body["businessId"]) != str(seed.BUSINESS_ID):
            raise ApiError(400, "businessId does not match the session's business")
        refs = {k: self._ref(body, k, f) for k, f in
                (("location", "locationId"), ("staff", "professionalId"), ("reason", "reasonId"))}
        missing = [k for k, v in refs.items() if v is None]
        if missing:
            raise ApiError(400, f"Missing required field(s): {', '.join(missing)}")
        # The third-party booking code treats startDate/startTime as authoritative; the client*
        # pair is the fallback. End fields are derived from the service, never trusted.
        start = self._start_from(body, "startDate", "startTime") or self._start_from(
            body, "clientStartDate", "clientStartTime")
        if start is None:
            raise ApiError(400, "startDate and startTime (or clientStartDate and clientStartTime) are required")
        if "client" not in body and body.get("clientId") in (None, ""):
            raise ApiError(400, "client is required")
        status = str(body.get("status") or "OPEN").upper()
        if status not in ("OPEN", "PENDING"):
            raise ApiError(400, "status of a new appointment must be OPEN or PENDING")
        with self.lock:
            loc, staff = self._location(refs["location"]), self._staff(refs["staff"])
            reason = self._reason(refs["reason"])
            refusal = self._refusal(staff, loc, reason, start, reason.visitMinutes)
            if refusal is not None:
                raise refusal
            client = self._resolve_client(body.get("client") or {"clientId": body.get("clientId")})
            appt = Appointment(
                self._next_calendar_id, client.clientId, staff.professionalId, loc.locationId, reason.reasonId,
                start, status=status, subStatus="OPEN", note=str(body.get("note") or ""),
                createdDate=utc_to_local(self.now(), seed.ZONE),
                extras={k: body[k] for k in self._EXTRAS if k in body},
            )
            self.appointments[appt.calendarId] = appt
            self._next_calendar_id += 1
            if body.get("sendConfirmationToClient"):
                self._notify(appt, "confirmation", "client")
            if body.get("sendConfirmationToStaff"):
                self._notify(appt, "confirmation", "staff")
            return self._appointment_json(appt)

    def _get_appointment(self, request: Request) -> Any:
        with self.lock:
            return self._appointment_json(self._appointment(request.params["calendarId"]))

    def _put_appointment(self, request: Request) -> Any:
        """``PUT /appointments/{calendarId}``: update note and reschedule (time/staff/location/service)."""
        body = self._json_object(request)
        with self.lock:
            appt = self._appointment(request.params["calendarId"])
            if appt.status == "CANCELLED":
                raise ApiError(400, "A cancelled appointment cannot be updated")
            current = self._appointment_json(appt)
            # A full-object PUT echoes unchanged fields back, so take whichever start pair changed.
            start = appt.start
            for date_key, time_key in (("startDate", "startTime"), ("clientStartDate", "clientStartTime")):
                new_date, new_time = body.get(date_key, current[date_key]), body.get(time_key, current[time_key])
                if new_date != current[date_key] or new_time != current[time_key]:
                    start = self._start_from({date_key: new_date, time_key: new_time}, date_key, time_key) or start
                    break
            loc_id = self._ref(body, "location", "locationId") or appt.locationId
            staff_id = self._ref(body, "staff", "professionalId") or appt.professionalId
            reason_id = self._ref(body, "reason", "reasonId") or appt.reasonId
            loc, staff, reason = self._location(loc_id), self._staff(staff_id), self._reason(reason_id)
            moved = (start, loc.locationId, staff.professionalId, reason.reasonId) != (
                appt.start, appt.locationId, appt.professionalId, appt.reasonId)
            if moved:
                refusal = self._refusal(staff, loc, reason, start, reason.visitMinutes, exclude=appt.calendarId)
                if refusal is not None:
                    raise refusal
                appt.start, appt.locationId, appt.professionalId, appt.reasonId = (
                    start, loc.locationId, staff.professionalId, reason.reasonId)
            if "note" in body:
                appt.note = str(body.get("note") or "")
            appt.extras.update({k: body[k] for k in self._EXTRAS if k in body})
            return self._appointment_json(appt)

    def _set_status(self, request: Request, status: str, sub_status: str, notify: dict[str, bool]) -> Any:
        body_raw = request.body.strip()
        if body_raw:
            self._json_object(request)  # validated but not needed: the path says what to do
        with self.lock:
            appt = self._appointment(request.params["calendarId"])
            if appt.status == status:
                return self._appointment_json(appt)  # idempotent so client retries are safe
            if appt.status == "CANCELLED":
                raise ApiError(400, "Appointment is cancelled")
            appt.status, appt.subStatus = status, sub_status
            for who, send in notify.items():
                if send:
                    self._notify(appt, sub_status.lower(), who)
            return self._appointment_json(appt)

    def _cancel(self, request: Request) -> Any:
        """``PUT /appointments/{id}/cancel/{sendStaffEmail}/{sendClientEmail}``."""
        notify = {"staff": _bool_segment(request.params["sendStaffEmail"], "sendStaffEmail"),
                  "client": _bool_segment(request.params["sendClientEmail"], "sendClientEmail")}
        return self._set_status(request, "CANCELLED", "CANCEL", notify)

    def _no_show(self, request: Request) -> Any:
        notify = {"client": _bool_segment(request.params["sendClientEmail"], "sendClientEmail")}
        return self._set_status(request, "NO_SHOW", "NO_SHOW", notify)

    def _completed(self, request: Request) -> Any:
        notify = {"client": _bool_segment(request.params["sendClientEmail"], "sendClientEmail")}
        return self._set_status(request, "COMPLETED", "COMPLETED", notify)

    def _notify(self, appt: Appointment, kind: str, to: str) -> None:
        self.notifications.append({"calendarId": appt.calendarId, "kind": kind, "to": to})

    # -- appointment reports ------------------------------------------------------------------------
    def _report_rows(self, request: Request) -> list[Appointment]:
        start, end = _query_date(request, "startDate"), _query_date(request, "endDate")
        statuses = {s.upper() for s in _query_list(request, "statusList") or []}
        staff_ids, reason_ids = _query_ids(request, "staffIdList"), _query_ids(request, "reasonIdList")
        location_ids, client_ids = _query_ids(request, "locationIdList"), _query_ids(request, "clientId")
        rows = []
        for appt in sorted(self.appointments.values(), key=self._sort_key):
            day = appt.start.date()
            if (start and day < start) or (end and day > end):
                continue
            if statuses and appt.status not in statuses:
                continue
            if staff_ids is not None and appt.professionalId not in staff_ids:
                continue
            if reason_ids is not None and appt.reasonId not in reason_ids:
                continue
            if location_ids is not None and appt.locationId not in location_ids:
                continue
            if client_ids is not None and appt.clientId not in client_ids:
                continue
            rows.append(appt)
        return rows

    def _appointment_report(self, request: Request) -> Any:
        number, size = _paging(request)
        with self.lock:
            return [self._appointment_json(a) for a in _page(self._report_rows(request), number, size)]

    def _appointment_report_with_count(self, request: Request) -> Any:
        number, size = _paging(request)
        with self.lock:
            rows = self._report_rows(request)
            return {"count": len(rows), "list": [self._appointment_json(a) for a in _page(rows, number, size)]}

    def _appointment_report_count(self, request: Request) -> Any:
        with self.lock:
            return len(self._report_rows(request))

    def _count_by_status(self, request: Request) -> Any:
        with self.lock:
            loc = self._location(request.params["locationId"])
            counts: dict[str, int] = {}
            for appt in self._report_rows(request):
                if appt.locationId == loc.locationId:
                    counts[appt.status] = counts.get(appt.status, 0) + 1
            return counts

    # -- Calendar API (seed 002) ------------------------------------------------------------------
    def _appointment_event(self, appt: Appointment, show_buffer: bool) -> dict[str, Any]:
        start, client_end, buffered_end = self._bounds(appt)
        end = buffered_end if show_buffer else client_end
        zone = self.locations[appt.locationId].timeZone
        staff, reason = self.staff[appt.professionalId], self.reasons[appt.reasonId]
        return {
            "allDay": False, "appointmentType": "APPOINTMENT", "attendees": None, "color": reason.color,
            "end": js_date(end), "endDateTimeUTC": js_date(local_to_utc(end, zone)),
            "id": appt.calendarId, "paid": False, "readOnly": False, "recurringAppointmentId": None,
            "start": js_date(start), "startDateTimeUTC": js_date(local_to_utc(start, zone)),
            "status": appt.status, "subStatus": appt.subStatus,
            "title": f"{self.clients[appt.clientId].fullName} for {reason.reasonDesc} with {staff.fullName}",
            "uninvoiced": False,
        }

    def _time_off_event(self, off: TimeOff) -> dict[str, Any]:
        label = "Time Off" if off.kind == "TIME_OFF" else "Vacation"
        return {
            "allDay": off.allDay, "appointmentType": off.kind, "attendees": None, "color": "#B5B5B5",
            "end": js_date(off.end), "endDateTimeUTC": js_date(local_to_utc(off.end, seed.ZONE)),
            "id": off.id, "paid": False, "readOnly": False, "recurringAppointmentId": None,
            "start": js_date(off.start), "startDateTimeUTC": js_date(local_to_utc(off.start, seed.ZONE)),
            "status": "OPEN", "subStatus": "OPEN",
            "title": f"{label}: {self.staff[off.professionalId].fullName} ({off.note})", "uninvoiced": False,
        }

    def _calendar_range(self, request: Request) -> Any:
        """``GET /calendar/range/{staffIdList}``: events of those staff between startDate and endDate."""
        staff_ids = {_int(part, "staffIdList") for part in request.params["staffIdList"].split(",") if part.strip()}
        if not staff_ids:
            raise ApiError(400, "staffIdList is required")
        start, end = _query_date(request, "startDate"), _query_date(request, "endDate")
        start = start or utc_to_local(self.now(), seed.ZONE).date()
        if end is None:
            if self.calendar_requires_end_date:
                raise ApiError(400, "endDate is required")
            end = start + timedelta(days=6)
        self._check_range(start, end)
        show_buffer = _query_flag(request, "showBuffer", False)
        show_time_off = _query_flag(request, "showTimeOff", False)
        _query_flag(request, "showPaid", False)  # no invoices exist, so paid is always false
        _query_flag(request, "hideEmptyClasses", False)  # the sandbox has no classes
        statuses = {s.upper() for s in _query_list(request, "statusList") or []}
        location_ids, reason_ids = _query_ids(request, "locationIdList"), _query_ids(request, "serviceIdList")
        _query_ids(request, "locationGroupIdList")  # validated only: the business has no location groups
        events: list[tuple[datetime, dict[str, Any]]] = []
        with self.lock:
            for appt in self.appointments.values():
                if appt.professionalId not in staff_ids or not start <= appt.start.date() <= end:
                    continue
                # Calendars hide cancelled visits unless statusList asks for them.
                if (statuses and appt.subStatus not in statuses) or (not statuses and appt.subStatus == "CANCEL"):
                    continue
                if location_ids is not None and appt.locationId not in location_ids:
                    continue
                if reason_ids is not None and appt.reasonId not in reason_ids:
                    continue
                events.append((appt.start, self._appointment_event(appt, show_buffer)))
            if show_time_off:
                window_start, window_end = datetime.combine(start, datetime.min.time()), datetime.combine(
                    end + timedelta(days=1), datetime.min.time())
                for off in self.time_off.values():
                    if off.professionalId in staff_ids and off.start < window_end and window_start < off.end:
                        events.append((off.start, self._time_off_event(off)))
        events.sort(key=lambda pair: (pair[0], pair[1]["id"]))
        return [event for _, event in events]

    def _calendar_event(self, request: Request) -> Any:
        """``GET /calendar/event/{eventType}/{eventId}``: an array of one event object."""
        event_type = request.params["eventType"].upper()
        if event_type not in EVENT_TYPES:
            raise ApiError(400, f"eventType must be one of {', '.join(EVENT_TYPES)}")
        event_id = _int(request.params["eventId"], "eventId")
        show_buffer = _query_flag(request, "showBuffer", False)
        with self.lock:
            if event_type == "APPOINTMENT" and event_id in self.appointments:
                return [self._appointment_event(self.appointments[event_id], show_buffer)]
            off = self.time_off.get(event_id)
            if off is not None and off.kind == event_type:
                return [self._time_off_event(off)]
        raise ApiError(404, f"{event_type} event {event_id} not found")

