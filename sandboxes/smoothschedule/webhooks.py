"""SmoothSchedule's webhook deliveries (the sandbox's reading of the tenant API, like its routes; README):
``POST <url>`` with ``{"id", "event", "created_at", "data": <the booking as GET /bookings/{id}/ shows it>}``
and ``X-SmoothSchedule-Signature``: the hex HMAC-SHA256 of the raw body keyed with the webhook's ``secret``."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import datetime
from typing import Any

from sandboxes.core.outbound import Outbox
from sandboxes.smoothschedule.seed import DataSet

SIGNATURE_HEADER = "X-SmoothSchedule-Signature"


def signature(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def notify(outbox: Outbox, data: DataSet, event: str, booking: dict[str, Any], now: datetime) -> int:
    """Send ``event`` about ``booking`` to every active webhook of the data set that wants it; how many."""
    sent = 0
    for hook in data.webhooks.values():
        if not hook.is_active or event not in hook.events:
            continue
        body = json.dumps({"id": f"evt_{secrets.token_hex(8)}", "event": event,
                           "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "data": booking}).encode()
        outbox.post(hook.url, body, {SIGNATURE_HEADER: signature(hook.secret, body),
                                     "X-SmoothSchedule-Event": event}, event)
        sent += 1
    return sent
