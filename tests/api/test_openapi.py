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
                    if "data" in model.get("properties", {}):
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
