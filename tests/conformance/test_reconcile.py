"""The conformance suite, part three: bookings whose outcome is unknown, for every provider.

Each booking carries Aptura's reference on the provider's record (notes or an external
field, as the spec says). When the booking request is sent but never answered, the caller
gets the fault with ``write_outcome: unknown`` and the reference; Aptura looks the booking
up at once, and a retry with the same Idempotency-Key looks again before booking. Either
way the provider ends up holding exactly one booking.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from aptura.engine import http
from aptura.engine.runner import Runner
from aptura.spec.loader import load_spec
from tests.conformance.conftest import Provisioned
from tests.conformance.test_conformance import book
from tests.conformance.test_lifecycle import call, slots_on
from tests.support import Result, auth_headers, invoke

TIMEOUT = 1.0  # each provider request's timeout here: short, yet with room for the healthy calls on a busy machine
# How long a faulty provider holds the booking request: past TIMEOUT plus Aptura's own lookup
# (about 0.3 s here), with room for a slow machine, so the lookup cannot see it land.
STALL = 3.0


@pytest.fixture()
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "DEFAULT_TIMEOUT", TIMEOUT)


@pytest.fixture()
def provider(provider: Provisioned) -> Iterator[Provisioned]:
    assert load_spec(provider.provider).stamps_reference(), "every provider keeps Aptura's reference"
    yield provider
    provider.admin("faults", method="DELETE")


def keyed_book(p: Provisioned, slot: dict[str, Any], key: str, email: str) -> Result:
    body = {"serviceId": p.demo["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
            "client": {"firstName": "Una", "lastName": "Certain", "email": email}, "notes": "window seat"}
    return invoke("POST", "/v1/appointments", json_body=body,
                  headers={**auth_headers(p.key, p.connection_id), "Idempotency-Key": key})


def held_at(p: Provisioned, slot: dict[str, Any]) -> list[dict[str, Any]]:
    """The live bookings the provider holds at ``slot`` (through Aptura's own list)."""
    day = slot["startTime"][:10]
    listed = call(p, "GET", "/v1/appointments", query={"start_date": day, "end_date": day, "limit": 100})
    assert listed.status == 200, listed
    return [a for a in listed.body["data"] if a["startTime"] == slot["startTime"] and a["status"] != "cancelled"]


def fault_on_booking(p: Provisioned, kind: str, **extra: Any) -> None:
    p.admin("faults", {"rules": [{**p.demo["booking_request"], "kind": kind, "count": 1, **extra}]})


def test_the_reference_is_kept_and_the_notes_stay_the_callers(provider: Provisioned) -> None:
    p = provider
    slot = slots_on(p, 4)[0]
    made = book(p, slot, email="ref.keeper@example.com")
    assert made.status == 201, made
    reference = made.body["reference"]
    assert reference.startswith("aptref_"), made.body
    assert made.body["notes"] == "conformance"
    got = call(p, "GET", f"/v1/appointments/{made.body['id']}")
    assert got.status == 200 and got.body["reference"] == reference and got.body["notes"] == "conformance", got
    day = slot["startTime"][:10]
    found = call(p, "GET", "/v1/appointments", query={"start_date": day, "end_date": day, "reference": reference})
    assert [a["id"] for a in found.body["data"]] == [made.body["id"]], found
    other = call(p, "GET", "/v1/appointments", query={"start_date": day, "end_date": day, "reference": "aptref_0"})
    assert other.status == 200 and other.body["data"] == [], other


def test_a_timed_out_booking_that_landed_is_found_by_the_retry(provider: Provisioned, quick: None) -> None:
    p = provider
    slot = slots_on(p, 4)[0]
    # The provider books it only after Aptura has given up waiting.
    fault_on_booking(p, "timeout", seconds=STALL)
    first = keyed_book(p, slot, "retry-after-timeout", "late.lander@example.com")
    assert first.status == 504, first
    assert first.body["error"] == "provider_timeout"
    assert first.body["details"]["write_outcome"] == "unknown", first.body
    reference = first.body["details"]["reference"]
    deadline = time.monotonic() + STALL + 2
    while not held_at(p, slot) and time.monotonic() < deadline:
        time.sleep(0.1)
    landed = held_at(p, slot)
    assert [a["reference"] for a in landed] == [reference], landed

    again = keyed_book(p, slot, "retry-after-timeout", "late.lander@example.com")
    assert again.status == 201, again
    assert again.body["id"] == landed[0]["id"] and again.body["reference"] == reference
    assert [a["id"] for a in held_at(p, slot)] == [landed[0]["id"]], "the retry did not book twice"
    replay = keyed_book(p, slot, "retry-after-timeout", "late.lander@example.com")
    assert (replay.status, replay.body) == (again.status, again.body)


def test_a_booking_that_landed_before_the_answer_stalled_is_found_at_once(provider: Provisioned,
                                                                          quick: None) -> None:
    p = provider
    slot = slots_on(p, 4)[0]
    fault_on_booking(p, "slow_body", seconds=STALL)
    made = keyed_book(p, slot, "stalled-answer", "stalled.answer@example.com")
    assert made.status == 201, made
    held = held_at(p, slot)
    assert [a["id"] for a in held] == [made.body["id"]], held
    assert made.body["reference"] == held[0]["reference"]


def test_a_booking_lost_on_the_way_is_made_by_the_retry_once(provider: Provisioned) -> None:
    p = provider
    slot = slots_on(p, 4)[0]
    fault_on_booking(p, "reset")
    lost = keyed_book(p, slot, "lost-on-the-way", "lost.way@example.com")
    assert lost.status == 503, lost
    assert lost.body["details"]["write_outcome"] == "unknown", lost.body
    assert held_at(p, slot) == []

    made = keyed_book(p, slot, "lost-on-the-way", "lost.way@example.com")
    assert made.status == 201, made
    assert made.body["reference"] == lost.body["details"]["reference"]
    assert [a["id"] for a in held_at(p, slot)] == [made.body["id"]]


def test_a_retry_that_cannot_look_does_not_book(provider: Provisioned, monkeypatch: pytest.MonkeyPatch) -> None:
    p = provider
    slot = slots_on(p, 4)[0]
    fault_on_booking(p, "reset")
    lost = keyed_book(p, slot, "cannot-look", "cannot.look@example.com")
    assert lost.status == 503 and lost.body["details"]["write_outcome"] == "unknown", lost

    ran: list[str] = []
    real_run = Runner.run

    def run(self: Runner, operation: str, input_: dict[str, Any]) -> Any:
        ran.append(operation)
        return real_run(self, operation, input_)

    monkeypatch.setattr(Runner, "run", run)
    p.admin("faults", {"rules": [{"path": ".*", "kind": "status", "status": 503}]})  # the provider is down
    blind = keyed_book(p, slot, "cannot-look", "cannot.look@example.com")
    assert blind.status == 503, blind
    assert blind.body["details"]["write_outcome"] == "unknown"
    assert blind.body["details"]["reference"] == lost.body["details"]["reference"]
    assert ran == ["appointments.list"], "without a lookup, no second booking attempt"

    p.admin("faults", method="DELETE")
    made = keyed_book(p, slot, "cannot-look", "cannot.look@example.com")
    assert made.status == 201, made
    assert ran[1:] == ["appointments.list", "appointments.create"]
    assert [a["id"] for a in held_at(p, slot)] == [made.body["id"]]


def test_a_refused_booking_is_not_an_unknown_outcome(provider: Provisioned) -> None:
    p = provider
    slot = slots_on(p, 4)[0]
    assert book(p, slot, email="first.one@example.com").status == 201
    taken = keyed_book(p, slot, "slot-taken", "second.one@example.com")
    assert taken.status == 409, taken
    assert "write_outcome" not in taken.body["details"] and "reference" not in taken.body["details"]
