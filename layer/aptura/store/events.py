"""The event store: every event Aptura emits, kept 30 days, and the per-object sequence counters.

Items (tenant isolation in the keys, as for connections and webhook endpoints):

- ``ACCOUNT#<id>`` / ``EVENT#<mode>#<event_id>``: one event (its payload as JSON text, plus ``type``,
  ``connection_id`` and ``created_at`` to filter on), expiring :data:`KEEP_SECONDS` after it was emitted.
  Event ids start with their creation time in milliseconds (:func:`new_event_id`), so the sort key orders
  the feed by time and ``created_after`` is a key condition, not a filter. ``pending`` lists the endpoints
  the event was meant for while it is not yet queued (the outbox: stored first, queued second).
- ``OUTBOX`` / ``<event_id>#<mode>#<account_id>``: an event stored but not yet queued to every endpoint it is
  for; :func:`stale_pending` finds those a queue fault (or a process that died) left behind.
- ``ACCOUNT#<id>`` / ``SEQ#<mode>#<connection_id>#<kind>#<object_id>``: the last ``sequence`` given to an
  object's events (``kind``: ``appointment`` or ``connection``), kept :data:`SEQUENCE_KEEP_SECONDS` after its
  last event: longer than the events, so an object seen again after a quiet month does not restart at 1.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterator
from typing import Any

from aptura.store.db import items, table

KEEP_SECONDS = 30 * 24 * 3600
SEQUENCE_KEEP_SECONDS = 400 * 24 * 3600
EVENT_ID = re.compile(r"evt_[0-9a-f]{24}")
_SK = "EVENT#"
_SEQ = "SEQ#"
_OUTBOX = "OUTBOX"
_ID_PREFIX = "evt_"
_AFTER_EVERY_ID = "g"  # sorts after every hex digit: the top of an id range
_JUST_AFTER = "!"  # id + "!" sorts after id and before every longer-by-value id of the same length


def new_event_id(now_ms: int | None = None) -> str:
    """``evt_`` + 12 hex digits of the creation time in ms + 12 random ones: ids sort in time order."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    return f"{_ID_PREFIX}{ms:012x}{secrets.token_hex(6)}"


def _key(account_id: str, mode: str, event_id: str) -> dict[str, str]:
    return {"pk": f"ACCOUNT#{account_id}", "sk": f"{_SK}{mode}#{event_id}"}


def next_sequence(account_id: str, mode: str, connection_id: str | None, kind: str, object_id: str) -> int:
    """The object's next sequence number (1 for its first event); one atomic counter update."""
    answer = table().update_item(
        Key={"pk": f"ACCOUNT#{account_id}", "sk": f"{_SEQ}{mode}#{connection_id or '-'}#{kind}#{object_id}"},
        UpdateExpression="ADD #seq :one SET expires_at = :until",
        ExpressionAttributeNames={"#seq": "sequence"},
        ExpressionAttributeValues={":one": 1, ":until": int(time.time()) + SEQUENCE_KEEP_SECONDS},
        ReturnValues="UPDATED_NEW")
    return int(answer["Attributes"]["sequence"])


def put(account_id: str, event: dict[str, Any], pending: list[str]) -> None:
    """Store ``event``; ``pending``: the endpoint ids it is still to be queued for (see :func:`mark_queued`)."""
    item: dict[str, Any] = {
        **_key(account_id, event["mode"], event["id"]), "event": json.dumps(event, separators=(",", ":")),
        "type": event["type"], "created_at": event["created_at"], "expires_at": int(time.time()) + KEEP_SECONDS}
    if event.get("connection_id"):
        item["connection_id"] = event["connection_id"]
    if pending:
        item["pending"] = pending
        # The outbox's index entry, written first: a sweep (sweep_pending) finds the event even if this
        # process dies before queueing it.
        table().put_item(Item={**_outbox_key(account_id, event["mode"], event["id"]),
                               "expires_at": item["expires_at"]})
    table().put_item(Item=item)


def mark_queued(account_id: str, mode: str, event_id: str) -> None:
    """The event is on the queue for every endpoint it was meant for: nothing is pending any more."""
    table().update_item(Key=_key(account_id, mode, event_id), UpdateExpression="REMOVE pending",
                        ConditionExpression="attribute_exists(pk)")
    forget_pending(account_id, mode, event_id)


def forget_pending(account_id: str, mode: str, event_id: str) -> None:
    """Drop the outbox entry alone (its event was never stored, or has expired)."""
    table().delete_item(Key=_outbox_key(account_id, mode, event_id))


def _outbox_key(account_id: str, mode: str, event_id: str) -> dict[str, str]:
    # One partition for every account's unqueued events, sorted by event id (so by time): a sweep reads only
    # what is pending, and an entry lives between an event's store and its queueing, normally milliseconds.
    return {"pk": _OUTBOX, "sk": f"{event_id}#{mode}#{account_id}"}


def stale_pending(older_than_ms: int, limit: int = 100) -> list[tuple[str, str, str]]:
    """``(account_id, mode, event_id)`` of events stored before ``older_than_ms`` and still not queued."""
    answer = table().query(
        KeyConditionExpression="pk = :pk AND sk < :before",
        ExpressionAttributeValues={":pk": _OUTBOX, ":before": _ms_prefix(older_than_ms)}, Limit=limit)
    found = []
    for item in answer.get("Items", []):
        event_id, mode, account_id = str(item["sk"]).split("#", 2)
        found.append((account_id, mode, event_id))
    return found


def get(account_id: str, mode: str, event_id: str) -> dict[str, Any] | None:
    """The account's event ``event_id`` of ``mode``; None when it has none (or it expired)."""
    if not EVENT_ID.fullmatch(event_id):
        return None
    item = table().get_item(Key=_key(account_id, mode, event_id), ConsistentRead=True).get("Item")
    return _payload(item) if item and not _expired(item) else None


def pending(account_id: str, mode: str, event_id: str) -> list[str]:
    """The endpoint ids ``event_id`` is stored for but was never queued to (a queue fault at emit time)."""
    item = table().get_item(Key=_key(account_id, mode, event_id), ConsistentRead=True,
                            ProjectionExpression="pending").get("Item") or {}
    return [str(e) for e in item.get("pending") or []]


def _expired(item: dict[str, Any]) -> bool:
    # DynamoDB deletes expired items up to two days late: an expired event is gone as far as callers know.
    return int(item.get("expires_at") or 0) < time.time()


def _payload(item: dict[str, Any]) -> dict[str, Any]:
    return dict(json.loads(str(item["event"])))


def _ms_prefix(ms: int) -> str:
    return f"{_ID_PREFIX}{max(0, ms):012x}"


def query(account_id: str, mode: str, *, newest_first: bool, after_id: str | None = None,
          before_id: str | None = None, created_after_ms: int | None = None, event_type: str | None = None,
          connection_id: str | None = None, page_size: int | None = None) -> Iterator[dict[str, Any]]:
    """The account's events of ``mode``, lazily, page after page (stop early and no further page is read).

    ``after_id``/``before_id``: only events with a later/earlier id (exclusive). ``created_after_ms``: only
    events created after that millisecond. Both are bounds of the sort key; ``event_type`` and
    ``connection_id`` are filters. ``page_size``: items DynamoDB reads per call (its ``Limit``, counted before
    the filters); without it a call reads up to 1 MB, thousands of events for a page of 50.
    """
    prefix = f"{_SK}{mode}#"
    low, high = prefix + _ID_PREFIX, prefix + _ID_PREFIX + _AFTER_EVERY_ID
    if created_after_ms is not None:
        low = max(low, prefix + _ms_prefix(created_after_ms + 1))
    if after_id is not None:
        low = max(low, prefix + after_id + _JUST_AFTER)
    if before_id is not None:
        high = min(high, prefix + before_id)  # inclusive in DynamoDB: the item itself is skipped below
    if low > high:
        return
    request: dict[str, Any] = {
        "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
        "ExpressionAttributeValues": {":pk": f"ACCOUNT#{account_id}", ":low": low, ":high": high},
        "ScanIndexForward": not newest_first}
    filters: list[str] = []
    names: dict[str, str] = {}
    if event_type:
        filters.append("#type = :type")
        names["#type"] = "type"
        request["ExpressionAttributeValues"][":type"] = event_type
    if connection_id:
        filters.append("connection_id = :cid")
        request["ExpressionAttributeValues"][":cid"] = connection_id
    if page_size is not None:
        request["Limit"] = page_size
    if filters:
        request["FilterExpression"] = " AND ".join(filters)
    if names:
        request["ExpressionAttributeNames"] = names
    for item in items(**request):
        if before_id is not None and str(item["sk"]) == prefix + before_id:
            continue
        if not _expired(item):
            yield _payload(item)
