"""Lambda handler for /v1/providers (routes: aptura.api.routes.providers)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import providers
from aptura.observability import log_metrics

app = create_app(providers.router)
lambda_handler = log_metrics(lambda_handler_for(app))
