"""Deterministic seed data for the DigitalBooker sandbox.

One customer (``aptura-demo``) with two locations in Europe/Helsinki (Finland has a
single zone with EU DST: spring-forward 2027-03-28 03:00→04:00, fall-back 2027-10-31
04:00→03:00). Worker 103 deliberately works a Sunday night shift (01:00-07:00) so
that both DST transitions fall inside working hours and availability has to cope
with nonexistent and repeated local times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

ZONE_NAME = "Europe/Helsinki"
ZONE = ZoneInfo(ZONE_NAME)
CUSTOMER = "aptura-demo"
VAT_RATE = 0.255  # Finnish general VAT since 2024-09; DigitalBooker prices include tax

# Privileges are sandbox-defined: the real API only says keys may be limited per method.
READ_PRIVILEGES = frozenset({"bookings:read", "users:read", "catalog:read"})
ALL_PRIVILEGES = READ_PRIVILEGES | {"bookings:write", "users:write"}

Hours = dict[int, list[tuple[time, time]]]  # weekday (Mon=0) -> [(open, close)] local wall clock
Names = dict[str, str]  # lang -> localised string


@dataclass
class ApiKey:
    """An Admin API key: Basic auth username = ``key_id``, password = ``password``."""

    key_id: str
    password: str
    privileges: frozenset[str]


@dataclass
class View:
    """A public booking view of a location (``url_text`` appears in public paths)."""

    id: int
    url_text: str
    names: Names
    service_ids: list[int]
    days: int = 365  # bookable days ahead; large so 2027 DST weeks are reachable from a Jan 2027 clock
    type: str = "service"


@dataclass
class Location:
    """A business location; all its naive dates/times are in :data:`ZONE`."""

    id: int
    url_text: str
    names: Names
    address: str
    zip: str
    city: str
    phone: str
    lat: float
    lng: float
    business_hours: Hours
    external_id: str
    views: list[View]
    country: str = "FI"


@dataclass
class ResourceCategory:
    id: int
    names: Names
    type: str


@dataclass
class Resource:
    """A bookable resource: ``type`` ``worker`` (a person) or ``resource`` (a room)."""

    id: int
    type: str
    names: Names
    category_id: int
    description: Names
    time_bookable: bool
    external_id: str
    image_url: str | None = None


@dataclass
class ServiceCategory:
    id: int
    names: Names
    service_ids: list[int]


@dataclass
class Service:
    """A bookable service; ``interval`` is the step between offered start times."""

    id: int
    names: Names
    description: Names
    duration: int  # minutes
    interval: int  # minutes
    price: float
    resource_ids: list[int]  # workers able to perform it


@dataclass
class User:
    id: int
    first_name: str
    last_name: str
    email: str
    type: str = "customer"
    phone: str | None = None
    address: str | None = None
    zip: str | None = None
    city: str | None = None
    birth_year: int | None = None
    gender: str | None = None
    group_ids: list[int] = field(default_factory=list)
    consents: dict[str, int] = field(default_factory=dict)
    deleted: bool = False


@dataclass
class Booking:
    """A booking; ``date`` + ``start`` are local wall-clock values in :data:`ZONE`."""

    id: int
    type: str
    location_id: int
    date: date
    start: time
    duration: int  # minutes
    resource_ids: list[int]
    user_id: int
    service_id: int | None
    price: float | None
    created: datetime  # aware UTC
    notes: str | None = None
    confirmed: bool = True
    ui: int = 1  # 1 = admin, 2 = www
    extra_info: dict[str, Any] | None = None
    modified: datetime | None = None


@dataclass
class Store:
    """The whole mutable state of one sandbox instance."""

    api_keys: dict[str, ApiKey]
    locations: list[Location]
    resource_categories: list[ResourceCategory]
    resources: list[Resource]
    service_categories: list[ServiceCategory]
    services: list[Service]
    work_hours: dict[tuple[int, int], Hours]  # (resource_id, location_id) -> hours
    users: dict[int, User]
    bookings: dict[int, Booking]
    deleted_bookings: dict[int, datetime]  # booking id -> deletion time (aware UTC)
    next_user_id: int
    next_booking_id: int
    # Deleted bookings are kept (the provider must keep them to list deleted ids by date) and can
    # still be retrieved by id, marked ``deleted``; nothing else sees them.
    removed_bookings: dict[int, Booking] = field(default_factory=dict)


def _t(text: str) -> time:
    return time.fromisoformat(text)


def _week(days: range, start: str, end: str) -> Hours:
    return {d: [(_t(start), _t(end))] for d in days}


MON_SAT = range(6)
MON_FRI = range(5)

_FIRST = ["Aino", "Eero", "Helmi", "Ilkka", "Johanna", "Kalle", "Laura", "Mikko", "Noora", "Olli",
          "Pia", "Risto", "Sanna", "Tuomas", "Ulla", "Ville", "Veera", "Aleksi", "Emma", "Juho",
          "Katja", "Lauri", "Minna", "Niko", "Oona"]
_LAST = ["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
         "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi",
         "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen", "Tuominen", "Rantanen", "Karjalainen"]

_ASCII = str.maketrans({"ä": "a", "ö": "o", "å": "a"})


def _users() -> dict[int, User]:
    users: dict[int, User] = {}
    for i, (first, last) in enumerate(zip(_FIRST, _LAST, strict=True), start=1):
        email = f"{first}.{last}".lower().translate(_ASCII) + "@example.fi"
        users[i] = User(
            id=i, first_name=first, last_name=last, email=email,
            phone=f"+35840{1000000 + i}" if i % 2 else None,
            city="Helsinki" if i % 3 else "Espoo",
            birth_year=1960 + i if i % 4 == 0 else None,
            group_ids=[1] if i <= 5 else [],  # group 1 = "VIP"
        )
    # Temporary users exist (retrievable by id) but are excluded from GET /users, per the seed doc.
    users[26] = User(id=26, first_name="Walk", last_name="In", email="walkin@example.fi", type="temporary")
    return users


def _local(day: str, at: str) -> datetime:
    """A fixed local wall time converted to aware UTC (for created/modified stamps)."""
    return datetime.fromisoformat(f"{day}T{at}").replace(tzinfo=ZONE).astimezone(ZoneInfo("UTC"))


def _bookings() -> dict[int, Booking]:
    created = _local("2026-12-01", "10:00:00")
    rows: list[tuple[int, int, str, str, int, int, int, bool]] = [
        # id, location, date, from, service, worker, user, confirmed
        (5001, 1, "2026-12-15", "10:00", 1, 101, 1, True),  # in the past once the clock is pinned to 2027
        (5002, 1, "2027-01-05", "10:00", 1, 101, 2, True),
        (5003, 1, "2027-01-05", "13:00", 3, 102, 3, False),
        (5004, 2, "2027-01-09", "11:00", 2, 102, 4, True),  # Espoo, Saturday
        (5005, 1, "2027-01-07", "14:00", 2, 103, 5, True),
        # EU spring-forward week (Mon 2027-03-22 .. Sun 2027-03-28) and the Monday after
        (5006, 1, "2027-03-24", "09:00", 4, 101, 6, True),
        (5007, 1, "2027-03-28", "04:00", 3, 103, 7, True),  # Sunday, first hour after the 03:00→04:00 jump
        (5008, 1, "2027-03-29", "10:30", 1, 102, 8, True),
        # EU fall-back week (Mon 2027-10-25 .. Sun 2027-10-31) and the Monday after
        (5009, 1, "2027-10-27", "15:00", 3, 101, 9, True),
        (5010, 1, "2027-10-31", "02:00", 3, 103, 10, True),  # Sunday, ends at the first 03:00 (summer time)
        (5011, 1, "2027-11-01", "09:30", 1, 102, 11, True),
    ]
    durations = {s.id: s.duration for s in _services()}
    prices = {s.id: s.price for s in _services()}
    return {
        bid: Booking(
            id=bid, type="service", location_id=loc, date=date.fromisoformat(day), start=_t(start),
            duration=durations[sid], resource_ids=[worker], user_id=user, service_id=sid, price=prices[sid],
            created=created, confirmed=confirmed, ui=2,
        )
        for bid, loc, day, start, sid, worker, user, confirmed in rows
    }


def _services() -> list[Service]:
    def desc(en: str, fi: str) -> Names:
        return {"en": en, "fi": fi}

    return [
        Service(1, {"en": "Haircut (30 min)", "fi": "Hiustenleikkaus (30 min)"},
                desc("Cut and style.", "Leikkaus ja muotoilu."), 30, 30, 38.0, [101, 102]),
        Service(2, {"en": "Massage (45 min)", "fi": "Hieronta (45 min)"},
                desc("Classic massage.", "Klassinen hieronta."), 45, 30, 55.0, [102, 103]),
        Service(3, {"en": "Consultation (60 min)", "fi": "Konsultaatio (60 min)"},
                desc("Personal consultation.", "Henkilökohtainen konsultaatio."), 60, 30, 60.0, [101, 102, 103]),
        Service(4, {"en": "Colouring (90 min)", "fi": "Värjäys (90 min)"},
                desc("Full colour.", "Kokovärjäys."), 90, 30, 120.0, [101]),
    ]


def build_store() -> Store:
    """Build a fresh, fully deterministic store."""
    helsinki_view = View(1, "palvelut", {"en": "Services", "fi": "Palvelut"}, [1, 2, 3, 4])
    espoo_view = View(2, "palvelut", {"en": "Services", "fi": "Palvelut"}, [1, 2, 3])
    locations = [
        Location(1, "helsinki", {"en": "Helsinki City", "fi": "Helsinki Keskusta"}, "Mannerheimintie 1", "00100",
                 "Helsinki", "+358 9 1234 567", 60.1699, 24.9384, _week(MON_SAT, "09:00", "17:00"), "HEL-01",
                 [helsinki_view]),
        Location(2, "espoo", {"en": "Espoo Tapiola", "fi": "Espoo Tapiola"}, "Tapiontori 3", "02100", "Espoo",
                 "+358 9 7654 321", 60.1756, 24.8055, {5: [(_t("10:00"), _t("16:00"))]}, "ESP-01", [espoo_view]),
    ]
    resource_categories = [
        ResourceCategory(1, {"en": "Stylists", "fi": "Kampaajat"}, "worker"),
        ResourceCategory(2, {"en": "Rooms", "fi": "Tilat"}, "resource"),
    ]
    resources = [
        Resource(101, "worker", {"en": "Anna Aalto", "fi": "Anna Aalto"}, 1,
                 {"en": "Senior stylist", "fi": "Kokenut kampaaja"}, True, "W-101"),
        Resource(102, "worker", {"en": "Bertta Berg", "fi": "Bertta Berg"}, 1,
                 {"en": "Stylist and masseur", "fi": "Kampaaja ja hieroja"}, True, "W-102"),
        Resource(103, "worker", {"en": "Camilla Carlsson", "fi": "Camilla Carlsson"}, 1,
                 {"en": "Night-shift masseur", "fi": "Yövuoron hieroja"}, True, "W-103"),
        Resource(201, "resource", {"en": "Treatment room", "fi": "Hoitohuone"}, 2,
                 {"en": "Quiet room", "fi": "Hiljainen huone"}, True, "R-201"),
    ]
    work_hours: dict[tuple[int, int], Hours] = {
        (101, 1): _week(MON_SAT, "09:00", "17:00"),
        (102, 1): _week(MON_FRI, "09:00", "17:00"),
        (102, 2): {5: [(_t("10:00"), _t("16:00"))]},
        # Tue-Fri afternoons plus a Sunday night shift that spans both DST transitions (03:00-04:00 local).
        (103, 1): {**_week(range(1, 5), "12:00", "20:00"), 6: [(_t("01:00"), _t("07:00"))]},
        (201, 1): _week(MON_SAT, "09:00", "17:00"),
    }
    service_categories = [
        ServiceCategory(1, {"en": "HAIR", "fi": "HIUKSET"}, [1, 4]),
        ServiceCategory(2, {"en": "WELLBEING", "fi": "HYVINVOINTI"}, [2, 3]),
    ]
    bookings = _bookings()
    return Store(
        api_keys={
            "ak_demo_full": ApiKey("ak_demo_full", "sk_demo_full_secret", ALL_PRIVILEGES),
            "ak_demo_readonly": ApiKey("ak_demo_readonly", "sk_demo_readonly_secret", READ_PRIVILEGES),
        },
        locations=locations,
        resource_categories=resource_categories,
        resources=resources,
        service_categories=service_categories,
        services=_services(),
        work_hours=work_hours,
        users=_users(),
        bookings=bookings,
        deleted_bookings={},
        next_user_id=27,
        next_booking_id=max(bookings) + 1,
    )
