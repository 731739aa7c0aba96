"""Lambda handler for /inbound and /v1/connections/{id}/inbound (routes: aptura.api.routes.inbound)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import inbound
from aptura.observability import log_metrics

app = create_app(inbound.router)
lambda_handler = log_metrics(lambda_handler_for(app))
