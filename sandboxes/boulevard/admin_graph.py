"""The Admin API of the Boulevard sandbox: ``admin.graphql`` with resolvers over the same engine.

The Admin API is the business's own view: every appointment of a location (cancelled ones
included), services with their defaults, staff, clients, and the appointment mutations a
front desk uses (cancel, reschedule, create a client). It shares the Client API's scalars,
Relay connections, error format and engine, so both APIs always see one world.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from graphql import GraphQLResolveInfo

from sandboxes.boulevard import seed
from sandboxes.boulevard.engine import BlvdError, not_found
from sandboxes.boulevard.graph import (
    Context,
    Graph,
    Json,
    build,
    connection,
    reschedule_dates,
    reschedule_times,
    stamp,
)
from sandboxes.boulevard.querystring import QueryStringError
from sandboxes.boulevard.querystring import parse as parse_query_string
from sandboxes.boulevard.seed import Appointment, Client, Location, Service, Staff

ADMIN_SCHEMA_PATH = Path(__file__).with_name("admin.graphql")

# Fields each list's `query:` may name (QueryString); e-mail comparisons ignore case.
APPOINTMENT_FIELDS = {"cancelled", "clientId", "createdAt", "endAt", "staffId", "startAt", "state"}
CLIENT_FIELDS = {"active", "createdAt", "email", "externalId", "firstName", "lastName", "mobilePhone", "name"}
SERVICE_FIELDS = {"active", "addon", "categoryId", "externalId", "name"}
STAFF_FIELDS = {"active", "email", "firstName", "lastName", "name"}
CASEFOLD = frozenset({"email"})


def _ctx(info: GraphQLResolveInfo) -> Context:
    ctx = info.context
    assert isinstance(ctx, Context)
    return ctx


def _filter(rows: list[tuple[Any, dict[str, Any]]], query: str | None, fields: set[str]) -> list[Any]:
    """The objects whose row of field values matches the ``QueryString`` (all when there is none)."""
    try:
        predicate = parse_query_string(query or "", fields, CASEFOLD)
        return [obj for obj, row in rows if predicate(row)]
    except QueryStringError as exc:
        raise BlvdError(f"Invalid query: {exc}", "INVALID_QUERY") from exc


# -- views -----------------------------------------------------------------------------------------
def location_view(ctx: Context, loc: Location) -> Json:
    return {
        "__typename": "Location", "id": loc.id, "name": loc.name, "tz": loc.tz, "externalId": loc.external_id,
        "businessName": ctx.engine.w.business["name"], "address": loc.address, "allowOnlineBooking": True,
        "contactEmail": "hello@demo-spa.example.com", "isRemote": False, "phoneNumber": loc.phone,
        "createdAt": stamp(seed.SEED_TIME), "updatedAt": stamp(seed.SEED_TIME),
    }


def staff_view(ctx: Context, staff: Staff) -> Json:
    eng = ctx.engine
    works_at = {sh.location_id for sh in eng.w.shifts if sh.staff_id == staff.id}
    return {
        "__typename": "Staff", "id": staff.id, "firstName": staff.first_name, "lastName": staff.last_name,
        "name": f"{staff.first_name} {staff.last_name}", "displayName": f"{staff.first_name} {staff.last_name[:1]}.",
        "email": staff.email, "mobilePhone": staff.mobile_phone, "active": staff.active, "externallyBookable": True,
        "bio": staff.bio, "role": {"__typename": "StaffRole", "id": staff.role_id, "name": staff.role_name},
        "staffRoleId": staff.role_id,
        "locations": [location_view(ctx, loc) for loc in eng.locations() if loc.id in works_at],
        "createdAt": stamp(seed.SEED_TIME), "updatedAt": stamp(seed.SEED_TIME),
    }


def service_view(svc: Service) -> Json:
    return {
        "__typename": "Service", "id": svc.id, "name": svc.name, "description": svc.description,
        "active": svc.active, "addon": svc.addon, "categoryId": svc.category_id,
        "category": {"__typename": "ServiceCategory", "id": svc.category_id, "name": svc.category_name},
        "defaultDuration": svc.default_duration, "defaultPrice": svc.default_price, "externalId": svc.external_id,
        "createdAt": stamp(seed.SEED_TIME), "updatedAt": stamp(seed.SEED_TIME),
    }


def client_view(ctx: Context, client: Client) -> Json:
    return {
        "__typename": "Client", "id": client.id, "firstName": client.first_name, "lastName": client.last_name,
        "name": client.name, "email": client.email, "mobilePhone": client.phone, "dob": client.dob,
        "pronoun": client.pronoun, "externalId": client.external_id, "active": True, "hasCardOnFile": False,
        "mergedIntoClientId": None, "primaryLocation": None,
        "appointmentCount": sum(1 for a in ctx.engine.w.appointments.values() if a.client_id == client.id),
        "createdAt": stamp(client.inserted_at), "updatedAt": stamp(client.updated_at or client.inserted_at),
    }


def appointment_view(ctx: Context, appt: Appointment) -> Json:
    eng = ctx.engine
    start, end = appt.start, appt.end
    client = eng.client(appt.client_id)
    assert client is not None
    services = []
    for s in appt.services:
        svc = eng.service(s.service_id)
        assert svc is not None
        services.append({
            "duration": s.duration, "totalDuration": s.duration, "price": s.price, "startAt": s.start,
            "endAt": s.end, "service": service_view(svc), "serviceId": s.service_id,
            "staff": staff_view(ctx, eng.staff(s.staff_id)), "staffId": s.staff_id,
            "staffRequested": s.staff_requested, "startTimeOffset": int((s.start - start).total_seconds() // 60),
        })
    return {
        "__typename": "Appointment", "id": appt.id, "state": appt.state, "startAt": start, "endAt": end,
        "duration": int((end - start).total_seconds() // 60), "cancelled": appt.cancelled, "notes": appt.notes,
        "createdAt": stamp(appt.created_at), "locationId": appt.location_id,
        "location": location_view(ctx, eng.location(appt.location_id)), "clientId": appt.client_id,
        "client": client_view(ctx, client), "appointmentServices": services, "pendingFormCount": 0,
        "manageUrl": f"https://sandbox.joinblvd.invalid/manage/{appt.id.rsplit(':', 1)[-1]}",
        "cancellation": {"cancelledAt": stamp(appt.cancelled_at), "notes": appt.cancel_notes,
                         "reason": appt.cancel_reason} if appt.cancelled else None,
    }


def business_view(ctx: Context) -> Json:
    b = ctx.engine.w.business
    return {
        "__typename": "Business", "id": b["id"], "name": b["name"], "tz": b["tz"], "website": b["website"],
        "phoneNumber": b["phone"], "createdAt": stamp(seed.SEED_TIME), "updatedAt": stamp(seed.SEED_TIME),
        "locations": lambda _info, **args: connection([location_view(ctx, loc) for loc in ctx.engine.locations()],
                                                      **args),
    }


# -- queries ---------------------------------------------------------------------------------------
def q_business(_root: Any, info: GraphQLResolveInfo) -> Json:
    return business_view(_ctx(info))


def q_location(_root: Any, info: GraphQLResolveInfo, id: str) -> Json:
    ctx = _ctx(info)
    return location_view(ctx, ctx.engine.location(id))


def q_locations(_root: Any, info: GraphQLResolveInfo, **args: Any) -> Json:
    ctx = _ctx(info)
    return connection([location_view(ctx, loc) for loc in ctx.engine.locations()], **args)


def q_service(_root: Any, info: GraphQLResolveInfo, id: str) -> Json:
    svc = _ctx(info).engine.service(id)
    if svc is None:
        raise not_found("Service")
    return service_view(svc)


def q_services(_root: Any, info: GraphQLResolveInfo, query: str | None = None, **args: Any) -> Json:
    rows = [(svc, {"active": svc.active, "addon": svc.addon, "categoryId": svc.category_id,
                   "externalId": svc.external_id, "name": svc.name}) for svc in _ctx(info).engine.w.services]
    return connection([service_view(svc) for svc in _filter(rows, query, SERVICE_FIELDS)], **args)


def q_staff_member(_root: Any, info: GraphQLResolveInfo, id: str) -> Json:
    ctx = _ctx(info)
    staff = ctx.engine.find_staff(id)
    if staff is None:
        raise not_found("Staff")
    return staff_view(ctx, staff)


def q_staff(_root: Any, info: GraphQLResolveInfo, query: str | None = None, **args: Any) -> Json:
    ctx = _ctx(info)
    rows = [(st, {"active": st.active, "email": st.email, "firstName": st.first_name, "lastName": st.last_name,
                  "name": f"{st.first_name} {st.last_name}"}) for st in ctx.engine.w.staff]
    return connection([staff_view(ctx, st) for st in _filter(rows, query, STAFF_FIELDS)], **args)


def q_client(_root: Any, info: GraphQLResolveInfo, id: str) -> Json:
    ctx = _ctx(info)
    client = ctx.engine.client(id)
    if client is None:
        raise not_found("Client")
    return client_view(ctx, client)


def q_clients(_root: Any, info: GraphQLResolveInfo, query: str | None = None, **args: Any) -> Json:
    ctx = _ctx(info)
    ordered = sorted(ctx.engine.w.clients.values(), key=lambda c: (c.inserted_at, c.id))
    rows = [(c, {"active": True, "createdAt": c.inserted_at, "email": c.email, "externalId": c.external_id,
                 "firstName": c.first_name, "lastName": c.last_name, "mobilePhone": c.phone, "name": c.name})
            for c in ordered]
    return connection([client_view(ctx, c) for c in _filter(rows, query, CLIENT_FIELDS)], **args)


def q_appointment(_root: Any, info: GraphQLResolveInfo, id: str) -> Json:
    ctx = _ctx(info)
    return appointment_view(ctx, ctx.engine.appointment(id))


def q_appointments(_root: Any, info: GraphQLResolveInfo, locationId: str, query: str | None = None,
                   clientId: str | None = None, **args: Any) -> Json:
    ctx = _ctx(info)
    rows = [(a, {"cancelled": a.cancelled, "clientId": a.client_id, "createdAt": a.created_at, "endAt": a.end,
                 "staffId": a.services[0].staff_id, "startAt": a.start, "state": a.state})
            for a in ctx.engine.appointments_at(locationId) if clientId is None or a.client_id == clientId]
    return connection([appointment_view(ctx, a) for a in _filter(rows, query, APPOINTMENT_FIELDS)], **args)


def q_node(_root: Any, info: GraphQLResolveInfo, id: str) -> Json:
    kind = id.split(":")[2] if id.count(":") >= 3 else ""
    resolvers: dict[str, Callable[..., Json]] = {
        "Location": q_location, "Service": q_service, "Staff": q_staff_member, "Client": q_client,
        "Appointment": q_appointment,
    }
    if kind == "Business" and id == _ctx(info).engine.w.business["id"]:
        return q_business(_root, info)
    if kind not in resolvers:
        raise not_found("Node")
    return resolvers[kind](_root, info, id)


QUERY: dict[str, Callable[..., Any]] = {
    "appointment": q_appointment,
    "appointments": q_appointments,
    "business": q_business,
    "client": q_client,
    "clients": q_clients,
    "location": q_location,
    "locations": q_locations,
    "node": q_node,
    "service": q_service,
    "services": q_services,
    "staff": q_staff,
    "staffMember": q_staff_member,
}


# -- mutations -------------------------------------------------------------------------------------
def m_reschedule_dates(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    return reschedule_dates(ctx, ctx.engine.appointment(input["appointmentId"]), input)


def m_reschedule_times(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    return reschedule_times(ctx, ctx.engine.appointment(input["appointmentId"]), input)


def m_reschedule(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    appt = ctx.engine.appointment(input["appointmentId"])
    ctx.engine.reschedule(appt, input["bookableTimeId"], ctx.now)
    return {"appointment": appointment_view(ctx, appt)}


def m_cancel(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    appt = ctx.engine.appointment(input["id"])
    ctx.engine.admin_cancel(appt, input.get("reason"), input.get("notes"), ctx.now)
    return {"appointment": appointment_view(ctx, appt)}


def m_create_client(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    return {"client": client_view(ctx, ctx.engine.create_client(input, ctx.now))}


def m_update_client(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    client = ctx.engine.client(input["id"])
    if client is None:
        raise not_found("Client")
    for key, attr in (("firstName", "first_name"), ("lastName", "last_name"), ("email", "email"),
                      ("mobilePhone", "phone"), ("externalId", "external_id"), ("dob", "dob"),
                      ("pronoun", "pronoun")):
        if key in input:
            setattr(client, attr, input[key])
    client.updated_at = ctx.now
    return {"client": client_view(ctx, client)}


MUTATION: dict[str, Callable[..., Any]] = {
    "appointmentReschedule": m_reschedule,
    "appointmentRescheduleAvailableDates": m_reschedule_dates,
    "appointmentRescheduleAvailableTimes": m_reschedule_times,
    "cancelAppointment": m_cancel,
    "createClient": m_create_client,
    "updateClient": m_update_client,
}


def admin_graph() -> Graph:
    """The executable Admin API."""
    return Graph(build(ADMIN_SCHEMA_PATH, QUERY, MUTATION))
