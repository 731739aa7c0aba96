"""Provider redirects: followed within the same host, otherwise a unified provider error."""

from __future__ import annotations

import httpx
import pytest

from aptura.engine.http import Deadline, PreparedRequest, Transport
from aptura.errors import AptError


def _transport(handler: httpx.MockTransport) -> Transport:
    return Transport(httpx.Client(transport=handler))


def test_a_redirect_within_the_host_is_followed_with_method_and_body() -> None:
    seen: list[tuple[str, str, bytes]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, str(request.url), request.content))
        if request.url.path == "/v1/bookings":
            return httpx.Response(308, headers={"Location": "/v2/bookings?x=1"})
        return httpx.Response(201, json={"id": "b1"})

    response = _transport(httpx.MockTransport(handler)).send(
        PreparedRequest("POST", "https://t1.example.com/v1/bookings", query=[("a", "b")], body={"k": 1}), Deadline(5))
    assert response.status == 201 and response.body == {"id": "b1"}
    assert seen == [("POST", "https://t1.example.com/v1/bookings?a=b", b'{"k": 1}'),
                    ("POST", "https://t1.example.com/v2/bookings?x=1", b'{"k": 1}')]


def test_see_other_becomes_a_get_without_body() -> None:
    seen: list[tuple[str, bytes]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.content))
        if len(seen) == 1:
            return httpx.Response(303, headers={"Location": "https://t1.example.com/result"})
        return httpx.Response(200, json={"ok": True})

    _transport(httpx.MockTransport(handler)).send(
        PreparedRequest("POST", "https://t1.example.com/go", body={"k": 1}), Deadline(5))
    assert seen == [("POST", b'{"k": 1}'), ("GET", b"")]


def test_a_redirect_to_another_host_is_a_provider_error_naming_it() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        return httpx.Response(302, headers={"Location": "https://login.other.example/sso"})

    with pytest.raises(AptError) as refused:
        _transport(httpx.MockTransport(handler)).send(
            PreparedRequest("GET", "https://t1.example.com/v1/me", headers={"Authorization": "Bearer s"}),
            Deadline(5))
    assert refused.value.code == "provider_error" and refused.value.status == 502
    assert refused.value.details == {"provider_status": 302, "location": "https://login.other.example/sso"}
    assert calls == ["https://t1.example.com/v1/me"]  # the credential never went to the other host


def test_a_redirect_loop_stops() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(307, headers={"Location": "/again"})

    with pytest.raises(AptError) as refused:
        _transport(httpx.MockTransport(handler)).send(PreparedRequest("GET", "https://t1.example.com/a"), Deadline(5))
    assert refused.value.code == "provider_error" and refused.value.details["redirects"] == 5


def test_a_refused_redirect_is_not_retried_and_marks_the_request_sent() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        return httpx.Response(301, headers={"Location": "http://t1.example.com/plain"})  # scheme change

    with pytest.raises(AptError) as refused:
        _transport(httpx.MockTransport(handler)).send(
            PreparedRequest("GET", "https://t1.example.com/a", retry=True), Deadline(5))
    assert calls == ["GET"] and refused.value.request_sent is True
