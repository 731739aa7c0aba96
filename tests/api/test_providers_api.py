"""GET /v1/providers: connection fields and a capability matrix computed from each spec,
and 501 for an operation a spec does not declare."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aptura.spec.loader import load_spec
from tests.support import ROOT, auth_headers, invoke

TINY = """
id: tinyprov
name: Tiny Provider
environments:
  live: {base_url: "https://tiny.example/api"}
  test: {base_url: "https://tiny.example/test"}
connection:
  config:
    siteId: {type: string, description: "The site", example: "42"}
  secrets:
    apiKey: {type: string, description: "API key"}
auth:
  default:
    type: api_key
    apply: {headers: {X-Key: secrets.apiKey}}
operations:
  availability.list:
    steps:
      - id: slots
        request: {path: /slots}
    output: "`[]`"
  staff.list:
    filters: [serviceId]
    steps:
      - id: staff
        request: {path: /staff, query: {service: input.serviceId}}
    output: "`[]`"
"""


@pytest.fixture()
def tiny(moto_aws: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from aptura.store.keys import create_api_key

    (tmp_path / "tinyprov.yaml").write_text(TINY)
    monkeypatch.setenv("APTURA_SPECS_DIR", str(tmp_path))
    raw, _ = create_api_key("acct_tiny", "test", scopes=("catalog:read",))
    yield raw
    load_spec.cache_clear()


def capability(provider: dict[str, Any], operation: str) -> dict[str, Any]:
    return next(c for c in provider["capabilities"] if c["operation"] == operation)


def test_capabilities_come_from_the_spec(tiny: str) -> None:
    listed = invoke("GET", "/v1/providers", headers=auth_headers(tiny, None))
    assert listed.status == 200, listed
    [provider] = listed.body["data"]
    assert provider["id"] == "tinyprov" and provider["auth"] == "api_key"
    assert provider["connection"]["config"]["siteId"]["example"] == "42"
    assert set(provider["connection"]["secrets"]) == {"apiKey"}
    staff = capability(provider, "staff.list")
    assert staff["supported"] and staff["endpoint"] == "GET /v1/staff" and staff["native_filters"] == ["serviceId"]
    assert capability(provider, "availability.list")["aptura_filters"] == ["staffId"]
    assert not capability(provider, "appointments.cancel")["supported"]
    assert provider["stamps_reference"] is False  # it cannot even book
    one = invoke("GET", "/v1/providers/tinyprov", headers=auth_headers(tiny, None))
    assert one.status == 200 and one.body == provider


def test_unknown_provider_and_missing_key(tiny: str) -> None:
    assert invoke("GET", "/v1/providers/nope", headers=auth_headers(tiny, None)).status == 404
    assert invoke("GET", "/v1/providers").status == 401


def test_an_operation_the_spec_lacks_is_501_naming_both(tiny: str) -> None:
    from aptura.store.connections import create_connection

    conn = create_connection("acct_tiny", "tinyprov", "test", {"siteId": "42"}, {"apiKey": "k"})
    result = invoke("GET", "/v1/locations", headers=auth_headers(tiny, conn.connection_id))
    assert result.status == 501, result
    assert result.body["error"] == "not_supported"
    assert result.body["details"] == {"provider": "tinyprov", "operation": "locations.list"}
    assert "Tiny Provider" in result.body["message"] and "locations.list" in result.body["message"]


def test_every_repository_spec_is_described(moto_aws: None) -> None:
    from aptura.store.keys import create_api_key

    raw, _ = create_api_key("acct_all", "test", scopes=("catalog:read",))
    listed = invoke("GET", "/v1/providers", headers=auth_headers(raw, None))
    assert listed.status == 200
    assert sorted(p["id"] for p in listed.body["data"]) == sorted(p.stem for p in (ROOT / "specs").glob("*.yaml"))
    for provider in listed.body["data"]:
        assert capability(provider, "availability.list")["supported"], provider["id"]
        assert capability(provider, "appointments.create")["supported"], provider["id"]
        assert provider["stamps_reference"] is load_spec(provider["id"]).stamps_reference(), provider["id"]
