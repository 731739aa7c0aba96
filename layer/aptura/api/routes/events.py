"""/v1/events: the change feed (every event of the last 30 days), one event, and sending one again.

The feed is the account's and the key's mode's only: the store's keys hold both, so another account's
events cannot be asked for. Pages come straight from DynamoDB (the event ids sort by creation time), so a
page reads only what it shows, however many events the 30 days hold: the cursor is the last id shown.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from itertools import islice
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import BeforeValidator

from aptura import events
from aptura.api import listing
from aptura.api.app import ERROR_RESPONSES, Cursor, Limit, current_event, require_key, success
from aptura.api.audit import audit
from aptura.api.models import Event, EventList, EventRedeliver, EventRedelivered, EventType, iso_8601
from aptura.api.routes.webhooks import SCOPE as WEBHOOKS_SCOPE
from aptura.api.routes.webhooks import owned_endpoint
from aptura.errors import AptError, NotFound, ValidationError
from aptura.store import events as event_store
from aptura.store import webhooks

router = Router()

SCOPE = "bookings:read"
EventId = Annotated[str, Path(min_length=1, max_length=100, description="The event's id",
                              examples=["evt_018f3a2b4c5d9e8f7a6b5c4d"])]
FILTERED_READ_AHEAD = 4
_BAD_CURSOR = {"cursor": ["not a cursor this API issued"]}


def _encode(last_id: str, bound_to: str) -> str:
    raw = json.dumps({"e": last_id, "q": bound_to}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, bound_to: str) -> str:
    """The last event id the previous page showed; 400 when the cursor is not one of ours or of another query."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        last_id, query = str(data["e"]), data["q"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ValidationError("invalid cursor", details=_BAD_CURSOR) from exc
    if not event_store.EVENT_ID.fullmatch(last_id):
        raise ValidationError("invalid cursor", details=_BAD_CURSOR)
    if query != bound_to:
        raise ValidationError("the cursor belongs to a different query",
                              details={"cursor": ["repeat the query's filters unchanged"]})
    return last_id


def _page_size(limit: int, *, filtered: bool) -> int:
    # One more than the page tells whether another follows. DynamoDB counts its Limit before filtering, so a
    # filtered page reads ahead: fewer round trips when the filter matches one event in a few.
    return (limit + 1) * (FILTERED_READ_AHEAD if filtered else 1)


def _aware_ms(value: datetime | None) -> int | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValidationError("created_after needs a time zone", details={"created_after": ["use UTC with 'Z'"]})
    return int(value.timestamp() * 1000)


def _shown(event: dict[str, Any]) -> dict[str, Any]:
    """The event as webhook receivers got it: checked against the model, no field added (exclude_unset)."""
    return Event.model_validate(event).model_dump(mode="json", exclude_unset=True)


@router.get(
    "/v1/events",
    operation_id="listEvents",
    summary="List events (the change feed)",
    description=("Every event of the key's mode of the last 30 days, whether or not a webhook endpoint received "
                 "it. Newest first; with `after` (an event id), the events after it, oldest first: pass the "
                 "newest id you have processed to catch up in order. `next_cursor` continues either way."),
    tags=["Events"],
    responses={200: success(EventList, "A page of events"), **ERROR_RESPONSES},
)
def list_events(
    type: Annotated[Literal[EventType] | None, Query(description="Only this event type")] = None,  # noqa: A002
    connection_id: Annotated[str | None, Query(max_length=100, description="Only this connection's events")]
    = None,
    created_after: Annotated[datetime | None, Query(description="Only events created after (ISO-8601)"),
                             BeforeValidator(iso_8601)] = None,
    after: Annotated[str | None, Query(max_length=100, description=(
        "An event id: only the events after it, oldest first"), examples=["evt_018f3a2b4c5d9e8f7a6b5c4d"])] = None,
    limit: Limit = listing.DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> dict[str, Any]:
    key = require_key(SCOPE)
    if type == "*":
        type = None  # noqa: A001 - every type, as for endpoints
    if after is not None and not event_store.EVENT_ID.fullmatch(after):
        raise ValidationError("invalid event id", details={"after": ["an event id (evt_ and 24 hex digits)"]})
    created_after_ms = _aware_ms(created_after)
    bound_to = listing.fingerprint(current_event().query_string_parameters or {})
    last = _decode(cursor, bound_to) if cursor else None
    forward = after is not None
    found = list(islice(event_store.query(
        key.account_id, key.mode, newest_first=not forward, after_id=last if forward and last else after,
        before_id=None if forward else last, created_after_ms=created_after_ms, event_type=type,
        connection_id=connection_id, page_size=_page_size(limit, filtered=bool(type or connection_id))), limit + 1))
    page = found[:limit]
    more = len(found) > limit
    return {"data": [_shown(e) for e in page],
            "next_cursor": _encode(page[-1]["id"], bound_to) if more else None}


@router.get(
    "/v1/events/<event_id>",
    operation_id="getEvent",
    summary="Get an event",
    description="One event of the key's mode, as webhook receivers get it.",
    tags=["Events"],
    responses={200: success(Event, "The event"), **ERROR_RESPONSES},
)
def get_event(event_id: EventId) -> dict[str, Any]:
    key = require_key(SCOPE)
    event = event_store.get(key.account_id, key.mode, event_id)
    if event is None:
        raise NotFound(f"event {event_id} not found")
    return _shown(event)


@router.post(
    "/v1/events/<event_id>/redeliver",
    operation_id="redeliverEvent",
    summary="Send an event again",
    description=("Queues the event again for every enabled webhook endpoint that matches it now, or for "
                 "`endpoint_id` only. The delivery carries the same `webhook-id` (the event id) as the first, "
                 "so a receiver that already processed it can drop it."),
    tags=["Events"],
    responses={202: success(EventRedelivered, "Queued"), **ERROR_RESPONSES},
)
def redeliver(event_id: EventId,
              body: Annotated[EventRedeliver | None, Body(description="Optional: one endpoint")] = None,
              ) -> tuple[dict[str, Any], int]:
    key = require_key(WEBHOOKS_SCOPE)
    event = event_store.get(key.account_id, key.mode, event_id)
    if event is None:
        raise NotFound(f"event {event_id} not found")
    if body is not None and body.endpoint_id:
        targets: list[webhooks.Endpoint] = [owned_endpoint(key, body.endpoint_id)]
    else:
        targets = events.wanted(key.account_id, key.mode, event["type"], event.get("connection_id"))
    queued = events.queue(key.account_id, event, targets)
    if queued != len(targets):
        # The event stays stored and pending: a later redeliver queues it.
        raise AptError("the webhook queue did not accept the event; try again", code="unavailable", status=503,
                       retry_after=5, details={"event_id": event_id})
    audit("events.redeliver", "queued", event_id=event_id, endpoints=len(targets))
    return {"event_id": event_id, "endpoint_ids": [t.endpoint_id for t in targets]}, 202
