"""/v1/webhook-endpoints: where Aptura POSTs signed events, and what each delivery attempt gave.

An endpoint belongs to one account and one mode (the API key's): a test key manages and receives
test events only. Its signing secret is in the answer to create and to rotate-secret, and nowhere
else: not in GET, not in a log line, not in DynamoDB, not in the idempotency store (these routes take
no Idempotency-Key for that reason: a replayed answer would have to keep the secret).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from aptura.api import listing
from aptura.api.app import ERROR_RESPONSES, Cursor, Limit, current_event, require_key, success
from aptura.api.audit import audit
from aptura.api.models import (
    WebhookDeliveryList,
    WebhookEndpoint,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointList,
    WebhookEndpointUpdate,
    WebhookSecret,
)
from aptura.errors import Forbidden, NotFound, ValidationError
from aptura.store import webhooks
from aptura.store.connections import list_connections
from aptura.store.keys import ApiKey

router = Router()

SCOPE = "webhooks:manage"
ORDERING_FIELDS = {"created_at": "created_at"}
EndpointId = Annotated[str, Path(min_length=1, max_length=100, description="The webhook endpoint's id",
                                 examples=["we_3f9a1c0d5e7b2a4c6d8e"])]


def present(endpoint: webhooks.Endpoint) -> dict[str, Any]:
    """The public shape; built field by field, and a record holds no secret to leak anyway."""
    return WebhookEndpoint.model_validate({
        "id": endpoint.endpoint_id, "url": endpoint.url, "mode": endpoint.mode,
        "event_types": list(endpoint.event_types), "connection_ids": list(endpoint.connection_ids),
        "description": endpoint.description, "status": endpoint.status, "disabled_reason": endpoint.disabled_reason,
        "failing_since": endpoint.failing_since, "created_at": endpoint.created_at, "updated_at": endpoint.updated_at,
    }).model_dump(mode="json")


def owned_endpoint(key: ApiKey, endpoint_id: str) -> webhooks.Endpoint:
    """The key's account's endpoint ``endpoint_id`` in the key's mode; else 404 (another account's too) or 403."""
    endpoint = webhooks.get_endpoint(key.account_id, endpoint_id)
    if endpoint is None:
        raise NotFound(f"webhook endpoint {endpoint_id} not found")
    if endpoint.mode != key.mode:
        raise Forbidden(f"a {key.mode} key can only manage {key.mode} webhook endpoints; {endpoint_id} is a "
                        f"{endpoint.mode} endpoint", details={"endpoint_mode": endpoint.mode, "key_mode": key.mode})
    return endpoint


def _check_connections(key: ApiKey, connection_ids: list[str] | None) -> None:
    """Every filtered connection must be one of the account's, in the key's mode (one Query)."""
    if not connection_ids:
        return
    mine = {c.connection_id for c in list_connections(key.account_id) if c.mode == key.mode}
    unknown = [c for c in connection_ids if c not in mine]
    if unknown:
        raise ValidationError("unknown connection", details={
            "connection_ids": [f"no {key.mode} connection {c} in this account" for c in unknown[:5]]})


@router.post(
    "/v1/webhook-endpoints",
    operation_id="createWebhookEndpoint",
    summary="Register a webhook endpoint",
    description=("Events of the key's mode matching `event_types` (and `connection_ids`, when given) are POSTed "
                 "to `url`, signed to the Standard Webhooks spec (`webhook-id`, `webhook-timestamp`, "
                 "`webhook-signature`). The signing `secret` is in this answer only."),
    tags=["Webhooks"],
    responses={201: success(WebhookEndpointCreated, "The endpoint, with its secret (shown once)"),
               **ERROR_RESPONSES},
)
def create(body: WebhookEndpointCreate) -> tuple[dict[str, Any], int]:
    key = require_key(SCOPE)
    _check_connections(key, body.connection_ids)
    endpoint, secret = webhooks.create_endpoint(key.account_id, key.mode, body.url, list(body.event_types),
                                                body.connection_ids, body.description)
    audit("webhook_endpoints.create", "created", webhook_endpoint_id=endpoint.endpoint_id, mode=key.mode)
    return {**present(endpoint), "secret": secret}, 201


@router.get(
    "/v1/webhook-endpoints",
    operation_id="listWebhookEndpoints",
    summary="List webhook endpoints",
    description="Only the endpoints of the API key's mode.",
    tags=["Webhooks"],
    responses={200: success(WebhookEndpointList, "A page of endpoints"), **ERROR_RESPONSES},
)
def list_all(
    status: Annotated[Literal["enabled", "disabled"] | None, Query(description="Only this status")] = None,
    ordering: Annotated[Literal["created_at", "-created_at"], Query(description="Sort field; `-` for descending")]
    = "-created_at",
    limit: Limit = listing.DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    key = require_key(SCOPE)
    items = [present(e) for e in webhooks.list_endpoints(key.account_id, key.mode)]
    conditions = [listing.equals("status", status)] if status else []
    return listing.respond(items, conditions=conditions, ordering=ordering, fields=ORDERING_FIELDS, limit=limit,
                           cursor=cursor, query=current_event().query_string_parameters or {}, include_raw=False)


@router.get(
    "/v1/webhook-endpoints/<endpoint_id>",
    operation_id="getWebhookEndpoint",
    summary="Get a webhook endpoint",
    description="Its url, event types, filter and status; never its secret.",
    tags=["Webhooks"],
    responses={200: success(WebhookEndpoint, "The endpoint"), **ERROR_RESPONSES},
)
def get(endpoint_id: EndpointId) -> dict[str, Any]:
    key = require_key(SCOPE)
    return present(owned_endpoint(key, endpoint_id))


@router.patch(
    "/v1/webhook-endpoints/<endpoint_id>",
    operation_id="updateWebhookEndpoint",
    summary="Change a webhook endpoint",
    description=("The given fields change. `status: enabled` re-enables an endpoint Aptura disabled after 5 days "
                 "of failing deliveries; `connection_ids: []` removes the filter."),
    tags=["Webhooks"],
    responses={200: success(WebhookEndpoint, "The updated endpoint"), **ERROR_RESPONSES},
)
def update(endpoint_id: EndpointId, body: WebhookEndpointUpdate) -> dict[str, Any]:
    key = require_key(SCOPE)
    changes = body.model_dump(exclude_none=True)
    if not changes:
        raise ValidationError("nothing to change", details={"body": [
            "send url, event_types, connection_ids, description and/or status"]})
    endpoint = owned_endpoint(key, endpoint_id)
    _check_connections(key, body.connection_ids)
    endpoint = webhooks.update_endpoint(
        endpoint, url=body.url, event_types=list(body.event_types) if body.event_types is not None else None,
        connection_ids=body.connection_ids, description=body.description, status=body.status)
    audit("webhook_endpoints.update", "updated", webhook_endpoint_id=endpoint_id, fields=sorted(changes))
    return present(endpoint)


@router.delete(
    "/v1/webhook-endpoints/<endpoint_id>",
    operation_id="deleteWebhookEndpoint",
    summary="Delete a webhook endpoint",
    description="Stops deliveries at once (queued events for it are dropped) and removes its secret.",
    tags=["Webhooks"],
    responses={204: {"description": "Deleted", "content": {}}, **ERROR_RESPONSES},
)
def delete(endpoint_id: EndpointId) -> Response[str]:
    key = require_key(SCOPE)
    webhooks.delete_endpoint(owned_endpoint(key, endpoint_id))
    audit("webhook_endpoints.delete", "deleted", webhook_endpoint_id=endpoint_id)
    return Response(status_code=204, body="")


@router.post(
    "/v1/webhook-endpoints/<endpoint_id>/rotate-secret",
    operation_id="rotateWebhookSecret",
    summary="Rotate a webhook endpoint's signing secret",
    description=("A new secret, shown only in this answer. For 24 hours deliveries carry two signatures (new "
                 "and previous secret), so the receiver can switch without missing one."),
    tags=["Webhooks"],
    responses={200: success(WebhookSecret, "The new secret (shown once)"), **ERROR_RESPONSES},
)
def rotate(endpoint_id: EndpointId) -> dict[str, Any]:
    key = require_key(SCOPE)
    secret = webhooks.rotate_secret(owned_endpoint(key, endpoint_id))
    audit("webhook_endpoints.rotate_secret", "rotated", webhook_endpoint_id=endpoint_id)
    return {"secret": secret}


@router.get(
    "/v1/webhook-endpoints/<endpoint_id>/deliveries",
    operation_id="listWebhookDeliveries",
    summary="List an endpoint's delivery attempts",
    description="Every attempt of the last 30 days, newest first: outcome, the receiver's status, the next retry.",
    tags=["Webhooks"],
    responses={200: success(WebhookDeliveryList, "A page of attempts"), **ERROR_RESPONSES},
)
def deliveries(
    endpoint_id: EndpointId,
    event_id: Annotated[str | None, Query(max_length=100, description="Only this event's attempts")] = None,
    outcome: Annotated[Literal["succeeded", "failed", "skipped"] | None, Query(description="Only this outcome")]
    = None,
    limit: Limit = listing.DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    key = require_key(SCOPE)
    items = webhooks.list_attempts(owned_endpoint(key, endpoint_id))
    conditions = [listing.equals(name, value) for name, value in (("event_id", event_id), ("outcome", outcome))
                  if value]
    return listing.respond(items, conditions=conditions, ordering="-at", fields={"at": "at"}, limit=limit,
                           cursor=cursor, query=current_event().query_string_parameters or {}, include_raw=False)
