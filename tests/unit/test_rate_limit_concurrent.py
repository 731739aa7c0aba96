"""The API key's rate limit counted while a read-only request runs, settled before it answers (moto)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from aptura.store import db
from aptura.store import keys as key_store
from aptura.store.keys import create_api_key, hash_key, set_account_limits
from tests.support import auth_headers, invoke


@pytest.fixture()
def updates(moto_aws: None) -> Iterator[list[tuple[str, bool]]]:
    """Every DynamoDB UpdateItem as (pk prefix, made on the request's thread)."""
    made: list[tuple[str, bool]] = []

    def note(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "UpdateItem":
            pk = str((params.get("Key") or {}).get("pk", ""))
            made.append((pk.split("#", 1)[0], threading.current_thread() is threading.main_thread()))

    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register("before-parameter-build.dynamodb", note)
    db.reset_clients()  # clients made from here on carry the hook
    key_store.clear_cache()
    yield made
    key_store.clear_cache()
    boto3.DEFAULT_SESSION.events.unregister("before-parameter-build.dynamodb", note)


def frozen_clock(monkeypatch: pytest.MonkeyPatch, at: float) -> None:
    """Pin the clock the rate limiter reads, so a test never straddles a minute."""
    monkeypatch.setattr(key_store, "time", SimpleNamespace(time=lambda: at, monotonic=time.monotonic))


def test_a_warm_read_waits_for_no_dynamodb_call(updates: list[tuple[str, bool]]) -> None:
    raw, _ = create_api_key("acct_warm", "test")
    first = invoke("GET", "/v1/providers", headers=auth_headers(raw, None))
    assert first.status == 200
    assert set(updates) == {("APIKEY", True), ("RATEACCT", True)}  # not yet known here: counted first
    updates.clear()
    second = invoke("GET", "/v1/providers", headers=auth_headers(raw, None))
    assert second.status == 200 and second.headers["x-ratelimit-remaining"] == "98"
    assert updates == [("APIKEY", False), ("RATEACCT", False)]  # both counts, off the request's thread


def test_limits_stay_exact_and_an_exhausted_key_is_counted_first(updates: list[tuple[str, bool]],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    minute_start = (int(time.time()) // 3600) * 3600 + 600
    frozen_clock(monkeypatch, minute_start + 1)
    set_account_limits("acct_exact", per_minute=3, per_hour=100)
    raw, _ = create_api_key("acct_exact", "test")
    statuses = [invoke("GET", "/v1/providers", headers=auth_headers(raw, None)).status for _ in range(3)]
    assert statuses == [200, 200, 200]
    updates.clear()
    over = invoke("GET", "/v1/providers", headers=auth_headers(raw, None))
    assert over.status == 429 and over.body["error"] == "rate_limited" and over.body["details"]["per"] == "api_key"
    assert over.headers["retry-after"] == "59" and over.headers["x-ratelimit-remaining"] == "0"
    assert over.headers["x-ratelimit-limit"] == "3"
    assert updates and not any(on_thread for _, on_thread in updates)  # the 4th was counted concurrently
    updates.clear()
    again = invoke("GET", "/v1/providers", headers=auth_headers(raw, None))
    assert again.status == 429 and again.headers["retry-after"] == "59"
    assert updates and all(on_thread for _, on_thread in updates)  # known over its limit: counted first
    frozen_clock(monkeypatch, minute_start + 61)
    fresh = invoke("GET", "/v1/providers", headers=auth_headers(raw, None))
    assert fresh.status == 200 and fresh.headers["x-ratelimit-remaining"] == "2"


def test_a_key_revoked_in_another_container_is_refused_at_its_next_read(updates: list[tuple[str, bool]]) -> None:
    raw, _ = create_api_key("acct_revoked", "test")
    assert invoke("GET", "/v1/providers", headers=auth_headers(raw, None)).status == 200  # cached here now
    # Revoked elsewhere: this container's cache still holds the key.
    db.table().delete_item(Key={"pk": f"APIKEY#{hash_key(raw)}", "sk": "APIKEY"})
    refused = invoke("GET", "/v1/providers", headers=auth_headers(raw, None))
    assert refused.status == 401 and refused.body["error"] == "unauthorized"
    assert "x-ratelimit-limit" not in refused.headers


def test_writes_are_counted_before_they_run(updates: list[tuple[str, bool]]) -> None:
    raw, _ = create_api_key("acct_writes", "test")
    assert invoke("GET", "/v1/providers", headers=auth_headers(raw, None)).status == 200
    updates.clear()
    made = invoke("POST", "/v1/api-keys", headers=auth_headers(raw, None), json_body={"scopes": ["catalog:read"]})
    assert made.status == 201, made
    assert ("APIKEY", True) in updates and not any(not on_thread for _, on_thread in updates)
