"""Hostile requests answered 4xx in Aptura's error format before validation can crash or leak the schema."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

import pytest

from local.events import HttpRequest, build_event
from tests.support import STACK, FakeContext, _module, invoke, route_for


@pytest.fixture()
def key(moto_aws: None) -> str:
    from aptura.store.keys import create_api_key

    return create_api_key("acct_a", "test")[0]


def _send(method: str, path: str, headers: list[tuple[str, str]], body: bytes = b"") -> tuple[int, Any]:
    """Invoke the handler with exactly these headers and body (the suite's invoke() reads bodies as JSON)."""
    route, params = route_for(method, quote(path))
    event = build_event(HttpRequest(method, quote(path), "", [("Host", "api.test"), *headers], body), route, params)
    fn = STACK.functions[route.function_id]
    answer = _module(fn).lambda_handler(event, FakeContext(fn))
    return answer["statusCode"], json.loads(answer["body"])


JSON = ("Content-Type", "application/json")


def _no_errors_logged(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


def _is_aptura_error(body: Any, code: str) -> None:
    assert isinstance(body, dict) and set(body) == {"error", "message", "details"} and body["error"] == code, body


@pytest.mark.parametrize("raw", [
    "[" * 10_000 + "]" * 10_000,
    json.dumps({"provider": "mindbody", "config": json.loads('{"a":' * 300 + "1" + "}" * 300), "credentials": {}}),
    '{"provider": "mindbody", "config": {"n": ' + "9" * 5_000 + '}, "credentials": {}}',
    '{"provider": "mindbody", "config": {"n": 1234567890123456789}, "credentials": {}}',
])
def test_deep_or_huge_bodies_are_validation_errors(key: str, raw: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    status, body = _send("POST", "/v1/connections", [("Authorization", f"Bearer {key}"), JSON], raw.encode())
    assert status == 400, body
    _is_aptura_error(body, "validation_error")
    _no_errors_logged(caplog)


def test_long_fractions_and_digits_in_strings_are_not_numbers_too_long(key: str) -> None:
    raw = json.dumps({"provider": "mindbody", "config": {"siteId": "1" * 40, "f": 0.12345678901234567890123},
                      "credentials": {}})
    status, body = _send("POST", "/v1/connections", [("Authorization", f"Bearer {key}"), JSON], raw.encode())
    assert "at most 18 digits" not in json.dumps(body) and status < 500, body


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer apt_test_not_a_real_key_000000000000"}])
def test_authentication_comes_before_validation(moto_aws: None, headers: dict[str, str]) -> None:
    status, body = _send("POST", "/v1/connections", [*headers.items(), JSON], b'{"provider": 5}')
    assert status == 401, body
    _is_aptura_error(body, "unauthorized")
    assert "provider" not in json.dumps(body["details"])
    status, body = _send("POST", "/v1/connections", [*headers.items(), JSON], ("[" * 5_000).encode())
    assert status == 401, body


def test_a_valid_key_still_gets_the_validation_details(key: str) -> None:
    result = invoke("POST", "/v1/connections", headers={"Authorization": f"Bearer {key}"}, json_body={"provider": 5})
    assert result.status == 400 and "provider" in result.body["details"], result


@pytest.mark.parametrize("name", ["Authorization", "X-Connection-Id"])
def test_repeated_credential_headers_are_refused(key: str, name: str, caplog: pytest.LogCaptureFixture) -> None:
    values = {"Authorization": [f"Bearer {key}", "Bearer apt_test_other"], "X-Connection-Id": ["conn_a", "conn_b"]}
    hdrs = [("Authorization", f"Bearer {key}"), ("X-Connection-Id", "conn_a")]
    hdrs = [h for h in hdrs if h[0] != name] + [(name, v) for v in values[name]]
    status, body = _send("GET", "/v1/appointments/apt_1", hdrs)
    assert status == 400, body
    _is_aptura_error(body, "validation_error")
    _no_errors_logged(caplog)


@pytest.mark.parametrize("value", ["0999-01-01T09:00:00Z", "1899-12-31T23:00:00Z", "2201-01-01T00:00:00Z",
                                   "9999-12-31T09:00:00Z"])
def test_times_outside_1900_to_2200_are_400(key: str, value: str) -> None:
    body = {"serviceId": "s", "startTime": value, "client": {"firstName": "A", "lastName": "B", "email": "a@b.co"}}
    status, answer = _send("POST", "/v1/appointments", [("Authorization", f"Bearer {key}"),
                                                         ("X-Connection-Id", "conn_x"), JSON],
                           json.dumps(body).encode())
    assert status == 400 and "1900 to 2200" in json.dumps(answer["details"]), answer


@pytest.mark.parametrize("query", ["startDate=0999-01-01&endDate=0999-01-02",
                                   "startDate=9999-12-30&endDate=9999-12-31"])
def test_query_dates_outside_1900_to_2200_are_400(key: str, query: str) -> None:
    result = invoke("GET", "/v1/availability", headers={"Authorization": f"Bearer {key}", "X-Connection-Id": "c"},
                    query={**dict(p.split("=") for p in query.split("&")), "serviceId": "s"})
    assert result.status == 400 and "1900 to 2200" in json.dumps(result.body["details"]), result
