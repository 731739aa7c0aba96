"""Deterministic seed data for the Square sandbox.

One seller ("Maple & Main Studio") with two locations in America/New_York, five team members
(three bookable, one owner, one inactive), a small appointments catalog, three customers and a
handful of bookings around the 2027 DST changes. Every id is a fixed string shaped like Square's
(13-char location/merchant ids, ``TM``-prefixed team member ids, 24-char catalog ids, 26-char
customer ids, 14-char lowercase booking ids) so tests and the dev stack can refer to them.

The functions return fresh, JSON-ready dicts in Square's wire shape; the app owns and mutates
them, so each call must build new objects (``reset()`` relies on that).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ZONE = "America/New_York"
MERCHANT_ID = "MLR5K8W2QD3TB"
BUSINESS_NAME = "Maple & Main Studio"

LOCATION_MAIN = "L1Q8W5V2EZ9KD"
LOCATION_UPTOWN = "LP7C3NX4H6RJA"

TM_AVA = "TMx7Kq2Lr9Vd4Bn1"
TM_MARCO = "TMa3Zp8Wc5Ft2Hj6"
TM_JORDAN = "TMe9Rm4Ys1Gu7Nk3"
TM_OWNER = "TMo2Db6Xh8Jv5Cq4"
TM_INACTIVE = "TMi5Pw1Ta7Lf3Ms9"

HAIRCUT_ITEM = "4XBTVHQK2SJ7DGZMEP6CRLNA"
HAIRCUT_VAR = "7QNPZC3LKX5WRA2TGHV4MJYD"
BLOWOUT_ITEM = "K2MRTX8VEPQ4ZJ6N3WCBYHLD"
BLOWOUT_VAR = "H5DGW7LQRZ2XKN8VTBM3PEJC"
MASSAGE_ITEM = "P9CJ4VZMTK6QXRB2WHL7NDGE"
MASSAGE60_VAR = "B3XLN8QJZV5MKC2RTW7HGDPA"
MASSAGE90_VAR = "W6KZRD2PHT9LQM4XCJ8VNBGE"
POMADE_ITEM = "N4TGQ7XCZW2KRB9MHVL5DJPE"
POMADE_VAR = "Z8JHM3RKPX6TWQ2CVN5LBGDA"

CUSTOMER_JANE = "JDKYHBWT1D4F8MFH63DBMEN8Y4"
CUSTOMER_JOHN = "H8Q1R0YXG15QZ9XJRDT39JDBG8"
CUSTOMER_MARIA = "Q5ND7PM2WX9HTC3ZRK8BV6GY4A"

# The OAuth application Aptura uses against the sandbox (Square sandbox ids carry these prefixes).
APP_ID = "sandbox-sq0idb-Apt8NqX4bQ2tY7rLm9KcW1"
APP_SECRET = "sandbox-sq0csb-3vRk9TzQ1mXw7LpC5dHs2NfYb8GjKe4UaVo6iZr0tP"
APP_REDIRECT_URI = "http://localhost:8000/oauth/square/callback"

# A pre-issued code-flow grant, so the demo connection works without a browser step.
SEED_ACCESS_TOKEN = "EAAAlSeedDemoAccessToken7Hq2Vx9Kc4Lm8Np3Rt6Wy1Zb5Df0Gj"
SEED_REFRESH_TOKEN = "EQAAlSeedDemoRefreshToken2Xc7Vb4Nm9Kq1Lw6Er3Ty8Ui5Op0As"
# Fixed (not "now + 30 days") so it stays valid for every pinned 2027 test date and for the
# real clock until then; tests that need an expired token move the clock or expire it.
SEED_TOKEN_EXPIRES_AT = "2028-01-01T00:00:00Z"
# A personal access token (never expires, every scope), as the Developer Console hands out.
PERSONAL_ACCESS_TOKEN = "EAAAEPersonalAccessToken4Jd8Fs2Gh6Kl0Zx3Cv7Bn1Mq5Wr9Ty"

SQUARE_VERSION = "2025-08-20"  # the application's pinned API version (S9's default)

ALL_SCOPES = (
    "APPOINTMENTS_READ",
    "APPOINTMENTS_WRITE",
    "APPOINTMENTS_ALL_READ",
    "APPOINTMENTS_ALL_WRITE",
    "APPOINTMENTS_BUSINESS_SETTINGS_READ",
    "CUSTOMERS_READ",
    "CUSTOMERS_WRITE",
    "ITEMS_READ",
    "EMPLOYEES_READ",
    "MERCHANT_PROFILE_READ",
)
# Seller-level read (sees every booking) but buyer-level write (cannot double-book; cancels are
# CANCELLED_BY_CUSTOMER): what a third-party booking integration typically asks for.
DEMO_SCOPES = (
    "APPOINTMENTS_READ",
    "APPOINTMENTS_ALL_READ",
    "APPOINTMENTS_WRITE",
    "APPOINTMENTS_BUSINESS_SETTINGS_READ",
    "CUSTOMERS_READ",
    "CUSTOMERS_WRITE",
    "ITEMS_READ",
    "EMPLOYEES_READ",
    "MERCHANT_PROFILE_READ",
)

CATALOG_VERSION = 1767225600000  # 2026-01-01T00:00:00Z in ms, as Square versions are
CATALOG_UPDATED_AT = "2026-01-01T00:00:00.000Z"
SEED_CREATED_AT = "2026-12-01T15:00:00Z"

_DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


@dataclass(frozen=True)
class Shift:
    """A weekly working window of a team member at one location (local wall-clock times)."""

    location_id: str
    weekday: int  # 0 = Monday, as datetime.weekday()
    start: str  # "HH:MM"
    end: str  # "HH:MM"


def _week(location_id: str, days: range, start: str, end: str) -> list[Shift]:
    return [Shift(location_id, d, start, end) for d in days]


# Working hours are what availability is cut from; they stay inside each location's hours.
SCHEDULES: dict[str, list[Shift]] = {
    TM_AVA: _week(LOCATION_MAIN, range(0, 6), "09:00", "17:00"),
    TM_MARCO: _week(LOCATION_MAIN, range(0, 3), "09:00", "17:00")
    + _week(LOCATION_UPTOWN, range(3, 6), "10:00", "18:00"),
    TM_JORDAN: _week(LOCATION_MAIN, range(0, 6), "09:00", "17:00"),
}


def _hours(days: range, start: str, end: str) -> dict[str, Any]:
    return {
        "periods": [
            {"day_of_week": _DAYS[d], "start_local_time": f"{start}:00", "end_local_time": f"{end}:00"} for d in days
        ]
    }


def locations() -> list[dict[str, Any]]:
    """The seller's locations, main first (``main`` in RetrieveLocation resolves to it)."""
    common = {
        "timezone": ZONE,
        "capabilities": ["CREDIT_CARD_PROCESSING", "AUTOMATIC_TRANSFERS"],
        "status": "ACTIVE",
        "merchant_id": MERCHANT_ID,
        "country": "US",
        "language_code": "en-US",
        "currency": "USD",
        "business_name": BUSINESS_NAME,
        "type": "PHYSICAL",
        "business_email": "hello@maplemain.example",
        "mcc": "7230",
    }
    return [
        {
            "id": LOCATION_MAIN,
            "name": "Maple & Main - Downtown",
            "address": {
                "address_line_1": "120 Maple Street",
                "locality": "Brooklyn",
                "administrative_district_level_1": "NY",
                "postal_code": "11201",
                "country": "US",
            },
            "created_at": "2026-11-02T14:00:00.000Z",
            "phone_number": "+1 718-555-0142",
            "business_hours": _hours(range(0, 6), "09:00", "17:00"),
            "description": "Hair and massage studio, downtown.",
            "coordinates": {"latitude": 40.6943, "longitude": -73.9903},
            **common,
        },
        {
            "id": LOCATION_UPTOWN,
            "name": "Maple & Main - Uptown",
            "address": {
                "address_line_1": "88 Main Avenue",
                "locality": "New York",
                "administrative_district_level_1": "NY",
                "postal_code": "10027",
                "country": "US",
            },
            "created_at": "2026-11-02T14:05:00.000Z",
            "phone_number": "+1 212-555-0178",
            "business_hours": _hours(range(1, 6), "10:00", "18:00"),
            "description": "Uptown studio.",
            "coordinates": {"latitude": 40.8116, "longitude": -73.9465},
            **common,
        },
    ]


def _member(
    tm_id: str, given: str, family: str, email: str, locs: list[str] | None, *, owner: bool = False, active: bool = True
) -> dict[str, Any]:
    assigned: dict[str, Any] = (
        {"assignment_type": "ALL_CURRENT_AND_FUTURE_LOCATIONS"}
        if locs is None
        else {"assignment_type": "EXPLICIT_LOCATIONS", "location_ids": locs}
    )
    return {
        "id": tm_id,
        "reference_id": f"staff-{given.lower()}",
        "is_owner": owner,
        "status": "ACTIVE" if active else "INACTIVE",
        "given_name": given,
        "family_name": family,
        "email_address": email,
        "created_at": "2026-11-02T14:10:00Z",
        "updated_at": "2026-11-02T14:10:00Z",
        "assigned_locations": assigned,
    }


def team_members() -> list[dict[str, Any]]:
    """Team members in creation order (owner first, as Square lists the account owner)."""
    return [
        _member(TM_OWNER, "Sam", "Carter", "sam@maplemain.example", None, owner=True),
        _member(TM_AVA, "Ava", "Patel", "ava@maplemain.example", [LOCATION_MAIN]),
        _member(TM_MARCO, "Marco", "Rossi", "marco@maplemain.example", [LOCATION_MAIN, LOCATION_UPTOWN]),
        _member(TM_JORDAN, "Jordan", "Lee", "jordan@maplemain.example", [LOCATION_MAIN]),
        _member(TM_INACTIVE, "Riley", "Chen", "riley@maplemain.example", [LOCATION_UPTOWN], active=False),
    ]


def team_member_booking_profiles() -> list[dict[str, Any]]:
    """Booking profiles: only the three staff with schedules are bookable."""
    profile = {
        TM_OWNER: ("Sam C.", "Owner.", False),
        TM_AVA: ("Ava P.", "Senior stylist.", True),
        TM_MARCO: ("Marco R.", "Stylist and massage therapist.", True),
        TM_JORDAN: ("Jordan L.", "Massage therapist and stylist.", True),
        TM_INACTIVE: ("Riley C.", "On leave.", False),
    }
    return [
        {"team_member_id": tm, "display_name": name, "description": desc, "is_bookable": bookable}
        for tm, (name, desc, bookable) in profile.items()
    ]


def _variation(
    var_id: str, item_id: str, name: str, minutes: int | None, cents: int, team: list[str], ordinal: int
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "item_id": item_id,
        "name": name,
        "ordinal": ordinal,
        "pricing_type": "FIXED_PRICING",
        "price_money": {"amount": cents, "currency": "USD"},
        "sellable": True,
        "stockable": True,
    }
    if minutes is not None:
        data["service_duration"] = minutes * 60 * 1000  # Square stores service durations in ms
        data["available_for_booking"] = True
        data["team_member_ids"] = team
    return {
        "type": "ITEM_VARIATION",
        "id": var_id,
        "updated_at": CATALOG_UPDATED_AT,
        "version": CATALOG_VERSION,
        "is_deleted": False,
        "present_at_all_locations": True,
        "item_variation_data": data,
    }


def _item(
    item_id: str, name: str, description: str, product_type: str, variations: list[dict[str, Any]],
    location_ids: list[str] | None = None,
) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "ITEM",
        "id": item_id,
        "updated_at": CATALOG_UPDATED_AT,
        "version": CATALOG_VERSION,
        "is_deleted": False,
        "present_at_all_locations": location_ids is None,
        "item_data": {
            "name": name,
            "description": description,
            "is_taxable": True,
            "variations": variations,
            "product_type": product_type,
            "skip_modifier_screen": False,
            "description_html": f"<p>{description}</p>",
            "description_plaintext": description,
            "is_archived": False,
        },
    }
    if location_ids is not None:
        obj["present_at_location_ids"] = location_ids
        for var in variations:
            var["present_at_all_locations"] = False
            var["present_at_location_ids"] = location_ids
    return obj


def catalog_items() -> list[dict[str, Any]]:
    """Catalog ITEMs (variations nested), in creation order. Massage is offered downtown only."""
    return [
        _item(HAIRCUT_ITEM, "Haircut", "Cut and style.", "APPOINTMENTS_SERVICE", [
            _variation(HAIRCUT_VAR, HAIRCUT_ITEM, "Regular", 30, 3500, [TM_AVA, TM_MARCO, TM_JORDAN], 1),
        ]),
        _item(BLOWOUT_ITEM, "Blowout", "Wash and blow-dry.", "APPOINTMENTS_SERVICE", [
            _variation(BLOWOUT_VAR, BLOWOUT_ITEM, "Regular", 45, 5000, [TM_AVA, TM_MARCO], 1),
        ]),
        _item(MASSAGE_ITEM, "Deep Tissue Massage", "Therapeutic massage.", "APPOINTMENTS_SERVICE", [
            _variation(MASSAGE60_VAR, MASSAGE_ITEM, "60 Minutes", 60, 9500, [TM_MARCO, TM_JORDAN], 1),
            _variation(MASSAGE90_VAR, MASSAGE_ITEM, "90 Minutes", 90, 13000, [TM_MARCO, TM_JORDAN], 2),
        ], location_ids=[LOCATION_MAIN]),
        _item(POMADE_ITEM, "Styling Pomade", "Retail product, 100 ml.", "REGULAR", [
            _variation(POMADE_VAR, POMADE_ITEM, "100 ml", None, 1800, [], 1),
        ]),
    ]


def customers() -> list[dict[str, Any]]:
    """Customer profiles that already exist at the seller."""

    def customer(cid: str, given: str, family: str, email: str, phone: str, created: str) -> dict[str, Any]:
        return {
            "id": cid,
            "created_at": created,
            "updated_at": created,
            "given_name": given,
            "family_name": family,
            "email_address": email,
            "phone_number": phone,
            "preferences": {"email_unsubscribed": False},
            "creation_source": "APPOINTMENTS",
            "version": 0,
        }

    return [
        customer(CUSTOMER_JANE, "Jane", "Doe", "jane.doe@example.com", "+12125550101", "2026-11-10T15:00:00.000Z"),
        customer(CUSTOMER_JOHN, "John", "Smith", "john.smith@example.com", "+12125550102", "2026-11-11T16:30:00.000Z"),
        customer(CUSTOMER_MARIA, "Maria", "Garcia", "maria.garcia@example.org", "+17185550103",
                 "2026-11-12T17:45:00.000Z"),
    ]


# (id, start UTC, location, team member, variation, minutes, customer, status)
_BOOKINGS: list[tuple[str, str, str, str, str, int, str, str]] = [
    # Tue 2027-01-05 10:00 and 13:00 EST
    ("k4m9q2x7w1za0b", "2027-01-05T15:00:00Z", LOCATION_MAIN, TM_AVA, HAIRCUT_VAR, 30, CUSTOMER_JANE, "ACCEPTED"),
    ("p8r3t6v1y5cd2e", "2027-01-05T18:00:00Z", LOCATION_MAIN, TM_MARCO, MASSAGE60_VAR, 60, CUSTOMER_JOHN, "ACCEPTED"),
    # Wed 2027-01-06 09:00 EST, cancelled: must not block availability
    ("f7g2h9j4k1lm3n", "2027-01-06T14:00:00Z", LOCATION_MAIN, TM_JORDAN, HAIRCUT_VAR, 30, CUSTOMER_MARIA,
     "CANCELLED_BY_CUSTOMER"),
    # Spring forward is Sun 2027-03-14: Sat 10:00 EST = 15:00Z, Mon 10:00 EDT = 14:00Z
    ("s2d5f8g1h4jk6l", "2027-03-13T15:00:00Z", LOCATION_MAIN, TM_AVA, HAIRCUT_VAR, 30, CUSTOMER_JANE, "ACCEPTED"),
    ("q9w3e6r2t5yu8i", "2027-03-15T14:00:00Z", LOCATION_MAIN, TM_AVA, HAIRCUT_VAR, 30, CUSTOMER_JOHN, "ACCEPTED"),
    ("z1x4c7v2b5nm8a", "2027-03-16T18:00:00Z", LOCATION_MAIN, TM_JORDAN, MASSAGE90_VAR, 90, CUSTOMER_MARIA,
     "ACCEPTED"),
    # Fall back is Sun 2027-11-07: Sat 10:00 EDT = 14:00Z, Mon 10:00 EST = 15:00Z
    ("h6j9k2l5m8n1pq", "2027-11-06T14:00:00Z", LOCATION_MAIN, TM_AVA, HAIRCUT_VAR, 30, CUSTOMER_JANE, "ACCEPTED"),
    ("c3v6b9n2m5q8wr", "2027-11-08T15:00:00Z", LOCATION_MAIN, TM_AVA, HAIRCUT_VAR, 30, CUSTOMER_JOHN, "ACCEPTED"),
    # Thu 2027-11-11 11:00 EST at the uptown studio
    ("u4i7o1p3a6s9dt", "2027-11-11T16:00:00Z", LOCATION_UPTOWN, TM_MARCO, BLOWOUT_VAR, 45, CUSTOMER_MARIA,
     "ACCEPTED"),
]


def bookings() -> list[dict[str, Any]]:
    """Existing bookings, made by the seller in the Square Appointments app (first party)."""
    out = []
    for bid, start, loc, tm, var, minutes, cust, status in _BOOKINGS:
        out.append({
            "id": bid,
            "version": 0 if status == "ACCEPTED" else 1,
            "status": status,
            "created_at": SEED_CREATED_AT,
            "updated_at": SEED_CREATED_AT,
            "start_at": start,
            "location_id": loc,
            "customer_id": cust,
            "customer_note": "",
            "seller_note": "",
            "appointment_segments": [{
                "duration_minutes": minutes,
                "service_variation_id": var,
                "team_member_id": tm,
                "service_variation_version": CATALOG_VERSION,
                "intermission_minutes": 0,
                "any_team_member": False,
            }],
            "transition_time_minutes": 0,
            "all_day": False,
            "location_type": "BUSINESS_LOCATION",
            "creator_details": {"creator_type": "TEAM_MEMBER", "team_member_id": TM_OWNER},
            "source": "FIRST_PARTY_MERCHANT",
        })
    return out


def business_booking_profile() -> dict[str, Any]:
    """The seller's booking settings; ``alignment_time`` drives the availability grid."""
    return {
        "seller_id": MERCHANT_ID,
        "created_at": "2026-11-02T14:00:00Z",
        "booking_enabled": True,
        "customer_timezone_choice": "BUSINESS_LOCATION_TIMEZONE",
        "booking_policy": "ACCEPT_ALL",
        "allow_user_cancel": True,
        "business_appointment_settings": {
            "location_types": ["BUSINESS_LOCATION"],
            "alignment_time": "HALF_HOURLY",
            "min_booking_lead_time_seconds": 0,
            "max_booking_lead_time_seconds": 31536000,
            "any_team_member_booking_enabled": True,
            "multiple_service_booking_enabled": True,
            "cancellation_window_seconds": 0,
            "cancellation_policy": "CUSTOM_POLICY",
            "cancellation_policy_text": "Please cancel at least a day ahead.",
            "skip_booking_flow_staff_selection": False,
        },
        "support_seller_level_writes": True,
    }


def location_booking_profiles() -> list[dict[str, Any]]:
    """Online booking settings per location."""
    return [
        {"location_id": loc, "booking_site_url": f"https://book.squareupsandbox.com/appointments/{loc}",
         "online_booking_enabled": True}
        for loc in (LOCATION_MAIN, LOCATION_UPTOWN)
    ]
