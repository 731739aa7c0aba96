"""GET /v1/openapi.json and GET /v1/docs (Swagger UI): the API describing itself."""

from __future__ import annotations

import json
from pathlib import Path

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi import swagger_ui as swagger_ui_package
from aws_lambda_powertools.event_handler.openapi.swagger_ui import generate_swagger_html

from aptura.api import oauth
from aptura.api.app import current_event

router = Router()


def served_url() -> str:
    """This deployment's public base URL, as the caller reached it."""
    event = current_event()
    headers = {k.lower(): v for k, v in (event.headers or {}).items()}
    return oauth.public_base_url(headers, event.request_context.stage)


@router.get("/v1/openapi.json", summary="This API's OpenAPI 3.1 document", tags=["Docs"], security=[],
            responses={200: {"description": "The OpenAPI document", "content": {"application/json": {
                "schema": {"type": "object"}}}}})
def openapi_document() -> Response[str]:
    from aptura.api.openapi import build_app, document  # the full app, built only when asked for

    body = json.dumps(document(build_app(), served_url()))
    return Response(status_code=200, content_type="application/json", body=body)


@router.get("/v1/docs", summary="Swagger UI for this API", tags=["Docs"], security=[],
            responses={200: {"description": "An HTML page", "content": {"text/html": {"schema": {"type": "string"}}}}})
def swagger_ui() -> Response[str]:
    from aptura.api.openapi import build_app, document

    spec = json.dumps(document(build_app(), served_url())).replace("</", "<\\/")
    assets = Path(swagger_ui_package.__file__).parent
    html = generate_swagger_html(spec, (assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
                                 (assets / "swagger-ui.min.css").read_text(encoding="utf-8"), "", None)
    return Response(status_code=200, content_type="text/html", body=html)
