"""Lambda handler for the CORS preflights of the publishable-key routes (routes: aptura.api.routes.cors)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import cors
from aptura.observability import log_metrics

app = create_app(cors.router)
lambda_handler = log_metrics(lambda_handler_for(app))
