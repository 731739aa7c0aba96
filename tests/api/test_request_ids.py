"""X-Request-Id on every answer, details.request_id in every error, the same id in log lines, and the
public GET /v1/health."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from aptura.api.app import request_id_for
from local.template import load_yaml
from tests.support import ROOT, auth_headers, invoke

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class _Context:
    aws_request_id = "lambda-request-id"


def _event(headers: dict[str, str] | None, request_id: str | None = "apigw-request-id") -> dict[str, Any]:
    return {"headers": headers, "requestContext": {"requestId": request_id} if request_id else {}}


@pytest.mark.parametrize("incoming", ["abc-123", "1-5e1b4151:trace.id_x", "a" * 128, "  padded  "])
def test_a_sane_incoming_id_is_echoed(incoming: str) -> None:
    assert request_id_for(_event({"x-REQUEST-id": incoming}), _Context()) == incoming.strip()


@pytest.mark.parametrize("incoming", ["", "a" * 129, "has space", "new\nline", "quote\"", "<script>", "é", "k=v"])
def test_an_insane_incoming_id_is_replaced_by_api_gateways(incoming: str) -> None:
    assert request_id_for(_event({"X-Request-Id": incoming}), _Context()) == "apigw-request-id"


def test_without_api_gateways_id_lambdas_is_used() -> None:
    assert request_id_for(_event(None, request_id=None), _Context()) == "lambda-request-id"
    assert UUID.fullmatch(request_id_for(_event(None, request_id=None), None))


def test_an_error_carries_the_echoed_id_in_header_and_details(moto_aws: None) -> None:
    answer = invoke("GET", "/v1/providers", headers={"X-Request-Id": "client-req-42"}, keep_request_id=True)
    assert answer.status == 401
    assert answer.headers["x-request-id"] == "client-req-42"
    assert answer.body["error"] == "unauthorized" and answer.body["details"] == {"request_id": "client-req-42"}


def test_an_error_without_an_incoming_id_uses_api_gateways(moto_aws: None) -> None:
    answer = invoke("GET", "/v1/providers", headers={"X-Request-Id": "bad id with spaces"}, keep_request_id=True)
    assert answer.status == 401
    request_id = answer.headers["x-request-id"]
    assert UUID.fullmatch(request_id) and answer.body["details"]["request_id"] == request_id


def test_error_details_keep_their_own_fields(moto_aws: None) -> None:
    from aptura.store.keys import create_api_key

    raw, _ = create_api_key("acct_rid", "test")
    answer = invoke("GET", "/v1/availability", headers={**auth_headers(raw, "conn_missing"), "X-Request-Id": "r-1"},
                    query={"serviceId": "s", "startDate": "2030-01-01", "endDate": "2030-01-02"}, keep_request_id=True)
    assert answer.status == 404, answer
    assert answer.body["details"] == {"request_id": "r-1"}
    invalid = invoke("GET", "/v1/availability", headers={**auth_headers(raw, "conn_missing"), "X-Request-Id": "r-2"},
                     keep_request_id=True)
    assert invalid.status == 400
    assert invalid.body["details"]["request_id"] == "r-2" and len(invalid.body["details"]) > 1  # the field errors too


def test_unknown_route_inside_a_function_is_aptura_format(moto_aws: None) -> None:
    from local.events import HttpRequest, build_event
    from tests.support import STACK, FakeContext, _module

    route = next(r for r in STACK.routes if r.path == "/v1/providers")
    event = build_event(HttpRequest("GET", "/v1/nothing-here", "", [("X-Request-Id", "r-404")]), route, {})
    fn = STACK.functions[route.function_id]
    result = _module(fn).lambda_handler(event, FakeContext(fn))
    assert result["statusCode"] == 404
    assert json.loads(result["body"])["details"] == {"request_id": "r-404"}
    assert result["multiValueHeaders"]["X-Request-Id"] == ["r-404"]


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(json.loads(self.format(record)))


def test_log_lines_carry_the_request_id_as_correlation_id(moto_aws: None) -> None:
    from aptura.api.app import logger

    capture = _Lines()
    capture.setFormatter(logger.registered_formatter)
    logging.getLogger("aptura").addHandler(capture)
    try:
        invoke("POST", "/v1/api-keys", headers={"X-Request-Id": "logged-id-7"}, json_body={})  # audited
        invoke("POST", "/v1/api-keys", json_body={})
    finally:
        logging.getLogger("aptura").removeHandler(capture)
    first = [line for line in capture.lines if line.get("correlation_id") == "logged-id-7"]
    assert first, capture.lines  # the request's audit line at least
    others = {line.get("correlation_id") for line in capture.lines} - {"logged-id-7"}
    assert len(others) == 1 and UUID.fullmatch(others.pop() or "")  # the second request: API Gateway's id


def test_health_needs_no_key_and_calls_no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3.session

    def no_aws(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("GET /v1/health must not call AWS")

    monkeypatch.setattr(boto3.session.Session, "client", no_aws)
    monkeypatch.setattr(boto3.session.Session, "resource", no_aws)
    before = datetime.now(UTC).replace(microsecond=0)
    answer = invoke("GET", "/v1/health", headers={"X-Request-Id": "health-1"})
    assert answer.status == 200, answer
    assert answer.headers["x-request-id"] == "health-1"
    assert set(answer.body) == {"status", "version", "time"} and answer.body["status"] == "ok"
    from aptura.api.openapi import VERSION

    assert answer.body["version"] == VERSION
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", answer.body["time"])
    sent = datetime.fromisoformat(answer.body["time"].replace("Z", "+00:00"))
    assert before <= sent <= datetime.now(UTC) + timedelta(seconds=1)


def test_health_is_public_in_openapi_and_the_template() -> None:
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    operation = document["paths"]["/v1/health"]["get"]
    assert operation["tags"] == ["Health"] and "200" in operation["responses"]
    function = load_yaml(ROOT / "template.yaml")["Resources"]["HealthFunction"]["Properties"]
    assert function["Events"]["Health"]["Properties"]["Path"] == "/v1/health"
    assert "Policies" not in function  # nothing to call
