"""The OpenAPI document: generated from the routes, committed, served, and complete."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from aptura.api.openapi import build_app, document
from tests.support import ROOT, STACK, invoke

COMMITTED = ROOT / "docs" / "openapi.json"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return document(build_app())


def test_committed_document_is_current(doc: dict[str, Any]) -> None:
    assert json.loads(COMMITTED.read_text()) == doc, (
        "docs/openapi.json is stale: PYTHONPATH=layer:. python -m aptura.api.openapi > docs/openapi.json")


def test_document_is_valid_openapi_3_1(doc: dict[str, Any]) -> None:
    assert doc["openapi"].startswith("3.1")
    validate(doc)


def test_every_template_route_is_documented_and_nothing_else(doc: dict[str, Any]) -> None:
    documented = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    # CORS preflights (OPTIONS, functions/cors) are browser plumbing, and the HTML pages (dashboard, hosted
    # connect page, their static files) are for people: the API is what lives under /v1.
    deployed = {(r.method, r.path) for r in STACK.routes if r.method != "OPTIONS" and r.path.startswith("/v1/")}
    assert documented == deployed


def test_every_operation_declares_success_and_errors_with_schemas_and_examples(doc: dict[str, Any]) -> None:
    schemas = doc["components"]["schemas"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            where = f"{method.upper()} {path}"
            codes = set(op["responses"])
            assert any(c.startswith("2") or c == "302" for c in codes), where
            if path.startswith("/v1/docs") or path in ("/v1/openapi.json", "/v1/health"):
                continue
            assert {"400", "401", "404", "429", "502", "503", "504"} <= codes, where
            for code, response in op["responses"].items():
                if code in ("204", "302"):  # no body
                    continue
                media = next(iter(response["content"].values()))
                assert "schema" in media, f"{where} {code}"
                ref = media["schema"].get("$ref", "")
                if code >= "400":
                    assert ref.endswith("/ErrorBody") and media["examples"], f"{where} {code}"
                elif ref:
                    model = schemas[ref.rsplit("/", 1)[1]]
                    item = model
                    if "items" in model.get("properties", {}).get("data", {}):  # a page (an event's data is not)
                        item = schemas[model["properties"]["data"]["items"]["$ref"].rsplit("/", 1)[1]]
                    assert item.get("examples") or where.endswith("/v1/availability"), f"{where} {code}"


def test_served_document_and_swagger_ui() -> None:
    served = invoke("GET", "/v1/openapi.json")
    assert served.status == 200 and served.body["openapi"].startswith("3.1")
    assert served.body["servers"] == [{"url": "http://api.test"}]  # the configured PublicUrl
    assert served.body["paths"] == json.loads(COMMITTED.read_text())["paths"]
    ui = invoke("GET", "/v1/docs")
    assert ui.status == 200 and ui.headers["content-type"].startswith("text/html")
    assert "SwaggerUIBundle" in ui.body and re.search(r'"/v1/appointments"', ui.body)


# Every operation's id, named for what it does: SDKs generated from the document name their methods after
# these (list_availability, createAppointment…), so renaming one is a breaking change made here on purpose.
OPERATION_IDS: dict[tuple[str, str], str] = {
    ("GET", "/v1/availability"): "listAvailability",
    ("GET", "/v1/appointments"): "listAppointments",
    ("POST", "/v1/appointments"): "createAppointment",
    ("GET", "/v1/appointments/{appointment_id}"): "getAppointment",
    ("PATCH", "/v1/appointments/{appointment_id}"): "updateAppointment",
    ("POST", "/v1/appointments/{appointment_id}/cancel"): "cancelAppointment",
    ("GET", "/v1/services"): "listServices",
    ("GET", "/v1/staff"): "listStaff",
    ("GET", "/v1/locations"): "listLocations",
    ("GET", "/v1/clients"): "listClients",
    ("POST", "/v1/clients"): "createClient",
    ("GET", "/v1/connections"): "listConnections",
    ("POST", "/v1/connections"): "createConnection",
    ("GET", "/v1/connections/{connection_id}"): "getConnection",
    ("PATCH", "/v1/connections/{connection_id}"): "updateConnection",
    ("DELETE", "/v1/connections/{connection_id}"): "deleteConnection",
    ("POST", "/v1/connect-sessions"): "createConnectSession",
    ("POST", "/v1/webhook-endpoints"): "createWebhookEndpoint",
    ("GET", "/v1/webhook-endpoints"): "listWebhookEndpoints",
    ("GET", "/v1/webhook-endpoints/{endpoint_id}"): "getWebhookEndpoint",
    ("PATCH", "/v1/webhook-endpoints/{endpoint_id}"): "updateWebhookEndpoint",
    ("DELETE", "/v1/webhook-endpoints/{endpoint_id}"): "deleteWebhookEndpoint",
    ("POST", "/v1/webhook-endpoints/{endpoint_id}/rotate-secret"): "rotateWebhookSecret",
    ("GET", "/v1/webhook-endpoints/{endpoint_id}/deliveries"): "listWebhookDeliveries",
    ("GET", "/v1/events"): "listEvents",
    ("GET", "/v1/events/{event_id}"): "getEvent",
    ("POST", "/v1/events/{event_id}/redeliver"): "redeliverEvent",
    ("GET", "/v1/connections/{connection_id}/inbound"): "getInboundAddress",
    ("GET", "/v1/connect-sessions/{session_id}"): "getConnectSession",
    ("GET", "/v1/oauth/{provider}/authorize"): "startOAuth",
    ("GET", "/v1/oauth/{provider}/callback"): "completeOAuth",
    ("GET", "/v1/api-keys"): "listApiKeys",
    ("POST", "/v1/api-keys"): "createApiKey",
    ("DELETE", "/v1/api-keys/{key_id}"): "revokeApiKey",
    ("GET", "/v1/providers"): "listProviders",
    ("GET", "/v1/providers/{provider_id}"): "getProvider",
    ("GET", "/v1/health"): "getHealth",
    ("GET", "/v1/openapi.json"): "getOpenApiDocument",
    ("GET", "/v1/docs"): "getSwaggerUi",
}
# The operations that need no API key: the OAuth callback is reached by the provider's redirect of a browser,
# which carries the signed state instead of a key.
PUBLIC = {"getHealth", "completeOAuth", "getOpenApiDocument", "getSwaggerUi"}
CAMEL_CASE = re.compile(r"[a-z]+(?:[A-Z][a-z]*)+")


def _operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method.upper(), path): op for path, ops in doc["paths"].items() for method, op in ops.items()}


def test_every_operation_has_its_named_camel_case_id(doc: dict[str, Any]) -> None:
    ids = {where: op.get("operationId") for where, op in _operations(doc).items()}
    assert ids == OPERATION_IDS
    assert all(CAMEL_CASE.fullmatch(op_id) for op_id in OPERATION_IDS.values())
    assert len(set(OPERATION_IDS.values())) == len(OPERATION_IDS)


def test_every_operation_has_a_declared_tag(doc: dict[str, Any]) -> None:
    declared = [tag["name"] for tag in doc["tags"]]
    assert "default" not in declared and all(tag.get("description") for tag in doc["tags"])
    used: set[str] = set()
    for (method, path), op in _operations(doc).items():
        assert op.get("tags") and set(op["tags"]) <= set(declared), f"{method} {path}: {op.get('tags')}"
        used.update(op["tags"])
    assert used == set(declared)  # no tag left empty in Swagger UI


def test_only_public_operations_drop_the_key(doc: dict[str, Any]) -> None:
    assert doc["security"] == [{"apiKey": []}]
    for (method, path), op in _operations(doc).items():
        if op["operationId"] in PUBLIC:
            assert op.get("security") == [], f"{method} {path} shows a lock"
        else:
            assert "security" not in op, f"{method} {path} overrides the API key"


# A value for each path parameter, enough to reach the handler.
_PATH_VALUES = {"appointment_id": "apt_x", "connection_id": "conn_x", "session_id": "cs_x", "key_id": "key_x",
                "provider": "square", "provider_id": "square", "endpoint_id": "we_x",
                "event_id": "evt_x"}


@pytest.mark.usefixtures("moto_aws")
@pytest.mark.parametrize(("method", "path"), sorted(OPERATION_IDS))
def test_the_document_says_which_routes_need_a_key_as_the_handlers_do(method: str, path: str) -> None:
    """A keyless call answers 401 exactly where the document asks for a key."""
    answer = invoke(method, path.format(**_PATH_VALUES))
    if OPERATION_IDS[(method, path)] in PUBLIC:
        assert answer.status != 401, answer.body
    else:
        assert answer.status == 401, answer.body
