"""/v1/connections: create (validated, verified with the provider, credentials to Secrets
Manager), list, get, rotate and delete; mode and account isolation; the audit log."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from aptura.spec.loader import load_spec
from aptura.store.connections import secret_name
from tests.conformance.conftest import PINNED_NOW, demo_of
from tests.support import Result, auth_headers, invoke

PROVIDER = "mindbody"  # its spec declares connection.verify: the sandbox checks API key, site and login
DEMO = demo_of(PROVIDER)
WRONG_PASSWORD = "not-the-password-42"
# Every credential value a test sends: none may ever leave in a response body or a log line.
SECRET_VALUES = [str(v) for v in DEMO["credentials"].values()] + [WRONG_PASSWORD, "tiny-secret-key"]
SCOPES_WITHOUT_MANAGE = ("availability:read", "bookings:read", "bookings:write", "catalog:read")


def call(method: str, path: str, key: str, body: Any = None, connection_id: str | None = None,
         query: dict[str, Any] | None = None) -> Result:
    """Invoke a route and check, on every answer, that no credential is in it."""
    result = invoke(method, path, headers=auth_headers(key, connection_id), json_body=body, query=query)
    text = json.dumps(result.body)
    for value in SECRET_VALUES:
        assert value not in text, f"{method} {path} returned a credential"
    return result


def create_body(**overrides: Any) -> dict[str, Any]:
    return {"provider": PROVIDER, "config": dict(DEMO["config"]), "credentials": dict(DEMO["credentials"]),
            **overrides}


def availability(key: str, connection_id: str) -> Result:
    return call("GET", "/v1/availability", key, connection_id=connection_id,
                query={"serviceId": DEMO["service_id"], "startDate": "2027-01-12", "endDate": "2027-01-13"})


def stored_connection_items() -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(os.environ["APTURA_TABLE"])
    return [i for i in table.scan()["Items"] if str(i["sk"]).startswith("CONNECTION#")]


def stored_secret_names() -> list[str]:
    return [s["Name"] for s in boto3.client("secretsmanager").list_secrets()["SecretList"]
            if "/connections/" in s["Name"]]


def secret_of(connection_id: str) -> dict[str, Any]:
    value = boto3.client("secretsmanager").get_secret_value(SecretId=secret_name(connection_id))
    return dict(json.loads(value["SecretString"]))


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture()
def audit() -> Iterator[_Capture]:
    """The structured JSON lines the handlers log, formatted as in Lambda."""
    from aptura.api.app import logger

    capture = _Capture()
    capture.setFormatter(logger.registered_formatter)
    logger.addHandler(capture)
    yield capture
    logging.getLogger(logger.name).removeHandler(capture)  # Powertools' Logger has no removeHandler


@pytest.fixture()
def keys(moto_aws: None, sandboxes: Any) -> dict[str, str]:
    from aptura.store.keys import create_api_key

    for action, payload in (("reset", None), ("clock", {"now": PINNED_NOW})):
        httpx.post(f"{sandboxes.url}/{PROVIDER}/_sandbox/{action}", json=payload).raise_for_status()
    return {
        "a_test": create_api_key("acct_a", "test")[0],
        "a_live": create_api_key("acct_a", "live")[0],
        "b_test": create_api_key("acct_b", "test")[0],
        "a_no_manage": create_api_key("acct_a", "test", scopes=SCOPES_WITHOUT_MANAGE)[0],
    }


def created(keys: dict[str, str], **overrides: Any) -> dict[str, Any]:
    result = call("POST", "/v1/connections", keys["a_test"], create_body(**overrides))
    assert result.status == 201, result
    return dict(result.body)


# -- create ----------------------------------------------------------------------------------------------


def test_create_verifies_then_stores_config_and_secret_apart(keys: dict[str, str]) -> None:
    body = created(keys)
    assert set(body) == {"id", "provider", "mode", "status", "config", "created_at", "updated_at",
                         "last_verified_at", "last_error", "end_user"}
    assert body["end_user"] is None  # none was given
    assert body["provider"] == PROVIDER and body["mode"] == "test" and body["status"] == "active"
    assert body["config"] == {**DEMO["config"], "bookingIncrementMinutes": DEMO["config"]["bookingIncrementMinutes"]}
    assert body["last_verified_at"] and body["last_error"] is None
    assert body["created_at"].endswith("Z") and body["updated_at"] == body["created_at"]
    assert secret_of(body["id"]) == DEMO["credentials"]  # credentials only in Secrets Manager ...
    [item] = stored_connection_items()
    assert item["pk"] == "ACCOUNT#acct_a" and item["mode"] == "test"
    for value in DEMO["credentials"].values():  # ... never in DynamoDB
        assert str(value) not in repr(item)
    got = call("GET", f"/v1/connections/{body['id']}", keys["a_test"])
    assert got.status == 200 and got.body == body
    assert availability(keys["a_test"], body["id"]).status == 200  # usable at once


@pytest.mark.parametrize("overrides,fields", [
    ({"config": {**DEMO["config"], "siteId": "abc"}}, {"config.siteId"}),
    ({"credentials": {"apiKey": DEMO["credentials"]["apiKey"], "username": "u"}}, {"credentials.password"}),
    ({"config": {**DEMO["config"], "colour": "red"}}, {"config.colour"}),
    ({"config": {"siteId": "-99"}}, {"config.locationId", "config.timezone"}),
])
def test_invalid_fields_are_400_per_field_and_nothing_saved(keys: dict[str, str], overrides: dict[str, Any],
                                                            fields: set[str]) -> None:
    result = call("POST", "/v1/connections", keys["a_test"], create_body(**overrides))
    assert result.status == 400, result
    assert result.body["error"] == "validation_error" and set(result.body["details"]) == fields
    assert stored_connection_items() == [] and stored_secret_names() == []


def test_unknown_provider_and_malformed_body_are_400(keys: dict[str, str]) -> None:
    unknown = call("POST", "/v1/connections", keys["a_test"], create_body(provider="nosuchprovider"))
    assert unknown.status == 400 and unknown.body["error"] == "validation_error", unknown
    assert list(unknown.body["details"]) == ["provider"] and PROVIDER in unknown.body["details"]["provider"][0]
    bad: list[dict[str, Any]] = [{"config": {}}, {**create_body(), "credentials": "text"},
                                 {**create_body(), "extra": 1}]
    for body in bad:
        result = call("POST", "/v1/connections", keys["a_test"], body)
        assert result.status == 400 and result.body["error"] == "validation_error", (body, result)
    assert stored_connection_items() == []


def test_refused_credentials_are_422_and_nothing_is_saved(keys: dict[str, str], audit: _Capture) -> None:
    wrong = {**DEMO["credentials"], "password": WRONG_PASSWORD}
    result = call("POST", "/v1/connections", keys["a_test"], create_body(credentials=wrong))
    assert result.status == 422, result
    assert result.body["error"] == "unprocessable"
    assert result.body["details"]["credentials"] == ["refused by Mindbody"]
    assert result.body["details"]["provider_error"] == "connection_auth_failed"
    assert "refused" in result.body["message"]
    assert stored_connection_items() == [] and stored_secret_names() == []
    listed = call("GET", "/v1/connections", keys["a_test"])
    assert listed.status == 200 and listed.body["data"] == []
    refused = [json.loads(line) for line in audit.lines if "connection change refused" in line]
    assert refused and refused[-1]["outcome"] == "refused" and refused[-1]["error"] == "unprocessable"
    assert refused[-1]["operation"] == "connections.create" and refused[-1]["account_id"] == "acct_a"


def test_provider_down_keeps_its_status_and_nothing_is_saved(keys: dict[str, str], sandboxes: Any) -> None:
    rule = {"path": "usertoken/issue", "kind": "status", "status": 503, "headers": {"Retry-After": "2"}}
    httpx.post(f"{sandboxes.url}/{PROVIDER}/_sandbox/faults", json={"rules": [rule]}).raise_for_status()
    result = call("POST", "/v1/connections", keys["a_test"], create_body())
    assert result.status == 503 and result.body["error"] == "provider_unavailable", result
    assert result.headers.get("retry-after") == "2"
    assert stored_connection_items() == [] and stored_secret_names() == []


TINY = """
id: tinyprov
name: Tiny Provider
environments:
  live: {base_url: "https://tiny.example/api"}
  test: {base_url: "https://tiny.example/test"}
connection:
  config:
    siteId: {type: string, pattern: "^[0-9]+$"}
  secrets:
    apiKey: {type: string, min_length: 8}
auth:
  default:
    type: api_key
    apply: {headers: {X-Key: secrets.apiKey}}
operations:
  services.list:
    steps:
      - id: services
        request: {path: /services}
    output: "`[]`"
"""


def test_a_spec_without_verify_saves_the_connection_unverified(moto_aws: None, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from aptura.store.keys import create_api_key

    (tmp_path / "tinyprov.yaml").write_text(TINY)
    monkeypatch.setenv("APTURA_SPECS_DIR", str(tmp_path))
    raw, _ = create_api_key("acct_tiny", "test")
    try:
        body = {"provider": "tinyprov", "config": {"siteId": "42"}, "credentials": {"apiKey": "tiny-secret-key"}}
        result = call("POST", "/v1/connections", raw, body)
        assert result.status == 201, result
        assert result.body["status"] == "unverified" and result.body["last_verified_at"] is None
        assert secret_of(result.body["id"]) == {"apiKey": "tiny-secret-key"}
    finally:
        load_spec.cache_clear()


# -- list and get --------------------------------------------------------------------------------------------


def test_list_shows_only_the_keys_mode_and_account(keys: dict[str, str]) -> None:
    from aptura.store.connections import create_connection

    test_conn = created(keys)["id"]
    live_conn = create_connection("acct_a", PROVIDER, "live", DEMO["config"], DEMO["credentials"]).connection_id
    as_test = call("GET", "/v1/connections", keys["a_test"])
    assert as_test.status == 200, as_test
    assert [c["id"] for c in as_test.body["data"]] == [test_conn] and as_test.body["next_cursor"] is None
    as_live = call("GET", "/v1/connections", keys["a_live"])
    assert [c["id"] for c in as_live.body["data"]] == [live_conn] and as_live.body["data"][0]["mode"] == "live"
    assert call("GET", "/v1/connections", keys["b_test"]).body["data"] == []
    assert call("GET", "/v1/connections", keys["a_test"], query={"provider": "square"}).body["data"] == []


# -- rotate ------------------------------------------------------------------------------------------------------


def test_rotation_is_verified_before_anything_is_written(keys: dict[str, str], audit: _Capture) -> None:
    conn = created(keys)
    path = f"/v1/connections/{conn['id']}"
    bad = call("PATCH", path, keys["a_test"], {"credentials": {"password": WRONG_PASSWORD}})
    assert bad.status == 422 and bad.body["error"] == "unprocessable", bad
    assert secret_of(conn["id"]) == DEMO["credentials"]  # the old credentials stay current ...
    assert availability(keys["a_test"], conn["id"]).status == 200  # ... and keep working
    assert call("GET", path, keys["a_test"]).body == conn

    # Another login of the same site: a real rotation the sandbox accepts.
    good = call("PATCH", path, keys["a_test"], {"credentials": {"username": "Siteowner"}})
    assert good.status == 200, good
    assert good.body["status"] == "active" and good.body["last_error"] is None
    assert good.body["updated_at"] >= conn["updated_at"] and good.body["created_at"] == conn["created_at"]
    assert secret_of(conn["id"]) == {**DEMO["credentials"], "username": "Siteowner"}
    assert availability(keys["a_test"], conn["id"]).status == 200

    config = call("PATCH", path, keys["a_test"], {"config": {"bookingIncrementMinutes": 30}})
    assert config.status == 200 and config.body["config"]["bookingIncrementMinutes"] == 30, config
    assert call("PATCH", path, keys["a_test"], {"config": {"siteId": "x"}}).status == 400
    assert call("PATCH", path, keys["a_test"], {}).status == 400
    updates = [json.loads(line) for line in audit.lines if '"connection updated"' in line]
    assert len(updates) == 2 and all(u["connection_id"] == conn["id"] and u["outcome"] == "updated"
                                      for u in updates)


# -- delete ---------------------------------------------------------------------------------------------------------


def test_delete_removes_the_item_and_the_secret(keys: dict[str, str]) -> None:
    conn = created(keys)["id"]
    deleted = call("DELETE", f"/v1/connections/{conn}", keys["a_test"])
    assert deleted.status == 204, deleted
    sm = boto3.client("secretsmanager")
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.get_secret_value(SecretId=secret_name(conn))
    assert stored_connection_items() == []
    assert call("GET", f"/v1/connections/{conn}", keys["a_test"]).status == 404
    assert availability(keys["a_test"], conn).status == 404
    assert call("DELETE", f"/v1/connections/{conn}", keys["a_test"]).status == 404


# -- isolation and permissions ----------------------------------------------------------------------------------------


def test_another_accounts_connection_is_404_exactly_like_a_missing_one(keys: dict[str, str]) -> None:
    conn = created(keys)["id"]
    for method, body in (("GET", None), ("PATCH", {"credentials": {"password": "x" * 10}}), ("DELETE", None)):
        other = call(method, f"/v1/connections/{conn}", keys["b_test"], body)
        missing = call(method, "/v1/connections/conn_doesnotexist", keys["b_test"], body)
        assert other.status == missing.status == 404, (method, other)
        assert other.body == {**missing.body, "message": missing.body["message"].replace("conn_doesnotexist", conn)}
    assert secret_of(conn) == DEMO["credentials"] and len(stored_connection_items()) == 1


def test_a_key_manages_only_connections_of_its_mode(keys: dict[str, str]) -> None:
    from aptura.store.connections import create_connection

    live = create_connection("acct_a", PROVIDER, "live", DEMO["config"], DEMO["credentials"]).connection_id
    for method, body in (("GET", None), ("PATCH", {"config": {"bookingIncrementMinutes": 30}}), ("DELETE", None)):
        result = call(method, f"/v1/connections/{live}", keys["a_test"], body)
        assert result.status == 403 and result.body["error"] == "forbidden", (method, result)
        assert result.body["details"] == {"connection_mode": "live", "key_mode": "test"}
    test_conn = created(keys)["id"]
    assert call("GET", f"/v1/connections/{test_conn}", keys["a_live"]).status == 403
    assert len(stored_connection_items()) == 2


def test_missing_scope_is_403_naming_connections_manage(keys: dict[str, str]) -> None:
    conn = created(keys)["id"]
    for method, path, body in (("POST", "/v1/connections", create_body()), ("GET", "/v1/connections", None),
                               ("GET", f"/v1/connections/{conn}", None),
                               ("PATCH", f"/v1/connections/{conn}", {"config": {"bookingIncrementMinutes": 30}}),
                               ("DELETE", f"/v1/connections/{conn}", None)):
        result = call(method, path, keys["a_no_manage"], body)
        assert result.status == 403, (method, path, result)
        assert result.body["details"] == {"required_scope": "connections:manage"}
        assert "connections:manage" in result.body["message"]
    assert call("GET", "/v1/connections", "apt_test_doesnotexist123").status == 401
    assert len(stored_connection_items()) == 1


# -- audit ---------------------------------------------------------------------------------------------------------


def test_every_change_is_audited_without_secrets(keys: dict[str, str], audit: _Capture) -> None:
    conn = created(keys)["id"]
    call("PATCH", f"/v1/connections/{conn}", keys["a_test"], {"credentials": {"password": WRONG_PASSWORD}})
    call("PATCH", f"/v1/connections/{conn}", keys["a_test"], {"credentials": dict(DEMO["credentials"])})
    call("DELETE", f"/v1/connections/{conn}", keys["a_test"])
    entries = [json.loads(line) for line in audit.lines]
    changes = [e for e in entries if e.get("operation", "").startswith("connections.")]
    assert [(e["operation"], e["outcome"]) for e in changes] == [
        ("connections.create", "created"), ("connections.update", "refused"),
        ("connections.update", "updated"), ("connections.delete", "deleted")]
    for entry in changes:
        assert entry["level"] == "INFO" and entry["account_id"] == "acct_a"
        assert entry["connection_id"] == conn and entry["provider"] == PROVIDER
    assert changes[1]["error"] == "unprocessable"
    everything = "\n".join(audit.lines)
    for value in SECRET_VALUES:
        assert value not in everything


# -- status bookkeeping (the store functions run_operation uses) --------------------------------------------


def test_recorded_errors_show_on_get_and_a_good_rotation_clears_them(keys: dict[str, str]) -> None:
    from aptura.store.connections import delete_connection, get_connection, record_error, record_ok

    conn = created(keys)["id"]
    record = get_connection("acct_a", conn)
    assert record is not None
    record_error(record, "provider_unavailable", "the provider is unavailable")
    got = call("GET", f"/v1/connections/{conn}", keys["a_test"]).body
    assert got["status"] == "active" and got["last_error"]["code"] == "provider_unavailable"
    refused = record_error(record, "connection_auth_failed", "Mindbody refused the connection credentials")
    assert refused.status == "error" and refused.last_error is not None
    got = call("GET", f"/v1/connections/{conn}", keys["a_test"]).body
    assert got["status"] == "error" and set(got["last_error"]) == {"code", "message", "at"}
    assert got["last_error"]["code"] == "connection_auth_failed" and got["last_error"]["at"].endswith("Z")

    rotated = call("PATCH", f"/v1/connections/{conn}", keys["a_test"], {"credentials": {"username": "Siteowner"}})
    assert rotated.status == 200 and rotated.body["status"] == "active" and rotated.body["last_error"] is None

    errored = record_error(refused, "connection_auth_failed", "refused again")
    healed = record_ok(errored)
    assert healed.status == "active" and healed.last_error is None and healed.last_verified_at
    assert record_ok(healed) is healed  # nothing to write
    delete_connection(healed)
    assert record_error(healed, "connection_auth_failed", "gone") is healed  # a deleted one is left alone
    assert stored_connection_items() == []


def test_credentials_rotated_by_another_container_are_read_again_once(keys: dict[str, str]) -> None:
    """This container's cached credentials are refused: it reads the secret again and carries on."""
    from aptura.store.connections import get_connection, read_credentials, write_credentials

    conn = created(keys)["id"]
    record = get_connection("acct_a", conn)
    assert record is not None
    good = secret_of(conn)
    # This container caches credentials that no longer work, while the store already holds the
    # rotated ones (as after a PATCH served by another container).
    write_credentials(record, {**good, "password": "superseded"})
    assert read_credentials(record, force=True)["password"] == "superseded"
    write_credentials(record, good)
    assert read_credentials(record)["password"] == "superseded"

    answer = availability(keys["a_test"], conn)
    assert answer.status == 200, answer
    assert read_credentials(record) == good
    assert call("GET", f"/v1/connections/{conn}", keys["a_test"]).body["last_error"] is None

    # Credentials that the store holds too are refused for real: one read again, then the error.
    write_credentials(record, {**good, "password": "wrong-everywhere"})
    read_credentials(record, force=True)
    refused = availability(keys["a_test"], conn)
    assert refused.status == 401 and refused.body["error"] == "connection_auth_failed", refused
    assert call("GET", f"/v1/connections/{conn}", keys["a_test"]).body["status"] == "error"
