"""/v1/clients: find and create a business's clients."""

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
    resolve_caller,
    run_operation,
    success,
)
from aptura.api.audit import audit
from aptura.api.idempotency import IdempotencyKey, write_once
from aptura.api.models import Client, ClientIn, ClientList
from aptura.errors import ProviderError

router = Router()
ORDERING_FIELDS = {"first_name": "firstName", "last_name": "lastName", "email": "email"}


@router.get(
    "/v1/clients",
    operation_id="listClients",
    summary="Find clients",
    tags=["Clients"],
    responses={200: success(ClientList, "A page of clients"), **ERROR_RESPONSES},
)
def list_clients(
    connection_id: ConnectionHeader,
    email: Annotated[str | None, Query(max_length=254, description="Exact e-mail (any case)")] = None,
    search: Annotated[str | None, Query(max_length=100, description="Partial match on name or e-mail")] = None,
    ordering: Annotated[Literal["last_name", "-last_name", "first_name", "-first_name", "email", "-email"],
                        Query(description="Sort field; `-` for descending")] = "last_name",
    limit: Limit = listing.DEFAULT_LIMIT,
    cursor: Cursor = None,
    include: Include = None,
) -> dict[str, Any]:
    caller = resolve_caller("clients:read", connection_id)
    output = run_operation(caller, "clients.list", {"email": email, "search": search}).output
    items = listing.unify(output, Client)
    conditions: list[Any] = []
    if email:
        conditions.append(listing.equals("email", email))
    if search:
        conditions.append(listing.search(["firstName", "lastName", "email"], search))
    return listing.respond(items, conditions=conditions, ordering=ordering, fields=ORDERING_FIELDS, limit=limit,
                           cursor=cursor, query=current_event().query_string_parameters or {},
                           include_raw=include == "raw")


@router.post(
    "/v1/clients",
    operation_id="createClient",
    summary="Create a client",
    description="A client with the same e-mail already existing is a 409 naming it in `details.client_id`.",
    tags=["Clients"],
    responses={201: success(Client, "The created client"), **ERROR_RESPONSES},
)
def create_client(body: ClientIn, connection_id: ConnectionHeader,
                  idempotency_key: IdempotencyKey = None) -> tuple[dict[str, Any], int]:
    caller = resolve_caller("clients:write", connection_id)
    input_ = body.model_dump(mode="json", exclude_none=True)

    def create() -> tuple[dict[str, Any], int]:
        output = run_operation(caller, "clients.create", input_).output
        if not isinstance(output, dict):
            raise ProviderError("the provider's client could not be read back")
        client = listing.unify([output], Client)[0]
        audit("clients.create", "created", client_id=client["id"])
        return listing.present(client, include_raw=False), 201

    return write_once(caller, "clients.create", idempotency_key, input_, create)
