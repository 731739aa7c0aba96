"""Square's webhooks: the Webhook Subscriptions API and the signed notifications it subscribes to.

- ``POST /v2/webhooks/subscriptions`` ``{idempotency_key?, subscription: {name, event_types, notification_url,
  api_version?}}`` → ``{subscription: {id, name, enabled, event_types, notification_url, api_version,
  signature_key, created_at, updated_at}}``; ``GET /v2/webhooks/subscriptions`` lists them (without
  ``signature_key``); ``DELETE /v2/webhooks/subscriptions/{subscription_id}``. Subscriptions belong to the
  application, so (as Square documents) only its personal access token may manage them: an OAuth token is
  refused with 401.
- A booking created, changed or cancelled (through the API, by any application, or the seller) sends
  ``booking.created`` / ``booking.updated`` to every enabled subscription wanting it:
  ``{"merchant_id", "location_id", "type", "event_id", "created_at", "data": {"type": "booking", "id",
  "object": {"booking": {...}}}}`` with ``x-square-hmacsha256-signature`` = base64 HMAC-SHA256, keyed with
  the subscription's ``signature_key``, of the notification URL followed by the raw body.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from sandboxes.core.outbound import Outbox, acceptable_url

SIGNATURE_HEADER = "x-square-hmacsha256-signature"
EVENT_TYPES = ("booking.created", "booking.updated")


def signature(key: str, url: str, body: bytes) -> str:
    """The signature header's value for a notification of ``body`` sent to ``url``."""
    return base64.b64encode(hmac.new(key.encode(), url.encode() + body, hashlib.sha256).digest()).decode()


@dataclass
class Subscription:
    id: str
    name: str
    event_types: list[str]
    notification_url: str
    api_version: str
    signature_key: str
    created_at: str
    enabled: bool = True

    def shown(self, with_key: bool) -> dict[str, Any]:
        out = {"id": self.id, "name": self.name, "enabled": self.enabled, "event_types": list(self.event_types),
               "notification_url": self.notification_url, "api_version": self.api_version,
               "created_at": self.created_at, "updated_at": self.created_at}
        return out | ({"signature_key": self.signature_key} if with_key else {})


@dataclass
class Webhooks:
    """The application's subscriptions and the notifications sent (guarded by the sandbox's lock)."""

    merchant_id: str
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    outbox: Outbox = field(default_factory=Outbox)

    def create(self, body: dict[str, Any], now: str, api_version: str) -> tuple[int, dict[str, Any]]:
        """CreateWebhookSubscription: (status, answer)."""
        sub = body.get("subscription")
        if not isinstance(sub, dict):
            return 400, _error("MISSING_REQUIRED_PARAMETER", "Field must be set", "subscription")
        url = sub.get("notification_url")
        if not isinstance(url, str) or not acceptable_url(url):
            return 400, _error("INVALID_VALUE", "The notification URL must be a valid HTTPS URL.",
                               "subscription.notification_url")
        types = sub.get("event_types")
        if not isinstance(types, list) or not types or any(t not in EVENT_TYPES for t in types):
            return 400, _error("INVALID_VALUE", f"event_types must be a non-empty list of: {', '.join(EVENT_TYPES)}",
                               "subscription.event_types")
        made = Subscription(f"wbhk_{secrets.token_hex(11)}", str(sub.get("name") or ""), list(types), url,
                            str(sub.get("api_version") or api_version), secrets.token_urlsafe(16), now)
        self.subscriptions[made.id] = made
        return 200, {"subscription": made.shown(with_key=True)}

    def listed(self) -> dict[str, Any]:
        return {"subscriptions": [s.shown(with_key=False) for s in self.subscriptions.values()]}

    def delete(self, subscription_id: str) -> tuple[int, dict[str, Any]]:
        if self.subscriptions.pop(subscription_id, None) is None:
            return 404, _error("NOT_FOUND", f"Subscription `{subscription_id}` not found.", None)
        return 200, {}

    def notify(self, event_type: str, booking: dict[str, Any], now: str) -> int:
        """Send ``event_type`` about ``booking`` (as the seller sees it) to each subscription wanting it."""
        sent = 0
        for sub in self.subscriptions.values():
            if not sub.enabled or event_type not in sub.event_types:
                continue
            body = json.dumps({"merchant_id": self.merchant_id, "location_id": booking.get("location_id"),
                               "type": event_type, "event_id": str(uuid.uuid4()), "created_at": now,
                               "data": {"type": "booking", "id": booking["id"],
                                        "object": {"booking": booking}}}).encode()
            self.outbox.post(sub.notification_url, body,
                             {SIGNATURE_HEADER: signature(sub.signature_key, sub.notification_url, body),
                              "square-environment": "Sandbox"}, event_type)
            sent += 1
        return sent


def _error(code: str, detail: str, field_name: str | None) -> dict[str, Any]:
    error = {"category": "INVALID_REQUEST_ERROR", "code": code, "detail": detail}
    return {"errors": [error | ({"field": field_name} if field_name else {})]}
