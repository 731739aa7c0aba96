"""GET /v1/availability: free slots of a service, in UTC."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BeforeValidator

from aptura.api.app import ERROR_RESPONSES, ConnectionHeader, resolve_caller, run_operation
from aptura.api.models import AvailabilityResponse, iso_8601
from aptura.api.shaping import clean_slots
from aptura.errors import ValidationError

MAX_DAYS = 31
router = Router()


@router.get(
    "/v1/availability",
    operation_id="listAvailability",
    summary="List available slots",
    tags=["Availability"],
    responses={200: {"description": "Free slots in UTC"}, **ERROR_RESPONSES},
)
def list_availability(
    connection_id: ConnectionHeader,
    serviceId: Annotated[str, Query(min_length=1, max_length=100, description="The service to check")],  # noqa: N803
    startDate: Annotated[date, Query(description="First day (YYYY-MM-DD), in the business's zone"),  # noqa: N803
                         BeforeValidator(iso_8601)],
    endDate: Annotated[date, Query(description="Last day (YYYY-MM-DD), inclusive"),  # noqa: N803
                       BeforeValidator(iso_8601)],
    staffId: Annotated[str | None, Query(max_length=100, description="Only this staff member")] = None,  # noqa: N803
) -> AvailabilityResponse:
    if endDate < startDate:
        raise ValidationError("endDate is before startDate", details={"endDate": ["must not be before startDate"]})
    if (endDate - startDate).days >= MAX_DAYS:
        raise ValidationError(f"the window is longer than {MAX_DAYS} days", details={"endDate": ["window too long"]})
    caller = resolve_caller("availability:read", connection_id)
    query: dict[str, Any] = {"serviceId": serviceId, "staffId": staffId,
                             "startDate": startDate.isoformat(), "endDate": endDate.isoformat()}
    outcome = run_operation(caller, "availability.list", query)
    slots = clean_slots(outcome.output, startDate, endDate, outcome.zone)
    if staffId is not None:
        slots = [s for s in slots if s.get("staffId") in (None, staffId)]
    return AvailabilityResponse(provider=caller.spec.id, serviceId=serviceId, slots=slots)  # type: ignore[arg-type]
