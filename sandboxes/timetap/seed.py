"""Deterministic seed data for the TimeTap sandbox.

One business (apiKey = business id, as many real accounts have) with two locations in
America/New_York, three staff ("professionals"), four services ("reasons") of 30/45/60/90
minutes, weekly shifts per staff and location, a few clients, appointments on fixed dates
(including the US DST weeks of 2027-03-14 and 2027-11-07) and two time-off blocks.
Every call to the ``build_*`` functions returns fresh objects, so a reset never shares state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

ZONE = "America/New_York"
BUSINESS_ID = 403100
BUSINESS_NAME = "Aptura Demo Studio"
API_KEY = "403100"
PRIVATE_KEY = "5f1c9a0e3b7d4e2a9c6b8d0f1a2e3c4d"
# Seed rows are stamped with a fixed creation time so state views are reproducible.
SEED_CREATED = datetime(2026, 12, 1, 12, 0)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@dataclass(frozen=True)
class Location:
    """A TimeTap location; appointment times are wall-clock times in its ``timeZone``."""

    locationId: int
    locationName: str
    address1: str
    city: str
    state: str
    zip: str
    timeZone: str = ZONE
    phone: str | None = None
    address2: str | None = None
    country: str = "US"


@dataclass(frozen=True)
class Reason:
    """A TimeTap "reason" (service). ``bufferMinutes`` follows the client-facing block."""

    reasonId: int
    reasonDesc: str
    visitMinutes: int
    bufferMinutes: int
    color: str
    price: float
    description: str = ""


@dataclass(frozen=True)
class Shift:
    """One weekly working block of a staff member at a location (HHmm start/end)."""

    weekday: int  # Monday = 0, as datetime.weekday()
    locationId: int
    start: int
    end: int


@dataclass(frozen=True)
class Staff:
    """A TimeTap staff member ("professional")."""

    professionalId: int
    firstName: str
    lastName: str
    email: str
    reasonIds: tuple[int, ...]
    shifts: tuple[Shift, ...]

    @property
    def fullName(self) -> str:
        return f"{self.firstName} {self.lastName}"


@dataclass
class Client:
    """A TimeTap client (mutable: the API can create and update clients)."""

    clientId: int
    firstName: str
    lastName: str
    emailAddress: str | None = None
    cellPhone: str | None = None
    address: str | None = None
    zip: str | None = None
    fields: list[dict[str, Any]] = field(default_factory=list)
    createdDate: datetime = SEED_CREATED

    @property
    def fullName(self) -> str:
        return f"{self.firstName} {self.lastName}".strip()


@dataclass
class Appointment:
    """A booked appointment. ``start`` is naive wall-clock time in the location's zone."""

    calendarId: int
    clientId: int
    professionalId: int
    locationId: int
    reasonId: int
    start: datetime
    status: str = "OPEN"
    subStatus: str = "OPEN"
    note: str = ""
    createdDate: datetime = SEED_CREATED
    extras: dict[str, Any] = field(default_factory=dict)  # reminder/confirmation fields echoed back


@dataclass(frozen=True)
class TimeOff:
    """A staff time-off (``TIME_OFF``) or vacation (``VACATION``) block, naive local times."""

    id: int
    professionalId: int
    kind: str
    start: datetime
    end: datetime
    note: str
    allDay: bool = False


def _weekly(days: tuple[int, ...], location_id: int, start: int, end: int) -> tuple[Shift, ...]:
    return tuple(Shift(d, location_id, start, end) for d in days)


DOWNTOWN = 634001
UPTOWN = 634002
CONSULT, HAIRCUT, COLOR, MASSAGE = 733001, 733002, 733003, 733004
AVERY, JORDAN, SAM = 512001, 512002, 512003


def build_locations() -> list[Location]:
    """The business's two locations."""
    return [
        Location(DOWNTOWN, "Downtown Studio", "100 Main St", "New York", "NY", "10001",
                 phone="+12125550100", address2="Suite 200"),
        Location(UPTOWN, "Uptown Studio", "900 Broadway", "New York", "NY", "10025", phone="+12125550190"),
    ]


def build_reasons() -> list[Reason]:
    """Four services of different lengths; Color carries a 15-minute clean-up buffer."""
    return [
        Reason(CONSULT, "Consultation", 30, 0, "#668CD9", 0.0, "Free first visit to plan a treatment"),
        Reason(HAIRCUT, "Haircut", 45, 0, "#4CB052", 45.0, "Wash, cut and style"),
        Reason(COLOR, "Color Treatment", 60, 15, "#D96666", 120.0, "Full colour (the chair is then cleaned)"),
        Reason(MASSAGE, "Massage", 90, 0, "#8C66D9", 110.0),
    ]


def build_staff() -> list[Staff]:
    """Three staff members with different weekly shifts and service sets."""
    return [
        Staff(AVERY, "Avery", "Brooks", "avery@example.com", (CONSULT, HAIRCUT, COLOR),
              _weekly((MON, TUE, WED, THU, FRI, SAT), DOWNTOWN, 900, 1700)),
        Staff(JORDAN, "Jordan", "Lee", "jordan@example.com", (CONSULT, HAIRCUT, COLOR, MASSAGE),
              _weekly((MON, WED, FRI, SAT), DOWNTOWN, 900, 1700) + _weekly((TUE, THU), UPTOWN, 900, 1700)),
        Staff(SAM, "Sam", "Rivera", "sam@example.com", (HAIRCUT, MASSAGE),
              _weekly((TUE, WED, THU, FRI, SAT), UPTOWN, 1000, 1800)),
    ]


def build_clients() -> list[Client]:
    """Three existing clients."""
    return [
        Client(2100001, "Jane", "Deer", "jane.deer@example.com", "+12125550101"),
        Client(2100002, "Simon", "Sez", "simon.sez@example.com", "+12125550102"),
        Client(2100003, "Jimmy", "Begood", None, "+12125550103"),
    ]


def _at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def build_appointments() -> list[Appointment]:
    """Existing appointments on fixed dates (local wall-clock times)."""
    return [
        Appointment(18750001, 2100002, AVERY, DOWNTOWN, HAIRCUT, _at("2026-12-15 11:00"),
                    "COMPLETED", "COMPLETED", "past visit"),
        Appointment(18750002, 2100001, AVERY, DOWNTOWN, HAIRCUT, _at("2027-01-05 10:00")),
        Appointment(18750003, 2100002, JORDAN, UPTOWN, MASSAGE, _at("2027-01-05 14:00")),
        Appointment(18750004, 2100003, AVERY, DOWNTOWN, CONSULT, _at("2027-01-06 09:00"),
                    "CANCELLED", "CANCEL", "client cancelled"),
        # Week of the 2027-03-14 spring-forward: same 10:00 wall time, UTC offset -5 then -4.
        Appointment(18750005, 2100001, AVERY, DOWNTOWN, CONSULT, _at("2027-03-12 10:00")),
        Appointment(18750006, 2100002, AVERY, DOWNTOWN, COLOR, _at("2027-03-15 10:00")),
        Appointment(18750007, 2100003, SAM, UPTOWN, HAIRCUT, _at("2027-03-16 11:00")),
        # Week of the 2027-11-07 fall-back.
        Appointment(18750008, 2100001, JORDAN, DOWNTOWN, HAIRCUT, _at("2027-11-05 15:00")),
        Appointment(18750009, 2100002, JORDAN, DOWNTOWN, CONSULT, _at("2027-11-08 09:00")),
    ]


def build_time_off() -> list[TimeOff]:
    """One afternoon off and one all-day vacation week."""
    return [
        TimeOff(9001, JORDAN, "TIME_OFF", _at("2027-01-07 12:00"), _at("2027-01-07 17:00"), "Dentist"),
        TimeOff(9002, SAM, "VACATION", _at("2027-02-01 00:00"), _at("2027-02-06 00:00"), "Vacation", allDay=True),
    ]
