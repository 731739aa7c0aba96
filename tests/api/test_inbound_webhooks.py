"""Native provider webhooks end to end: a change made directly in the provider (its own API, never Aptura)
makes the sandbox send its signed notification, as the provider would, to the connection's Aptura URL; the
inbound handler verifies it, reads the appointment again and a registered endpoint receives one signed
``appointment.cancelled``. The poller then finds nothing new, a replay changes nothing, and a notification
with a bad signature is 401 and never processed.

The sandbox POSTs to an "inbox" receiver standing in for API Gateway (APTURA_PUBLIC_URL points at it); the
test hands each request it got to the real handler, as API Gateway would.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from standardwebhooks import Webhook

from aptura import inbound, poller
from aptura.engine.runner import Connection, Runner
from aptura.spec.loader import load_spec
from aptura.store.connections import ConnectionRecord, get_connection
from tests.conformance.conftest import PINNED_NOW, demo_of, fresh_sandbox
from tests.support import STACK, FakeContext, Result, _module, auth_headers, invoke
from tests.webhook_receiver import Delivery, Receiver, drain, receiver

NOW = datetime.fromisoformat(PINNED_NOW.replace("Z", "+00:00"))


def deliver_function(event: dict[str, Any]) -> Any:
    fn = STACK.functions["DeliveryFunction"]
    return _module(fn).lambda_handler(event, FakeContext(fn))


@dataclass
class Setup:
    provider: str
    key: str
    record: ConnectionRecord
    credentials: dict[str, Any]
    hook: Receiver  # the integrator's endpoint
    secret: str
    inbox: Receiver  # where the provider's notifications land
    admin: str

    def poll(self) -> poller.PollResult:
        fresh = get_connection(self.record.account_id, self.record.connection_id)
        assert fresh is not None
        return poller.poll_connection(fresh, NOW)

    def front_desk(self) -> Runner:
        """The provider's own API, spoken directly with the business's credentials (no Aptura route)."""
        return Runner(load_spec(self.provider), Connection("conn_front_desk", self.provider, "test",
                                                           self.record.config, self.credentials))

    def notification(self, after: int = 0, timeout: float = 5.0) -> Delivery:
        """The first notification the provider sent after the ``after`` first ones (it sends in the background)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.inbox.received) > after:
                return self.inbox.received[after]
            time.sleep(0.05)
        raise AssertionError(f"{self.provider} sent no notification")

    def deliver(self, delivery: Delivery, body: bytes | None = None) -> Result:
        """Hand a notification to the inbound handler as API Gateway would."""
        path = urlsplit(inbound.address(self.record).url).path
        headers = {k: v for k, v in delivery.headers.items() if k not in ("host", "content-length")}
        return invoke("POST", path, headers=headers, raw_body=delivery.body if body is None else body)

    def events(self) -> list[dict[str, Any]]:
        drain(deliver_function)
        return [dict(Webhook(self.secret).verify(d.body, d.headers)) for d in self.hook.received]

    def a_booking(self) -> dict[str, Any]:
        first, last = poller.window(NOW)
        listed = self.front_desk().run("appointments.list", {"startDate": first, "endDate": last})
        return next(a for a in listed if a["status"] != "cancelled" and a["startTime"] > PINNED_NOW)


@pytest.fixture()
def make_setup(moto_aws: None, sandboxes: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    from aptura.store.connections import create_connection
    from aptura.store.keys import create_api_key

    opened: list[str] = []
    with receiver() as hook, receiver() as inbox:
        monkeypatch.setenv("APTURA_PUBLIC_URL", inbox.url.rsplit("/", 1)[0])

        def make(provider: str, credentials: dict[str, Any] | None = None) -> Setup:
            admin = f"{sandboxes.url}/{provider}/_sandbox"
            fresh_sandbox(admin)
            opened.append(admin)
            demo = demo_of(provider)
            creds = credentials or demo["credentials"]
            raw, key = create_api_key(f"acct_inbound_{provider}", "test")
            record = create_connection(key.account_id, provider, "test", demo["config"], creds)
            made = invoke("POST", "/v1/webhook-endpoints", headers=auth_headers(raw, None),
                          json_body={"url": hook.url, "event_types": list(poller.APPOINTMENT_EVENTS)})
            assert made.status == 201, made
            return Setup(provider, raw, record, creds, hook, made.body["secret"], inbox, admin)

        yield make
    for admin in opened:
        httpx.post(f"{admin}/reset").raise_for_status()


def cancelled_directly_reaches_the_endpoint_once(setup: Setup, cancel: Any = None) -> Delivery:
    """The shared scenario: baseline poll, a cancellation in the provider (``cancel(id)``; default: its API
    through the spec), its notification, one event; returns the notification."""
    assert setup.poll().status == "baseline"
    target = setup.a_booking()
    sent_before = len(setup.inbox.received)
    if cancel is None:
        setup.front_desk().run("appointments.cancel", {"id": target["id"]})
    else:
        cancel(target["id"])
    notification = setup.notification(sent_before)

    answer = setup.deliver(notification)
    assert answer.status == 200 and answer.body == {"received": True, "events": 1}, answer
    [event] = setup.events()
    assert event["type"] == "appointment.cancelled" and event["connection_id"] == setup.record.connection_id
    assert event["data"]["object"]["id"] == target["id"] and event["data"]["object"]["status"] == "cancelled"
    assert event["data"]["previous"]["status"] == target["status"]

    # The same change seen again, by the poller or as the provider's retry of the notification: no event.
    assert setup.poll().events == []
    assert setup.deliver(notification).body == {"received": True, "events": 0}
    assert len(setup.events()) == 1

    # At another connection's or a guessed token: 401 in Aptura's error format, nothing processed.
    path = urlsplit(inbound.address(setup.record).url).path
    guessed = invoke("POST", path.rsplit("/", 1)[0] + "/" + "x" * 32, raw_body=notification.body,
                     headers={k: v for k, v in notification.headers.items() if k not in ("host", "content-length")})
    assert guessed.status == 401 and guessed.body["error"] == "unauthorized", guessed
    assert len(setup.events()) == 1
    return notification


def forged_is_refused(setup: Setup, notification: Delivery, header: str) -> None:
    """A tampered body, and no signature at all: 401, nothing processed."""
    for body, headers in ((notification.body.replace(b"booking", b"b00king"), notification.headers),
                          (notification.body, {k: v for k, v in notification.headers.items() if k != header})):
        refused = setup.deliver(Delivery(headers, body))
        assert refused.status == 401 and refused.body["error"] == "unauthorized", refused
    assert len(setup.events()) == 1


def test_smoothschedule_subscribes_and_its_signed_cancellation_becomes_one_event(make_setup: Any) -> None:
    setup: Setup = make_setup("smoothschedule")
    forged_is_refused(setup, cancelled_directly_reaches_the_endpoint_once(setup), "x-smoothschedule-signature")
    hooks = httpx.get(f"{setup.admin}/state").json()["webhooks"]
    assert [h["url"] for h in hooks] == [inbound.address(setup.record).url]  # subscribed once, by the poller
    assert setup.poll().events == [] and len(httpx.get(f"{setup.admin}/state").json()["webhooks"]) == 1


def test_a_booking_made_through_aptura_is_not_reported_again_by_its_notification(make_setup: Any) -> None:
    setup: Setup = make_setup("smoothschedule")
    setup.poll()
    demo = demo_of("smoothschedule")
    headers = auth_headers(setup.key, setup.record.connection_id)
    day = "2027-01-12"
    slots = invoke("GET", "/v1/availability", headers=headers, query={
        "serviceId": demo["service_id"], "staffId": demo["staff_id"], "startDate": day, "endDate": day})
    assert slots.status == 200 and slots.body["slots"], slots
    slot = slots.body["slots"][0]
    sent_before = len(setup.inbox.received)
    made = invoke("POST", "/v1/appointments", headers=headers, json_body={
        "serviceId": demo["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
        "client": {"firstName": "In", "lastName": "Bound", "email": "in.bound@example.com"}})
    assert made.status == 201, made
    answer = setup.deliver(setup.notification(sent_before))
    assert answer.status == 200 and answer.body["events"] == 0, answer
    [event] = setup.events()  # the API's own, once
    assert event["type"] == "appointment.created" and event["data"]["object"]["id"] == made.body["id"]


def test_square_subscribes_a_personal_token_connection_and_its_signed_cancellation_becomes_one_event(
        make_setup: Any) -> None:
    from sandboxes.square import seed

    setup: Setup = make_setup("square", {"access_token": seed.PERSONAL_ACCESS_TOKEN})
    forged_is_refused(setup, cancelled_directly_reaches_the_endpoint_once(setup), "x-square-hmacsha256-signature")
    [subscription] = httpx.get(f"{setup.admin}/state").json()["webhook_subscriptions"]
    # Square signs the notification URL too: the one Aptura registered, token and all.
    assert subscription["notification_url"] == inbound.address(setup.record).url


def test_square_oauth_connections_are_not_subscribed_and_say_what_to_paste(make_setup: Any) -> None:
    setup: Setup = make_setup("square")  # the demo connection: an OAuth grant (refresh token)
    setup.poll()
    assert httpx.get(f"{setup.admin}/state").json()["webhook_subscriptions"] == []
    shown = invoke("GET", f"/v1/connections/{setup.record.connection_id}/inbound",
                   headers=auth_headers(setup.key, None))
    assert shown.status == 200 and shown.body["subscribed"] is False, shown
    assert shown.body["url"] == inbound.address(setup.record).url and "Developer Console" in shown.body["instructions"]


def test_supersaas_registers_a_hook_and_a_deletion_made_with_its_api_becomes_one_event(
        make_setup: Any, sandboxes: Any) -> None:
    setup: Setup = make_setup("supersaas")
    config, credentials = setup.record.config, setup.credentials

    def delete_at_the_front_desk(booking_id: str) -> None:
        # SuperSaaS's own API, as the business's other software calls it; webhook=true makes it notify.
        httpx.delete(f"{sandboxes.url}/supersaas/api/bookings/{booking_id}.json",
                     params={"schedule_id": config["schedule_id"], "webhook": "true"},
                     auth=(config["account_name"], credentials["api_key"])).raise_for_status()

    notification = cancelled_directly_reaches_the_endpoint_once(setup, delete_at_the_front_desk)
    assert notification.event["event"] == "destroy"
    [hook] = httpx.get(f"{setup.admin}/state").json()["hooks"]
    assert hook["url"] == inbound.address(setup.record).url and hook["trigger"] == "C"


def test_a_receiver_that_crashes_after_claiming_emits_on_the_providers_retry(
        make_setup: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from aptura import events

    setup: Setup = make_setup("smoothschedule")
    setup.poll()
    target = setup.a_booking()
    sent_before = len(setup.inbox.received)
    setup.front_desk().run("appointments.cancel", {"id": target["id"]})
    notification = setup.notification(sent_before)
    with monkeypatch.context() as patched:
        def crash(*args: Any, **kwargs: Any) -> None:
            raise RuntimeError("the function died after storing the change")

        patched.setattr(events, "emit", crash)
        crashed = setup.deliver(notification)
    assert crashed.status == 500 and crashed.body["error"] == "internal_error"  # the provider will send it again
    assert setup.events() == []
    retried = setup.deliver(notification)
    assert retried.status == 200 and retried.body["events"] == 1, retried
    [event] = setup.events()
    assert event["type"] == "appointment.cancelled" and event["data"]["object"]["id"] == target["id"]
    assert setup.poll().events == [] and len(setup.events()) == 1


def test_a_deleted_connections_url_answers_401_and_its_address_is_dropped(make_setup: Any) -> None:
    from aptura.store.connections import delete_connection
    from aptura.store.db import table

    setup: Setup = make_setup("smoothschedule")
    setup.poll()
    target = setup.a_booking()
    sent_before = len(setup.inbox.received)
    setup.front_desk().run("appointments.cancel", {"id": target["id"]})
    notification = setup.notification(sent_before)
    path = urlsplit(inbound.address(setup.record).url).path
    delete_connection(setup.record)
    refused = invoke("POST", path, raw_body=notification.body,
                     headers={k: v for k, v in notification.headers.items() if k not in ("host", "content-length")})
    assert refused.status == 401 and refused.body["error"] == "unauthorized", refused
    key = {"pk": f"INBOUND#{setup.record.connection_id}", "sk": "INBOUND"}
    assert table().get_item(Key=key, ConsistentRead=True).get("Item") is None
    assert setup.events() == []
