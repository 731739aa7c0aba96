"""Lambda handler for /v1/oauth/{provider}/authorize and /callback (routes: aptura.api.routes.oauth)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import oauth

app = create_app(oauth.router)
lambda_handler = lambda_handler_for(app)
