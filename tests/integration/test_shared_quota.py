"""Eight worker processes, each its own Pacer (a warm container), share one connection's quota in
DynamoDB Local: the fake provider never receives more than the declared rate in any window."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from aptura.engine.quota import Grant, LedgerUnavailable, Pacer, Windows
from aptura.store.leases import TableLedger

WORKERS = 8
CALLS_EACH = 6
QUOTA = (20, 5.0)  # as SuperSaaS declares it: 20 calls per 5 s


class _Provider(BaseHTTPRequestHandler):
    arrivals: list[float] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        type(self).arrivals.append(time.time())  # list.append is atomic: handler threads may race here
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (http.server's signature)
        """Quiet: the test reads the arrivals, not a log."""


@pytest.fixture()
def provider() -> Iterator[tuple[str, list[float]]]:
    _Provider.arrivals = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Provider)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/slots", _Provider.arrivals
    server.shutdown()
    server.server_close()


class _CountingLedger(TableLedger):
    """The table ledger, noting any fall-back to per-container pacing (which would void the test)."""

    unavailable = 0

    def lease(self, key: str, windows: Windows, want: int, clock: Callable[[], float], budget: float,
              release: tuple[float, int] | None) -> Grant:
        try:
            return super().lease(key, windows, want, clock, budget, release)
        except LedgerUnavailable:
            type(self).unavailable += 1
            raise


def _container(url: str, connection: str, start: Any, out: Any) -> None:
    """One warm container: its own Pacer and HTTP client, pacing calls before sending each."""
    pacer = Pacer(ledger=_CountingLedger())
    with httpx.Client() as client:
        start.wait()
        for _ in range(CALLS_EACH):
            pacer.wait(connection, *QUOTA, budget=60)
            client.get(url)
    out.put(_CountingLedger.unavailable)


def most_in_any_window(times: Sequence[float], per_seconds: float) -> int:
    """The largest number of ``times`` in a half-open interval of ``per_seconds``."""
    ordered, best, first = sorted(times), 0, 0
    for last, t in enumerate(ordered):
        while ordered[first] <= t - per_seconds:
            first += 1
        best = max(best, last - first + 1)
    return best


def test_eight_containers_never_exceed_the_declared_rate(aws: dict[str, str],
                                                          provider: tuple[str, list[float]]) -> None:
    url, arrivals = provider
    connection = f"conn_shared_{time.time_ns()}"
    ctx = multiprocessing.get_context("spawn")  # fresh interpreters, as Lambda containers are
    start, out = ctx.Barrier(WORKERS), ctx.Queue()
    workers = [ctx.Process(target=_container, args=(url, connection, start, out)) for _ in range(WORKERS)]
    for w in workers:
        w.start()
    fallbacks = [out.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=30)
        assert w.exitcode == 0
    assert fallbacks == [0] * WORKERS  # every lease went through the shared table
    assert len(arrivals) == WORKERS * CALLS_EACH
    requests, per_seconds = QUOTA
    assert most_in_any_window(arrivals, per_seconds) <= requests
    # Per-container buckets would have let all 48 through in the first second (8 x 6 < 8 x 20).
    span = max(arrivals) - min(arrivals)
    assert span >= (WORKERS * CALLS_EACH // requests) * per_seconds
