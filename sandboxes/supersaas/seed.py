"""Deterministic seed data for the SuperSaaS sandbox.

One account with three schedules, one of each SuperSaaS schedule type:

- a *resource* schedule (three staff members as resources, Mon-Sat 09:00-17:00 local),
- a *capacity* schedule (recurring group-class slots with a capacity),
- a *service* schedule (services only; the API cannot book or report availability there).

All local times are naive wall-clock times in :data:`TIME_ZONE`; created/updated stamps are
naive UTC, as SuperSaaS reports them. Nothing here reads the clock, so ``reset()`` always
rebuilds the same state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

ScheduleKind = Literal["resource", "capacity", "service"]

ACCOUNT_NAME = "ApturaDemo"
# Same shape as a real SuperSaaS key (22 base64-ish characters).
API_KEY = "kX3vR8mQ2pLw7sTb9nYc4A"
# SuperSaaS still accepts the administrator password in place of the API key (legacy).
ADMIN_PASSWORD = "demo-admin-password"
ACCOUNT_COUNTRY = "US"
TIME_ZONE = "America/New_York"

RESOURCE_SCHEDULE_ID = 300101
CAPACITY_SCHEDULE_ID = 300102
SERVICE_SCHEDULE_ID = 300103

# Seeded rows are stamped as created shortly before the test clock (2027-01-04).
SEED_STAMP = datetime(2026, 12, 1, 15, 0, 0)


@dataclass(frozen=True)
class Resource:
    """A resource (here: a staff member) of a resource schedule."""

    id: int
    name: str


@dataclass(frozen=True)
class Service:
    """A service of a service-type schedule."""

    id: int
    name: str
    length_minutes: int


@dataclass(frozen=True)
class SlotTemplate:
    """A weekly recurring slot of a capacity schedule (materialised per date on demand)."""

    index: int
    title: str
    description: str
    location: str
    weekdays: frozenset[int]  # Monday == 0
    start: time
    finish: time
    capacity: int  # 0 = no capacity limit


@dataclass(frozen=True)
class Schedule:
    """A schedule of the account, with its opening hours and type-specific content."""

    id: int
    name: str
    kind: ScheduleKind
    # weekday (Monday == 0) -> (open, close) in local time; absent = closed
    hours: dict[int, tuple[time, time]] = field(default_factory=dict)
    default_length: int = 60
    resources: tuple[Resource, ...] = ()
    services: tuple[Service, ...] = ()
    slot_templates: tuple[SlotTemplate, ...] = ()


@dataclass
class User:
    """A user (client) of the account, as the User API shows it."""

    id: int
    name: str  # login name, usually the e-mail address
    email: str | None = None
    full_name: str | None = None
    fk: str | None = None
    address: str | None = None
    mobile: str | None = None
    phone: str | None = None
    country: str | None = None
    timezone: str | None = None
    field_1: str | None = None
    field_2: str | None = None
    super_field: str | None = None
    credit: str | None = None
    role: int = 3
    group: str | None = None
    created_on: datetime = SEED_STAMP
    updated_on: datetime = SEED_STAMP


@dataclass
class Booking:
    """One appointment. ``start``/``finish`` are local; ``created_on``/``updated_on`` UTC."""

    id: int
    schedule_id: int
    start: datetime
    finish: datetime
    resource_id: int | None = None
    slot_id: int | None = None
    service_id: int | None = None
    user_id: int | None = None
    fields: dict[str, str | None] = field(default_factory=dict)
    created_on: datetime = SEED_STAMP
    updated_on: datetime = SEED_STAMP
    created_by: str | None = None
    updated_by: str | None = None
    deleted: bool = False


WORK_HOURS = {day: (time(9, 0), time(17, 0)) for day in range(6)}  # Mon-Sat 09:00-17:00

ALICE = Resource(101, "Alice Moreno")
BEN = Resource(102, "Ben Okafor")
CHLOE = Resource(103, "Chloe Park")

SERVICES = (
    Service(201, "Consultation", 30),
    Service(202, "Treatment", 45),
    Service(203, "Massage", 60),
    Service(204, "Deep Tissue Massage", 90),
)

# What the demo account charges (Payment settings; not part of any API response, see DEMO in app.py).
SERVICE_PRICES = {201: "45.00", 202: "65.00", 203: "80.00", 204: "110.00"}

YOGA = SlotTemplate(
    1, "Morning Yoga", "All levels vinyasa flow", "Downtown Studio",
    frozenset(range(6)), time(10, 0), time(11, 0), 8,
)
PILATES = SlotTemplate(
    2, "Evening Pilates", "Mat pilates, bring a towel", "Uptown Studio",
    frozenset(range(5)), time(18, 0), time(19, 0), 6,
)


def schedules() -> list[Schedule]:
    """The account's schedules, in the order ``/api/schedules.json`` lists them."""
    return [
        Schedule(RESOURCE_SCHEDULE_ID, "Studio Staff", "resource", dict(WORK_HOURS), 60, (ALICE, BEN, CHLOE)),
        Schedule(CAPACITY_SCHEDULE_ID, "Group Classes", "capacity", dict(WORK_HOURS), 60,
                 slot_templates=(YOGA, PILATES)),
        Schedule(SERVICE_SCHEDULE_ID, "Spa Services", "service", dict(WORK_HOURS), 60, services=SERVICES),
    ]


def slot_id(day: date, template: SlotTemplate) -> int:
    """Deterministic id of the slot ``template`` on ``day``: ``YYYYMMDD`` followed by two index digits."""
    return int(f"{day:%Y%m%d}{template.index:02d}")


def users() -> list[User]:
    """Seeded clients."""
    return [
        User(5001, "jane.doe@example.com", "jane.doe@example.com", "Jane Doe", fk="1001",
             mobile="+12125550101", country="US", timezone=TIME_ZONE),
        User(5002, "sam.lee@example.com", "sam.lee@example.com", "Sam Lee", fk="1002",
             phone="+12125550102", country="US"),
    ]


def _contact(user: User | None, full_name: str | None = None) -> dict[str, str | None]:
    if user is None:
        return {"full_name": full_name, "country": ACCOUNT_COUNTRY}
    return {"full_name": user.full_name, "name": user.name, "email": user.email,
            "mobile": user.mobile, "phone": user.phone, "country": user.country}


def bookings() -> list[Booking]:
    """Seeded appointments on fixed 2027 dates, including both US DST-change weeks."""
    jane, sam = users()
    dt = datetime

    def res(bid: int, start: datetime, minutes: int, resource: Resource, user: User | None,
            name: str | None = None, deleted: bool = False) -> Booking:
        finish = start + timedelta(minutes=minutes)
        by = user.name if user else ACCOUNT_NAME
        return Booking(bid, RESOURCE_SCHEDULE_ID, start, finish, resource_id=resource.id,
                       user_id=user.id if user else None, fields=_contact(user, name),
                       created_by=by, updated_by=by, deleted=deleted,
                       updated_on=dt(2026, 12, 2, 10, 0, 0) if deleted else SEED_STAMP)

    def cap(bid: int, day: date, template: SlotTemplate, user: User | None, name: str | None = None) -> Booking:
        start, finish = dt.combine(day, template.start), dt.combine(day, template.finish)
        by = user.name if user else ACCOUNT_NAME
        return Booking(bid, CAPACITY_SCHEDULE_ID, start, finish, slot_id=slot_id(day, template),
                       user_id=user.id if user else None, fields=_contact(user, name),
                       created_by=by, updated_by=by)

    rows = [
        res(880001, dt(2027, 1, 5, 10, 0), 60, ALICE, jane),
        res(880002, dt(2027, 1, 5, 13, 0), 90, BEN, sam),
        res(880003, dt(2027, 1, 6, 9, 0), 30, CHLOE, None, "Walk-in Client"),
        res(880004, dt(2027, 1, 7, 10, 0), 60, ALICE, jane, deleted=True),
        # US spring-forward week (DST starts Sunday 2027-03-14)
        res(880005, dt(2027, 3, 13, 15, 0), 60, BEN, sam),
        res(880006, dt(2027, 3, 15, 9, 0), 60, ALICE, jane),
        res(880007, dt(2027, 3, 16, 11, 0), 45, CHLOE, sam),
        # US fall-back week (DST ends Sunday 2027-11-07)
        res(880008, dt(2027, 11, 6, 10, 0), 60, ALICE, sam),
        res(880009, dt(2027, 11, 8, 14, 0), 60, BEN, jane),
        # Morning Yoga on Tue 2027-01-05: 3 of 8 places taken
        cap(880010, date(2027, 1, 5), YOGA, jane),
        cap(880011, date(2027, 1, 5), YOGA, sam),
        cap(880012, date(2027, 1, 5), YOGA, None, "Guest Attendee"),
    ]
    # Evening Pilates on Wed 2027-01-06 is fully booked (6 of 6)
    rows += [cap(880013 + i, date(2027, 1, 6), PILATES, None, f"Pilates Guest {i + 1}") for i in range(6)]
    return rows
