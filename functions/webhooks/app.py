"""Lambda handler for /v1/webhook-endpoints and /v1/events (routes: aptura.api.routes.webhooks, .events)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import events, webhooks
from aptura.observability import log_metrics

app = create_app(webhooks.router, events.router)
lambda_handler = log_metrics(lambda_handler_for(app))
