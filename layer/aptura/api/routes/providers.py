"""/v1/providers: every provider, its connection fields and what it can do, read from its spec."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from aptura.api.app import ERROR_RESPONSES, require_key, success
from aptura.api.models import ProviderInfo, ProviderList
from aptura.spec.loader import all_specs, load_spec
from aptura.spec.models import FieldSpec, ProviderSpec

router = Router()

# operation -> (endpoint, {public filter: the operation input it becomes}).
ENDPOINTS: dict[str, tuple[str, dict[str, str]]] = {
    "connection.verify": ("POST /v1/connections", {}),
    "availability.list": ("GET /v1/availability", {"staffId": "staffId"}),
    "appointments.create": ("POST /v1/appointments", {}),
    "appointments.get": ("GET /v1/appointments/{id}", {}),
    "appointments.list": ("GET /v1/appointments", {
        "start_date": "startDate", "end_date": "endDate", "start_datetime": "", "end_datetime": "",
        "status": "status", "service_id": "serviceId", "staff_id": "staffId", "client_email": "clientEmail",
        "reference": ""}),
    "appointments.update": ("PATCH /v1/appointments/{id}", {}),
    "appointments.cancel": ("POST /v1/appointments/{id}/cancel", {}),
    "services.list": ("GET /v1/services", {
        "search": "", "name": "", "price": "", "duration": ""}),
    "staff.list": ("GET /v1/staff", {"serviceId": "serviceId"}),
    "locations.list": ("GET /v1/locations", {}),
    "clients.list": ("GET /v1/clients", {"email": "email", "search": "search"}),
    "clients.create": ("POST /v1/clients", {}),
}
# Date windows always reach the provider; which day a local time falls on is Aptura's check too.
_ALWAYS_NATIVE = {"startDate", "endDate"}


def _fields(fields: dict[str, FieldSpec]) -> dict[str, dict[str, Any]]:
    return {name: {"type": f.type, "required": f.required, "description": f.description, "example": f.example,
                   "enum": f.enum, "pattern": f.pattern, "label": f.label, "order": f.order, "help": f.help,
                   "help_url": f.help_url} for name, f in fields.items()}


def describe(spec: ProviderSpec) -> dict[str, Any]:
    """A provider as ``GET /v1/providers`` shows it: fields and the capability matrix."""
    capabilities = []
    for operation, (endpoint, filters) in ENDPOINTS.items():
        op = spec.operations.get(operation)  # type: ignore[call-overload]
        native = set(op.filters) | _ALWAYS_NATIVE if op is not None else set()
        capabilities.append({
            "operation": operation, "endpoint": endpoint, "supported": op is not None,
            "native_filters": [name for name, input_ in filters.items() if op is not None and input_ in native],
            "aptura_filters": [name for name, input_ in filters.items() if op is not None and input_ not in native],
        })
    return {"id": spec.id, "name": spec.name, "docs_url": spec.docs_url, "auth": spec.auth.type,
            "connection": {"config": _fields(spec.connection.config), "secrets": _fields(spec.connection.secrets)},
            "capabilities": capabilities, "stamps_reference": spec.stamps_reference()}


@router.get(
    "/v1/providers",
    operation_id="listProviders",
    summary="List providers and their capabilities",
    description="Any valid API key may read this; an unsupported operation answers 501 naming the provider.",
    tags=["Providers"],
    responses={200: success(ProviderList, "Every provider"), **ERROR_RESPONSES},
)
def list_providers() -> dict[str, Any]:
    require_key(None)
    return {"data": [describe(spec) for spec in all_specs().values()]}


@router.get(
    "/v1/providers/<provider_id>",
    operation_id="getProvider",
    summary="Get one provider and its capabilities",
    tags=["Providers"],
    responses={200: success(ProviderInfo, "The provider"), **ERROR_RESPONSES},
)
def get_provider(
    provider_id: Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]*$", max_length=50, examples=["acmebook"])],
) -> dict[str, Any]:
    require_key(None)
    return describe(load_spec(provider_id))
