"""A per-connection circuit breaker: stop calling a provider that keeps failing.

State lives in memory, in the warm Lambda container (as the connection pool does), and
the containers of a connection share their verdicts through a :class:`SharedCircuits`
store (deployed: ``CIRCUIT#`` items of the main table, ``aptura.store.leases``). A
container that opens a circuit publishes it; the others read a connection's shared state
at most every ``APTURA_BREAKER_SHARE_SECONDS`` (2 s), in a background thread, so a
provider call never waits for DynamoDB: a container learns that a provider is failing
within that TTL of its next call, even if it never saw a failure itself. A success after
an opening (the half-open trial) publishes the close. Sharing fails open: a store that
cannot be reached leaves each container deciding for itself, as it did before.

- closed: calls go through; ``threshold`` consecutive failed calls open the circuit.
- open: calls fail at once with 503 ``provider_unavailable`` and ``Retry-After`` (the
  seconds until half-open), without touching the provider.
- half-open (``cooldown`` seconds after opening): one trial call goes through while the
  others still fail fast; its success closes the circuit, its failure opens it again.

A failure is the provider failing (5xx other than 501, timeouts, resets, malformed
bodies), never a refusal (4xx, including 401 and 429): a provider that refuses a request
is up. Thresholds come from ``APTURA_BREAKER_FAILURES`` (0 turns the breaker off) and
``APTURA_BREAKER_COOLDOWN`` (seconds), read at each call so tests and operators can
change them without a new container.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from aws_lambda_powertools import Logger

from aptura.errors import AptError

logger = Logger(child=True)
DEFAULT_FAILURES = 5
DEFAULT_COOLDOWN = 30.0
DEFAULT_SHARE_SECONDS = 2.0


def _setting(name: str, default: float) -> float:
    # A mistyped value must not fail every provider call: fall back to the default.
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def is_failure(status: int) -> bool:
    """Whether an HTTP status (a provider's, or the Aptura error's) means the provider failed."""
    # 501 is a provider's "this cannot be done here", an answer like 4xx, not an outage.
    return status >= 500 and status != 501


class CircuitOpen(AptError):
    """A call refused because the connection's circuit is open (503)."""

    code = "provider_unavailable"


class SharedCircuits(Protocol):
    """Where containers publish and read open circuits (times in epoch seconds)."""

    def read(self, key: str) -> tuple[float, int] | None:
        """``(opened_at, consecutive failures)`` of ``key``'s open circuit, or None when closed."""

    def opened(self, key: str, opened_at: float, failures: int, cooldown: float) -> None:
        """Publish that ``key``'s circuit opened (again) at ``opened_at``."""

    def closed(self, key: str) -> None:
        """Publish that ``key``'s circuit closed."""


def _default_shared() -> SharedCircuits | None:
    """The main table when deployed (``APTURA_TABLE``), unless ``APTURA_SHARED_BREAKER=0``."""
    if os.environ.get("APTURA_TABLE") and os.environ.get("APTURA_SHARED_BREAKER", "1") != "0":
        from aptura.store.leases import TableCircuits  # the engine stays importable without boto3's cost

        return TableCircuits()
    return None


_EXECUTOR: ThreadPoolExecutor | None = None


def _in_background(work: Callable[[], None]) -> None:
    """Run ``work`` off the request path (one thread per container: sharing is a trickle of calls)."""
    global _EXECUTOR
    if _EXECUTOR is None:
        _EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aptura-breaker")
    _EXECUTOR.submit(work)


@dataclass
class _Circuit:
    failures: int = 0
    opened_at: float | None = None
    trial: bool = False  # a half-open trial call is in flight
    adopted: bool = False  # opened by another container's verdict, not by calls seen here


class CircuitBreaker:
    """Circuits keyed by connection id; thread-safe (``for_each`` steps call concurrently)."""

    def __init__(self, threshold: int | None = None, cooldown: float | None = None,
                 clock: Callable[[], float] = time.monotonic, shared: SharedCircuits | None = None,
                 run: Callable[[Callable[[], None]], None] = _in_background,
                 wall: Callable[[], float] = time.time, share_seconds: float | None = None) -> None:
        """``shared`` defaults to the main table when deployed; ``run`` is how its calls are made
        (a background thread; tests pass a direct call); ``wall`` is the clock containers agree on."""
        self._threshold = threshold
        self._cooldown = cooldown
        self._clock, self._wall = clock, wall
        self._lock = threading.Lock()
        self._circuits: dict[str, _Circuit] = {}
        self._shared, self._shared_chosen = shared, shared is not None
        self._run = run
        self._share_seconds = share_seconds
        self._seen: dict[str, tuple[float, tuple[float, int] | None]] = {}  # key -> (read at, shared state)
        self._reading: set[str] = set()
        self._published: set[str] = set()

    @property
    def shared(self) -> SharedCircuits | None:
        """The shared store, chosen at first use (the environment may be set after import)."""
        if not self._shared_chosen:
            self._shared, self._shared_chosen = _default_shared(), True
        return self._shared

    def _share(self, work: Callable[[SharedCircuits], None], what: str) -> None:
        store = self.shared
        if store is None:
            return

        def guarded() -> None:
            try:
                work(store)
            except Exception:  # sharing is best effort: this container still decides for itself
                logger.warning("shared circuit state unavailable", extra={"action": what})

        self._run(guarded)

    def _learn(self, key: str) -> None:
        """Adopt what other containers published about ``key`` (as last read), and read again when stale."""
        if self.shared is None:
            return
        ttl = self._share_seconds if self._share_seconds is not None else _setting(
            "APTURA_BREAKER_SHARE_SECONDS", DEFAULT_SHARE_SECONDS)
        now = self._clock()
        with self._lock:
            read_at, state = self._seen.get(key, (None, None))
            stale = (read_at is None or now - read_at >= ttl) and key not in self._reading
            if stale:
                self._reading.add(key)
            circuit = self._circuits.get(key)
            if state is not None and (circuit is None or circuit.opened_at is None):
                opened_at, failures = state
                circuit = self._circuits[key] = _Circuit(failures=failures, adopted=True)
                circuit.opened_at = now - max(self._wall() - opened_at, 0.0)
            elif state is None and circuit is not None and circuit.adopted:
                self._circuits.pop(key, None)  # the container that opened it saw the provider recover
        if stale:
            def read(store: SharedCircuits) -> None:
                try:
                    found = store.read(key)
                finally:
                    with self._lock:
                        self._reading.discard(key)
                with self._lock:
                    self._seen[key] = (self._clock(), found)

            self._share(read, "read")

    @property
    def threshold(self) -> int:
        """Consecutive failures that open a circuit; 0 means never."""
        if self._threshold is not None:
            return self._threshold
        return int(_setting("APTURA_BREAKER_FAILURES", DEFAULT_FAILURES))

    @property
    def cooldown(self) -> float:
        """Seconds a circuit stays open before a trial call is let through."""
        if self._cooldown is not None:
            return self._cooldown
        return _setting("APTURA_BREAKER_COOLDOWN", DEFAULT_COOLDOWN)

    def before(self, key: str) -> None:
        """Let a call for ``key`` through, or raise :class:`CircuitOpen`."""
        if self.threshold <= 0:
            return
        self._learn(key)
        with self._lock:
            circuit = self._circuits.get(key)
            if circuit is None or circuit.opened_at is None:
                return
            wait = circuit.opened_at + self.cooldown - self._clock()
            if wait <= 0 and not circuit.trial:
                circuit.trial = True
                return
            failures = circuit.failures
        retry_after = max(1, math.ceil(wait))
        raise CircuitOpen(
            f"the circuit is open for this connection: the provider failed {failures} times in a row, so Aptura "
            f"stops calling it for a while; retry after {retry_after} s",
            details={"circuit": "open", "consecutive_failures": failures, "retry_after_seconds": retry_after},
            retry_after=retry_after,
        )

    def after(self, key: str, failed: bool | None) -> None:
        """Record the outcome of a call let through by :meth:`before` (``None``: no verdict)."""
        publish: Callable[[SharedCircuits], None] | None = None
        opens = False
        with self._lock:
            circuit = self._circuits.get(key)
            if failed is None:
                if circuit is not None:
                    circuit.trial = False
                return
            if not failed:
                self._circuits.pop(key, None)  # closed circuits need no memory
                if circuit is not None and circuit.opened_at is not None:
                    self._seen.pop(key, None)  # the last read said open: do not adopt it back
                    publish = lambda store: store.closed(key)  # noqa: E731
                self._published.discard(key)
            else:
                if circuit is None:
                    circuit = self._circuits[key] = _Circuit()
                circuit.failures += 1
                circuit.trial = False
                circuit.adopted = False
                threshold = self.threshold
                opens = circuit.opened_at is None and 0 < threshold <= circuit.failures
                failures = circuit.failures
                if opens or circuit.opened_at is not None:
                    circuit.opened_at = self._clock()
                    self._published.add(key)
                    opened_at, cooldown = self._wall(), self.cooldown
                    publish = lambda store: store.opened(key, opened_at, failures, cooldown)  # noqa: E731
        if publish is not None:
            self._share(publish, "publish")
        if opens:  # once per opening, so operators see a provider going down per connection
            logger.warning("circuit opened", extra={"connection_id": key, "consecutive_failures": failures,
                                                    "cooldown_seconds": self.cooldown})

    def state(self, key: str) -> str:
        """``closed``, ``open`` or ``half-open`` (for tests and logs)."""
        with self._lock:
            circuit = self._circuits.get(key)
            if circuit is None or circuit.opened_at is None:
                return "closed"
            return "half-open" if circuit.opened_at + self.cooldown <= self._clock() else "open"

    def reset(self) -> None:
        """Close every circuit (also the shared ones this container published)."""
        with self._lock:
            self._circuits.clear()
            self._seen.clear()
            published, self._published = sorted(self._published), set()
        store = self._shared if self._shared_chosen else None
        for key in published:
            if store is not None:
                try:
                    store.closed(key)
                except Exception:
                    logger.warning("shared circuit state unavailable", extra={"action": "reset"})
