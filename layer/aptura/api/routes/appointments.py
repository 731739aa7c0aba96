"""/v1/appointments: book, read, list, reschedule and cancel appointments."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import AfterValidator, BeforeValidator

from aptura import events
from aptura.api import listing
from aptura.api.app import (
    ERROR_RESPONSES,
    Caller,
    ConnectionHeader,
    Cursor,
    Include,
    Limit,
    current_event,
    native_filters,
    resolve_caller,
    run_operation,
    success,
)
from aptura.api.audit import aside as audit_aside
from aptura.api.audit import audit
from aptura.api.idempotency import IdempotencyKey, write_once
from aptura.api.models import (
    Appointment,
    AppointmentCreate,
    AppointmentList,
    AppointmentUpdate,
    Status,
    iso_8601,
)
from aptura.api.shaping import clean_slots
from aptura.engine.http import Deadline
from aptura.engine.timezones import format_utc, parse_datetime, zone
from aptura.errors import AptError, ProviderError, ValidationError
from aptura.store import snapshots, uncertain

router = Router()
logger = Logger(child=True)

# Without dates, a list covers the next 30 days; longer windows cost providers too much.
DEFAULT_WINDOW_DAYS = 30
MAX_WINDOW_DAYS = 92
# Local days lie within UTC-12..UTC+14 of an instant.
_WEST, _EAST = timedelta(hours=12), timedelta(hours=14)
ORDERING_FIELDS = {"start_time": "startTime", "end_time": "endTime"}
# REST API Gateway hands Powertools the path still percent-encoded; ids such as
# "urn:blvd:Appointment:…" must reach the provider decoded.
AppointmentId = Annotated[str, Path(min_length=1, max_length=200, description="The appointment's id",
                                    examples=["apt_123abc"]), AfterValidator(unquote)]


def _appointment(caller: Caller, output: Any) -> dict[str, Any]:
    if not isinstance(output, dict):
        raise ProviderError("the provider's appointment could not be read back")
    return listing.unify([output], Appointment, {"provider": caller.spec.id})[0]


@router.post(
    "/v1/appointments",
    operation_id="createAppointment",
    summary="Book an appointment",
    tags=["Appointments"],
    responses={201: success(Appointment, "The booked appointment"), **ERROR_RESPONSES},
)
def create_appointment(body: AppointmentCreate, connection_id: ConnectionHeader,
                       idempotency_key: IdempotencyKey = None) -> tuple[dict[str, Any], int]:
    caller = resolve_caller("bookings:write", connection_id)
    request = body.model_dump(mode="json", exclude_none=True)
    request["startTime"] = format_utc(body.startTime)
    reference = booking_reference(caller, idempotency_key)
    input_ = {**request, "reference": reference}
    stamps = caller.spec.stamps_reference()
    account, connection = caller.key.account_id, caller.connection.connection_id

    def booked(appointment: dict[str, Any], outcome: str) -> tuple[dict[str, Any], int]:
        audit("appointments.create", outcome, appointment_id=appointment["id"], reference=reference)
        shown = listing.present(appointment, include_raw=False)
        # Here and only here: a replay of this Idempotency-Key answers from the store without calling book(),
        # so the event leaves once per booking; a reconciled booking is one whose first attempt never answered.
        _emit(caller, "appointment.created", shown)
        return shown, 201

    def book() -> tuple[dict[str, Any], int]:
        deadline = Deadline()
        # One read per keyed booking: did an earlier attempt with this key end in the unknown?
        retrying = bool(stamps and idempotency_key and uncertain.is_uncertain(account, connection, reference))
        if retrying:  # it may have landed: look before booking again (no look, no booking)
            found = find_booked(caller, input_, deadline, strict=True)
            if found is not None:
                uncertain.forget(account, connection, reference)
                return booked(found, "reconciled")
        try:
            output = run_operation(caller, "appointments.create", input_, deadline).output
        except AptError as exc:
            if not exc.outcome_unknown:
                raise refusal(caller, input_, exc, deadline) from exc
            found = find_booked(caller, input_, deadline) if stamps else None
            if found is not None:
                return booked(found, "reconciled")
            exc.mark_outcome_unknown(reference=reference)
            if stamps:
                uncertain.remember(account, connection, reference, "appointments.create")
            raise
        if retrying:
            uncertain.forget(account, connection, reference)
        return booked(_appointment(caller, output), "created")

    return write_once(caller, "appointments.create", idempotency_key, request, book)


# Refusals whose reason the re-read of availability decides (a spec may already name one slot_taken).
_READ_AGAIN = ("conflict", "unprocessable")


def refusal(caller: Caller, input_: dict[str, Any], exc: AptError, deadline: Deadline) -> AptError:
    """What a provider's refusal of a booking means, from the provider's behaviour, not its words.

    A refusal the spec did not name ``slot_taken`` makes Aptura read availability for that service,
    staff member and day (a read only: nothing is booked again). A slot no longer offered is 409
    ``conflict`` (``details.reason`` ``slot_taken``, times in UTC); a slot still offered is 422 with
    the provider's reason. When the read itself fails, the refusal stands as the provider gave it.
    """
    details = exc.details if isinstance(exc.details, dict) else {}
    start = parse_datetime(str(input_["startTime"]))
    staff = str(input_.get("staffId") or "")
    if exc.code == "conflict" and details.get("reason") == "slot_taken":  # the spec saw it (e.g. from availability)
        return _slot_taken(exc, details, start, staff)
    if exc.code not in _READ_AGAIN or not exc.from_provider:
        return exc
    day = start.astimezone(UTC).date()
    query = {"serviceId": input_["serviceId"], "staffId": input_.get("staffId"),
             "startDate": (day - timedelta(days=1)).isoformat(), "endDate": (day + timedelta(days=1)).isoformat()}
    try:
        with audit_aside():  # the request's audit line keeps the refused booking's provider request id
            outcome = run_operation(caller, "availability.list", query, deadline)
        slots = clean_slots(outcome.output, day - timedelta(days=1), day + timedelta(days=1), outcome.zone)
    except AptError as read_error:
        logger.info("availability not read after a refused booking", extra={"error": read_error.code})
        return exc
    offered = any(parse_datetime(str(s["startTime"])) == start and (not staff or s.get("staffId") in (None, staff))
                  for s in slots)
    if not offered:
        return _slot_taken(exc, details, start, staff)
    reason = details.get("provider_message") or exc.message
    return AptError(f"the provider refused the booking: {reason}", code="unprocessable",
                    details={**details, "reason": "provider_refused", "provider_message": reason,
                             "startTime": format_utc(start)})


def moved_refusal(caller: Caller, appointment_id: str, changes: dict[str, Any], exc: AptError) -> AptError:
    """:func:`refusal` for a reschedule: the booking's service (and unchanged time or staff) read first."""
    if not exc.from_provider and (exc.details or {}).get("reason") != "slot_taken":
        return exc
    try:
        with audit_aside():
            current = _appointment(caller, run_operation(caller, "appointments.get", {"id": appointment_id}).output)
    except AptError:
        return exc
    wanted = {"serviceId": (current.get("service") or {}).get("id"),
              "staffId": changes.get("staffId") or (current.get("staff") or {}).get("id"),
              "startTime": changes.get("startTime") or current.get("startTime")}
    if not wanted["serviceId"] or not wanted["startTime"]:
        return exc
    return refusal(caller, wanted, exc, Deadline())


def _slot_taken(exc: AptError, details: dict[str, Any], start: datetime, staff: str) -> AptError:
    who = f" with staff member {staff}" if staff else ""
    message = f"The slot at {format_utc(start)}{who} is no longer available"
    provider_message = details.get("provider_message") or exc.message
    return AptError(message, code="conflict", details={**details, "reason": "slot_taken",
                                                       "startTime": format_utc(start),
                                                       "provider_message": provider_message})


def _emit(caller: Caller, event_type: str, appointment: dict[str, Any], previous: dict[str, Any] | None = None,
          targets: list[Any] | None = None) -> None:
    """Report a write that succeeded to the account's webhook endpoints (never fails the write).

    The appointment's snapshot is stored first, whether or not an endpoint listens now: the change poller
    (:mod:`aptura.poller`) then finds nothing new, so the change is not reported a second time; and when a poll
    stored the provider's new state first, that poll reported it and nothing is emitted here.
    """
    record = caller.connection
    try:
        if not snapshots.record(caller.key.account_id, record.connection_id, appointment):
            return  # a poll saw the provider's new state first and reported this change already
    except Exception as exc:  # noqa: BLE001 - the write happened; at worst the poller reports it again
        logger.warning("appointment snapshot not stored", extra={"error": type(exc).__name__})
    events.emit(caller.key.account_id, record.mode, event_type, record.connection_id, appointment, previous,
                record.end_user, targets)


def _before(caller: Caller, event_type: str, appointment_id: str) -> tuple[list[Any], dict[str, Any] | None]:
    """The endpoints that want ``event_type`` and, only when some do, the appointment as it is now.

    The read costs a provider call, spent only when an event will carry its ``previous`` fields; a
    read that fails leaves ``previous`` empty rather than failing the write.
    """
    try:
        targets = events.wanted(caller.key.account_id, caller.connection.mode, event_type,
                                caller.connection.connection_id)
    except Exception as exc:  # noqa: BLE001 - webhooks must never block a booking change
        logger.warning("webhook endpoints not read", extra={"error": type(exc).__name__})
        return [], None
    if not targets:
        return [], None
    try:
        with audit_aside():  # the request's audit line keeps the write's operation and provider request id
            output = run_operation(caller, "appointments.get", {"id": appointment_id}).output
        return targets, listing.present(_appointment(caller, output), include_raw=False)
    except AptError as exc:
        logger.info("appointment not read before the change", extra={"error": exc.code})
        return targets, None


def booking_reference(caller: Caller, idempotency_key: str | None) -> str:
    """Aptura's reference for a booking: derived from the Idempotency-Key, so every retry has it."""
    if not idempotency_key:
        return f"aptref_{secrets.token_hex(10)}"
    scope = f"{caller.key.account_id}#{caller.connection.connection_id}#appointments.create#{idempotency_key}"
    return f"aptref_{hashlib.sha256(scope.encode()).hexdigest()[:20]}"


def find_booked(caller: Caller, input_: dict[str, Any], deadline: Deadline, strict: bool = False
                ) -> dict[str, Any] | None:
    """The live booking carrying ``input_["reference"]``, looked up around its start; None if absent.

    Within what is left of the request's budget. A lookup that fails finds nothing, unless
    ``strict``: then its error is raised (still of unknown outcome), since booking without
    having looked could book twice.
    """
    start = parse_datetime(input_["startTime"])
    first, last = local_window(None, None, start, start, start.date())
    lookup = {"startDate": first.isoformat(), "endDate": last.isoformat(), "staffId": input_.get("staffId"),
              "serviceId": None, "status": None, "clientEmail": None, "locationId": input_.get("locationId")}
    try:
        with audit_aside():  # the request's audit line keeps the booking's operation and provider request id
            output = run_operation(caller, "appointments.list", lookup, deadline).output
        items = listing.unify(output, Appointment, {"provider": caller.spec.id})
    except AptError as exc:
        logger.info("reconciliation lookup failed", extra={"error": exc.code})
        if strict:
            exc.mark_outcome_unknown(reference=input_["reference"])
            raise
        return None
    return next((a for a in items if a.get("reference") == input_["reference"] and a["status"] != "cancelled"),
                None)


def local_window(start_date: date | None, end_date: date | None, start_datetime: datetime | None,
                 end_datetime: datetime | None, today: date) -> tuple[date, date]:
    """The provider-local days a list must cover for the caller's date and time filters."""
    firsts = [d for d in (start_date, start_datetime and (start_datetime - _WEST).date()) if d]
    lasts = [d for d in (end_date, end_datetime and (end_datetime + _EAST).date()) if d]
    first = max(firsts) if firsts else (min(lasts) - timedelta(days=DEFAULT_WINDOW_DAYS) if lasts else today)
    last = min(lasts) if lasts else first + timedelta(days=DEFAULT_WINDOW_DAYS)
    if last < first:
        raise ValidationError("the end is before the start", details={"end_date": ["must not be before the start"]})
    if (last - first).days >= MAX_WINDOW_DAYS:
        raise ValidationError(f"the window is longer than {MAX_WINDOW_DAYS} days",
                              details={"end_date": [f"at most {MAX_WINDOW_DAYS} days after the start"]})
    return first, last


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValidationError(f"{name} needs a time zone", details={name: ["use UTC with 'Z'"]})
    return value


@router.get(
    "/v1/appointments",
    operation_id="listAppointments",
    summary="List appointments",
    description="Filters the provider cannot apply are applied by Aptura; the answer is the same either way.",
    tags=["Appointments"],
    responses={200: success(AppointmentList, "A page of appointments"), **ERROR_RESPONSES},
)
def list_appointments(
    connection_id: ConnectionHeader,
    start_date: Annotated[date | None, Query(description="First local day (YYYY-MM-DD), business zone"),
                          BeforeValidator(iso_8601)] = None,
    end_date: Annotated[date | None, Query(description="Last local day, inclusive"), BeforeValidator(iso_8601)] = None,
    start_datetime: Annotated[datetime | None, Query(description="Starting at or after (ISO-8601)"),
                              BeforeValidator(iso_8601)] = None,
    end_datetime: Annotated[datetime | None, Query(description="Starting at or before (ISO-8601)"),
                            BeforeValidator(iso_8601)] = None,
    status: Annotated[Status | None, Query(description="Unified status")] = None,
    service_id: Annotated[str | None, Query(max_length=100)] = None,
    staff_id: Annotated[str | None, Query(max_length=100)] = None,
    client_email: Annotated[str | None, Query(max_length=254)] = None,
    reference: Annotated[str | None, Query(max_length=100, description="Aptura's reference of a booking")] = None,
    ordering: Annotated[Literal["start_time", "-start_time", "end_time", "-end_time"],
                        Query(description="Sort field; `-` for descending")] = "start_time",
    limit: Limit = listing.DEFAULT_LIMIT,
    cursor: Cursor = None,
    include: Include = None,
) -> dict[str, Any]:
    start_datetime, end_datetime = _aware(start_datetime, "start_datetime"), _aware(end_datetime, "end_datetime")
    first, last = local_window(start_date, end_date, start_datetime, end_datetime,
                               (datetime.now(UTC) - _WEST).date())
    caller = resolve_caller("bookings:read", connection_id)
    input_ = {"startDate": first.isoformat(), "endDate": last.isoformat(), "staffId": staff_id,
              "serviceId": service_id, "status": status, "clientEmail": client_email}
    outcome = run_operation(caller, "appointments.list", input_)
    items = listing.unify(outcome.output, Appointment, {"provider": caller.spec.id})
    native = native_filters(caller, "appointments.list")
    tz = zone(outcome.zone)

    def starts(item: dict[str, Any]) -> datetime:
        return parse_datetime(item["startTime"])

    conditions: list[Any] = [lambda i: first <= starts(i).astimezone(tz).date() <= last]
    if start_datetime:
        conditions.append(lambda i: starts(i) >= start_datetime)
    if end_datetime:
        conditions.append(lambda i: starts(i) <= end_datetime)
    for path, value, name in [("status", status, "status"), ("service.id", service_id, "serviceId"),
                              ("staff.id", staff_id, "staffId"), ("client.email", client_email, "clientEmail"),
                              ("reference", reference, "reference")]:
        if value is not None:
            conditions.append(listing.equals(path, value, native=name in native))
    return listing.respond(items, conditions=conditions, ordering=ordering, fields=ORDERING_FIELDS, limit=limit,
                           cursor=cursor, query=current_event().query_string_parameters or {},
                           include_raw=include == "raw")


@router.get(
    "/v1/appointments/<appointment_id>",
    operation_id="getAppointment",
    summary="Get an appointment",
    tags=["Appointments"],
    responses={200: success(Appointment, "The appointment"), **ERROR_RESPONSES},
)
def get_appointment(appointment_id: AppointmentId, connection_id: ConnectionHeader,
                    include: Include = None) -> dict[str, Any]:
    caller = resolve_caller("bookings:read", connection_id)
    output = run_operation(caller, "appointments.get", {"id": appointment_id}).output
    return listing.present(_appointment(caller, output), include_raw=include == "raw")


@router.patch(
    "/v1/appointments/<appointment_id>",
    operation_id="updateAppointment",
    summary="Reschedule an appointment or change its notes",
    description="A new `startTime` and/or `staffId` reschedules; a taken slot is 409 and the booking stays as it was.",
    tags=["Appointments"],
    responses={200: success(Appointment, "The updated appointment"), **ERROR_RESPONSES},
)
def update_appointment(appointment_id: AppointmentId, body: AppointmentUpdate, connection_id: ConnectionHeader,
                       idempotency_key: IdempotencyKey = None) -> tuple[dict[str, Any], int]:
    changes = body.model_dump(mode="json", exclude_none=True)
    if not changes:
        raise ValidationError("nothing to change", details={"body": ["send startTime, staffId and/or notes"]})
    caller = resolve_caller("bookings:write", connection_id)
    if body.startTime is not None:
        changes["startTime"] = format_utc(body.startTime)
    input_ = {"id": appointment_id, **changes}

    moves = "startTime" in changes or "staffId" in changes
    event_type = "appointment.rescheduled" if moves else "appointment.updated"

    def update() -> tuple[dict[str, Any], int]:
        targets, before = _before(caller, event_type, appointment_id)
        try:
            appointment = _appointment(caller, run_operation(caller, "appointments.update", input_).output)
        except AptError as exc:
            if not moves or exc.outcome_unknown or exc.code not in _READ_AGAIN:
                raise
            raise moved_refusal(caller, appointment_id, changes, exc) from exc
        audit("appointments.update", "updated", appointment_id=appointment["id"])
        shown = listing.present(appointment, include_raw=False)
        _emit(caller, event_type, shown, events.changed_fields(before, shown), targets)
        return shown, 200

    return write_once(caller, "appointments.update", idempotency_key, input_, update)


@router.post(
    "/v1/appointments/<appointment_id>/cancel",
    operation_id="cancelAppointment",
    summary="Cancel an appointment",
    description="Cancelling an appointment that is already cancelled answers the same.",
    tags=["Appointments"],
    responses={200: success(Appointment, "The cancelled appointment"), **ERROR_RESPONSES},
)
def cancel_appointment(appointment_id: AppointmentId, connection_id: ConnectionHeader,
                       idempotency_key: IdempotencyKey = None) -> tuple[dict[str, Any], int]:
    caller = resolve_caller("bookings:write", connection_id)

    def cancel() -> tuple[dict[str, Any], int]:
        targets, before = _before(caller, "appointment.cancelled", appointment_id)
        output = run_operation(caller, "appointments.cancel", {"id": appointment_id}).output
        appointment = _appointment(caller, output)
        if appointment["status"] != "cancelled":
            raise ProviderError("the provider did not confirm the cancellation",
                                details={"status": appointment["status"]})
        audit("appointments.cancel", "cancelled", appointment_id=appointment["id"])
        shown = listing.present(appointment, include_raw=False)
        # Cancelling a cancelled appointment answers the same but changes nothing: no second event.
        if not (before and before.get("status") == "cancelled"):
            _emit(caller, "appointment.cancelled", shown, events.changed_fields(before, shown), targets)
        return shown, 200

    return write_once(caller, "appointments.cancel", idempotency_key, {"id": appointment_id}, cancel)
