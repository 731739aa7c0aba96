"""A refused booking is read from the provider's behaviour, not from its words.

Each sandbox refuses a taken slot in several wordings (``DEMO["slot_taken_wordings"]``, chosen with
``POST /_sandbox/wording``); whichever it uses, Aptura answers 409 ``conflict`` with reason
``slot_taken`` and the time in UTC, because the slot is no longer offered. A refusal for another
reason (``DEMO["refusal_fault"]``, in the provider's own error format) while the slot is still
offered is 422 with the provider's reason. The re-read never books a second time.
"""

from __future__ import annotations

from datetime import timedelta

from tests.conformance.conftest import Provisioned
from tests.conformance.test_conformance import START, availability, book
from tests.support import auth_headers, invoke


def _bookings(p: Provisioned) -> int:
    state = p.admin("state", method="GET")
    rows = state.get("appointments") or state.get("bookings") or []
    return len(rows) if isinstance(rows, list | dict) else 0


def test_every_wording_of_a_taken_slot_is_409_slot_taken(provider: Provisioned) -> None:
    day = START + timedelta(days=3)
    slots = availability(provider, day, day, staffId=provider.demo["staff_id"]).body["slots"]
    slot = slots[len(slots) // 2]
    assert book(provider, slot).status == 201
    booked = _bookings(provider)
    wordings = provider.demo["slot_taken_wordings"]
    assert wordings >= 2, "a sandbox words a taken slot in more than one way"
    for n in range(wordings):
        provider.admin("wording", {"slot_taken": n})
        refused = book(provider, slot, email=f"late.{n}@example.com")
        assert refused.status == 409, (n, refused)
        assert refused.body["error"] == "conflict", (n, refused)
        assert refused.body["details"]["reason"] == "slot_taken", (n, refused)
        assert slot["startTime"] in refused.body["message"], (n, refused)  # UTC, "Z"
        assert refused.body["details"]["startTime"] == slot["startTime"]
        assert _bookings(provider) == booked, "a refusal books nothing (the re-read is a read)"


def test_a_refusal_for_another_reason_is_422_with_the_providers_reason(provider: Provisioned) -> None:
    day = START + timedelta(days=3)
    slots = availability(provider, day, day, staffId=provider.demo["staff_id"]).body["slots"]
    slot = slots[0]
    before = _bookings(provider)
    fault = provider.demo["refusal_fault"]
    provider.admin("faults", {"rules": [{"kind": "status", "count": 1, **fault}]})
    refused = book(provider, slot, email="refused@example.com")
    assert refused.status == 422, refused
    assert refused.body["error"] == "unprocessable"
    reason = str(fault["body"])
    assert refused.body["details"]["reason"] == "provider_refused"
    assert refused.body["details"]["provider_message"] in reason, refused
    assert refused.body["details"]["provider_message"] in refused.body["message"]
    assert _bookings(provider) == before, "nothing was booked"
    # The slot is still free: the re-read booked nothing, and booking it now works.
    assert book(provider, slot, email="refused@example.com").status == 201


def test_every_wording_of_a_taken_slot_on_reschedule_is_409(provider: Provisioned) -> None:
    day = START + timedelta(days=3)
    slots = availability(provider, day, day, staffId=provider.demo["staff_id"]).body["slots"]
    first, second = slots[0], slots[-1]
    assert book(provider, first, email="first@example.com").status == 201
    moving = book(provider, second, email="second@example.com")
    assert moving.status == 201, moving
    headers = auth_headers(provider.key, provider.connection_id)
    for n in range(provider.demo["slot_taken_wordings"]):
        provider.admin("wording", {"slot_taken": n})
        clash = invoke("PATCH", f"/v1/appointments/{moving.body['id']}", headers=headers,
                       json_body={"startTime": first["startTime"]})
        if clash.status == 501:  # the provider cannot reschedule
            return
        assert clash.status == 409, (n, clash)
        assert clash.body["error"] == "conflict"
        assert clash.body["details"]["reason"] == "slot_taken", (n, clash)
        assert first["startTime"] in clash.body["message"], (n, clash)
    still = invoke("GET", f"/v1/appointments/{moving.body['id']}", headers=headers)
    assert still.body["startTime"] == second["startTime"], "the booking stays where it was"
