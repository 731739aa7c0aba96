"""Lambda handler for /v1/api-keys (routes: aptura.api.routes.keys)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import keys

app = create_app(keys.router)
lambda_handler = lambda_handler_for(app)
