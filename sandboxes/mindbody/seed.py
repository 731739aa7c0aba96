"""Deterministic seed data for the Mindbody sandbox: the demo site -99 and its records.

The ids mirror what public integrations use against Mindbody's shared demo site
(session type 200 booked with staff 100000108 Erik Iversen), so examples written for the
real sandbox work unchanged. All appointment times are naive site-local wall times,
exactly as Mindbody stores and returns them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

API_KEY = "mb-sandbox-3f9c2a7e41d84b6f"
SITE_ID = -99
DEFAULT_ZONE = "America/New_York"
OWNER_USERNAME = "mindbodysandboxsite@gmail.com"
OWNER_PASSWORD = "apitest1234"
BOOKING_INCREMENT_MINUTES = 15
# The real demo site asks for a birth date when a client is added (seen by Pipedream). The
# sandbox site does not by default: a unified API has no birth date to send, and a site
# that requires one is answered by Aptura with a clear 422. Tests switch it on.
DEFAULT_REQUIRED_CLIENT_FIELDS: tuple[str, ...] = ()
REAL_DEMO_SITE_REQUIRED_CLIENT_FIELDS: tuple[str, ...] = ("BirthDate",)

MON, TUE, WED, THU, FRI, SAT = range(6)


@dataclass(frozen=True)
class Location:
    """A business location (Mindbody's ``Location`` has no time-zone field)."""

    id: int
    name: str
    address: str
    city: str
    state: str
    postal_code: str
    phone: str
    latitude: float
    longitude: float
    description: str


@dataclass(frozen=True)
class Program:
    """A program (service category); ``schedule_type`` is Mindbody's ScheduleType enum."""

    id: int
    name: str
    schedule_type: str
    cancel_offset: int = 0


@dataclass(frozen=True)
class SessionType:
    """A service. ``kind`` is Mindbody's ``Type`` (only ``Appointment`` ones are bookable here)."""

    id: int
    name: str
    kind: str
    default_minutes: int
    program_id: int
    online_description: str
    online: bool = True


@dataclass(frozen=True)
class PricingOption:
    """A pricing option (Mindbody's sale ``Service``): what a client pays for sessions.

    Session types carry no price in Mindbody; the pricing options that pay for them do.
    ``session_type_ids`` are the session types the option can pay for (``sale/services``
    filters on them but never returns them).
    """

    product_id: int
    barcode_id: str
    name: str
    price: str  # decimal text, as the business enters it
    online_price: str
    program_id: int
    session_type_ids: tuple[int, ...]
    count: int
    kind: str  # Drop-in | Series | Unlimited
    sell_online: bool = True
    intro_offer: bool = False
    discontinued: bool = False
    location_ids: tuple[int, ...] = (1, 2)


@dataclass(frozen=True)
class WorkBlock:
    """A weekly availability block of one staff member at one location (site-local times)."""

    weekday: int  # Monday = 0
    start: time
    end: time
    location_id: int


@dataclass(frozen=True)
class Staff:
    """A staff member, the session types they perform and their weekly hours."""

    id: int
    first_name: str
    last_name: str
    email: str
    is_male: bool
    bio: str
    sort_order: int
    session_type_ids: tuple[int, ...]
    hours: tuple[WorkBlock, ...]
    appointment_instructor: bool = True
    class_teacher: bool = False
    always_allow_double_booking: bool = False

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class Login:
    """A staff login accepted by ``usertoken/issue``; ``user_id`` is 0 for owners, as in Mindbody."""

    username: str
    password: str
    user_id: int
    first_name: str
    last_name: str
    kind: str  # Staff | Owner | Admin


@dataclass(frozen=True)
class Site:
    """The static part of a site: everything except clients and appointments."""

    id: int
    name: str
    description: str
    zone: str
    booking_increment: int
    required_client_fields: tuple[str, ...]
    locations: tuple[Location, ...]
    programs: tuple[Program, ...]
    session_types: tuple[SessionType, ...]
    staff: tuple[Staff, ...]
    logins: tuple[Login, ...]
    pricing_options: tuple[PricingOption, ...] = ()
    currency: str = "USD"


@dataclass
class Client:
    """A client record; ``id`` is the business-assignable RSSID string, ``unique_id`` the system id."""

    id: str
    unique_id: int
    first_name: str
    last_name: str
    email: str | None
    mobile_phone: str | None = None
    home_phone: str | None = None
    work_phone: str | None = None
    middle_name: str | None = None
    birth_date: datetime | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    gender: str | None = None
    notes: str | None = None
    active: bool = True
    is_prospect: bool = False
    creation_date: datetime = datetime(2026, 6, 1, 9, 0)  # site-local
    last_modified: datetime = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
    send_flags: dict[str, bool] = field(default_factory=dict)


@dataclass
class Appointment:
    """A booked appointment; ``start``/``end`` are naive site-local datetimes."""

    id: int
    client_id: str
    staff_id: int
    location_id: int
    session_type_id: int
    start: datetime
    end: datetime
    status: str = "Booked"
    notes: str | None = None
    staff_requested: bool = False
    first_appointment: bool = False
    partner_external_id: str | None = None
    provider_id: str | None = None
    gender_preference: str = "None"


def _week(days: tuple[int, ...], start: str, end: str, location_id: int) -> tuple[WorkBlock, ...]:
    return tuple(WorkBlock(d, time.fromisoformat(start), time.fromisoformat(end), location_id) for d in days)


def build_site(zone: str = DEFAULT_ZONE, required_client_fields: tuple[str, ...] | None = None) -> Site:
    """The demo site -99: 2 locations, 3 staff, 4 appointment session types (30/45/60/90 min), prices."""
    locations = (
        Location(1, "Clubville", "4051 Broadway", "New York", "NY", "10032", "2125550100",
                 40.8448, -73.9393, "Main studio: massage and wellness."),
        Location(2, "Riverside Studio", "12 Riverside Dr", "New York", "NY", "10023", "2125550200",
                 40.7812, -73.9851, "Skin care and consultations."),
    )
    programs = (
        Program(20, "Group Classes", "Class"),
        Program(25, "Massage", "Appointment", cancel_offset=24),
        Program(26, "Skin Care", "Appointment", cancel_offset=24),
        Program(27, "Consultations", "Appointment"),
    )
    session_types = (
        SessionType(100, "Vinyasa Yoga", "Class", 60, 20, "A group yoga class."),
        SessionType(200, "60 Minute Massage", "Appointment", 60, 25, "Swedish massage, 60 minutes."),
        SessionType(201, "Wellness Consultation", "Appointment", 30, 27, "A 30 minute consultation."),
        SessionType(202, "Signature Facial", "Appointment", 45, 26, "A 45 minute facial."),
        SessionType(203, "Hot Stone Massage", "Appointment", 90, 25, "Hot stone massage, 90 minutes."),
    )
    staff = (
        Staff(100000108, "Erik", "Iversen", "erik.iversen@example.com", True,
              "Licensed massage therapist.", 1, (200, 201, 203),
              _week((MON, TUE, WED, THU, FRI, SAT), "09:00", "17:00", 1)),
        Staff(100000110, "Maya", "Chen", "maya.chen@example.com", False,
              "Esthetician and wellness coach.", 2, (200, 201, 202),
              _week((MON, TUE, WED, THU, FRI), "10:00", "18:00", 1) + _week((SAT,), "09:00", "13:00", 2)),
        # A lunch break splits Daniel's day into two blocks.
        Staff(100000112, "Daniel", "Ortiz", "daniel.ortiz@example.com", True,
              "Therapist at the Riverside studio.", 3, (201, 202, 203),
              _week((TUE, WED, THU, FRI, SAT), "09:00", "12:00", 2)
              + _week((TUE, WED, THU, FRI, SAT), "13:00", "17:00", 2)),
    )
    pricing_options = (
        PricingOption(1101, "10110", "Yoga Drop-in", "20.00", "18.00", 20, (100,), 1, "Drop-in"),
        # Listed before the regular price on purpose: an intro offer or a pack is not "the" price.
        PricingOption(1203, "10203", "Intro Massage", "59.00", "59.00", 25, (200,), 1, "Drop-in", intro_offer=True),
        PricingOption(1202, "10202", "Massage 5-Pack", "425.00", "425.00", 25, (200, 203), 5, "Series"),
        PricingOption(1201, "10201", "60 Minute Massage", "95.00", "90.00", 25, (200,), 1, "Drop-in"),
        PricingOption(1204, "10204", "Hot Stone Massage", "135.50", "135.50", 25, (203,), 1, "Drop-in"),
        PricingOption(1301, "10301", "Signature Facial", "80.00", "80.00", 26, (202,), 1, "Drop-in"),
        PricingOption(1302, "10302", "Classic Facial (retired)", "70.00", "70.00", 26, (202,), 1, "Drop-in",
                      sell_online=False, discontinued=True),
        # The Wellness Consultation (201) is complimentary: no pricing option pays for it.
    )
    logins = (
        Login(OWNER_USERNAME, OWNER_PASSWORD, 0, "Sandbox", "Owner", "Owner"),
        Login("Siteowner", OWNER_PASSWORD, 0, "Sandbox", "Owner", "Owner"),  # older SOAP-era login
        Login("erik.iversen", "staff-108-pass", 100000108, "Erik", "Iversen", "Staff"),
    )
    return Site(
        id=SITE_ID,
        name="API Sandbox Site",
        description="Aptura's simulation of Mindbody's shared demo site -99.",
        zone=zone,
        booking_increment=BOOKING_INCREMENT_MINUTES,
        required_client_fields=(
            DEFAULT_REQUIRED_CLIENT_FIELDS if required_client_fields is None else required_client_fields),
        locations=locations,
        programs=programs,
        session_types=session_types,
        staff=staff,
        logins=logins,
        pricing_options=pricing_options,
    )


def build_clients() -> dict[str, Client]:
    """Two active clients and one inactive one."""
    clients = [
        Client("100000001", 100000001, "Jordan", "Lee", "jordan.lee@example.com", mobile_phone="2125550101",
               birth_date=datetime(1990, 5, 20)),
        Client("100000002", 100000002, "Priya", "Patel", "priya.patel@example.com", mobile_phone="2125550102",
               birth_date=datetime(1985, 11, 2)),
        Client("100000003", 100000003, "Casey", "Morgan", "casey.morgan@example.com",
               birth_date=datetime(1978, 1, 15), active=False),
    ]
    return {c.id: c for c in clients}


def _at(day: date, hhmm: str) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm))


def build_appointments() -> dict[int, Appointment]:
    """Fixed bookings in January 2027 and around both 2027 US DST changes (03-14 and 11-07)."""
    rows = [
        # id, client, staff, location, session type, day, start, end, status
        (1001, "100000001", 100000108, 1, 200, date(2027, 1, 5), "10:00", "11:00", "Booked"),
        (1002, "100000002", 100000108, 1, 201, date(2027, 1, 5), "14:00", "14:30", "Confirmed"),
        (1003, "100000001", 100000110, 1, 202, date(2027, 1, 6), "11:00", "11:45", "Booked"),
        (1004, "100000002", 100000110, 1, 200, date(2027, 1, 5), "10:00", "11:00", "Cancelled"),
        (1005, "100000002", 100000108, 1, 203, date(2027, 3, 13), "09:00", "10:30", "Booked"),
        (1006, "100000001", 100000108, 1, 200, date(2027, 3, 15), "13:00", "14:00", "Booked"),
        (1007, "100000002", 100000112, 2, 201, date(2027, 3, 16), "09:30", "10:00", "Booked"),
        (1008, "100000001", 100000108, 1, 200, date(2027, 11, 6), "15:00", "16:00", "Booked"),
        (1009, "100000002", 100000108, 1, 201, date(2027, 11, 8), "09:00", "09:30", "Booked"),
    ]
    seen: set[str] = set()
    result: dict[int, Appointment] = {}
    for appt_id, client, staff, loc, st, day, start, end, status in rows:
        result[appt_id] = Appointment(appt_id, client, staff, loc, st, _at(day, start), _at(day, end), status,
                                      first_appointment=client not in seen)
        seen.add(client)
    return result
