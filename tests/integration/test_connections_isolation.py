"""/v1/connections tenant isolation on DynamoDB Local and moto's Secrets Manager server:
one account can neither see nor change another's connection, whatever route it uses."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest

from aptura.store.connections import secret_name
from aptura.store.keys import create_api_key
from tests.conformance.conftest import demo_of, fresh_sandbox
from tests.support import auth_headers, invoke

pytestmark = pytest.mark.integration
PROVIDER = "mindbody"


@pytest.fixture()
def accounts(aws: dict[str, str], sandboxes: Any) -> dict[str, Any]:
    root = f"{sandboxes.url}/{PROVIDER}/_sandbox"
    fresh_sandbox(root)
    a, b = f"acct_{uuid.uuid4().hex[:8]}", f"acct_{uuid.uuid4().hex[:8]}"  # the shared DB outlives a test
    return {"a": create_api_key(a, "test")[0], "b": create_api_key(b, "test")[0], "demo": demo_of(PROVIDER)}


def test_an_account_cannot_reach_another_accounts_connection(accounts: dict[str, Any]) -> None:
    demo = accounts["demo"]
    body = {"provider": PROVIDER, "config": demo["config"], "credentials": demo["credentials"]}
    made = invoke("POST", "/v1/connections", headers=auth_headers(accounts["a"], None), json_body=body)
    assert made.status == 201, made
    conn = made.body["id"]
    path = f"/v1/connections/{conn}"
    b = auth_headers(accounts["b"], None)

    listed = invoke("GET", "/v1/connections", headers=b)
    assert listed.status == 200 and listed.body["data"] == []
    for method, patch in (("GET", None), ("PATCH", {"credentials": {"password": "stolen-password"}}),
                          ("DELETE", None)):
        other = invoke(method, path, headers=b, json_body=patch)
        missing = invoke(method, "/v1/connections/conn_doesnotexist", headers=b, json_body=patch)
        assert other.status == missing.status == 404, (method, other)
        assert other.body["error"] == missing.body["error"] == "not_found"

    # Untouched: A still sees it, its secret is the original, and A can delete it.
    a = auth_headers(accounts["a"], None)
    assert [c["id"] for c in invoke("GET", "/v1/connections", headers=a).body["data"]] == [conn]
    assert invoke("GET", path, headers=a).body == made.body
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=secret_name(conn))
    assert json.loads(secret["SecretString"]) == demo["credentials"]
    assert invoke("DELETE", path, headers=a).status == 204
    assert invoke("GET", path, headers=a).status == 404
