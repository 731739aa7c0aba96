"""Lambda handler for /v1/openapi.json and /v1/docs (routes: aptura.api.routes.docs)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import docs

app = create_app(docs.router)
lambda_handler = lambda_handler_for(app)
