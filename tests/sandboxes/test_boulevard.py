"""Boulevard sandbox: Client API auth, cart flow, availability, reservations, checkout, SDK."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandboxes.boulevard import DEMO, BoulevardSandbox, seed
from sandboxes.boulevard.auth import basic_header, make_client_token
from sandboxes.core import RunningServer, serve

BUSINESS = DEMO["config"]["businessId"]
API_KEY = DEMO["credentials"]["apiKey"]
SECRET = seed.SECRET_KEY
DOWNTOWN = DEMO["config"]["locationId"]
HAIRCUT = DEMO["service_id"]
AVA = DEMO["staff_id"]
NOW = "2027-01-04T00:00:00Z"
SDK_DIR = Path(__file__).with_name("boulevard_sdk")

CART_FIELDS = """
  id expiresAt startTime endTime startTimeId completedAt
  errors { code message description }
  clientInformation { firstName lastName email phoneNumber }
  summary { subtotal total gratuityAmount paymentMethodRequired }
  selectedItems { id ... on CartBookableItem { startTime price errors { code }
    selectedStaffVariant { id duration staff { id } } } }
"""


class Api:
    """A tiny Client API caller for the tests."""

    def __init__(self, running: RunningServer) -> None:
        self.base = f"{running.url}/boulevard"
        self.url = f"{self.base}/api/2020-01/{BUSINESS}/client"
        self.http = httpx.Client(timeout=10)
        app = running.app("boulevard")
        assert isinstance(app, BoulevardSandbox)
        self.app: BoulevardSandbox = app

    def post(self, body: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        hdrs = {"Authorization": basic_header(API_KEY)} if headers is None else headers
        return self.http.post(self.url, json=body, headers=hdrs)

    def gql(self, query: str, variables: dict[str, Any] | None = None, token: str = "") -> dict[str, Any]:
        resp = self.http.post(self.url, json={"query": query, "variables": variables},
                              headers={"Authorization": basic_header(API_KEY, token)})
        assert resp.status_code == 200, resp.text
        body: dict[str, Any] = resp.json()
        return body

    def ok(self, query: str, variables: dict[str, Any] | None = None, token: str = "") -> dict[str, Any]:
        body = self.gql(query, variables, token)
        assert "errors" not in body, body
        data: dict[str, Any] = body["data"]
        return data

    def error(self, query: str, variables: dict[str, Any] | None = None, token: str = "") -> dict[str, Any]:
        body = self.gql(query, variables, token)
        assert body.get("errors"), body
        error: dict[str, Any] = body["errors"][0]
        return error

    def clock(self, now: str) -> None:
        self.http.post(f"{self.base}/_sandbox/clock", json={"now": now}).raise_for_status()

    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = self.http.get(f"{self.base}/_sandbox/state").json()
        return data

    # -- cart flow helpers -----------------------------------------------------------------
    def create_cart(self, location: str | None = DOWNTOWN, **extra: Any) -> str:
        data = self.ok("mutation($i: CreateCartInput!) { createCart(input: $i) { cart { id } } }",
                       {"i": {"locationId": location, **extra}})
        cart_id: str = data["createCart"]["cart"]["id"]
        return cart_id

    def add_item(self, cart: str, service: str = HAIRCUT, variant: str | None = None) -> dict[str, Any]:
        data = self.ok(f"mutation($i: AddCartSelectedBookableItemInput!) {{ addCartSelectedBookableItem(input: $i) "
                       f"{{ cart {{ {CART_FIELDS} }} }} }}",
                       {"i": {"id": cart, "itemId": service, "itemStaffVariantId": variant}})
        cart_data: dict[str, Any] = data["addCartSelectedBookableItem"]["cart"]
        return cart_data

    def times(self, cart: str, day: str, **args: Any) -> list[dict[str, Any]]:
        data = self.ok("query($id: ID!, $d: Date!, $tz: Tz, $v: [ID!]) { cartBookableTimes(id: $id, searchDate: $d,"
                       " tz: $tz, staffVariantIds: $v) { id startTime score } }",
                       {"id": cart, "d": day, "tz": args.get("tz"), "v": args.get("variants")})
        times: list[dict[str, Any]] = data["cartBookableTimes"]
        return times

    def reserve_body(self, cart: str, time_id: str) -> dict[str, Any]:
        return self.gql(f"mutation($i: ReserveCartBookableItemsInput!) {{ reserveCartBookableItems(input: $i) "
                        f"{{ cart {{ {CART_FIELDS} }} }} }}", {"i": {"id": cart, "bookableTimeId": time_id}})

    def reserve(self, cart: str, time_id: str) -> dict[str, Any]:
        body = self.reserve_body(cart, time_id)
        assert "errors" not in body, body
        cart_data: dict[str, Any] = body["data"]["reserveCartBookableItems"]["cart"]
        return cart_data

    def client_info(self, cart: str, first: str = "Zoe", email: str = "zoe@example.com") -> dict[str, Any]:
        data = self.ok(f"mutation($i: UpdateCartInput!) {{ updateCart(input: $i) {{ cart {{ {CART_FIELDS} }} }} }}",
                       {"i": {"id": cart, "clientInformation": {"firstName": first, "lastName": "Quinn",
                                                                "email": email, "phoneNumber": "+13105555555"}}})
        cart_data: dict[str, Any] = data["updateCart"]["cart"]
        return cart_data

    def checkout_body(self, cart: str) -> dict[str, Any]:
        return self.gql("mutation($i: CheckoutCartInput!) { checkoutCart(input: $i) { cart { id completedAt } "
                        "appointments { appointmentId clientId forCartOwner } } }", {"i": {"id": cart}})

    def variant_id(self, service: str, staff: str) -> str:
        return seed.urn("StaffVariant", f"{service}/{staff}")


@pytest.fixture(scope="module")
def running() -> Iterator[RunningServer]:
    server = serve([BoulevardSandbox()])
    yield server
    server.stop()


@pytest.fixture
def api(running: RunningServer) -> Iterator[Api]:
    client = Api(running)
    client.http.post(f"{client.base}/_sandbox/reset").raise_for_status()
    client.clock(NOW)
    yield client
    client.http.close()


def jane_token(now: str = NOW, client: str = seed.CLIENT_JANE) -> str:
    ts = int(datetime.fromisoformat(now.replace("Z", "+00:00")).timestamp())
    return make_client_token(BUSINESS, client, SECRET, ts)


# -- auth -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("header", [
    None,
    "Bearer abc",
    "Basic !!!not-base64!!!",
    basic_header("00000000-0000-0000-0000-000000000000"),
])
def test_bad_credentials_are_401_unauthenticated(api: Api, header: str | None) -> None:
    resp = api.post({"query": "{ business { id } }"}, headers={} if header is None else {"Authorization": header})
    assert resp.status_code == 401
    assert resp.json()["errors"][0]["code"] == "UNAUTHENTICATED"


def test_wrong_business_in_path_is_401(api: Api) -> None:
    resp = api.http.post(api.url.replace(BUSINESS, "11111111-1111-1111-1111-111111111111"),
                         json={"query": "{ business { id } }"}, headers={"Authorization": basic_header(API_KEY)})
    assert resp.status_code == 401


def test_client_token_recipe_signed_independently(api: Api) -> None:
    # Build the token by hand from the documented recipe, not with the sandbox's helper.
    ts = int(datetime(2027, 1, 4, tzinfo=UTC).timestamp())
    client_uuid = seed.CLIENT_JANE.rsplit(":", 1)[1]
    payload = f"blvd-client-v1{BUSINESS}{client_uuid}{ts}"
    signature = base64.b64encode(hmac.new(base64.b64decode(SECRET), payload.encode(), hashlib.sha256).digest())
    data = api.ok("{ client { id firstName email } }", token=signature.decode() + payload)
    assert data["client"] == {"id": seed.CLIENT_JANE, "firstName": "Jane", "email": "jane.doe@example.com"}


@pytest.mark.parametrize("token", [
    jane_token("2027-01-03T23:54:00Z"),  # six minutes old
    jane_token()[:10] + ("A" if jane_token()[10] != "A" else "B") + jane_token()[11:],  # tampered signature
    make_client_token("11111111-1111-1111-1111-111111111111", seed.CLIENT_JANE, SECRET, 1799020800),
    make_client_token(BUSINESS, "urn:blvd:Client:99999999-9999-9999-9999-999999999999", SECRET, 1799020800),
    "blvd-client-v1-garbage",
])
def test_bad_client_tokens_are_rejected(api: Api, token: str) -> None:
    resp = api.post({"query": "{ client { id } }"}, headers={"Authorization": basic_header(API_KEY, token)})
    assert resp.status_code == 401
    assert resp.json()["errors"][0]["code"] == "UNAUTHENTICATED"


def test_anonymous_access_to_client_data_is_a_graphql_error(api: Api) -> None:
    for query, field in (("{ client { id } }", "client"), ("{ myAppointments(first: 5) { edges { cursor } } }",
                                                           "myAppointments")):
        body = api.gql(query)
        assert body["data"] == {field: None}
        assert body["errors"][0]["code"] == "UNAUTHENTICATED"
        assert body["errors"][0]["path"] == [field]
        assert body["errors"][0]["locations"] == [{"line": 1, "column": 3}]


# -- GraphQL transport ------------------------------------------------------------------------------
def test_validation_errors_have_locations_and_no_data(api: Api) -> None:
    body = api.gql("{ business { id nope } }")
    assert "data" not in body
    assert "nope" in body["errors"][0]["message"]
    assert body["errors"][0]["locations"] == [{"line": 1, "column": 17}]


def test_missing_query_and_bad_json_are_400(api: Api) -> None:
    assert api.post({"variables": {}}).status_code == 400
    resp = api.http.post(api.url, content=b"{not json", headers={"Authorization": basic_header(API_KEY),
                                                                  "Content-Type": "application/json"})
    assert resp.status_code == 400


def test_application_graphql_body_and_introspection(api: Api) -> None:
    resp = api.http.post(api.url, content=b'{ __type(name: "CartErrorCode") { enumValues { name } } }',
                         headers={"Authorization": basic_header(API_KEY), "Content-Type": "application/graphql"})
    names = {v["name"] for v in resp.json()["data"]["__type"]["enumValues"]}
    assert {"CART_MISSING_ITEM_TIME", "CART_MISSING_CLIENT_INFORMATION", "CART_MISSING_LOCATION"} <= names
    data = api.ok("{ __schema { queryType { name } mutationType { name } } }")
    assert data["__schema"] == {"queryType": {"name": "RootQueryType"}, "mutationType": {"name": "RootMutationType"}}


def test_injected_fault_from_core(api: Api) -> None:
    api.http.post(f"{api.base}/_sandbox/faults", json={"rules": [{"path": "/client$", "status": 503, "count": 1}]})
    assert api.post({"query": "{ business { id } }"}).status_code == 503
    assert api.post({"query": "{ business { id } }"}).status_code == 200


def test_invalid_scalars_are_rejected(api: Api) -> None:
    cart = api.create_cart()
    for info in ({"firstName": "A", "email": "not-an-email"}, {"firstName": "A", "phoneNumber": "555-1234"}):
        err = api.error("mutation($i: UpdateCartInput!) { updateCart(input: $i) { cart { id } } }",
                        {"i": {"id": cart, "clientInformation": info}})
        assert "invalid value" in err["message"]
    err = api.error("query($id: ID!) { cartBookableTimes(id: $id, searchDate: \"01/05/2027\") { id } }", {"id": cart})
    assert "Date" in err["message"]
    err = api.error("query($id: ID!) { cartBookableTimes(id: $id, searchDate: \"2027-01-05\", tz: \"Mars/Base\")"
                    " { id } }", {"id": cart})
    assert "Tz" in err["message"]


# -- business, locations, services, staff ------------------------------------------------------------
def test_business_and_location_pagination(api: Api) -> None:
    data = api.ok("{ business { id name tz locations(first: 100) { edges { node { id } } } } }")
    assert data["business"]["tz"] == "America/New_York"
    assert data["business"]["id"] == f"urn:blvd:Business:{BUSINESS}"
    assert len(data["business"]["locations"]["edges"]) == 2
    page = api.ok("{ locations(first: 1) { edges { cursor node { id name tz } } pageInfo { hasNextPage endCursor } } }")
    first = page["locations"]
    assert first["edges"][0]["node"] == {"id": DOWNTOWN, "name": "Downtown", "tz": "America/New_York"}
    assert first["pageInfo"]["hasNextPage"] is True
    nxt = api.ok("query($a: String) { locations(first: 1, after: $a) { edges { node { name } } "
                 "pageInfo { hasNextPage hasPreviousPage } } }", {"a": first["pageInfo"]["endCursor"]})
    assert nxt["locations"]["edges"][0]["node"]["name"] == "Brooklyn"
    assert nxt["locations"]["pageInfo"] == {"hasNextPage": False, "hasPreviousPage": True}
    last = api.ok("{ locations(last: 1) { edges { node { name } } } }")
    assert last["locations"]["edges"][0]["node"]["name"] == "Brooklyn"
    assert "first" in api.error("{ locations { edges { cursor } } }")["message"]


def test_available_items_and_staff_variants_per_location(api: Api) -> None:
    query = """query($id: ID!) { cart(id: $id) { availableCategories { name availableItems { __typename id name
      ... on CartAvailableBookableItem { listPriceRange { min max variable } listDurationRange { min max variable }
        staffVariants { id duration price staff { id displayName } } optionGroups { name options { name } } } } } } }"""
    downtown = api.ok(query, {"id": api.create_cart()})["cart"]["availableCategories"]
    items = {i["name"]: i for c in downtown for i in c["availableItems"]}
    assert set(items) == {"Blowout", "Women's Haircut", "Swedish Massage", "Deep Tissue Massage"}
    haircut = items["Women's Haircut"]
    assert haircut["__typename"] == "CartAvailableBookableItem"
    assert haircut["listPriceRange"] == {"min": 8500, "max": 11000, "variable": True}
    assert haircut["listDurationRange"] == {"min": 45, "max": 60, "variable": True}
    assert {v["staff"]["id"] for v in haircut["staffVariants"]} == {AVA, seed.STAFF_BEN}
    assert haircut["optionGroups"][0]["options"][0]["name"] == "Deep conditioning"
    brooklyn = api.ok(query, {"id": api.create_cart(seed.LOC_BROOKLYN)})["cart"]["availableCategories"]
    assert {i["name"] for c in brooklyn for i in c["availableItems"]} == {"Swedish Massage", "Deep Tissue Massage"}


# -- availability ---------------------------------------------------------------------------------
def test_times_are_working_hours_minus_bookings(api: Api) -> None:
    cart = api.create_cart()
    api.add_item(cart, variant=api.variant_id(HAIRCUT, AVA))
    starts = [t["startTime"] for t in api.times(cart, "2027-01-05")]
    # Ava works 09:00-17:00 and has a 10:00-10:45 booking; a 45-minute haircut must fit around it.
    assert starts[0] == "2027-01-05T09:00:00-05:00"
    assert "2027-01-05T09:15:00-05:00" in starts  # ends exactly when the booking starts
    assert not any(f"T{hhmm}:00-05:00" in s for s in starts for hhmm in ("09:30", "09:45", "10:00", "10:30"))
    assert "2027-01-05T10:45:00-05:00" in starts
    assert starts[-1] == "2027-01-05T16:15:00-05:00"
    assert api.times(cart, "2027-01-10") == []  # Sunday
    # The cancelled seed booking (Jan 6, 11:00) does not block.
    assert "2027-01-06T11:00:00-05:00" in [t["startTime"] for t in api.times(cart, "2027-01-06")]


def test_staff_variant_filter_selects_staff(api: Api) -> None:
    cart = api.create_cart()
    api.add_item(cart)  # no preference
    ben = api.variant_id(HAIRCUT, seed.STAFF_BEN)
    any_staff = {t["startTime"] for t in api.times(cart, "2027-03-13")}
    ben_only = {t["startTime"] for t in api.times(cart, "2027-03-13", variants=[ben])}
    # Ben is booked 16:00-17:00 on Sat 2027-03-13; Ava is free then.
    assert "2027-03-13T16:00:00-05:00" in any_staff
    assert "2027-03-13T16:00:00-05:00" not in ben_only
    assert "2027-03-13T15:00:00-05:00" in ben_only  # 60-minute Ben haircut ends at 16:00


def test_spring_forward_week(api: Api) -> None:
    cart = api.create_cart()
    api.add_item(cart, variant=api.variant_id(HAIRCUT, AVA))
    dates = api.ok("query($id: ID!) { cartBookableDates(id: $id, searchRangeLower: \"2027-03-12\", "
                   "searchRangeUpper: \"2027-03-16\") { date } }", {"id": cart})["cartBookableDates"]
    assert [d["date"] for d in dates] == ["2027-03-12", "2027-03-13", "2027-03-15", "2027-03-16"]
    before = api.times(cart, "2027-03-13")
    after = api.times(cart, "2027-03-15")
    assert before[0]["startTime"] == "2027-03-13T09:00:00-05:00"
    # Monday after the change: EDT, and Ava's 09:00-09:30 blowout pushes her first haircut to 09:30.
    assert after[0]["startTime"] == "2027-03-15T09:30:00-04:00"
    assert after[0]["id"] == "t_2027-03-15T09:30:00"
    reserved = api.reserve(cart, after[0]["id"])
    assert reserved["startTime"] == "2027-03-15T09:30:00"  # NaiveDateTime, location wall time
    assert reserved["endTime"] == "2027-03-15T10:15:00"


def test_fall_back_week(api: Api) -> None:
    cart = api.create_cart(seed.LOC_BROOKLYN)
    api.add_item(cart, service=seed.SVC_DEEP)
    saturday = [t["startTime"] for t in api.times(cart, "2027-11-06")]
    assert saturday[0] == "2027-11-06T10:30:00-04:00"  # Cleo's 09:00-10:30 seed booking, still EDT
    downtown = api.create_cart()
    api.add_item(downtown, variant=api.variant_id(HAIRCUT, seed.STAFF_BEN))
    monday = [t["startTime"] for t in api.times(downtown, "2027-11-08")]
    assert monday[0] == "2027-11-08T09:00:00-05:00"
    assert "2027-11-08T11:00:00-05:00" not in monday and "2027-11-08T12:00:00-05:00" in monday


def test_tz_argument_shifts_dates_and_offsets(api: Api) -> None:
    cart = api.create_cart()
    api.add_item(cart, variant=api.variant_id(HAIRCUT, AVA))
    tokyo = api.times(cart, "2027-01-06", tz="Asia/Tokyo")
    # Tokyo's Jan 6 is New York's Jan 5 10:00 to Jan 6 10:00; Ava is busy 10:00-10:45 on Jan 5.
    assert tokyo[0]["startTime"] == "2027-01-06T00:45:00+09:00"
    assert tokyo[0]["id"] == "t_2027-01-05T10:45:00"
    assert tokyo[-1]["startTime"] == "2027-01-06T23:45:00+09:00"  # Jan 6 09:45 New York
    london = api.times(cart, "2027-01-05", tz="Europe/London")
    assert london[0]["startTime"] == "2027-01-05T14:00:00Z"


def test_bookable_dates_limit_window_and_lead_time(api: Api) -> None:
    cart = api.create_cart()
    api.add_item(cart)
    q = ("query($id: ID!, $lo: Date, $hi: Date, $l: Int) { cartBookableDates(id: $id, searchRangeLower: $lo, "
         "searchRangeUpper: $hi, limit: $l) { date } }")
    default = [d["date"] for d in api.ok(q, {"id": cart})["cartBookableDates"]]
    # Lower defaults to today in the location zone (Sunday 2027-01-03, closed), upper to lower + 7 days.
    assert default == ["2027-01-04", "2027-01-05", "2027-01-06", "2027-01-07", "2027-01-08", "2027-01-09"]
    limited = api.ok(q, {"id": cart, "lo": "2026-12-01", "hi": "2027-01-31", "l": 2})["cartBookableDates"]
    assert [d["date"] for d in limited] == ["2027-01-04", "2027-01-05"]  # past dates are clamped away
    api.clock("2027-01-05T21:30:00Z")  # 16:30 in New York: nothing fits before 17:00 plus one hour lead
    assert [d["date"] for d in api.ok(q, {"id": cart, "lo": "2027-01-05", "hi": "2027-01-06"})
            ["cartBookableDates"]] == ["2027-01-06"]


def test_lead_time_and_past_times_cannot_be_reserved(api: Api) -> None:
    api.clock("2027-01-05T14:30:00Z")  # 09:30 New York
    cart = api.create_cart()
    api.add_item(cart, variant=api.variant_id(HAIRCUT, AVA))
    assert api.times(cart, "2027-01-05")[0]["startTime"] == "2027-01-05T10:45:00-05:00"
    err = api.reserve_body(cart, "t_2027-01-05T09:00:00")["errors"][0]
    assert err["code"] == "BOOKABLE_TIME_UNAVAILABLE"
    assert api.reserve_body(cart, "t_garbage")["errors"][0]["code"] == "NOT_FOUND"


def test_bookable_staff_variants_for_a_time(api: Api) -> None:
    cart = api.create_cart()
    item = api.add_item(cart)["selectedItems"][0]["id"]
    q = ("query($id: ID!, $item: ID!, $t: ID!) { cartBookableStaffVariants(id: $id, itemId: $item, "
         "bookableTimeId: $t) { id staff { id } } }")
    busy_ava = api.ok(q, {"id": cart, "item": item, "t": "t_2027-01-05T10:00:00"})["cartBookableStaffVariants"]
    assert [v["staff"]["id"] for v in busy_ava] == [seed.STAFF_BEN]
    both = api.ok(q, {"id": cart, "item": item, "t": "t_2027-01-05T13:00:00"})["cartBookableStaffVariants"]
    assert {v["staff"]["id"] for v in both} == {AVA, seed.STAFF_BEN}


def test_options_change_duration_and_price(api: Api) -> None:
    cart = api.create_cart()
    conditioning = seed.urn("ServiceOption", "conditioning")
    data = api.ok("mutation($i: AddCartSelectedBookableItemInput!) { addCartSelectedBookableItem(input: $i) { cart {"
                  " summary { subtotal } selectedItems { ... on CartBookableItem { selectedOptions { name } } } } } }",
                  {"i": {"id": cart, "itemId": HAIRCUT, "itemStaffVariantId": api.variant_id(HAIRCUT, AVA),
                         "itemOptionIds": [conditioning]}})["addCartSelectedBookableItem"]["cart"]
    assert data["summary"]["subtotal"] == 8500 + 2500
    assert data["selectedItems"][0]["selectedOptions"] == [{"name": "Deep conditioning"}]
    # 45 + 15 minutes: the last start that ends by 17:00 is 16:00.
    assert api.times(cart, "2027-01-05")[-1]["startTime"] == "2027-01-05T16:00:00-05:00"
    err = api.error("mutation($i: AddCartSelectedBookableItemInput!) { addCartSelectedBookableItem(input: $i) {"
                    " cart { id } } }", {"i": {"id": cart, "itemId": HAIRCUT, "itemOptionIds": [conditioning,
                                                                                               conditioning]}})
    assert err["code"] == "INVALID_OPTIONS"


# -- reservations -----------------------------------------------------------------------------------
def test_reservation_holds_slot_until_it_expires(api: Api) -> None:
    ava = api.variant_id(HAIRCUT, AVA)
    a, b = api.create_cart(), api.create_cart()
    api.add_item(a, variant=ava)
    api.add_item(b, variant=ava)
    held = api.reserve(a, "t_2027-01-05T13:00:00")
    assert held["expiresAt"] == "2027-01-04T00:10:00.000000Z"
    assert held["selectedItems"][0]["errors"] == []
    assert "t_2027-01-05T13:00:00" not in [t["id"] for t in api.times(b, "2027-01-05")]
    assert "t_2027-01-05T12:15:00" in [t["id"] for t in api.times(b, "2027-01-05")]
    assert api.reserve_body(b, "t_2027-01-05T13:00:00")["errors"][0]["code"] == "BOOKABLE_TIME_UNAVAILABLE"
    # The holder itself still sees its own time.
    assert "t_2027-01-05T13:00:00" in [t["id"] for t in api.times(a, "2027-01-05")]

    api.clock("2027-01-04T00:10:00Z")
    api.reserve(b, "t_2027-01-05T13:00:00")
    api.client_info(a)
    expired = api.ok(f"query($id: ID!) {{ cart(id: $id) {{ {CART_FIELDS} }} }}", {"id": a})["cart"]
    assert expired["expiresAt"] is None and expired["startTime"] is None
    assert [e["code"] for e in expired["errors"]] == ["CART_MISSING_ITEM_TIME"]
    assert expired["selectedItems"][0]["errors"] == [{"code": "CART_MISSING_ITEM_TIME"}]
    assert api.checkout_body(a)["errors"][0]["code"] == "CART_MISSING_ITEM_TIME"


def test_abandoned_or_changed_cart_releases_its_hold(api: Api) -> None:
    ava = api.variant_id(HAIRCUT, AVA)
    a, b = api.create_cart(), api.create_cart()
    api.add_item(a, variant=ava)
    api.add_item(b, variant=ava)
    api.reserve(a, "t_2027-01-05T13:00:00")
    api.ok("mutation($i: CartClearInput!) { cartClear(input: $i) { cart { id } } }", {"i": {"id": a}})
    api.reserve(b, "t_2027-01-05T13:00:00")
    # Adding an item invalidates the cart's own reservation (Boulevard: "invalidates existing reservations").
    after_add = api.add_item(b, service=seed.SVC_BLOWOUT)
    assert after_add["startTime"] is None
    assert "CART_MISSING_ITEM_TIME" in [e["code"] for e in after_add["errors"]]


def test_auto_assigned_staff_and_back_to_back_items(api: Api) -> None:
    cart = api.create_cart()
    api.add_item(cart)  # haircut, any staff
    api.add_item(cart, service=seed.SVC_BLOWOUT, variant=api.variant_id(seed.SVC_BLOWOUT, AVA))
    reserved = api.reserve(cart, "t_2027-01-07T13:00:00")
    first, second = reserved["selectedItems"]
    assert first["startTime"] == "2027-01-07T13:00:00"
    assert second["startTime"] == first["startTime"][:11] + ("13:45:00" if first["selectedStaffVariant"]["duration"]
                                                             == 45 else "14:00:00")
    assert reserved["summary"]["subtotal"] == first["price"] + second["price"]


# -- cart errors and checkout --------------------------------------------------------------------------
def test_cart_errors_and_location_rules(api: Api) -> None:
    cart = api.create_cart(location=None)
    errors = api.ok(f"query($id: ID!) {{ cart(id: $id) {{ {CART_FIELDS} }} }}", {"id": cart})["cart"]["errors"]
    assert [e["code"] for e in errors] == ["CART_MISSING_LOCATION", "CART_MISSING_ITEMS",
                                           "CART_MISSING_CLIENT_INFORMATION"]
    assert all(e["message"] and e["description"] for e in errors)
    assert api.checkout_body(cart)["errors"][0]["code"] == "CART_MISSING_LOCATION"
    assert api.error("query($id: ID!) { cartBookableDates(id: $id) { date } }", {"id": cart})["code"] == \
        "CART_MISSING_LOCATION"
    set_loc = "mutation($i: CartSetLocationInput!) { cartSetLocation(input: $i) { cart { location { id } } } }"
    assert api.ok(set_loc, {"i": {"id": cart, "locationId": DOWNTOWN}})["cartSetLocation"]["cart"]["location"] == {
        "id": DOWNTOWN}
    assert api.error(set_loc, {"i": {"id": cart, "locationId": DOWNTOWN}})["code"] == "CART_LOCATION_ALREADY_SET"
    assert api.error("query { cart(id: \"urn:blvd:Cart:nope\") { id } }")["code"] == "NOT_FOUND"
    assert api.error("mutation($i: AddCartOfferInput!) { addCartOffer(input: $i) { cart { id } } }",
                     {"i": {"id": cart, "offerCode": "SAVE10"}})["code"] == "CART_OFFER_CODE_INVALID"


def test_checkout_creates_the_appointment(api: Api) -> None:
    cart = api.create_cart(clientMessage="Window seat please")
    api.add_item(cart, variant=api.variant_id(HAIRCUT, AVA))
    api.reserve(cart, "t_2027-03-15T11:00:00")
    assert [e["code"] for e in api.client_info(cart)["errors"]] == []
    body = api.checkout_body(cart)
    assert "errors" not in body, body
    result = body["data"]["checkoutCart"]
    assert result["cart"]["completedAt"] == "2027-01-04T00:00:00.000000Z"
    booked = result["appointments"][0]
    assert booked["forCartOwner"] is True
    appt = api.ok("query($id: ID!, $c: ID) { appointment(id: $id, cartId: $c) { id state startAt endAt duration "
                  "notes cancellable locationId client { firstName email mobilePhone } appointmentServices { "
                  "staff { id } service { id } staffRequested price startAt } } }",
                  {"id": booked["appointmentId"], "c": cart})["appointment"]
    assert appt["state"] == "BOOKED" and appt["cancellable"] is True
    assert (appt["startAt"], appt["endAt"], appt["duration"]) == ("2027-03-15T15:00:00Z", "2027-03-15T15:45:00Z", 45)
    assert appt["notes"] == "Window seat please" and appt["locationId"] == DOWNTOWN
    assert appt["client"] == {"firstName": "Zoe", "email": "zoe@example.com", "mobilePhone": "+13105555555"}
    assert appt["appointmentServices"][0] == {"staff": {"id": AVA}, "service": {"id": HAIRCUT},
                                              "staffRequested": True, "price": 8500,
                                              "startAt": "2027-03-15T15:00:00Z"}
    state = api.state()
    assert any(a["id"] == booked["appointmentId"] and a["cartId"] == cart for a in state["appointments"])
    # A completed cart cannot be checked out again and the slot is gone for everyone else.
    assert api.checkout_body(cart)["errors"][0]["code"] == "CART_COMPLETED"
    other = api.create_cart()
    api.add_item(other, variant=api.variant_id(HAIRCUT, AVA))
    assert api.reserve_body(other, "t_2027-03-15T11:00:00")["errors"][0]["code"] == "BOOKABLE_TIME_UNAVAILABLE"


def test_checkout_matches_existing_client_by_email(api: Api) -> None:
    cart = api.create_cart()
    api.add_item(cart)
    api.reserve(cart, "t_2027-01-07T14:00:00")
    api.client_info(cart, first="Jane", email="JANE.DOE@example.com")
    booked = api.checkout_body(cart)["data"]["checkoutCart"]["appointments"][0]
    assert booked["clientId"] == seed.CLIENT_JANE


def test_checkout_fails_when_the_front_desk_took_the_slot(api: Api) -> None:
    cart = api.create_cart()
    api.add_item(cart, variant=api.variant_id(HAIRCUT, AVA))
    api.reserve(cart, "t_2027-01-07T14:00:00")
    api.client_info(cart)
    api.app.book_directly(seed.SVC_BLOWOUT, AVA, DOWNTOWN, seed.local(datetime(2027, 1, 7).date(), 14, 15))
    before = len(api.state()["appointments"])
    err = api.checkout_body(cart)["errors"][0]
    assert err["code"] == "CART_MISSING_ITEM_TIME" and err["path"] == ["checkoutCart"]
    assert len(api.state()["appointments"]) == before
    cart_state = api.ok(f"query($id: ID!) {{ cart(id: $id) {{ {CART_FIELDS} }} }}", {"id": cart})["cart"]
    assert cart_state["completedAt"] is None and cart_state["startTime"] is None


def test_a_checkout_locks_its_cart_from_the_moment_it_arrives(api: Api) -> None:
    cart = api.create_cart(clientMessage="late lander")
    api.add_item(cart, variant=api.variant_id(HAIRCUT, AVA))
    api.reserve(cart, "t_2027-01-07T14:00:00")
    api.client_info(cart)
    # The checkout arrives, then takes a second to be carried out (a slow provider).
    api.http.post(f"{api.base}/_sandbox/faults", json={"rules": [
        {**DEMO["booking_request"], "kind": "timeout", "seconds": 1.0, "count": 1}]}).raise_for_status()
    with ThreadPoolExecutor(max_workers=1) as pool:
        slow = pool.submit(api.checkout_body, cart)
        time.sleep(0.3)
        clear = "mutation($i: CartClearInput!) { cartClear(input: $i) { cart { id } } }"
        assert api.error(clear, {"i": {"id": cart}})["code"] == "CART_LOCKED"
        assert api.state()["carts"][-1]["reservation"] is not None, "the refused clear changed nothing"
        booked = slow.result(timeout=10)
    assert "errors" not in booked, booked
    appointment_id = booked["data"]["checkoutCart"]["appointments"][0]["appointmentId"]
    assert [a["notes"] for a in api.state()["appointments"] if a["id"] == appointment_id] == ["late lander"]
    # Carried out: the cart is completed, no longer locked.
    assert api.error(clear, {"i": {"id": cart}})["code"] == "CART_COMPLETED"


def test_a_checkout_that_never_arrives_leaves_its_cart_open(api: Api) -> None:
    cart = api.create_cart()
    api.add_item(cart, variant=api.variant_id(HAIRCUT, AVA))
    api.reserve(cart, "t_2027-01-07T14:00:00")
    api.client_info(cart)
    api.http.post(f"{api.base}/_sandbox/faults", json={"rules": [
        {**DEMO["booking_request"], "kind": "reset", "count": 1}]}).raise_for_status()
    with pytest.raises(httpx.TransportError):
        api.checkout_body(cart)
    # The connection broke before Boulevard got it: nothing is locked, the reservation can be dropped.
    api.ok("mutation($i: CartClearInput!) { cartClear(input: $i) { cart { id } } }", {"i": {"id": cart}})
    assert [c["reservation"] for c in api.state()["carts"] if c["id"] == cart] == [None]


def test_twenty_concurrent_checkouts_of_one_slot_book_once(api: Api) -> None:
    ava = api.variant_id(HAIRCUT, AVA)
    carts = []
    for n in range(20):
        cart = api.create_cart()
        api.add_item(cart, variant=ava)
        api.client_info(cart, email=f"racer{n}@example.com")
        carts.append(cart)
    before = len(api.state()["appointments"])

    def race(cart: str) -> str | None:
        reserved = api.reserve_body(cart, "t_2027-01-08T10:00:00")
        if reserved.get("errors"):
            return None
        done = api.checkout_body(cart)
        return None if done.get("errors") else str(done["data"]["checkoutCart"]["appointments"][0]["appointmentId"])

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(race, carts))
    winners = [r for r in results if r]
    assert len(winners) == 1
    appointments = api.state()["appointments"]
    assert len(appointments) == before + 1
    at_slot = [a for a in appointments if a["startAt"] == "2027-01-08T15:00:00.000000Z"
               and a["services"][0]["staffId"] == AVA]
    assert [a["id"] for a in at_slot] == winners


# -- known client: appointments and cancellation --------------------------------------------------------
def test_my_appointments_paginates_and_filters(api: Api) -> None:
    q = ("query($f: Int, $a: String, $q: QueryString) { myAppointments(first: $f, after: $a, query: $q) { "
         "edges { cursor node { id startAt state } } pageInfo { hasNextPage endCursor } } }")
    token = jane_token()
    page1 = api.ok(q, {"f": 2}, token)["myAppointments"]
    assert [e["node"]["startAt"] for e in page1["edges"]] == ["2027-01-05T15:00:00Z", "2027-03-15T13:00:00Z"]
    assert page1["pageInfo"]["hasNextPage"] is True
    page2 = api.ok(q, {"f": 2, "a": page1["pageInfo"]["endCursor"]}, token)["myAppointments"]
    assert [e["node"]["startAt"] for e in page2["edges"]] == ["2027-11-06T13:00:00Z"]
    assert page2["pageInfo"]["hasNextPage"] is False
    later = api.ok(q, {"f": 10, "q": "startAt >= '2027-03-01T00:00:00Z' AND cancelled = false"}, token)
    assert len(later["myAppointments"]["edges"]) == 2
    brooklyn = api.ok(q, {"f": 10, "q": f"locationId = '{seed.LOC_BROOKLYN}'"}, token)
    assert [e["node"]["startAt"] for e in brooklyn["myAppointments"]["edges"]] == ["2027-11-06T13:00:00Z"]
    assert api.error(q, {"f": 10, "q": "bogus = 1"}, token)["code"] == "INVALID_QUERY"


def test_cancel_appointment_as_the_client(api: Api) -> None:
    jan5 = seed.urn("Appointment", "jan-5")
    cancel = ("mutation($i: CancelAppointmentInput!) { cancelAppointment(input: $i) { appointment { id state "
              "cancelled cancellable cancellation { reason notes cancelledAt } } } }")
    assert api.error(cancel, {"i": {"id": jan5}})["code"] == "UNAUTHENTICATED"
    assert api.error(cancel, {"i": {"id": jan5}}, jane_token(client=seed.CLIENT_JOHN))["code"] == "NOT_FOUND"
    done = api.ok(cancel, {"i": {"id": jan5, "notes": "sick"}}, jane_token())["cancelAppointment"]["appointment"]
    assert done["state"] == "CANCELLED" and done["cancelled"] is True and done["cancellable"] is False
    assert done["cancellation"] == {"reason": "CLIENT_CANCEL", "notes": "sick",
                                    "cancelledAt": "2027-01-04T00:00:00.000000Z"}
    assert api.error(cancel, {"i": {"id": jan5}}, jane_token())["code"] == "APPOINTMENT_NOT_CANCELLABLE"
    # The freed slot is bookable again.
    cart = api.create_cart()
    api.add_item(cart, variant=api.variant_id(HAIRCUT, AVA))
    assert "t_2027-01-05T10:00:00" in [t["id"] for t in api.times(cart, "2027-01-05")]


def test_late_cancellation_reason(api: Api) -> None:
    api.clock("2027-01-05T05:00:00Z")  # 10 hours before the 10:00 New York appointment
    cancel = ("mutation($i: CancelAppointmentInput!) { cancelAppointment(input: $i) { appointment { "
              "cancellation { reason } } } }")
    data = api.ok(cancel, {"i": {"id": seed.urn("Appointment", "jan-5")}}, jane_token("2027-01-05T05:00:00Z"))
    assert data["cancelAppointment"]["appointment"]["cancellation"]["reason"] == "CLIENT_LATE_CANCEL"


def test_known_client_cart_needs_no_client_information(api: Api) -> None:
    token = jane_token()
    data = api.ok("mutation { createCart(input: {locationId: \"" + DOWNTOWN + "\"}) { cart { id errors { code } } } }",
                  token=token)
    cart = data["createCart"]["cart"]
    assert [e["code"] for e in cart["errors"]] == ["CART_MISSING_ITEMS"]
    api.add_item(cart["id"])
    api.reserve(cart["id"], "t_2027-01-07T15:00:00")
    body = api.gql("mutation($i: CheckoutCartInput!) { checkoutCart(input: $i) { appointments { clientId } } }",
                   {"i": {"id": cart["id"]}}, token)
    assert body["data"]["checkoutCart"]["appointments"] == [{"clientId": seed.CLIENT_JANE}]


# -- the official SDK -------------------------------------------------------------------------------
def _node_modules() -> None:
    if (SDK_DIR / "node_modules" / "@boulevard" / "blvd-book-sdk").is_dir():
        return
    npm = shutil.which("npm")
    assert npm, "npm is required for the Boulevard SDK test"
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=SDK_DIR, check=True, capture_output=True,
                   timeout=300)


def test_official_book_sdk_books_through_the_sandbox(api: Api) -> None:
    _node_modules()
    node = shutil.which("node")
    assert node, "node is required for the Boulevard SDK test"
    env = dict(os.environ, BLVD_TARGET=api.base, BLVD_API_KEY=API_KEY, BLVD_SECRET_KEY=SECRET,
               BLVD_BUSINESS_ID=BUSINESS, BLVD_LOCATION_ID=DOWNTOWN, BLVD_SERVICE_ID=HAIRCUT, BLVD_STAFF_ID=AVA,
               BLVD_DATE="2027-01-05", BLVD_NOW_UNIX=str(int(datetime(2027, 1, 4, tzinfo=UTC).timestamp())))
    proc = subprocess.run([node, "book.mjs"], cwd=SDK_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["businessTz"] == "America/New_York" and out["locationCount"] == 2 and out["listedCount"] == 2
    assert out["staffVariantCount"] == 2 and out["selectedStaff"] == AVA
    assert out["dates"] == ["2027-01-05"]
    assert (out["firstTime"], out["firstTimeId"]) == ("2027-01-05T09:00:00-05:00", "t_2027-01-05T09:00:00")
    assert out["reservedErrors"] == ["CART_MISSING_CLIENT_INFORMATION"]
    assert out["cartStartTime"] == "2027-01-05T09:00:00"
    assert out["fromCart"] == {"id": out["appointmentId"], "state": "BOOKED", "startAt": "2027-01-05T14:00:00Z",
                               "staff": AVA}
    assert out["clientId"] == seed.CLIENT_JANE == out["knownClient"]
    assert out["anonymousCode"] == "UNAUTHENTICATED"
    assert out["appointmentId"] in out["myAppointmentIds"]
    # Rescheduled through the SDK's Appointment.reschedule* (the availability fields as queries).
    assert out["reschedulable"] is True and out["rescheduleDates"] == ["2027-01-05"]
    assert "t_2027-01-05T09:00:00" in out["rescheduleTimeIds"], "its own time counts as free"
    assert out["rescheduleTarget"] == {"bookableTimeId": "t_2027-01-05T16:15:00",
                                       "startTime": "2027-01-05T16:15:00-05:00"}
    assert out["movedStartAt"] == "2027-01-05T21:15:00Z"
    assert (out["cancelledState"], out["cancellationReason"]) == ("CANCELLED", "CLIENT_CANCEL")
    booked = [a for a in api.state()["appointments"] if a["id"] == out["appointmentId"]]
    assert booked and booked[0]["state"] == "CANCELLED"


def test_demo_constant_points_at_seed_data() -> None:
    assert set(DEMO) == {"config", "credentials", "service_id", "staff_id", "booking_request", "slot_taken_wordings",
                         "refusal_fault"}
    assert DEMO["config"] == {"businessId": seed.BUSINESS_UUID, "locationId": seed.LOC_DOWNTOWN,
                              "timezone": "America/New_York"}
    assert DEMO["credentials"] == {"apiKey": seed.API_KEY, "secretKey": seed.SECRET_KEY}
    world = seed.build_world()
    assert DEMO["service_id"] in {s.id for s in world.services}
    assert DEMO["staff_id"] in {s.id for s in world.staff}
    assert len(base64.b64decode(seed.SECRET_KEY, validate=True)) == 32  # signs client and admin tokens
    assert DEMO["booking_request"] == {"method": "POST", "path": "^/api/2020-01/[^/]+/client$",
                                       "match_body": "checkoutCart"}


# -- the Admin API ----------------------------------------------------------------------------------
APPT_FIELDS = """
  id state startAt endAt duration cancelled notes locationId clientId manageUrl
  location { id tz } client { id email mobilePhone }
  appointmentServices { serviceId staffId staff { id displayName } duration price startTimeOffset }
  cancellation { reason notes }
"""
JAN5 = seed.urn("Appointment", "jan-5")
JAN6_CANCELLED = seed.urn("Appointment", "jan-6-cancelled")


def admin_token(at: float | None = None, business: str = BUSINESS) -> str:
    from sandboxes.boulevard.auth import make_admin_token

    return make_admin_token(business, SECRET, int(time.time() if at is None else at))


def admin_post(api: Api, body: Any, token: str | None = None, path: str = "/api/2020-01/admin") -> httpx.Response:
    return api.http.post(f"{api.base}{path}", json=body,
                         headers={"Authorization": basic_header(API_KEY, admin_token() if token is None else token)})


def admin(api: Api, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    resp = admin_post(api, {"query": query, "variables": variables})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def admin_ok(api: Api, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = admin(api, query, variables)
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def admin_error(api: Api, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body = admin(api, query, variables)
    assert body.get("errors"), body
    error: dict[str, Any] = body["errors"][0]
    return error


def reschedule_times(api: Api, appointment: str, day: str, tz: str | None = None) -> list[dict[str, Any]]:
    data = admin_ok(api, "mutation($i: AppointmentRescheduleAvailableTimesInput!) { "
                         "appointmentRescheduleAvailableTimes(input: $i) "
                         "{ availableTimes { bookableTimeId startTime } } }",
                    {"i": {"appointmentId": appointment, "date": day, "tz": tz}})
    times: list[dict[str, Any]] = data["appointmentRescheduleAvailableTimes"]["availableTimes"]
    return times


RESCHEDULE = ("mutation($i: AppointmentRescheduleInput!) { appointmentReschedule(input: $i) "
              "{ appointment { id startAt endAt appointmentServices { staffId startAt } } } }")


def test_admin_token_recipe_signed_independently_and_both_path_forms(api: Api) -> None:
    # Built by hand from the recipe public integrations use, not with the sandbox's helper.
    payload = f"blvd-admin-v1{BUSINESS}{int(time.time())}"
    signature = base64.b64encode(hmac.new(base64.b64decode(SECRET), payload.encode(), hashlib.sha256).digest())
    for path in ("/api/2020-01/admin", f"/api/2020-01/{BUSINESS}/admin"):
        resp = admin_post(api, {"query": "{ business { id name tz } }"}, signature.decode() + payload, path)
        assert resp.status_code == 200, resp.text
        assert resp.json()["data"]["business"] == {"id": seed.BUSINESS_ID, "name": "Aptura Demo Spa",
                                                   "tz": "America/New_York"}


@pytest.mark.parametrize("token", [
    "",  # a guest credential
    jane_token(),  # a known-client token
    "blvd-admin-v1-garbage",
])
def test_the_admin_api_refuses_other_credentials(api: Api, token: str) -> None:
    resp = admin_post(api, {"query": "{ business { id } }"}, token)
    assert resp.status_code == 401
    assert resp.json()["errors"][0]["code"] == "UNAUTHENTICATED"


def test_admin_tokens_are_checked_against_the_real_clock(api: Api) -> None:
    # The sandbox clock is pinned to 2027, yet a token signed now is fresh and one six minutes old is not.
    assert admin_post(api, {"query": "{ business { id } }"}, admin_token()).status_code == 200
    assert admin_post(api, {"query": "{ business { id } }"}, admin_token(time.time() - 360)).status_code == 401
    pinned = datetime(2027, 1, 4, tzinfo=UTC).timestamp()
    assert admin_post(api, {"query": "{ business { id } }"}, admin_token(pinned)).status_code == 401
    tampered = admin_token()
    tampered = tampered[:5] + ("A" if tampered[5] != "A" else "B") + tampered[6:]
    assert admin_post(api, {"query": "{ business { id } }"}, tampered).status_code == 401
    other = admin_token(business="11111111-1111-1111-1111-111111111111")
    assert admin_post(api, {"query": "{ business { id } }"}, other).status_code == 401
    wrong_path = admin_post(api, {"query": "{ business { id } }"}, admin_token(),
                            "/api/2020-01/11111111-1111-1111-1111-111111111111/admin")
    assert wrong_path.status_code == 401


def test_admin_catalog_services_staff_and_locations(api: Api) -> None:
    data = admin_ok(api, "{ services(first: 10) { edges { node { id name active addon defaultDuration defaultPrice "
                         "category { name } } } } staff(first: 10) { edges { node { id name displayName active "
                         "locations { id } } } } locations(first: 10) { edges { node { id tz address { zip } } } } }")
    services = {e["node"]["id"]: e["node"] for e in data["services"]["edges"]}
    assert services[HAIRCUT] == {"id": HAIRCUT, "name": "Women's Haircut", "active": True, "addon": False,
                                 "defaultDuration": 45, "defaultPrice": 8500, "category": {"name": "Hair"}}
    assert services[seed.SVC_DEEP]["defaultPrice"] == 16000
    staff = {e["node"]["id"]: e["node"] for e in data["staff"]["edges"]}
    assert staff[AVA]["name"] == "Ava Reyes" and staff[AVA]["displayName"] == "Ava R."
    assert [loc["id"] for loc in staff[seed.STAFF_CLEO]["locations"]] == [DOWNTOWN, seed.LOC_BROOKLYN]
    assert [e["node"]["address"]["zip"] for e in data["locations"]["edges"]] == ["10005", "11201"]
    named = admin_ok(api, "{ services(first: 10, query: \"name = 'Blowout'\") { edges { node { id } } } }")
    assert [e["node"]["id"] for e in named["services"]["edges"]] == [seed.SVC_BLOWOUT]
    assert admin_error(api, "{ location(id: \"urn:blvd:Location:nope\") { id } }")["code"] == "NOT_FOUND"


def test_admin_clients_search_by_email_any_case_and_pages(api: Api) -> None:
    query = "query($q: QueryString, $a: String) { clients(first: 1, query: $q, after: $a) " \
            "{ edges { node { id email name active } } pageInfo { hasNextPage endCursor } } }"
    found = admin_ok(api, query, {"q": "email = 'JANE.Doe@Example.com'"})["clients"]
    assert [e["node"]["id"] for e in found["edges"]] == [seed.CLIENT_JANE] and not found["pageInfo"]["hasNextPage"]
    first = admin_ok(api, query)["clients"]
    assert first["pageInfo"]["hasNextPage"]
    second = admin_ok(api, query, {"a": first["pageInfo"]["endCursor"]})["clients"]
    assert {first["edges"][0]["node"]["id"], second["edges"][0]["node"]["id"]} == {seed.CLIENT_JANE, seed.CLIENT_JOHN}
    assert admin_error(api, query, {"q": "email ~ 'x'"})["code"] == "INVALID_QUERY"
    assert admin_error(api, query, {"q": "favouriteColour = 'red'"})["code"] == "INVALID_QUERY"


def test_admin_create_client_keeps_duplicates_apart_and_validates_scalars(api: Api) -> None:
    mutation = ("mutation($i: CreateClientInput!) { createClient(input: $i) { client { id firstName lastName name "
                "email mobilePhone active appointmentCount createdAt } } }")
    made = admin_ok(api, mutation, {"i": {"firstName": "Nia", "lastName": "Park", "email": "nia@example.com",
                                          "mobilePhone": "+13105550000"}})["createClient"]["client"]
    assert made["id"].startswith("urn:blvd:Client:") and made["name"] == "Nia Park"
    assert (made["appointmentCount"], made["createdAt"]) == (0, "2027-01-04T00:00:00.000000Z")
    again = admin_ok(api, mutation, {"i": {"firstName": "Nia", "lastName": "Park", "email": "NIA@example.com"}})
    assert again["createClient"]["client"]["id"] != made["id"]
    listed = admin_ok(api, "{ clients(first: 10, query: \"email = 'nia@example.com'\") { edges { node { id } } } }")
    assert len(listed["clients"]["edges"]) == 2
    bad = admin_error(api, mutation, {"i": {"firstName": "X", "lastName": "Y", "mobilePhone": "555-1234"}})
    assert "invalid value" in bad["message"]
    assert "lastName" in admin_error(api, mutation, {"i": {"firstName": "X"}})["message"]


def test_admin_appointments_of_a_location_with_a_start_window(api: Api) -> None:
    query = f"query($l: ID!, $q: QueryString) {{ appointments(locationId: $l, first: 50, query: $q) " \
            f"{{ edges {{ node {{ {APPT_FIELDS} }} }} pageInfo {{ hasNextPage }} }} }}"
    everything = admin_ok(api, query, {"l": DOWNTOWN})["appointments"]["edges"]
    assert len(everything) == 6  # the Downtown seed appointments, the cancelled one included
    january = admin_ok(api, query, {"l": DOWNTOWN, "q": "startAt >= '2027-01-05T05:00:00Z' AND "
                                                         "startAt < '2027-01-07T05:00:00Z'"})["appointments"]["edges"]
    by_id = {e["node"]["id"]: e["node"] for e in january}
    assert set(by_id) == {JAN5, JAN6_CANCELLED}
    assert by_id[JAN6_CANCELLED]["cancelled"] and by_id[JAN6_CANCELLED]["cancellation"]["reason"] == "CLIENT_CANCEL"
    jan5 = by_id[JAN5]
    assert (jan5["state"], jan5["startAt"], jan5["endAt"], jan5["duration"]) == \
        ("BOOKED", "2027-01-05T15:00:00Z", "2027-01-05T15:45:00Z", 45)
    assert jan5["client"] == {"id": seed.CLIENT_JANE, "email": "jane.doe@example.com", "mobilePhone": "+12125550111"}
    assert jan5["appointmentServices"] == [{"serviceId": HAIRCUT, "staffId": AVA, "staff": {"id": AVA,
                                            "displayName": "Ava R."}, "duration": 45, "price": 8500,
                                            "startTimeOffset": 0}]
    brooklyn = admin_ok(api, query, {"l": seed.LOC_BROOKLYN})["appointments"]["edges"]
    assert [e["node"]["id"] for e in brooklyn] == [seed.urn("Appointment", "nov-6")]
    assert admin_error(api, query, {"l": "urn:blvd:Location:nope"})["code"] == "NOT_FOUND"
    missing = admin(api, "{ appointments(first: 5) { edges { cursor } } }")
    assert "locationId" in missing["errors"][0]["message"] and "data" not in missing


def test_admin_appointment_lookup(api: Api) -> None:
    data = admin_ok(api, f"query($id: ID!) {{ appointment(id: $id) {{ {APPT_FIELDS} }} }}", {"id": JAN5})
    assert data["appointment"]["id"] == JAN5 and data["appointment"]["location"] == {"id": DOWNTOWN,
                                                                                      "tz": "America/New_York"}
    for unknown in ("urn:blvd:Appointment:99999999-9999-9999-9999-999999999999", "999999"):
        err = admin_error(api, "query($id: ID!) { appointment(id: $id) { id } }", {"id": unknown})
        assert err["code"] == "NOT_FOUND" and err["path"] == ["appointment"]


def test_admin_reschedule_moves_the_booking_and_frees_the_old_time(api: Api) -> None:
    offered = [t["bookableTimeId"] for t in reschedule_times(api, JAN5, "2027-01-05")]
    assert "t_2027-01-05T10:00:00" in offered, "the appointment's own time counts as free"
    assert "t_2027-01-05T16:15:00" in offered and "t_2027-01-05T16:30:00" not in offered  # 45 min to 17:00
    moved = admin_ok(api, RESCHEDULE, {"i": {"appointmentId": JAN5, "bookableTimeId": "t_2027-01-05T13:00:00",
                                             "sendNotification": False}})["appointmentReschedule"]["appointment"]
    assert (moved["startAt"], moved["endAt"]) == ("2027-01-05T18:00:00Z", "2027-01-05T18:45:00Z")
    assert moved["appointmentServices"] == [{"staffId": AVA, "startAt": "2027-01-05T18:00:00Z"}]
    # The cart flow sees the same world: 10:00 is bookable again, 13:00 is not.
    cart = api.create_cart()
    api.add_item(cart, HAIRCUT, api.variant_id(HAIRCUT, AVA))
    starts = {t["id"] for t in api.times(cart, "2027-01-05")}
    assert "t_2027-01-05T10:00:00" in starts and "t_2027-01-05T13:00:00" not in starts
    # Reschedule offers on another day follow that day's shifts (Sunday: none).
    assert reschedule_times(api, JAN5, "2027-01-10") == []
    dates = admin_ok(api, "mutation($i: AppointmentRescheduleAvailableDatesInput!) { "
                          "appointmentRescheduleAvailableDates(input: $i) { availableDates { date } } }",
                     {"i": {"appointmentId": JAN5, "searchRangeLower": "2027-01-08", "searchRangeUpper": "2027-01-11"}})
    assert [d["date"] for d in dates["appointmentRescheduleAvailableDates"]["availableDates"]] == \
        ["2027-01-08", "2027-01-09", "2027-01-11"]


def test_admin_reschedule_into_a_taken_time_changes_nothing(api: Api) -> None:
    api.app.book_directly(HAIRCUT, AVA, DOWNTOWN, datetime(2027, 1, 5, 19, 0, tzinfo=UTC))  # 14:00 New York
    assert "t_2027-01-05T14:00:00" not in [t["bookableTimeId"] for t in reschedule_times(api, JAN5, "2027-01-05")]
    for time_id in ("t_2027-01-05T14:00:00", "t_2027-01-05T13:40:00", "t_2027-01-02T10:00:00"):
        err = admin_error(api, RESCHEDULE, {"i": {"appointmentId": JAN5, "bookableTimeId": time_id}})
        assert err["code"] == "BOOKABLE_TIME_UNAVAILABLE", (time_id, err)
    assert admin_error(api, RESCHEDULE, {"i": {"appointmentId": JAN5, "bookableTimeId": "nope"}})["code"] == \
        "NOT_FOUND"
    unchanged = admin_ok(api, "query($id: ID!) { appointment(id: $id) { startAt } }", {"id": JAN5})
    assert unchanged["appointment"]["startAt"] == "2027-01-05T15:00:00Z"
    err = admin_error(api, RESCHEDULE, {"i": {"appointmentId": JAN6_CANCELLED,
                                              "bookableTimeId": "t_2027-01-05T13:00:00"}})
    assert err["code"] == "APPOINTMENT_NOT_RESCHEDULABLE"


def test_admin_cancel_frees_the_slot_once(api: Api) -> None:
    mutation = ("mutation($i: CancelAppointmentInput!) { cancelAppointment(input: $i) { appointment { id state "
                "cancelled cancellation { reason notes } } } }")
    done = admin_ok(api, mutation, {"i": {"id": JAN5, "notes": "front desk", "notifyClient": False}})
    assert done["cancelAppointment"]["appointment"] == {"id": JAN5, "state": "CANCELLED", "cancelled": True,
                                                        "cancellation": {"reason": "STAFF_CANCEL",
                                                                         "notes": "front desk"}}
    assert admin_error(api, mutation, {"i": {"id": JAN5, "reason": "CLIENT_CANCEL"}})["code"] == \
        "APPOINTMENT_NOT_CANCELLABLE"
    cart = api.create_cart()
    api.add_item(cart, HAIRCUT, api.variant_id(HAIRCUT, AVA))
    assert "t_2027-01-05T10:00:00" in {t["id"] for t in api.times(cart, "2027-01-05")}
    assert admin_error(api, mutation, {"i": {"id": "urn:blvd:Appointment:nope"}})["code"] == "NOT_FOUND"


def test_client_api_reschedule_needs_the_owning_client(api: Api) -> None:
    query = ("query($i: AppointmentRescheduleAvailableTimesInput!) { appointmentRescheduleAvailableTimes(input: $i) "
             "{ availableTimes { bookableTimeId startTime } } }")
    variables = {"i": {"appointmentId": JAN5, "date": "2027-01-05", "tz": "UTC"}}
    assert api.error(query, variables)["code"] == "UNAUTHENTICATED"
    john = jane_token(client=seed.CLIENT_JOHN)
    assert api.error(query, variables, token=john)["code"] == "NOT_FOUND"
    times = api.ok(query, variables, token=jane_token())["appointmentRescheduleAvailableTimes"]["availableTimes"]
    assert times[0] == {"bookableTimeId": "t_2027-01-05T09:00:00", "startTime": "2027-01-05T14:00:00Z"}
    moved = api.ok(RESCHEDULE, {"i": {"appointmentId": JAN5, "bookableTimeId": "t_2027-01-05T09:00:00"}},
                   token=jane_token())["appointmentReschedule"]["appointment"]
    assert moved["startAt"] == "2027-01-05T14:00:00Z"
