"""Mindbody Public API v6 sandbox (see ``sandboxes/mindbody/README.md`` for its choices).

Mounted at ``/mindbody`` by the shared server, so the provider base URL in tests is
``<server.url>/mindbody`` and endpoints live under ``/mindbody/public/v6/...``.
Everything is held in memory and rebuilt by :meth:`MindbodySandbox.reset`.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time as monotonic_clock
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from sandboxes.core import Request, Response, SandboxApp
from sandboxes.mindbody import seed
from sandboxes.mindbody.params import (
    Body,
    MindbodyError,
    Query,
    error_response,
    invalid,
    parse_time_of_day,
)
from sandboxes.mindbody.seed import (
    Appointment,
    Client,
    Location,
    Login,
    PricingOption,
    Program,
    SessionType,
    Site,
    Staff,
)

API_PREFIX = "/public/v6"

DEMO: dict[str, Any] = {
    "slot_taken_wordings": 3,  # ways this sandbox refuses a taken slot (POST /_sandbox/wording)
    # a refusal of a booking for another reason, in the provider's format (a /_sandbox/faults rule)
    "refusal_fault": {"path": "/appointment/addappointment$",
                       "method": "POST",
                       "status": 400,
                       "body": {"Error": {"Code": "SchedulingWindowViolated",
                                          "Message": "Appointments must be booked at least 24 hours in advance."}}},
    # keys are the connection fields of specs/mindbody.yaml
    "config": {"siteId": str(seed.SITE_ID), "locationId": "1", "timezone": seed.DEFAULT_ZONE,
               "bookingIncrementMinutes": seed.BOOKING_INCREMENT_MINUTES},
    "credentials": {"apiKey": seed.API_KEY, "username": seed.OWNER_USERNAME, "password": seed.OWNER_PASSWORD},
    "service_id": "200",
    "staff_id": "100000108",
    # The one provider request that makes a booking (fault rules aim at it in the tests).
    "booking_request": {"method": "POST", "path": "^/public/v6/appointment/addappointment$"},
}

DEFAULT_LIMIT = 100
MAX_LIMIT = 200  # commonly cited maximum page size; larger values are clamped
MAX_CLIENT_IDS = 20
MAX_TOKEN_RENEWALS = 7
# An identical add-appointment still being processed is refused for at most this long (Mindbody's cap).
DEDUP_IN_PROGRESS_CAP_SECONDS = 120.0
FREEING_STATUSES = frozenset({"Cancelled", "LateCancelled"})  # statuses that no longer hold the staff's time
EXECUTE_STATUS = {
    "confirm": "Confirmed",
    "unconfirm": "Booked",
    "arrive": "Arrived",
    "unarrive": "Booked",
    "cancel": "Cancelled",
    "latecancel": "LateCancelled",
    "complete": "Completed",
}
STAFF_FILTERS = ("staffviewable", "appointmentinstructor", "classinstructor", "male", "female")
# Mindbody runs on .NET; its Site.TimeZone is assumed to carry Windows zone names.
WINDOWS_ZONE_NAMES = {
    "America/New_York": "Eastern Standard Time",
    "America/Chicago": "Central Standard Time",
    "America/Denver": "Mountain Standard Time",
    "America/Los_Angeles": "Pacific Standard Time",
    "Europe/London": "GMT Standard Time",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_AVAILABILITY_EPOCH = date(2020, 1, 1)

TokenMode = Literal["none", "optional", "required"]
T = TypeVar("T")


@dataclass
class UserToken:
    """An issued staff user token."""

    value: str
    login: Login
    site_id: int
    expires: datetime  # aware UTC
    renewals: int = 0


@dataclass
class _Context:
    request: Request
    query: Query
    api_key: str
    site_id: int = 0
    token: UserToken | None = None


@dataclass
class _DedupEntry:
    first_seen: float  # monotonic seconds
    response: Response | None = None  # None while the first request is still in progress


class MindbodySandbox(SandboxApp):
    """Simulated Mindbody Public API v6 for the demo site -99.

    Configuration (constructor arguments, also plain attributes tests may change at run time):

    - ``zone``: the site's IANA zone (default ``America/New_York``); all appointment times are
      naive wall times in it.
    - ``token_lifetime``: lifetime of a staff user token (default 7 days), measured on the
      sandbox clock, so pinning the clock past ``Expires`` expires it; :meth:`expire_tokens`
      expires every token at once.
    - ``burst_limit``: ``(calls, seconds)`` sliding-window limit per API key answered with 429
      ``TooManyRequests`` (default ``None``: off). ``daily_limit``: calls per key per site-local day.
    - ``dedup_window_seconds``: how long a completed add-appointment response is replayed for an
      identical request (default 0: Mindbody's documented behaviour, where only a duplicate of a
      request still in progress is refused with 409 and a repeat after completion is a new request).
    - ``emit_utc``: emit appointment/availability times as UTC ``...Z`` instead of naive local.
    - ``required_client_fields``: the site's extra required client fields (default none; the real
      demo site requires ``("BirthDate",)``, see ``seed.REAL_DEMO_SITE_REQUIRED_CLIENT_FIELDS``).
    """

    name = "mindbody"

    def __init__(
        self,
        *,
        zone: str = seed.DEFAULT_ZONE,
        api_keys: Iterable[str] = (seed.API_KEY,),
        token_lifetime: timedelta = timedelta(days=7),
        burst_limit: tuple[int, float] | None = None,
        daily_limit: int | None = None,
        dedup_window_seconds: float = 0.0,
        emit_utc: bool = False,
        required_client_fields: tuple[str, ...] | None = None,
    ) -> None:
        self.zone_name = zone
        self.zone = ZoneInfo(zone)
        self.api_keys = set(api_keys)
        self.token_lifetime = token_lifetime
        self.burst_limit = burst_limit
        self.daily_limit = daily_limit
        self.dedup_window_seconds = dedup_window_seconds
        self.emit_utc = emit_utc
        self._required_client_fields = required_client_fields
        self._limiter_lock = threading.Lock()
        self._dedup_lock = threading.Lock()
        # Tokens have their own lock so authentication never waits behind a booking holding ``self.lock``.
        self._token_lock = threading.Lock()
        super().__init__()  # calls reset(), which needs the settings above
        self._register("POST", "/usertoken/issue", self._issue_token, token="none")
        self._register("POST", "/usertoken/renew", self._renew_token, token="required")
        self._register("DELETE", "/usertoken/revoke", self._revoke_token, token="required")
        self._register("GET", "/site/sites", self._sites, site=False)
        self._register("GET", "/site/locations", self._locations)
        self._register("GET", "/site/sessiontypes", self._session_types)
        self._register("GET", "/site/programs", self._programs)
        self._register("GET", "/staff/staff", self._staff_members)
        self._register("GET", "/staff/sessiontypes", self._staff_session_types)
        self._register("GET", "/sale/services", self._services)
        self._register("GET", "/appointment/bookableitems", self._bookable_items)
        self._register("GET", "/appointment/activesessiontimes", self._active_session_times)
        self._register("POST", "/appointment/addappointment", self._add_appointment, token="required")
        self._register("POST", "/appointment/updateappointment", self._update_appointment, token="required")
        self._register("GET", "/appointment/staffappointments", self._staff_appointments, token="required")
        self._register("GET", "/client/clients", self._clients, token="required")
        self._register("POST", "/client/addclient", self._add_client)
        self._register("POST", "/client/updateclient", self._update_client, token="required")
        self._register("GET", "/client/clientduplicates", self._client_duplicates, token="required")
        self._register("GET", "/client/requiredclientfields", self._required_fields)

    # -- state -----------------------------------------------------------------------
    def reset(self) -> None:
        """Rebuild site -99, its clients and appointments; drop tokens, limiter and dedup state."""
        self.site: Site = seed.build_site(self.zone_name, self._required_client_fields)
        self.clients: dict[str, Client] = seed.build_clients()
        self.appointments: dict[int, Appointment] = seed.build_appointments()
        with self._token_lock:
            self.tokens: dict[str, UserToken] = {}
        self._next_appointment_id = max(self.appointments) + 1
        self._next_client_number = max(c.unique_id for c in self.clients.values()) + 1
        self._locations_by_id: dict[int, Location] = {loc.id: loc for loc in self.site.locations}
        self._programs_by_id: dict[int, Program] = {p.id: p for p in self.site.programs}
        self._session_types_by_id: dict[int, SessionType] = {st.id: st for st in self.site.session_types}
        self._staff_by_id: dict[int, Staff] = {s.id: s for s in self.site.staff}
        with self._limiter_lock:
            self._burst: dict[str, deque[float]] = {}
            self._daily: dict[tuple[str, date], int] = {}
        with self._dedup_lock:
            self._dedup: dict[str, _DedupEntry] = {}

    def admin_state(self) -> Any:
        """Appointments, clients, live tokens and settings, for tests (``GET /_sandbox/state``)."""
        return {
            "site_id": self.site.id,
            "zone": self.zone_name,
            "settings": {
                "token_lifetime_seconds": self.token_lifetime.total_seconds(),
                "burst_limit": list(self.burst_limit) if self.burst_limit else None,
                "daily_limit": self.daily_limit,
                "dedup_window_seconds": self.dedup_window_seconds,
                "emit_utc": self.emit_utc,
                "required_client_fields": list(self.site.required_client_fields),
            },
            "appointments": [self._appointment_json(a) for a in sorted(self.appointments.values(), key=lambda a: a.id)],
            "clients": [self._client_json(c) for c in self.clients.values()],
            "tokens": [
                {"user": t.login.username, "expires": _utc_text(t.expires), "renewals": t.renewals}
                for t in list(self.tokens.values())
            ],
        }

    def expire_tokens(self) -> None:
        """Admin hook: make every issued token expired (tests of re-authentication)."""
        with self._token_lock:
            past = self.now() - timedelta(seconds=1)
            for token in self.tokens.values():
                token.expires = past

    def not_found(self, request: Request) -> Response:
        """ASP.NET Web API's answer for a path no controller serves."""
        message = f"No HTTP resource was found that matches the request URI '{request.path}'."
        return Response.json({"Message": message}, 404)

    # -- plumbing ----------------------------------------------------------------------
    def _register(
        self,
        method: str,
        path: str,
        handler: Callable[[_Context], Response],
        *,
        site: bool = True,
        token: TokenMode = "optional",
    ) -> None:
        def endpoint(request: Request) -> Response:
            try:
                self._throttle(request)
                ctx = _Context(request, Query(request.query), self._api_key(request))
                if site:
                    ctx.site_id = self._site_id(request)
                if token != "none":
                    # Without a SiteId (site/sites) a token is checked for validity, not for its site.
                    ctx.token = self._user_token(request, ctx.site_id if site else None,
                                                 required=token == "required")
                return handler(ctx)
            except MindbodyError as exc:
                return exc.response()

        self.route(method, API_PREFIX + path, endpoint)

    def _throttle(self, request: Request) -> None:
        key = request.header("api-key") or ""
        with self._limiter_lock:
            if self.burst_limit is not None:
                calls, seconds = self.burst_limit
                now = monotonic_clock.monotonic()
                window = self._burst.setdefault(key, deque())
                while window and now - window[0] >= seconds:
                    window.popleft()
                if len(window) >= calls:
                    raise MindbodyError(429, "TooManyRequests", "Rate limit has been reached.")
                window.append(now)
            if self.daily_limit is not None:
                day = (key, self._now_local().date())
                if self._daily.get(day, 0) >= self.daily_limit:
                    raise MindbodyError(429, "TooManyRequests", "The daily call limit has been reached.")
                self._daily[day] = self._daily.get(day, 0) + 1

    def _api_key(self, request: Request) -> str:
        key = (request.header("api-key") or "").strip()
        if not key:
            raise MindbodyError(401, "DeniedAccess", "Missing API key")
        if key not in self.api_keys:
            raise MindbodyError(401, "DeniedAccess", "Invalid API key")
        return key

    def _site_id(self, request: Request) -> int:
        raw = (request.header("siteid") or "").strip()
        if not raw:
            raise MindbodyError(400, "InvalidSiteId", "A SiteId header is required.")
        try:
            site_id = int(raw)
        except ValueError:
            raise MindbodyError(400, "InvalidSiteId", f"Invalid SiteId: {raw}.") from None
        if site_id != self.site.id:
            raise MindbodyError(400, "InvalidSiteId", f"Site {site_id} does not exist or is not available.")
        return site_id

    def _user_token(self, request: Request, site_id: int | None, *, required: bool) -> UserToken | None:
        raw = (request.header("authorization") or "").strip()
        if raw.lower().startswith("bearer "):
            raw = raw[len("bearer "):].strip()
        if not raw:
            if required:
                raise MindbodyError(401, "DeniedAccess", "A staff user token is required for this endpoint.")
            return None
        with self._token_lock:
            token = self.tokens.get(raw)
        if token is None or (site_id is not None and token.site_id != site_id):
            raise MindbodyError(401, "DeniedAccess", "Authorization token is invalid.")
        if token.expires <= self.now():
            raise MindbodyError(401, "DeniedAccess", "Authorization token has expired.")
        return token

    def _now_local(self) -> datetime:
        return self.now().astimezone(self.zone).replace(tzinfo=None)

    def _fmt(self, value: datetime) -> str:
        """An appointment/availability time: naive site-local, or UTC ``Z`` when ``emit_utc``."""
        if self.emit_utc:
            return _utc_text(value.replace(tzinfo=self.zone))
        return value.strftime("%Y-%m-%dT%H:%M:%S")

    def _paginate(self, items: list[Any], query: Query) -> tuple[list[Any], dict[str, int]]:
        limit = query.int_value("limit", DEFAULT_LIMIT)
        offset = query.int_value("offset", 0)
        assert limit is not None and offset is not None
        if limit < 1:
            raise invalid("Limit must be greater than 0.")
        if offset < 0:
            raise invalid("Offset must be 0 or greater.")
        limit = min(limit, MAX_LIMIT)
        page = items[offset:offset + limit]
        return page, {
            "RequestedLimit": limit, "RequestedOffset": offset, "PageSize": len(page), "TotalResults": len(items),
        }

    def _day_range(self, query: Query) -> tuple[date, date]:
        """``startDate`` (default today, site-local) and ``endDate`` (default startDate) as dates."""
        start = query.datetime_value("startDate", self.zone)
        end = query.datetime_value("endDate", self.zone)
        first = start.date() if start else self._now_local().date()
        last = end.date() if end else first
        if last < first:
            raise invalid("EndDate must be on or after StartDate.")
        return first, last

    # -- JSON views --------------------------------------------------------------------
    def _location_json(self, loc: Location) -> dict[str, Any]:
        return {
            "Id": loc.id, "Name": loc.name, "Address": loc.address, "Address2": None, "City": loc.city,
            "StateProvCode": loc.state, "PostalCode": loc.postal_code, "Phone": loc.phone, "PhoneExtension": None,
            "Latitude": loc.latitude, "Longitude": loc.longitude, "SiteID": self.site.id, "HasClasses": loc.id == 1,
            "Description": loc.description, "BusinessDescription": self.site.description, "Amenities": [],
            "AdditionalImageURLs": [], "Tax1": 0.0, "Tax2": 0.0, "Tax3": 0.0, "Tax4": 0.0, "Tax5": 0.0,
            "TotalNumberOfRatings": 0, "AverageRating": 0.0, "TotalNumberOfDeals": 0,
        }

    def _program_json(self, program: Program) -> dict[str, Any]:
        return {"Id": program.id, "Name": program.name, "ScheduleType": program.schedule_type,
                "CancelOffset": program.cancel_offset, "ContentFormats": ["InPerson"]}

    def _session_type_json(self, st: SessionType) -> dict[str, Any]:
        program = self._programs_by_id[st.program_id]
        return {
            "Type": st.kind, "DefaultTimeLength": st.default_minutes, "StaffTimeLength": None, "Id": st.id,
            "Name": st.name, "OnlineDescription": st.online_description, "NumDeducted": 1, "ProgramId": program.id,
            "Category": program.name, "CategoryId": program.id, "Subcategory": None, "SubcategoryId": None,
            "AvailableForAddOn": False,
        }

    def _pricing_option_json(self, option: PricingOption, location: Location | None) -> dict[str, Any]:
        program = self._programs_by_id[option.program_id]
        return {
            "Price": float(Decimal(option.price)), "OnlinePrice": float(Decimal(option.online_price)),
            # TaxRate is only computed for a requested location; the sandbox's locations charge no tax.
            "TaxIncluded": 0.0, "ProgramId": program.id, "TaxRate": 0.0 if location is not None else None,
            "ProductId": option.product_id, "Id": option.barcode_id, "Name": option.name, "Count": option.count,
            "SellOnline": option.sell_online, "SaleInContractOnly": False, "Type": option.kind,
            "ExpirationType": "DateOfSale", "ExpirationUnit": "Days", "ExpirationLength": 365,
            "RevenueCategory": program.name, "MembershipId": None,
            "SellAtLocationIds": list(option.location_ids), "UseAtLocationIds": list(option.location_ids),
            "Priority": "Medium", "IsIntroOffer": option.intro_offer,
            "IntroOfferType": "NewConsumer" if option.intro_offer else None, "IsThirdPartyDiscountPricing": False,
            "Program": program.name, "Discontinued": option.discontinued, "RestrictToMembershipIds": [],
            "ApplyMemberDiscountsOfMembershipIds": [],
        }

    def _staff_session_type_json(self, staff: Staff, st: SessionType) -> dict[str, Any]:
        program = self._programs_by_id[st.program_id]
        return {
            "StaffId": staff.id, "Type": st.kind, "Id": st.id, "Name": st.name, "NumDeducted": 1,
            "ProgramId": program.id, "Category": program.name, "CategoryId": program.id, "Subcategory": None,
            "SubcategoryId": None, "TimeLength": st.default_minutes, "PrepTime": 0, "FinishTime": 0,
            "PayRateType": None, "PayRateAmount": None,
        }

    def _staff_json(self, staff: Staff) -> dict[str, Any]:
        return {
            "Id": staff.id, "FirstName": staff.first_name, "LastName": staff.last_name, "DisplayName": staff.name,
            "Name": staff.name, "Email": staff.email, "Bio": staff.bio, "ImageUrl": None, "IsMale": staff.is_male,
            "AppointmentInstructor": staff.appointment_instructor, "ClassTeacher": staff.class_teacher,
            "AlwaysAllowDoubleBooking": staff.always_allow_double_booking, "IndependentContractor": False,
            "SortOrder": staff.sort_order, "MobilePhone": None, "HomePhone": None, "WorkPhone": None,
            "Address": None, "City": None, "State": None, "PostalCode": None, "Country": None, "EmpID": None,
            "Appointments": [], "Availabilities": [], "Unavailabilities": [],
        }

    def _appointment_json(self, appt: Appointment, *, site_staff_name: bool = False) -> dict[str, Any]:
        staff = self._staff_by_id[appt.staff_id]
        st = self._session_types_by_id[appt.session_type_id]
        return {
            "GenderPreference": appt.gender_preference,
            "Duration": int((appt.end - appt.start).total_seconds() // 60),
            "ProviderId": appt.provider_id,
            "Id": appt.id,
            "Status": appt.status,
            "StartDateTime": self._fmt(appt.start),
            "EndDateTime": self._fmt(appt.end),
            "Notes": appt.notes,
            "PartnerExternalId": appt.partner_external_id,
            "StaffRequested": appt.staff_requested,
            "ProgramId": st.program_id,
            "SessionTypeId": st.id,
            "LocationId": appt.location_id,
            "StaffId": staff.id,
            "Staff": {
                "Id": staff.id, "FirstName": staff.first_name, "LastName": staff.last_name,
                # The documented default: DisplayName holds only the first name unless site settings are asked for.
                "DisplayName": staff.name if site_staff_name else staff.first_name,
            },
            "ClientId": appt.client_id,
            "FirstAppointment": appt.first_appointment,
            "IsWaitlist": False,
            "WaitlistEntryId": None,
            "ClientServiceId": None,
            "Resources": [],
            "AddOns": [],
            "OnlineDescription": st.online_description,
        }

    def _client_json(self, client: Client, *, action: str = "None", suspension: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "Id": client.id, "UniqueId": client.unique_id, "FirstName": client.first_name,
            "MiddleName": client.middle_name, "LastName": client.last_name, "Email": client.email,
            "MobilePhone": client.mobile_phone, "HomePhone": client.home_phone, "WorkPhone": client.work_phone,
            "WorkExtension": None,
            "BirthDate": client.birth_date.strftime("%Y-%m-%dT%H:%M:%S") if client.birth_date else None,
            "AddressLine1": client.address_line1, "AddressLine2": client.address_line2, "City": client.city,
            "State": client.state, "PostalCode": client.postal_code, "Country": client.country,
            "Gender": client.gender, "Notes": client.notes, "Active": client.active, "IsProspect": client.is_prospect,
            "IsCompany": False, "Status": "Non-Member", "Action": action,
            "CreationDate": client.creation_date.strftime("%Y-%m-%dT%H:%M:%S"),
            "LastModifiedDateTime": _utc_text(client.last_modified),
            "FirstAppointmentDate": None, "AppointmentGenderPreference": "None", "AccountBalance": 0.0,
            "RedAlert": None, "YellowAlert": None, "PhotoUrl": None, "ReferredBy": None, "MembershipIcon": 0,
            "MobileProvider": None, "LiabilityRelease": False,
            "Liability": {"IsReleased": False, "AgreementDate": None, "ReleasedBy": None},
            "EmergencyContactInfoName": None, "EmergencyContactInfoEmail": None,
            "EmergencyContactInfoPhone": None, "EmergencyContactInfoRelationship": None,
            "ClientCreditCard": None, "ClientIndexes": [], "ClientRelationships": [], "CustomClientFields": [],
            "SalesReps": [], "ProspectStage": None, "LastFormulaNotes": None, "LockerNumber": None,
            "HomeLocation": self._location_json(self.site.locations[0]),
        }
        for flag in ("SendAccountEmails", "SendAccountTexts", "SendPromotionalEmails", "SendPromotionalTexts",
                     "SendScheduleEmails", "SendScheduleTexts"):
            data[flag] = client.send_flags.get(flag, False)
        if suspension:
            data["SuspensionInfo"] = {"BookingSuspended": False, "SuspensionStartDate": None, "SuspensionEndDate": None}
        return data

    # -- user tokens -------------------------------------------------------------------
    def _token_json(self, token: UserToken) -> dict[str, Any]:
        login = token.login
        return {
            "TokenType": "Bearer",
            "AccessToken": token.value,
            "Expires": _utc_text(token.expires),
            "User": {
                "Id": login.user_id, "FirstName": login.first_name, "LastName": login.last_name, "Type": login.kind,
            },
        }

    def _issue_token(self, ctx: _Context) -> Response:
        body = Body(ctx.request.body)
        username = (body.text("Username") or "").strip().lower()
        password = body.text("Password") or ""
        login = next(
            (lg for lg in self.site.logins if lg.username.lower() == username and lg.password == password), None)
        if login is None:
            raise MindbodyError(403, "DeniedAccess", "Staff identity authentication failed.")
        token = UserToken(secrets.token_hex(16), login, ctx.site_id, self.now() + self.token_lifetime)
        with self._token_lock:
            self.tokens[token.value] = token
        return Response.json(self._token_json(token))

    def _renew_token(self, ctx: _Context) -> Response:
        token = _required(ctx.token)
        with self._token_lock:
            if token.renewals >= MAX_TOKEN_RENEWALS:
                raise MindbodyError(403, "DeniedAccess", "The token has reached its renewal limit; issue a new token.")
            token.renewals += 1
            token.expires += timedelta(hours=24)
            return Response.json(self._token_json(token))

    def _revoke_token(self, ctx: _Context) -> Response:
        token = _required(ctx.token)
        with self._token_lock:
            self.tokens.pop(token.value, None)
        return Response(200, b"", {})

    # -- site and staff ----------------------------------------------------------------
    def _sites(self, ctx: _Context) -> Response:
        wanted = set(ctx.query.int_list("siteIds"))
        site = self.site
        sites = [] if wanted and site.id not in wanted else [{
            "Id": site.id, "Name": site.name, "Description": site.description,
            "ContactEmail": seed.OWNER_USERNAME, "LogoUrl": None, "PageColor1": "#3a6e9c", "PageColor2": "#ffffff",
            "PageColor3": "#333333", "PageColor4": "#eeeeee", "AcceptsVisa": True, "AcceptsMasterCard": True,
            "AcceptsAmericanExpress": True, "AcceptsDiscover": True, "AcceptsDirectDebit": False,
            "AllowsDashboardAccess": True, "PricingLevel": "Accelerate", "SmsPackageEnabled": False,
            "TaxInclusivePrices": False, "CurrencyIsoCode": site.currency, "CountryCode": "US",
            "TimeZone": WINDOWS_ZONE_NAMES.get(self.zone_name, self.zone_name),
            "LeadChannels": [] if ctx.query.bool_value("includeLeadChannels", False) else None,
            "PerStaffPricing": False,
        }]
        page, pagination = self._paginate(sites, ctx.query)
        return Response.json({"PaginationResponse": pagination, "Sites": page})

    def _locations(self, ctx: _Context) -> Response:
        page, pagination = self._paginate([self._location_json(loc) for loc in self.site.locations], ctx.query)
        return Response.json({"PaginationResponse": pagination, "Locations": page})

    def _session_types(self, ctx: _Context) -> Response:
        program_ids = set(ctx.query.int_list("programIds"))
        online_only = ctx.query.bool_value("onlineOnly", False)
        items = [
            self._session_type_json(st) for st in self.site.session_types
            if (not program_ids or st.program_id in program_ids) and (st.online or not online_only)
        ]
        page, pagination = self._paginate(items, ctx.query)
        return Response.json({"PaginationResponse": pagination, "SessionTypes": page})

    def _programs(self, ctx: _Context) -> Response:
        program_ids = set(ctx.query.int_list("programIds"))
        schedule = (ctx.query.text("scheduleType") or "All").lower()
        items = [
            self._program_json(p) for p in self.site.programs
            if (not program_ids or p.id in program_ids) and schedule in ("all", p.schedule_type.lower())
        ]
        page, pagination = self._paginate(items, ctx.query)
        return Response.json({"PaginationResponse": pagination, "Programs": page})

    def _staff_members(self, ctx: _Context) -> Response:
        q = ctx.query
        staff_ids = set(q.int_list("staffIds"))
        filters = [f.lower() for f in q.texts("filters")]
        for f in filters:
            if f not in STAFF_FILTERS:
                raise invalid(f"The value '{f}' is not valid for Filters.")
        location_id = q.int_value("locationId")
        session_type_id = q.int_value("sessionTypeId")
        start = q.datetime_value("startDateTime", self.zone)
        trio = (location_id, session_type_id, start)
        if any(v is not None for v in trio) and not all(v is not None for v in trio):
            raise invalid("LocationId, SessionTypeId and StartDateTime must be provided together.")
        items = []
        with self.lock:
            for staff in self.site.staff:
                if staff_ids and staff.id not in staff_ids:
                    continue
                if not _matches_filters(staff, filters):
                    continue
                if location_id is not None and session_type_id is not None and start is not None:
                    st = self._session_types_by_id.get(session_type_id)
                    if st is None or st.id not in staff.session_type_ids:
                        continue
                    try:
                        self._check_slot(staff, location_id, start, start + timedelta(minutes=st.default_minutes), None)
                    except MindbodyError:
                        continue
                items.append(self._staff_json(staff))
        page, pagination = self._paginate(items, q)
        return Response.json({"PaginationResponse": pagination, "StaffMembers": page})

    def _staff_session_types(self, ctx: _Context) -> Response:
        q = ctx.query
        staff_id = q.int_value("staffId")
        if staff_id is None:
            raise _missing(["StaffId"])
        staff = self._staff_by_id.get(staff_id)
        if staff is None:
            raise MindbodyError(404, "StaffMemberNotFound", f"Staff member {staff_id} does not exist.")
        program_ids = set(q.int_list("programIds"))
        online_only = q.bool_value("onlineOnly", False)
        items = [
            self._staff_session_type_json(staff, st) for st in self.site.session_types
            if st.id in staff.session_type_ids and (not program_ids or st.program_id in program_ids)
            and (st.online or not online_only)
        ]
        page, pagination = self._paginate(items, q)
        return Response.json({"PaginationResponse": pagination, "StaffSessionTypes": page})

    # -- sale ----------------------------------------------------------------------------
    def _services(self, ctx: _Context) -> Response:
        q = ctx.query
        session_type_ids = set(q.int_list("sessionTypeIds"))
        program_ids = set(q.int_list("programIds"))
        barcode_ids = set(q.texts("serviceIds"))
        include_discontinued = q.bool_value("includeDiscontinued", False)
        # sellOnline only applies in business mode (with a staff token); consumer mode sees online options only.
        sell_online = q.bool_value("sellOnline", False) if ctx.token is not None else True
        location_id = q.int_value("locationId")
        location = None
        if location_id is not None:
            location = self._locations_by_id.get(location_id)
            if location is None:
                raise MindbodyError(400, "InvalidLocation", f"Location {location_id} does not exist.")
        items = [
            self._pricing_option_json(option, location) for option in self.site.pricing_options
            if (not session_type_ids or session_type_ids & set(option.session_type_ids))
            and (not program_ids or option.program_id in program_ids)
            and (not barcode_ids or option.barcode_id in barcode_ids)
            and (include_discontinued or not option.discontinued)
            and (option.sell_online or not sell_online)
        ]
        page, pagination = self._paginate(items, q)
        return Response.json({"PaginationResponse": pagination, "Services": page})

    # -- availability ------------------------------------------------------------------
    def _earliest_bookable(self) -> datetime:
        """Now (site-local), rounded up to the site's booking increment."""
        now = self._now_local()
        midnight = datetime.combine(now.date(), time())
        step = self.site.booking_increment * 60
        seconds = (now - midnight).total_seconds()
        return midnight + timedelta(seconds=-(-seconds // step) * step)

    def _open_windows(self, staff: Staff, day: date, exclude_id: int | None) -> list[tuple[datetime, datetime, int]]:
        """The staff member's working blocks on ``day`` minus their appointments and the past."""
        day_start = datetime.combine(day, time())
        day_end = day_start + timedelta(days=1)
        busy = sorted(
            (a.start, a.end) for a in self.appointments.values()
            if a.staff_id == staff.id and a.status not in FREEING_STATUSES and a.id != exclude_id
            and a.start < day_end and a.end > day_start
        )
        earliest = self._earliest_bookable()
        windows: list[tuple[datetime, datetime, int]] = []
        for block in sorted((b for b in staff.hours if b.weekday == day.weekday()), key=lambda b: b.start):
            start = max(datetime.combine(day, block.start), earliest)
            end = datetime.combine(day, block.end)
            windows.extend((s, e, block.location_id) for s, e in _subtract(start, end, busy))
        return windows

    def _bookable_items(self, ctx: _Context) -> Response:
        q = ctx.query
        session_type_ids = q.int_list("sessionTypeIds")
        if not session_type_ids:
            raise MindbodyError(400, "MissingRequiredFields", "SessionTypeIds is required.")
        location_ids = set(q.int_list("locationIds"))
        staff_ids = set(q.int_list("staffIds"))
        exclude_id = q.int_value("appointmentId")
        ignore_length = q.bool_value("ignoreDefaultSessionLength", False)
        first, last = self._day_range(q)
        found: list[tuple[datetime, int, int, dict[str, Any]]] = []
        with self.lock:
            day = first
            while day <= last:
                for staff in self.site.staff:
                    if (staff_ids and staff.id not in staff_ids) or not staff.appointment_instructor:
                        continue
                    types = [
                        self._session_types_by_id[i] for i in session_type_ids
                        if i in staff.session_type_ids and self._session_types_by_id[i].kind == "Appointment"
                    ]
                    if not types:
                        continue
                    for index, (start, end, location_id) in enumerate(self._open_windows(staff, day, exclude_id)):
                        if location_ids and location_id not in location_ids:
                            continue
                        for st in types:
                            length = timedelta(minutes=st.default_minutes)
                            if end - start < length and not ignore_length:
                                continue
                            window_id = (day - _AVAILABILITY_EPOCH).days * 10000 + staff.sort_order * 100 + index
                            found.append((start, staff.sort_order, st.id, {
                                "Id": window_id,
                                "Staff": self._staff_json(staff),
                                "SessionType": self._session_type_json(st),
                                "Programs": [self._program_json(self._programs_by_id[st.program_id])],
                                "Location": self._location_json(self._locations_by_id[location_id]),
                                "StartDateTime": self._fmt(start),
                                "EndDateTime": self._fmt(end),
                                "BookableEndDateTime": self._fmt(max(start, end - length)),
                                "PrepTime": 0,
                                "FinishTime": 0,
                                "IsMasked": False,
                                "ShowPublic": True,
                                "ResourceAvailabilities": [],
                            }))
                day += timedelta(days=1)
        found.sort(key=lambda row: row[:3])
        page, pagination = self._paginate([row[3] for row in found], q)
        return Response.json({"PaginationResponse": pagination, "Availabilities": page})

    def _active_session_times(self, ctx: _Context) -> Response:
        q = ctx.query
        session_type_ids = set(q.int_list("sessionTypeIds"))
        schedule = q.text("scheduleType")
        if not session_type_ids and not schedule:
            raise invalid("Either SessionTypeIds or ScheduleType must be provided.")
        start_raw, end_raw = q.text("startTime"), q.text("endTime")
        earliest = parse_time_of_day("StartTime", start_raw) if start_raw else time(0, 0)
        latest = parse_time_of_day("EndTime", end_raw) if end_raw else time(23, 59, 59)
        staff = [
            s for s in self.site.staff if s.appointment_instructor and (
                (session_type_ids and session_type_ids & set(s.session_type_ids))
                or (schedule is not None and schedule.lower() in ("all", "appointment")))
        ]
        blocks = [b for s in staff for b in s.hours]
        times: list[str] = []
        if blocks:
            step = timedelta(minutes=self.site.booking_increment)
            cursor = datetime.combine(_AVAILABILITY_EPOCH, min(b.start for b in blocks))
            close = datetime.combine(_AVAILABILITY_EPOCH, max(b.end for b in blocks))
            while cursor < close:
                if earliest <= cursor.time() <= latest:
                    times.append(cursor.strftime("%H:%M:%S"))
                cursor += step
        page, pagination = self._paginate(times, q)
        return Response.json({"PaginationResponse": pagination, "ActiveSessionTimes": page})

    # -- booking -----------------------------------------------------------------------
    def _check_slot(
        self, staff: Staff, location_id: int, start: datetime, end: datetime, exclude_id: int | None
    ) -> None:
        """Refuse a time in the past, outside the staff's hours at that location, or overlapping a booking."""
        if end <= start:
            raise invalid("EndDateTime must be after StartDateTime.")
        if start < self._now_local():
            raise MindbodyError(400, "InvalidBookingTime", "Appointments cannot be booked in the past.")
        fits = any(
            b.location_id == location_id and b.weekday == start.weekday()
            and datetime.combine(start.date(), b.start) <= start and end <= datetime.combine(start.date(), b.end)
            for b in staff.hours
        )
        if not fits:
            location = self._locations_by_id.get(location_id)
            where = location.name if location else f"location {location_id}"
            raise MindbodyError(400, "InvalidBookingTime",
                                f"{staff.name} is not available at {where} "
                                f"from {self._fmt(start)} to {self._fmt(end)}.")
        if staff.always_allow_double_booking:
            return
        for other in self.appointments.values():
            if (other.staff_id == staff.id and other.id != exclude_id and other.status not in FREEING_STATUSES
                    and other.start < end and start < other.end):
                # Mindbody documents the codes, not these texts (sandboxes/README.md: guesses).
                code, text = self.worded("slot_taken", [
                    ("InvalidBookingTime", f"{staff.name} is already booked at the requested time "
                                           f"({self._fmt(start)} to {self._fmt(end)})."),
                    ("InvalidBookingTime", f"The requested time is not available for {staff.name}."),
                    ("SchedulingRestrictionsViolated", "This appointment violates the scheduling restrictions "
                                                       "set for this staff member."),
                ])
                raise MindbodyError(400, code, text)

    def _lookup_staff_and_type(self, staff_id: int, session_type_id: int) -> tuple[Staff, SessionType]:
        st = self._session_types_by_id.get(session_type_id)
        if st is None:
            raise MindbodyError(404, "SessionTypeNotFound", f"Session type {session_type_id} does not exist.")
        if st.kind != "Appointment":
            raise invalid(f"Session type {session_type_id} is not an appointment session type.")
        staff = self._staff_by_id.get(staff_id)
        if staff is None:
            raise MindbodyError(404, "StaffMemberNotFound", f"Staff member {staff_id} does not exist.")
        if st.id not in staff.session_type_ids:
            raise invalid(f"{staff.name} does not perform session type {st.id} ({st.name}).")
        return staff, st

    def _add_appointment(self, ctx: _Context) -> Response:
        skip = (ctx.request.header("x-requestdeduplication-skip") or "").strip().lower()
        if skip and skip not in ("false", "0"):
            return self._create_appointment(ctx)[0]
        digest = hashlib.sha256(
            b"\x00".join([ctx.api_key.encode(), str(ctx.site_id).encode(), ctx.request.path.lower().encode(),
                          ctx.request.body])
        ).hexdigest()
        with self._dedup_lock:
            now = monotonic_clock.monotonic()
            for key, entry in list(self._dedup.items()):
                horizon = DEDUP_IN_PROGRESS_CAP_SECONDS if entry.response is None else self.dedup_window_seconds
                if now - entry.first_seen >= horizon:
                    del self._dedup[key]
            existing = self._dedup.get(digest)
            if existing is not None:
                if existing.response is None:
                    return error_response(409, "DuplicateRequest", "Identical request is still in progress")
                return existing.response
            entry = _DedupEntry(now)
            self._dedup[digest] = entry
        response: Response | None = None
        saved = False
        try:
            response, saved = self._create_appointment(ctx)
            return response
        finally:
            with self._dedup_lock:
                if response is not None and saved and self.dedup_window_seconds > 0:
                    entry.response = response
                else:
                    self._dedup.pop(digest, None)

    def _create_appointment(self, ctx: _Context) -> tuple[Response, bool]:
        body = Body(ctx.request.body)
        required = ("ClientId", "LocationId", "SessionTypeId", "StaffId", "StartDateTime")
        missing = [name for name in required if not body.has(name)]
        if missing:
            raise _missing(missing)
        client_id = _required(body.text("ClientId"))
        location_id = _required(body.int_value("LocationId"))
        start = _required(body.datetime_value("StartDateTime", self.zone))
        end = body.datetime_value("EndDateTime", self.zone)
        duration = body.int_value("Duration")
        test = body.bool_value("Test", False)
        status = "Requested" if body.bool_value("IsRequest", False) else "Booked"
        with self.lock:
            client = self.clients.get(client_id)
            if client is None:
                raise MindbodyError(404, "ClientNotFound", f"Client {client_id} does not exist.")
            if location_id not in self._locations_by_id:
                raise MindbodyError(400, "InvalidLocation", f"Location {location_id} does not exist.")
            staff, st = self._lookup_staff_and_type(_required(body.int_value("StaffId")),
                                                    _required(body.int_value("SessionTypeId")))
            if end is None:
                end = start + timedelta(minutes=duration if duration is not None else st.default_minutes)
            self._check_slot(staff, location_id, start, end, None)
            appt = Appointment(
                id=0 if test else self._next_appointment_id,
                client_id=client.id, staff_id=staff.id, location_id=location_id, session_type_id=st.id,
                start=start, end=end, status=status, notes=body.text("Notes"),
                staff_requested=body.bool_value("StaffRequested", False),
                first_appointment=not any(
                    a.client_id == client.id and a.status not in FREEING_STATUSES for a in self.appointments.values()),
                partner_external_id=body.text("PartnerExternalId"), provider_id=body.text("ProviderId"),
                gender_preference=body.text("GenderPreference") or "None",
            )
            if not test:
                self.appointments[appt.id] = appt
                self._next_appointment_id += 1
            return Response.json({"Appointment": self._appointment_json(appt)}), not test

    def _update_appointment(self, ctx: _Context) -> Response:
        body = Body(ctx.request.body)
        appt_id = body.int_value("AppointmentId")
        if appt_id is None:
            raise _missing(["AppointmentId"])
        execute = (body.text("Execute") or "").strip().lower()
        if execute and execute not in EXECUTE_STATUS:
            raise invalid(f"The value '{execute}' is not valid for Execute.")
        test = body.bool_value("Test", False)
        new_start = body.datetime_value("StartDateTime", self.zone)
        new_end = body.datetime_value("EndDateTime", self.zone)
        with self.lock:
            appt = self.appointments.get(appt_id)
            if appt is None:
                raise MindbodyError(404, "ItemNotFound", f"Appointment {appt_id} does not exist.")
            if appt.status in FREEING_STATUSES:
                raise invalid(f"Appointment {appt_id} is cancelled and cannot be updated.")
            updated = replace(appt)
            if any(body.has(f) for f in ("StartDateTime", "EndDateTime", "StaffId", "SessionTypeId")):
                staff, st = self._lookup_staff_and_type(body.int_value("StaffId") or appt.staff_id,
                                                        body.int_value("SessionTypeId") or appt.session_type_id)
                start = new_start or appt.start
                if new_end is not None:
                    end = new_end
                elif st.id != appt.session_type_id:
                    end = start + timedelta(minutes=st.default_minutes)
                else:
                    end = start + (appt.end - appt.start)
                self._check_slot(staff, appt.location_id, start, end, appt.id)
                updated = replace(updated, staff_id=staff.id, session_type_id=st.id, start=start, end=end)
            if body.get("Notes") is not None:
                updated.notes = body.text("Notes")
            for name, attr in (("PartnerExternalId", "partner_external_id"), ("ProviderId", "provider_id"),
                               ("GenderPreference", "gender_preference")):
                if body.has(name):
                    setattr(updated, attr, body.text(name))
            if execute:
                updated.status = EXECUTE_STATUS[execute]
            if not test:
                self.appointments[appt.id] = updated
            return Response.json({"Appointment": self._appointment_json(updated)})

    def _staff_appointments(self, ctx: _Context) -> Response:
        q = ctx.query
        ids = set(q.int_list("appointmentIds"))
        client_id = q.text("clientId")
        staff_ids = set(q.int_list("staffIds"))
        location_ids = set(q.int_list("locationIds"))
        start = q.datetime_value("startDate", self.zone)
        end = q.datetime_value("endDate", self.zone)
        use_site_name = q.bool_value("useSiteSettingsStaffName", False)
        # Asking for ids alone must find them whatever their date.
        filter_dates = not (ids and start is None and end is None)
        range_start = start or datetime.combine(self._now_local().date(), time())
        if end is None:
            range_end = datetime.combine(range_start.date(), time()) + timedelta(days=1)
        elif q.is_date_only("endDate") or end.time() == time():
            # A date, or a date-time at midnight as generated clients send for dates, means the whole day.
            range_end = end + timedelta(days=1)
        else:
            range_end = end + timedelta(microseconds=1)
        if filter_dates and range_end <= range_start:
            raise invalid("EndDate must be on or after StartDate.")
        with self.lock:
            items = [
                self._appointment_json(a, site_staff_name=use_site_name)
                for a in sorted(self.appointments.values(), key=lambda a: (a.start, a.id))
                if (not ids or a.id in ids) and (client_id is None or a.client_id == client_id)
                and (not staff_ids or a.staff_id in staff_ids) and (not location_ids or a.location_id in location_ids)
                and (not filter_dates or range_start <= a.start < range_end)
            ]
        page, pagination = self._paginate(items, q)
        return Response.json({"PaginationResponse": pagination, "Appointments": page})

    # -- clients -----------------------------------------------------------------------
    def _clients(self, ctx: _Context) -> Response:
        q = ctx.query
        client_ids = q.texts("clientIds")
        unique_ids = set(q.int_list("uniqueIds"))
        search = (q.text("searchText") or "").lower()
        if len(client_ids) > MAX_CLIENT_IDS:
            raise invalid(f"You can fetch information for a maximum of {MAX_CLIENT_IDS} clients at once.")
        if unique_ids and (client_ids or search):
            raise invalid("UniqueIds cannot be used with ClientIds or SearchText.")
        include_inactive = q.bool_value("includeInactive", False)
        is_prospect = q.optional_bool("isProspect")
        modified_since = q.datetime_value("lastModifiedDate", self.zone)
        modified_utc = modified_since.replace(tzinfo=self.zone).astimezone(UTC) if modified_since else None
        with self.lock:
            items = [
                self._client_json(c, suspension=True) for c in self.clients.values()
                if (c.active or include_inactive)
                and (not client_ids or c.id in client_ids)
                and (not unique_ids or c.unique_id in unique_ids)
                and (not search or _client_matches(c, search))
                and (is_prospect is None or c.is_prospect == is_prospect)
                and (modified_utc is None or c.last_modified >= modified_utc)
            ]
        page, pagination = self._paginate(items, q)
        return Response.json({"PaginationResponse": pagination, "Clients": page})

    def _add_client(self, ctx: _Context) -> Response:
        body = Body(ctx.request.body)
        first = (body.text("FirstName") or "").strip()
        last = (body.text("LastName") or "").strip()
        missing = [name for name, value in (("FirstName", first), ("LastName", last)) if not value]
        missing += [name for name in self.site.required_client_fields if not body.has(name) and name not in missing]
        if missing:
            raise _missing(missing)
        email = (body.text("Email") or "").strip() or None
        if email is not None and not _EMAIL.match(email):
            raise invalid(f"The email address '{email}' is not valid.")
        birth = body.datetime_value("BirthDate", self.zone)
        test = body.bool_value("Test", False)
        with self.lock:
            for other in self.clients.values():
                if (other.first_name.lower(), other.last_name.lower(), (other.email or "").lower()) == (
                        first.lower(), last.lower(), (email or "").lower()):
                    raise MindbodyError(400, "InvalidClientCreation",
                                        "Client creation cannot result in duplicate client records: a client with this "
                                        "first name, last name and email already exists.")
            client_id = (body.text("NewId") or "").strip() or str(self._next_client_number)
            if client_id in self.clients:
                raise invalid(f"The client ID {client_id} is already in use.")
            client = Client(
                id=client_id, unique_id=self._next_client_number, first_name=first, last_name=last, email=email,
                mobile_phone=body.text("MobilePhone"), home_phone=body.text("HomePhone"),
                work_phone=body.text("WorkPhone"), middle_name=body.text("MiddleName"),
                birth_date=datetime.combine(birth.date(), time()) if birth else None,
                address_line1=body.text("AddressLine1"), address_line2=body.text("AddressLine2"),
                city=body.text("City"), state=body.text("State"), postal_code=body.text("PostalCode"),
                country=body.text("Country"), gender=body.text("Gender"), notes=body.text("Notes"),
                is_prospect=body.bool_value("IsProspect", False),
                creation_date=self._now_local().replace(microsecond=0),
                last_modified=self.now().astimezone(UTC).replace(microsecond=0),
                send_flags={flag: body.bool_value(flag, False) for flag in (
                    "SendAccountEmails", "SendAccountTexts", "SendPromotionalEmails", "SendPromotionalTexts",
                    "SendScheduleEmails", "SendScheduleTexts")},
            )
            data = self._client_json(client, action="Added")
            if test:
                data["Id"] = None
                data["UniqueId"] = None
            else:
                self.clients[client.id] = client
                self._next_client_number += 1
        return Response.json({"Client": data})

    def _update_client(self, ctx: _Context) -> Response:
        """UpdateClient: ``Client.Id`` names the client; only the fields sent change (a null clears one)."""
        outer = Body(ctx.request.body)
        sent = outer.get("Client")
        if not isinstance(sent, dict):
            raise _missing(["Client"])
        body = Body(json.dumps(sent).encode())
        present = {str(key).lower() for key in sent}
        client_id = (body.text("Id") or "").strip()
        if not client_id:
            raise _missing(["Client.Id"])
        with self.lock:
            client = self.clients.get(client_id)
            if client is None:
                raise MindbodyError(404, "ClientNotFound", f"Client {client_id} does not exist.")
            for name in ("FirstName", "LastName"):
                if name.lower() in present and not (body.text(name) or "").strip():
                    raise invalid(f"{name} cannot be empty.")
            email = body.text("Email")
            if email and not _EMAIL.match(email.strip()):
                raise invalid(f"The email address '{email}' is not valid.")
            fields = {"FirstName": "first_name", "LastName": "last_name", "Email": "email",
                      "MobilePhone": "mobile_phone", "HomePhone": "home_phone", "WorkPhone": "work_phone"}
            if not outer.bool_value("Test", False):
                for name, attr in fields.items():
                    if name.lower() in present:
                        value = body.text(name)
                        setattr(client, attr, value.strip() if value and value.strip() else None)
                client.last_modified = self.now().astimezone(UTC).replace(microsecond=0)
            data = self._client_json(client, action="Updated")
        return Response.json({"Client": data})

    def _client_duplicates(self, ctx: _Context) -> Response:
        q = ctx.query
        wanted = {
            "email": (q.text("email") or "").lower(),
            "first": (q.text("firstName") or "").lower(),
            "last": (q.text("lastName") or "").lower(),
        }
        if not any(wanted.values()):
            raise invalid("At least one of Email, FirstName or LastName must be provided.")
        with self.lock:
            items = [
                {"Id": c.id, "UniqueId": c.unique_id, "FirstName": c.first_name, "LastName": c.last_name,
                 "Email": c.email}
                for c in self.clients.values()
                if (not wanted["email"] or (c.email or "").lower() == wanted["email"])
                and (not wanted["first"] or c.first_name.lower() == wanted["first"])
                and (not wanted["last"] or c.last_name.lower() == wanted["last"])
            ]
        page, pagination = self._paginate(items, q)
        return Response.json({"PaginationResponse": pagination, "ClientDuplicates": page})

    def _required_fields(self, ctx: _Context) -> Response:
        return Response.json({"RequiredClientFields": list(self.site.required_client_fields)})


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _required(value: T | None) -> T:
    """Narrow an optional already validated as present."""
    assert value is not None
    return value


def _missing(names: list[str]) -> MindbodyError:
    message = f"The following required fields are missing: {', '.join(names)}."
    return MindbodyError(400, "MissingRequiredFields", message)


def _subtract(start: datetime, end: datetime, busy: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """``[start, end)`` minus the sorted ``busy`` intervals."""
    free: list[tuple[datetime, datetime]] = []
    cursor = start
    for busy_start, busy_end in busy:
        if busy_end <= cursor or busy_start >= end:
            continue
        if busy_start > cursor:
            free.append((cursor, busy_start))
        cursor = max(cursor, busy_end)
    if cursor < end:
        free.append((cursor, end))
    return free


def _matches_filters(staff: Staff, filters: list[str]) -> bool:
    checks = {
        "staffviewable": True,
        "appointmentinstructor": staff.appointment_instructor,
        "classinstructor": staff.class_teacher,
        "male": staff.is_male,
        "female": not staff.is_male,
    }
    return all(checks[f] for f in filters)


def _client_matches(client: Client, needle: str) -> bool:
    haystacks = (client.first_name, client.last_name, client.email or "", f"{client.first_name} {client.last_name}")
    return any(needle in h.lower() for h in haystacks)
