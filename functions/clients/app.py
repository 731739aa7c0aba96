"""Lambda handler for /v1/clients (routes: aptura.api.routes.clients)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import clients

app = create_app(clients.router)
lambda_handler = lambda_handler_for(app)
