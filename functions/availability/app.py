"""Lambda handler for GET /v1/availability (routes: aptura.api.routes.availability)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import availability

app = create_app(availability.router)
lambda_handler = lambda_handler_for(app)
