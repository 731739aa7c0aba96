"""Multi-step booking flows must unwind cleanly when a later step fails: checked against
the sandbox's own state (the provider's view), through the real handlers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from aptura.store.connections import create_connection
from aptura.store.keys import create_api_key
from tests.conformance.conftest import demo_of, fresh_sandbox
from tests.support import auth_headers, invoke


@pytest.fixture()
def boulevard(moto_aws: None, sandboxes: Any) -> dict[str, Any]:
    root = f"{sandboxes.url}/boulevard/_sandbox"
    fresh_sandbox(root)
    demo = demo_of("boulevard")
    key, record = create_api_key("acct_flows", "test")
    conn = create_connection(record.account_id, "boulevard", "test", demo["config"], demo["credentials"])
    return {"root": root, "demo": demo, "key": key, "conn": conn.connection_id}


def slots(ctx: dict[str, Any]) -> list[dict[str, Any]]:
    result = invoke("GET", "/v1/availability", headers=auth_headers(ctx["key"], ctx["conn"]),
                    query={"serviceId": ctx["demo"]["service_id"], "staffId": ctx["demo"]["staff_id"],
                           "startDate": "2027-01-12", "endDate": "2027-01-12"})
    assert result.status == 200, result
    return list(result.body["slots"])


def book(ctx: dict[str, Any], slot: dict[str, Any]) -> Any:
    return invoke("POST", "/v1/appointments", headers=auth_headers(ctx["key"], ctx["conn"]), json_body={
        "serviceId": ctx["demo"]["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
        "client": {"firstName": "Alex", "lastName": "Johnson", "email": "alex.flow@example.com"}})


def posts(root: str) -> int:
    return sum(1 for r in httpx.get(f"{root}/requests").json() if r["method"] == "POST")


def state(root: str) -> dict[str, Any]:
    return httpx.get(f"{root}/state").json()


def held(root: str) -> list[Any]:
    return [c for c in state(root)["carts"] if c["reservation"] is not None and c["completedAt"] is None]


def test_a_failed_checkout_leaves_no_reserved_slot_behind(boulevard: dict[str, Any]) -> None:
    root = boulevard["root"]
    first = slots(boulevard)[0]
    before = posts(root)
    assert book(boulevard, first).status == 201
    flow = posts(root) - before  # the POSTs of one booking; the last is the checkout
    booked = len(state(root)["appointments"])
    second = slots(boulevard)[0]  # free after the first booking

    httpx.post(f"{root}/faults", json={"rules": [
        {"method": "POST", "path": ".*", "kind": "status", "status": 502, "after": flow - 1, "count": 1}]}
    ).raise_for_status()
    failed = book(boulevard, second)
    httpx.delete(f"{root}/faults").raise_for_status()

    assert failed.status == 502 and failed.body["error"] == "provider_error", failed
    assert held(root) == [], "compensation released the reservation"
    assert len(state(root)["appointments"]) == booked, "nothing was booked"
    assert any(s["startTime"] == second["startTime"] for s in slots(boulevard)), "the slot is free again"
    assert book(boulevard, second).status == 201


def test_a_failed_reservation_step_also_unwinds(boulevard: dict[str, Any]) -> None:
    root = boulevard["root"]
    first = slots(boulevard)[0]
    before = posts(root)
    assert book(boulevard, first).status == 201
    flow = posts(root) - before
    second = slots(boulevard)[0]
    httpx.post(f"{root}/faults", json={"rules": [
        {"method": "POST", "path": ".*", "kind": "status", "status": 503, "after": flow - 2, "count": 1}]}
    ).raise_for_status()
    failed = book(boulevard, second)
    httpx.delete(f"{root}/faults").raise_for_status()
    assert failed.status == 503, failed
    assert held(root) == []
