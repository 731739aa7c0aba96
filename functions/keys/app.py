"""Lambda handler for /v1/api-keys (routes: aptura.api.routes.keys)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import keys
from aptura.observability import log_metrics

app = create_app(keys.router)
lambda_handler = log_metrics(lambda_handler_for(app))
