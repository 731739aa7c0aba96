"""Spec operations beyond availability and booking that no endpoint calls yet (the
appointments lifecycle endpoints come later), run through the engine against the
sandboxes so they are proven now: TimeTap's calendar-range listing and cancel PUT."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from aptura.engine.runner import Connection, Runner
from aptura.spec.loader import load_spec
from tests.conformance.conftest import PINNED_NOW, demo_of


@pytest.fixture()
def timetap(sandboxes: Any) -> Runner:
    root = f"{sandboxes.url}/timetap/_sandbox"
    httpx.post(f"{root}/reset").raise_for_status()
    httpx.post(f"{root}/clock", json={"now": PINNED_NOW}).raise_for_status()
    demo = demo_of("timetap")
    return Runner(load_spec("timetap"), Connection("conn_ops", "timetap", "test", demo["config"], demo["credentials"]))


def test_timetap_lists_through_the_calendar_range_and_cancels_with_the_put(timetap: Runner) -> None:
    demo = demo_of("timetap")
    day = "2027-01-12"
    slots = timetap.run("availability.list", {"serviceId": demo["service_id"], "staffId": demo["staff_id"],
                                               "startDate": day, "endDate": day})
    slot = slots[0]
    made = timetap.run("appointments.create", {
        "serviceId": demo["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
        "client": {"firstName": "Casey", "lastName": "Ops", "email": "casey.ops@example.com"}})
    assert made["status"] == "confirmed"

    listed = timetap.run("appointments.list", {"startDate": day, "endDate": day, "staffId": demo["staff_id"]})
    mine = [a for a in listed if a["id"] == made["id"]]
    assert len(mine) == 1 and mine[0]["startTime"] == slot["startTime"] and mine[0]["status"] == "confirmed"

    cancelled = timetap.run("appointments.cancel", {"id": made["id"]})
    assert cancelled["id"] == made["id"] and cancelled["status"] == "cancelled"
    after = timetap.run("appointments.list", {"startDate": day, "endDate": day, "staffId": demo["staff_id"]})
    assert [a["status"] for a in after if a["id"] == made["id"]] == ["cancelled"]
    # the slot is bookable again once cancelled
    again = timetap.run("availability.list", {"serviceId": demo["service_id"], "staffId": demo["staff_id"],
                                              "startDate": day, "endDate": day})
    assert any(s["startTime"] == slot["startTime"] for s in again)
