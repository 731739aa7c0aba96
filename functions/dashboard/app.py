"""Lambda handler for /dashboard (routes: aptura.web.dashboard)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.observability import log_metrics
from aptura.web import dashboard

app = create_app(dashboard.router)
lambda_handler = log_metrics(lambda_handler_for(app))
