"""Appointment snapshots: what the change poller (:mod:`aptura.poller`) last saw of each appointment.

Items, in the account's partition (tenant isolation in the keys, as for connections):

- ``ACCOUNT#<id>`` / ``SNAPSHOT#<connection_id>#<appointment_id>``: one appointment as last seen (the unified
  object as JSON text, a digest of the fields that make an event, who wrote it: ``api`` or ``poller``), with a
  TTL two days after it starts, so appointments that are over leave the table on their own.
- ``ACCOUNT#<id>`` / ``POLLSTATE#<connection_id>``: when the poller took its baseline of the connection.

One item per appointment rather than one map per connection: a busy business has thousands of appointments in
a month, which a single 400 KB item would not hold, and a poll then rewrites only the appointments that changed.

Every write the poller makes is conditional on the digest it read, and the API's write on the poller not having
stored the same scheduling state already: when the API and the poller see the same change, whichever stores it
first wins and reports it, and the other emits nothing (see :func:`claim` and :func:`record`).

At-least-once: the poller (and the inbound webhook receiver) claims a change together with the event it is
about to emit (``pending``), emits, then :func:`settle` drops ``pending``. A run that dies after the claim
leaves ``pending`` behind, and the next run emits it; one that dies between the emit and the settle emits it
again (a duplicate, with the same ``previous``), which is the one unavoidable case without a transaction
spanning DynamoDB and SQS.

``POLLSTATE`` also keeps a changes feed's cursor (:func:`cursor`, :func:`set_cursor`), written only after the
changes it covers are claimed and emitted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from aptura.engine.timezones import parse_datetime
from aptura.store.db import account_items, table

# The fields whose change is an event (the same ones events.changed_fields reports in ``previous``).
FIELDS = ("startTime", "endTime", "status", "staff", "service", "notes", "locationId", "client")
# A booking's create answer and the provider's list do not always carry the same detail (a client's phone, a
# service's name); for a snapshot the API wrote, only these are compared until the poller has seen it once.
SCHEDULING_FIELDS = ("startTime", "endTime", "status", "staff")
KEEP_AFTER_START_SECONDS = 2 * 24 * 3600
_SK = "SNAPSHOT#"
_STATE_SK = "POLLSTATE#"


@dataclass(frozen=True)
class Snapshot:
    appointment: dict[str, Any]
    digest: str
    source: str  # "api" (recorded when Aptura made the change) or "poller"
    pending: dict[str, Any] | None = None  # {"type", "previous"}: claimed, maybe not emitted yet


def _snapshot(item: dict[str, Any]) -> Snapshot:
    pending = item.get("pending")
    return Snapshot(json.loads(item["appointment"]), str(item["digest"]), str(item.get("source") or "poller"),
                    json.loads(pending) if pending else None)


def digest(appointment: dict[str, Any], fields: tuple[str, ...] = FIELDS) -> str:
    """A stable fingerprint of ``fields`` of ``appointment`` (the conditional writes compare it)."""
    picked = {name: appointment.get(name) for name in fields}
    return hashlib.sha256(json.dumps(picked, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _key(account_id: str, connection_id: str, appointment_id: str) -> dict[str, str]:
    return {"pk": f"ACCOUNT#{account_id}", "sk": f"{_SK}{connection_id}#{appointment_id}"}


def _item(account_id: str, connection_id: str, appointment: dict[str, Any], source: str) -> dict[str, Any]:
    item: dict[str, Any] = {**_key(account_id, connection_id, str(appointment["id"])),
                            "appointment": json.dumps(appointment, separators=(",", ":")),
                            "digest": digest(appointment), "source": source,
                            "scheduling_digest": digest(appointment, SCHEDULING_FIELDS)}
    try:
        item["expires_at"] = int(parse_datetime(str(appointment["startTime"])).timestamp()) + KEEP_AFTER_START_SECONDS
    except (KeyError, ValueError):
        pass  # no usable start: kept until the poller sees it gone
    return item


def load(account_id: str, connection_id: str) -> dict[str, Snapshot]:
    """Every snapshot of the connection, by appointment id (one paged Query)."""
    prefix = f"{_SK}{connection_id}#"
    # ConsistentRead: a snapshot the API just wrote must be seen, or its booking is reported twice.
    return {str(item["sk"])[len(prefix):]: _snapshot(item)
            for item in account_items(account_id, prefix, ConsistentRead=True)}


def get(account_id: str, connection_id: str, appointment_id: str) -> Snapshot | None:
    """One appointment's snapshot (a webhook names one appointment: no need to read them all)."""
    item = table().get_item(Key=_key(account_id, connection_id, appointment_id), ConsistentRead=True).get("Item")
    return _snapshot(item) if item else None


def record(account_id: str, connection_id: str, appointment: dict[str, Any]) -> bool:
    """The API changed ``appointment`` and is about to report it: store it, so the poller does not report it
    again. False when the poller (or a provider webhook) already stored this very state, and so reported
    the change itself: a poll that ran between the provider's answer and this write (the caller then emits
    nothing, so the change is reported once)."""
    item = _item(account_id, connection_id, appointment, "api")
    try:
        table().put_item(
            Item=item,
            ConditionExpression="attribute_not_exists(sk) OR #source = :api OR attribute_not_exists(#scheduling) "
                                "OR #scheduling <> :scheduling",
            ExpressionAttributeNames={"#source": "source", "#scheduling": "scheduling_digest"},
            ExpressionAttributeValues={":api": "api", ":scheduling": item["scheduling_digest"]})
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise


def claim(account_id: str, connection_id: str, appointment: dict[str, Any], expected: str | None,
          pending: dict[str, Any] | None = None) -> bool:
    """Store what the poller saw, if the snapshot is still the one it compared with (``expected`` digest;
    None: there was none). False: someone (the API) stored a newer one meanwhile, and reported that change.

    ``pending``: the event this change is about to be reported as ({"type", "previous"}), kept until
    :func:`settle` so a run that dies before emitting it is made good by the next one."""
    condition = "attribute_not_exists(sk)" if expected is None else "digest = :expected"
    item = _item(account_id, connection_id, appointment, "poller")
    if pending is not None:
        item["pending"] = json.dumps(pending, separators=(",", ":"))
    try:
        table().put_item(Item=item, ConditionExpression=condition,
                         **({"ExpressionAttributeValues": {":expected": expected}} if expected else {}))
        return True
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise


def settle(account_id: str, connection_id: str, appointment_id: str, expected: str) -> None:
    """The pending event of the snapshot with digest ``expected`` was emitted: drop it (a newer snapshot,
    written meanwhile, is left alone)."""
    try:
        table().update_item(Key=_key(account_id, connection_id, appointment_id), UpdateExpression="REMOVE pending",
                            ConditionExpression="digest = :expected",
                            ExpressionAttributeValues={":expected": expected})
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise


def forget(account_id: str, connection_id: str, appointment_id: str) -> None:
    """Drop a snapshot (the appointment is over, or gone and reported)."""
    table().delete_item(Key=_key(account_id, connection_id, appointment_id))


def baseline_at(account_id: str, connection_id: str) -> str | None:
    """When the poller first stored the connection's appointments; None: it never did (or must again)."""
    item = table().get_item(Key={"pk": f"ACCOUNT#{account_id}", "sk": f"{_STATE_SK}{connection_id}"},
                            ConsistentRead=True).get("Item")
    return str(item["baseline_at"]) if item and item.get("baseline_at") else None


def set_baseline(account_id: str, connection_id: str, at: str) -> None:
    """The poller took its baseline ``at`` (an update: the item may hold the changes cursor too)."""
    table().update_item(Key={"pk": f"ACCOUNT#{account_id}", "sk": f"{_STATE_SK}{connection_id}"},
                        UpdateExpression="SET baseline_at = :at", ExpressionAttributeValues={":at": at})


def clear_baseline(account_id: str, connection_id: str) -> None:
    """Nobody listens to the connection's changes: the next poll takes a new baseline instead of a diff against
    snapshots gone stale meanwhile (which would report every change of the quiet time at once)."""
    table().delete_item(Key={"pk": f"ACCOUNT#{account_id}", "sk": f"{_STATE_SK}{connection_id}"})


def cursor(account_id: str, connection_id: str) -> str | None:
    """The changes feed's cursor: where the next poll of the connection's changes starts; None: never polled."""
    item = table().get_item(Key={"pk": f"ACCOUNT#{account_id}", "sk": f"{_STATE_SK}{connection_id}"},
                            ConsistentRead=True).get("Item")
    return str(item["cursor"]) if item and item.get("cursor") else None


def set_cursor(account_id: str, connection_id: str, value: str) -> None:
    """Advance the changes feed's cursor (after the changes before it are claimed and emitted)."""
    table().update_item(Key={"pk": f"ACCOUNT#{account_id}", "sk": f"{_STATE_SK}{connection_id}"},
                        UpdateExpression="SET #c = :c", ExpressionAttributeNames={"#c": "cursor"},
                        ExpressionAttributeValues={":c": value})
