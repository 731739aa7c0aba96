"""Lambda handler for /v1/webhook-endpoints (routes: aptura.api.routes.webhooks)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import webhooks
from aptura.observability import log_metrics

app = create_app(webhooks.router)
lambda_handler = log_metrics(lambda_handler_for(app))
