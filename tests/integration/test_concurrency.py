"""Bookings that really happen at once: twenty callers race for one slot on every provider.

The requests go through the local API Gateway to Lambda-like worker processes (the ``gateway``
fixture), several of which handle requests at the same moment, as Lambda's execution environments
do; the store is DynamoDB Local and the providers are the sandboxes. In one process Powertools
handles one event at a time, so an in-process version of this test would only take turns.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from aptura.store.connections import create_connection
from aptura.store.keys import create_api_key
from tests.conformance.conftest import PROVIDERS, demo_of, fresh_sandbox
from tests.conformance.test_conformance import START
from tests.support import Result, auth_headers, call_gateway

pytestmark = pytest.mark.integration
RACERS = 20


def provision(provider: str, sandbox_url: str) -> dict[str, str]:
    root = f"{sandbox_url}/{provider}/_sandbox"
    fresh_sandbox(root)
    demo = demo_of(provider)
    raw, key = create_api_key(f"acct_race_{uuid.uuid4().hex[:8]}", "test")
    conn = create_connection(key.account_id, provider, "test", demo["config"], demo["credentials"])
    return auth_headers(raw, conn.connection_id)


def warm(gateway: str, headers: dict[str, str]) -> None:
    """Start twenty AppointmentsFunction environments before the race, as twenty warm containers.

    The race is about bookings, not cold starts: twenty first-time imports at once on a 2-core machine (a fresh
    clone compiles its bytecode then too) can outlast the gateway's 10 s init limit, and their 502s would hide
    what the test is after. One environment starts alone first (it writes the bytecode the others then read), then
    the rest at once. An invalid body is refused before any provider call, so no quota is spent.
    """
    first = call_gateway(gateway, "POST", "/v1/appointments", headers=headers, json_body={})
    assert first.status == 400, first
    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        refused = list(pool.map(lambda _i: call_gateway(gateway, "POST", "/v1/appointments", headers=headers,
                                                         json_body={}), range(RACERS)))
    assert all(r.status == 400 for r in refused), [r.status for r in refused]


def paced(result: Result) -> bool:
    """Whether ``result`` is Aptura refusing a call beyond the provider's declared quota (nothing was sent)."""
    return result.status == 429 and "quota" in (result.body.get("details") or {})


@pytest.mark.parametrize("provider", PROVIDERS)
def test_twenty_bookings_of_one_slot_at_once_make_exactly_one(provider: str, aws: Any, sandboxes: Any,
                                                              gateway: str) -> None:
    demo = demo_of(provider)
    headers = provision(provider, sandboxes.url)
    day = (START + timedelta(days=3)).isoformat()
    found = call_gateway(gateway, "GET", "/v1/availability", headers=headers,
                         query={"serviceId": demo["service_id"], "startDate": day, "endDate": day,
                                "staffId": demo["staff_id"]})
    assert found.status == 200 and found.body["slots"], found
    slot = found.body["slots"][0]
    warm(gateway, headers)
    start = threading.Barrier(RACERS)

    def race(i: int) -> Result:
        body = {"serviceId": demo["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
                "client": {"firstName": "Racer", "lastName": f"No{i}", "email": f"racer{i}@example.com"}}
        start.wait()
        return call_gateway(gateway, "POST", "/v1/appointments", headers=headers, json_body=body)

    with ThreadPoolExecutor(max_workers=RACERS) as pool:
        results = list(pool.map(race, range(RACERS)))
    statuses = sorted(r.status for r in results)
    # Twenty bookings can need more provider calls than a quota allows in its window (SmoothSchedule: 5 calls
    # each, 100 a minute, shared by every gateway worker): Aptura then refuses the excess itself, 429 with the
    # quota named, instead of letting the provider see more than its declared rate.
    odd = [r for r in results if r.status not in (201, 409) and not paced(r)]
    assert statuses.count(201) == 1 and not odd, (statuses, odd)
    winner = next(r.body for r in results if r.status == 201)
    assert winner["client"]["email"] == f"racer{winner['client']['lastName'][2:]}@example.com"  # its own booking
    held = call_gateway(gateway, "GET", "/v1/appointments", headers=headers,
                        query={"start_date": day, "end_date": day})
    if paced(held):
        # The race itself can use up a provider's minute (SmoothSchedule: 100): this check waits as long as
        # Aptura's Retry-After says and reads once more.
        time.sleep(float(held.headers["retry-after"]) + 1)
        held = call_gateway(gateway, "GET", "/v1/appointments", headers=headers,
                            query={"start_date": day, "end_date": day})
    assert held.status == 200, held
    at_slot = [a["id"] for a in held.body["data"] if a["startTime"] == slot["startTime"] and a["status"] != "cancelled"]
    assert at_slot == [winner["id"]]
