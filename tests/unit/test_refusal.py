"""How POST /v1/appointments judges a provider's refusal (aptura.api.routes.appointments.refusal)."""

from __future__ import annotations

from typing import Any

import pytest

from aptura.api.app import Outcome
from aptura.api.routes import appointments
from aptura.engine.http import Deadline
from aptura.errors import AptError

INPUT = {"serviceId": "200", "staffId": "7", "startTime": "2027-01-11T15:00:00Z"}
SLOT = {"startTime": "2027-01-11T15:00:00Z", "endTime": "2027-01-11T16:00:00Z", "staffId": "7"}
OTHER = {"startTime": "2027-01-11T16:00:00Z", "endTime": "2027-01-11T17:00:00Z", "staffId": "7"}


def refused(code: str = "unprocessable", message: str = "Time slot is gone", from_provider: bool = True,
            **details: Any) -> AptError:
    exc = AptError(message, code=code, details=details or {"provider_status": 400})
    exc.from_provider = from_provider
    return exc


class Reads(list[tuple[str, dict[str, Any]]]):
    """The operations the judgement ran; availability answers ``state["slots"]`` or raises ``state["fail"]``."""

    def __init__(self) -> None:
        super().__init__()
        self.state: dict[str, Any] = {"slots": [SLOT], "fail": None}


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Reads:
    calls = Reads()
    state = calls.state

    def run(caller: Any, operation: str, input_: dict[str, Any], deadline: Any = None) -> Outcome:
        calls.append((operation, input_))
        if state["fail"] is not None:
            raise state["fail"]
        return Outcome(state["slots"], "America/New_York")

    monkeypatch.setattr(appointments, "run_operation", run)
    return calls


def judge(exc: AptError) -> AptError:
    return appointments.refusal(object(), INPUT, exc, Deadline())  # type: ignore[arg-type]


def test_a_slot_no_longer_offered_is_409_slot_taken_in_utc(reads: Reads) -> None:
    reads.state["slots"] = [OTHER]
    result = judge(refused(message="Sorry, this time is no longer available"))
    assert (result.status, result.code) == (409, "conflict")
    assert result.details["reason"] == "slot_taken"
    assert "2027-01-11T15:00:00Z" in result.message and "staff member 7" in result.message
    assert result.details["provider_message"] == "Sorry, this time is no longer available"
    assert [op for op, _ in reads] == ["availability.list"], "one read, never a second booking"
    assert reads[0][1]["serviceId"] == "200" and reads[0][1]["staffId"] == "7"


def test_a_slot_still_offered_is_422_with_the_providers_reason(reads: Reads) -> None:
    result = judge(refused(message="Online booking is disabled", provider_message="Online booking is disabled"))
    assert (result.status, result.code) == (422, "unprocessable")
    assert result.details["reason"] == "provider_refused"
    assert "Online booking is disabled" in result.message


def test_a_conflict_the_provider_reported_is_still_checked(reads: Reads) -> None:
    result = judge(refused(code="conflict", message="the provider reported a conflict", provider_status=409))
    assert result.status == 422, "offered again: the 409 was about something else"
    reads.state["slots"] = []
    assert judge(refused(code="conflict", provider_status=409)).status == 409


def test_a_slot_the_spec_found_taken_is_409_without_a_read(reads: Reads) -> None:
    result = judge(refused(code="conflict", message="The slot is no longer available", from_provider=False,
                           reason="slot_taken"))
    assert result.status == 409 and "2027-01-11T15:00:00Z" in result.message
    assert reads == []


def test_when_the_read_fails_the_refusal_stands(reads: Reads) -> None:
    reads.state["fail"] = AptError("down", code="provider_unavailable")
    original = refused()
    assert judge(original) is original


@pytest.mark.parametrize("exc", [
    refused(code="not_found"),
    refused(code="rate_limited"),
    refused(code="provider_error"),
    refused(code="conflict", from_provider=False, client_id="42"),  # the spec's own check (a client conflict)
])
def test_other_failures_are_not_reread(reads: Reads, exc: AptError) -> None:
    assert judge(exc) is exc
    assert reads == []
