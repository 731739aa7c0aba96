"""Conformance: a booking that finds its client by e-mail fills that client's empty fields where
the spec can update it, never overwrites a present value, and names what it left in
``client.unchanged``; the expectation for each provider is read from its spec's ``fill``."""

from __future__ import annotations

from typing import Any

import pytest

from aptura.spec.loader import load_spec
from aptura.spec.models import FillSpec, walk_steps
from tests.conformance.conftest import PROVIDERS, Provisioned
from tests.conformance.test_lifecycle import apart, call, slots_on
from tests.support import auth_headers, invoke


def booking_fill(provider: str) -> FillSpec | None:
    """The ``fill`` of the find_or_create that finds appointments.create's client, if any."""
    operation = load_spec(provider).operations.get("appointments.create")
    steps = [step for step, _ in walk_steps(operation.steps)] if operation else []
    return next((s.find_or_create.fill for s in steps if s.find_or_create and s.find_or_create.fill), None)


FILLING = [p for p in PROVIDERS if booking_fill(p) is not None]


def test_every_provider_that_finds_the_booking_client_by_email_declares_what_it_fills() -> None:
    for provider in PROVIDERS:
        operation = load_spec(provider).operations.get("appointments.create")
        finds = operation and any(s.find_or_create for s, _ in walk_steps(operation.steps))
        assert not finds or provider in FILLING, f"{provider}: find_or_create without fill"
    # The three specs that find the client in a find_or_create (the rest book inline or by a list step).
    assert set(FILLING) >= {"digitalbooker", "mindbody", "square"} & set(PROVIDERS)


def book_as(p: Provisioned, slot: dict[str, Any], client: dict[str, Any]) -> Any:
    """Book ``slot`` for ``client`` (201 expected) and return the booking's client."""
    body = {"serviceId": p.demo["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
            "client": client}
    made = invoke("POST", "/v1/appointments", headers=auth_headers(p.key, p.connection_id), json_body=body)
    assert made.status == 201, made
    return made.body["client"]


def stored(p: Provisioned, email: str) -> dict[str, Any]:
    """The one client the provider now has with ``email``, as GET /v1/clients shows it."""
    found = call(p, "GET", "/v1/clients", query={"email": email})
    assert found.status == 200, found
    (client,) = found.body["data"]
    return client


@pytest.mark.parametrize("provider", FILLING, indirect=True)
def test_booking_fills_an_existing_clients_empty_phone_and_keeps_a_differing_name(provider: Provisioned) -> None:
    p = provider
    fill = booking_fill(p.provider)
    assert fill is not None
    fillable = set(fill.fields) if fill.request is not None else set()
    email = "fill.me@example.com"
    made = call(p, "POST", "/v1/clients", json_body={"firstName": "Robin", "lastName": "Filler", "email": email})
    assert made.status == 201, made
    assert not made.body.get("phone")
    first, second, third = apart(slots_on(p, 2), 3)

    # A phone the client lacks, and a first name that differs from the one on file.
    client = book_as(p, first, {"firstName": "Rob", "lastName": "Filler", "email": email, "phone": "+15550102030"})
    assert client["id"] == made.body["id"]
    expected = sorted(({"firstName"} & set(fill.fields)) | ({"phone"} - fillable))
    assert sorted(client["unchanged"]) == expected, client
    assert stored(p, email)["firstName"] == "Robin"  # a present value is never overwritten
    if "phone" in fillable:
        assert client["phone"] == "+15550102030", client
        assert stored(p, email)["phone"] == "+15550102030"
    else:
        assert not stored(p, email).get("phone")

    # Now a different phone: a filled phone is a present value like any other and stays.
    again = book_as(p, second, {"firstName": "Robin", "lastName": "Filler", "email": email, "phone": "+15559998877"})
    assert "phone" in again["unchanged"] and again["id"] == made.body["id"], again
    assert stored(p, email).get("phone") == ("+15550102030" if "phone" in fillable else None)

    # The client as on file: nothing to fill, nothing left.
    same = book_as(p, third, {"firstName": "Robin", "lastName": "Filler", "email": email,
                              **({"phone": "+1 555 010 2030"} if "phone" in fillable else {})})
    assert same["unchanged"] == [], same


NOT_FILLING = [p for p in PROVIDERS if p not in FILLING]


@pytest.mark.parametrize("provider", NOT_FILLING, indirect=True)
def test_a_booking_that_does_not_compare_its_client_says_so_with_a_null_unchanged(provider: Provisioned) -> None:
    """README: null ``client.unchanged`` means that provider's booking does not compare (or fill) the client."""
    p = provider
    (slot,) = apart(slots_on(p, 3), 1)
    client = book_as(p, slot, {"firstName": "Nora", "lastName": "Compare", "email": "no.compare@example.com",
                               "phone": "+15550104040"})
    assert "unchanged" in client and client["unchanged"] is None, client
