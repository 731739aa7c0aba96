"""Pacing provider calls under a quota the spec declares (``quota: {requests, per_seconds}``,
or a list of such windows that all apply).

A token bucket per connection, in the warm container: calls beyond the provider's rate
wait for their turn (spread out, not rejected) as long as the request's time budget
allows; when it does not, the caller gets 429 with the wait as ``Retry-After`` instead
of the provider's own refusal. Containers do not share buckets, so declare the quota a
little under the provider's real limit.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence

from aptura.errors import AptError


class Pacer:
    """Token buckets by connection id."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep
                 ) -> None:
        self._clock, self._sleep = clock, sleep
        self._buckets: dict[str, tuple[float, float]] = {}  # id -> (tokens, as of)
        self._lock = threading.Lock()

    def wait(self, key: str, requests: int, per_seconds: float, budget: float) -> None:
        """Take one call's token for ``key``, sleeping for it when the budget allows."""
        self.wait_windows(key, [(requests, per_seconds)], budget)

    def wait_windows(self, key: str, windows: Sequence[tuple[int, float]], budget: float) -> None:
        """Take one call's token from every window of ``key`` (e.g. 100/minute and 1000/hour).

        The call waits for the slowest window, and tokens are taken from all of them or none,
        so a refused call does not use up the other windows.
        """
        with self._lock:
            now = self._clock()
            levels = []
            for requests, per_seconds in windows:
                bucket = f"{key}|{requests}/{per_seconds}"
                rate = requests / per_seconds
                tokens, since = self._buckets.get(bucket, (float(requests), now))
                tokens = min(float(requests), tokens + (now - since) * rate)
                levels.append((bucket, tokens, 0.0 if tokens >= 1 else (1 - tokens) / rate))
            delay = max((d for _, _, d in levels), default=0.0)
            if delay > budget:
                raise AptError("pacing calls under the provider's declared quota", code="rate_limited",
                               retry_after=max(math.ceil(delay), 1),
                               details={"quota": [{"requests": r, "per_seconds": p} for r, p in windows]
                                        if len(windows) > 1 else {"requests": windows[0][0],
                                                                  "per_seconds": windows[0][1]}})
            for bucket, tokens, _ in levels:
                self._buckets[bucket] = (tokens - 1, now)  # may go below zero: later callers queue behind
        if delay > 0:
            self._sleep(delay)

    def reset(self) -> None:
        """Forget every bucket (all connections start with a full quota)."""
        with self._lock:
            self._buckets.clear()
