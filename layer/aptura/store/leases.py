"""State every container of a connection shares in the main table: quota slots and open circuits.

Items:

==========================  ===============  ==================================================
item                        pk               sk
==========================  ===============  ==================================================
quota slots of a key        ``QUOTA#<key>``  ``QUOTA``: ``slots`` (window -> {busy until ms: n}),
                                             version ``v``, ``expires_at``
an open circuit             ``CIRCUIT#<key>``  ``CIRCUIT``: ``opened_at`` (epoch s), ``failures``,
                                             ``expires_at``
==========================  ===============  ==================================================

The key is a connection id, so the items belong to that connection's account through it; nothing
here is returned to a caller. Both expire on their own (``expires_at``, the table's TTL), so a
connection that stops being used leaves nothing behind.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from aptura.engine.quota import Grant, LedgerUnavailable, Slots, Windows, plan
from aptura.store.db import table

MAX_HOLD = 2.0
_ATTEMPTS = 50  # optimistic writes lost to other containers before giving up on sharing for this call


def _decode(raw: Any) -> Slots:
    return {name: {int(u): int(c) for u, c in entries.items()} for name, entries in (raw or {}).items()}


class TableLedger:
    """Quota slots in the connection's ``QUOTA#`` item, changed with optimistic (versioned) writes."""

    def __init__(self, hold: float | None = None) -> None:
        """``hold``: how long a lease may be spent; by default a quarter of the shortest window, at most
        :data:`MAX_HOLD` seconds (a leased slot counts busy for ``hold`` more than the window)."""
        self._hold = hold
        self.batched = True

    def hold_for(self, windows: Windows) -> float:
        """The hold for ``windows``: short windows get short holds, so leases cost little of them."""
        return self._hold if self._hold is not None else min(MAX_HOLD, min(p for _, p in windows) / 4)

    def lease(self, key: str, windows: Windows, want: int, clock: Callable[[], float], budget: float,
              release: tuple[float, int] | None) -> Grant:
        """Apply :func:`aptura.engine.quota.plan` to ``key``'s slots: a consistent read, then a write
        conditional on the version read (retried when another container wrote in between)."""
        item_key = {"pk": f"QUOTA#{key}", "sk": "QUOTA"}
        try:
            errors = table().meta.client.exceptions.ConditionalCheckFailedException
            for attempt in range(_ATTEMPTS):
                item = table().get_item(Key=item_key, ConsistentRead=True).get("Item") or {}
                version = int(item.get("v", 0))
                grant, after = plan(_decode(item.get("slots")), windows, want, clock(), self.hold_for(windows),
                                    budget, release)
                if grant.count == 0:
                    return grant
                latest = max((u for entries in after.values() for u in entries), default=0)
                try:
                    table().put_item(
                        Item={**item_key, "v": version + 1, "expires_at": math.ceil(latest / 1000) + 60,
                              "slots": {name: {str(u): c for u, c in entries.items()}
                                        for name, entries in after.items() if entries}},
                        ConditionExpression="attribute_not_exists(pk) OR v = :v",
                        ExpressionAttributeValues={":v": version})
                except errors:
                    # Jittered, growing pause: containers that collided do not collide again in step.
                    time.sleep(random.uniform(0, 0.002 * min(attempt + 1, 10)))
                    continue
                return grant
        except LedgerUnavailable:
            raise
        except Exception as exc:  # DynamoDB unreachable or throttled: pacing falls back, calls go on
            raise LedgerUnavailable(str(exc)) from exc
        raise LedgerUnavailable(f"{_ATTEMPTS} writes of {key}'s quota lost to other containers")

    def forget(self, keys: Sequence[str]) -> None:
        """Delete the ``QUOTA#`` items of ``keys``."""
        try:
            for key in keys:
                table().delete_item(Key={"pk": f"QUOTA#{key}", "sk": "QUOTA"})
        except Exception as exc:
            raise LedgerUnavailable(str(exc)) from exc


class TableCircuits:
    """Open circuits in ``CIRCUIT#`` items, so that one container's verdict reaches the others."""

    def read(self, key: str) -> tuple[float, int] | None:
        """``(opened_at epoch seconds, consecutive failures)`` of ``key``'s open circuit, or None."""
        item = table().get_item(Key={"pk": f"CIRCUIT#{key}", "sk": "CIRCUIT"}).get("Item")
        if not item or int(item.get("expires_at", 0)) < time.time():  # TTL deletion lags by up to days
            return None
        return float(item["opened_at"]), int(item.get("failures", 0))

    def opened(self, key: str, opened_at: float, failures: int, cooldown: float) -> None:
        """Record that ``key``'s circuit opened at ``opened_at`` (epoch s); it lapses after ``cooldown``
        plus a margin, when every container would let a trial call through anyway."""
        table().put_item(Item={"pk": f"CIRCUIT#{key}", "sk": "CIRCUIT", "opened_at": Decimal(str(round(opened_at, 3))),
                               "failures": failures, "expires_at": math.ceil(opened_at + cooldown) + 5})

    def closed(self, key: str) -> None:
        """Record that a call to ``key`` succeeded after its circuit opened."""
        table().delete_item(Key={"pk": f"CIRCUIT#{key}", "sk": "CIRCUIT"})
