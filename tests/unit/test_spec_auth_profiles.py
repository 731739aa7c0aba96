"""``auth:`` profiles: several named styles per spec, picked per operation or request, and
request signing (``type: hmac``) declared instead of computed in JMESPath."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aptura.engine.auth import TOKENS
from aptura.engine.http import Transport
from aptura.engine.runner import Connection, Runner
from aptura.errors import AptError, SpecError
from aptura.spec.check import check_text
from aptura.spec.loader import parse_spec

KEY = base64.b64encode(b"signing key bytes").decode()
SPEC = """
id: demo
name: Demo
environments: {live: {base_url: "https://live.example/api"}, test: {base_url: "https://test.example/api"}}
connection: {config: {shop: {}}, secrets: {key: {}, secret: {}}}
auth:
  default: {type: api_key, apply: {headers: {X-Key: secrets.key}}}
  signed:
    type: hmac
    key: secrets.secret
    key_encoding: base64
    message: "join(' ', [request.method, request.path, config.shop])"
    encoding: hex
    apply: {headers: {X-Signature: signature, X-Signed: message}}
operations:
  services.list:
    steps: [{id: a, request: {path: /plain}}]
    output: steps.a
  staff.list:
    auth: signed
    steps:
      - {id: a, request: {path: /signed}}
      - {id: b, request: {path: /guest, auth: default}}
    output: steps.a
  clients.list:
    steps: [{id: a, request: {method: POST, path: /one, auth: signed}}]
    output: steps.a
"""


def _run(operation: str, spec_text: str = SPEC, secrets: dict[str, Any] | None = None) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(200, json={})

    runner = _runner(spec_text, handler, secrets or {"key": "k1", "secret": KEY})
    runner.run(operation, {})
    return seen


def _runner(spec_text: str, handler: Callable[[httpx.Request], httpx.Response], secrets: dict[str, Any]) -> Runner:
    spec = parse_spec(spec_text, "demo.yaml")
    conn = Connection("conn_1", "demo", "live", {"shop": "s1"}, secrets)
    return Runner(spec, conn, transport=Transport(httpx.Client(transport=httpx.MockTransport(handler))))


@pytest.fixture(autouse=True)
def _fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APTURA_SANDBOX_URL", raising=False)
    TOKENS.clear()


def _signature(message: str) -> str:
    return hmac.new(b"signing key bytes", message.encode(), hashlib.sha256).hexdigest()


def test_requests_use_the_default_profile_when_none_is_named() -> None:
    [req] = _run("services.list")
    assert req.headers["X-Key"] == "k1" and "X-Signature" not in req.headers


def test_an_operation_names_its_profile_and_a_request_can_name_another() -> None:
    signed, guest = _run("staff.list")
    assert signed.headers["X-Signed"] == "GET /api/signed s1"
    assert signed.headers["X-Signature"] == _signature("GET /api/signed s1")
    assert "X-Key" not in signed.headers
    assert guest.headers["X-Key"] == "k1" and "X-Signature" not in guest.headers


def test_a_request_names_its_profile() -> None:
    [req] = _run("clients.list")
    assert req.headers["X-Signature"] == _signature("POST /api/one s1")


def test_base64_signatures_are_the_default_encoding() -> None:
    [req] = _run("clients.list", SPEC.replace("    encoding: hex\n", ""))
    expected = base64.b64encode(hmac.new(b"signing key bytes", b"POST /api/one s1", hashlib.sha256).digest())
    assert req.headers["X-Signature"] == expected.decode()


def test_a_key_that_is_not_in_its_encoding_is_a_connection_error_that_does_not_quote_it() -> None:
    with pytest.raises(AptError) as raised:
        _run("clients.list", secrets={"key": "k1", "secret": "not base64!"})
    assert raised.value.code == "connection_auth_failed" and "not base64!" not in str(raised.value)


@pytest.mark.parametrize(("old", "new", "where"), [
    ("    auth: signed\n", "    auth: sigend\n", "operations.staff.list.auth"),
    ("path: /guest, auth: default", "path: /guest, auth: guest", "operations.staff.list.steps[1].request.auth"),
])
def test_an_unknown_profile_is_refused_with_its_location(old: str, new: str, where: str) -> None:
    with pytest.raises(SpecError) as raised:
        parse_spec(SPEC.replace(old, new))
    assert where in str(raised.value) and "unknown auth profile" in str(raised.value)
    problems = check_text(SPEC.replace(old, new), "specs/demo.yaml")
    line = SPEC.replace(old, new)[:SPEC.replace(old, new).index(new)].count("\n") + 1
    assert [p.line for p in problems] == [line]


def test_profiles_need_a_default() -> None:
    with pytest.raises(SpecError, match="need a `default`"):
        parse_spec(SPEC.replace("  default: {type: api_key", "  guest: {type: api_key"))


def test_the_single_style_form_of_v1_is_refused() -> None:
    # One language: `auth:` is always named profiles, so a bare style is an error, not a default.
    text = (SPEC.split("auth:\n")[0] + "auth: {type: basic, username: config.shop, password: secrets.key}\n"
            "operations: {services.list: {steps: [{id: a, request: {path: /x}}], output: steps.a}}\n")
    with pytest.raises(SpecError, match="auth.type"):
        parse_spec(text)
    assert parse_spec(text.replace("auth: {type: basic, username: config.shop, password: secrets.key}",
                                   "auth: {default: {type: basic, username: config.shop, password: secrets.key}}"))\
        .auth.type == "basic"


def test_the_real_specs_pass_the_checker_with_profiles() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "specs" / "boulevard.yaml").read_text(encoding="utf-8")
    assert check_text(text, "specs/boulevard.yaml") == []
    assert parse_spec(text).auth_profiles["admin"].type == "hmac"


def test_boulevards_admin_profile_signs_the_token_boulevard_expects() -> None:
    from pathlib import Path

    from sandboxes.boulevard.auth import ADMIN_PREFIX, make_admin_token

    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(200, json={"data": {"business": {"id": "b1"}, "location": {"id": "l1"}}})

    text = (Path(__file__).resolve().parents[2] / "specs" / "boulevard.yaml").read_text(encoding="utf-8")
    spec = parse_spec(text, "boulevard.yaml")
    conn = Connection("conn_1", "boulevard", "live", {"businessId": "biz-1", "locationId": "l1", "timezone": "UTC"},
                      {"apiKey": "api-key-1", "secretKey": KEY})
    Runner(spec, conn, transport=Transport(httpx.Client(transport=httpx.MockTransport(handler)))).run(
        "connection.verify", {})
    scheme, _, encoded = seen[0].headers["Authorization"].partition(" ")
    api_key, _, token = base64.b64decode(encoded).decode().partition(":")
    timestamp = token.rsplit(ADMIN_PREFIX + "biz-1", 1)[1]
    assert (scheme, api_key) == ("Basic", "api-key-1")
    assert token == make_admin_token("biz-1", KEY, int(timestamp))
