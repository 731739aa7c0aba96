"""Lambda handler for /v1/appointments: book, get, list, reschedule, cancel (routes: aptura.api.routes.appointments)."""

from aptura.api.app import create_app, lambda_handler_for
from aptura.api.routes import appointments
from aptura.observability import log_metrics

app = create_app(appointments.router)
lambda_handler = log_metrics(lambda_handler_for(app))
