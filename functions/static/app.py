"""Lambda handler for /static/{file}: the stylesheet and scripts of Aptura's own pages (layer/aptura/web/static)."""

from __future__ import annotations

import re
from pathlib import Path

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

import aptura.web
from aptura.api.app import create_app, lambda_handler_for
from aptura.errors import NotFound
from aptura.observability import log_metrics

STATIC_DIR = Path(aptura.web.__file__).resolve().parent / "static"
_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
          ".svg": "image/svg+xml", ".txt": "text/plain; charset=utf-8"}
# One plain file name: no directories, no dot-files, so nothing outside STATIC_DIR can be named.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9]+)+$")

router = Router()


@router.get("/static/<file>")
def static_file(file: str) -> Response[str]:
    """The named file of the static directory, cached for a year (names change when contents must)."""
    path = STATIC_DIR / file
    if not _NAME.match(file) or path.suffix not in _TYPES or not path.is_file() or path.parent != STATIC_DIR:
        raise NotFound("no such static file")
    return Response(status_code=200, content_type=_TYPES[path.suffix], body=path.read_text(encoding="utf-8"),
                    headers={"Cache-Control": "public, max-age=31536000, immutable",
                             "X-Content-Type-Options": "nosniff"})


app = create_app(router)
lambda_handler = log_metrics(lambda_handler_for(app))
