"""Tests of the Square sandbox (sandboxes/square).

Every call made through :class:`Square` is checked against Square's own OpenAPI document
(``shared/reference/openapi/square-bookings-subset.json``): request bodies with the write
validator, 2xx bodies with the read validator against the operation's response schema, and
error bodies against the ``Error`` envelope. Object schemas are made closed
(``additionalProperties: false``) so a misspelt or invented field fails the test.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator
from square import Square as SquareSDK
from square.core.api_error import ApiError

from sandboxes.core import RunningServer, serve
from sandboxes.square import DEMO, OAUTH_APP, SquareSandbox
from sandboxes.square import seed as S

PINNED = "2027-01-04T00:00:00Z"  # Monday 2027-01-03 19:00 in New York
TOKEN = DEMO["credentials"]["access_token"]
LOC = DEMO["config"]["location_id"]
APP_ID = OAUTH_APP["client_id"]
SECRET = OAUTH_APP["client_secret"]
REDIRECT = "http://localhost:9999/callback"


# -- the OpenAPI document ----------------------------------------------------------------------
def _spec_path() -> Path:
    shared = os.environ.get("APTURA_SHARED_DIR")
    candidates = [Path(shared)] if shared else []
    candidates += [Path(__file__).resolve().parents[3] / "shared", Path("/work/shared")]
    for base in candidates:
        path = base / "reference" / "openapi" / "square-bookings-subset.json"
        if path.exists():
            return path
    raise FileNotFoundError("square-bookings-subset.json not found next to the repository (shared/reference)")


def _close_objects(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _close_objects(value)
    elif isinstance(node, list):
        for value in node:
            _close_objects(value)


class SquareSpec:
    """Operation lookup and schema validation against the Square OpenAPI subset."""

    def __init__(self, path: Path) -> None:
        document = json.loads(path.read_text())
        self.components = copy.deepcopy(document["components"])
        _close_objects(self.components)
        self.operations: list[tuple[str, re.Pattern[str], str, dict[str, Any]]] = []
        for template, methods in document["paths"].items():
            regex = re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", template) + "$")
            for method, operation in methods.items():
                self.operations.append((method.upper(), regex, template, operation))
        # literal templates before parameterised ones, as a router would try them
        self.operations.sort(key=lambda op: op[2].count("{"))
        self._validators: dict[tuple[str, str], Any] = {}

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        for op_method, regex, _, operation in self.operations:
            if op_method == method and regex.match(path):
                return operation
        return None

    def validator(self, ref: str, *, write: bool) -> Any:
        key = (ref, "w" if write else "r")
        if key not in self._validators:
            cls = OAS30WriteValidator if write else OAS30ReadValidator
            self._validators[key] = cls({"$ref": ref, "components": self.components})
        return self._validators[key]

    def errors(self, ref: str, instance: Any, *, write: bool) -> list[str]:
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
                for e in self.validator(ref, write=write).iter_errors(instance)]

    def error_envelope_errors(self, instance: Any) -> list[str]:
        problems = self.errors("#/components/schemas/Error", (instance.get("errors") or [None])[0], write=False)
        if not isinstance(instance.get("errors"), list) or len(instance) != 1:
            problems.append(f"not an error envelope: {instance}")
        return problems


@pytest.fixture(scope="module")
def spec() -> SquareSpec:
    return SquareSpec(_spec_path())


# -- the running sandbox -------------------------------------------------------------------------
class Square:
    """HTTP helper bound to the sandbox; validates every exchange against the spec."""

    def __init__(self, server: RunningServer, spec: SquareSpec) -> None:
        self.base = server.url + "/square"
        self.app: SquareSandbox = server.app("square")  # type: ignore[assignment]
        self.spec = spec
        self.http = httpx.Client(timeout=10)
        self.last: httpx.Response | None = None

    def call(self, method: str, path: str, body: Any = None, *, params: dict[str, Any] | None = None,
             token: str | None = TOKEN, headers: dict[str, str] | None = None, status: int = 200,
             raw: bytes | None = None) -> Any:
        operation = self.spec.operation(method, path)
        hdrs = {"Square-Version": "2025-08-20", **({"Authorization": f"Bearer {token}"} if token else {}),
                **(headers or {})}
        # requests meant to succeed must be valid; error cases may break the schema on purpose
        if operation and body is not None and "requestBody" in operation and status < 300:
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert not self.spec.errors(ref, body, write=True), self.spec.errors(ref, body, write=True)
        if raw is not None:
            resp = self.http.request(method, self.base + path, content=raw, params=params,
                                     headers={**hdrs, "Content-Type": "application/json"})
        else:
            resp = self.http.request(method, self.base + path, json=body, params=params, headers=hdrs)
        self.last = resp
        assert resp.status_code == status, f"{method} {path}: {resp.status_code} {resp.text}"
        data = resp.json()
        if 200 <= resp.status_code < 300 and operation:
            ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
            problems = self.spec.errors(ref, data, write=False)
            assert not problems, f"{method} {path} response violates {ref}: {problems}"
        elif resp.status_code >= 400:
            assert not self.spec.error_envelope_errors(data), self.spec.error_envelope_errors(data)
        return data

    def error(self, method: str, path: str, body: Any = None, *, status: int, code: str, **kwargs: Any
              ) -> dict[str, Any]:
        """Call expecting one Square error with ``code``; returns that error object."""
        data = self.call(method, path, body, status=status, **kwargs)
        assert data["errors"][0]["code"] == code, data
        return data["errors"][0]  # type: ignore[no-any-return]

    def admin(self, action: str, body: Any = None) -> Any:
        return self.http.post(f"{self.base}/_sandbox/{action}", json=body).json()

    def clock(self, now: str) -> None:
        self.admin("clock", {"now": now})

    def state(self) -> Any:
        return self.http.get(f"{self.base}/_sandbox/state").json()

    # -- flows -----------------------------------------------------------------------------------
    def availability(self, start: str, end: str, variation: str = S.HAIRCUT_VAR, members: list[str] | None = None,
                     location: str | None = LOC, token: str = TOKEN, **extra: Any) -> list[dict[str, Any]]:
        segment: dict[str, Any] = {"service_variation_id": variation}
        if members is not None:
            segment["team_member_id_filter"] = {"any": members}
        flt: dict[str, Any] = {"start_at_range": {"start_at": start, "end_at": end}, "segment_filters": [segment]}
        if location:
            flt["location_id"] = location
        flt.update(extra)
        data = self.call("POST", "/v2/bookings/availability/search", {"query": {"filter": flt}}, token=token)
        return data["availabilities"]  # type: ignore[no-any-return]

    def booking_body(self, start: str, variation: str = S.HAIRCUT_VAR, member: str = S.TM_AVA,
                     customer: str | None = S.CUSTOMER_JANE, key: str | None = None, **extra: Any
                     ) -> dict[str, Any]:
        booking: dict[str, Any] = {
            "location_id": LOC, "start_at": start,
            "appointment_segments": [{"team_member_id": member, "service_variation_id": variation,
                                      "service_variation_version": S.CATALOG_VERSION}],
            **extra,
        }
        if customer:
            booking["customer_id"] = customer
        body: dict[str, Any] = {"booking": booking}
        if key:
            body["idempotency_key"] = key
        return body

    def book(self, start: str, status: int = 200, token: str = TOKEN, **kwargs: Any) -> Any:
        return self.call("POST", "/v2/bookings", self.booking_body(start, **kwargs), status=status, token=token)

    def authorize(self, scopes: str = "APPOINTMENTS_READ APPOINTMENTS_WRITE", **extra: str) -> dict[str, list[str]]:
        params = {"client_id": APP_ID, "scope": scopes, "state": "st4te", "redirect_uri": REDIRECT, **extra}
        resp = self.http.get(f"{self.base}/oauth2/authorize", params=params, follow_redirects=False)
        assert resp.status_code == 302, resp.text
        location = resp.headers["Location"]
        assert location.startswith(REDIRECT + "?")
        return parse_qs(urlsplit(location).query)

    def token(self, scopes: str = "APPOINTMENTS_READ APPOINTMENTS_WRITE", **extra: Any) -> dict[str, Any]:
        code = self.authorize(scopes)["code"][0]
        body = {"client_id": APP_ID, "client_secret": SECRET, "grant_type": "authorization_code", "code": code,
                "redirect_uri": REDIRECT, **extra}
        return self.call("POST", "/oauth2/token", body, token=None)  # type: ignore[no-any-return]

    def refresh(self, refresh_token: str, status: int = 200, **extra: Any) -> Any:
        body = {"client_id": APP_ID, "client_secret": SECRET, "grant_type": "refresh_token",
                "refresh_token": refresh_token, **extra}
        return self.call("POST", "/oauth2/token", body, token=None, status=status)


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    running = serve([SquareSandbox()])
    yield running
    running.stop()


@pytest.fixture()
def sq(server: RunningServer, spec: SquareSpec) -> Iterator[Square]:
    helper = Square(server, spec)
    helper.admin("reset")
    helper.clock(PINNED)
    yield helper
    helper.http.close()


def starts(availabilities: list[dict[str, Any]]) -> list[str]:
    return [a["start_at"] for a in availabilities]


def grid(day: str, first_hour: int, last_hour: int, skip: tuple[str, ...] = ()) -> list[str]:
    """Half-hourly UTC starts ``first_hour:00 .. last_hour:30`` on ``day`` minus ``skip`` (HH:MM)."""
    return [f"{day}T{h:02d}:{m:02d}:00Z" for h in range(first_hour, last_hour + 1) for m in (0, 30)
            if f"{h:02d}:{m:02d}" not in skip]


# -- validator sanity ----------------------------------------------------------------------------
def test_spec_validation_rejects_wrong_shapes(spec: SquareSpec) -> None:
    booking = "#/components/schemas/Booking"
    assert spec.errors(booking, {"id": "abc", "version": 0, "start_at": "2027-01-05T15:00:00Z"}, write=False) == []
    assert spec.errors(booking, {"id": "abc", "version": "0"}, write=False)  # wrong type
    assert spec.errors(booking, {"id": "abc", "startAt": "x"}, write=False)  # unknown field
    assert spec.errors(booking, {"id": "abc"}, write=True)  # read-only field in a request
    assert spec.error_envelope_errors({"errors": [{"code": "NOT_FOUND"}]})  # category missing


def test_every_spec_operation_is_routed(sq: Square, spec: SquareSpec) -> None:
    for method, _, template, _ in spec.operations:
        path = re.sub(r"\{\w+\}", "x", template)
        resp = sq.http.request(method, sq.base + path, headers={"Authorization": f"Bearer {TOKEN}"},
                               json={} if method in ("POST", "PUT") else None)
        detail = resp.json().get("errors", [{}])[0].get("detail", "") if resp.status_code >= 400 else ""
        assert not detail.startswith("API endpoint"), f"{method} {template} is not implemented"


# -- auth, OAuth, versioning ------------------------------------------------------------------------
def test_missing_and_unknown_tokens_are_unauthorized(sq: Square) -> None:
    err = sq.error("GET", "/v2/locations", token=None, status=401, code="UNAUTHORIZED")
    assert err["category"] == "AUTHENTICATION_ERROR"
    sq.error("GET", "/v2/locations", token="EAAAnot-a-token", status=401, code="UNAUTHORIZED")
    sq.error("GET", "/v2/locations", token=None, headers={"Authorization": f"Basic {TOKEN}"}, status=401,
             code="UNAUTHORIZED")


def test_square_version_is_echoed_and_validated(sq: Square) -> None:
    sq.call("GET", "/v2/locations", headers={"Square-Version": "2026-09-16"})
    assert sq.last is not None and sq.last.headers["Square-Version"] == "2026-09-16"
    sq.error("GET", "/v2/locations", headers={"Square-Version": "latest"}, status=400,
             code="INVALID_SQUARE_VERSION_FORMAT")


def test_authorize_redirects_with_code_and_state(sq: Square) -> None:
    query = sq.authorize("APPOINTMENTS_READ ITEMS_READ")
    assert query["state"] == ["st4te"] and query["code"][0].startswith("sandbox-sq0cgb-")
    assert query["response_type"] == ["code"]
    unknown = sq.http.get(f"{sq.base}/oauth2/authorize", params={"client_id": "nope"})
    assert unknown.status_code == 400 and "text/html" in unknown.headers["Content-Type"]
    sq.admin("config", {"auto_approve": False})
    denied = sq.authorize()
    assert denied["error"] == ["access_denied"] and denied["error_description"] == ["user_denied"]
    assert "code" not in denied


def test_code_exchange_rules(sq: Square) -> None:
    code = sq.authorize()["code"][0]
    base = {"client_id": APP_ID, "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    sq.error("POST", "/oauth2/token", {**base, "client_secret": "sandbox-sq0csb-wrong"}, token=None, status=401,
             code="UNAUTHORIZED")
    sq.error("POST", "/oauth2/token", {**base, "client_secret": SECRET, "redirect_uri": "http://evil.example/cb"},
             token=None, status=400, code="INVALID_VALUE")
    sq.error("POST", "/oauth2/token", {"client_id": APP_ID, "client_secret": SECRET}, token=None, status=400,
             code="MISSING_REQUIRED_PARAMETER")
    sq.error("POST", "/oauth2/token", {**base, "client_secret": SECRET, "grant_type": "client_credentials"},
             token=None, status=400, code="INVALID_VALUE")
    token = sq.call("POST", "/oauth2/token", {**base, "client_secret": SECRET}, token=None)
    assert token["token_type"] == "bearer" and token["merchant_id"] == S.MERCHANT_ID
    assert token["expires_at"] == "2027-02-03T00:00:00Z"  # 30 days after the pinned clock
    # codes are single-use
    sq.error("POST", "/oauth2/token", {**base, "client_secret": SECRET}, token=None, status=401, code="UNAUTHORIZED")
    assert sq.state()["oauth"]["authorization_code_grants"] == 1


def test_access_token_expiry_and_refresh(sq: Square) -> None:
    sq.app.access_token_lifetime = timedelta(seconds=60)
    token = sq.token()
    assert token["expires_at"] == "2027-01-04T00:01:00Z"
    sq.call("GET", "/v2/bookings", token=token["access_token"])
    sq.clock("2027-01-04T00:01:00Z")
    err = sq.error("GET", "/v2/bookings", token=token["access_token"], status=401, code="ACCESS_TOKEN_EXPIRED")
    assert err["category"] == "AUTHENTICATION_ERROR"
    refreshed = sq.refresh(token["refresh_token"])
    assert refreshed["refresh_token"] == token["refresh_token"]  # code flow: same refresh token back
    assert refreshed["access_token"] != token["access_token"]
    assert refreshed["expires_at"] == "2027-01-04T00:02:00Z"
    sq.call("GET", "/v2/bookings", token=refreshed["access_token"])
    assert sq.app.admin_state()["refresh_grant_calls"] == 1
    sq.refresh("EQAAl-unknown", status=401)
    assert sq.state()["oauth"] == {**sq.state()["oauth"], "refresh_grant_calls": 2, "refresh_grants": 1}


def test_refresh_can_narrow_scopes_and_be_short_lived(sq: Square) -> None:
    token = sq.token("APPOINTMENTS_READ MERCHANT_PROFILE_READ")
    narrowed = sq.refresh(token["refresh_token"], scopes=["MERCHANT_PROFILE_READ"], short_lived=True)
    assert narrowed["short_lived"] is True and narrowed["expires_at"] == "2027-01-05T00:00:00Z"
    status = sq.call("POST", "/oauth2/token/status", token=narrowed["access_token"])
    assert status["scopes"] == ["MERCHANT_PROFILE_READ"] and status["client_id"] == APP_ID
    sq.call("GET", "/v2/locations", token=narrowed["access_token"])
    sq.error("GET", "/v2/bookings", token=narrowed["access_token"], status=403, code="INSUFFICIENT_SCOPES")


def test_seed_token_expiry_and_admin_expiry(sq: Square) -> None:
    status = sq.call("POST", "/oauth2/token/status")
    assert status["expires_at"] == DEMO["credentials"]["expires_at"] and status["merchant_id"] == S.MERCHANT_ID
    assert sq.admin("expire-tokens")["expired"] >= 1
    sq.error("GET", "/v2/locations", status=401, code="ACCESS_TOKEN_EXPIRED")
    sq.error("POST", "/oauth2/token/status", status=401, code="UNAUTHORIZED")
    sq.call("GET", "/v2/locations", token=S.PERSONAL_ACCESS_TOKEN)  # personal tokens never expire
    fresh = sq.refresh(DEMO["credentials"]["refresh_token"])
    sq.call("GET", "/v2/locations", token=fresh["access_token"])


def test_revoke(sq: Square) -> None:
    token = sq.token()
    body = {"client_id": APP_ID, "access_token": token["access_token"]}
    sq.error("POST", "/oauth2/revoke", body, token=None, headers={"Authorization": "Client wrong"}, status=401,
             code="UNAUTHORIZED")
    assert sq.call("POST", "/oauth2/revoke", body, token=None,
                   headers={"Authorization": f"Client {SECRET}"}) == {"success": True}
    sq.error("GET", "/v2/bookings", token=token["access_token"], status=401, code="ACCESS_TOKEN_REVOKED")
    # revoking without revoke_only_access_token ends the whole authorization, refresh tokens included
    sq.refresh(token["refresh_token"], status=401)
    sq.error("GET", "/v2/bookings", status=401, code="ACCESS_TOKEN_REVOKED")


def test_revoke_only_access_token_keeps_refresh_token(sq: Square) -> None:
    token = sq.token()
    body = {"client_id": APP_ID, "access_token": token["access_token"], "revoke_only_access_token": True}
    sq.call("POST", "/oauth2/revoke", body, token=None, headers={"Authorization": f"Client {SECRET}"})
    sq.error("GET", "/v2/bookings", token=token["access_token"], status=401, code="ACCESS_TOKEN_REVOKED")
    assert sq.refresh(token["refresh_token"])["access_token"]


def test_pkce_flow_rotates_refresh_tokens(sq: Square) -> None:
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    code = sq.authorize(code_challenge=challenge, code_challenge_method="S256")["code"][0]
    base = {"client_id": APP_ID, "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    sq.error("POST", "/oauth2/token", {**base, "code_verifier": "w" * 64}, token=None, status=401,
             code="UNAUTHORIZED")
    token = sq.call("POST", "/oauth2/token", {**base, "code_verifier": verifier}, token=None)
    assert token["refresh_token_expires_at"] == "2027-04-04T00:00:00Z"  # 90 days
    rotated = sq.call("POST", "/oauth2/token", {"client_id": APP_ID, "grant_type": "refresh_token",
                                                "refresh_token": token["refresh_token"]}, token=None)
    assert rotated["refresh_token"] != token["refresh_token"]
    sq.error("POST", "/oauth2/token", {"client_id": APP_ID, "grant_type": "refresh_token",
                                       "refresh_token": token["refresh_token"]}, token=None, status=401,
             code="UNAUTHORIZED")


# -- locations, team, catalog ------------------------------------------------------------------------
def test_locations(sq: Square) -> None:
    locations = sq.call("GET", "/v2/locations")["locations"]
    assert [loc["id"] for loc in locations] == [S.LOCATION_MAIN, S.LOCATION_UPTOWN]
    assert {loc["timezone"] for loc in locations} == {"America/New_York"}
    assert sq.call("GET", "/v2/locations/main")["location"]["id"] == S.LOCATION_MAIN
    periods = sq.call("GET", f"/v2/locations/{S.LOCATION_UPTOWN}")["location"]["business_hours"]["periods"]
    assert periods[0] == {"day_of_week": "TUE", "start_local_time": "10:00:00", "end_local_time": "18:00:00"}
    sq.error("GET", "/v2/locations/LNOPE", status=404, code="NOT_FOUND")


def test_team_member_search_filters_and_pages(sq: Square) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        body: dict[str, Any] = {"limit": 2, "query": {"filter": {"status": "ACTIVE"}}}
        if cursor:
            body["cursor"] = cursor
        page = sq.call("POST", "/v2/team-members/search", body)
        assert len(page["team_members"]) <= 2
        seen += [m["id"] for m in page["team_members"]]
        cursor = page.get("cursor")
        if not cursor:
            break
    assert seen == [S.TM_OWNER, S.TM_AVA, S.TM_MARCO, S.TM_JORDAN]
    uptown = sq.call("POST", "/v2/team-members/search", {"query": {"filter": {"location_ids": [S.LOCATION_UPTOWN]}}})
    assert [m["id"] for m in uptown["team_members"]] == [S.TM_OWNER, S.TM_MARCO, S.TM_INACTIVE]
    sq.error("POST", "/v2/team-members/search", {"limit": 201}, status=400, code="VALUE_TOO_HIGH")
    sq.error("POST", "/v2/team-members/search", {"limit": 0}, status=400, code="VALUE_TOO_LOW")
    assert sq.call("GET", f"/v2/team-members/{S.TM_AVA}")["team_member"]["given_name"] == "Ava"
    sq.error("GET", "/v2/team-members/TMnope", status=404, code="NOT_FOUND")


def test_booking_profiles(sq: Square) -> None:
    bookable = sq.call("GET", "/v2/bookings/team-member-booking-profiles", params={"bookable_only": "true"})
    assert [p["team_member_id"] for p in bookable["team_member_booking_profiles"]] == [S.TM_AVA, S.TM_MARCO,
                                                                                        S.TM_JORDAN]
    uptown = sq.call("GET", "/v2/bookings/team-member-booking-profiles",
                     params={"bookable_only": "true", "location_id": S.LOCATION_UPTOWN})
    assert [p["display_name"] for p in uptown["team_member_booking_profiles"]] == ["Marco R."]
    one = sq.call("GET", f"/v2/bookings/team-member-booking-profiles/{S.TM_OWNER}")
    assert one["team_member_booking_profile"]["is_bookable"] is False
    bulk = sq.call("POST", "/v2/bookings/team-member-booking-profiles/bulk-retrieve",
                   {"team_member_ids": [S.TM_AVA, "TMnope"]})["team_member_booking_profiles"]
    assert bulk[S.TM_AVA]["team_member_booking_profile"]["display_name"] == "Ava P."
    assert bulk["TMnope"]["errors"][0]["code"] == "NOT_FOUND"
    settings = sq.call("GET", "/v2/bookings/business-booking-profile")["business_booking_profile"]
    assert settings["business_appointment_settings"]["alignment_time"] == "HALF_HOURLY"
    profiles = sq.call("GET", "/v2/bookings/location-booking-profiles", params={"limit": 1})
    assert len(profiles["location_booking_profiles"]) == 1 and profiles["cursor"]
    rest = sq.call("GET", "/v2/bookings/location-booking-profiles", params={"limit": 1, "cursor": profiles["cursor"]})
    assert rest["location_booking_profiles"][0]["location_id"] == S.LOCATION_UPTOWN and "cursor" not in rest


def test_catalog_list_returns_services_with_ms_durations(sq: Square) -> None:
    items = sq.call("GET", "/v2/catalog/list", params={"types": "ITEM"})["objects"]
    services = {i["item_data"]["name"]: i for i in items if i["item_data"]["product_type"] == "APPOINTMENTS_SERVICE"}
    assert set(services) == {"Haircut", "Blowout", "Deep Tissue Massage"}
    durations = sorted(v["item_variation_data"]["service_duration"]
                       for s in services.values() for v in s["item_data"]["variations"])
    assert durations == [30 * 60000, 45 * 60000, 60 * 60000, 90 * 60000]
    haircut = services["Haircut"]["item_data"]["variations"][0]
    assert haircut["id"] == S.HAIRCUT_VAR and haircut["version"] == S.CATALOG_VERSION
    assert haircut["item_variation_data"]["price_money"] == {"amount": 3500, "currency": "USD"}
    both = sq.call("GET", "/v2/catalog/list", params={"types": "ITEM,ITEM_VARIATION"})["objects"]
    assert [o["type"] for o in both].count("ITEM_VARIATION") == 5
    sq.error("GET", "/v2/catalog/list", params={"types": "WIDGET"}, status=400, code="INVALID_ENUM_VALUE")


def test_catalog_search_items(sq: Square) -> None:
    services = sq.call("POST", "/v2/catalog/search-catalog-items", {"product_types": ["APPOINTMENTS_SERVICE"]})
    assert [i["item_data"]["name"] for i in services["items"]] == ["Blowout", "Deep Tissue Massage", "Haircut"]
    uptown = sq.call("POST", "/v2/catalog/search-catalog-items",
                     {"product_types": ["APPOINTMENTS_SERVICE"], "enabled_location_ids": [S.LOCATION_UPTOWN]})
    assert [i["item_data"]["name"] for i in uptown["items"]] == ["Blowout", "Haircut"]
    text = sq.call("POST", "/v2/catalog/search-catalog-items", {"text_filter": "90"})
    assert text["matched_variation_ids"] == [S.MASSAGE90_VAR]
    paged = sq.call("POST", "/v2/catalog/search-catalog-items", {"limit": 2})
    assert len(paged["items"]) == 2 and paged["cursor"]
    sq.error("POST", "/v2/catalog/search-catalog-items", {"limit": 101}, status=400, code="VALUE_TOO_HIGH")


def test_catalog_search_retrieve_and_batch(sq: Square) -> None:
    found = sq.call("POST", "/v2/catalog/search", {
        "object_types": ["ITEM_VARIATION"], "include_related_objects": True,
        "query": {"exact_query": {"attribute_name": "name", "attribute_value": "60 minutes"}}})
    assert [o["id"] for o in found["objects"]] == [S.MASSAGE60_VAR]
    assert [o["id"] for o in found["related_objects"]] == [S.MASSAGE_ITEM]
    prefix = sq.call("POST", "/v2/catalog/search", {"object_types": ["ITEM"],
                                                     "query": {"prefix_query": {"attribute_name": "name",
                                                                                "attribute_prefix": "hair"}}})
    assert [o["id"] for o in prefix["objects"]] == [S.HAIRCUT_ITEM]
    obj = sq.call("GET", f"/v2/catalog/object/{S.BLOWOUT_VAR}", params={"include_related_objects": "true"})
    assert obj["object"]["item_variation_data"]["item_id"] == S.BLOWOUT_ITEM
    assert obj["related_objects"][0]["id"] == S.BLOWOUT_ITEM
    sq.error("GET", "/v2/catalog/object/NOPE", status=404, code="NOT_FOUND")
    batch = sq.call("POST", "/v2/catalog/batch-retrieve", {"object_ids": [S.HAIRCUT_ITEM, "NOPE", S.POMADE_ITEM]})
    assert [o["id"] for o in batch["objects"]] == [S.HAIRCUT_ITEM, S.POMADE_ITEM]


# -- customers -------------------------------------------------------------------------------------------
def test_customer_create_search_retrieve(sq: Square) -> None:
    body = {"idempotency_key": "cust-1", "given_name": "Ann", "family_name": "Lee",
            "email_address": "Ann.Lee@Example.com", "phone_number": "+1 (212) 555-0199"}
    created = sq.call("POST", "/v2/customers", body)["customer"]
    assert created["creation_source"] == "THIRD_PARTY" and created["version"] == 0
    assert re.fullmatch(r"[A-Z0-9]{26}", created["id"])
    assert sq.call("POST", "/v2/customers", body)["customer"]["id"] == created["id"]  # idempotent
    sq.error("POST", "/v2/customers", {**body, "given_name": "Other"}, status=400, code="IDEMPOTENCY_KEY_REUSED")
    hits = sq.call("POST", "/v2/customers/search",
                   {"query": {"filter": {"email_address": {"exact": "ann.lee@example.COM"}}}})
    assert [c["id"] for c in hits["customers"]] == [created["id"]]
    fuzzy = sq.call("POST", "/v2/customers/search", {"query": {"filter": {"email_address": {"fuzzy": "example.com"}}},
                                                     "count": True})
    assert fuzzy["count"] == 3  # Jane, John and Ann (Maria is on example.org)
    assert sq.call("GET", f"/v2/customers/{created['id']}")["customer"]["email_address"] == "Ann.Lee@Example.com"
    assert sq.call("POST", "/v2/customers/search",
                   {"query": {"filter": {"email_address": {"exact": "nobody@example.com"}}}}) == {}
    sq.error("GET", "/v2/customers/NOPE", status=404, code="NOT_FOUND")


def test_customer_validation(sq: Square) -> None:
    sq.error("POST", "/v2/customers", {"note": "no name"}, status=400, code="BAD_REQUEST")
    sq.error("POST", "/v2/customers", {"given_name": "A", "email_address": "not-an-email"}, status=400,
             code="INVALID_EMAIL_ADDRESS")
    sq.error("POST", "/v2/customers", {"given_name": "A", "phone_number": "12ab"}, status=400,
             code="INVALID_PHONE_NUMBER")


def test_customer_list_pagination_and_limits(sq: Square) -> None:
    first = sq.call("GET", "/v2/customers", params={"limit": 2, "sort_field": "CREATED_AT", "sort_order": "DESC"})
    assert [c["id"] for c in first["customers"]] == [S.CUSTOMER_MARIA, S.CUSTOMER_JOHN]
    second = sq.call("GET", "/v2/customers", params={"limit": 2, "sort_field": "CREATED_AT", "sort_order": "DESC",
                                                     "cursor": first["cursor"]})
    assert [c["id"] for c in second["customers"]] == [S.CUSTOMER_JANE] and "cursor" not in second
    sq.error("GET", "/v2/customers", params={"limit": 2, "cursor": first["cursor"]}, status=400,
             code="INVALID_CURSOR")  # a cursor only continues the query that produced it
    sq.error("GET", "/v2/customers", params={"cursor": "garbage"}, status=400, code="INVALID_CURSOR")
    sq.error("GET", "/v2/customers", params={"limit": 101}, status=400, code="VALUE_TOO_HIGH")


def test_customer_search_lag_update_and_delete(sq: Square) -> None:
    sq.app.customer_search_lag = timedelta(seconds=30)
    created = sq.call("POST", "/v2/customers", {"given_name": "Lag", "email_address": "lag@example.net"})["customer"]
    query = {"query": {"filter": {"email_address": {"exact": "lag@example.net"}}}}
    assert sq.call("POST", "/v2/customers/search", query) == {}
    sq.clock("2027-01-04T00:00:31Z")
    assert sq.call("POST", "/v2/customers/search", query)["customers"][0]["id"] == created["id"]
    updated = sq.call("PUT", f"/v2/customers/{created['id']}", {"family_name": "Later", "version": 0})["customer"]
    assert updated["family_name"] == "Later" and updated["version"] == 1
    sq.error("PUT", f"/v2/customers/{created['id']}", {"note": "x", "version": 0}, status=409, code="CONFLICT")
    assert sq.call("DELETE", f"/v2/customers/{created['id']}") == {}
    sq.error("GET", f"/v2/customers/{created['id']}", status=404, code="NOT_FOUND")


# -- availability ------------------------------------------------------------------------------------------
def test_availability_is_working_hours_minus_bookings(sq: Square) -> None:
    found = sq.availability("2027-01-05T05:00:00Z", "2027-01-06T05:00:00Z", members=[S.TM_AVA])
    # Tue 09:00-17:00 EST = 14:00-22:00Z; Ava's 10:00 haircut (15:00Z) is taken
    assert starts(found) == grid("2027-01-05", 14, 21, skip=("15:00",))
    assert found[0] == {"start_at": "2027-01-05T14:00:00Z", "location_id": LOC, "appointment_segments": [
        {"duration_minutes": 30, "service_variation_id": S.HAIRCUT_VAR, "team_member_id": S.TM_AVA,
         "service_variation_version": S.CATALOG_VERSION}]}


def test_availability_across_spring_forward(sq: Square) -> None:
    found = sq.availability("2027-03-13T05:00:00Z", "2027-03-16T04:00:00Z", members=[S.TM_AVA])
    # Sat 03-13 is EST (09:00 = 14:00Z), Sunday is closed, Mon 03-15 is EDT (09:00 = 13:00Z)
    assert starts(found) == grid("2027-03-13", 14, 21, skip=("15:00",)) + grid("2027-03-15", 13, 20, skip=("14:00",))


def test_availability_across_fall_back(sq: Square) -> None:
    found = sq.availability("2027-11-06T04:00:00Z", "2027-11-09T05:00:00Z", members=[S.TM_AVA])
    assert starts(found) == grid("2027-11-06", 13, 20, skip=("14:00",)) + grid("2027-11-08", 14, 21, skip=("15:00",))


def test_long_service_fits_shift_and_clears_bookings(sq: Square) -> None:
    found = sq.availability("2027-01-05T05:00:00Z", "2027-01-06T05:00:00Z", S.MASSAGE90_VAR, [S.TM_MARCO])
    # 90 min inside 09:00-17:00 EST (last start 15:30), clear of Marco's 13:00-14:00 massage:
    # 11:30 ends exactly at 13:00 (allowed), 12:00-13:30 overlap
    assert starts(found) == grid("2027-01-05", 14, 20, skip=("17:00", "17:30", "18:00", "18:30"))
    assert {a["appointment_segments"][0]["duration_minutes"] for a in found} == {90}


def test_cancelled_bookings_do_not_block(sq: Square) -> None:
    found = sq.availability("2027-01-06T05:00:00Z", "2027-01-07T05:00:00Z", members=[S.TM_JORDAN])
    assert starts(found)[0] == "2027-01-06T14:00:00Z"


def test_availability_without_member_filter_lists_each_member(sq: Square) -> None:
    found = sq.availability("2027-01-05T05:00:00Z", "2027-01-06T05:00:00Z")
    by_start: dict[str, list[str]] = {}
    for a in found:
        by_start.setdefault(a["start_at"], []).append(a["appointment_segments"][0]["team_member_id"])
    assert by_start["2027-01-05T14:00:00Z"] == [S.TM_AVA, S.TM_MARCO, S.TM_JORDAN]
    assert by_start["2027-01-05T15:00:00Z"] == [S.TM_MARCO, S.TM_JORDAN]
    none = sq.call("POST", "/v2/bookings/availability/search", {"query": {"filter": {
        "start_at_range": {"start_at": "2027-01-05T05:00:00Z", "end_at": "2027-01-06T05:00:00Z"},
        "location_id": LOC, "segment_filters": [{"service_variation_id": S.HAIRCUT_VAR,
                                                  "team_member_id_filter": {"none": [S.TM_JORDAN]}}]}}})
    assert {a["appointment_segments"][0]["team_member_id"] for a in none["availabilities"]} == {S.TM_AVA, S.TM_MARCO}


def test_availability_per_location(sq: Square) -> None:
    uptown = sq.availability("2027-01-07T05:00:00Z", "2027-01-08T05:00:00Z", location=S.LOCATION_UPTOWN)
    assert {a["appointment_segments"][0]["team_member_id"] for a in uptown} == {S.TM_MARCO}
    assert starts(uptown) == grid("2027-01-07", 15, 22)  # Thu 10:00-18:00 EST
    assert {a["location_id"] for a in uptown} == {S.LOCATION_UPTOWN}
    assert sq.availability("2027-01-07T05:00:00Z", "2027-01-08T05:00:00Z", S.MASSAGE60_VAR,
                           location=S.LOCATION_UPTOWN) == []  # massage is downtown only


def test_availability_skips_the_past(sq: Square) -> None:
    sq.clock("2027-01-05T14:40:00Z")
    found = sq.availability("2027-01-05T05:00:00Z", "2027-01-06T05:00:00Z", members=[S.TM_AVA])
    assert starts(found)[:2] == ["2027-01-05T15:30:00Z", "2027-01-05T16:00:00Z"]


def test_availability_with_two_segments(sq: Square) -> None:
    filters = [{"service_variation_id": S.HAIRCUT_VAR, "team_member_id_filter": {"any": [S.TM_AVA]}},
               {"service_variation_id": S.BLOWOUT_VAR, "team_member_id_filter": {"any": [S.TM_AVA]}}]
    data = sq.call("POST", "/v2/bookings/availability/search", {"query": {"filter": {
        "start_at_range": {"start_at": "2027-01-05T05:00:00Z", "end_at": "2027-01-06T05:00:00Z"},
        "location_id": LOC, "segment_filters": filters}}})
    found = data["availabilities"]
    # 30 + 45 min back to back must clear Ava's 15:00-15:30Z haircut and end by 22:00Z
    assert starts(found)[0] == "2027-01-05T15:30:00Z" and starts(found)[-1] == "2027-01-05T20:30:00Z"
    assert all([s["duration_minutes"] for s in a["appointment_segments"]] == [30, 45] for a in found)


def test_availability_for_rescheduling_ignores_the_booking_itself(sq: Square) -> None:
    data = sq.call("POST", "/v2/bookings/availability/search", {"query": {"filter": {
        "start_at_range": {"start_at": "2027-01-05T05:00:00Z", "end_at": "2027-01-06T05:00:00Z"},
        "booking_id": "k4m9q2x7w1za0b"}}})
    assert "2027-01-05T15:00:00Z" in starts(data["availabilities"])
    assert {a["appointment_segments"][0]["team_member_id"] for a in data["availabilities"]} == {S.TM_AVA}
    sq.error("POST", "/v2/bookings/availability/search", {"query": {"filter": {
        "start_at_range": {"start_at": "2027-01-05T05:00:00Z", "end_at": "2027-01-06T05:00:00Z"},
        "booking_id": "k4m9q2x7w1za0b", "location_id": LOC}}}, status=400, code="CONFLICTING_PARAMETERS")


@pytest.mark.parametrize(("start", "end", "code"), [
    ("2027-01-05T05:00:00Z", "2027-01-06T04:59:59Z", "INVALID_VALUE"),  # under 24 h
    ("2027-01-05T05:00:00Z", "2027-02-06T05:00:01Z", "INVALID_VALUE"),  # over 32 days
    ("2027-01-06T05:00:00Z", "2027-01-05T05:00:00Z", "INVALID_TIME_RANGE"),
    ("2027-01-05 05:00", "2027-01-06T05:00:00Z", "INVALID_TIME"),
])
def test_availability_range_rules(sq: Square, start: str, end: str, code: str) -> None:
    err = sq.error("POST", "/v2/bookings/availability/search", {"query": {"filter": {
        "start_at_range": {"start_at": start, "end_at": end}, "location_id": LOC,
        "segment_filters": [{"service_variation_id": S.HAIRCUT_VAR}]}}}, status=400, code=code)
    assert err["field"].startswith("query.filter.start_at_range")


def test_availability_32_days_is_allowed_and_location_is_required(sq: Square) -> None:
    found = sq.availability("2027-01-05T05:00:00Z", "2027-02-06T05:00:00Z", members=[S.TM_AVA])
    assert starts(found)[-1] == "2027-02-05T21:30:00Z"
    sq.error("POST", "/v2/bookings/availability/search", {"query": {"filter": {
        "start_at_range": {"start_at": "2027-01-05T05:00:00Z", "end_at": "2027-01-06T05:00:00Z"},
        "segment_filters": [{"service_variation_id": S.HAIRCUT_VAR}]}}}, status=400,
        code="MISSING_REQUIRED_PARAMETER")
    sq.error("POST", "/v2/bookings/availability/search", {"query": {"filter": {
        "start_at_range": {"start_at": "2027-01-05T05:00:00Z", "end_at": "2027-01-06T05:00:00Z"},
        "location_id": LOC, "segment_filters": [{"service_variation_id": S.POMADE_VAR}]}}}, status=400,
        code="INVALID_VALUE")


# -- bookings --------------------------------------------------------------------------------------------
def test_create_retrieve_and_slot_disappears(sq: Square) -> None:
    created = sq.book("2027-01-08T15:00:00Z", key="create-1", customer_note="first visit")["booking"]
    assert created["status"] == "ACCEPTED" and created["version"] == 0
    assert created["start_at"] == "2027-01-08T15:00:00Z" and created["customer_id"] == S.CUSTOMER_JANE
    assert created["appointment_segments"][0]["duration_minutes"] == 30
    assert created["created_at"] == "2027-01-04T00:00:00Z" and created["source"] == "API"
    assert re.fullmatch(r"[a-z0-9]{14}", created["id"])
    assert sq.call("GET", f"/v2/bookings/{created['id']}")["booking"] == created
    found = sq.availability("2027-01-08T05:00:00Z", "2027-01-09T05:00:00Z", members=[S.TM_AVA])
    assert "2027-01-08T15:00:00Z" not in starts(found) and "2027-01-08T15:30:00Z" in starts(found)
    sq.error("GET", "/v2/bookings/nope", status=404, code="NOT_FOUND")


def test_idempotency_key(sq: Square) -> None:
    first = sq.book("2027-01-08T15:00:00Z", key="same-key")["booking"]
    again = sq.book("2027-01-08T15:00:00Z", key="same-key")["booking"]
    assert again == first
    assert [b["id"] for b in sq.state()["bookings"] if b["start_at"] == "2027-01-08T15:00:00Z"] == [first["id"]]
    sq.error("POST", "/v2/bookings", sq.booking_body("2027-01-08T16:00:00Z", key="same-key"), status=400,
             code="IDEMPOTENCY_KEY_REUSED")


def test_seller_note_is_kept_apart_from_the_customer_note(sq: Square) -> None:
    made = sq.book("2027-01-08T15:00:00Z", key="notes-1", customer_note="window seat",
                   seller_note="[aptura:aptref_0123456789abcdef0123]")["booking"]
    assert (made["customer_note"], made["seller_note"]) == ("window seat", "[aptura:aptref_0123456789abcdef0123]")
    path = f"/v2/bookings/{made['id']}"
    assert sq.call("GET", path)["booking"]["seller_note"] == made["seller_note"]
    window = {"start_at_min": "2027-01-08T00:00:00Z", "start_at_max": "2027-01-09T00:00:00Z"}
    assert [b["seller_note"] for b in sq.call("GET", "/v2/bookings", params=window)["bookings"]
            if b["id"] == made["id"]] == [made["seller_note"]]
    # UpdateBooking changes only the fields it is given: a new customer note keeps the seller's
    noted = sq.call("PUT", path, {"booking": {"version": 0, "customer_note": "aisle seat"}})["booking"]
    assert (noted["customer_note"], noted["seller_note"]) == ("aisle seat", made["seller_note"])
    moved = sq.call("PUT", path, {"booking": {"version": 1, "start_at": "2027-01-08T16:00:00Z"}})["booking"]
    assert moved["seller_note"] == made["seller_note"] and moved["customer_note"] == "aisle seat"
    cleared = sq.call("PUT", path, {"booking": {"version": 2, "seller_note": ""}})["booking"]
    assert cleared["seller_note"] == "" and cleared["customer_note"] == "aisle seat"
    # the same key and body replay the first answer, even after the booking changed: no new booking
    again = sq.book("2027-01-08T15:00:00Z", key="notes-1", customer_note="window seat",
                    seller_note="[aptura:aptref_0123456789abcdef0123]")["booking"]
    assert again == made
    assert len(sq.state()["bookings"]) == len(S.bookings()) + 1
    sq.error("POST", "/v2/bookings", sq.booking_body("2027-01-08T15:00:00Z", key="x", seller_note="n" * 4097),
             status=400, code="VALUE_TOO_LONG")


def test_overlapping_booking_is_refused(sq: Square) -> None:
    sq.book("2027-01-08T15:00:00Z", variation=S.BLOWOUT_VAR)  # 10:00-10:45 local
    err = sq.error("POST", "/v2/bookings", sq.booking_body("2027-01-08T15:30:00Z"), status=409, code="CONFLICT")
    assert err["category"] == "INVALID_REQUEST_ERROR" and err["field"] == "booking.start_at"
    sq.book("2027-01-08T15:45:00Z")  # back to back is fine
    sq.book("2027-01-08T15:30:00Z", member=S.TM_JORDAN)  # another team member is free
    sq.error("POST", "/v2/bookings", sq.booking_body("2027-01-05T15:15:00Z"), status=409, code="CONFLICT")  # seed


def _concurrent_client() -> httpx.Client:
    # one client, twenty connections: building a client per thread costs more than the race itself
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
    return httpx.Client(timeout=30, limits=limits, headers={"Authorization": f"Bearer {TOKEN}"})


def test_twenty_concurrent_bookings_of_one_slot(sq: Square) -> None:
    def attempt(i: int) -> tuple[int, dict[str, Any]]:
        body = sq.booking_body("2027-01-12T16:00:00Z", key=f"race-{i}")
        resp = client.post(f"{sq.base}/v2/bookings", json=body)
        return resp.status_code, resp.json()

    with _concurrent_client() as client, ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(attempt, range(20)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 19
    assert all(body["errors"][0]["code"] == "CONFLICT" for status, body in results if status == 409)
    booked = [b for b in sq.state()["bookings"] if b["start_at"] == "2027-01-12T16:00:00Z"]
    assert len(booked) == 1 and booked[0]["status"] == "ACCEPTED"


def test_concurrent_retries_with_one_key_make_one_booking(sq: Square) -> None:
    def attempt(_: int) -> str:
        body = sq.booking_body("2027-01-12T17:00:00Z", key="one-key")
        resp = client.post(f"{sq.base}/v2/bookings", json=body)
        assert resp.status_code == 200, resp.text
        return resp.json()["booking"]["id"]  # type: ignore[no-any-return]

    with _concurrent_client() as client, ThreadPoolExecutor(max_workers=10) as pool:
        ids = set(pool.map(attempt, range(10)))
    assert len(ids) == 1
    assert len([b for b in sq.state()["bookings"] if b["start_at"] == "2027-01-12T17:00:00Z"]) == 1


@pytest.mark.parametrize(("changes", "status", "code", "field"), [
    ({"start_at": "2027-01-03T15:00:00Z"}, 400, "INVALID_VALUE", "booking.start_at"),  # past
    ({"start_at": "2027-01-10T15:00:00Z"}, 400, "INVALID_VALUE", "booking.start_at"),  # Sunday
    ({"start_at": "2027-01-08T22:00:00Z"}, 400, "INVALID_VALUE", "booking.start_at"),  # ends after 17:00
    ({"start_at": "2028-02-01T15:00:00Z"}, 400, "INVALID_VALUE", "booking.start_at"),  # beyond a year
    ({"start_at": "tomorrow"}, 400, "INVALID_TIME", "booking.start_at"),
    ({"customer": None}, 400, "MISSING_REQUIRED_PARAMETER", "booking.customer_id"),
    ({"customer": "NOPE"}, 400, "INVALID_VALUE", "booking.customer_id"),
    ({"variation": S.MASSAGE60_VAR}, 400, "INVALID_VALUE", "booking.appointment_segments[0].team_member_id"),
    ({"variation": S.POMADE_VAR}, 400, "INVALID_VALUE", "booking.appointment_segments[0].service_variation_id"),
    ({"member": S.TM_OWNER}, 400, "INVALID_VALUE", "booking.appointment_segments[0].team_member_id"),
])
def test_create_booking_validation(sq: Square, changes: dict[str, Any], status: int, code: str, field: str) -> None:
    kwargs = {"start": "2027-01-08T15:00:00Z", **changes}
    err = sq.error("POST", "/v2/bookings", sq.booking_body(kwargs.pop("start"), **kwargs), status=status, code=code)
    assert err["field"] == field


def test_create_booking_requires_variation_version_and_json(sq: Square) -> None:
    body = sq.booking_body("2027-01-08T15:00:00Z")
    del body["booking"]["appointment_segments"][0]["service_variation_version"]
    sq.error("POST", "/v2/bookings", body, status=400, code="MISSING_REQUIRED_PARAMETER")
    body["booking"]["appointment_segments"][0]["service_variation_version"] = 1
    sq.error("POST", "/v2/bookings", body, status=400, code="INVALID_VALUE")  # stale catalog version
    sq.error("POST", "/v2/bookings", {"idempotency_key": "x"}, status=400, code="MISSING_REQUIRED_PARAMETER")
    sq.error("POST", "/v2/bookings", raw=b"{not json", status=400, code="BAD_REQUEST")
    sq.error("POST", "/v2/bookings", raw=b"[1, 2]", status=400, code="EXPECTED_JSON_BODY")
    assert len(sq.state()["bookings"]) == len(S.bookings())


def test_update_booking_versions_and_conflicts(sq: Square) -> None:
    booking = sq.book("2027-01-08T15:00:00Z")["booking"]
    path = f"/v2/bookings/{booking['id']}"
    moved = sq.call("PUT", path, {"booking": {"version": 0, "start_at": "2027-01-08T16:00:00Z",
                                              "customer_note": "moved"}})["booking"]
    assert moved["version"] == 1 and moved["start_at"] == "2027-01-08T16:00:00Z" and moved["customer_note"] == "moved"
    sq.error("PUT", path, {"booking": {"version": 0, "customer_note": "stale"}}, status=409, code="CONFLICT")
    sq.error("PUT", path, {"booking": {"location_id": S.LOCATION_UPTOWN}}, status=400, code="INVALID_VALUE")
    sq.error("PUT", "/v2/bookings/k4m9q2x7w1za0b", {"booking": {"start_at": "2027-01-08T16:00:00Z"}}, status=409,
             code="CONFLICT")
    found = sq.availability("2027-01-08T05:00:00Z", "2027-01-09T05:00:00Z", members=[S.TM_AVA])
    assert "2027-01-08T15:00:00Z" in starts(found) and "2027-01-08T16:00:00Z" not in starts(found)


def test_cancel_booking(sq: Square) -> None:
    booking = sq.book("2027-01-08T15:00:00Z")["booking"]
    path = f"/v2/bookings/{booking['id']}/cancel"
    sq.error("POST", path, {"booking_version": 5}, status=409, code="CONFLICT")
    cancelled = sq.call("POST", path, {"booking_version": 0, "idempotency_key": "cancel-1"})["booking"]
    assert cancelled["status"] == "CANCELLED_BY_CUSTOMER" and cancelled["version"] == 1
    assert sq.call("POST", path, {"booking_version": 0, "idempotency_key": "cancel-1"})["booking"] == cancelled
    sq.error("POST", path, {}, status=400, code="BAD_REQUEST")  # already cancelled
    assert "2027-01-08T15:00:00Z" in starts(
        sq.availability("2027-01-08T05:00:00Z", "2027-01-09T05:00:00Z", members=[S.TM_AVA]))
    # a seller-level token (APPOINTMENTS_ALL_WRITE) cancels on the seller's behalf
    seller = sq.call("POST", "/v2/bookings/k4m9q2x7w1za0b/cancel", {}, token=S.PERSONAL_ACCESS_TOKEN)["booking"]
    assert seller["status"] == "CANCELLED_BY_SELLER"
    sq.clock("2027-01-05T20:00:00Z")
    sq.error("POST", "/v2/bookings/p8r3t6v1y5cd2e/cancel", {}, status=400, code="BAD_REQUEST")  # already started


def test_list_bookings_filters_and_pages(sq: Square) -> None:
    default = sq.call("GET", "/v2/bookings")["bookings"]  # now .. now + 31 days
    assert [b["id"] for b in default] == ["k4m9q2x7w1za0b", "p8r3t6v1y5cd2e", "f7g2h9j4k1lm3n"]
    window = {"start_at_min": "2027-01-01T00:00:00Z", "start_at_max": "2027-12-31T00:00:00Z"}
    everything = sq.call("GET", "/v2/bookings", params=window)["bookings"]
    assert len(everything) == 9 and [b["start_at"] for b in everything] == sorted(b["start_at"] for b in everything)
    paged: list[str] = []
    cursor = None
    while True:
        page = sq.call("GET", "/v2/bookings", params={**window, "limit": 4, **({"cursor": cursor} if cursor else {})})
        paged += [b["id"] for b in page["bookings"]]
        cursor = page.get("cursor")
        if not cursor:
            break
    assert paged == [b["id"] for b in everything]
    ava = sq.call("GET", "/v2/bookings", params={**window, "team_member_id": S.TM_AVA})["bookings"]
    assert len(ava) == 5
    uptown = sq.call("GET", "/v2/bookings", params={**window, "location_id": S.LOCATION_UPTOWN})["bookings"]
    assert [b["id"] for b in uptown] == ["u4i7o1p3a6s9dt"]
    maria = sq.call("GET", "/v2/bookings", params={**window, "customer_id": S.CUSTOMER_MARIA})["bookings"]
    assert len(maria) == 3
    first = sq.call("GET", "/v2/bookings", params={**window, "limit": 4})
    sq.error("GET", "/v2/bookings", params={**window, "limit": 4, "team_member_id": S.TM_AVA,
                                            "cursor": first["cursor"]}, status=400, code="INVALID_CURSOR")
    sq.error("GET", "/v2/bookings", params={"start_at_min": "yesterday"}, status=400, code="INVALID_TIME")
    bulk = sq.call("POST", "/v2/bookings/bulk-retrieve", {"booking_ids": ["k4m9q2x7w1za0b", "nope"]})["bookings"]
    assert bulk["k4m9q2x7w1za0b"]["booking"]["start_at"] == "2027-01-05T15:00:00Z"
    assert bulk["nope"]["errors"][0]["code"] == "NOT_FOUND"


def test_buyer_level_token_sees_only_its_own_bookings(sq: Square) -> None:
    buyer = sq.token("APPOINTMENTS_READ APPOINTMENTS_WRITE")["access_token"]
    window = {"start_at_min": "2027-01-01T00:00:00Z", "start_at_max": "2027-12-31T00:00:00Z"}
    assert sq.call("GET", "/v2/bookings", params=window, token=buyer)["bookings"] == []
    mine = sq.book("2027-01-08T15:00:00Z", token=buyer)["booking"]
    assert "source" not in mine and mine["creator_details"] == {"creator_type": "CUSTOMER",
                                                                  "customer_id": S.CUSTOMER_JANE}
    assert [b["id"] for b in sq.call("GET", "/v2/bookings", params=window, token=buyer)["bookings"]] == [mine["id"]]
    sq.error("GET", "/v2/bookings/k4m9q2x7w1za0b", token=buyer, status=404, code="NOT_FOUND")
    # availability still reflects the whole calendar
    found = sq.availability("2027-01-05T05:00:00Z", "2027-01-06T05:00:00Z", members=[S.TM_AVA], token=buyer)
    assert "2027-01-05T15:00:00Z" not in starts(found)
    err = sq.error("GET", "/v2/locations", token=buyer, status=403, code="INSUFFICIENT_SCOPES")
    assert err["category"] == "AUTHENTICATION_ERROR"


def test_unknown_path_and_wrong_method(sq: Square) -> None:
    sq.error("GET", "/v2/widgets", status=404, code="NOT_FOUND")
    err = sq.error("DELETE", "/v2/locations", status=405, code="METHOD_NOT_ALLOWED")
    assert err["category"] == "INVALID_REQUEST_ERROR"


def test_demo_constant_matches_seed(sq: Square) -> None:
    assert set(DEMO) == {"config", "credentials", "service_id", "staff_id", "booking_request", "slot_taken_wordings",
                         "refusal_fault"}
    booking_request = re.compile(DEMO["booking_request"]["path"])
    assert DEMO["booking_request"]["method"] == "POST" and booking_request.search("/v2/bookings")
    assert not booking_request.search("/v2/bookings/availability/search")
    variation = sq.call("GET", f"/v2/catalog/object/{DEMO['service_id']}")["object"]
    assert DEMO["staff_id"] in variation["item_variation_data"]["team_member_ids"]
    assert sq.call("GET", f"/v2/locations/{DEMO['config']['location_id']}")["location"]["timezone"] == \
        DEMO["config"]["timezone"]


# -- the official SDK (PyPI squareup) ---------------------------------------------------------------------
def test_squareup_sdk_booking_flow(sq: Square) -> None:
    client = SquareSDK(token=TOKEN, base_url=sq.base)
    locations = client.locations.list().locations or []
    assert [loc.id for loc in locations] == [S.LOCATION_MAIN, S.LOCATION_UPTOWN]
    found = client.bookings.search_availability(query={"filter": {
        "start_at_range": {"start_at": "2027-01-08T05:00:00Z", "end_at": "2027-01-09T05:00:00Z"},
        "location_id": LOC, "segment_filters": [{"service_variation_id": DEMO["service_id"],
                                                  "team_member_id_filter": {"any": [DEMO["staff_id"]]}}]}})
    slot = (found.availabilities or [])[0]
    assert slot.start_at == "2027-01-08T14:00:00Z"
    customer = client.customers.create(given_name="Sdk", family_name="User", email_address="sdk@example.com",
                                       idempotency_key="sdk-customer").customer
    assert customer is not None and customer.id
    segments = [{"team_member_id": s.team_member_id, "service_variation_id": s.service_variation_id,
                 "service_variation_version": s.service_variation_version} for s in slot.appointment_segments or []]
    created = client.bookings.create(idempotency_key="sdk-booking", booking={
        "location_id": LOC, "start_at": slot.start_at, "customer_id": customer.id,
        "appointment_segments": segments}).booking
    assert created is not None and created.status == "ACCEPTED" and created.version == 0
    fetched = client.bookings.get(booking_id=created.id).booking
    assert fetched is not None and fetched.start_at == "2027-01-08T14:00:00Z"
    cancelled = client.bookings.cancel(booking_id=created.id, booking_version=fetched.version).booking
    assert cancelled is not None and cancelled.status == "CANCELLED_BY_CUSTOMER" and cancelled.version == 1
    listed = [b.id for b in client.bookings.list(limit=2, start_at_min="2027-01-01T00:00:00Z",
                                                 start_at_max="2027-12-31T00:00:00Z")]
    assert len(listed) == 10 and created.id in listed  # the pager followed the cursors
    matches = client.customers.search(query={"filter": {"email_address": {"exact": "SDK@example.com"}}})
    assert [c.id for c in matches.customers or []] == [customer.id]


def test_squareup_sdk_errors_and_oauth(sq: Square) -> None:
    client = SquareSDK(token=TOKEN, base_url=sq.base)
    with pytest.raises(ApiError) as conflict:
        client.bookings.create(booking={
            "location_id": LOC, "start_at": "2027-01-05T15:00:00Z", "customer_id": S.CUSTOMER_JANE,
            "appointment_segments": [{"team_member_id": S.TM_AVA, "service_variation_id": S.HAIRCUT_VAR,
                                      "service_variation_version": S.CATALOG_VERSION}]},
            request_options={"max_retries": 0})
    assert conflict.value.status_code == 409
    assert [(e.category, e.code) for e in conflict.value.errors] == [("INVALID_REQUEST_ERROR", "CONFLICT")]
    with pytest.raises(ApiError) as unauthorized:
        SquareSDK(token="EAAAbogus", base_url=sq.base).locations.list()
    assert unauthorized.value.status_code == 401 and unauthorized.value.errors[0].code == "UNAUTHORIZED"
    oauth = SquareSDK(base_url=sq.base).o_auth
    token = oauth.obtain_token(client_id=APP_ID, client_secret=SECRET, grant_type="refresh_token",
                               refresh_token=DEMO["credentials"]["refresh_token"])
    assert token.access_token and token.refresh_token == DEMO["credentials"]["refresh_token"]
    fresh = SquareSDK(token=token.access_token, base_url=sq.base)
    assert fresh.o_auth.retrieve_token_status().merchant_id == S.MERCHANT_ID
    assert sq.app.admin_state()["refresh_grant_calls"] == 1


# -- BulkRetrieveCustomers (not in the OpenAPI subset: checked against its Customer/Error schemas) ----------
def test_bulk_retrieve_customers(sq: Square, spec: SquareSpec) -> None:
    created = sq.call("POST", "/v2/customers", {"given_name": "Bulk", "email_address": "bulk@example.com"})["customer"]
    ids = [S.CUSTOMER_JANE, "NOPE", created["id"], S.CUSTOMER_JANE]
    data = sq.call("POST", "/v2/customers/bulk-retrieve", {"customer_ids": ids})
    assert set(data) == {"responses"} and list(data["responses"]) == [S.CUSTOMER_JANE, "NOPE", created["id"]]
    assert data["responses"][S.CUSTOMER_JANE]["customer"]["email_address"] == "jane.doe@example.com"
    assert data["responses"][created["id"]]["customer"] == created
    for entry in (data["responses"][S.CUSTOMER_JANE], data["responses"][created["id"]]):
        assert set(entry) == {"customer"}
        assert not spec.errors("#/components/schemas/Customer", entry["customer"], write=False)
    missing = data["responses"]["NOPE"]
    assert set(missing) == {"errors"} and missing["errors"][0]["code"] == "NOT_FOUND"
    assert not spec.errors("#/components/schemas/Error", missing["errors"][0], write=False)

    sq.error("POST", "/v2/customers/bulk-retrieve", {}, status=400, code="MISSING_REQUIRED_PARAMETER")
    err = sq.error("POST", "/v2/customers/bulk-retrieve", {"customer_ids": [f"C{i}" for i in range(101)]},
                   status=400, code="ARRAY_LENGTH_TOO_LONG")
    assert err["field"] == "customer_ids"
    sq.error("POST", "/v2/customers/bulk-retrieve", {"customer_ids": [1]}, status=400, code="EXPECTED_STRING")
    sq.error("GET", "/v2/customers/bulk-retrieve", status=404, code="NOT_FOUND")  # it is a POST; GET reads an id
    buyer = sq.token("APPOINTMENTS_READ")["access_token"]
    sq.error("POST", "/v2/customers/bulk-retrieve", {"customer_ids": [S.CUSTOMER_JANE]}, token=buyer, status=403,
             code="INSUFFICIENT_SCOPES")


def test_squareup_sdk_bulk_retrieves_customers(sq: Square) -> None:
    client = SquareSDK(token=TOKEN, base_url=sq.base)
    result = client.customers.bulk_retrieve_customers(customer_ids=[S.CUSTOMER_JOHN, "NOPE"])
    responses = result.responses or {}
    john = responses[S.CUSTOMER_JOHN].customer
    assert john is not None and john.given_name == "John" and john.email_address == "john.smith@example.com"
    assert [(e.category, e.code) for e in responses["NOPE"].errors or []] == [("INVALID_REQUEST_ERROR", "NOT_FOUND")]


# -- what specs/square.yaml's update and cancel rely on ------------------------------------------------------
def test_update_booking_reassigns_the_team_member(sq: Square) -> None:
    booking = sq.book("2027-01-12T15:00:00Z")["booking"]
    path = f"/v2/bookings/{booking['id']}"
    to_jordan = {"team_member_id": S.TM_JORDAN, "service_variation_id": S.HAIRCUT_VAR,
                 "service_variation_version": S.CATALOG_VERSION}
    moved = sq.call("PUT", path, {"idempotency_key": "reassign-1",
                                  "booking": {"version": 0, "appointment_segments": [to_jordan]}})["booking"]
    assert moved["appointment_segments"][0]["team_member_id"] == S.TM_JORDAN and moved["version"] == 1
    assert moved["start_at"] == "2027-01-12T15:00:00Z"
    day = ("2027-01-12T05:00:00Z", "2027-01-13T05:00:00Z")
    assert "2027-01-12T15:00:00Z" in starts(sq.availability(*day, members=[S.TM_AVA]))
    assert "2027-01-12T15:00:00Z" not in starts(sq.availability(*day, members=[S.TM_JORDAN]))
    # the same key and body replay the stored answer; the version did not move again
    again = sq.call("PUT", path, {"idempotency_key": "reassign-1",
                                  "booking": {"version": 0, "appointment_segments": [to_jordan]}})["booking"]
    assert again == moved
    # Jordan is busy at 15:00 on another booking of Ava's being moved onto him
    other = sq.book("2027-01-12T15:00:00Z")["booking"]
    err = sq.error("PUT", f"/v2/bookings/{other['id']}",
                   {"booking": {"version": 0, "appointment_segments": [to_jordan]}}, status=409, code="CONFLICT")
    assert err["field"] == "booking.start_at"
    # Ava cannot do 60-minute massages
    massage = {"team_member_id": S.TM_AVA, "service_variation_id": S.MASSAGE60_VAR,
               "service_variation_version": S.CATALOG_VERSION}
    sq.error("PUT", path, {"booking": {"version": 1, "appointment_segments": [massage]}}, status=400,
             code="INVALID_VALUE")
    assert sq.call("GET", path)["booking"] == moved


def test_cancel_is_refused_for_a_no_show_or_a_declined_booking(sq: Square) -> None:
    booking = sq.book("2027-01-12T15:00:00Z")["booking"]
    with sq.app.lock:  # the seller marks it a no-show in the dashboard
        sq.app.bookings[booking["id"]]["status"] = "NO_SHOW"
    sq.error("POST", f"/v2/bookings/{booking['id']}/cancel", {}, status=400, code="BAD_REQUEST")
