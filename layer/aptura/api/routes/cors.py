"""CORS preflights (``OPTIONS``) for the routes a publishable key may use.

A preflight carries no key, so it cannot know which key the page will send: it is answered with
``Access-Control-Allow-Origin`` when SOME publishable key allows the requesting origin (the
``ORIGIN#`` index of :mod:`aptura.store.keys`). The request that follows is checked against its
own key's origins, and only its answer to that origin is readable by the page.
"""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from aptura.api.app import CORS_ALLOW_HEADERS, CORS_MAX_AGE, PUBLISHABLE_ROUTES, current_event, error_response
from aptura.errors import Forbidden
from aptura.store.keys import origin_allowed_by_some_key

router = Router()


def preflight() -> Response[str]:
    """Allow the origin, method and headers of a browser's preflight, or refuse it (403, no CORS headers)."""
    event = current_event()
    methods = sorted(m for m, path in PUBLISHABLE_ROUTES if path == event.resource)
    origin = (event.headers.get("Origin") or "").strip()
    requested = (event.headers.get("Access-Control-Request-Method") or "").strip().upper()
    if not origin or not origin_allowed_by_some_key(origin):
        refused = error_response(Forbidden(f"no publishable key allows origin {origin or '(none sent)'}",
                                           details={"origin": origin or None}))
        refused.headers["Vary"] = "Origin"
        return refused
    if requested and requested not in methods:
        refused = error_response(Forbidden(f"publishable keys cannot use {requested} {event.resource}",
                                           details={"allowed_methods": methods}))
        refused.headers.update({"Vary": "Origin", "Access-Control-Allow-Origin": origin})
        return refused
    return Response(status_code=204, body="", headers={
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ", ".join(methods),
        "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
        "Access-Control-Max-Age": str(CORS_MAX_AGE),
        "Vary": "Origin",
    })


for _path in sorted({path for _, path in PUBLISHABLE_ROUTES}):
    router.route(_path, method="OPTIONS", security=[], include_in_schema=False)(preflight)
