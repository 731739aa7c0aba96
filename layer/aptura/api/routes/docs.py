"""GET /v1/openapi.json and GET /v1/docs (Swagger UI): the API describing itself."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi import swagger_ui as swagger_ui_package
from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

from aptura.api.app import NO_KEY
from aptura.api.oauth import served_url

router = Router()


@lru_cache(maxsize=1)
def _document() -> dict[str, Any]:
    """The document, generated once per container (the full app is built only here)."""
    from aptura.api.openapi import build_app, document

    return document(build_app())


@lru_cache(maxsize=8)
def _document_text(server_url: str) -> str:
    """The document with ``server_url`` as its server (``servers`` keeps its place in the key order)."""
    return json.dumps({**_document(), "servers": [{"url": server_url}]})


@lru_cache(maxsize=8)
def _swagger_page(server_url: str) -> str:
    assets = Path(swagger_ui_package.__file__).parent
    return generate_swagger_html(_document_text(server_url).replace("</", "<\\/"),
                                 (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
                                 (assets / "swagger-ui.min.css").read_text(encoding="utf-8"), "", None)


@router.get("/v1/openapi.json", operation_id="getOpenApiDocument", summary="This API's OpenAPI 3.1 document",
            tags=["Docs"], openapi_extensions=NO_KEY,
            responses={200: {"description": "The OpenAPI document", "content": {"application/json": {
                "schema": {"type": "object"}}}}})
def openapi_document() -> Response[str]:
    return Response(status_code=200, content_type="application/json", body=_document_text(served_url()))


@router.get("/v1/docs", operation_id="getSwaggerUi", summary="Swagger UI for this API", tags=["Docs"],
            openapi_extensions=NO_KEY,
            responses={200: {"description": "An HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}})
def swagger_ui() -> Response[str]:
    return Response(status_code=200, content_type="text/html", body=_swagger_page(served_url()))
