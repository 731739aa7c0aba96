"""Square sandbox: OAuth, Bookings, Customers, Catalog, Team and Locations on Square's real paths.

Mounted at ``/square``; a client's base URL is ``<server>/square`` (e.g. the ``squareup`` SDK's
``base_url``). Behaviour follows ``reference/providers/square.md``; choices where Square's docs
are silent are listed in ``sandboxes/square/README.md``.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

from sandboxes.core import Request, Response, SandboxApp
from sandboxes.square import availability, seed
from sandboxes.square.oauth import AccessToken, Application, OAuthError, OAuthStore, RefreshToken
from sandboxes.square.webhooks import Webhooks

DEMO: dict[str, Any] = {
    "slot_taken_wordings": 3,  # ways this sandbox refuses a taken slot (POST /_sandbox/wording)
    # a refusal of a booking for another reason, in the provider's format (a /_sandbox/faults rule)
    "refusal_fault": {"path": "/v2/bookings$",
                       "method": "POST",
                       "status": 400,
                       "body": {"errors": [{"category": "INVALID_REQUEST_ERROR",
                                            "code": "INVALID_VALUE",
                                            "detail": "Online booking is turned off for this location.",
                                            "field": "booking.location_id"}]}},
    # Keys match specs/square.yaml's connection fields.
    "config": {
        "location_id": seed.LOCATION_MAIN,
        "timezone": seed.ZONE,
    },
    # The engine's oauth2 secret names: a pre-issued code-flow grant (see seed.py).
    "credentials": {
        "access_token": seed.SEED_ACCESS_TOKEN,
        "refresh_token": seed.SEED_REFRESH_TOKEN,
        "expires_at": seed.SEED_TOKEN_EXPIRES_AT,
    },
    # Square books service *variations*: this is the 30-minute "Haircut - Regular" variation id.
    "service_id": seed.HAIRCUT_VAR,
    "staff_id": seed.TM_AVA,
    # The one provider request that makes a booking, CreateBooking (fault rules aim at it in the tests).
    "booking_request": {"method": "POST", "path": "^/v2/bookings$"},
}

# The platform's OAuth application for this sandbox (not a connection's secret): the dev stack
# and tests seed it into the platform secret ``oauth-apps`` as ``{"square": {"test": OAUTH_APP}}``.
OAUTH_APP: dict[str, str] = {"client_id": seed.APP_ID, "client_secret": seed.APP_SECRET}

_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|z|[+-]\d{2}:\d{2})$")
_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ACTIVE = ("ACCEPTED", "PENDING")
_LOWER = "abcdefghijklmnopqrstuvwxyz0123456789"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_STEP_MINUTES = {"QUARTER_HOURLY": 15, "HALF_HOURLY": 30, "HOURLY": 60}
_CATEGORY_BY_STATUS = {401: "AUTHENTICATION_ERROR", 403: "AUTHENTICATION_ERROR", 429: "RATE_LIMIT_ERROR"}


class SquareError(Exception):
    """An error answered as Square does: ``{"errors": [{category, code, detail, field}]}``."""

    def __init__(self, status: int, code: str, detail: str, field: str | None = None,
                 category: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.field = field
        self.category = category or (
            _CATEGORY_BY_STATUS.get(status) or ("API_ERROR" if status >= 500 else "INVALID_REQUEST_ERROR")
        )

    def response(self) -> Response:
        """The HTTP response carrying this error."""
        error: dict[str, str] = {"category": self.category, "code": self.code, "detail": self.detail}
        if self.field:
            error["field"] = self.field
        return Response.json({"errors": [error]}, self.status)


@dataclass
class Call:
    """One authenticated provider call: the request, its parsed JSON body and the caller's token."""

    request: Request
    body: dict[str, Any]
    token: AccessToken | None

    @property
    def scopes(self) -> tuple[str, ...]:
        return self.token.scopes if self.token else ()

    @property
    def seller_read(self) -> bool:
        """Seller-level read access sees every booking, not just the ones this app made."""
        return "APPOINTMENTS_ALL_READ" in self.scopes

    @property
    def seller_write(self) -> bool:
        return "APPOINTMENTS_ALL_WRITE" in self.scopes


def fmt(dt: datetime) -> str:
    """RFC 3339 in UTC with ``Z`` and whole seconds, as Square writes booking times."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def fmt_ms(dt: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as Square writes customer timestamps."""
    utc = dt.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_time(value: Any, field: str) -> datetime:
    """Parse an RFC 3339 timestamp (offset required) or raise Square's ``INVALID_TIME``."""
    if not isinstance(value, str) or not _TIME_RE.match(value):
        raise SquareError(400, "INVALID_TIME", f"Invalid RFC 3339 timestamp {value!r}.", field)
    try:
        return datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00")).astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise SquareError(400, "INVALID_TIME", f"Invalid RFC 3339 timestamp {value!r}.", field) from None


def _typed(obj: dict[str, Any], key: str, kind: type | tuple[type, ...], path: str) -> Any:
    """``obj[key]`` if present and of ``kind``, None if absent or null, else Square's EXPECTED_* error."""
    value = obj.get(key)
    if value is None:
        return None
    if kind is int and isinstance(value, bool):
        value = "bool"  # bool is an int subclass but Square rejects it
    if not isinstance(value, kind):
        expected = {str: "STRING", int: "INTEGER", bool: "BOOLEAN", dict: "OBJECT", list: "ARRAY"}.get(
            kind if isinstance(kind, type) else kind[0], "STRING")
        raise SquareError(400, f"EXPECTED_{expected}", f"Expected {expected.lower()} for `{path}`.", path)
    return value


def _required(value: Any, path: str) -> Any:
    if value is None or value == "" or value == []:
        raise SquareError(400, "MISSING_REQUIRED_PARAMETER", f"Missing required parameter `{path}`.", path)
    return value


def _max_len(value: str | None, limit: int, path: str) -> None:
    if value is not None and len(value) > limit:
        raise SquareError(400, "VALUE_TOO_LONG", f"`{path}` must be at most {limit} characters.", path)


class SquareSandbox(SandboxApp):
    """Simulated Square seller account (see the module docstring and README)."""

    name = "square"

    def __init__(self) -> None:
        self.zone = ZoneInfo(seed.ZONE)
        super().__init__()
        self._register_routes()

    # -- state -------------------------------------------------------------------------------
    def reset(self) -> None:
        """Rebuild the seed state and restore every tunable to its default."""
        # Tunables (tests may change them; reset restores them):
        self.access_token_lifetime = timedelta(days=30)  # Square's OAuth access tokens last 30 days
        self.short_lived_token_lifetime = timedelta(hours=24)
        self.strict = True  # CreateBooking requires customer_id; availability requires location_id
        self.auto_approve = True  # the authorize page approves at once; False simulates "Deny"
        self.customer_search_lag = timedelta(0)  # new/updated customers stay unsearchable this long

        self._seq = 0
        self.locations = {loc["id"]: loc for loc in seed.locations()}
        self.team_members = {tm["id"]: tm for tm in seed.team_members()}
        self.booking_profiles = {p["team_member_id"]: p for p in seed.team_member_booking_profiles()}
        self.location_profiles = {p["location_id"]: p for p in seed.location_booking_profiles()}
        self.business_profile = seed.business_booking_profile()
        self.schedules = {tm: list(shifts) for tm, shifts in seed.SCHEDULES.items()}
        self.catalog = {item["id"]: item for item in seed.catalog_items()}
        self.customers = {c["id"]: c for c in seed.customers()}
        self.bookings = {b["id"]: b for b in seed.bookings()}
        self._booking_client: dict[str, str | None] = {bid: None for bid in self.bookings}  # creator app
        self._customer_searchable_at: dict[str, datetime] = {}
        self._idempotency: dict[tuple[str, str], tuple[str, Any]] = {}

        self.oauth = OAuthStore(merchant_id=seed.MERCHANT_ID)
        self.oauth.applications[seed.APP_ID] = Application(seed.APP_ID, seed.APP_SECRET, seed.APP_REDIRECT_URI)
        expires = parse_time(seed.SEED_TOKEN_EXPIRES_AT, "expires_at")
        self.oauth.refresh_tokens[seed.SEED_REFRESH_TOKEN] = RefreshToken(
            seed.SEED_REFRESH_TOKEN, seed.APP_ID, seed.MERCHANT_ID, seed.DEMO_SCOPES)
        self.oauth.access_tokens[seed.SEED_ACCESS_TOKEN] = AccessToken(
            seed.SEED_ACCESS_TOKEN, seed.APP_ID, seed.MERCHANT_ID, seed.DEMO_SCOPES, expires)
        self.oauth.access_tokens[seed.PERSONAL_ACCESS_TOKEN] = AccessToken(
            seed.PERSONAL_ACCESS_TOKEN, seed.APP_ID, seed.MERCHANT_ID, seed.ALL_SCOPES, None)
        self.webhooks = Webhooks(seed.MERCHANT_ID)  # subscriptions and notifications sent (webhooks.py)

    def admin_state(self) -> Any:
        """Bookings, customers, OAuth counters and tunables (``GET /square/_sandbox/state``)."""
        bookings = []
        for bid, booking in self.bookings.items():
            bookings.append({**booking, "created_by_client_id": self._booking_client.get(bid)})
        return {
            "merchant_id": seed.MERCHANT_ID,
            "bookings": sorted(bookings, key=lambda b: (b["start_at"], b["id"])),
            "customers": list(self.customers.values()),
            "oauth": dict(self.oauth.counters),
            "refresh_grant_calls": self.oauth.counters["refresh_grant_calls"],
            "config": self._config(),
            "webhook_subscriptions": [w.shown(with_key=False) for w in self.webhooks.subscriptions.values()],
            "webhook_deliveries": self.webhooks.outbox.view(),
        }

    def _config(self) -> dict[str, Any]:
        return {
            "access_token_lifetime_seconds": self.access_token_lifetime.total_seconds(),
            "short_lived_token_lifetime_seconds": self.short_lived_token_lifetime.total_seconds(),
            "strict": self.strict,
            "auto_approve": self.auto_approve,
            "customer_search_lag_seconds": self.customer_search_lag.total_seconds(),
        }

    def expire_access_tokens(self) -> int:
        """Make every expiring access token expired as of the sandbox clock; returns how many."""
        with self.lock:
            count = 0
            for token in self.oauth.access_tokens.values():
                if token.expires_at is not None and not token.revoked:
                    token.expires_at = self.now() - timedelta(seconds=1)
                    count += 1
            return count

    def _admin(self, request: Request) -> Response:
        # Square-specific admin actions; everything else is the core's.
        action = request.path[len("/_sandbox/"):]
        if action == "config" and request.method == "GET":
            with self.lock:
                return Response.json(self._config())
        if action == "config" and request.method == "POST":
            spec = request.json() or {}
            with self.lock:
                if "access_token_lifetime_seconds" in spec:
                    self.access_token_lifetime = timedelta(seconds=float(spec["access_token_lifetime_seconds"]))
                if "short_lived_token_lifetime_seconds" in spec:
                    self.short_lived_token_lifetime = timedelta(
                        seconds=float(spec["short_lived_token_lifetime_seconds"]))
                if "strict" in spec:
                    self.strict = bool(spec["strict"])
                if "auto_approve" in spec:
                    self.auto_approve = bool(spec["auto_approve"])
                if "customer_search_lag_seconds" in spec:
                    self.customer_search_lag = timedelta(seconds=float(spec["customer_search_lag_seconds"]))
                return Response.json(self._config())
        if action == "expire-tokens" and request.method == "POST":
            return Response.json({"expired": self.expire_access_tokens()})
        return super()._admin(request)

    def _new_id(self, kind: str, length: int, alphabet: str) -> str:
        # Deterministic per reset: ids are stable across runs, which keeps test output readable.
        self._seq += 1
        number = int.from_bytes(hashlib.sha256(f"{kind}:{self._seq}".encode()).digest(), "big")
        chars = []
        for _ in range(length):
            number, digit = divmod(number, len(alphabet))
            chars.append(alphabet[digit])
        return "".join(chars)

    # -- plumbing ------------------------------------------------------------------------------
    def not_found(self, request: Request) -> Response:
        """Square's answer to an unknown path."""
        detail = f"API endpoint for path `{request.path}` and method `{request.method}` not found."
        return SquareError(404, "NOT_FOUND", detail).response()

    def dispatch(self, request: Request) -> Response:
        """Route as the core does, answering a wrong method in Square's error shape."""
        response = super().dispatch(request)
        if response.status == 405 and not request.path.startswith("/_sandbox/"):
            allow = response.headers.get("Allow", "")
            response = SquareError(405, "METHOD_NOT_ALLOWED", f"Method `{request.method}` is not allowed.").response()
            response.headers["Allow"] = allow
        return response

    def _api(self, method: str, path: str, handler: Callable[[Call], Response], scope: str | None,
             *, bearer: bool = True) -> None:
        """Register a provider operation with version, auth, scope and JSON-body handling."""

        def run(request: Request) -> Response:
            version = request.header("Square-Version") or seed.SQUARE_VERSION
            try:
                if not _VERSION_RE.match(version):
                    version = seed.SQUARE_VERSION
                    raise SquareError(400, "INVALID_SQUARE_VERSION_FORMAT",
                                      "The Square-Version header must be a date in the form YYYY-MM-DD.",
                                      "Square-Version")
                token = self._authenticate(request) if bearer else None
                if scope and token is not None and scope not in token.scopes:
                    raise SquareError(403, "INSUFFICIENT_SCOPES",
                                      f"The access token lacks the scopes required for this call: {scope}.")
                response = handler(Call(request, self._body(request), token))
            except SquareError as exc:
                response = exc.response()
            response.headers["Square-Version"] = version
            return response

        self.route(method, path, run)

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        if request.method not in ("POST", "PUT") or not request.body.strip():
            return {}
        try:
            body = request.json()
        except (ValueError, UnicodeDecodeError):
            raise SquareError(400, "BAD_REQUEST", "The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise SquareError(400, "EXPECTED_JSON_BODY", "The request body must be a JSON object.")
        return body

    def _authenticate(self, request: Request) -> AccessToken:
        header = request.header("Authorization")
        if not header:
            raise SquareError(401, "UNAUTHORIZED",
                              "The request has no Authorization header; send `Authorization: Bearer ACCESS_TOKEN`.")
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise SquareError(401, "UNAUTHORIZED",
                              "The Authorization header must have the form `Bearer ACCESS_TOKEN`.")
        with self.lock:
            token = self.oauth.access_tokens.get(value.strip())
            if token is None:
                raise SquareError(401, "UNAUTHORIZED", "This request could not be authorized.")
            if token.revoked:
                raise SquareError(401, "ACCESS_TOKEN_REVOKED", "The access token has been revoked.")
            if token.expires_at is not None and token.expires_at <= self.now():
                raise SquareError(401, "ACCESS_TOKEN_EXPIRED", "The access token has expired.")
            return token

    @staticmethod
    def _limit(raw: Any, default: int, maximum: int, *, field: str = "limit", clamp: bool = False) -> int:
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise SquareError(400, "EXPECTED_INTEGER", f"Expected integer for `{field}`.", field) from None
        if value < 1:
            raise SquareError(400, "VALUE_TOO_LOW", f"`{field}` must be at least 1.", field)
        if value > maximum:
            if clamp:
                return maximum  # Square calls limit "advisory" on these endpoints
            raise SquareError(400, "VALUE_TOO_HIGH", f"`{field}` must be at most {maximum}.", field)
        return value

    @staticmethod
    def _page(items: list[Any], limit: int, cursor: str | None, query: Any) -> tuple[list[Any], str | None]:
        """Cut one page; cursors are opaque and bound to the query that produced them."""
        fingerprint = hashlib.sha256(json.dumps(query, sort_keys=True, default=str).encode()).hexdigest()[:12]
        offset = 0
        if cursor:
            try:
                decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
                tag, _, number = decoded.partition(":")
                offset = int(number)
            except (ValueError, UnicodeDecodeError):
                tag, offset = "", -1
            if tag != fingerprint or offset < 0:
                raise SquareError(400, "INVALID_CURSOR", "The pagination cursor is invalid for this query.", "cursor")
        end = offset + limit
        next_cursor = None
        if end < len(items):
            next_cursor = base64.urlsafe_b64encode(f"{fingerprint}:{end}".encode()).decode().rstrip("=")
        return items[offset:end], next_cursor

    def _replay(self, operation: str, key: str | None, body: dict[str, Any]) -> Any | None:
        """The stored response for a reused idempotency key, or None if the key is new."""
        if not key:
            return None
        _max_len(key, 255, "idempotency_key")
        stored = self._idempotency.get((operation, key))
        if stored is None:
            return None
        fingerprint, result = stored
        if fingerprint != json.dumps(body, sort_keys=True):
            raise SquareError(400, "IDEMPOTENCY_KEY_REUSED",
                              "The idempotency key was already used with a different request.", "idempotency_key")
        return copy.deepcopy(result)

    def _remember(self, operation: str, key: str | None, body: dict[str, Any], result: Any) -> None:
        if key:
            self._idempotency[(operation, key)] = (json.dumps(body, sort_keys=True), copy.deepcopy(result))

    # -- routes ---------------------------------------------------------------------------------
    def _register_routes(self) -> None:
        self.route("GET", "/oauth2/authorize", self._authorize)
        self._api("POST", "/oauth2/token", self._obtain_token, None, bearer=False)
        self._api("POST", "/oauth2/token/status", self._token_status, None, bearer=False)
        self._api("POST", "/oauth2/revoke", self._revoke, None, bearer=False)

        settings = "APPOINTMENTS_BUSINESS_SETTINGS_READ"
        # Fixed paths first: the core router takes the first template that matches.
        self._api("POST", "/v2/bookings/availability/search", self._search_availability, "APPOINTMENTS_READ")
        self._api("POST", "/v2/bookings/bulk-retrieve", self._bulk_retrieve_bookings, "APPOINTMENTS_READ")
        self._api("GET", "/v2/bookings/business-booking-profile", self._business_profile, settings)
        self._api("GET", "/v2/bookings/location-booking-profiles", self._list_location_profiles, settings)
        self._api("GET", "/v2/bookings/location-booking-profiles/{location_id}", self._location_profile, settings)
        self._api("GET", "/v2/bookings/team-member-booking-profiles", self._list_member_profiles, settings)
        self._api("POST", "/v2/bookings/team-member-booking-profiles/bulk-retrieve", self._bulk_member_profiles,
                  settings)
        self._api("GET", "/v2/bookings/team-member-booking-profiles/{team_member_id}", self._member_profile,
                  settings)
        self._api("GET", "/v2/bookings", self._list_bookings, "APPOINTMENTS_READ")
        self._api("POST", "/v2/bookings", self._create_booking, "APPOINTMENTS_WRITE")
        self._api("POST", "/v2/bookings/{booking_id}/cancel", self._cancel_booking, "APPOINTMENTS_WRITE")
        self._api("GET", "/v2/bookings/{booking_id}", self._retrieve_booking, "APPOINTMENTS_READ")
        self._api("PUT", "/v2/bookings/{booking_id}", self._update_booking, "APPOINTMENTS_WRITE")

        self._api("POST", "/v2/customers/search", self._search_customers, "CUSTOMERS_READ")
        self._api("POST", "/v2/customers/bulk-retrieve", self._bulk_retrieve_customers, "CUSTOMERS_READ")
        self._api("GET", "/v2/customers", self._list_customers, "CUSTOMERS_READ")
        self._api("POST", "/v2/customers", self._create_customer, "CUSTOMERS_WRITE")
        self._api("GET", "/v2/customers/{customer_id}", self._retrieve_customer, "CUSTOMERS_READ")
        self._api("PUT", "/v2/customers/{customer_id}", self._update_customer, "CUSTOMERS_WRITE")
        self._api("DELETE", "/v2/customers/{customer_id}", self._delete_customer, "CUSTOMERS_WRITE")

        self._api("GET", "/v2/catalog/list", self._list_catalog, "ITEMS_READ")
        self._api("POST", "/v2/catalog/search", self._search_catalog_objects, "ITEMS_READ")
        self._api("POST", "/v2/catalog/search-catalog-items", self._search_catalog_items, "ITEMS_READ")
        self._api("GET", "/v2/catalog/object/{object_id}", self._retrieve_catalog_object, "ITEMS_READ")
        self._api("POST", "/v2/catalog/batch-retrieve", self._batch_retrieve_catalog, "ITEMS_READ")

        self._api("POST", "/v2/team-members/search", self._search_team_members, "EMPLOYEES_READ")
        self._api("GET", "/v2/team-members/{team_member_id}", self._retrieve_team_member, "EMPLOYEES_READ")

        self._api("POST", "/v2/webhooks/subscriptions", self._create_subscription, None)
        self._api("GET", "/v2/webhooks/subscriptions", self._list_subscriptions, None)
        self._api("DELETE", "/v2/webhooks/subscriptions/{subscription_id}", self._delete_subscription, None)

        self._api("GET", "/v2/locations", self._list_locations, "MERCHANT_PROFILE_READ")
        self._api("GET", "/v2/locations/{location_id}", self._retrieve_location, "MERCHANT_PROFILE_READ")

    # -- OAuth ------------------------------------------------------------------------------------
    def _authorize(self, request: Request) -> Response:
        """The browser permission page, auto-approved: 302 to the redirect URL with ``code``/``state``."""
        client_id = request.arg("client_id") or ""
        with self.lock:
            application = self.oauth.applications.get(client_id)
            if application is None:
                return _html_error("The application could not be found. Check the `client_id` parameter.")
            redirect_uri = request.arg("redirect_uri")
            if redirect_uri is not None and urlsplit(redirect_uri).scheme not in ("http", "https"):
                return _html_error("The redirect URL is not valid.")
            scope_arg = request.arg("scope")
            # parse_qsl already turned '+' into spaces; Square also accepts commas in practice
            scopes = tuple(s for s in re.split(r"[\s,]+", scope_arg or "") if s) or (
                "MERCHANT_PROFILE_READ", "PAYMENTS_READ", "SETTLEMENTS_READ", "BANK_ACCOUNTS_READ")
            state = request.arg("state")
            params: dict[str, str] = {}
            if self.auto_approve:
                challenge = request.arg("code_challenge")
                method = (request.arg("code_challenge_method") or "S256").upper()
                params["code"] = self.oauth.issue_code(client_id, scopes, redirect_uri, self.now(), challenge, method)
                params["response_type"] = "code"
            else:
                params["error"] = "access_denied"
                params["error_description"] = "user_denied"
            if state is not None:
                params["state"] = state
        target = redirect_uri or application.redirect_uri
        separator = "&" if urlsplit(target).query else "?"
        return Response(302, b"", {"Location": target + separator + urlencode(params)})

    def _obtain_token(self, call: Call) -> Response:
        body = call.body
        client_id = _required(_typed(body, "client_id", str, "client_id"), "client_id")
        grant_type = _required(_typed(body, "grant_type", str, "grant_type"), "grant_type")
        client_secret = _typed(body, "client_secret", str, "client_secret")
        short_lived = bool(_typed(body, "short_lived", bool, "short_lived"))
        lifetime = self.short_lived_token_lifetime if short_lived else self.access_token_lifetime
        with self.lock:
            try:
                if grant_type == "authorization_code":
                    access, refresh = self.oauth.exchange_code(
                        client_id=client_id, client_secret=client_secret,
                        code=_typed(body, "code", str, "code"),
                        redirect_uri=_typed(body, "redirect_uri", str, "redirect_uri"),
                        code_verifier=_typed(body, "code_verifier", str, "code_verifier"),
                        short_lived=short_lived, now=self.now(), lifetime=lifetime)
                elif grant_type == "refresh_token":
                    access, refresh = self.oauth.refresh(
                        client_id=client_id, client_secret=client_secret,
                        refresh_token=_typed(body, "refresh_token", str, "refresh_token"),
                        scopes=_typed(body, "scopes", list, "scopes"),
                        short_lived=short_lived, now=self.now(), lifetime=lifetime)
                elif grant_type == "migration_token":
                    raise OAuthError(400, "BAD_REQUEST", "The sandbox has no legacy tokens to migrate.", "grant_type")
                else:
                    raise OAuthError(400, "INVALID_VALUE", f"Unsupported grant_type {grant_type!r}.", "grant_type")
            except OAuthError as exc:
                raise SquareError(exc.status, exc.code, exc.detail, exc.field) from None
        result: dict[str, Any] = {
            "access_token": access.token,
            "token_type": "bearer",
            "expires_at": fmt(access.expires_at or self.now()),
            "merchant_id": access.merchant_id,
            "refresh_token": refresh.token,
        }
        if short_lived:
            result["short_lived"] = True
        if refresh.pkce and refresh.expires_at is not None:
            result["refresh_token_expires_at"] = fmt(refresh.expires_at)
        return Response.json(result)

    def _token_status(self, call: Call) -> Response:
        # Unlike /v2 calls, an expired or revoked token here is a plain UNAUTHORIZED (per the spec).
        try:
            token = self._authenticate(call.request)
        except SquareError as exc:
            raise SquareError(401, "UNAUTHORIZED", exc.detail) from None
        result: dict[str, Any] = {"scopes": list(token.scopes), "client_id": token.client_id,
                                  "merchant_id": token.merchant_id}
        if token.expires_at is not None:
            result["expires_at"] = fmt(token.expires_at)
        return Response.json(result)

    def _revoke(self, call: Call) -> Response:
        header = call.request.header("Authorization") or ""
        scheme, _, secret = header.strip().partition(" ")
        body = call.body
        client_id = _required(_typed(body, "client_id", str, "client_id"), "client_id")
        with self.lock:
            application = self.oauth.applications.get(client_id)
            if scheme != "Client" or application is None or secret.strip() != application.client_secret:
                raise SquareError(401, "UNAUTHORIZED",
                                  "Revoking requires `Authorization: Client APPLICATION_SECRET` for this client_id.")
            try:
                self.oauth.revoke(client_id=client_id, access_token=_typed(body, "access_token", str, "access_token"),
                                  merchant_id=_typed(body, "merchant_id", str, "merchant_id"),
                                  only_access_token=bool(_typed(body, "revoke_only_access_token", bool,
                                                                "revoke_only_access_token")))
            except OAuthError as exc:
                raise SquareError(exc.status, exc.code, exc.detail, exc.field) from None
        return Response.json({"success": True})

    # -- Locations ------------------------------------------------------------------------------
    def _list_locations(self, call: Call) -> Response:
        with self.lock:
            return Response.json({"locations": copy.deepcopy(list(self.locations.values()))})

    def _location(self, location_id: str) -> dict[str, Any]:
        if location_id.lower() == "main":  # Square resolves "main" to the main location
            return next(iter(self.locations.values()))
        location = self.locations.get(location_id)
        if location is None:
            raise SquareError(404, "NOT_FOUND", f"Location `{location_id}` not found.", "location_id")
        return location

    def _retrieve_location(self, call: Call) -> Response:
        with self.lock:
            return Response.json({"location": copy.deepcopy(self._location(call.request.params["location_id"]))})

    # -- Team -------------------------------------------------------------------------------------
    def _member_at(self, member: dict[str, Any], location_id: str) -> bool:
        assigned = member.get("assigned_locations", {})
        if assigned.get("assignment_type") == "ALL_CURRENT_AND_FUTURE_LOCATIONS":
            return True
        return location_id in (assigned.get("location_ids") or [])

    def _search_team_members(self, call: Call) -> Response:
        body = call.body
        limit = self._limit(_typed(body, "limit", int, "limit"), 100, 200)
        query = _typed(body, "query", dict, "query") or {}
        flt = _typed(query, "filter", dict, "query.filter") or {}
        location_ids = _typed(flt, "location_ids", list, "query.filter.location_ids")
        status = _typed(flt, "status", str, "query.filter.status")
        is_owner = _typed(flt, "is_owner", bool, "query.filter.is_owner")
        if status is not None and status not in ("ACTIVE", "INACTIVE"):
            raise SquareError(400, "INVALID_ENUM_VALUE", f"Invalid status {status!r}.", "query.filter.status")
        with self.lock:
            found = [
                m for m in self.team_members.values()
                if (not location_ids or any(self._member_at(m, loc) for loc in location_ids))
                and (status is None or m["status"] == status)
                and (is_owner is None or m["is_owner"] == is_owner)
            ]
            page, cursor = self._page(found, limit, _typed(body, "cursor", str, "cursor"), query)
            result: dict[str, Any] = {"team_members": copy.deepcopy(page)}
        if cursor:
            result["cursor"] = cursor
        return Response.json(result)

    def _retrieve_team_member(self, call: Call) -> Response:
        member_id = call.request.params["team_member_id"]
        with self.lock:
            member = self.team_members.get(member_id)
            if member is None:
                raise SquareError(404, "NOT_FOUND", f"Team member `{member_id}` not found.", "team_member_id")
            return Response.json({"team_member": copy.deepcopy(member)})

    def _list_member_profiles(self, call: Call) -> Response:
        request = call.request
        limit = self._limit(request.arg("limit"), 100, 100, clamp=True)
        bookable_only = (request.arg("bookable_only") or "false").lower() == "true"
        location_id = request.arg("location_id")
        with self.lock:
            if location_id:
                self._location(location_id)
            found = [
                p for tm, p in self.booking_profiles.items()
                if (not bookable_only or p["is_bookable"])
                and (not location_id or self._member_at(self.team_members[tm], location_id))
            ]
            query = {"bookable_only": bookable_only, "location_id": location_id}
            page, cursor = self._page(found, limit, request.arg("cursor"), query)
            result: dict[str, Any] = {"team_member_booking_profiles": copy.deepcopy(page), "errors": []}
        if cursor:
            result["cursor"] = cursor
        return Response.json(result)

    def _member_profile(self, call: Call) -> Response:
        member_id = call.request.params["team_member_id"]
        with self.lock:
            profile = self.booking_profiles.get(member_id)
            if profile is None:
                raise SquareError(404, "NOT_FOUND", f"Team member `{member_id}` not found.", "team_member_id")
            return Response.json({"team_member_booking_profile": copy.deepcopy(profile), "errors": []})

    def _bulk_member_profiles(self, call: Call) -> Response:
        ids = _required(_typed(call.body, "team_member_ids", list, "team_member_ids"), "team_member_ids")
        result: dict[str, Any] = {}
        with self.lock:
            for member_id in ids:
                profile = self.booking_profiles.get(str(member_id))
                if profile is None:
                    result[str(member_id)] = {"errors": [{"category": "INVALID_REQUEST_ERROR", "code": "NOT_FOUND",
                                                          "detail": "Team member not found."}]}
                else:
                    result[str(member_id)] = {"team_member_booking_profile": copy.deepcopy(profile), "errors": []}
        return Response.json({"team_member_booking_profiles": result, "errors": []})

    def _business_profile(self, call: Call) -> Response:
        with self.lock:
            return Response.json({"business_booking_profile": copy.deepcopy(self.business_profile), "errors": []})

    def _list_location_profiles(self, call: Call) -> Response:
        limit = self._limit(call.request.arg("limit"), 100, 100, clamp=True)
        with self.lock:
            page, cursor = self._page(list(self.location_profiles.values()), limit, call.request.arg("cursor"), {})
            result: dict[str, Any] = {"location_booking_profiles": copy.deepcopy(page), "errors": []}
        if cursor:
            result["cursor"] = cursor
        return Response.json(result)

    def _location_profile(self, call: Call) -> Response:
        with self.lock:
            location = self._location(call.request.params["location_id"])
            return Response.json({"location_booking_profile": copy.deepcopy(self.location_profiles[location["id"]]),
                                  "errors": []})

    # -- Catalog ----------------------------------------------------------------------------------
    def _variation(self, variation_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(item, variation) for a variation id."""
        for item in self.catalog.values():
            for variation in item["item_data"]["variations"]:
                if variation["id"] == variation_id:
                    return item, variation
        return None

    def _all_objects(self) -> list[dict[str, Any]]:
        """Every catalog object: each ITEM followed by its ITEM_VARIATIONs."""
        out: list[dict[str, Any]] = []
        for item in self.catalog.values():
            out.append(item)
            out.extend(item["item_data"]["variations"])
        return out

    @staticmethod
    def _present_at(obj: dict[str, Any], location_id: str) -> bool:
        if obj.get("present_at_all_locations"):
            return location_id not in (obj.get("absent_at_location_ids") or [])
        return location_id in (obj.get("present_at_location_ids") or [])

    def _types_arg(self, raw: str | None, field: str) -> set[str] | None:
        if not raw:
            return None
        types = {t.strip().upper() for t in raw.split(",") if t.strip()}
        known = {"ITEM", "ITEM_VARIATION", "CATEGORY", "TAX", "DISCOUNT", "MODIFIER_LIST", "MODIFIER", "IMAGE",
                 "PRICING_RULE", "PRODUCT_SET", "TIME_PERIOD", "MEASUREMENT_UNIT", "SUBSCRIPTION_PLAN",
                 "SUBSCRIPTION_PLAN_VARIATION", "ITEM_OPTION", "ITEM_OPTION_VAL", "CUSTOM_ATTRIBUTE_DEFINITION",
                 "QUICK_AMOUNTS_SETTINGS", "AVAILABILITY_PERIOD"}
        unknown = types - known
        if unknown:
            raise SquareError(400, "INVALID_ENUM_VALUE", f"Unknown catalog object type {sorted(unknown)[0]!r}.", field)
        return types

    def _list_catalog(self, call: Call) -> Response:
        types = self._types_arg(call.request.arg("types"), "types")
        with self.lock:
            objects = [o for o in self._all_objects() if types is None or o["type"] in types]
            # ListCatalog's page size is fixed at 100
            page, cursor = self._page(objects, 100, call.request.arg("cursor"), sorted(types or []))
            result: dict[str, Any] = {"objects": copy.deepcopy(page)}
        if cursor:
            result["cursor"] = cursor
        return Response.json(result)

    def _related(self, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Parent ITEMs of any variations in ``objects`` (Square's related_objects)."""
        related: dict[str, dict[str, Any]] = {}
        ids = {o["id"] for o in objects}
        for obj in objects:
            if obj["type"] == "ITEM_VARIATION":
                item = self.catalog.get(obj["item_variation_data"]["item_id"])
                if item is not None and item["id"] not in ids:
                    related[item["id"]] = item
        return list(related.values())

    def _retrieve_catalog_object(self, call: Call) -> Response:
        object_id = call.request.params["object_id"]
        include_related = (call.request.arg("include_related_objects") or "false").lower() == "true"
        with self.lock:
            obj = next((o for o in self._all_objects() if o["id"] == object_id), None)
            if obj is None:
                raise SquareError(404, "NOT_FOUND", f"Object with ID `{object_id}` not found.", "object_id")
            result: dict[str, Any] = {"object": copy.deepcopy(obj)}
            if include_related:
                result["related_objects"] = copy.deepcopy(self._related([obj]))
        return Response.json(result)

    def _batch_retrieve_catalog(self, call: Call) -> Response:
        ids = _required(_typed(call.body, "object_ids", list, "object_ids"), "object_ids")
        include_related = bool(_typed(call.body, "include_related_objects", bool, "include_related_objects"))
        with self.lock:
            by_id = {o["id"]: o for o in self._all_objects()}
            objects = [by_id[i] for i in ids if isinstance(i, str) and i in by_id]
            result: dict[str, Any] = {"objects": copy.deepcopy(objects)}
            if include_related:
                result["related_objects"] = copy.deepcopy(self._related(objects))
        return Response.json(result)

    @staticmethod
    def _attribute(obj: dict[str, Any], name: str) -> list[str]:
        """Searchable attribute values of a catalog object (lower-cased)."""
        data = obj.get("item_data") or obj.get("item_variation_data") or {}
        values: dict[str, Any] = {
            "name": data.get("name"),
            "description": data.get("description"),
            "sku": data.get("sku"),
            "product_type": data.get("product_type"),
            "item_id": data.get("item_id"),
            "id": obj["id"],
        }
        value = values.get(name)
        return [str(value).lower()] if value is not None else []

    def _catalog_match(self, obj: dict[str, Any], query: dict[str, Any]) -> bool:
        exact = _typed(query, "exact_query", dict, "query.exact_query")
        if exact is not None:
            wanted = str(exact.get("attribute_value", "")).lower()
            if wanted not in self._attribute(obj, str(exact.get("attribute_name"))):
                return False
        prefix = _typed(query, "prefix_query", dict, "query.prefix_query")
        if prefix is not None:
            start = str(prefix.get("attribute_prefix", "")).lower()
            if not any(v.startswith(start) for v in self._attribute(obj, str(prefix.get("attribute_name")))):
                return False
        set_query = _typed(query, "set_query", dict, "query.set_query")
        if set_query is not None:
            wanted_set = {str(v).lower() for v in set_query.get("attribute_values") or []}
            if not wanted_set.intersection(self._attribute(obj, str(set_query.get("attribute_name")))):
                return False
        text = _typed(query, "text_query", dict, "query.text_query")
        if text is not None:
            words = " ".join(self._attribute(obj, "name") + self._attribute(obj, "description")
                             + self._attribute(obj, "sku")).split()
            for keyword in text.get("keywords") or []:
                if not any(w.startswith(str(keyword).lower()) for w in words):
                    return False
        return True

    def _search_catalog_objects(self, call: Call) -> Response:
        body = call.body
        types_list = _typed(body, "object_types", list, "object_types")
        types = self._types_arg(",".join(str(t) for t in types_list), "object_types") if types_list else None
        query = _typed(body, "query", dict, "query") or {}
        unsupported = set(query) - {"exact_query", "prefix_query", "set_query", "text_query", "sorted_attribute_query"}
        if unsupported:
            raise SquareError(400, "INVALID_VALUE", f"The sandbox does not support `{sorted(unsupported)[0]}`.",
                              "query")
        limit = self._limit(_typed(body, "limit", int, "limit"), 100, 1000, clamp=True)
        with self.lock:
            found = [o for o in self._all_objects()
                     if (types is None or o["type"] in types) and self._catalog_match(o, query)]
            sort = _typed(query, "sorted_attribute_query", dict, "query.sorted_attribute_query")
            if sort is not None:
                name = str(sort.get("attribute_name"))
                found.sort(key=lambda o: (self._attribute(o, name) or [""])[0],
                           reverse=str(sort.get("sort_order", "ASC")).upper() == "DESC")
            page, cursor = self._page(found, limit, _typed(body, "cursor", str, "cursor"),
                                      {"types": sorted(types or []), "query": query})
            result: dict[str, Any] = {"objects": copy.deepcopy(page), "latest_time": fmt(self.now())}
            if _typed(body, "include_related_objects", bool, "include_related_objects"):
                result["related_objects"] = copy.deepcopy(self._related(page))
        if cursor:
            result["cursor"] = cursor
        return Response.json(result)

    def _search_catalog_items(self, call: Call) -> Response:
        body = call.body
        limit = self._limit(_typed(body, "limit", int, "limit"), 100, 100)
        text = (_typed(body, "text_filter", str, "text_filter") or "").lower().split()
        product_types = _typed(body, "product_types", list, "product_types")
        locations = _typed(body, "enabled_location_ids", list, "enabled_location_ids")
        categories = _typed(body, "category_ids", list, "category_ids")
        descending = (_typed(body, "sort_order", str, "sort_order") or "ASC").upper() == "DESC"
        with self.lock:
            items: list[dict[str, Any]] = []
            matched: list[str] = []
            for item in self.catalog.values():
                data = item["item_data"]
                if product_types and data["product_type"] not in product_types:
                    continue
                if locations and not any(self._present_at(item, loc) for loc in locations):
                    continue
                if categories:
                    continue  # the seed catalog has no categories
                item_words = f"{data['name']} {data.get('description', '')}".lower().split()
                variation_hits = [v["id"] for v in data["variations"]
                                  if text and all(any(w.startswith(t) for w in v["item_variation_data"]["name"]
                                                      .lower().split()) for t in text)]
                if text and not variation_hits and not all(any(w.startswith(t) for w in item_words) for t in text):
                    continue
                items.append(item)
                matched.extend(variation_hits)
            items.sort(key=lambda i: i["item_data"]["name"].lower(), reverse=descending)
            page, cursor = self._page(items, limit, _typed(body, "cursor", str, "cursor"),
                                      {k: v for k, v in body.items() if k not in ("cursor", "limit")})
            result: dict[str, Any] = {"items": copy.deepcopy(page)}
        if matched:
            result["matched_variation_ids"] = matched
        if cursor:
            result["cursor"] = cursor
        return Response.json(result)

    # -- Customers --------------------------------------------------------------------------------
    def _customer_fields(self, body: dict[str, Any], *, creating: bool) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for key in ("given_name", "family_name", "company_name", "nickname", "email_address", "phone_number",
                    "reference_id", "note", "birthday"):
            if key in body:
                value = _typed(body, key, str, key)
                _max_len(value, 500 if key != "note" else 4096, key)
                fields[key] = value
        if "address" in body:
            fields["address"] = _typed(body, "address", dict, "address")
        email = fields.get("email_address")
        if email and not _EMAIL_RE.match(email):
            raise SquareError(400, "INVALID_EMAIL_ADDRESS", "The email address is not valid.", "email_address")
        phone = fields.get("phone_number")
        if phone:
            digits = re.sub(r"[\s().-]", "", phone)
            if not re.fullmatch(r"\+?\d{9,16}", digits):
                raise SquareError(400, "INVALID_PHONE_NUMBER", "The phone number is not valid.", "phone_number")
        birthday = fields.get("birthday")
        if birthday and not re.fullmatch(r"(\d{4}-)?\d{2}-\d{2}", birthday):
            raise SquareError(400, "INVALID_VALUE", "Birthday must be YYYY-MM-DD or MM-DD.", "birthday")
        if creating and not any(fields.get(k) for k in ("given_name", "family_name", "company_name",
                                                        "email_address", "phone_number")):
            raise SquareError(400, "BAD_REQUEST", "At least one of `given_name`, `family_name`, `company_name`, "
                                                  "`email_address` or `phone_number` is required.")
        return fields

    def _create_customer(self, call: Call) -> Response:
        body = call.body
        key = _typed(body, "idempotency_key", str, "idempotency_key")
        with self.lock:
            replay = self._replay("CreateCustomer", key, body)
            if replay is not None:
                return Response.json(replay)
            fields = self._customer_fields(body, creating=True)
            now = self.now()
            customer: dict[str, Any] = {
                "id": self._new_id("customer", 26, _UPPER),
                "created_at": fmt_ms(now),
                "updated_at": fmt_ms(now),
                **{k: v for k, v in fields.items() if v is not None},
                "preferences": {"email_unsubscribed": False},
                "creation_source": "THIRD_PARTY",
                "version": 0,
            }
            self.customers[customer["id"]] = customer
            self._customer_searchable_at[customer["id"]] = now + self.customer_search_lag
            result = {"customer": copy.deepcopy(customer)}
            self._remember("CreateCustomer", key, body, result)
        return Response.json(result)

    def _customer(self, customer_id: str) -> dict[str, Any]:
        customer = self.customers.get(customer_id)
        if customer is None:
            raise SquareError(404, "NOT_FOUND", f"Customer with ID `{customer_id}` not found.", "customer_id")
        return customer

    def _retrieve_customer(self, call: Call) -> Response:
        with self.lock:
            return Response.json({"customer": copy.deepcopy(self._customer(call.request.params["customer_id"]))})

    def _bulk_retrieve_customers(self, call: Call) -> Response:
        """BulkRetrieveCustomers: one map entry per requested id, a customer or its own errors."""
        ids = _required(_typed(call.body, "customer_ids", list, "customer_ids"), "customer_ids")
        if len(ids) > 100:
            raise SquareError(400, "ARRAY_LENGTH_TOO_LONG", "`customer_ids` must have at most 100 elements.",
                              "customer_ids")
        responses: dict[str, Any] = {}
        with self.lock:
            for index, customer_id in enumerate(ids):
                if not isinstance(customer_id, str):
                    raise SquareError(400, "EXPECTED_STRING", f"Expected string for `customer_ids[{index}]`.",
                                      f"customer_ids[{index}]")
                customer = self.customers.get(customer_id)
                if customer is None:
                    responses[customer_id] = {"errors": [{
                        "category": "INVALID_REQUEST_ERROR", "code": "NOT_FOUND",
                        "detail": f"Customer with ID `{customer_id}` not found.", "field": "customer_id"}]}
                else:
                    responses[customer_id] = {"customer": copy.deepcopy(customer)}
        return Response.json({"responses": responses})

    def _update_customer(self, call: Call) -> Response:
        with self.lock:
            customer = self._customer(call.request.params["customer_id"])
            version = _typed(call.body, "version", int, "version")
            if version is not None and version != customer["version"]:
                raise SquareError(409, "CONFLICT", "The customer was changed since `version` was read.", "version")
            for key, value in self._customer_fields(call.body, creating=False).items():
                if value is None or value == "":
                    customer.pop(key, None)  # null or "" clears a field, as on Square
                else:
                    customer[key] = value
            customer["version"] += 1
            customer["updated_at"] = fmt_ms(self.now())
            self._customer_searchable_at[customer["id"]] = self.now() + self.customer_search_lag
            return Response.json({"customer": copy.deepcopy(customer)})

    def _delete_customer(self, call: Call) -> Response:
        with self.lock:
            customer = self._customer(call.request.params["customer_id"])
            version = call.request.arg("version")
            if version is not None and version != str(customer["version"]):
                raise SquareError(409, "CONFLICT", "The customer was changed since `version` was read.", "version")
            del self.customers[customer["id"]]
            return Response.json({})

    def _sorted_customers(self, customers: list[dict[str, Any]], field: str, order: str) -> list[dict[str, Any]]:
        if field not in ("DEFAULT", "CREATED_AT"):
            raise SquareError(400, "INVALID_ENUM_VALUE", f"Invalid sort field {field!r}.", "sort_field")
        if order not in ("ASC", "DESC"):
            raise SquareError(400, "INVALID_SORT_ORDER", f"Invalid sort order {order!r}.", "sort_order")
        if field == "CREATED_AT":
            customers = sorted(customers, key=lambda c: (c["created_at"], c["id"]))
        else:
            # DEFAULT: by name, then email, as Square's dashboard lists them
            customers = sorted(customers, key=lambda c: (
                (c.get("given_name") or "").lower(), (c.get("family_name") or "").lower(),
                (c.get("email_address") or "").lower(), c["id"]))
        return list(reversed(customers)) if order == "DESC" else customers

    def _customer_page(self, found: list[dict[str, Any]], limit: int, cursor: str | None, query: Any,
                       count: bool) -> Response:
        page, next_cursor = self._page(found, limit, cursor, query)
        result: dict[str, Any] = {}
        if page:  # Square omits `customers` entirely when nothing matches
            result["customers"] = copy.deepcopy(page)
        if next_cursor:
            result["cursor"] = next_cursor
        if count:
            result["count"] = len(found)
        return Response.json(result)

    def _list_customers(self, call: Call) -> Response:
        request = call.request
        limit = self._limit(request.arg("limit"), 100, 100)
        field = (request.arg("sort_field") or "DEFAULT").upper()
        order = (request.arg("sort_order") or "ASC").upper()
        with self.lock:
            found = self._sorted_customers(list(self.customers.values()), field, order)
            return self._customer_page(found, limit, request.arg("cursor"), [field, order],
                                       (request.arg("count") or "").lower() == "true")

    @staticmethod
    def _text_match(value: str | None, flt: dict[str, Any], *, phone: bool = False) -> bool:
        def norm(text: str) -> str:
            return re.sub(r"\D", "", text) if phone else text.strip().lower()

        if value is None:
            return False
        exact, fuzzy = flt.get("exact"), flt.get("fuzzy")
        if exact is not None and norm(value) != norm(str(exact)):
            return False
        if fuzzy is not None and not all(norm(t) in norm(value) for t in str(fuzzy).split()):
            return False
        return True

    def _search_customers(self, call: Call) -> Response:
        body = call.body
        limit = self._limit(_typed(body, "limit", int, "limit"), 100, 100)
        query = _typed(body, "query", dict, "query") or {}
        flt = _typed(query, "filter", dict, "query.filter") or {}
        sort = _typed(query, "sort", dict, "query.sort") or {}
        ranges: dict[str, tuple[datetime | None, datetime | None]] = {}
        for key in ("created_at", "updated_at"):
            time_range = _typed(flt, key, dict, f"query.filter.{key}")
            if time_range is not None:
                ranges[key] = tuple(  # type: ignore[assignment]
                    parse_time(time_range[k], f"query.filter.{key}.{k}") if time_range.get(k) else None
                    for k in ("start_at", "end_at"))
        with self.lock:
            now = self.now()
            found = []
            for customer in self.customers.values():
                if self._customer_searchable_at.get(customer["id"], now) > now:
                    continue  # not indexed yet (simulated search lag)
                ok = True
                for key, phone in (("email_address", False), ("phone_number", True), ("reference_id", False)):
                    text_filter = _typed(flt, key, dict, f"query.filter.{key}")
                    if text_filter is not None and not self._text_match(customer.get(key), text_filter, phone=phone):
                        ok = False
                for key, (start, end) in ranges.items():
                    stamp = parse_time(customer[key], key)
                    if (start and stamp < start) or (end and stamp > end):
                        ok = False
                source = _typed(flt, "creation_source", dict, "query.filter.creation_source")
                if source is not None:
                    hit = customer.get("creation_source") in (source.get("values") or [])
                    if hit != (str(source.get("rule", "INCLUDE")).upper() == "INCLUDE"):
                        ok = False
                if ok:
                    found.append(customer)
            found = self._sorted_customers(found, str(sort.get("field") or "DEFAULT").upper(),
                                           str(sort.get("order") or "ASC").upper())
            return self._customer_page(found, limit, _typed(body, "cursor", str, "cursor"), query,
                                       bool(_typed(body, "count", bool, "count")))

    # -- Bookings: helpers --------------------------------------------------------------------------
    def _visible(self, booking_id: str, call: Call) -> dict[str, Any]:
        """The booking if this caller may see it: buyer-level apps only see their own bookings."""
        booking = self.bookings.get(booking_id)
        client = call.token.client_id if call.token else None
        if booking is None or not (call.seller_read or self._booking_client.get(booking_id) == client):
            raise SquareError(404, "NOT_FOUND", f"Booking `{booking_id}` not found.", "booking_id")
        return booking

    def _view(self, booking: dict[str, Any], call: Call) -> dict[str, Any]:
        view = copy.deepcopy(booking)
        if not call.seller_read:
            view.pop("source", None)  # seller-level only, per the Booking schema
        return view

    def _busy(self, exclude: str | None = None) -> dict[str, list[availability.Interval]]:
        """Booked intervals per team member, across all locations (one person, one calendar)."""
        busy: dict[str, list[availability.Interval]] = {}
        for booking in self.bookings.values():
            if booking["id"] == exclude or booking["status"] not in _ACTIVE:
                continue
            at = parse_time(booking["start_at"], "start_at")
            for segment in booking["appointment_segments"]:
                end = at + timedelta(minutes=segment["duration_minutes"])
                busy.setdefault(segment["team_member_id"], []).append((at, end))
                at = end
        return busy

    def _lead_window(self) -> tuple[datetime, datetime]:
        settings = self.business_profile["business_appointment_settings"]
        now = self.now()
        return (now + timedelta(seconds=settings["min_booking_lead_time_seconds"]),
                now + timedelta(seconds=settings["max_booking_lead_time_seconds"]))

    def _bookable_variation(self, variation_id: Any, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
        found = self._variation(variation_id) if isinstance(variation_id, str) else None
        if found is None:
            raise SquareError(400, "INVALID_VALUE", f"Service variation `{variation_id}` not found.", path)
        item, variation = found
        data = variation["item_variation_data"]
        if item["item_data"]["product_type"] != "APPOINTMENTS_SERVICE" or not data.get("available_for_booking"):
            raise SquareError(400, "INVALID_VALUE", f"Service variation `{variation_id}` is not bookable.", path)
        return item, variation

    def _check_segments(self, booking_in: dict[str, Any], location_id: str, start: datetime,
                        exclude: str | None) -> list[dict[str, Any]]:
        """Validate requested segments and that the slot is free; returns the stored segments."""
        raw = _required(_typed(booking_in, "appointment_segments", list, "booking.appointment_segments"),
                        "booking.appointment_segments")
        segments: list[dict[str, Any]] = []
        busy = self._busy(exclude)
        at = start
        for index, seg in enumerate(raw):
            path = f"booking.appointment_segments[{index}]"
            if not isinstance(seg, dict):
                raise SquareError(400, "EXPECTED_OBJECT", f"Expected object for `{path}`.", path)
            member_id = _required(_typed(seg, "team_member_id", str, f"{path}.team_member_id"),
                                  f"{path}.team_member_id")
            variation_id = _required(_typed(seg, "service_variation_id", str, f"{path}.service_variation_id"),
                                     f"{path}.service_variation_id")
            version = _typed(seg, "service_variation_version", int, f"{path}.service_variation_version")
            if version is None:
                _required(None, f"{path}.service_variation_version")
            item, variation = self._bookable_variation(variation_id, f"{path}.service_variation_id")
            if version != variation["version"]:
                raise SquareError(400, "INVALID_VALUE", f"Service variation version {version} is not the current "
                                  f"version {variation['version']}.", f"{path}.service_variation_version")
            if not self._present_at(variation, location_id):
                raise SquareError(400, "INVALID_VALUE", f"Service variation `{variation_id}` is not offered at "
                                  f"location `{location_id}`.", f"{path}.service_variation_id")
            member = self.team_members.get(member_id)
            profile = self.booking_profiles.get(member_id)
            data = variation["item_variation_data"]
            if (member is None or member["status"] != "ACTIVE" or not profile or not profile["is_bookable"]
                    or member_id not in (data.get("team_member_ids") or [])
                    or not self._member_at(member, location_id)):
                raise SquareError(400, "INVALID_VALUE", f"Team member `{member_id}` cannot be booked for this "
                                  "service at this location.", f"{path}.team_member_id")
            minutes = data["service_duration"] // 60000
            interval = (at, at + timedelta(minutes=minutes))
            if any(availability.overlaps(interval, b) for b in busy.get(member_id, [])):
                # Square's documented error codes; the detail texts are guesses (sandboxes/README.md).
                raise SquareError(*self.worded("slot_taken", [
                    (409, "CONFLICT", f"Team member `{member_id}` is already booked at {fmt(interval[0])}; "
                                      "the time slot is not available.", "booking.start_at"),
                    (400, "INVALID_VALUE", f"The requested time {fmt(interval[0])} is not available for team "
                                           f"member `{member_id}`.", "booking.start_at"),
                    (400, "BAD_REQUEST", "That time slot is no longer available.", None),
                ]))
            if not availability.is_free(member_id, interval, location_id, self.zone, self.schedules, {}):
                raise SquareError(400, "INVALID_VALUE", f"{fmt(interval[0])} is outside the working hours of team "
                                  f"member `{member_id}`.", "booking.start_at")
            busy.setdefault(member_id, []).append(interval)
            segments.append({
                "duration_minutes": minutes,
                "service_variation_id": variation_id,
                "team_member_id": member_id,
                "service_variation_version": variation["version"],
                "intermission_minutes": 0,
                "any_team_member": False,
            })
            at = interval[1]
        return segments

    def _check_start(self, value: Any) -> datetime:
        start = parse_time(_required(value, "booking.start_at"), "booking.start_at")
        earliest, latest = self._lead_window()
        if start < earliest:
            raise SquareError(400, "INVALID_VALUE", "`start_at` is in the past or inside the minimum booking lead "
                              "time.", "booking.start_at")
        if start > latest:
            raise SquareError(400, "INVALID_VALUE", "`start_at` is beyond the maximum booking lead time.",
                              "booking.start_at")
        return start

    def _check_customer(self, customer_id: Any, path: str) -> None:
        if customer_id is not None and customer_id not in self.customers:
            raise SquareError(400, "INVALID_VALUE", f"Customer `{customer_id}` not found.", path)

    # -- Bookings: handlers -------------------------------------------------------------------------
    def _create_booking(self, call: Call) -> Response:
        body = call.body
        key = _typed(body, "idempotency_key", str, "idempotency_key")
        booking_in = _required(_typed(body, "booking", dict, "booking"), "booking")
        with self.lock:  # one lock from the conflict check to the insert: no double booking
            replay = self._replay("CreateBooking", key, body)
            if replay is not None:
                return Response.json(replay)
            location_id = _required(_typed(booking_in, "location_id", str, "booking.location_id"),
                                    "booking.location_id")
            if location_id not in self.locations:
                raise SquareError(400, "INVALID_VALUE", f"Location `{location_id}` not found.", "booking.location_id")
            start = self._check_start(booking_in.get("start_at"))
            customer_id = _typed(booking_in, "customer_id", str, "booking.customer_id")
            if self.strict:
                _required(customer_id, "booking.customer_id")
            self._check_customer(customer_id, "booking.customer_id")
            for note in ("customer_note", "seller_note"):
                _max_len(_typed(booking_in, note, str, f"booking.{note}"), 4096, f"booking.{note}")
            segments = self._check_segments(booking_in, location_id, start, None)
            now = fmt(self.now())
            booking: dict[str, Any] = {
                "id": self._new_id("booking", 14, _LOWER),
                "version": 0,
                "status": "ACCEPTED",  # the seller's booking_policy is ACCEPT_ALL
                "created_at": now,
                "updated_at": now,
                "start_at": fmt(start),
                "location_id": location_id,
                "customer_note": booking_in.get("customer_note") or "",
                "seller_note": booking_in.get("seller_note") or "",
                "appointment_segments": segments,
                "transition_time_minutes": 0,
                "all_day": False,
                "location_type": booking_in.get("location_type") or "BUSINESS_LOCATION",
                "creator_details": ({"creator_type": "TEAM_MEMBER", "team_member_id": seed.TM_OWNER}
                                    if call.seller_write else
                                    {"creator_type": "CUSTOMER", **({"customer_id": customer_id} if customer_id
                                                                    else {})}),
                "source": "API",
            }
            if customer_id:
                booking["customer_id"] = customer_id
            if isinstance(booking_in.get("address"), dict):
                booking["address"] = booking_in["address"]
            self.bookings[booking["id"]] = booking
            self._booking_client[booking["id"]] = call.token.client_id if call.token else None
            result = {"booking": self._view(booking, call), "errors": []}
            self._remember("CreateBooking", key, body, result)
            self.webhooks.notify("booking.created", copy.deepcopy(booking), now)
        return Response.json(result)

    def _retrieve_booking(self, call: Call) -> Response:
        with self.lock:
            booking = self._visible(call.request.params["booking_id"], call)
            return Response.json({"booking": self._view(booking, call), "errors": []})

    def _update_booking(self, call: Call) -> Response:
        body = call.body
        booking_id = call.request.params["booking_id"]
        key = _typed(body, "idempotency_key", str, "idempotency_key")
        changes = _required(_typed(body, "booking", dict, "booking"), "booking")
        with self.lock:
            booking = self._visible(booking_id, call)
            replay = self._replay(f"UpdateBooking:{booking_id}", key, body)
            if replay is not None:
                return Response.json(replay)
            if booking["status"] not in _ACTIVE:
                raise SquareError(400, "BAD_REQUEST", f"Booking `{booking_id}` is {booking['status']} and cannot be "
                                  "updated.")
            version = _typed(changes, "version", int, "booking.version")
            if version is not None and version != booking["version"]:
                raise SquareError(409, "CONFLICT", f"Booking version {version} is stale; the current version is "
                                  f"{booking['version']}.", "booking.version")
            if changes.get("location_id") not in (None, booking["location_id"]):
                raise SquareError(400, "INVALID_VALUE", "`location_id` cannot be changed after a booking is created.",
                                  "booking.location_id")
            updated = copy.deepcopy(booking)
            if "start_at" in changes or "appointment_segments" in changes:
                start = (self._check_start(changes["start_at"]) if "start_at" in changes
                         else parse_time(booking["start_at"], "start_at"))
                source = changes if "appointment_segments" in changes else booking
                updated["appointment_segments"] = self._check_segments(source, booking["location_id"], start,
                                                                       booking_id)
                updated["start_at"] = fmt(start)
            if "customer_id" in changes:
                customer_id = _typed(changes, "customer_id", str, "booking.customer_id")
                self._check_customer(customer_id, "booking.customer_id")
                updated["customer_id"] = customer_id
            for field in ("customer_note", "seller_note"):
                if field in changes:
                    value = _typed(changes, field, str, f"booking.{field}")
                    _max_len(value, 4096, f"booking.{field}")
                    updated[field] = value or ""
            if "location_type" in changes:
                updated["location_type"] = _typed(changes, "location_type", str, "booking.location_type")
            if "address" in changes:
                updated["address"] = _typed(changes, "address", dict, "booking.address")
            updated["version"] = booking["version"] + 1
            updated["updated_at"] = fmt(self.now())
            self.bookings[booking_id] = updated
            result = {"booking": self._view(updated, call), "errors": []}
            self._remember(f"UpdateBooking:{booking_id}", key, body, result)
            self.webhooks.notify("booking.updated", copy.deepcopy(updated), updated["updated_at"])
        return Response.json(result)

    def _cancel_booking(self, call: Call) -> Response:
        body = call.body
        booking_id = call.request.params["booking_id"]
        key = _typed(body, "idempotency_key", str, "idempotency_key")
        version = _typed(body, "booking_version", int, "booking_version")
        with self.lock:
            booking = self._visible(booking_id, call)
            replay = self._replay(f"CancelBooking:{booking_id}", key, body)
            if replay is not None:
                return Response.json(replay)
            if version is not None and version != booking["version"]:
                raise SquareError(409, "CONFLICT", f"Booking version {version} is stale; the current version is "
                                  f"{booking['version']}.", "booking_version")
            if booking["status"] not in _ACTIVE:
                raise SquareError(400, "BAD_REQUEST", f"Booking `{booking_id}` is already {booking['status']}.")
            if parse_time(booking["start_at"], "start_at") <= self.now():
                raise SquareError(400, "BAD_REQUEST", "A booking that has already started cannot be cancelled.")
            booking["status"] = "CANCELLED_BY_SELLER" if call.seller_write else "CANCELLED_BY_CUSTOMER"
            booking["version"] += 1
            booking["updated_at"] = fmt(self.now())
            result = {"booking": self._view(booking, call), "errors": []}
            self._remember(f"CancelBooking:{booking_id}", key, body, result)
            self.webhooks.notify("booking.updated", copy.deepcopy(booking), booking["updated_at"])
        return Response.json(result)

    # -- webhook subscriptions (webhooks.py) -------------------------------------------------------
    @staticmethod
    def _application_token(call: Call) -> None:
        """Subscriptions belong to the application: only its personal access token manages them."""
        if call.token is None or call.token.expires_at is not None:
            raise SquareError(401, "UNAUTHORIZED", "OAuth access tokens cannot manage webhook subscriptions; use "
                              "the application's personal access token.")

    def _create_subscription(self, call: Call) -> Response:
        self._application_token(call)
        with self.lock:
            status, answer = self.webhooks.create(call.body, fmt(self.now()),
                                                  call.request.header("Square-Version") or seed.SQUARE_VERSION)
        return Response.json(answer, status)

    def _list_subscriptions(self, call: Call) -> Response:
        self._application_token(call)
        with self.lock:
            return Response.json(self.webhooks.listed())

    def _delete_subscription(self, call: Call) -> Response:
        self._application_token(call)
        with self.lock:
            status, answer = self.webhooks.delete(call.request.params["subscription_id"])
        return Response.json(answer, status)

    def _list_bookings(self, call: Call) -> Response:
        request = call.request
        limit = self._limit(request.arg("limit"), 100, 10000, clamp=True)
        start_min = (parse_time(request.arg("start_at_min"), "start_at_min") if request.arg("start_at_min")
                     else self.now())
        start_max = (parse_time(request.arg("start_at_max"), "start_at_max") if request.arg("start_at_max")
                     else start_min + timedelta(days=31))
        if start_max < start_min:
            raise SquareError(400, "INVALID_TIME_RANGE", "`start_at_max` is before `start_at_min`.", "start_at_max")
        customer_id, member_id = request.arg("customer_id"), request.arg("team_member_id")
        location_id = request.arg("location_id")
        with self.lock:
            client = call.token.client_id if call.token else None
            found = []
            for booking in self.bookings.values():
                start = parse_time(booking["start_at"], "start_at")
                if not (start_min <= start <= start_max):
                    continue
                if not call.seller_read and self._booking_client.get(booking["id"]) != client:
                    continue
                if customer_id and booking.get("customer_id") != customer_id:
                    continue
                if location_id and booking["location_id"] != location_id:
                    continue
                if member_id and all(s["team_member_id"] != member_id for s in booking["appointment_segments"]):
                    continue
                found.append(booking)
            found.sort(key=lambda b: (b["start_at"], b["id"]))
            query = [fmt(start_min), fmt(start_max), customer_id, member_id, location_id]
            page, cursor = self._page(found, limit, request.arg("cursor"), query)
            result: dict[str, Any] = {"bookings": [self._view(b, call) for b in page], "errors": []}
        if cursor:
            result["cursor"] = cursor
        return Response.json(result)

    def _bulk_retrieve_bookings(self, call: Call) -> Response:
        ids = _required(_typed(call.body, "booking_ids", list, "booking_ids"), "booking_ids")
        result: dict[str, Any] = {}
        with self.lock:
            for booking_id in ids:
                try:
                    booking = self._visible(str(booking_id), call)
                    result[str(booking_id)] = {"booking": self._view(booking, call), "errors": []}
                except SquareError as exc:
                    result[str(booking_id)] = {"errors": [{"category": exc.category, "code": exc.code,
                                                           "detail": exc.detail}]}
        return Response.json({"bookings": result, "errors": []})

    def _search_availability(self, call: Call) -> Response:
        query = _required(_typed(call.body, "query", dict, "query"), "query")
        flt = _required(_typed(query, "filter", dict, "query.filter"), "query.filter")
        time_range = _required(_typed(flt, "start_at_range", dict, "query.filter.start_at_range"),
                               "query.filter.start_at_range")
        range_start = parse_time(_required(time_range.get("start_at"), "query.filter.start_at_range.start_at"),
                                 "query.filter.start_at_range.start_at")
        range_end = parse_time(_required(time_range.get("end_at"), "query.filter.start_at_range.end_at"),
                               "query.filter.start_at_range.end_at")
        if range_end <= range_start:
            raise SquareError(400, "INVALID_TIME_RANGE", "`end_at` must be after `start_at`.",
                              "query.filter.start_at_range")
        if not timedelta(hours=24) <= range_end - range_start <= timedelta(days=32):
            raise SquareError(400, "INVALID_VALUE", "The start_at_range must be at least 24 hours and at most "
                              "32 days long.", "query.filter.start_at_range")
        location_id = _typed(flt, "location_id", str, "query.filter.location_id")
        booking_id = _typed(flt, "booking_id", str, "query.filter.booking_id")
        seg_filters = _typed(flt, "segment_filters", list, "query.filter.segment_filters")
        with self.lock:
            exclude = None
            if booking_id:
                if location_id or seg_filters:
                    raise SquareError(400, "CONFLICTING_PARAMETERS", "`booking_id` cannot be combined with "
                                      "`location_id` or `segment_filters`.", "query.filter.booking_id")
                booking = self._visible(booking_id, call)
                location_id, exclude = booking["location_id"], booking_id
                segments = [availability.SegmentSpec(s["service_variation_id"], s["service_variation_version"],
                                                     s["duration_minutes"], (s["team_member_id"],))
                            for s in booking["appointment_segments"]]
            else:
                if self.strict:
                    _required(location_id, "query.filter.location_id")
                if location_id is None:
                    location_id = next(iter(self.locations))
                if location_id not in self.locations:
                    raise SquareError(400, "INVALID_VALUE", f"Location `{location_id}` not found.",
                                      "query.filter.location_id")
                segments = self._segment_specs(_required(seg_filters, "query.filter.segment_filters"), location_id)
            earliest, latest = self._lead_window()
            step = _STEP_MINUTES.get(self.business_profile["business_appointment_settings"]["alignment_time"], 30)
            found = availability.search(
                segments=segments, location_id=location_id, zone=self.zone, range_start=range_start,
                range_end=range_end, earliest=earliest, latest=latest, schedules=self.schedules,
                busy=self._busy(exclude), step_minutes=step)
        availabilities = [{
            "start_at": fmt(start),
            "location_id": location_id,
            "appointment_segments": [{
                "duration_minutes": spec.minutes,
                "service_variation_id": spec.variation_id,
                "team_member_id": member,
                "service_variation_version": spec.variation_version,
            } for spec, member in zip(segments, members, strict=True)],
        } for start, members in found]
        return Response.json({"availabilities": availabilities, "errors": []})

    def _segment_specs(self, seg_filters: list[Any], location_id: str) -> list[availability.SegmentSpec]:
        specs = []
        for index, seg in enumerate(seg_filters):
            path = f"query.filter.segment_filters[{index}]"
            if not isinstance(seg, dict):
                raise SquareError(400, "EXPECTED_OBJECT", f"Expected object for `{path}`.", path)
            variation_id = _required(_typed(seg, "service_variation_id", str, f"{path}.service_variation_id"),
                                     f"{path}.service_variation_id")
            _, variation = self._bookable_variation(variation_id, f"{path}.service_variation_id")
            member_filter = _typed(seg, "team_member_id_filter", dict, f"{path}.team_member_id_filter") or {}
            if member_filter.get("all"):
                raise SquareError(400, "INVALID_VALUE", "`all` is not supported in `team_member_id_filter`.",
                                  f"{path}.team_member_id_filter.all")
            wanted, unwanted = member_filter.get("any") or [], set(member_filter.get("none") or [])
            data = variation["item_variation_data"]
            candidates = tuple(
                tm for tm in (data.get("team_member_ids") or [])
                if (not wanted or tm in wanted) and tm not in unwanted
                and self.team_members[tm]["status"] == "ACTIVE" and self.booking_profiles[tm]["is_bookable"]
                and self._member_at(self.team_members[tm], location_id)
            )
            if not self._present_at(variation, location_id):
                candidates = ()  # not offered here: nothing to book, not an error
            specs.append(availability.SegmentSpec(variation_id, variation["version"],
                                                  data["service_duration"] // 60000, candidates))
        return specs


def _html_error(message: str) -> Response:
    page = f"<!doctype html><html><head><title>Square</title></head><body><h1>Authorization error</h1><p>{message}</p>"
    return Response.text(page + "</body></html>", 400, "text/html")
