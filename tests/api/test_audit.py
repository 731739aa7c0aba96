"""The audit trail through the real handlers: every write leaves one structured line naming the
account, key, connection, operation, provider request id and outcome, whichever way it ends."""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest

from tests.conformance.conftest import demo_of, fresh_sandbox
from tests.support import Result, auth_headers, invoke

PROVIDER = "supersaas"
DEMO = demo_of(PROVIDER)
DAY = date(2027, 1, 12)  # a Tuesday after the pinned clock; the DEMO resources work that day


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def audits(self) -> list[dict[str, Any]]:
        return [entry for entry in map(json.loads, self.lines) if entry.get("audit")]


@dataclass
class Account:
    key: str
    key_id: str
    account_id: str
    connection_id: str
    sandbox: str

    def call(self, method: str, path: str, **kwargs: Any) -> Result:
        return invoke(method, path, headers={**auth_headers(self.key, self.connection_id),
                                             **kwargs.pop("headers", {})}, **kwargs)


@pytest.fixture()
def lines() -> Iterator[_Lines]:
    """Every line the handlers log, formatted as in Lambda."""
    from aptura.api.app import logger

    capture = _Lines()
    capture.setFormatter(logger.registered_formatter)
    logging.getLogger("aptura").addHandler(capture)
    yield capture
    logging.getLogger("aptura").removeHandler(capture)


@pytest.fixture()
def acct(moto_aws: None, sandboxes: Any) -> Iterator[Account]:
    from aptura.store.connections import create_connection
    from aptura.store.keys import create_api_key

    sandbox = f"{sandboxes.url}/{PROVIDER}/_sandbox"
    fresh_sandbox(sandbox)
    raw, key = create_api_key("acct_audit", "test")
    conn = create_connection(key.account_id, PROVIDER, "test", DEMO["config"], DEMO["credentials"])
    yield Account(raw, key.key_id, key.account_id, conn.connection_id, sandbox)
    httpx.post(f"{sandbox}/reset").raise_for_status()


@pytest.fixture()
def provider_ids(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make every provider answer carry an ``X-Request-Id`` (the sandboxes send none); returns them in order."""
    from aptura.engine.http import Transport

    original, issued, numbers = Transport.send, [], itertools.count(1)

    def send(self: Transport, *args: Any, **kwargs: Any) -> Any:
        response = original(self, *args, **kwargs)
        issued.append(f"sbx-{next(numbers)}")
        response.headers["x-request-id"] = issued[-1]
        return response

    monkeypatch.setattr(Transport, "send", send)
    return issued


def a_slot(acct: Account, index: int = 0) -> dict[str, Any]:
    result = acct.call("GET", "/v1/availability", query={"serviceId": DEMO["service_id"], "staffId": DEMO["staff_id"],
                                                         "startDate": DAY.isoformat(), "endDate": DAY.isoformat()})
    assert result.status == 200 and result.body["slots"], result
    return dict(result.body["slots"][index])


def book(acct: Account, slot: dict[str, Any], **headers: str) -> Result:
    body = {"serviceId": DEMO["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
            "client": {"firstName": "Audit", "lastName": "Trail", "email": "audit.trail@example.com"}}
    return acct.call("POST", "/v1/appointments", json_body=body, headers=headers)


def test_a_booking_and_its_cancellation_are_audited_with_the_providers_request_id(
        acct: Account, lines: _Lines, provider_ids: list[str]) -> None:
    slot = a_slot(acct)
    assert lines.audits() == []  # reads are not audited
    made = book(acct, slot)
    assert made.status == 201, made
    last_of_booking = provider_ids[-1]
    cancelled = acct.call("POST", f"/v1/appointments/{made.body['id']}/cancel")
    assert cancelled.status == 200, cancelled
    created, cancel = lines.audits()
    assert created == {**created, "operation": "appointments.create", "outcome": "created",
                       "route": "POST /v1/appointments", "appointment_id": made.body["id"],
                       "account_id": acct.account_id, "by_key_id": acct.key_id,
                       "connection_id": acct.connection_id, "provider": PROVIDER,
                       "provider_request_id": last_of_booking, "level": "INFO", "service": "aptura"}
    assert cancel["operation"] == "appointments.cancel" and cancel["outcome"] == "cancelled"
    assert cancel["provider_request_id"] == provider_ids[-1] != last_of_booking
    assert cancel["route"] == "POST /v1/appointments/{appointment_id}/cancel"


def test_a_slot_taken_is_audited_as_refused(acct: Account, lines: _Lines) -> None:
    slot = a_slot(acct, 2)
    assert book(acct, slot).status == 201
    again = book(acct, slot)
    assert again.status == 409, again
    created, refused = lines.audits()
    assert created["outcome"] == "created" and created["provider_request_id"]  # the sandbox tags its answers
    assert {k: refused.get(k) for k in ("operation", "outcome", "error", "status", "account_id", "connection_id",
                                        "provider")} == {
        "operation": "appointments.create", "outcome": "refused", "error": "conflict", "status": 409,
        "account_id": acct.account_id, "connection_id": acct.connection_id, "provider": PROVIDER}


def test_a_provider_failure_is_audited_with_the_request_id_of_its_answer(acct: Account, lines: _Lines) -> None:
    slot = a_slot(acct)
    rule = {"path": "api/bookings.json", "method": "POST", "kind": "status", "status": 503,
            "headers": {"X-Request-Id": "sbx-fault-7", "Retry-After": "1"}, "count": 1}
    httpx.post(f"{acct.sandbox}/faults", json={"rules": [rule]}).raise_for_status()
    failed = book(acct, slot)
    assert failed.status == 503, failed
    [entry] = lines.audits()
    assert (entry["operation"], entry["outcome"], entry["error"], entry["status"]) == (
        "appointments.create", "failed", "provider_unavailable", 503)
    assert entry["provider_request_id"] == "sbx-fault-7" and entry["connection_id"] == acct.connection_id


def test_writes_refused_before_the_provider_are_audited_with_what_is_known(acct: Account, lines: _Lines) -> None:
    slot = a_slot(acct)
    assert book(acct, slot).status == 201  # resolve_caller put this account on the logger's keys ...
    body = {"serviceId": DEMO["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
            "client": {"firstName": "A", "lastName": "B", "email": "a.b@example.com"}}
    bad_key = invoke("POST", "/v1/appointments", headers=auth_headers("apt_test_notarealkey00000", "conn_x"),
                     json_body=body)
    invalid = acct.call("POST", "/v1/appointments", json_body={"serviceId": "1"})
    unknown = invoke("POST", "/v1/appointments/apt_1/cancel", headers=auth_headers(acct.key, "conn_elsewhere"))
    assert (bad_key.status, invalid.status, unknown.status) == (401, 400, 404)
    _, unauthenticated, malformed, missing = lines.audits()
    # ... and a warm container must not lend it to the next request's lines.
    assert "account_id" not in unauthenticated and "connection_id" not in unauthenticated
    assert (unauthenticated["outcome"], unauthenticated["error"]) == ("refused", "unauthorized")
    assert unauthenticated["operation"] == unauthenticated["route"] == "POST /v1/appointments"
    assert (malformed["error"], malformed["status"]) == ("validation_error", 400)
    assert malformed["account_id"] == acct.account_id  # the key is checked before the body is described
    assert (missing["error"], missing["account_id"], missing["connection_id"]) == (
        "not_found", acct.account_id, "conn_elsewhere")
    assert missing["route"] == "POST /v1/appointments/{appointment_id}/cancel"
    assert missing["by_key_id"] == acct.key_id
    assert all("apt_test_notarealkey00000" not in line for line in lines.lines)


def test_an_idempotent_replay_is_audited_as_a_success(acct: Account, lines: _Lines) -> None:
    slot = a_slot(acct, 4)
    first = book(acct, slot, **{"Idempotency-Key": "audit-replay-1"})
    replay = book(acct, slot, **{"Idempotency-Key": "audit-replay-1"})
    assert first.status == replay.status == 201 and replay.body == first.body
    created, replayed = lines.audits()
    assert created["outcome"] == "created"
    assert (replayed["operation"], replayed["outcome"], replayed["status"]) == ("POST /v1/appointments",
                                                                                 "succeeded", 201)
    assert replayed["account_id"] == acct.account_id and replayed["connection_id"] == acct.connection_id


def test_a_client_created_is_audited(acct: Account, lines: _Lines) -> None:
    made = acct.call("POST", "/v1/clients", json_body={"firstName": "Ada", "lastName": "Audit",
                                                         "email": "ada.audit@example.com"})
    assert made.status == 201, made
    [entry] = lines.audits()
    assert (entry["operation"], entry["outcome"], entry["client_id"]) == ("clients.create", "created", made.body["id"])
    assert entry["connection_id"] == acct.connection_id


def test_api_key_changes_are_audited_without_the_key(acct: Account, lines: _Lines) -> None:
    made = invoke("POST", "/v1/api-keys", headers=auth_headers(acct.key, None),
                  json_body={"name": "ci", "scopes": ["availability:read"]})
    assert made.status == 201, made
    revoked = invoke("DELETE", f"/v1/api-keys/{made.body['id']}", headers=auth_headers(acct.key, None))
    assert revoked.status == 204, revoked
    narrow = invoke("POST", "/v1/api-keys", headers=auth_headers(made.body["key"], None), json_body={})
    assert narrow.status == 401  # revoked
    created, gone, refused = lines.audits()
    assert (created["operation"], created["outcome"], created["key_id"], created["scopes"]) == (
        "api_keys.create", "created", made.body["id"], ["availability:read"])
    assert (gone["operation"], gone["outcome"], gone["key_id"]) == ("api_keys.revoke", "revoked", made.body["id"])
    for entry in (created, gone):
        assert entry["account_id"] == acct.account_id and entry["by_key_id"] == acct.key_id
        assert "connection_id" not in entry
    assert (refused["route"], refused["outcome"], refused["error"]) == ("POST /v1/api-keys", "refused",
                                                                        "unauthorized")
    assert all(made.body["key"] not in line and acct.key not in line for line in lines.lines)
