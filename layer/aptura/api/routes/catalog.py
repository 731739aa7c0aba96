"""/v1/services, /v1/staff and /v1/locations: what a business offers, who and where."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Query

from aptura.api import listing
from aptura.api.app import (
    ERROR_RESPONSES,
    ConnectionHeader,
    Cursor,
    Include,
    Limit,
    current_event,
    native_filters,
    resolve_caller,
    run_operation,
    success,
)
from aptura.api.models import Location, LocationList, Service, ServiceList, Staff, StaffList

router = Router()

Bound = Annotated[float | None, Query()]
SERVICE_ORDERING = {"name": "name", "price": "price.amount", "duration": "durationMinutes"}


def _query() -> dict[str, Any]:
    return current_event().query_string_parameters or {}


@router.get(
    "/v1/services",
    operation_id="listServices",
    summary="List services",
    description="`price` (minor units) and `duration` (minutes) take `__lt`, `__lte`, `__gt`, `__gte` suffixes.",
    tags=["Catalog"],
    responses={200: success(ServiceList, "A page of services"), **ERROR_RESPONSES},
)
def list_services(
    connection_id: ConnectionHeader,
    search: Annotated[str | None, Query(max_length=100, description="Partial name match")] = None,
    name: Annotated[str | None, Query(max_length=200, description="Exact name (any case)")] = None,
    price: Bound = None, price__lt: Bound = None, price__lte: Bound = None,
    price__gt: Bound = None, price__gte: Bound = None,
    duration: Bound = None, duration__lt: Bound = None, duration__lte: Bound = None,
    duration__gt: Bound = None, duration__gte: Bound = None,
    ordering: Annotated[Literal["name", "-name", "price", "-price", "duration", "-duration"],
                        Query(description="Sort field; `-` for descending")] = "name",
    limit: Limit = listing.DEFAULT_LIMIT,
    cursor: Cursor = None,
    include: Include = None,
) -> dict[str, Any]:
    caller = resolve_caller("catalog:read", connection_id)
    items = listing.unify(run_operation(caller, "services.list", {}).output, Service)
    conditions: list[Any] = [
        *listing.comparisons("price.amount", {"": price, "__lt": price__lt, "__lte": price__lte,
                                              "__gt": price__gt, "__gte": price__gte}),
        *listing.comparisons("durationMinutes", {"": duration, "__lt": duration__lt, "__lte": duration__lte,
                                                 "__gt": duration__gt, "__gte": duration__gte}),
    ]
    if search:
        conditions.append(listing.search(["name"], search))
    if name:
        conditions.append(listing.equals("name", name))
    return listing.respond(items, conditions=conditions, ordering=ordering, fields=SERVICE_ORDERING, limit=limit,
                           cursor=cursor, query=_query(), include_raw=include == "raw")


@router.get(
    "/v1/staff",
    operation_id="listStaff",
    summary="List staff",
    tags=["Catalog"],
    responses={200: success(StaffList, "A page of staff members"), **ERROR_RESPONSES},
)
def list_staff(
    connection_id: ConnectionHeader,
    serviceId: Annotated[str | None, Query(max_length=100, description="Only staff offering this service")] = None,  # noqa: N803
    ordering: Annotated[Literal["name", "-name"], Query(description="Sort field; `-` for descending")] = "name",
    limit: Limit = listing.DEFAULT_LIMIT,
    cursor: Cursor = None,
    include: Include = None,
) -> dict[str, Any]:
    caller = resolve_caller("catalog:read", connection_id)
    items = listing.unify(run_operation(caller, "staff.list", {"serviceId": serviceId}).output, Staff)
    conditions = []
    if serviceId:
        conditions.append(listing.contains("serviceIds", serviceId,
                                           native="serviceId" in native_filters(caller, "staff.list")))
    return listing.respond(items, conditions=conditions, ordering=ordering, fields={"name": "name"}, limit=limit,
                           cursor=cursor, query=_query(), include_raw=include == "raw")


@router.get(
    "/v1/locations",
    operation_id="listLocations",
    summary="List locations",
    tags=["Catalog"],
    responses={200: success(LocationList, "A page of locations"), **ERROR_RESPONSES},
)
def list_locations(
    connection_id: ConnectionHeader,
    ordering: Annotated[Literal["name", "-name"], Query(description="Sort field; `-` for descending")] = "name",
    limit: Limit = listing.DEFAULT_LIMIT,
    cursor: Cursor = None,
    include: Include = None,
) -> dict[str, Any]:
    caller = resolve_caller("catalog:read", connection_id)
    items = listing.unify(run_operation(caller, "locations.list", {}).output, Location)
    return listing.respond(items, conditions=[], ordering=ordering, fields={"name": "name"}, limit=limit,
                           cursor=cursor, query=_query(), include_raw=include == "raw")
