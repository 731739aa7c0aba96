"""The operator CLI creates keys and validated connections in the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aptura.admin import main
from aptura.store.connections import get_connection, read_credentials
from aptura.store.keys import resolve_api_key
from sandboxes.mindbody.app import DEMO


def test_create_key_prints_it_once_and_stores_a_hash(moto_aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create-key", "--account", "acct_cli", "--mode", "live", "--scopes", "bookings:read"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["api_key"].startswith("apt_live_")
    key = resolve_api_key(out["api_key"])
    assert key is not None and key.account_id == "acct_cli" and key.scopes == ("bookings:read",)


def test_create_connection_validates_against_the_spec(moto_aws: None, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    creds = tmp_path / "creds.json"
    creds.write_text(json.dumps(DEMO["credentials"]))
    assert main(["create-connection", "--account", "acct_cli", "--mode", "test", "--provider", "mindbody",
                 "--config", json.dumps({k: v for k, v in DEMO["config"].items() if k != "bookingIncrementMinutes"}),
                 "--credentials-file", str(creds)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["config"]["bookingIncrementMinutes"] == 15  # the spec's default was applied
    record = get_connection("acct_cli", out["connection_id"])
    assert record is not None and read_credentials(record) == DEMO["credentials"]
    assert "password" not in json.dumps(out)

    assert main(["create-connection", "--account", "acct_cli", "--mode", "test", "--provider", "mindbody",
                 "--config", json.dumps({"siteId": "abc", "timezone": "Mars/Base"}), "--credentials-file",
                 str(creds)]) == 1
    error = json.loads(capsys.readouterr().err)
    assert error["error"] == "validation_error"
    assert {"config.siteId", "config.timezone", "config.locationId"} <= set(error["details"])


def test_set_limits_changes_what_the_account_keys_may_do(moto_aws: None, capsys: pytest.CaptureFixture[str]) -> None:
    from aptura.store.keys import account_limits, create_api_key, use_api_key

    assert main(["set-limits", "--account", "acct_lim", "--per-minute", "2", "--per-hour", "10"]) == 0
    assert json.loads(capsys.readouterr().out)["rate_limits"] == {"per_minute": 2, "per_hour": 10}
    assert account_limits("acct_lim") == {"per_minute": 2, "per_hour": 10}
    raw, _ = create_api_key("acct_lim", "test")
    usages = [use_api_key(raw, now=1_800_000_000 + i) for i in range(3)]
    assert [u[1].exceeded for u in usages if u] == [False, False, True]
    with pytest.raises(SystemExit):
        main(["set-limits", "--account", "acct_lim", "--per-minute", "0", "--per-hour", "10"])
