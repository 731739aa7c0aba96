"""Lambda handler for /v1/connections and /v1/connect-sessions (routes: aptura.api.routes.connections,
aptura.api.routes.connect_sessions)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import connect_sessions, connections
from aptura.observability import log_metrics

app = create_app(connections.router, connect_sessions.router)
lambda_handler = log_metrics(lambda_handler_for(app))
