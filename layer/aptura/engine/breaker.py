"""A per-connection circuit breaker: stop calling a provider that keeps failing.

State lives in memory, in the warm Lambda container (as the connection pool does): it
costs no AWS call on the request path, and each container decides for itself. A cold
container starts with every circuit closed.

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
from dataclasses import dataclass

from aws_lambda_powertools import Logger

from aptura.errors import AptError

logger = Logger(child=True)
DEFAULT_FAILURES = 5
DEFAULT_COOLDOWN = 30.0


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


@dataclass
class _Circuit:
    failures: int = 0
    opened_at: float | None = None
    trial: bool = False  # a half-open trial call is in flight


class CircuitBreaker:
    """Circuits keyed by connection id; thread-safe (``for_each`` steps call concurrently)."""

    def __init__(self, threshold: int | None = None, cooldown: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._threshold = threshold
        self._cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._circuits: dict[str, _Circuit] = {}

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
        with self._lock:
            circuit = self._circuits.get(key)
            if failed is None:
                if circuit is not None:
                    circuit.trial = False
                return
            if not failed:
                self._circuits.pop(key, None)  # closed circuits need no memory
                return
            if circuit is None:
                circuit = self._circuits[key] = _Circuit()
            circuit.failures += 1
            circuit.trial = False
            threshold = self.threshold
            opens = circuit.opened_at is None and 0 < threshold <= circuit.failures
            if opens or circuit.opened_at is not None:
                circuit.opened_at = self._clock()
            failures = circuit.failures
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
        """Close every circuit."""
        with self._lock:
            self._circuits.clear()
