"""Writes whose outcome is unknown: a booking was sent but never definitively answered.

When Aptura cannot tell whether a provider carried out a booking (it timed out after
sending, or the connection broke), it remembers the booking's reference for a day. A retry
with the same ``Idempotency-Key`` (hence the same reference) then looks the booking up on
the provider before booking again, so a retry never makes a second booking of a first
one that did land. Only these rare failures write here; a warm retry reads one item.
"""

from __future__ import annotations

import time

from aptura.store.db import table

KEEP_SECONDS = 24 * 3600  # as long as an Idempotency-Key is remembered


def _key(account_id: str, connection_id: str, reference: str) -> dict[str, str]:
    return {"pk": f"ACCOUNT#{account_id}", "sk": f"UNCERTAIN#{connection_id}#{reference}"}


def remember(account_id: str, connection_id: str, reference: str, operation: str) -> None:
    """Note that the write with ``reference`` may or may not have happened."""
    now = int(time.time())
    table().put_item(Item={**_key(account_id, connection_id, reference), "operation": operation,
                           "created_at": now, "expires_at": now + KEEP_SECONDS})


def is_uncertain(account_id: str, connection_id: str, reference: str) -> bool:
    """Whether an earlier attempt of the write with ``reference`` ended with an unknown outcome."""
    item = table().get_item(Key=_key(account_id, connection_id, reference), ConsistentRead=True).get("Item")
    # TTL deletion lags by up to days: an expired marker is no marker.
    return bool(item) and int(item["expires_at"]) > time.time()


def forget(account_id: str, connection_id: str, reference: str) -> None:
    """The outcome is known now (found, or booked by the retry)."""
    table().delete_item(Key=_key(account_id, connection_id, reference))
