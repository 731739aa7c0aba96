"""Webhook notifications a sandbox sends, as its provider would: a signed POST to each subscribed URL.

Sent from a background thread (a provider notifies after it answered the change, not inside it), with one
retry on a failure; every attempt is kept in :attr:`Outbox.sent` for tests and ``GET /_sandbox/state``.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 10.0  # Square's own limit for an answer


def acceptable_url(url: str) -> bool:
    """https, as every provider requires; plain http only to this machine, so ``make dev`` can receive."""
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost"))


@dataclass
class Outbox:
    """The notifications sent so far (guarded by its own lock: sending threads append)."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post(self, url: str, body: bytes, headers: dict[str, str], event: str) -> threading.Thread:
        """POST ``body`` to ``url`` in the background; returns the thread (tests may join it)."""
        thread = threading.Thread(target=self._deliver, args=(url, body, headers, event), daemon=True)
        thread.start()
        return thread

    def _deliver(self, url: str, body: bytes, headers: dict[str, str], event: str) -> None:
        for _ in range(2):
            request = urllib.request.Request(url, data=body, method="POST",
                                             headers={"Content-Type": "application/json", **headers})
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:  # noqa: S310 - checked URL
                    status = answer.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0
            with self.lock:
                self.sent.append({"url": url, "event": event, "status": status})
            if 200 <= status < 300:
                return

    def view(self) -> list[dict[str, Any]]:
        """The attempts so far (for a sandbox's admin state)."""
        with self.lock:
            return list(self.sent)
