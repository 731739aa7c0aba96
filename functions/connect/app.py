"""Lambda handler for the hosted connect page /connect/... (routes: aptura.web.connect_page)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.observability import log_metrics
from aptura.web import connect_page

app = create_app(connect_page.router)
lambda_handler = log_metrics(lambda_handler_for(app))
