"""Lambda handler for /inbound and /v1/connections/{id}/inbound (routes: aptura.api.routes.inbound)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import inbound

app = create_app(inbound.router)
lambda_handler = lambda_handler_for(app)
