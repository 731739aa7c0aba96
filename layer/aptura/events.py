"""Events: what changed, in the payload every webhook receiver gets, queued once per matching endpoint.

An event is ``{"id": "evt_…", "type", "created_at", "mode", "connection_id", "end_user"?, "sequence",
"data": {"object": <unified object>, "previous": {<changed fields, their values before>}}}``. ``sequence``
counts one object's events (1, 2, 3… for the events of one appointment, or of one connection), so a
receiver can order deliveries that arrive out of order.

Emitting is an outbox: the event is first stored (:mod:`aptura.store.events`, the ``GET /v1/events`` feed,
kept 30 days), then a message per enabled endpoint of the account and mode that wants its type (and
connection) goes to the webhook queue (``APTURA_WEBHOOK_QUEUE_URL``); the delivery function
(:mod:`aptura.delivery`) signs and posts it. A queue fault leaves the stored event marked ``pending`` for
those endpoints, and ``POST /v1/events/{id}/redeliver`` queues it again: nothing that was stored is lost.

Emitting never fails the change it reports: the booking or connection already exists when it is
emitted, so a fault is logged (ids only) and the request still answers with what it did.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import boto3
from aws_lambda_powertools import Logger

from aptura.api.models import Connection
from aptura.engine.timezones import format_utc
from aptura.store import events as event_store
from aptura.store import webhooks
from aptura.store.connections import ConnectionRecord

logger = Logger(child=True)

QUEUE_ENV = "APTURA_WEBHOOK_QUEUE_URL"
_BATCH = 10  # SendMessageBatch's limit


@lru_cache(maxsize=1)
def sqs_client() -> Any:
    """The SQS client (endpoint from ``AWS_ENDPOINT_URL_SQS`` locally)."""
    return boto3.client("sqs")


def reset_clients() -> None:
    """Forget the cached client (tests switch endpoints between suites)."""
    sqs_client.cache_clear()


def build_event(event_type: str, mode: str, connection_id: str | None, obj: dict[str, Any],
                previous: dict[str, Any] | None = None, end_user: dict[str, Any] | None = None,
                sequence: int | None = None) -> dict[str, Any]:
    """The event's payload; its id is new, and stays the same on every delivery attempt (``webhook-id``)."""
    if event_type not in webhooks.EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type}")
    event: dict[str, Any] = {"id": event_store.new_event_id(), "type": event_type,
                             "created_at": format_utc(datetime.now(UTC)), "mode": mode,
                             "connection_id": connection_id}
    if end_user:
        event["end_user"] = end_user
    if sequence is not None:
        event["sequence"] = sequence
    event["data"] = {"object": obj, "previous": previous or {}}
    return event


def wanted(account_id: str, mode: str, event_type: str, connection_id: str | None) -> list[webhooks.Endpoint]:
    """The endpoints an event would go to (callers skip extra work, such as reading the old state, without)."""
    return webhooks.matching_endpoints(account_id, mode, event_type, connection_id)


def enqueue(event: dict[str, Any], endpoints: list[webhooks.Endpoint]) -> int:
    """Queue ``event`` for each endpoint; returns how many messages were accepted."""
    queue = os.environ.get(QUEUE_ENV)
    if not endpoints:
        return 0
    if not queue:
        logger.warning("webhook queue not configured; event not delivered",
                       extra={"event_id": event["id"], "event_type": event["type"]})
        return 0
    messages = [{"Id": str(i), "MessageBody": json.dumps({
        "account_id": e.account_id, "endpoint_id": e.endpoint_id, "attempt": 1, "event": event})}
        for i, e in enumerate(endpoints)]
    sent = 0
    for start in range(0, len(messages), _BATCH):
        answer = sqs_client().send_message_batch(QueueUrl=queue, Entries=messages[start:start + _BATCH])
        sent += len(answer.get("Successful", []))
        for failed in answer.get("Failed", []):
            logger.warning("webhook message not queued", extra={"event_id": event["id"], "code": failed.get("Code")})
    return sent


def emit(account_id: str, mode: str, event_type: str, connection_id: str | None, obj: dict[str, Any],
         previous: dict[str, Any] | None = None, end_user: dict[str, Any] | None = None,
         endpoints: list[webhooks.Endpoint] | None = None) -> dict[str, Any] | None:
    """Store the event, then queue it for every endpoint that wants it; returns it (None: it was not stored).

    ``endpoints``: the result of :func:`wanted` when the caller already asked. A fault is logged, not raised.
    Every event is stored, wanted by an endpoint or not: the feed (``GET /v1/events``) has them all.
    """
    try:
        targets = endpoints if endpoints is not None else wanted(account_id, mode, event_type, connection_id)
        if event_type not in webhooks.EVENT_TYPES:  # before a counter is spent on it
            raise ValueError(f"unknown event type {event_type}")
        sequence = None if obj.get("id") is None else event_store.next_sequence(
            account_id, mode, connection_id, event_type.split(".", 1)[0], str(obj["id"]))
        event = build_event(event_type, mode, connection_id, obj, previous, end_user, sequence)
        event_store.put(account_id, event, [e.endpoint_id for e in targets])
    except Exception as exc:  # noqa: BLE001 - the change being reported already happened
        logger.warning("event not stored", extra={"event_type": event_type, "error": type(exc).__name__,
                                                  "connection_id": connection_id})
        return None
    queue(account_id, event, targets)
    return event


def queue(account_id: str, event: dict[str, Any], targets: list[webhooks.Endpoint]) -> int:
    """Queue a stored ``event`` for ``targets``, clearing its ``pending`` mark once all were accepted.

    A fault is logged and leaves the mark: the event stays stored and can be queued again (redeliver).
    Returns how many messages were accepted.
    """
    if not targets:
        return 0
    try:
        sent = enqueue(event, targets)
        if sent == len(targets):
            event_store.mark_queued(account_id, event["mode"], event["id"])
        return sent
    except Exception as exc:  # noqa: BLE001 - stored already: redelivery can queue it later
        logger.warning("event stored but not queued", extra={"event_id": event["id"], "error": type(exc).__name__})
        return 0


def sweep_pending(now_ms: int | None = None, grace_seconds: float = 60) -> int:
    """Queue again the events stored at least ``grace_seconds`` ago but never queued (a queue fault, or a
    process that died between storing and queueing): the outbox's second half. Returns how many were queued.

    Each goes to the endpoints it was stored for that still exist; an endpoint deleted since is dropped.
    """
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    queued = 0
    for account_id, mode, event_id in event_store.stale_pending(now_ms - int(grace_seconds * 1000)):
        event = event_store.get(account_id, mode, event_id)
        targets = [e for e in (webhooks.get_endpoint(account_id, endpoint_id)
                               for endpoint_id in event_store.pending(account_id, mode, event_id)) if e is not None]
        if event is None:  # expired, or the store died between the entry and the event
            event_store.forget_pending(account_id, mode, event_id)
            continue
        if not targets:  # every endpoint it was for is gone
            event_store.mark_queued(account_id, mode, event_id)
            continue
        if queue(account_id, event, targets) == len(targets):
            queued += 1
    return queued


TEST_EVENT_TYPE = "webhook.test"


def send_test(endpoint: webhooks.Endpoint) -> dict[str, Any]:
    """Queue a ``webhook.test`` event for ``endpoint`` alone (the dashboard's "Send test event"); returns it.

    Signed and delivered like any event, its attempt recorded; but it is about no booking or connection, so it
    is not in the feed, has no ``sequence`` and no endpoint subscribes to it. A queue fault raises.
    """
    event: dict[str, Any] = {
        "id": event_store.new_event_id(), "type": TEST_EVENT_TYPE, "created_at": format_utc(datetime.now(UTC)),
        "mode": endpoint.mode, "connection_id": None,
        "data": {"object": {"endpoint_id": endpoint.endpoint_id,
                            "message": "A test event from Aptura: your endpoint receives and verifies events."},
                 "previous": {}}}
    if enqueue(event, [endpoint]) != 1:
        raise RuntimeError("the webhook queue did not accept the test event")
    return event


def connection_object(record: ConnectionRecord) -> dict[str, Any]:
    """A connection's public shape; built field by field so nothing else a record holds can leak."""
    return Connection.model_validate({
        "id": record.connection_id, "provider": record.provider, "mode": record.mode, "status": record.status,
        "config": record.config, "created_at": record.created_at, "updated_at": record.updated_at or record.created_at,
        "last_verified_at": record.last_verified_at, "last_error": record.last_error,
        "end_user": record.end_user,
    }).model_dump(mode="json")


def emit_connection(event_type: str, record: ConnectionRecord) -> dict[str, Any] | None:
    """Emit ``connection.created``/``connection.deleted``/``connection.error`` for ``record``."""
    return emit(record.account_id, record.mode, event_type, record.connection_id, connection_object(record),
                end_user=record.end_user)


_APPOINTMENT_FIELDS = ("startTime", "endTime", "status", "staff", "service", "notes", "locationId", "client")


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """The fields of an appointment that differ, with their values ``before`` (empty without ``before``)."""
    if not before:
        return {}
    return {name: before.get(name) for name in _APPOINTMENT_FIELDS if before.get(name) != after.get(name)}
