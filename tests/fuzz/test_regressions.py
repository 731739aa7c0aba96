"""What fuzzing found, pinned: each input once answered 500, or was accepted against the document.

The seeded run of test_schemathesis.py need not generate these exact inputs again (a fix elsewhere changes what
it explores), so each one is replayed here against the real handlers. All are refused by validation, before
authentication, so no key or connection is needed.
"""

from __future__ import annotations

from typing import Any

import pytest

from aptura.api.openapi import build_app, document
from tests.support import Result, invoke


@pytest.fixture()
def headers(moto_aws: None) -> dict[str, str]:
    """A real key (Aptura authenticates before it describes a bad request) and a connection that does not exist."""
    from aptura.store.keys import create_api_key

    return {"Authorization": f"Bearer {create_api_key('acct_fuzz', 'test')[0]}", "X-Connection-Id": "conn_none"}

CLIENT = {"firstName": "Sam", "lastName": "Rivera", "email": "sam@example.com"}


def assert_refused(result: Result, field: str) -> None:
    """A 400 in Aptura's error format that names ``field``."""
    assert result.status == 400, result
    assert set(result.body) == {"error", "message", "details"}, result
    assert result.body["error"] == "validation_error", result
    assert field in result.body["details"], result


@pytest.mark.parametrize(("path", "body"), [("/v1/api-keys", b'{"name": "x"}'), ("/v1/clients", b"{}")])
def test_a_body_that_is_not_json_is_refused_not_a_500(headers: dict[str, str], path: str, body: bytes) -> None:
    result = invoke("POST", path, headers={**headers, "Content-Type": "text/plain"}, raw_body=body)
    assert_refused(result, "Content-Type")


@pytest.mark.parametrize(("path", "item"), [("/v1/api-keys", {}), ("/v1/clients", CLIENT)])
def test_a_json_array_is_not_taken_for_its_first_object(headers: dict[str, str], path: str,
                                                         item: dict[str, Any]) -> None:
    # POST /v1/api-keys with [{}] created a key: Powertools unwrapped the list.
    assert_refused(invoke("POST", path, headers=headers, json_body=[item]), "body")


@pytest.mark.parametrize(("path", "query", "field"), [
    ("/v1/appointments", {"start_datetime": "0.5"}, "start_datetime"),  # was 1970-01-01T00:00:00.5Z
    ("/v1/appointments", {"end_datetime": "1700000000"}, "end_datetime"),
    ("/v1/appointments", {"start_date": "0"}, "start_date"),
    ("/v1/availability", {"serviceId": "1", "startDate": "86400", "endDate": "2024-01-02"}, "startDate"),
])
def test_dates_are_iso_8601_text_not_unix_timestamps(headers: dict[str, str], path: str, query: dict[str, str],
                                                      field: str) -> None:
    assert_refused(invoke("GET", path, headers=headers, query=query), field)


def test_a_start_time_in_a_body_is_not_a_unix_timestamp(headers: dict[str, str]) -> None:
    body = {"serviceId": "1", "staffId": "2", "startTime": 1700000040, "client": CLIENT}
    assert_refused(invoke("POST", "/v1/appointments", headers=headers, json_body=body), "startTime")


@pytest.mark.parametrize("query", [
    {"start_datetime": "0001-01-01T09:20:00Z"},  # minus the westmost zone offset: before year 1
    {"end_datetime": "9999-12-31T20:00:00Z"},
])
def test_extreme_datetimes_are_refused_not_a_500(headers: dict[str, str], query: dict[str, str]) -> None:
    result = invoke("GET", "/v1/appointments", headers=headers, query=query)
    assert result.status == 400, result
    assert set(result.body) == {"error", "message", "details"} and result.body["error"] == "validation_error"


def test_answers_without_a_body_declare_none() -> None:
    # Declared as application/json strings, so schemathesis read the empty 204s and 302s as broken JSON.
    paths = document(build_app())["paths"]
    empty = [paths["/v1/api-keys/{key_id}"]["delete"]["responses"]["204"],
             paths["/v1/connections/{connection_id}"]["delete"]["responses"]["204"],
             paths["/v1/oauth/{provider}/authorize"]["get"]["responses"]["302"],
             paths["/v1/oauth/{provider}/callback"]["get"]["responses"]["302"]]
    assert all(response["content"] == {} for response in empty), empty
    created = paths["/v1/oauth/{provider}/callback"]["get"]["responses"]["201"]["content"]["application/json"]
    assert created["schema"]["type"] == "object" and "connection_id" in created["schema"]["required"]
