"""Audit entries kept in the app table for the dashboard's activity page."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aptura.api import audit
from aptura.store.db import table


def _event(method: str, resource: str) -> dict[str, Any]:
    return {"httpMethod": method, "resource": resource, "path": resource}


def _write(account_id: str, operation: str, outcome: str, **fields: Any) -> None:
    scope = audit.begin_request(_event("POST", "/v1/appointments"))
    audit.note(account_id=account_id, by_key_id="key_1")
    audit.audit(operation, outcome, **fields)
    audit.end_request(scope, {"statusCode": 201, "body": "{}"})


def test_entries_of_a_request_are_stored_when_it_ends_and_read_newest_first(moto_aws: None) -> None:
    scope = audit.begin_request(_event("POST", "/v1/appointments"))
    audit.note(account_id="acct_a", by_key_id="key_1", connection_id="conn_1")
    audit.audit("appointments.create", "created", appointment_id="apt_1")
    assert audit.activity("acct_a") == []  # nothing written before the request ends
    audit.end_request(scope, {"statusCode": 201, "body": "{}"})
    _write("acct_a", "api_keys.revoke", "revoked", key_id="key_2")
    newest, oldest = audit.activity("acct_a")
    assert (newest["operation"], newest["key_id"]) == ("api_keys.revoke", "key_2")
    assert (oldest["operation"], oldest["outcome"], oldest["appointment_id"], oldest["connection_id"],
            oldest["route"]) == ("appointments.create", "created", "apt_1", "conn_1", "POST /v1/appointments")
    assert oldest["at"].endswith("Z") and oldest["at"] < newest["at"]
    assert oldest["message"] == "appointments.create created" and "audit" not in oldest


def test_a_refused_write_is_stored_with_its_error(moto_aws: None) -> None:
    scope = audit.begin_request(_event("PATCH", "/v1/appointments/{appointment_id}"))
    audit.note(account_id="acct_a", operation="appointments.update")
    audit.end_request(scope, {"statusCode": 409, "body": '{"error": "conflict"}'})
    [entry] = audit.activity("acct_a")
    assert (entry["operation"], entry["outcome"], entry["status"], entry["error"]) == (
        "appointments.update", "refused", 409, "conflict")


def test_stored_entries_are_redacted_and_expire_after_90_days(moto_aws: None) -> None:
    _write("acct_a", "connections.create", "created", password="hunter2-correct-horse",
           note="sent apt_test_Zx9rT4mQ2pLw7sTb9nYc4AbCd")
    [item] = table().query(KeyConditionExpression="pk = :pk",
                           ExpressionAttributeValues={":pk": "ACCOUNT#acct_a"})["Items"]
    assert "hunter2" not in item["entry"] and "Zx9rT4mQ2pLw7sTb9nYc4AbCd" not in item["entry"]
    assert item["sk"].startswith("AUDIT#")
    assert abs(int(item["expires_at"]) - (time.time() + 90 * 24 * 3600)) < 60
    [entry] = audit.activity("acct_a")
    assert entry["password"] == audit.REDACTED


def test_filters_by_operation_outcome_and_time(moto_aws: None) -> None:
    _write("acct_a", "api_keys.create", "created")
    middle = datetime.now(UTC)
    time.sleep(0.002)
    _write("acct_a", "api_keys.revoke", "revoked")
    _write("acct_a", "api_keys.create", "refused")
    assert [e["outcome"] for e in audit.activity("acct_a", operation="api_keys.create")] == ["refused", "created"]
    assert [e["operation"] for e in audit.activity("acct_a", outcome="revoked")] == ["api_keys.revoke"]
    assert [e["outcome"] for e in audit.activity("acct_a", operation="api_keys.create", outcome="created")] == [
        "created"]
    assert [e["outcome"] for e in audit.activity("acct_a", since=middle)] == ["refused", "revoked"]
    assert [e["outcome"] for e in audit.activity("acct_a", until=middle)] == ["created"]
    assert audit.activity("acct_a", since=middle + timedelta(days=1)) == []
    assert len(audit.activity("acct_a", limit=2)) == 2


def test_one_account_never_reads_another_accounts_entries(moto_aws: None) -> None:
    _write("acct_a", "api_keys.create", "created", key_id="key_a")
    _write("acct_b", "api_keys.create", "created", key_id="key_b")
    assert [e["key_id"] for e in audit.activity("acct_a")] == ["key_a"]
    assert [e["key_id"] for e in audit.activity("acct_b")] == ["key_b"]


def test_entries_outside_a_request_are_stored_at_once_and_unattributed_ones_not_at_all(moto_aws: None) -> None:
    audit.audit("account.sign_in", "succeeded", account_id="acct_c", user_sub="sub-1")
    audit.audit("tool.run", "done")  # no account: the log line is its only trail
    [entry] = audit.activity("acct_c")
    assert (entry["operation"], entry["user_sub"]) == ("account.sign_in", "sub-1")
    assert "route" not in entry
    assert table().scan()["Count"] == 1


def test_a_storage_fault_is_logged_never_raised(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> Any:
        raise RuntimeError("table gone")

    warnings: list[str] = []
    monkeypatch.setattr(audit, "table", broken)
    monkeypatch.setattr(audit.logger, "warning", lambda message, **_: warnings.append(message))
    _write("acct_a", "api_keys.create", "created")
    assert warnings == ["audit entries not stored"]
