"""Lambda handler for GET /v1/availability (routes: aptura.api.routes.availability)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import availability
from aptura.observability import log_metrics

app = create_app(availability.router)
lambda_handler = log_metrics(lambda_handler_for(app))
