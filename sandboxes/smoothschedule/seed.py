"""Deterministic seed data for the SmoothSchedule sandbox.

Two tenants (subdomains ``demo`` and ``acme``), each with two separate data sets: ``test``
(what ``ss_test_`` tokens see) and ``live`` (what ``ss_live_`` tokens see). The catalogue is
the same in both modes, as when a business toggles API test mode on; customers and bookings
differ, so a test token that could read live data shows up at once in the tests.
All times are stored in UTC (SmoothSchedule stores UTC and reports ``business_timezone``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

ALL_SCOPES = frozenset({
    "services:read", "resources:read", "availability:read", "bookings:read", "bookings:write",
    "customers:read", "customers:write", "business:read", "webhooks:manage",
})
READ_SCOPES = frozenset({"services:read", "resources:read", "availability:read", "bookings:read",
                         "customers:read", "business:read"})
WEBHOOK_EVENTS = ("booking.created", "booking.updated", "booking.cancelled", "customer.created")
# Monday-Friday opening hours, business wall clock; both tenants use the same for simplicity.
OPEN, CLOSE = time(9, 0), time(17, 0)
SLOT_STEP_MINUTES = 30
SEED_CREATED = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Token:
    """An API token: its mode comes from the prefix, its tenant and scopes from Business Settings."""

    tenant: str
    scopes: frozenset[str]

    @staticmethod
    def mode_of(token: str) -> str:
        return "live" if token.startswith("ss_live_") else "test"


@dataclass
class Service:
    id: int
    name: str
    description: str
    price: int  # cents
    duration: int  # minutes
    resource_ids: list[int]
    display_order: int
    variable_pricing: bool = False
    requires_manual_scheduling: bool = False
    is_active: bool = True


@dataclass
class Resource:
    id: int
    name: str
    type: str  # STAFF | ROOM | EQUIPMENT
    is_active: bool = True


@dataclass
class Customer:
    id: int
    first_name: str
    last_name: str
    email: str
    phone: str
    created_at: datetime


@dataclass
class Booking:
    id: int
    service_id: int
    resource_id: int
    customer_id: int
    start_time: datetime
    end_time: datetime
    status: str
    notes: str
    created_at: datetime
    updated_at: datetime


@dataclass
class Webhook:
    id: int
    url: str
    events: list[str]
    is_active: bool
    secret: str
    created_at: datetime


@dataclass
class DataSet:
    """One tenant's data in one mode; ``next_id`` keeps ids unique across all its tables."""

    services: dict[int, Service]
    resources: dict[int, Resource]
    customers: dict[int, Customer] = field(default_factory=dict)
    bookings: dict[int, Booking] = field(default_factory=dict)
    webhooks: dict[int, Webhook] = field(default_factory=dict)
    next_id: int = 1000

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id


@dataclass
class Tenant:
    id: int
    subdomain: str
    name: str
    business_timezone: str
    currency: str
    data: dict[str, DataSet]  # mode -> data set

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.business_timezone)


# token -> owner; the names say what each is for in the tests and the demo connection.
TOKENS: dict[str, Token] = {
    "ss_test_demo_full_4f9c2a": Token("demo", ALL_SCOPES),
    "ss_live_demo_full_8b1d7e": Token("demo", ALL_SCOPES),
    "ss_test_demo_readonly_3e5a": Token("demo", READ_SCOPES),
    "ss_test_demo_nobookingwrite_77": Token("demo", ALL_SCOPES - {"bookings:write"}),
    "ss_test_acme_full_c0ffee": Token("acme", ALL_SCOPES),
}


def _catalogue() -> tuple[dict[int, Service], dict[int, Resource]]:
    resources = [
        Resource(11, "Ava Lindqvist", "STAFF"),
        Resource(12, "Ben Okafor", "STAFF"),
        Resource(13, "Treatment Room 1", "ROOM"),
        Resource(14, "Old Chair", "EQUIPMENT", is_active=False),
    ]
    services = [
        Service(1, "Haircut", "Wash, cut and style", 4500, 30, [11, 12], 1),
        Service(2, "Colour", "Full colour, includes consultation", 12000, 90, [11], 2, variable_pricing=True),
        Service(3, "Beard Trim", "Shape and tidy", 2000, 15, [12], 3),
        Service(4, "Massage", "Deep tissue massage", 8000, 60, [13], 4),
        Service(5, "Bridal Package", "By arrangement only", 45000, 240, [11], 5, requires_manual_scheduling=True),
    ]
    return {s.id: s for s in services}, {r.id: r for r in resources}


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _dataset(tenant: str, mode: str) -> DataSet:
    services, resources = _catalogue()
    data = DataSet(services, resources)
    people = (
        [("John", "Smith", "john.smith@example.com"), ("Anna", "Johnson", "anna.johnson@example.com"),
         ("Maria", "Garcia", "maria.garcia@example.com")]
        if mode == "test"
        else [("Real", "Customer", "real.customer@example.com"), ("Lena", "Johnson", "lena.j@example.com")]
    )
    for index, (first, last, email) in enumerate(people):
        if tenant != "demo":
            email = f"{tenant}.{email}"
        cid = 100 + index + (50 if mode == "live" else 0)
        data.customers[cid] = Customer(cid, first, last, email, f"+1-312-555-01{index:02d}", SEED_CREATED)
    first_customer = min(data.customers)
    # Bookings in Chicago wall clock (CST, UTC-6 in December/January).
    seeded = (
        [(1, 11, "2027-01-05T10:00:00-06:00", "CONFIRMED"), (4, 13, "2027-01-05T13:00:00-06:00", "SCHEDULED"),
         (3, 12, "2027-01-06T09:00:00-06:00", "CANCELLED"), (1, 12, "2026-12-01T11:00:00-06:00", "COMPLETED")]
        if mode == "test"
        else [(2, 11, "2027-01-05T14:00:00-06:00", "CONFIRMED")]
    )
    for index, (sid, rid, start, status) in enumerate(seeded):
        bid = 500 + index + (50 if mode == "live" else 0)
        begins = _utc(start)
        ends = begins + timedelta(minutes=services[sid].duration)
        data.bookings[bid] = Booking(bid, sid, rid, first_customer + (index % len(people)), begins, ends, status,
                                     "", SEED_CREATED, SEED_CREATED)
    return data



def build_tenants() -> dict[str, Tenant]:
    """Fresh seed state: subdomain -> tenant."""
    return {
        "demo": Tenant(1, "demo", "Demo Salon", "America/Chicago", "USD",
                       {"test": _dataset("demo", "test"), "live": _dataset("demo", "live")}),
        "acme": Tenant(2, "acme", "Acme Spa", "America/Chicago", "USD",
                       {"test": _dataset("acme", "test"), "live": _dataset("acme", "live")}),
    }
