"""Deterministic seed data and the in-memory model of the Boulevard sandbox.

Everything here is plain data: the business, its locations, staff, services (with staff
variants and options), weekly shifts, clients and a few appointments on fixed dates, some of
them in the US DST-change weeks of 2027 (spring forward 2027-03-14, fall back 2027-11-07).
Identifiers are Boulevard-style URNs (``urn:blvd:<Type>:<uuid>``) derived with uuid5 so that
they never change between runs.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

ZONE_NAME = "America/New_York"
ZONE = ZoneInfo(ZONE_NAME)
_NS = uuid.UUID("6f1c1f0e-5b7a-4c1e-9d2a-b1e7a0c0b0a1")


def _uuid(name: str) -> str:
    return str(uuid.uuid5(_NS, name))


def urn(kind: str, name: str) -> str:
    """A deterministic Boulevard URN, e.g. ``urn:blvd:Location:<uuid>``."""
    return f"urn:blvd:{kind}:{_uuid(name)}"


BUSINESS_UUID = _uuid("business")
BUSINESS_ID = f"urn:blvd:Business:{BUSINESS_UUID}"
API_KEY = _uuid("api-key")
# The secret key is base64 of 32 bytes, like the keys the Boulevard developer portal issues.
SECRET_KEY = base64.b64encode(hashlib.sha256(b"aptura-boulevard-sandbox-secret").digest()).decode()

LOC_DOWNTOWN = urn("Location", "downtown")
LOC_BROOKLYN = urn("Location", "brooklyn")
STAFF_AVA = urn("Staff", "ava")
STAFF_BEN = urn("Staff", "ben")
STAFF_CLEO = urn("Staff", "cleo")
SVC_BLOWOUT = urn("Service", "blowout")
SVC_HAIRCUT = urn("Service", "haircut")
SVC_SWEDISH = urn("Service", "swedish")
SVC_DEEP = urn("Service", "deep-tissue")
CLIENT_JANE = urn("Client", "jane")
CLIENT_JOHN = urn("Client", "john")

# Booking-window rules of every location (Boulevard's "minimum/maximum booking lead time").
MIN_LEAD = timedelta(hours=1)
MAX_LEAD = timedelta(days=365)
# Start times are offered on this grid, counted from the start of each shift.
SLOT_STEP = timedelta(minutes=15)
# How long a reservation made by reserveCartBookableItems holds its time.
RESERVATION_TTL = timedelta(minutes=10)

SEED_TIME = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)  # insertedAt of seed records


@dataclass
class Location:
    id: str
    name: str
    external_id: str
    address: dict[str, str | None]
    phone: str
    tz: str = ZONE_NAME
    # weekday (0 = Monday) -> (open, close) local wall times
    hours: dict[int, tuple[time, time]] = field(default_factory=dict)


@dataclass
class Staff:
    id: str
    first_name: str
    last_name: str
    role_id: str
    role_name: str
    bio: str
    email: str | None = None
    mobile_phone: str | None = None
    active: bool = True


@dataclass
class Option:
    id: str
    group_id: str
    name: str
    description: str | None
    duration_delta: int
    price_delta: int


@dataclass
class OptionGroup:
    id: str
    name: str
    description: str | None
    min_limit: int | None
    max_limit: int | None
    options: list[Option]


@dataclass
class StaffVariant:
    id: str
    service_id: str
    staff_id: str
    duration: int  # minutes
    price: int  # cents


@dataclass
class Service:
    id: str
    name: str
    description: str
    category_id: str
    category_name: str
    location_ids: list[str]
    option_groups: list[OptionGroup] = field(default_factory=list)
    external_id: str | None = None
    # The Admin API's service defaults (each staff variant may override price and duration).
    default_duration: int = 60
    default_price: int = 0
    active: bool = True
    addon: bool = False


@dataclass
class Shift:
    staff_id: str
    location_id: str
    weekday: int  # 0 = Monday
    start: time
    end: time


@dataclass
class Client:
    id: str
    first_name: str
    last_name: str | None
    email: str | None
    phone: str | None
    inserted_at: datetime
    external_id: str | None = None
    dob: date | None = None
    pronoun: str | None = None
    updated_at: datetime | None = None

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass
class AppointmentService:
    service_id: str
    staff_id: str
    staff_requested: bool
    start: datetime  # aware UTC
    duration: int  # minutes
    price: int
    option_ids: list[str] = field(default_factory=list)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration)


@dataclass
class Appointment:
    id: str
    location_id: str
    client_id: str
    services: list[AppointmentService]
    created_at: datetime
    state: str = "BOOKED"
    notes: str | None = None
    cart_id: str | None = None
    cancelled_at: datetime | None = None
    cancel_notes: str | None = None
    cancel_reason: str | None = None

    @property
    def start(self) -> datetime:
        return min(s.start for s in self.services)

    @property
    def end(self) -> datetime:
        return max(s.end for s in self.services)

    @property
    def cancelled(self) -> bool:
        return self.state == "CANCELLED"


@dataclass
class CartItem:
    id: str
    service_id: str
    staff_variant_id: str | None  # the client's preference; None = any staff
    option_ids: list[str]
    discount_code: str | None = None


@dataclass
class Reservation:
    time_id: str
    start: datetime  # aware UTC
    # item id -> (staff variant id, start, duration in minutes)
    slots: dict[str, tuple[str, datetime, int]]
    auto_assigned: set[str]  # items whose staff variant the reservation chose
    expires_at: datetime


@dataclass
class Cart:
    id: str
    inserted_at: datetime
    updated_at: datetime
    location_id: str | None = None
    items: list[CartItem] = field(default_factory=list)
    client_information: dict[str, str | None] | None = None
    client_message: str | None = None
    discount_code: str | None = None
    referral_source: str | None = None
    advance_gratuity: dict[str, float | int | None] | None = None
    owner_client_id: str | None = None
    reservation: Reservation | None = None
    completed_at: datetime | None = None
    appointment_ids: list[str] = field(default_factory=list)
    # checkoutCart requests received but not yet carried out: while any is, the cart is locked.
    checkouts_arriving: int = 0


@dataclass
class World:
    """The whole mutable state of the sandbox."""

    business: dict[str, str]
    locations: list[Location]
    staff: list[Staff]
    services: list[Service]
    variants: list[StaffVariant]
    shifts: list[Shift]
    clients: dict[str, Client]
    appointments: dict[str, Appointment]
    carts: dict[str, Cart] = field(default_factory=dict)


def local(day: date, hh: int, mm: int = 0) -> datetime:
    """A New York wall time on ``day`` as an aware UTC instant."""
    return datetime.combine(day, time(hh, mm), tzinfo=ZONE).astimezone(UTC)


def _variant(service_id: str, staff_id: str, duration: int, price: int) -> StaffVariant:
    vid = urn("StaffVariant", f"{service_id}/{staff_id}")
    return StaffVariant(vid, service_id, staff_id, duration, price)


def build_world() -> World:
    """Build the deterministic seed state."""
    business = {
        "id": BUSINESS_ID,
        "uuid": BUSINESS_UUID,
        "name": "Aptura Demo Spa",
        "tz": ZONE_NAME,
        "website": "https://demo-spa.example.com",
        "phone": "+12125550100",
    }
    mon_sat = {d: (time(9), time(18)) for d in range(6)}
    locations = [
        Location(
            LOC_DOWNTOWN, "Downtown", "DT-01",
            {"line1": "100 Broadway", "line2": "Suite 5", "city": "New York", "state": "NY",
             "province": None, "zip": "10005", "country": "US"},
            "+12125550101", hours=mon_sat,
        ),
        Location(
            LOC_BROOKLYN, "Brooklyn", "BK-01",
            {"line1": "12 Court St", "line2": None, "city": "Brooklyn", "state": "NY",
             "province": None, "zip": "11201", "country": "US"},
            "+17185550102", hours={4: (time(9), time(17)), 5: (time(9), time(17))},
        ),
    ]
    stylist, therapist = urn("StaffRole", "stylist"), urn("StaffRole", "therapist")
    staff = [
        Staff(STAFF_AVA, "Ava", "Reyes", stylist, "Stylist", "Colour and cuts.", "ava@demo-spa.example.com",
              "+12125550131"),
        Staff(STAFF_BEN, "Ben", "Okafor", stylist, "Senior Stylist", "Precision cutting.", "ben@demo-spa.example.com",
              "+12125550132"),
        Staff(STAFF_CLEO, "Cleo", "Martin", therapist, "Massage Therapist", "Swedish and deep tissue.",
              "cleo@demo-spa.example.com", "+12125550133"),
    ]
    conditioning = Option(urn("ServiceOption", "conditioning"), urn("ServiceOptionGroup", "haircut-addons"),
                          "Deep conditioning", "Mask and steam", 15, 2500)
    services = [
        Service(SVC_BLOWOUT, "Blowout", "Wash and blow-dry", urn("ServiceCategory", "hair"), "Hair",
                [LOC_DOWNTOWN], external_id="HAIR-BLOW", default_duration=30, default_price=5000),
        Service(SVC_HAIRCUT, "Women's Haircut", "Cut and style", urn("ServiceCategory", "hair"), "Hair",
                [LOC_DOWNTOWN],
                [OptionGroup(conditioning.group_id, "Add-ons", None, 0, 1, [conditioning])],
                external_id="HAIR-CUT", default_duration=45, default_price=8500),
        Service(SVC_SWEDISH, "Swedish Massage", "60 minute relaxing massage", urn("ServiceCategory", "massage"),
                "Massage", [LOC_DOWNTOWN, LOC_BROOKLYN], external_id="MAS-SWE", default_duration=60,
                default_price=12000),
        Service(SVC_DEEP, "Deep Tissue Massage", "90 minute deep tissue massage", urn("ServiceCategory", "massage"),
                "Massage", [LOC_DOWNTOWN, LOC_BROOKLYN], external_id="MAS-DEEP", default_duration=90,
                default_price=16000),
    ]
    variants = [
        _variant(SVC_BLOWOUT, STAFF_AVA, 30, 5000),
        _variant(SVC_BLOWOUT, STAFF_BEN, 30, 6000),
        _variant(SVC_HAIRCUT, STAFF_AVA, 45, 8500),
        _variant(SVC_HAIRCUT, STAFF_BEN, 60, 11000),
        _variant(SVC_SWEDISH, STAFF_CLEO, 60, 12000),
        _variant(SVC_DEEP, STAFF_CLEO, 90, 16000),
    ]
    shifts = [Shift(s, LOC_DOWNTOWN, d, time(9), time(17)) for s in (STAFF_AVA, STAFF_BEN) for d in range(6)]
    shifts += [Shift(STAFF_CLEO, LOC_DOWNTOWN, d, time(10), time(18)) for d in (1, 2, 3)]
    shifts += [Shift(STAFF_CLEO, LOC_BROOKLYN, d, time(9), time(17)) for d in (4, 5)]
    clients = {
        CLIENT_JANE: Client(CLIENT_JANE, "Jane", "Doe", "jane.doe@example.com", "+12125550111", SEED_TIME),
        CLIENT_JOHN: Client(CLIENT_JOHN, "John", "Smith", "john.smith@example.com", "+12125550122", SEED_TIME),
    }

    def appt(name: str, loc: str, client: str, svc: str, staff_id: str, start: datetime, dur: int, price: int,
             state: str = "BOOKED") -> Appointment:
        a = Appointment(urn("Appointment", name), loc, client,
                        [AppointmentService(svc, staff_id, True, start, dur, price)], SEED_TIME, state)
        if state == "CANCELLED":
            a.cancelled_at, a.cancel_reason = SEED_TIME, "CLIENT_CANCEL"
        return a

    seeded = [
        appt("jan-5", LOC_DOWNTOWN, CLIENT_JANE, SVC_HAIRCUT, STAFF_AVA, local(date(2027, 1, 5), 10), 45, 8500),
        appt("jan-6-cancelled", LOC_DOWNTOWN, CLIENT_JOHN, SVC_BLOWOUT, STAFF_AVA, local(date(2027, 1, 6), 11),
             30, 5000, "CANCELLED"),
        appt("mar-13", LOC_DOWNTOWN, CLIENT_JOHN, SVC_HAIRCUT, STAFF_BEN, local(date(2027, 3, 13), 16), 60, 11000),
        appt("mar-15", LOC_DOWNTOWN, CLIENT_JANE, SVC_BLOWOUT, STAFF_AVA, local(date(2027, 3, 15), 9), 30, 5000),
        appt("mar-16", LOC_DOWNTOWN, CLIENT_JOHN, SVC_SWEDISH, STAFF_CLEO, local(date(2027, 3, 16), 14), 60, 12000),
        appt("nov-6", LOC_BROOKLYN, CLIENT_JANE, SVC_DEEP, STAFF_CLEO, local(date(2027, 11, 6), 9), 90, 16000),
        appt("nov-8", LOC_DOWNTOWN, CLIENT_JOHN, SVC_HAIRCUT, STAFF_BEN, local(date(2027, 11, 8), 11), 60, 11000),
    ]
    return World(business, locations, staff, services, variants, shifts, clients, {a.id: a for a in seeded})
