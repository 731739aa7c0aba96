"""GraphQL layer of the Boulevard sandbox: the Client API schema, resolvers and executor.

The schema is ``schema.graphql`` built with graphql-core, so parsing, validation, variables and
introspection behave like a real GraphQL server. Resolvers turn engine objects into plain dicts
(callables for fields with arguments or heavy work). Errors are formatted the Absinthe way
Boulevard uses: ``{"message", "locations", "path", "code"}`` with ``code`` at the top level.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from graphql import (
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLScalarType,
    GraphQLSchema,
    NoUnusedFragmentsRule,
    build_schema,
    execute_sync,
    parse,
    specified_rules,
    validate,
)
from graphql.language import StringValueNode, ValueNode

from sandboxes.boulevard import seed
from sandboxes.boulevard.auth import Caller
from sandboxes.boulevard.engine import BlvdError, Engine, not_found, unauthenticated
from sandboxes.boulevard.querystring import QueryStringError
from sandboxes.boulevard.querystring import parse as parse_query_string
from sandboxes.boulevard.seed import Appointment, Cart, CartItem, Client, Location, Service, Staff, StaffVariant

SCHEMA_PATH = Path(__file__).with_name("schema.graphql")
# Absinthe (Boulevard's server) accepts documents with unused fragments, and the official SDK
# relies on that: it sends shared fragment bundles with every query.
VALIDATION_RULES = tuple(rule for rule in specified_rules if rule is not NoUnusedFragmentsRule)
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Json = dict[str, Any]


@dataclass
class Context:
    """Per-request data the resolvers need."""

    engine: Engine
    caller: Caller
    now: datetime


# -- scalars -----------------------------------------------------------------------------------
def stamp(value: datetime | None) -> str | None:
    """A record timestamp as Boulevard (Elixir ``utc_datetime_usec``) prints it: microseconds, ``Z``."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _serialize_datetime(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        offset = value.utcoffset()
        if offset is None:
            raise GraphQLError("DateTime values must be aware")
        if offset == timedelta(0):
            return value.strftime("%Y-%m-%dT%H:%M:%SZ")
        return value.isoformat(timespec="seconds")
    raise GraphQLError(f"Cannot serialize DateTime {value!r}")


def _parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError("DateTime must be an ISO 8601 string")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError("DateTime must include a time zone offset")
    return parsed


def _parse_date(value: Any) -> date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise ValueError("Date must be formatted as YYYY-MM-DD")
    return date.fromisoformat(value)


def _parse_tz(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("Tz must be a tz database time zone name")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"Unknown time zone {value!r}") from exc
    return value


def _parse_email(value: Any) -> str:
    if not isinstance(value, str) or not _EMAIL.match(value):
        raise ValueError("Invalid email address")
    return value


def _parse_phone(value: Any) -> str:
    if not isinstance(value, str) or not _E164.match(value):
        raise ValueError("Phone numbers must be in E.164 format, e.g. +13105555555")
    return value


def _parse_money(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("Money is an integer amount of the smallest currency unit")
    return value


def _parse_string(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("Expected a string")
    return value


def _scalar(schema: GraphQLSchema, name: str, parse_value: Callable[[Any], Any],
            serialize: Callable[[Any], Any] | None = None) -> None:
    scalar = schema.type_map[name]
    assert isinstance(scalar, GraphQLScalarType)

    def parse_literal(node: ValueNode, _variables: Any = None) -> Any:
        if isinstance(node, StringValueNode):
            return parse_value(node.value)
        if name == "Money" and hasattr(node, "value"):
            return parse_value(int(node.value))
        raise ValueError(f"Expected a {name} value")

    # graphql-core 3.3 renamed the coercion hooks; set both names so 3.2 and 3.3 work alike.
    hooks: dict[str, Callable[..., Any]] = {
        "parse_value": parse_value, "coerce_input_value": parse_value,
        "parse_literal": parse_literal, "coerce_input_literal": parse_literal,
    }
    if serialize is not None:
        hooks.update(serialize=serialize, coerce_output_value=serialize)
    for attr, hook in hooks.items():
        setattr(scalar, attr, hook)


def _serialize_naive(value: Any) -> str:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(timespec="seconds")
    return str(value)


SCALARS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any] | None]] = {
    "DateTime": (_parse_datetime, _serialize_datetime),
    "NaiveDateTime": (lambda v: datetime.fromisoformat(_parse_string(v)), _serialize_naive),
    "Date": (_parse_date, lambda v: v.isoformat() if isinstance(v, date) else str(v)),
    "Tz": (_parse_tz, None),
    "Email": (_parse_email, None),
    "PhoneNumber": (_parse_phone, None),
    "Money": (_parse_money, None),
    "QueryString": (_parse_string, None),
    "Url": (_parse_string, None),
}


def build(path: Path = SCHEMA_PATH, query: dict[str, Callable[..., Any]] | None = None,
          mutation: dict[str, Callable[..., Any]] | None = None) -> GraphQLSchema:
    """Build an executable schema (scalars and root resolvers attached); the Client API by default."""
    schema = build_schema(path.read_text(encoding="utf-8"))
    for name, (parse_value, serialize) in SCALARS.items():
        if name in schema.type_map:
            _scalar(schema, name, parse_value, serialize)
    roots = (("RootQueryType", QUERY if query is None else query),
             ("RootMutationType", MUTATION if mutation is None else mutation))
    for type_name, resolvers in roots:
        root = schema.type_map[type_name]
        for field_name, resolver in resolvers.items():
            root.fields[field_name].resolve = resolver  # type: ignore[attr-defined]
    return schema


# -- views ---------------------------------------------------------------------------------------
def _zone(name: str | None, fallback: str) -> ZoneInfo:
    return ZoneInfo(name or fallback)


def _naive(value: datetime, tz: str) -> datetime:
    return value.astimezone(ZoneInfo(tz)).replace(tzinfo=None)


def _cursor(index: int) -> str:
    # Absinthe.Relay's array connection cursors: base64("arrayconnection:<offset>").
    return base64.b64encode(f"arrayconnection:{index}".encode()).decode()


def _offset(cursor: str) -> int:
    try:
        prefix, _, number = base64.b64decode(cursor, validate=True).decode().partition(":")
        if prefix != "arrayconnection":
            raise ValueError(cursor)
        return int(number)
    except ValueError as exc:
        raise BlvdError("Invalid cursor provided as the after argument") from exc


def connection(nodes: list[Any], first: int | None = None, after: str | None = None,
               last: int | None = None, before: str | None = None) -> Json:
    """A Relay connection over ``nodes`` with Absinthe's rules (``first`` or ``last`` required)."""
    if first is None and last is None:
        raise BlvdError("You must either supply `:first` or `:last`")
    if (first is not None and first < 0) or (last is not None and last < 0):
        raise BlvdError("Pagination arguments must not be negative")
    start = _offset(after) + 1 if after else 0
    end = min(_offset(before), len(nodes)) if before else len(nodes)
    start = max(start, 0)
    indexed = list(enumerate(nodes))[start:end]
    has_next = has_prev = False
    if first is not None:
        has_next = len(indexed) > first
        indexed = indexed[:first]
        has_prev = start > 0
    if last is not None:
        has_prev = len(indexed) > last
        indexed = indexed[-last:] if last else []
    edges = [{"cursor": _cursor(i), "node": node} for i, node in indexed]
    return {
        "edges": edges,
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_prev,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def business_view(ctx: Context) -> Json:
    b = ctx.engine.w.business
    return {
        "__typename": "Business", "id": b["id"], "name": b["name"], "tz": b["tz"], "website": b["website"],
        "phoneNumber": b["phone"], "avatar": None, "insertedAt": stamp(seed.SEED_TIME),
        "updatedAt": stamp(seed.SEED_TIME),
        "locations": lambda _info, **args: connection([location_view(ctx, loc) for loc in ctx.engine.locations()],
                                                      **args),
    }


def location_view(ctx: Context, loc: Location) -> Json:
    hours = []
    for weekday in (6, 0, 1, 2, 3, 4, 5):  # Boulevard lists the week from Sunday
        span = loc.hours.get(weekday)
        hours.append({
            "open": span is not None,
            "start": {"hour": span[0].hour, "minute": span[0].minute} if span else None,
            "finish": {"hour": span[1].hour, "minute": span[1].minute} if span else None,
        })
    return {
        "__typename": "Location", "id": loc.id, "name": loc.name, "tz": loc.tz, "externalId": loc.external_id,
        "businessName": ctx.engine.w.business["name"], "address": loc.address,
        "arrivalInstructions": "Please check in at the front desk.", "avatar": None,
        "contactEmail": "hello@demo-spa.example.com", "coordinates": None, "hours": hours,
        "insertedAt": stamp(seed.SEED_TIME), "updatedAt": stamp(seed.SEED_TIME), "isRemote": False,
        "phoneNumber": loc.phone, "website": None,
        "social": dict.fromkeys(("facebook", "google", "instagram", "pinterest", "twitter", "yelp", "youtube")),
    }


def staff_view(staff: Staff) -> Json:
    return {
        "__typename": "Staff", "id": staff.id, "firstName": staff.first_name, "lastName": staff.last_name,
        "displayName": f"{staff.first_name} {staff.last_name[:1]}.", "nickname": None, "bio": staff.bio,
        "avatar": None, "role": {"__typename": "StaffRole", "id": staff.role_id, "name": staff.role_name},
        "insertedAt": stamp(seed.SEED_TIME), "updatedAt": stamp(seed.SEED_TIME),
    }


def service_view(svc: Service) -> Json:
    return {
        "__typename": "Service", "id": svc.id, "name": svc.name, "description": svc.description,
        "externalId": svc.external_id, "categoryId": svc.category_id, "category": {"name": svc.category_name},
    }


def client_view(client: Client) -> Json:
    return {
        "__typename": "Client", "id": client.id, "firstName": client.first_name, "lastName": client.last_name,
        "name": client.name, "email": client.email, "mobilePhone": client.phone, "pronoun": None,
        "insertedAt": stamp(client.inserted_at), "updatedAt": stamp(client.inserted_at),
    }


def variant_view(ctx: Context, variant: StaffVariant) -> Json:
    return {"id": variant.id, "duration": variant.duration, "price": variant.price,
            "staff": staff_view(ctx.engine.staff(variant.staff_id))}


def option_view(opt: seed.Option) -> Json:
    return {"id": opt.id, "groupId": opt.group_id, "name": opt.name, "description": opt.description,
            "durationDelta": opt.duration_delta, "priceDelta": opt.price_delta}


def _range(values: list[int]) -> Json:
    lo, hi = (min(values), max(values)) if values else (0, 0)
    return {"min": lo, "max": hi, "variable": lo != hi}


def available_item_view(ctx: Context, svc: Service, location_id: str | None) -> Json:
    variants = ctx.engine.variants_for(svc.id, location_id)
    prices, durations = [v.price for v in variants], [v.duration for v in variants]
    offered_at = [loc for loc in ctx.engine.locations()
                  if loc.id in svc.location_ids and ctx.engine.variants_for(svc.id, loc.id)]
    return {
        "__typename": "CartAvailableBookableItem", "id": svc.id, "name": svc.name,
        "description": svc.description, "disabled": not variants,
        "disabledDescription": None if variants else "No staff offer this service here",
        "listPrice": min(prices, default=0), "listPriceRange": _range(prices),
        "listDuration": min(durations, default=0), "listDurationRange": _range(durations),
        "variablePrice": len(set(prices)) > 1, "variableDuration": len(set(durations)) > 1,
        "optionGroups": [
            {"id": g.id, "name": g.name, "description": g.description, "minLimit": g.min_limit,
             "maxLimit": g.max_limit, "options": [option_view(o) for o in g.options]}
            for g in svc.option_groups
        ],
        "staffVariants": [variant_view(ctx, v) for v in variants],
        "locationVariants": [{"location": location_view(ctx, loc)} for loc in offered_at],
    }


def categories_view(ctx: Context, cart: Cart) -> list[Json]:
    groups: dict[str, list[Service]] = {}
    names: dict[str, str] = {}
    for svc in ctx.engine.services_at(cart.location_id):
        groups.setdefault(svc.category_id, []).append(svc)
        names[svc.category_id] = svc.category_name
    return [
        {"__typename": "CartAvailableCategory", "id": cid, "name": names[cid], "description": None,
         "disabled": False, "disabledDescription": None,
         "availableItems": [available_item_view(ctx, svc, cart.location_id) for svc in services]}
        for cid, services in groups.items()
    ]


def item_view(ctx: Context, cart: Cart, item: CartItem) -> Json:
    eng = ctx.engine
    svc = eng.service(item.service_id)
    assert svc is not None
    variant = eng.selected_variant(cart, item, ctx.now)
    res = eng.active_reservation(cart, ctx.now)
    has_location = cart.location_id is not None
    price = eng.item_price(item, variant) if has_location else None
    tz = eng.location(cart.location_id).tz if cart.location_id else seed.ZONE_NAME
    errors = [] if res else [{
        "code": "CART_MISSING_ITEM_TIME", "message": "Time is missing",
        "description": "This bookable item is missing a reserved time.",
    }]
    return {
        "__typename": "CartBookableItem", "id": item.id, "item": available_item_view(ctx, svc, cart.location_id),
        "guestId": None, "guest": None, "baseBookableItem": None,
        "startTime": _naive(res.slots[item.id][1], tz) if res and item.id in res.slots else None,
        "selectedStaffVariant": variant_view(ctx, variant) if variant else None,
        "selectedOptions": [option_view(o) for o in eng.options_of(item)],
        "price": price, "lineTotal": price, "taxAmount": 0 if has_location else None,
        "discountAmount": 0 if has_location else None, "discountCode": None, "errors": errors,
        "addons": [], "availablePaymentMethods": [], "selectedPaymentMethod": None,
    }


def cart_view(ctx: Context, cart: Cart) -> Json:
    eng, now = ctx.engine, ctx.now
    res = eng.active_reservation(cart, now)
    tz = eng.location(cart.location_id).tz if cart.location_id else seed.ZONE_NAME
    subtotal = sum(eng.item_price(i, eng.selected_variant(cart, i, now)) for i in cart.items)
    gratuity = 0
    if cart.advance_gratuity:
        if cart.advance_gratuity.get("fixed") is not None:
            gratuity = int(cart.advance_gratuity["fixed"] or 0)
        elif cart.advance_gratuity.get("percentage") is not None:
            gratuity = round(subtotal * float(cart.advance_gratuity["percentage"] or 0) / 100)
    ends = [start + timedelta(minutes=minutes) for _, start, minutes in res.slots.values()] if res else []
    items = {i.id: i for i in cart.items}

    def selected_item(_info: GraphQLResolveInfo, id: str) -> Json | None:
        item = items.get(id)
        return item_view(ctx, cart, item) if item else None

    def available_item(_info: GraphQLResolveInfo, id: str) -> Json | None:
        svc = eng.service(id)
        if svc is None or svc not in eng.services_at(cart.location_id):
            return None
        return available_item_view(ctx, svc, cart.location_id)

    return {
        "__typename": "Cart", "id": cart.id, "insertedAt": stamp(cart.inserted_at),
        "updatedAt": stamp(cart.updated_at), "completedAt": stamp(cart.completed_at),
        "expiresAt": stamp(res.expires_at) if res else None,
        "startTime": _naive(res.start, tz) if res else None,
        "endTime": _naive(max(ends), tz) if ends else None,
        "startTimeId": res.time_id if res else None,
        "clientInformation": cart.client_information, "clientMessage": cart.client_message,
        "advanceGratuity": cart.advance_gratuity,
        "errors": [{"code": p.code, "message": p.message, "description": p.description}
                   for p in eng.cart_problems(cart, now)],
        "summary": {
            "deposit": "NO_DEPOSIT", "depositAmount": 0, "discountAmount": 0, "gratuityAmount": gratuity,
            "paymentMethodRequired": False, "roundingAmount": 0, "subtotal": subtotal, "taxAmount": 0,
            "total": subtotal + gratuity,
        },
        "features": {"bookingQuestionsEnabled": False, "giftCardPurchaseEnabled": False,
                     "paymentInfoRequired": False, "serviceAddonsEnabled": False},
        "guests": [], "offers": [], "bookingQuestions": [], "availablePaymentMethods": [],
        "location": location_view(ctx, eng.location(cart.location_id)) if cart.location_id else None,
        "selectedItems": [item_view(ctx, cart, i) for i in cart.items],
        "selectedItem": selected_item,
        "availableItem": available_item,
        "availableCategories": lambda _info: categories_view(ctx, cart),
    }


def appointment_view(ctx: Context, appt: Appointment) -> Json:
    eng = ctx.engine
    start, end = appt.start, appt.end
    minutes = int((end - start).total_seconds() // 60)
    client = eng.client(appt.client_id)
    assert client is not None
    services = []
    for s in appt.services:
        svc = eng.service(s.service_id)
        assert svc is not None
        services.append({
            "duration": s.duration, "totalDuration": s.duration, "price": s.price, "startAt": s.start,
            "endAt": s.end, "service": service_view(svc), "serviceId": s.service_id,
            "staff": staff_view(eng.staff(s.staff_id)), "staffId": s.staff_id, "staffRequested": s.staff_requested,
            "startTimeOffset": int((s.start - start).total_seconds() // 60),
        })
    uid = appt.id.rsplit(":", 1)[-1]
    span = f"{start.strftime('%Y%m%dT%H%M%SZ')}/{end.strftime('%Y%m%dT%H%M%SZ')}"
    return {
        "__typename": "Appointment", "id": appt.id, "state": appt.state, "startAt": start, "endAt": end,
        "duration": minutes, "clientDuration": minutes, "cancelled": appt.cancelled,
        "cancellable": eng.cancellable(appt, ctx.now),
        "confirmable": appt.state == "BOOKED" and start > ctx.now,
        "reschedulable": eng.reschedulable(appt, ctx.now), "isGroup": False, "isRecurring": False, "notes": appt.notes,
        "createdAt": stamp(appt.created_at), "locationId": appt.location_id,
        "location": lambda _info: location_view(ctx, eng.location(appt.location_id)),
        "clientId": appt.client_id, "client": client_view(client),
        "appointmentServices": services, "appointmentServiceOptions": [],
        "cancellation": {"cancelledAt": stamp(appt.cancelled_at), "notes": appt.cancel_notes,
                         "reason": appt.cancel_reason} if appt.cancelled else None,
        "calendarLinks": {
            "googleCalendar": f"https://calendar.google.com/calendar/render?action=TEMPLATE&dates={span}",
            "icsDownload": f"https://sandbox.joinblvd.invalid/calendar/{uid}.ics",
            "microsoftOffice": f"https://outlook.office.com/calendar/0/deeplink/compose?rru=addevent&id={uid}",
            "microsoftOutlook": f"https://outlook.live.com/calendar/0/deeplink/compose?rru=addevent&id={uid}",
            "yahooCalendar": f"https://calendar.yahoo.com/?v=60&id={uid}",
        },
    }


# -- root resolvers ----------------------------------------------------------------------------
def _ctx(info: GraphQLResolveInfo) -> Context:
    ctx = info.context
    assert isinstance(ctx, Context)
    return ctx


def _client_id(info: GraphQLResolveInfo) -> str:
    client_id = _ctx(info).caller.client_id
    if client_id is None:
        raise unauthenticated()
    return client_id


def q_business(_root: Any, info: GraphQLResolveInfo) -> Json:
    return business_view(_ctx(info))


def q_locations(_root: Any, info: GraphQLResolveInfo, **args: Any) -> Json:
    ctx = _ctx(info)
    return connection([location_view(ctx, loc) for loc in ctx.engine.locations()], **args)


def q_cart(_root: Any, info: GraphQLResolveInfo, id: str) -> Json:
    ctx = _ctx(info)
    return cart_view(ctx, ctx.engine.cart(id, ctx.caller.client_id))


def q_cart_bookable_dates(_root: Any, info: GraphQLResolveInfo, id: str, searchRangeLower: date | None = None,
                          searchRangeUpper: date | None = None, tz: str | None = None, limit: int | None = None,
                          locationId: str | None = None, staffVariantIds: list[str] | None = None) -> list[Json]:
    ctx = _ctx(info)
    cart = ctx.engine.cart(id, ctx.caller.client_id)
    loc = ctx.engine.cart_location(cart, locationId)
    days = ctx.engine.bookable_dates(cart, loc, searchRangeLower, searchRangeUpper, _zone(tz, loc.tz), ctx.now,
                                     limit, set(staffVariantIds or []))
    return [{"date": d} for d in days]


def q_cart_bookable_times(_root: Any, info: GraphQLResolveInfo, id: str, searchDate: date,
                          tz: str | None = None, locationId: str | None = None,
                          staffVariantIds: list[str] | None = None) -> list[Json]:
    ctx = _ctx(info)
    cart = ctx.engine.cart(id, ctx.caller.client_id)
    loc = ctx.engine.cart_location(cart, locationId)
    zone = _zone(tz, loc.tz)
    times = ctx.engine.bookable_times(cart, loc, searchDate, zone, ctx.now, set(staffVariantIds or []))
    # DateTimes are "converted to" the requested zone, so they carry its offset.
    return [{"id": tid, "score": 1.0, "startTime": start.astimezone(zone)} for tid, start in times]


def q_cart_bookable_staff_variants(_root: Any, info: GraphQLResolveInfo, id: str, itemId: str,
                                   bookableTimeId: str, locationId: str | None = None) -> list[Json]:
    ctx = _ctx(info)
    eng = ctx.engine
    cart = eng.cart(id, ctx.caller.client_id)
    loc = eng.cart_location(cart, locationId)
    item = next((i for i in cart.items if i.id == itemId), None)
    if item is None:
        raise not_found("Selected item")
    wall = bookableTimeId[2:] if bookableTimeId.startswith("t_") else ""
    try:
        start = datetime.fromisoformat(wall).replace(tzinfo=ZoneInfo(loc.tz)).astimezone(UTC)
    except ValueError as exc:
        raise not_found("Bookable time") from exc
    busy = eng.busy(cart.id, ctx.now)
    out = []
    for variant in eng.variants_for(item.service_id, loc.id):
        # Other items keep their own choices; only this item is pinned to the variant.
        fixed = {item.id: variant.id}
        if start >= ctx.now + seed.MIN_LEAD and eng.plan(cart, loc, start, busy, fixed=fixed) is not None:
            out.append(variant_view(ctx, variant))
    return out


def q_client(_root: Any, info: GraphQLResolveInfo) -> Json:
    client = _ctx(info).engine.client(_client_id(info))
    if client is None:
        raise not_found("Client")
    return client_view(client)


def q_appointment(_root: Any, info: GraphQLResolveInfo, id: str, cartId: str | None = None) -> Json:
    ctx = _ctx(info)
    return appointment_view(ctx, ctx.engine.appointment_for(id, ctx.caller.client_id, cartId))


def reschedule_dates(ctx: Context, appt: Appointment, input: Json) -> Json:
    """``appointmentRescheduleAvailableDates``: the same answer for the Client and Admin APIs."""
    loc = ctx.engine.location(appt.location_id)
    days = ctx.engine.reschedule_dates(appt, input["searchRangeLower"], input["searchRangeUpper"],
                                       _zone(input.get("tz"), loc.tz), ctx.now)
    return {"availableDates": [{"date": d} for d in days]}


def reschedule_times(ctx: Context, appt: Appointment, input: Json) -> Json:
    """``appointmentRescheduleAvailableTimes``: start times in the requested zone, with their ids."""
    loc = ctx.engine.location(appt.location_id)
    zone = _zone(input.get("tz"), loc.tz)
    times = ctx.engine.reschedule_times(appt, input["date"], zone, ctx.now)
    return {"availableTimes": [{"bookableTimeId": tid, "startTime": start.astimezone(zone)} for tid, start in times]}


def q_reschedule_dates(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    return reschedule_dates(ctx, ctx.engine.appointment_for(input["appointmentId"], _client_id(info), None), input)


def q_reschedule_times(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    return reschedule_times(ctx, ctx.engine.appointment_for(input["appointmentId"], _client_id(info), None), input)


APPOINTMENT_QUERY_FIELDS = {"cancelled", "locationId", "staffId", "startAt", "state", "clientId"}


def q_my_appointments(_root: Any, info: GraphQLResolveInfo, query: str | None = None, **args: Any) -> Json:
    ctx = _ctx(info)
    client_id = _client_id(info)
    try:
        predicate = parse_query_string(query or "", APPOINTMENT_QUERY_FIELDS)
    except QueryStringError as exc:
        raise BlvdError(f"Invalid query: {exc}", "INVALID_QUERY") from exc
    mine = sorted((a for a in ctx.engine.w.appointments.values() if a.client_id == client_id),
                  key=lambda a: (a.start, a.id))
    rows = [a for a in mine if predicate({
        "cancelled": a.cancelled, "locationId": a.location_id, "staffId": a.services[0].staff_id,
        "startAt": a.start, "state": a.state, "clientId": a.client_id,
    })]
    return connection([appointment_view(ctx, a) for a in rows], **args)


def q_node(_root: Any, info: GraphQLResolveInfo, id: str) -> Json | None:
    ctx = _ctx(info)
    eng = ctx.engine
    kind = id.split(":")[2] if id.count(":") >= 3 else ""
    if kind == "Location":
        return location_view(ctx, eng.location(id))
    if kind == "Business" and id == eng.w.business["id"]:
        return business_view(ctx)
    if kind == "Staff" and eng.find_staff(id):
        return staff_view(eng.staff(id))
    if kind == "Service" and eng.service(id):
        svc = eng.service(id)
        assert svc is not None
        return service_view(svc)
    if kind == "Cart":
        return cart_view(ctx, eng.cart(id, ctx.caller.client_id))
    if kind == "Appointment":
        return appointment_view(ctx, eng.appointment_for(id, ctx.caller.client_id, None))
    raise not_found("Node")


QUERY: dict[str, Callable[..., Any]] = {
    "business": q_business,
    "locations": q_locations,
    "cart": q_cart,
    "cartBookableDates": q_cart_bookable_dates,
    "cartBookableTimes": q_cart_bookable_times,
    "cartBookableStaffVariants": q_cart_bookable_staff_variants,
    "client": q_client,
    "appointment": q_appointment,
    "myAppointments": q_my_appointments,
    "node": q_node,
    "appointmentRescheduleAvailableDates": q_reschedule_dates,
    "appointmentRescheduleAvailableTimes": q_reschedule_times,
}


# -- mutations ---------------------------------------------------------------------------------
def _apply_cart_fields(cart: Cart, data: Json) -> None:
    if "clientInformation" in data:
        info = data["clientInformation"]
        cart.client_information = None if info is None else {
            k: info.get(k) for k in ("firstName", "lastName", "email", "phoneNumber", "externalId")
        }
    if "clientMessage" in data:
        cart.client_message = data["clientMessage"]
    if "discountCode" in data:
        cart.discount_code = data["discountCode"]
    if "referralSource" in data:
        cart.referral_source = data["referralSource"]
    if "advanceGratuity" in data:
        gratuity = data["advanceGratuity"]
        if gratuity is not None and (gratuity.get("fixed") is None) == (gratuity.get("percentage") is None):
            raise BlvdError("Advance gratuity needs exactly one of `fixed` or `percentage`", "INVALID_GRATUITY")
        cart.advance_gratuity = gratuity


def _payload(ctx: Context, cart: Cart) -> Json:
    return {"cart": cart_view(ctx, cart)}


def m_create_cart(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    if input.get("locationId"):
        ctx.engine.location(input["locationId"])
    cart = ctx.engine.new_cart(ctx.now, ctx.caller.client_id)
    cart.location_id = input.get("locationId")
    _apply_cart_fields(cart, input)
    return _payload(ctx, cart)


def m_update_cart(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    cart = ctx.engine.open_cart(input["id"], ctx.caller.client_id)
    _apply_cart_fields(cart, input)
    cart.updated_at = ctx.now
    return _payload(ctx, cart)


def m_set_location(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    cart = ctx.engine.open_cart(input["id"], ctx.caller.client_id)
    ctx.engine.set_location(cart, input["locationId"], ctx.now)
    return _payload(ctx, cart)


def m_add_item(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    eng = ctx.engine
    cart = eng.open_cart(input["id"], ctx.caller.client_id)
    if input.get("itemGuestId"):
        raise not_found("Guest")
    options = list(input.get("itemOptionIds") or [])
    eng.check_item(cart, input["itemId"], input.get("itemStaffVariantId"), options)
    cart.items.append(CartItem(f"urn:blvd:CartBookableItem:{uuid.uuid4()}", input["itemId"],
                               input.get("itemStaffVariantId"), options, input.get("itemDiscountCode")))
    eng.invalidate(cart)
    cart.updated_at = ctx.now
    return _payload(ctx, cart)


def m_update_item(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    eng = ctx.engine
    cart = eng.open_cart(input["id"], ctx.caller.client_id)
    item = next((i for i in cart.items if i.id == input["itemId"]), None)
    if item is None:
        raise not_found("Selected item")
    if input.get("itemGuestId"):
        raise not_found("Guest")
    variant_id = input["itemStaffVariantId"] if "itemStaffVariantId" in input else item.staff_variant_id
    options = list(input["itemOptionIds"] or []) if "itemOptionIds" in input else item.option_ids
    eng.check_item(cart, item.service_id, variant_id, options)
    if variant_id != item.staff_variant_id or options != item.option_ids:
        eng.invalidate(cart)
    item.staff_variant_id, item.option_ids = variant_id, options
    if "itemDiscountCode" in input:
        item.discount_code = input["itemDiscountCode"]
    cart.updated_at = ctx.now
    return _payload(ctx, cart)


def m_remove_item(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    cart = ctx.engine.open_cart(input["id"], ctx.caller.client_id)
    before = len(cart.items)
    cart.items = [i for i in cart.items if i.id != input["itemId"]]
    if len(cart.items) == before:
        raise not_found("Selected item")
    ctx.engine.invalidate(cart)
    cart.updated_at = ctx.now
    return _payload(ctx, cart)


def m_clear(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    cart = ctx.engine.open_cart(input["id"], ctx.caller.client_id)
    cart.items = []
    ctx.engine.invalidate(cart)
    cart.updated_at = ctx.now
    return _payload(ctx, cart)


def m_reserve(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    cart = ctx.engine.open_cart(input["id"], ctx.caller.client_id)
    ctx.engine.reserve(cart, input["bookableTimeId"], ctx.now)
    return _payload(ctx, cart)


def m_checkout(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    cart = ctx.engine.open_cart(input["id"], ctx.caller.client_id)
    appt = ctx.engine.checkout(cart, ctx.now)
    return {"cart": cart_view(ctx, cart),
            "appointments": [{"appointmentId": appt.id, "clientId": appt.client_id, "forCartOwner": True}]}


def m_take_ownership(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    client_id = _client_id(info)
    cart = ctx.engine.open_cart(input["id"], client_id)
    cart.owner_client_id = client_id
    ctx.engine.invalidate(cart)
    cart.updated_at = ctx.now
    return _payload(ctx, cart)


def m_add_offer(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    ctx.engine.open_cart(input["id"], ctx.caller.client_id)
    # The demo business has no offers, so every code is unknown.
    raise BlvdError(f"Offer code {input['offerCode']!r} is invalid", "CART_OFFER_CODE_INVALID")


def m_cancel(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    appt = ctx.engine.appointment_for(input["id"], _client_id(info), None)
    ctx.engine.cancel(appt, input.get("notes"), ctx.now)
    return {"appointment": appointment_view(ctx, appt)}


def m_reschedule(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    appt = ctx.engine.appointment_for(input["appointmentId"], _client_id(info), None)
    ctx.engine.reschedule(appt, input["bookableTimeId"], ctx.now)
    return {"appointment": appointment_view(ctx, appt)}


def m_update_client(_root: Any, info: GraphQLResolveInfo, input: Json) -> Json:
    ctx = _ctx(info)
    client = ctx.engine.client(_client_id(info))
    if client is None:
        raise not_found("Client")
    for key, attr in (("firstName", "first_name"), ("lastName", "last_name"), ("email", "email"),
                      ("mobilePhone", "phone")):
        if key in input:
            setattr(client, attr, input[key])
    return {"client": client_view(client)}


MUTATION: dict[str, Callable[..., Any]] = {
    "createCart": m_create_cart,
    "updateCart": m_update_cart,
    "cartSetLocation": m_set_location,
    "addCartSelectedBookableItem": m_add_item,
    "updateCartSelectedBookableItem": m_update_item,
    "removeCartSelectedItem": m_remove_item,
    "cartClear": m_clear,
    "reserveCartBookableItems": m_reserve,
    "checkoutCart": m_checkout,
    "takeCartOwnership": m_take_ownership,
    "addCartOffer": m_add_offer,
    "cancelAppointment": m_cancel,
    "appointmentReschedule": m_reschedule,
    "updateClient": m_update_client,
}


# -- execution -----------------------------------------------------------------------------------
def format_error(error: GraphQLError) -> Json:
    """One ``errors[]`` entry the Absinthe way: ``code`` sits next to ``message``, not in extensions."""
    out: Json = {"message": error.message}
    if error.locations:
        out["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        out["path"] = list(error.path)
    original = error.original_error
    if isinstance(original, BlvdError) and original.code:
        out["code"] = original.code
    return out


class Graph:
    """The executable Client API: parse, validate, then run under the caller's context."""

    def __init__(self, schema: GraphQLSchema | None = None) -> None:
        self.schema = schema or build()

    def run(self, query: str, variables: Json | None, operation_name: str | None,
            context_factory: Callable[[], Context], lock: Any) -> Json:
        """Execute one request; ``context_factory`` runs under ``lock`` so state reads are consistent."""
        try:
            document = parse(query)
        except GraphQLError as exc:
            return {"errors": [format_error(exc)]}
        errors = validate(self.schema, document, VALIDATION_RULES)
        if errors:
            return {"errors": [format_error(e) for e in errors]}
        # One request at a time mutates or reads the world: concurrent checkouts of the same slot
        # must see each other's effects, exactly as Boulevard's cart lock guarantees.
        with lock:
            result = execute_sync(self.schema, document, variable_values=variables, operation_name=operation_name,
                             context_value=context_factory())
        body: Json = {}
        if result.errors:
            body["errors"] = [format_error(e) for e in result.errors]
        body["data"] = result.data
        return body
