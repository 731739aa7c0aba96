"""/v1/connections: connect a business's provider account, read, rotate and remove it.

Credentials are checked with the provider (the spec's ``connection.verify``) before
anything is written, go only to Secrets Manager, and never appear in a response or a log
line. A key manages only connections of its own mode, and only its own account's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from pydantic import BaseModel

from aptura import connect, events
from aptura.api import listing
from aptura.api.app import ERROR_RESPONSES, Cursor, Limit, current_event, owned_connection, require_key, success
from aptura.api.audit import audit
from aptura.api.idempotency import IdempotencyKey, once
from aptura.api.models import Connection, ConnectionCreate, ConnectionList, ConnectionUpdate
from aptura.errors import AptError
from aptura.store.connections import ConnectionRecord, delete_connection, list_connections
from aptura.store.keys import ApiKey

router = Router()

SCOPE = "connections:manage"
ORDERING_FIELDS = {"created_at": "created_at", "provider": "provider"}
ConnectionId = Annotated[str, Path(min_length=1, max_length=100, description="The connection's id",
                                   examples=["conn_xyz789"])]


def _present(record: ConnectionRecord) -> dict[str, Any]:
    """The public shape (the same object connection events carry)."""
    return events.connection_object(record)


@contextmanager
def _audited(key: ApiKey, operation: str, outcome: str, **fields: Any) -> Iterator[dict[str, Any]]:
    """Log one connection change as structured JSON, whether it succeeds or not.

    The route fills ``connection_id``/``provider`` in the yielded entry as it learns them;
    the entry only ever holds ids and names, never config values or credentials.
    """
    entry: dict[str, Any] = {"account_id": key.account_id, "mode": key.mode, "operation": operation,
                             "connection_id": None, "provider": None, **fields}
    try:
        yield entry
    except AptError as exc:
        failed = "failed" if exc.status >= 500 else "refused"
        audit(outcome=failed, message=f"connection change {failed}", error=exc.code, status=exc.status, **entry)
        raise
    except Exception:
        audit(outcome="failed", message="connection change failed", error="internal_error", status=500, **entry)
        raise
    audit(outcome=outcome, message=f"connection {outcome}", **entry)


def _fingerprint(body: BaseModel) -> dict[str, Any]:
    """What an Idempotency-Key is checked against: the request with its credentials only as a digest."""
    data = body.model_dump(mode="json")
    credentials = data.pop("credentials", None)
    data["credentials_sha256"] = hashlib.sha256(json.dumps(credentials, sort_keys=True).encode()).hexdigest()
    return data


@router.post(
    "/v1/connections",
    operation_id="createConnection",
    summary="Connect a provider account",
    description=("Validates `config` and `credentials` against the provider's connection fields "
                 "(`GET /v1/providers`), checks the credentials with the provider, then stores them. "
                 "The connection's mode is the API key's. Refused credentials are a 422 and nothing is saved; "
                 "a provider whose spec cannot check credentials gives status `unverified`."),
    tags=["Connections"],
    responses={201: success(Connection, "The connection (never its credentials)"), **ERROR_RESPONSES},
)
def create(body: ConnectionCreate, idempotency_key: IdempotencyKey = None) -> tuple[dict[str, Any], int]:
    key = require_key(SCOPE)

    def create_it() -> tuple[dict[str, Any], int]:
        with _audited(key, "connections.create", "created", provider=body.provider) as entry:
            end_user = connect.EndUser(**body.end_user.model_dump()) if body.end_user else None
            record = connect.connect_provider(key.account_id, key.mode, body.provider, body.config,
                                              body.credentials, end_user)
            entry["connection_id"] = record.connection_id
        return _present(record), 201

    return once(f"{key.account_id}#{key.mode}#connections.create", idempotency_key, _fingerprint(body), create_it)


@router.get(
    "/v1/connections",
    operation_id="listConnections",
    summary="List connections",
    description="Only the connections of the API key's mode (a test key sees test connections).",
    tags=["Connections"],
    responses={200: success(ConnectionList, "A page of connections"), **ERROR_RESPONSES},
)
def list_all(
    provider: Annotated[str | None, Query(max_length=50, description="Only this provider's")] = None,
    status: Annotated[Literal["active", "unverified", "error"] | None, Query(description="Only this status")] = None,
    end_user_id: Annotated[str | None, Query(max_length=200, description="Only this end user's")] = None,
    ordering: Annotated[Literal["created_at", "-created_at", "provider", "-provider"],
                        Query(description="Sort field; `-` for descending")] = "-created_at",
    limit: Limit = listing.DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    key = require_key(SCOPE)
    items = [_present(r) for r in list_connections(key.account_id) if r.mode == key.mode]
    conditions: list[Any] = []
    if provider:
        conditions.append(listing.equals("provider", provider))
    if status:
        conditions.append(listing.equals("status", status))
    if end_user_id:
        conditions.append(listing.Condition("end_user.id", lambda value: value == end_user_id))
    return listing.respond(items, conditions=conditions, ordering=ordering, fields=ORDERING_FIELDS, limit=limit,
                           cursor=cursor, query=current_event().query_string_parameters or {}, include_raw=False)


@router.get(
    "/v1/connections/<connection_id>",
    operation_id="getConnection",
    summary="Get a connection",
    description="Its status, provider, config and last error; never its credentials.",
    tags=["Connections"],
    responses={200: success(Connection, "The connection"), **ERROR_RESPONSES},
)
def get(connection_id: ConnectionId) -> dict[str, Any]:
    key = require_key(SCOPE)
    return _present(owned_connection(key, connection_id))


@router.patch(
    "/v1/connections/<connection_id>",
    operation_id="updateConnection",
    summary="Rotate a connection's credentials or change its config",
    description=("The given fields are merged into the current ones and checked with the provider before "
                 "anything is written: refused credentials are a 422 and the old ones stay in use."),
    tags=["Connections"],
    responses={200: success(Connection, "The updated connection"), **ERROR_RESPONSES},
)
def update(connection_id: ConnectionId, body: ConnectionUpdate,
           idempotency_key: IdempotencyKey = None) -> tuple[dict[str, Any], int]:
    key = require_key(SCOPE)

    def rotate() -> tuple[dict[str, Any], int]:
        with _audited(key, "connections.update", "updated", connection_id=connection_id) as entry:
            record = owned_connection(key, connection_id)
            entry["provider"] = record.provider
            record = connect.rotate_connection(record, body.config, body.credentials)
        return _present(record), 200

    return once(f"{key.account_id}#{key.mode}#connections.update#{connection_id}", idempotency_key,
                _fingerprint(body), rotate)


@router.delete(
    "/v1/connections/<connection_id>",
    operation_id="deleteConnection",
    summary="Delete a connection",
    description="Removes the connection and its credentials from Secrets Manager; its id answers 404 afterwards.",
    tags=["Connections"],
    responses={204: {"description": "Deleted", "content": {}}, **ERROR_RESPONSES},
)
def delete(connection_id: ConnectionId) -> Response[str]:
    key = require_key(SCOPE)
    with _audited(key, "connections.delete", "deleted", connection_id=connection_id) as entry:
        record = owned_connection(key, connection_id)
        entry["provider"] = record.provider
        delete_connection(record)
    events.emit_connection("connection.deleted", record)
    return Response(status_code=204, body="")
