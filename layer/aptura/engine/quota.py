"""Pacing provider calls under a quota the spec declares (``quota: {requests, per_seconds}``,
or a list of such windows that all apply), across every container of a connection.

A window of ``requests`` per ``per_seconds`` is ``requests`` slots. A call takes a free slot
of every window; a slot is busy for ``per_seconds`` after the last call that used it, so no
interval of ``per_seconds`` seconds ever holds more than ``requests`` calls (a sliding window,
which also keeps any fixed window a provider counts in). When every slot is busy the call
queues for the one freeing first, sleeping as long as the request's time budget allows; when
it does not, the caller gets 429 with the wait as ``Retry-After`` instead of the provider's
own refusal.

Where the slots live is a :class:`Ledger`. Deployed (``APTURA_TABLE`` set), it is the shared
DynamoDB item of the connection (``aptura.store.leases``), so N warm containers together stay
under the declared rate. To avoid a DynamoDB call per provider call, a container leases a
small batch of slots at once and spends them locally within ``hold`` seconds; the ledger
counts each leased slot busy until ``hold + per_seconds`` after the lease. The price of the
batch is accuracy downwards, never upwards: a slot a container leased but did not use stays
busy (until that container's next lease gives it back, or until it expires), so under
contention the rate achieved can fall below the declared one by up to a batch per idle
container; it never exceeds it (given container clocks within a few ms, as NTP keeps them).
If the shared ledger cannot be reached, calls are paced per container (as before issue 16)
rather than refused.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from aws_lambda_powertools import Logger

from aptura.errors import AptError

logger = Logger(child=True)
DEFAULT_BATCH = 10
DEFAULT_HOLD = 2.0
# The longest one provider call waits for a slot: beyond it the caller gets 429 with Retry-After at once
# rather than a request held open. A sliding window frees its oldest slot up to a whole window later (60 s
# for a per-minute quota), and an operation may make several calls within API Gateway's 29 s.
MAX_WAIT_SECONDS = float(os.environ.get("APTURA_QUOTA_MAX_WAIT_SECONDS") or 8)

# window name -> {slot busy until (epoch ms): how many slots}
Slots = dict[str, dict[int, int]]
Windows = Sequence[tuple[int, float]]


class LedgerUnavailable(Exception):
    """The shared ledger could not be read or written (the caller paces locally instead)."""


@dataclass(frozen=True)
class Grant:
    """The outcome of a lease: ``count`` slots usable from ``start`` until ``start + hold`` (epoch
    seconds); ``count == 0`` is a refusal whose first slot frees ``wait`` seconds from now."""

    count: int
    start: float
    wait: float
    hold: float = 0.0


def window_name(requests: int, per_seconds: float) -> str:
    """The ledger's name for a window (the same window in two quota lists shares its slots)."""
    return f"{requests}/{per_seconds:g}"


def _busy_until(start: float, hold: float, per_seconds: float) -> int:
    # Rounded up to the ms (after dropping float noise), so a slot's next call is never early.
    return math.ceil(round((start + hold + per_seconds) * 1000, 6))


def _turn(entries: dict[int, int], requests: int) -> int:
    """When a full window has a slot for one more call: the moment fewer than ``requests`` slots are busy
    after it, counting calls already queued (their slots count busy from now, which only errs on the safe side)."""
    busy = sum(entries.values())
    for until in sorted(entries):
        busy -= entries[until]
        if busy <= requests - 1:
            return until
    return 0


def plan(slots: Slots, windows: Windows, want: int, now: float, hold: float, budget: float,
         release: tuple[float, int] | None = None) -> tuple[Grant, Slots]:
    """Lease up to ``want`` slots of every window at ``now``: the grant and the ledger after it.

    ``release`` gives back the unused slots of an earlier lease (``(its start, count)``),
    which are free: no call used them. A refusal (the wait exceeds ``budget``) leaves ``slots``
    as they were. Pure, so the in-memory and the DynamoDB ledgers decide identically.

    Why no interval of ``per_seconds`` can hold more than ``requests`` calls: a call spends a slot
    of a lease starting at ``s``, at most ``hold`` after it, and the slot stays busy until
    ``s + hold + per_seconds``, so every call of the last ``per_seconds`` still has a busy slot;
    and a lease is granted only from a moment when at most ``requests - count`` slots are busy.
    """
    now_ms = math.floor(now * 1000)
    live: Slots = {}
    for requests, per_seconds in windows:
        name = window_name(requests, per_seconds)
        entries = {u: c for u, c in slots.get(name, {}).items() if u > now_ms and c > 0}
        released = _busy_until(release[0], hold, per_seconds) if release is not None else None
        if release is not None and released in entries:
            entries[released] -= release[1]
            entries = {u: c for u, c in entries.items() if c > 0}
        live[name] = entries
    free = {name: requests - sum(live[name].values())
            for name, (requests, _) in zip(live, windows, strict=True)}
    if all(f >= 1 for f in free.values()):
        count, start = min(want, *free.values()), now
    else:  # queue in every full window (1 call: queued leases are not batched)
        count = 1
        start = max(now, *(_turn(live[name], requests) / 1000
                           for name, (requests, _) in zip(live, windows, strict=True) if free[name] < 1))
    wait = max(start - now, 0.0)
    if wait > budget:
        return Grant(0, start, wait, hold), slots
    after = {**slots, **live}
    busy_until = {name: _busy_until(start, hold, per_seconds) for name, (_, per_seconds) in zip(live, windows,
                                                                                                  strict=True)}
    for name, entries in live.items():
        entries = dict(entries)
        until = busy_until[name]
        entries[until] = entries.get(until, 0) + count
        after[name] = entries
    return Grant(count, start, wait, hold), after


class Ledger(Protocol):
    """Where the slots of every connection's windows are kept."""

    batched: bool  # whether leases of several slots pay (a remote ledger) or one at a time is exact

    def lease(self, key: str, windows: Windows, want: int, clock: Callable[[], float], budget: float,
              release: tuple[float, int] | None) -> Grant:
        """Apply :func:`plan` to ``key``'s slots atomically, at ``clock()``."""

    def forget(self, keys: Sequence[str]) -> None:
        """Drop the slots of ``keys`` (every window free again)."""


class MemoryLedger:
    """Slots in this process only: exact (one slot per lease, no hold), but per container."""

    batched = False

    def __init__(self) -> None:
        self._slots: dict[str, Slots] = {}
        self._lock = threading.Lock()

    def lease(self, key: str, windows: Windows, want: int, clock: Callable[[], float], budget: float,
              release: tuple[float, int] | None) -> Grant:
        """See :meth:`Ledger.lease`."""
        with self._lock:
            grant, self._slots[key] = plan(self._slots.get(key, {}), windows, want, clock(), 0.0, budget,
                                           release)
            return grant

    def forget(self, keys: Sequence[str]) -> None:
        """See :meth:`Ledger.forget`."""
        with self._lock:
            for key in keys:
                self._slots.pop(key, None)


def _default_ledger() -> Ledger:
    """The shared DynamoDB ledger when deployed (``APTURA_TABLE``), unless ``APTURA_SHARED_QUOTA=0``."""
    if os.environ.get("APTURA_TABLE") and os.environ.get("APTURA_SHARED_QUOTA", "1") != "0":
        from aptura.store.leases import TableLedger  # the engine stays importable without boto3's cost

        return TableLedger()
    return MemoryLedger()


@dataclass
class _Lease:
    left: int
    start: float
    until: float
    size: int


class Pacer:
    """Slots by connection id, leased from a :class:`Ledger` in batches."""

    def __init__(self, clock: Callable[[], float] | None = None, sleep: Callable[[float], None] = time.sleep,
                 ledger: Ledger | None = None, batch: int | None = None) -> None:
        # A fake clock cannot agree with other containers: it gets a ledger of its own.
        self._clock = clock or time.time
        self._sleep = sleep
        self._ledger = ledger if ledger is not None else (MemoryLedger() if clock else None)
        self._fallback = MemoryLedger()
        self._batch = batch
        self._leases: dict[str, _Lease] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    @property
    def ledger(self) -> Ledger:
        """The ledger in use (chosen at first use, so the environment can be set after import)."""
        if self._ledger is None:
            self._ledger = _default_ledger()
        return self._ledger

    def _batch_for(self, windows: Windows, ledger: Ledger) -> int:
        if not ledger.batched:
            return 1
        cap = self._batch if self._batch is not None else int(os.environ.get("APTURA_QUOTA_BATCH") or DEFAULT_BATCH)
        # A tenth of the smallest window at most, so idle containers cannot sit on most of it.
        return max(1, min(cap, min(r for r, _ in windows) // 10))

    def wait(self, key: str, requests: int, per_seconds: float, budget: float) -> None:
        """Take one call's slot for ``key``, sleeping for it when the budget allows."""
        self.wait_windows(key, [(requests, per_seconds)], budget)

    def wait_windows(self, key: str, windows: Windows, budget: float) -> None:
        """Take one call's slot from every window of ``key`` (e.g. 100/minute and 1000/hour).

        The call waits for the slowest window, and slots are taken from all of them or none,
        so a refused call does not use up the other windows.
        """
        lease_key = f"{key}|" + ",".join(window_name(r, p) for r, p in windows)
        with self._lock:
            lock = self._locks.setdefault(lease_key, threading.Lock())
        with lock:
            now = self._clock()
            held = self._leases.get(lease_key)
            if held is not None and held.left > 0 and held.start <= now <= held.until:
                held.left -= 1
                return
            ledger = self.ledger
            want = self._batch_for(windows, ledger)
            if held is not None and held.left > 0:  # an expired lease: give back what it did not use
                release: tuple[float, int] | None = (held.start, held.left)
                want = max(1, held.size - held.left)  # lease what the last one showed was needed
            else:  # start at one slot and double while calls keep coming, so a lone call holds one
                release = None
                want = min(want, held.size * 2) if held is not None else 1
            try:
                grant = ledger.lease(key, windows, want, self._clock, budget, release)
            except LedgerUnavailable:
                logger.warning("shared quota unavailable: pacing in this container only", extra={"key": key})
                ledger = self._fallback
                grant = ledger.lease(key, windows, 1, self._clock, budget, None)
            if grant.count == 0:
                raise AptError("pacing calls under the provider's declared quota", code="rate_limited",
                               retry_after=max(math.ceil(grant.wait), 1),
                               details={"quota": [{"requests": r, "per_seconds": p} for r, p in windows]
                                        if len(windows) > 1 else {"requests": windows[0][0],
                                                                  "per_seconds": windows[0][1]}})
            # The last quarter of the hold is slack for the time between spending a slot and the call
            # reaching the provider (a slot counts busy from the lease's start, the provider from arrival).
            self._leases[lease_key] = _Lease(grant.count - 1, grant.start, grant.start + grant.hold * 0.75,
                                             grant.count)
        if grant.wait > 0:
            self._sleep(grant.wait)

    def reset(self) -> None:
        """Forget every lease and free the slots of the connections this process paced."""
        with self._lock:
            keys = sorted({k.split("|", 1)[0] for k in self._locks})
            self._leases.clear()
            self._locks.clear()
        self._fallback.forget(keys)
        if self._ledger is not None:
            try:
                self._ledger.forget(keys)
            except LedgerUnavailable:
                logger.warning("shared quota unavailable: its slots expire on their own")
