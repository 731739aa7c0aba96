"""Redaction of every log line, the audit helper's request scope, and the provider's request id."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from aptura.api import audit
from aptura.api.app import logger as app_logger
from aptura.engine.http import Transport
from aptura.engine.runner import Connection, Runner, request_id_of
from aptura.spec.loader import parse_spec
from tests.support import ROOT

KEY = "apt_live_Zx9rT4mQ2pLw7sTb9nYc4AbCdEfGhIj"
PUBLISHABLE = "apt_pk_test_Hq2Vx9Kc4Lm7sTb9nYc4AbCd"
CONNECT_TOKEN = "cst_Qm3xV8p2Lr6TnYc1Wz5Hb7Kd-_9aB3cD4eF5gH6iJ7k"  # as connect.create_session makes them
PASSWORD = "hunter2-correct-horse"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def records(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture()
def lines() -> Iterator[_Lines]:
    """Every line the aptura loggers write, formatted by the app logger's own formatter."""
    capture = _Lines()
    capture.setFormatter(app_logger.registered_formatter)
    logging.getLogger("aptura").addHandler(capture)
    yield capture
    logging.getLogger("aptura").removeHandler(capture)


# -- redaction ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["password", "apiKey", "api_key", "X-Api-Key", "Authorization", "client_secret",
                                  "refresh_token", "access_token", "credentials", "secretKey", "privateKey",
                                  "apiKeyPassword", "secrets", "auth", "Cookie"])
def test_secret_like_names_are_recognised(name: str) -> None:
    assert audit.is_secret_name(name)


@pytest.mark.parametrize("name", ["key_id", "by_key_id", "idempotency_key", "account_id", "connection_id",
                                  "provider_request_id", "author", "prefix", "status", 3, None])
def test_ordinary_names_are_not(name: Any) -> None:
    assert not audit.is_secret_name(name)


@pytest.mark.parametrize(("text", "kept", "gone"), [
    (f"key {KEY} refused", "key apt_live_[REDACTED] refused", KEY),
    ("Authorization: Bearer abcdefgh12345678", "Bearer", "abcdefgh12345678"),
    ("Basic dXNlcjpwYXNzd29yZA== was sent", "was sent", "dXNlcjpwYXNzd29yZA=="),
    ("GET /api/free?api_key=kX3vR8mQ2pLw7sTb&from=2027", "&from=2027", "kX3vR8mQ2pLw7sTb"),
    ('{"Username": "Owner", "Password": "apitest1234"}', '"Username": "Owner"', "apitest1234"),
    ("client_secret=s3cr3t-value; state=ok", "state=ok", "s3cr3t-value"),
    (f"origin refused for {PUBLISHABLE}", "apt_pk_test_[REDACTED]", PUBLISHABLE),
    (f"GET /connect/{CONNECT_TOKEN}/mindbody 422", "/connect/cst_[REDACTED]/mindbody 422", CONNECT_TOKEN),
    (f"https://api.aptura.dev/connect/{CONNECT_TOKEN}", "https://api.aptura.dev/connect/cst_[REDACTED]", CONNECT_TOKEN),
])
def test_scrub_removes_secrets_from_free_text(text: str, kept: str, gone: str) -> None:
    scrubbed = audit.scrub(text)
    assert gone not in scrubbed and kept in scrubbed and audit.REDACTED in scrubbed


def test_scrub_leaves_ordinary_text_alone() -> None:
    text = "appointments.create created for conn_xyz789 by key_5f0c2a7e9b1d3c4a (apt_test_ prefix apt_test_Ab3d)"
    assert audit.scrub(text) == text


def test_redact_walks_the_whole_record() -> None:
    class Opaque:
        def __str__(self) -> str:
            return f"object holding {KEY}"

    record: dict[str, Any] = {
        "message": f"using {KEY}",
        "connection_id": "conn_1",
        "credentials": {"username": "Owner", "password": PASSWORD},
        "headers": {"Api-Key": 403100, "Accept": "application/json"},
        "attempts": [{"token": PASSWORD}, "Bearer abcdefgh12345678"],
        "token_present": True, "refresh_token": None,
        KEY: "a key as a dict key",
        "obj": Opaque(),
        "count": 3,
    }
    clean = audit.redact(record)
    text = json.dumps(clean)
    for secret in (KEY, PASSWORD, "403100", "abcdefgh12345678"):
        assert secret not in text
    assert clean["credentials"] == audit.REDACTED and clean["headers"]["Api-Key"] == audit.REDACTED
    assert clean["headers"]["Accept"] == "application/json" and clean["connection_id"] == "conn_1"
    assert clean["attempts"][0] == {"token": audit.REDACTED}
    assert clean["token_present"] is True and clean["refresh_token"] is None and clean["count"] == 3
    assert clean["obj"] == "object holding apt_live_[REDACTED]"
    assert record["credentials"]["password"] == PASSWORD  # the caller's objects are untouched


def test_redact_stops_at_a_depth_and_still_scrubs() -> None:
    deep: dict[str, Any] = {"leaf": f"key {KEY}"}
    for _ in range(30):
        deep = {"next": deep}
    assert KEY not in json.dumps(audit.redact(deep))


def test_the_app_logger_redacts_extras_messages_and_tracebacks(lines: _Lines) -> None:
    app_logger.info(f"calling with {KEY}", extra={"credentials": {"password": PASSWORD}, "connection_id": "conn_1",
                                                  "url": f"https://x.example/a?password={PASSWORD}"})
    try:
        raise ValueError(f"provider said: bad token {KEY} / password={PASSWORD}")
    except ValueError:
        app_logger.exception("failed")
    child = logging.getLogger("aptura.some.module")  # any child logger goes through the same formatter
    child.warning("child %s", KEY)
    assert len(lines.lines) == 3
    for line in lines.lines:
        assert KEY not in line and PASSWORD not in line
    first, failure, from_child = lines.records()
    assert first["connection_id"] == "conn_1" and first["credentials"] == audit.REDACTED
    assert first["message"] == "calling with apt_live_[REDACTED]" and first["service"] == "aptura"
    assert failure["exception_name"] == "ValueError" and "apt_live_[REDACTED]" in failure["exception"]
    assert from_child["message"] == "child apt_live_[REDACTED]"


def test_the_app_logger_keeps_no_connect_session_token_or_publishable_key(lines: _Lines) -> None:
    # The token sits in the hosted page's path, so it reaches a log through the event, a URL or a message.
    app_logger.info(f"connect page opened: /connect/{CONNECT_TOKEN}", extra={
        "path": f"/connect/{CONNECT_TOKEN}/square/oauth", "origin_key": PUBLISHABLE,
        "redirect": f"https://api.aptura.dev/connect/{CONNECT_TOKEN}?x=1"})
    [line] = lines.lines
    assert CONNECT_TOKEN not in line and CONNECT_TOKEN[4:20] not in line and PUBLISHABLE not in line
    record = lines.records()[0]
    assert record["message"] == "connect page opened: /connect/cst_[REDACTED]"
    assert record["path"] == "/connect/cst_[REDACTED]/square/oauth" and record["origin_key"] == "apt_pk_test_[REDACTED]"
    assert record["redirect"] == "https://api.aptura.dev/connect/cst_[REDACTED]?x=1"


def test_a_logged_event_keeps_neither_the_key_nor_the_credentials(lines: _Lines) -> None:
    """What POWERTOOLS_LOGGER_LOG_EVENT=true would write: the whole API Gateway event."""
    body = json.dumps({"provider": "mindbody", "credentials": {"username": "Owner", "password": PASSWORD}})
    app_logger.info({"httpMethod": "POST", "headers": {"Authorization": f"Bearer {KEY}"},
                     "multiValueHeaders": {"authorization": [f"Bearer {KEY}"]}, "body": body})
    [line] = lines.lines
    assert KEY not in line and PASSWORD not in line
    assert json.loads(line)["message"]["headers"] == {"Authorization": audit.REDACTED}


def test_only_the_app_logger_owns_a_formatter() -> None:
    """Every other Powertools logger in the layer is a child, so no line escapes the redacting formatter."""
    owners = []
    for path in sorted((ROOT / "layer" / "aptura").rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "Logger(" in line and "child=True" not in line and not line.lstrip().startswith(("#", "from")):
                owners.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert len(owners) == 1 and owners[0].startswith("layer/aptura/api/app.py:"), owners
    assert "Logger(logger_formatter=audit.RedactingFormatter())" in owners[0], owners
    assert isinstance(app_logger.registered_formatter, audit.RedactingFormatter)


# -- the audit helper --------------------------------------------------------------------------------------


def _event(method: str, resource: str) -> dict[str, Any]:
    return {"httpMethod": method, "resource": resource, "path": resource}


def _answer(status: int, error: str | None = None) -> dict[str, Any]:
    body = json.dumps({"error": error, "message": "m", "details": {}}) if error else "{}"
    return {"statusCode": status, "body": body}


def _audits(lines: _Lines) -> list[dict[str, Any]]:
    return [r for r in lines.records() if r.get("audit")]


def test_a_write_the_route_audits_is_logged_once_with_the_noted_facts(lines: _Lines) -> None:
    scope = audit.begin_request(_event("POST", "/v1/appointments"))
    audit.note(account_id="acct_1", by_key_id="key_1", connection_id="conn_1", provider="supersaas")
    audit.note(operation="appointments.create", provider_request_id="req-9", connection_id=None)
    audit.audit("appointments.create", "created", appointment_id="apt_1", client_id=None)
    audit.end_request(scope, _answer(201))
    [entry] = _audits(lines)
    assert entry["message"] == "appointments.create created" and entry["level"] == "INFO"
    assert {k: entry[k] for k in ("route", "operation", "outcome", "account_id", "by_key_id", "connection_id",
                                  "provider", "provider_request_id", "appointment_id")} == {
        "route": "POST /v1/appointments", "operation": "appointments.create", "outcome": "created",
        "account_id": "acct_1", "by_key_id": "key_1", "connection_id": "conn_1", "provider": "supersaas",
        "provider_request_id": "req-9", "appointment_id": "apt_1"}
    assert "client_id" not in entry and "status" not in entry


def test_explicit_fields_override_noted_facts(lines: _Lines) -> None:
    scope = audit.begin_request(_event("GET", "/v1/oauth/{provider}/callback"))
    audit.note(account_id="acct_noted", operation="connection.verify")
    audit.audit("connections.create", "created", "connection created", account_id="acct_state", via="oauth")
    audit.end_request(scope, _answer(302))
    [entry] = _audits(lines)
    assert entry["message"] == "connection created" and entry["operation"] == "connections.create"
    assert entry["account_id"] == "acct_state" and entry["via"] == "oauth"


@pytest.mark.parametrize(("status", "error", "outcome"), [
    (409, "conflict", "refused"), (400, "validation_error", "refused"), (401, "unauthorized", "refused"),
    (503, "provider_unavailable", "failed"), (500, None, "failed"),
])
def test_a_write_that_fails_is_audited_when_the_request_ends(lines: _Lines, status: int, error: str | None,
                                                             outcome: str) -> None:
    scope = audit.begin_request(_event("PATCH", "/v1/appointments/{appointment_id}"))
    audit.note(account_id="acct_1", operation="appointments.update", provider_request_id="req-7")
    audit.end_request(scope, _answer(status, error))
    [entry] = _audits(lines)
    assert entry["outcome"] == outcome and entry["status"] == status
    assert entry["error"] == (error or "internal_error")
    assert entry["operation"] == "appointments.update" and entry["provider_request_id"] == "req-7"
    assert entry["route"] == "PATCH /v1/appointments/{appointment_id}"


def test_a_write_with_no_answer_or_no_operation_is_named_by_its_route(lines: _Lines) -> None:
    scope = audit.begin_request(_event("DELETE", "/v1/api-keys/{key_id}"))
    audit.end_request(scope, None)
    scope = audit.begin_request(_event("POST", "/v1/appointments"))
    audit.end_request(scope, {"statusCode": 201, "body": "{}"})  # e.g. replayed by the idempotency store
    failed, replayed = _audits(lines)
    assert (failed["operation"], failed["outcome"], failed["status"]) == ("DELETE /v1/api-keys/{key_id}", "failed",
                                                                          500)
    assert (replayed["operation"], replayed["outcome"], replayed["status"]) == ("POST /v1/appointments",
                                                                                 "succeeded", 201)
    assert "error" not in replayed


def test_reads_are_not_audited_and_scopes_do_not_leak(lines: _Lines) -> None:
    scope = audit.begin_request(_event("GET", "/v1/appointments"))
    audit.note(account_id="acct_reader")
    audit.end_request(scope, _answer(409, "conflict"))
    audit.note(account_id="nobody")  # outside a request: ignored
    audit.audit("tool.run", "done")  # outside a request: still a line, without request facts
    [entry] = _audits(lines)
    assert entry["operation"] == "tool.run" and "route" not in entry and "account_id" not in entry


# -- the provider's request id --------------------------------------------------------------------------


@pytest.mark.parametrize(("headers", "expected"), [
    ({"x-request-id": "abc"}, "abc"),
    ({"X-Request-ID": " abc "}, "abc"),
    ({"Request-Id": "r1", "traceparent": "00-t-01"}, "r1"),
    ({"x-amzn-RequestId": "aws-1"}, "aws-1"),
    ({"traceparent": "00-4bf92f-00f067-01"}, "00-4bf92f-00f067-01"),
    ({"x-request-id": "", "x-correlation-id": "c-2"}, "c-2"),
    ({"content-type": "application/json"}, None),
    ({"x-request-id": "z" * 500}, "z" * 200),
])
def test_request_id_of_reads_the_usual_headers(headers: dict[str, str], expected: str | None) -> None:
    assert request_id_of(headers) == expected


SPEC = """
id: demo
name: Demo
environments: {live: {base_url: "https://live.example/api"}, test: {base_url: "https://test.example/api"}}
connection: {config: {}, secrets: {}}
operations:
  appointments.create:
    steps:
      - {id: hold, request: {method: POST, path: /hold}}
      - {id: book, request: {method: POST, path: /book}}
      - {id: confirm, request: {method: POST, path: /confirm}}
    output: steps.book
"""


def _runner(handler: Any) -> Runner:
    return Runner(parse_spec(SPEC, "demo.yaml"), Connection("conn_1", "demo", "test", {}, {}),
                  transport=Transport(httpx.Client(transport=httpx.MockTransport(handler))))


def test_the_runner_keeps_the_last_request_id_a_provider_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APTURA_SANDBOX_URL", raising=False)
    ids = {"/api/hold": {"X-Request-Id": "hold-1"}, "/api/book": {"x-amzn-requestid": "book-2"}, "/api/confirm": {}}
    runner = _runner(lambda req: httpx.Response(200, json={"ok": 1}, headers=ids[req.url.path]))
    assert runner.provider_request_id is None
    runner.run("appointments.create", {})
    assert runner.provider_request_id == "book-2"  # confirm sent none: the last one sent is kept


def test_the_runner_keeps_the_request_id_of_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    from aptura.errors import AptError

    monkeypatch.delenv("APTURA_SANDBOX_URL", raising=False)

    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path == "/api/book":
            return httpx.Response(409, json={"error": "taken"}, headers={"Request-Id": "book-409"})
        return httpx.Response(200, json={}, headers={"Request-Id": "hold-200"})

    runner = _runner(handler)
    with pytest.raises(AptError) as info:
        runner.run("appointments.create", {})
    assert info.value.status == 409 and runner.provider_request_id == "book-409"
