"""Lambda handler for /v1/oauth/{provider}/authorize and /callback (routes: aptura.api.routes.oauth)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import oauth
from aptura.observability import log_metrics

app = create_app(oauth.router)
lambda_handler = log_metrics(lambda_handler_for(app))
