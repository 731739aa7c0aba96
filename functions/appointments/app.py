"""/v1/appointments: book an appointment."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from aptura.api.app import ERROR_RESPONSES, create_app, logger, resolve_caller, run_operation
from aptura.api.models import Appointment, AppointmentCreate, utc_text
from aptura.errors import ProviderError

app = create_app()


@app.post(
    "/v1/appointments",
    summary="Book an appointment",
    responses={201: {"description": "The booked appointment"}, **ERROR_RESPONSES},
)
def create_appointment(body: AppointmentCreate) -> tuple[Appointment, int]:
    caller = resolve_caller(app, "bookings:write")
    input_ = body.model_dump(mode="json", exclude_none=True)
    input_["startTime"] = utc_text(body.startTime)
    outcome = run_operation(app, caller, "appointments.create", input_)
    if not isinstance(outcome.output, dict):
        raise ProviderError("the provider's booking could not be read back")
    logger.info("appointment created", extra={"operation": "appointments.create", "outcome": "created",
                                               "appointment_id": outcome.output.get("id")})
    return Appointment.model_validate({**outcome.output, "provider": caller.spec.id}), 201


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
