"""Lambda handler for GET /v1/health (routes: aptura.api.routes.health)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import health
from aptura.observability import log_metrics

app = create_app(health.router)
lambda_handler = log_metrics(lambda_handler_for(app))
