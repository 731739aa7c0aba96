"""Booking rules of the Boulevard sandbox: carts, availability, reservations, checkout.

Pure Python over :class:`~sandboxes.boulevard.seed.World`; the GraphQL layer (``graph.py``)
only translates. Every failure is a :class:`BlvdError`, which becomes one entry of the
response's ``errors[]`` with Boulevard's top-level ``code``. Callers hold the sandbox lock.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sandboxes.boulevard import seed
from sandboxes.boulevard.seed import (
    Appointment,
    AppointmentService,
    Cart,
    CartItem,
    Client,
    Location,
    Reservation,
    Service,
    Staff,
    StaffVariant,
    World,
)

Interval = tuple[datetime, datetime]
_TIME_ID = re.compile(r"^t_(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})$")

# (message, description) of each cart validation error, in the order they are reported.
CART_ERROR_TEXT: dict[str, tuple[str, str]] = {
    "CART_MISSING_LOCATION": (
        "Location is missing",
        "A location has not been selected for the cart; select one before checking out.",
    ),
    "CART_MISSING_ITEMS": (
        "Cart is empty",
        "No cart items have been selected; at least one is required to check out.",
    ),
    "CART_MISSING_ITEM_TIME": (
        "Time is missing",
        "One or more bookable items is missing a reserved time. Reservations are temporary and "
        "must be made again once they expire.",
    ),
    "CART_MISSING_CLIENT_INFORMATION": (
        "Client information is missing",
        "The cart is not owned by a client, so client information (at least a first name) is required.",
    ),
}


class BlvdError(Exception):
    """A GraphQL error as Boulevard reports it: a message plus an optional top-level code."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def unauthenticated() -> BlvdError:
    """The error for anonymous access to data that needs a known client."""
    return BlvdError("You must be authenticated as a client to perform this action", "UNAUTHENTICATED")


def not_found(kind: str) -> BlvdError:
    """The error for an id that does not resolve (or is not visible to the caller)."""
    return BlvdError(f"{kind} not found", "NOT_FOUND")


@dataclass(frozen=True)
class CartProblem:
    code: str
    message: str
    description: str


def time_id(start: datetime, tz: ZoneInfo) -> str:
    """The id of a bookable time: ``t_`` plus the location wall time (choice, see README)."""
    return "t_" + start.astimezone(tz).strftime("%Y-%m-%dT%H:%M:%S")


def _overlaps(intervals: list[Interval], start: datetime, end: datetime) -> bool:
    return any(s < end and start < e for s, e in intervals)


class Engine:
    """Operations on one :class:`World`; all times are aware datetimes."""

    def __init__(self, world: World) -> None:
        self.w = world
        # The app's choice of wording for a refusal (SandboxApp.worded); the first by default.
        self.worded: Callable[[str, list[Any]], Any] = lambda kind, variants: variants[0]
        self._locations = {loc.id: loc for loc in world.locations}
        self._staff = {s.id: s for s in world.staff}
        self._services = {s.id: s for s in world.services}
        self._variants = {v.id: v for v in world.variants}

    # -- lookups -----------------------------------------------------------------------
    def location(self, location_id: str) -> Location:
        """The location with this id, or a NOT_FOUND error."""
        loc = self._locations.get(location_id)
        if loc is None:
            raise not_found("Location")
        return loc

    def locations(self) -> list[Location]:
        """Every location, in seed order."""
        return list(self.w.locations)

    def staff(self, staff_id: str) -> Staff:
        """The staff member with this id (ids come from seed data, so it always exists)."""
        return self._staff[staff_id]

    def find_staff(self, staff_id: str) -> Staff | None:
        return self._staff.get(staff_id)

    def service(self, service_id: str) -> Service | None:
        return self._services.get(service_id)

    def variant(self, variant_id: str) -> StaffVariant | None:
        return self._variants.get(variant_id)

    def client(self, client_id: str) -> Client | None:
        return self.w.clients.get(client_id)

    def services_at(self, location_id: str | None) -> list[Service]:
        """Services bookable online at a location (all services when no location is chosen)."""
        return [s for s in self.w.services if location_id is None or location_id in s.location_ids]

    def variants_for(self, service_id: str, location_id: str | None) -> list[StaffVariant]:
        """Staff variants of a service, limited to staff who work at the location if one is given."""
        out = []
        for v in self.w.variants:
            if v.service_id != service_id:
                continue
            if location_id is None or any(
                sh.staff_id == v.staff_id and sh.location_id == location_id for sh in self.w.shifts
            ):
                out.append(v)
        return out

    def item_duration(self, item: CartItem, variant: StaffVariant) -> int:
        """Minutes the item takes with this variant, options included."""
        return variant.duration + sum(o.duration_delta for o in self.options_of(item))

    def item_price(self, item: CartItem, variant: StaffVariant | None) -> int:
        """Price in cents; without a chosen variant the cheapest variant is the list price."""
        if variant is None:
            candidates = self.variants_for(item.service_id, None)
            base = min((v.price for v in candidates), default=0)
        else:
            base = variant.price
        return base + sum(o.price_delta for o in self.options_of(item))

    def options_of(self, item: CartItem) -> list[seed.Option]:
        svc = self._services[item.service_id]
        by_id = {o.id: o for g in svc.option_groups for o in g.options}
        return [by_id[o] for o in item.option_ids if o in by_id]

    # -- carts ---------------------------------------------------------------------------
    def cart(self, cart_id: str, client_id: str | None) -> Cart:
        """A cart visible to the caller: anyone holding the id, unless another client owns it."""
        cart = self.w.carts.get(cart_id)
        if cart is None or (cart.owner_client_id and client_id and cart.owner_client_id != client_id):
            raise not_found("Cart")
        return cart

    def open_cart(self, cart_id: str, client_id: str | None) -> Cart:
        """A cart that can still be changed."""
        cart = self.cart(cart_id, client_id)
        if cart.completed_at is not None:
            raise BlvdError("Cart has already been checked out", "CART_COMPLETED")
        if cart.checkouts_arriving:
            raise BlvdError("Cart is locked by a checkout in progress", "CART_LOCKED")
        return cart

    def active_reservation(self, cart: Cart, now: datetime) -> Reservation | None:
        """The cart's reservation while it holds (completed carts keep theirs for display)."""
        res = cart.reservation
        if res is None:
            return None
        if cart.completed_at is None and res.expires_at <= now:
            return None
        return res

    def selected_variant(self, cart: Cart, item: CartItem, now: datetime) -> StaffVariant | None:
        """The item's chosen variant: the client's choice, else the one its reservation picked."""
        if item.staff_variant_id:
            return self._variants[item.staff_variant_id]
        res = self.active_reservation(cart, now)
        if res and item.id in res.slots:
            return self._variants[res.slots[item.id][0]]
        return None

    def cart_problems(self, cart: Cart, now: datetime) -> list[CartProblem]:
        """Current validation errors of the cart (``Cart.errors``)."""
        codes = []
        if cart.location_id is None:
            codes.append("CART_MISSING_LOCATION")
        if not cart.items:
            codes.append("CART_MISSING_ITEMS")
        elif self.active_reservation(cart, now) is None:
            codes.append("CART_MISSING_ITEM_TIME")
        if cart.owner_client_id is None and not (cart.client_information or {}).get("firstName"):
            codes.append("CART_MISSING_CLIENT_INFORMATION")
        return [CartProblem(c, *CART_ERROR_TEXT[c]) for c in codes]

    def new_cart(self, now: datetime, owner: str | None) -> Cart:
        cart = Cart(id=f"urn:blvd:Cart:{uuid.uuid4()}", inserted_at=now, updated_at=now, owner_client_id=owner)
        self.w.carts[cart.id] = cart
        return cart

    def set_location(self, cart: Cart, location_id: str, now: datetime) -> None:
        """Set the cart location once; a second attempt is CART_LOCATION_ALREADY_SET."""
        if cart.location_id is not None:
            raise BlvdError("Cart location has already been set", "CART_LOCATION_ALREADY_SET")
        self.location(location_id)
        cart.location_id = location_id
        cart.updated_at = now

    def check_item(self, cart: Cart, service_id: str, variant_id: str | None, option_ids: list[str]) -> None:
        """Validate an item selection against the cart location, variants and option limits."""
        svc = self._services.get(service_id)
        if svc is None or (cart.location_id and cart.location_id not in svc.location_ids):
            raise not_found("Bookable item")
        if variant_id is not None:
            allowed = {v.id for v in self.variants_for(service_id, cart.location_id)}
            if variant_id not in allowed:
                raise not_found("Staff variant")
        known = {o.id: g for g in svc.option_groups for o in g.options}
        for oid in option_ids:
            if oid not in known:
                raise not_found("Bookable item option")
        for group in svc.option_groups:
            count = sum(1 for oid in option_ids if known[oid].id == group.id)
            if (group.min_limit is not None and count < group.min_limit) or (
                group.max_limit is not None and count > group.max_limit
            ):
                raise BlvdError(f"Selections for option group {group.name!r} are out of limits", "INVALID_OPTIONS")

    def invalidate(self, cart: Cart) -> None:
        """Drop the reservation (item changes invalidate it, as in Boulevard)."""
        cart.reservation = None

    # -- availability ------------------------------------------------------------------
    def busy(self, exclude_cart: str | None, now: datetime,
             exclude_appointment: str | None = None) -> dict[str, list[Interval]]:
        """Busy intervals per staff: live appointments plus other carts' unexpired reservations."""
        busy: dict[str, list[Interval]] = defaultdict(list)
        for appt in self.w.appointments.values():
            if appt.cancelled or appt.id == exclude_appointment:
                continue
            for svc in appt.services:
                busy[svc.staff_id].append((svc.start, svc.end))
        for cart in self.w.carts.values():
            if cart.id == exclude_cart or cart.completed_at is not None:
                continue
            res = self.active_reservation(cart, now)
            if res is None:
                continue
            for variant_id, start, minutes in res.slots.values():
                busy[self._variants[variant_id].staff_id].append((start, start + timedelta(minutes=minutes)))
        return busy

    def shift_covers(self, staff_id: str, loc: Location, start: datetime, end: datetime) -> bool:
        """Whether the staff works at the location for the whole interval (location wall time)."""
        tz = ZoneInfo(loc.tz)
        ls, le = start.astimezone(tz), end.astimezone(tz)
        if ls.date() != le.date():
            return False
        return any(
            sh.staff_id == staff_id and sh.location_id == loc.id and sh.weekday == ls.weekday()
            and sh.start <= ls.time() and le.time() <= sh.end
            for sh in self.w.shifts
        )

    def _candidates(self, item: CartItem, loc: Location, allowed: set[str] | None,
                    fixed: dict[str, str] | None) -> list[StaffVariant]:
        if fixed is not None and item.id in fixed:
            return [self._variants[fixed[item.id]]]
        if item.staff_variant_id:
            return [self._variants[item.staff_variant_id]]
        options = self.variants_for(item.service_id, loc.id)
        if allowed:
            chosen = [v for v in options if v.id in allowed]
            # A filter naming none of this item's variants leaves the item unconstrained.
            if chosen:
                return chosen
        return options

    def plan(self, cart: Cart, loc: Location, start: datetime, busy: dict[str, list[Interval]],
             allowed: set[str] | None = None,
             fixed: dict[str, str] | None = None) -> dict[str, tuple[str, datetime, int]] | None:
        """Assign a staff variant to every item, back to back from ``start``; None if impossible."""
        items = cart.items
        result: dict[str, tuple[str, datetime, int]] = {}

        def place(i: int, at: datetime, used: list[tuple[str, datetime, datetime]]) -> bool:
            if i == len(items):
                return True
            item = items[i]
            for v in self._candidates(item, loc, allowed, fixed):
                minutes = self.item_duration(item, v)
                end = at + timedelta(minutes=minutes)
                if not self.shift_covers(v.staff_id, loc, at, end) or _overlaps(busy.get(v.staff_id, []), at, end):
                    continue
                if any(staff == v.staff_id and s < end and at < e for staff, s, e in used):
                    continue
                result[item.id] = (v.id, at, minutes)
                if place(i + 1, end, [*used, (v.staff_id, at, end)]):
                    return True
                del result[item.id]
            return False

        return result if items and place(0, start, []) else None

    def _candidate_starts(self, loc: Location, day: date, tz: ZoneInfo) -> list[datetime]:
        """Grid start instants of every shift at the location that fall on ``day`` in ``tz``."""
        loc_tz = ZoneInfo(loc.tz)
        day_start = datetime.combine(day, time(0), tzinfo=tz)
        day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        first = day_start.astimezone(loc_tz).date()
        last = (day_end - timedelta(microseconds=1)).astimezone(loc_tz).date()
        starts: set[datetime] = set()
        d = first
        while d <= last:
            for sh in self.w.shifts:
                if sh.location_id != loc.id or sh.weekday != d.weekday():
                    continue
                # Aware arithmetic within one tzinfo is wall-clock arithmetic: the grid follows
                # the location's clock across DST changes.
                t = datetime.combine(d, sh.start, tzinfo=loc_tz)
                close = datetime.combine(d, sh.end, tzinfo=loc_tz)
                while t < close:
                    starts.add(t.astimezone(UTC))
                    t += seed.SLOT_STEP
            d += timedelta(days=1)
        return sorted(s for s in starts if s.astimezone(tz).date() == day)

    def bookable_times(self, cart: Cart, loc: Location, day: date, tz: ZoneInfo, now: datetime,
                       allowed: set[str] | None = None) -> list[tuple[str, datetime]]:
        """(time id, start instant) pairs at which every cart item can be booked on ``day``."""
        if not cart.items:
            return []
        earliest, latest = now + seed.MIN_LEAD, now + seed.MAX_LEAD
        # A day outside the booking window has no times, as the docs clamp searches to the lead times; deciding
        # before building the day's instants keeps days such as 9999-12-31 (whose next midnight is past year
        # 9999) an empty answer instead of an overflow.
        if not earliest.astimezone(tz).date() <= day <= latest.astimezone(tz).date():
            return []
        busy = self.busy(cart.id, now)
        loc_tz = ZoneInfo(loc.tz)
        return [
            (time_id(start, loc_tz), start)
            for start in self._candidate_starts(loc, day, tz)
            if earliest <= start <= latest and self.plan(cart, loc, start, busy, allowed) is not None
        ]

    def bookable_dates(self, cart: Cart, loc: Location, lower: date | None, upper: date | None, tz: ZoneInfo,
                       now: datetime, limit: int | None, allowed: set[str] | None = None) -> list[date]:
        """Dates (in ``tz``) with at least one bookable time, clamped to the booking window."""
        first_allowed = (now + seed.MIN_LEAD).astimezone(tz).date()
        last_allowed = (now + seed.MAX_LEAD).astimezone(tz).date()
        lo = max(lower or first_allowed, first_allowed)
        hi = min(upper or (lo + timedelta(days=7)), last_allowed)
        cap = 31 if limit is None else max(limit, 0)
        out: list[date] = []
        d = lo
        while d <= hi and len(out) < cap:
            if self.bookable_times(cart, loc, d, tz, now, allowed):
                out.append(d)
            d += timedelta(days=1)
        return out

    def cart_location(self, cart: Cart, location_id: str | None) -> Location:
        """The location availability is searched at: the argument, else the cart's."""
        if location_id:
            return self.location(location_id)
        if cart.location_id is None:
            raise BlvdError("A location must be selected for the cart first", "CART_MISSING_LOCATION")
        return self.location(cart.location_id)

    # -- reservations and checkout --------------------------------------------------------
    def reserve(self, cart: Cart, bookable_time_id: str, now: datetime) -> None:
        """Reserve one start time for all bookable items (fails if the time is gone)."""
        if not cart.items:
            raise BlvdError("Cart has no bookable items to reserve", "CART_MISSING_ITEMS")
        loc = self.cart_location(cart, None)
        loc_tz = ZoneInfo(loc.tz)
        match = _TIME_ID.match(bookable_time_id)
        if match is None:
            raise not_found("Bookable time")
        try:
            wall = datetime.fromisoformat(match.group(1))
        except ValueError as exc:
            raise not_found("Bookable time") from exc
        listed = dict(self.bookable_times(cart, loc, wall.date(), loc_tz, now))
        if bookable_time_id not in listed:  # before the UTC instant: a listed time always has one
            # Boulevard documents GraphQL errors with a code, not these words (sandboxes/README.md: guesses).
            raise BlvdError(*self.worded("slot_taken", [
                ("The selected time is no longer available", "BOOKABLE_TIME_UNAVAILABLE"),
                ("This time is no longer bookable. Please choose another time.", "CART_BOOKABLE_TIME_INVALID"),
                ("Staff member is unavailable at the selected time", "BAD_USER_INPUT"),
            ]))
        start = wall.replace(tzinfo=loc_tz).astimezone(UTC)
        slots = self.plan(cart, loc, start, self.busy(cart.id, now))
        if slots is None:  # defensive: listed times always have a plan
            raise BlvdError("The selected time is no longer available", "BOOKABLE_TIME_UNAVAILABLE")
        auto = {item.id for item in cart.items if not item.staff_variant_id}
        cart.reservation = seed.Reservation(bookable_time_id, start, slots, auto, now + seed.RESERVATION_TTL)
        cart.updated_at = now

    def _booking_client(self, cart: Cart, now: datetime) -> Client:
        if cart.owner_client_id:
            return self.w.clients[cart.owner_client_id]
        info = cart.client_information or {}
        email = (info.get("email") or "").lower()
        phone = info.get("phoneNumber")
        for client in self.w.clients.values():
            if (email and (client.email or "").lower() == email) or (not email and phone and client.phone == phone):
                return client
        client = Client(f"urn:blvd:Client:{uuid.uuid4()}", info.get("firstName") or "", info.get("lastName"),
                        info.get("email"), phone, now, info.get("externalId"))
        self.w.clients[client.id] = client
        return client

    def checkout(self, cart: Cart, now: datetime) -> Appointment:
        """Book the cart: abort on cart errors, re-check the slot, create the appointment."""
        problems = self.cart_problems(cart, now)
        if problems:
            raise BlvdError(problems[0].message, problems[0].code)
        res = self.active_reservation(cart, now)
        assert res is not None and cart.location_id is not None  # guaranteed by cart_problems
        loc = self.location(cart.location_id)
        fixed = {item_id: slot[0] for item_id, slot in res.slots.items()}
        if res.start < now or self.plan(cart, loc, res.start, self.busy(cart.id, now), fixed=fixed) is None:
            # Someone else got the time (e.g. booked at the front desk): the reservation is void.
            cart.reservation = None
            cart.updated_at = now
            raise BlvdError("The reserved time is no longer available", "CART_MISSING_ITEM_TIME")
        client = self._booking_client(cart, now)
        services = []
        for item in cart.items:
            variant_id, start, minutes = res.slots[item.id]
            variant = self._variants[variant_id]
            services.append(AppointmentService(
                item.service_id, variant.staff_id, item.id not in res.auto_assigned, start, minutes,
                self.item_price(item, variant), list(item.option_ids),
            ))
        appt = Appointment(f"urn:blvd:Appointment:{uuid.uuid4()}", loc.id, client.id, services, now,
                           notes=cart.client_message, cart_id=cart.id)
        self.w.appointments[appt.id] = appt
        cart.completed_at = now
        cart.updated_at = now
        cart.appointment_ids = [appt.id]
        return appt

    # -- appointments ----------------------------------------------------------------------
    def appointment_for(self, appointment_id: str, client_id: str | None, cart_id: str | None) -> Appointment:
        """An appointment visible to the caller (its client, or anyone with the booking cart id)."""
        appt = self.w.appointments.get(appointment_id)
        if client_id is None and cart_id is None:
            raise unauthenticated()
        if appt is None:
            raise not_found("Appointment")
        if client_id is not None and appt.client_id == client_id:
            return appt
        if cart_id is not None and appt.cart_id == cart_id:
            return appt
        raise not_found("Appointment")

    def cancellable(self, appt: Appointment, now: datetime) -> bool:
        return not appt.cancelled and appt.start > now

    def cancel(self, appt: Appointment, notes: str | None, now: datetime) -> None:
        """Cancel as the client; within 24 hours of the start it is a late cancellation."""
        if not self.cancellable(appt, now):
            raise BlvdError("Appointment cannot be cancelled", "APPOINTMENT_NOT_CANCELLABLE")
        appt.state = "CANCELLED"
        appt.cancelled_at = now
        appt.cancel_notes = notes
        appt.cancel_reason = "CLIENT_LATE_CANCEL" if appt.start - now < timedelta(hours=24) else "CLIENT_CANCEL"

    # -- appointments as the business sees them (Admin API) ------------------------------------
    def appointment(self, appointment_id: str) -> Appointment:
        """Any appointment of the business, or a NOT_FOUND error."""
        appt = self.w.appointments.get(appointment_id)
        if appt is None:
            raise not_found("Appointment")
        return appt

    def appointments_at(self, location_id: str) -> list[Appointment]:
        """A location's appointments, cancelled ones included, in the order they were booked."""
        self.location(location_id)
        return sorted((a for a in self.w.appointments.values() if a.location_id == location_id),
                      key=lambda a: (a.created_at, a.id))

    def admin_cancel(self, appt: Appointment, reason: str | None, notes: str | None, now: datetime) -> None:
        """Cancel as the business: any appointment not already cancelled or closed out."""
        if appt.cancelled or appt.state == "FINAL":
            raise BlvdError("Appointment cannot be cancelled", "APPOINTMENT_NOT_CANCELLABLE")
        appt.state = "CANCELLED"
        appt.cancelled_at = now
        appt.cancel_notes = notes
        appt.cancel_reason = reason or "STAFF_CANCEL"

    def create_client(self, data: dict[str, object], now: datetime) -> Client:
        """A new client record (Boulevard keeps duplicates apart; see README "Choices")."""
        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        dob = data.get("dob")
        client = Client(f"urn:blvd:Client:{uuid.uuid4()}", text("firstName") or "", text("lastName"), text("email"),
                        text("mobilePhone"), now, text("externalId"), dob if isinstance(dob, date) else None,
                        text("pronoun"), now)
        self.w.clients[client.id] = client
        return client

    # -- rescheduling ---------------------------------------------------------------------------
    def reschedulable(self, appt: Appointment, now: datetime) -> bool:
        return not appt.cancelled and appt.state != "FINAL" and appt.start > now

    def _check_reschedulable(self, appt: Appointment, now: datetime) -> None:
        if not self.reschedulable(appt, now):
            raise BlvdError("Appointment cannot be rescheduled", "APPOINTMENT_NOT_RESCHEDULABLE")

    def _fits(self, appt: Appointment, loc: Location, start: datetime, busy: dict[str, list[Interval]]) -> bool:
        """Whether every service, moved as a block to ``start``, keeps its staff member free and on shift."""
        offset = start - appt.start
        for svc in appt.services:
            begins = svc.start + offset
            ends = begins + timedelta(minutes=svc.duration)
            if not self.shift_covers(svc.staff_id, loc, begins, ends) or _overlaps(busy.get(svc.staff_id, []),
                                                                                   begins, ends):
                return False
        return True

    def reschedule_times(self, appt: Appointment, day: date, tz: ZoneInfo, now: datetime) -> list[tuple[str, datetime]]:
        """(time id, start) pairs the appointment can move to on ``day`` (its own time included)."""
        self._check_reschedulable(appt, now)
        loc = self.location(appt.location_id)
        busy = self.busy(None, now, exclude_appointment=appt.id)
        earliest, latest = now + seed.MIN_LEAD, now + seed.MAX_LEAD
        loc_tz = ZoneInfo(loc.tz)
        return [(time_id(start, loc_tz), start) for start in self._candidate_starts(loc, day, tz)
                if earliest <= start <= latest and self._fits(appt, loc, start, busy)]

    def reschedule_dates(self, appt: Appointment, lower: date, upper: date, tz: ZoneInfo,
                         now: datetime) -> list[date]:
        """Days (in ``tz``) between the bounds with at least one time the appointment can move to."""
        self._check_reschedulable(appt, now)
        lo = max(lower, (now + seed.MIN_LEAD).astimezone(tz).date())
        hi = min(upper, (now + seed.MAX_LEAD).astimezone(tz).date())
        out: list[date] = []
        d = lo
        while d <= hi:
            if self.reschedule_times(appt, d, tz, now):
                out.append(d)
            d += timedelta(days=1)
        return out

    def reschedule(self, appt: Appointment, bookable_time_id: str, now: datetime) -> None:
        """Move the whole appointment (same staff, same lengths) to a time it can take."""
        self._check_reschedulable(appt, now)
        loc = self.location(appt.location_id)
        loc_tz = ZoneInfo(loc.tz)
        match = _TIME_ID.match(bookable_time_id)
        if match is None:
            raise not_found("Bookable time")
        try:
            wall = datetime.fromisoformat(match.group(1))
        except ValueError as exc:
            raise not_found("Bookable time") from exc
        start = wall.replace(tzinfo=loc_tz).astimezone(UTC)
        if bookable_time_id not in dict(self.reschedule_times(appt, wall.date(), loc_tz, now)):
            raise BlvdError("The selected time is no longer available", "BOOKABLE_TIME_UNAVAILABLE")
        offset = start - appt.start
        for svc in appt.services:
            svc.start = svc.start + offset
