"""Through the real handlers: a booking made through Aptura reaches a registered local receiver as exactly one
signed ``appointment.created``; a cancellation as one ``appointment.cancelled``; connections made and deleted
through the API as ``connection.created``/``connection.deleted``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from tests.conformance.conftest import demo_of, fresh_sandbox
from tests.support import STACK, FakeContext, Result, _module, auth_headers, invoke
from tests.webhook_receiver import Receiver, drain, receiver

PROVIDER = "supersaas"
DEMO = demo_of(PROVIDER)
DAY = date(2027, 1, 12)  # a Tuesday after the pinned clock; the DEMO resources work that day


def deliver_function(event: dict[str, Any]) -> Any:
    fn = STACK.functions["DeliveryFunction"]
    return _module(fn).lambda_handler(event, FakeContext(fn))


@pytest.fixture()
def setup(moto_aws: None, sandboxes: Any) -> Iterator[tuple[str, str, Receiver, str]]:
    """(API key, connection id, receiver, the endpoint's secret), the endpoint wanting every event."""
    from aptura.store.connections import create_connection
    from aptura.store.keys import create_api_key

    sandbox = f"{sandboxes.url}/{PROVIDER}/_sandbox"
    fresh_sandbox(sandbox)
    raw, key = create_api_key("acct_hooks", "test")
    conn = create_connection(key.account_id, PROVIDER, "test", DEMO["config"], DEMO["credentials"],
                             end_user={"id": "biz_7", "name": "Hair by Jo", "email": "jo@example.com"})
    with receiver() as hook:
        made = invoke("POST", "/v1/webhook-endpoints", headers=auth_headers(raw, None),
                      json_body={"url": hook.url, "event_types": ["*"]})
        assert made.status == 201, made
        yield raw, conn.connection_id, hook, made.body["secret"]
    httpx.post(f"{sandbox}/reset").raise_for_status()


def call(key: str, connection_id: str | None, method: str, path: str, **kwargs: Any) -> Result:
    return invoke(method, path, headers={**auth_headers(key, connection_id), **kwargs.pop("headers", {})}, **kwargs)


def a_slot(key: str, connection_id: str) -> dict[str, Any]:
    slots = call(key, connection_id, "GET", "/v1/availability", query={
        "serviceId": DEMO["service_id"], "staffId": DEMO["staff_id"], "startDate": DAY.isoformat(),
        "endDate": DAY.isoformat()})
    assert slots.status == 200 and slots.body["slots"], slots
    return dict(slots.body["slots"][0])


def book(key: str, connection_id: str, slot: dict[str, Any], **headers: str) -> Result:
    body = {"serviceId": DEMO["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
            "client": {"firstName": "Web", "lastName": "Hook", "email": "web.hook@example.com"}}
    return call(key, connection_id, "POST", "/v1/appointments", json_body=body, headers=headers)


def received(hook: Receiver, secret: str) -> list[dict[str, Any]]:
    """Every event the receiver got so far, each verified with ``standardwebhooks``."""
    drain(deliver_function)
    return [dict(Webhook(secret).verify(d.body, d.headers)) for d in hook.received]


def test_a_booking_reaches_the_receiver_once_as_a_signed_appointment_created(
        setup: tuple[str, str, Receiver, str]) -> None:
    key, connection_id, hook, secret = setup
    slot = a_slot(key, connection_id)
    made = book(key, connection_id, slot, **{"Idempotency-Key": "book-1"})
    assert made.status == 201, made
    replay = book(key, connection_id, slot, **{"Idempotency-Key": "book-1"})  # answered from the idempotency store
    assert replay.status == 201 and replay.body == made.body
    [event] = received(hook, secret)
    assert event["type"] == "appointment.created" and event["mode"] == "test"
    assert event["connection_id"] == connection_id and event["data"]["object"] == made.body
    assert event["end_user"] == {"id": "biz_7", "name": "Hair by Jo", "email": "jo@example.com"}
    assert event["data"]["previous"] == {} and hook.received[0].headers["webhook-id"] == event["id"]

    cancelled = call(key, connection_id, "POST", f"/v1/appointments/{made.body['id']}/cancel")
    assert cancelled.status == 200, cancelled
    again = call(key, connection_id, "POST", f"/v1/appointments/{made.body['id']}/cancel")
    assert again.status == 200  # answers the same, changes nothing: no second event
    first, cancel = received(hook, secret)
    assert first == event and cancel["type"] == "appointment.cancelled"
    assert cancel["data"]["object"]["status"] == "cancelled"
    assert cancel["data"]["previous"] == {"status": made.body["status"]}


def test_a_refused_booking_emits_nothing(setup: tuple[str, str, Receiver, str]) -> None:
    key, connection_id, hook, secret = setup
    slot = a_slot(key, connection_id)
    assert book(key, connection_id, slot).status == 201
    assert book(key, connection_id, slot).status == 409  # the same slot again
    assert [e["type"] for e in received(hook, secret)] == ["appointment.created"]


def test_connections_made_and_deleted_through_the_api_are_events(setup: tuple[str, str, Receiver, str]) -> None:
    key, _, hook, secret = setup
    made = call(key, None, "POST", "/v1/connections", json_body={
        "provider": PROVIDER, "config": dict(DEMO["config"]), "credentials": dict(DEMO["credentials"])})
    assert made.status == 201, made
    assert call(key, None, "DELETE", f"/v1/connections/{made.body['id']}").status == 204
    created, deleted = received(hook, secret)
    assert created["type"] == "connection.created" and created["data"]["object"] == made.body
    assert deleted["type"] == "connection.deleted" and deleted["connection_id"] == made.body["id"]
    for event in (created, deleted):
        assert "credentials" not in event["data"]["object"]


def test_credentials_refused_are_one_connection_error_until_they_work_again(
        setup: tuple[str, str, Receiver, str]) -> None:
    from aptura.store.connections import create_connection

    key, _, hook, secret = setup
    wrong = {**DEMO["credentials"], **{k: "not-the-right-one-42" for k in DEMO["credentials"]}}
    conn = create_connection("acct_hooks", PROVIDER, "test", DEMO["config"], wrong)
    for _ in range(2):
        refused = call(key, conn.connection_id, "GET", "/v1/availability", query={
            "serviceId": DEMO["service_id"], "startDate": DAY.isoformat(), "endDate": DAY.isoformat()})
        assert refused.status == 401 and refused.body["error"] == "connection_auth_failed", refused
    [event] = received(hook, secret)
    assert event["type"] == "connection.error" and event["connection_id"] == conn.connection_id
    assert event["data"]["object"]["status"] == "error"
    assert event["data"]["object"]["last_error"]["code"] == "connection_auth_failed"
    assert "not-the-right-one-42" not in json.dumps(event)
