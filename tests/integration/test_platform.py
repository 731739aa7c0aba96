"""Keys, connections and tenant isolation through the handlers, on DynamoDB Local and
moto's Secrets Manager server, with the provider sandboxes over HTTP."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import boto3
import pytest

from aptura.store.connections import create_connection, secret_name
from aptura.store.keys import ALL_SCOPES, create_api_key, hash_key
from tests.conformance.conftest import demo_of, fresh_sandbox
from tests.support import auth_headers, invoke

pytestmark = pytest.mark.integration
PROVIDER = "mindbody"
DAY = date(2027, 1, 12)


@pytest.fixture()
def world(aws: dict[str, str], sandboxes: Any) -> dict[str, Any]:
    """Two accounts; A has a test and a live connection, B a test one."""
    fresh_sandbox(f"{sandboxes.url}/{PROVIDER}/_sandbox")
    demo = demo_of(PROVIDER)
    a, b = f"acct_{uuid.uuid4().hex[:8]}", f"acct_{uuid.uuid4().hex[:8]}"
    a_test, _ = create_api_key(a, "test")
    a_live, _ = create_api_key(a, "live")
    b_test, _ = create_api_key(b, "test")
    a_read, _ = create_api_key(a, "test", scopes=("availability:read",))
    return {
        "demo": demo, "a": a, "b": b, "a_test": a_test, "a_live": a_live, "b_test": b_test, "a_read": a_read,
        "a_conn": create_connection(a, PROVIDER, "test", demo["config"], demo["credentials"]).connection_id,
        "a_live_conn": create_connection(a, PROVIDER, "live", demo["config"], demo["credentials"]).connection_id,
        "b_conn": create_connection(b, PROVIDER, "test", demo["config"], demo["credentials"]).connection_id,
    }


def avail(key: str, conn: str | None, demo: dict[str, Any], **query: Any) -> Any:
    params = {"serviceId": demo["service_id"], "startDate": DAY.isoformat(),
              "endDate": (DAY + timedelta(days=6)).isoformat(), **query}
    return invoke("GET", "/v1/availability", headers=auth_headers(key, conn), query=params)


def test_keys_are_stored_only_as_hashes(world: dict[str, Any]) -> None:
    table = boto3.resource("dynamodb").Table(__import__("os").environ["APTURA_TABLE"])
    items = table.scan()["Items"]
    dumped = repr(items)
    for raw in (world["a_test"], world["a_live"], world["b_test"]):
        assert raw not in dumped
        assert any(i["pk"] == f"APIKEY#{hash_key(raw)}" for i in items)
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=secret_name(world["a_conn"]))
    assert "password" in secret["SecretString"]  # credentials live in Secrets Manager ...
    conn_items = [i for i in items if str(i["sk"]).startswith("CONNECTION#")]
    for item in conn_items:  # ... and never in DynamoDB
        for value in world["demo"]["credentials"].values():
            assert str(value) not in repr(item)


def test_availability_and_booking_end_to_end(world: dict[str, Any]) -> None:
    demo = world["demo"]
    result = avail(world["a_test"], world["a_conn"], demo)
    assert result.status == 200, result
    slot = result.body["slots"][0]
    assert slot["startTime"].endswith("Z") and slot["staffName"]
    body = {"serviceId": demo["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
            "client": {"firstName": "Alex", "lastName": "Johnson", "email": "alex.int@example.com"}}
    created = invoke("POST", "/v1/appointments", headers=auth_headers(world["a_test"], world["a_conn"]),
                     json_body=body)
    assert created.status == 201, created
    assert created.body["startTime"] == slot["startTime"]
    again = invoke("POST", "/v1/appointments", headers=auth_headers(world["a_test"], world["a_conn"]),
                   json_body=body)
    assert again.status == 409 and again.body["error"] == "conflict"


def test_missing_or_invalid_key_is_401(world: dict[str, Any]) -> None:
    demo = world["demo"]
    for headers in ({}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer apt_test_doesnotexist123"},
                    {"Authorization": "Bearer sk_live_123456789"}):
        result = invoke("GET", "/v1/availability", headers={**headers, "X-Connection-Id": world["a_conn"]},
                        query={"serviceId": demo["service_id"], "startDate": "2027-01-12", "endDate": "2027-01-12"})
        assert result.status == 401, (headers, result)
        assert set(result.body) == {"error", "message", "details"} and result.body["error"] == "unauthorized"


def test_another_accounts_connection_is_404_like_a_missing_one(world: dict[str, Any]) -> None:
    demo = world["demo"]
    other = avail(world["a_test"], world["b_conn"], demo)
    missing = avail(world["a_test"], "conn_doesnotexist", demo)
    assert other.status == missing.status == 404
    assert other.body["error"] == missing.body["error"] == "not_found"
    assert world["b"] not in other.body["message"]
    assert avail(world["b_test"], world["a_conn"], demo).status == 404


def test_test_key_cannot_use_live_connection_and_vice_versa(world: dict[str, Any]) -> None:
    demo = world["demo"]
    result = avail(world["a_test"], world["a_live_conn"], demo)
    assert result.status == 403 and result.body["error"] == "forbidden"
    assert avail(world["a_live"], world["a_conn"], demo).status == 403


def test_missing_scope_is_403_naming_it(world: dict[str, Any]) -> None:
    demo = world["demo"]
    assert avail(world["a_read"], world["a_conn"], demo).status == 200
    body = {"serviceId": demo["service_id"], "staffId": demo["staff_id"], "startTime": "2027-01-12T15:00:00Z",
            "client": {"firstName": "A", "lastName": "B", "email": "a@example.com"}}
    result = invoke("POST", "/v1/appointments", headers=auth_headers(world["a_read"], world["a_conn"]), json_body=body)
    assert result.status == 403 and result.body["details"] == {"required_scope": "bookings:write"}
    assert "bookings:write" in ALL_SCOPES


def test_missing_connection_header_and_bad_input_are_400(world: dict[str, Any]) -> None:
    demo = world["demo"]
    assert avail(world["a_test"], None, demo).status == 400
    bad = invoke("GET", "/v1/availability", headers=auth_headers(world["a_test"], world["a_conn"]),
                 query={"startDate": "2027-13-01", "endDate": "2027-01-01"})
    assert bad.status == 400 and bad.body["error"] == "validation_error"
    assert {"serviceId", "startDate"} <= set(bad.body["details"])
    backwards = avail(world["a_test"], world["a_conn"], demo, startDate="2027-01-10", endDate="2027-01-01")
    assert backwards.status == 400 and "endDate" in backwards.body["details"]
    too_long = avail(world["a_test"], world["a_conn"], demo, startDate="2027-01-01", endDate="2027-03-01")
    assert too_long.status == 400
    for body in ({}, {"serviceId": demo["service_id"]},
                 {"serviceId": "1", "staffId": "2", "startTime": "2027-01-12T10:00:00",
                  "client": {"firstName": "A", "lastName": "B", "email": "a@example.com"}},
                 {"serviceId": "1", "staffId": "2", "startTime": "2027-01-12T10:00:00Z",
                  "client": {"firstName": "A", "lastName": "B", "email": "not-an-email"}}):
        result = invoke("POST", "/v1/appointments", headers=auth_headers(world["a_test"], world["a_conn"]),
                        json_body=body)
        assert result.status == 400, (body, result)
        assert result.body["error"] == "validation_error" and result.body["details"]
    raw = invoke("POST", "/v1/appointments", headers=auth_headers(world["a_test"], world["a_conn"]),
                 raw_body=b"\xff\xfe{not json")
    assert raw.status == 400
