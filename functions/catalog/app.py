"""Lambda handler for /v1/services, /v1/staff, /v1/locations (routes: aptura.api.routes.catalog)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import catalog
from aptura.observability import log_metrics

app = create_app(catalog.router)
lambda_handler = log_metrics(lambda_handler_for(app))
