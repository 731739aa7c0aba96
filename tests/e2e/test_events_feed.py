"""The change feed through make dev's gateway (the routes as template.yaml declares them): a booking and its
cancellation made through Aptura are delivered signed and are in ``GET /v1/events`` with sequence 1 and 2;
``POST /v1/events/{id}/redeliver`` delivers the booking's event again under the same webhook-id."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook

from tests.devstack_harness import Stack, running_stack
from tests.e2e.test_devstack import CLIENT, two_free_slots
from tests.webhook_receiver import Receiver, receiver

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("devstack-events")]

PROVIDER = "supersaas"
WAIT_S = 30


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("devstack-events")) as running:
        yield running


def _wait(hook: Receiver, appointment_id: str, count: int) -> list[Any]:
    def mine() -> list[Any]:
        return [d for d in list(hook.received) if d.event["data"]["object"].get("id") == appointment_id]

    deadline = time.monotonic() + WAIT_S
    while len(mine()) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return mine()


def test_booked_and_cancelled_through_aptura_in_the_feed_and_redelivered(stack: Stack) -> None:
    api, headers, info = stack.facts["api_url"], stack.headers(PROVIDER), stack.facts["providers"][PROVIDER]
    key = {"Authorization": f"Bearer {stack.facts['api_key']}"}
    cid = info["connection_id"]
    with receiver() as hook:
        made = httpx.post(f"{api}/v1/webhook-endpoints", headers=key, timeout=30, json={
            "url": hook.url, "event_types": ["appointment.created", "appointment.cancelled"],
            "connection_ids": [cid]})
        assert made.status_code == 201, made.text
        endpoint = made.json()
        try:
            slot = two_free_slots(stack, PROVIDER, date.today() + timedelta(days=24))[0]
            booked = httpx.post(f"{api}/v1/appointments", headers=headers, timeout=30, json={
                "serviceId": info["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
                "client": {**CLIENT, "email": "feed.e2e@example.com"}})
            assert booked.status_code == 201, booked.text
            appointment_id = booked.json()["id"]
            cancelled = httpx.post(f"{api}/v1/appointments/{appointment_id}/cancel", headers=headers, timeout=30)
            assert cancelled.status_code == 200, cancelled.text
            got = _wait(hook, appointment_id, 2)
            assert len(got) == 2, [d.event["type"] for d in hook.received]
            delivered = sorted((Webhook(endpoint["secret"]).verify(d.body, d.headers) for d in got),
                               key=lambda e: e["sequence"])
            assert [(e["type"], e["sequence"]) for e in delivered] == [
                ("appointment.created", 1), ("appointment.cancelled", 2)]

            feed = httpx.get(f"{api}/v1/events", headers=key, timeout=30,
                             params={"connection_id": cid, "limit": 10})
            assert feed.status_code == 200, feed.text
            ours = [e for e in feed.json()["data"] if e["data"]["object"].get("id") == appointment_id]
            assert ours == delivered[::-1]  # newest first, exactly as delivered
            one = httpx.get(f"{api}/v1/events/{delivered[0]['id']}", headers=key, timeout=30)
            assert one.status_code == 200 and one.json() == delivered[0]
            forward = httpx.get(f"{api}/v1/events", headers=key, timeout=30,
                                params={"after": delivered[0]["id"], "connection_id": cid})
            assert [e["id"] for e in forward.json()["data"]][:1] == [delivered[1]["id"]]

            again = httpx.post(f"{api}/v1/events/{delivered[0]['id']}/redeliver", headers=key, timeout=30)
            assert again.status_code == 202 and again.json()["endpoint_ids"] == [endpoint["id"]], again.text
            resent = _wait(hook, appointment_id, 3)
            assert len(resent) == 3
            assert [d.headers["webhook-id"] for d in resent].count(delivered[0]["id"]) == 2
        finally:
            httpx.delete(f"{api}/v1/webhook-endpoints/{endpoint['id']}", headers=key, timeout=30)
