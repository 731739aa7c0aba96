"""Lambda handler for /v1/clients (routes: aptura.api.routes.clients)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import clients
from aptura.observability import log_metrics

app = create_app(clients.router)
lambda_handler = log_metrics(lambda_handler_for(app))
