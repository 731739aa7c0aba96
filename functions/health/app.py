"""Lambda handler for GET /v1/health (routes: aptura.api.routes.health)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import health

app = create_app(health.router)
lambda_handler = lambda_handler_for(app)
