"""``make dev`` end to end for native provider webhooks: the dev stack's poller subscribes the SmoothSchedule demo
connection's Aptura URL with the sandbox; a cancellation made with SmoothSchedule's own API (never Aptura) makes
the sandbox POST its signed notification to the gateway, and a registered endpoint receives one signed
``appointment.cancelled`` at once (well within a poll interval), and nothing more after further polls."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest

from tests.conformance.conftest import demo_of
from tests.devstack_harness import Stack, running_stack
from tests.e2e.test_devstack import CLIENT, two_free_slots

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("devstack")]

PROVIDER = "smoothschedule"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("devstack-inbound")) as running:
        yield running


def test_make_dev_turns_smoothschedules_signed_webhook_into_one_appointment_cancelled(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    from standardwebhooks import Webhook

    from aptura.engine.runner import Connection, Runner
    from aptura.spec.loader import load_spec
    from tests.webhook_receiver import receiver

    api, headers, info = stack.facts["api_url"], stack.headers(PROVIDER), stack.facts["providers"][PROVIDER]
    key = {"Authorization": f"Bearer {stack.facts['api_key']}"}
    demo = demo_of(PROVIDER)
    with receiver() as hook:
        made = httpx.post(f"{api}/v1/webhook-endpoints", headers=key, timeout=30, json={
            "url": hook.url, "event_types": ["appointment.created", "appointment.cancelled"],
            "connection_ids": [info["connection_id"]]})
        assert made.status_code == 201, made.text
        endpoint = made.json()
        inbound: dict[str, Any] = {}
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the poller subscribes the connection at its next poll
            inbound = httpx.get(f"{api}/v1/connections/{info['connection_id']}/inbound", headers=key,
                                timeout=30).json()
            if inbound.get("subscribed"):
                break
            time.sleep(1)
        assert inbound.get("subscribed"), inbound
        hooks = httpx.get(f"{stack.facts['sandbox_url']}/{PROVIDER}/_sandbox/state", timeout=30).json()["webhooks"]
        assert inbound["url"] in [h["url"] for h in hooks]

        slot = two_free_slots(stack, PROVIDER, date.today() + timedelta(days=9))[0]
        booked = httpx.post(f"{api}/v1/appointments", headers=headers, timeout=30, json={
            "serviceId": info["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
            "client": {**CLIENT, "email": "inbound.e2e@example.com"}})
        assert booked.status_code == 201, booked.text
        appointment_id = booked.json()["id"]
        monkeypatch.setenv("APTURA_SANDBOX_URL", stack.facts["sandbox_url"])
        front_desk = Runner(load_spec(PROVIDER), Connection("conn_front_desk", PROVIDER, "test", demo["config"],
                                                            demo["credentials"]))
        front_desk.run("appointments.cancel", {"id": appointment_id})
        cancelled_at = time.monotonic()

        def mine() -> list[dict[str, Any]]:
            return [dict(Webhook(endpoint["secret"]).verify(d.body, d.headers)) for d in list(hook.received)
                    if d.event["data"]["object"]["id"] == appointment_id]

        while len(mine()) < 2 and time.monotonic() < cancelled_at + 30:
            time.sleep(0.1)
        took = time.monotonic() - cancelled_at
        time.sleep(11)  # two more polls: neither the poller nor a retried notification may add anything
        got = mine()
        httpx.delete(f"{api}/v1/webhook-endpoints/{endpoint['id']}", headers=key, timeout=30)
    assert [e["type"] for e in got] == ["appointment.created", "appointment.cancelled"], got
    assert got[1]["data"]["previous"].get("status") == got[0]["data"]["object"]["status"]
    sent = httpx.get(f"{stack.facts['sandbox_url']}/{PROVIDER}/_sandbox/state", timeout=30).json()["deliveries"]
    assert any(d["event"] == "booking.cancelled" and d["status"] == 200 for d in sent), sent
    assert took < 5, took  # from the notification, not a poll: a delivery's worth of time
