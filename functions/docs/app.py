"""Lambda handler for /v1/openapi.json and /v1/docs (routes: aptura.api.routes.docs)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import docs
from aptura.observability import log_metrics

app = create_app(docs.router)
lambda_handler = log_metrics(lambda_handler_for(app))
