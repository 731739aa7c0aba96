"""Lambda handler for /v1/connections: create, list, get, rotate, delete (routes: aptura.api.routes.connections)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import connections

app = create_app(connections.router)
lambda_handler = lambda_handler_for(app)
