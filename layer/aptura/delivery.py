"""Webhook delivery: the SQS-triggered function that signs each queued event and POSTs it to its endpoint.

One message is one event for one endpoint (``{"account_id", "endpoint_id", "attempt", "event"}``, queued by
:mod:`aptura.events`). Each attempt is signed to the Standard Webhooks spec with the PyPI ``standardwebhooks``
package: ``webhook-id`` is the event's id (the same on every retry, so receivers can drop duplicates),
``webhook-timestamp`` the attempt's time and ``webhook-signature`` one ``v1,`` signature per current secret.

Retries follow the Standard Webhooks schedule (:data:`DEFAULT_SCHEDULE`: after the first attempt fails, 5 s,
5 min, 30 min, 2 h, 5 h, 10 h, 10 h; ``APTURA_WEBHOOK_RETRY_SCHEDULE`` overrides it, ``make dev`` compresses it
to seconds). A retry is a new message with ``attempt + 1`` and ``not_before``; SQS delays a message 15 min at
most, so a later retry is re-queued (unsent) until it is due. Visibility timeouts would give one fixed delay
for every attempt, hence explicit messages. After the last attempt the message goes to the dead-letter queue
(``APTURA_WEBHOOK_DLQ_URL``); a message this function cannot process at all (a crash, a storage fault) is
reported as a batch item failure, retried by SQS, and reaches the same queue through its redrive policy.

Every attempt is recorded (``GET /v1/webhook-endpoints/{id}/deliveries``). Nothing is disabled silently: an
endpoint whose deliveries have failed for :data:`DISABLE_AFTER_SECONDS` without one success is disabled, and
the account's activity log (the audit trail) says so.
"""

from __future__ import annotations

import json
import math
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from aws_lambda_powertools import Logger
from standardwebhooks import Webhook

from aptura.api.audit import audit
from aptura.engine.timezones import format_utc, parse_datetime
from aptura.events import QUEUE_ENV, sqs_client
from aptura.store import webhooks

logger = Logger(child=True)

DEFAULT_SCHEDULE: tuple[int, ...] = (0, 5, 300, 1800, 7200, 18000, 36000, 36000)  # seconds before each attempt
SCHEDULE_ENV = "APTURA_WEBHOOK_RETRY_SCHEDULE"
DLQ_ENV = "APTURA_WEBHOOK_DLQ_URL"
DISABLE_ENV = "APTURA_WEBHOOK_DISABLE_AFTER_SECONDS"
DISABLE_AFTER_SECONDS = 5 * 24 * 3600
MAX_SQS_DELAY = 900
TIMEOUT = httpx.Timeout(10.0, connect=5.0)  # per attempt; the function's timeout covers a batch of them
USER_AGENT = "Aptura-Webhooks/1"


def schedule() -> tuple[int, ...]:
    """The delays before each attempt (the first is normally 0)."""
    text = os.environ.get(SCHEDULE_ENV, "").strip()
    if not text:
        return DEFAULT_SCHEDULE
    return tuple(max(0, int(float(part))) for part in text.split(","))


def sign(secrets: list[str], msg_id: str, at: datetime, body: str) -> str:
    """The ``webhook-signature`` header: a ``v1,`` signature per secret, space-separated (the spec's form)."""
    return " ".join(Webhook(secret).sign(msg_id, at, body) for secret in secrets)


def _send(queue: str, message: dict[str, Any], delay: int) -> None:
    sqs_client().send_message(QueueUrl=queue, MessageBody=json.dumps(message),
                              DelaySeconds=max(0, min(MAX_SQS_DELAY, delay)))


def _post(endpoint: webhooks.Endpoint, body: str, headers: dict[str, str]) -> tuple[bool, int | None, str | None]:
    """POST once: (succeeded, the receiver's status, why it failed). Redirects are not followed: a 3xx fails."""
    try:
        response = httpx.post(endpoint.url, content=body.encode(), headers=headers, timeout=TIMEOUT,
                              follow_redirects=False)
    except httpx.TimeoutException:
        return False, None, "timeout"
    except httpx.HTTPError:
        return False, None, "connect_error"
    if 200 <= response.status_code < 300:
        return True, response.status_code, None
    return False, response.status_code, "redirect_not_followed" if 300 <= response.status_code < 400 else "http_status"


def deliver(message: dict[str, Any], now: datetime | None = None) -> dict[str, Any] | None:
    """Process one queued message: deliver it when due; returns the recorded attempt (None: none was made)."""
    now = now or datetime.now(UTC)
    queue = os.environ[QUEUE_ENV]
    not_before = message.get("not_before")
    if not_before and parse_datetime(not_before) > now:  # a retry later than SQS can delay: not due yet
        _send(queue, message, math.ceil((parse_datetime(not_before) - now).total_seconds()))
        return None
    event, attempt = message["event"], int(message.get("attempt") or 1)
    endpoint = webhooks.get_endpoint(str(message["account_id"]), str(message["endpoint_id"]))
    base = {"event_id": event["id"], "event_type": event["type"], "attempt": attempt, "response_status": None,
            "error": None, "duration_ms": None, "next_attempt_at": None}
    if endpoint is None:  # deleted since the event was queued: nobody to deliver to, nothing to record it on
        logger.info("webhook endpoint gone; event dropped", extra={"event_id": event["id"]})
        return None
    if endpoint.status != "enabled" or endpoint.mode != event["mode"]:
        return webhooks.record_attempt(endpoint, {**base, "outcome": "skipped", "error": "endpoint_disabled"})
    try:  # again at each attempt: DNS may point a public name somewhere private since registration
        webhooks.check_url(endpoint.url, endpoint.mode)
        allowed = True
    except ValueError:
        allowed = False
    started = time.monotonic()
    if allowed:
        body = json.dumps(event, separators=(",", ":"))
        headers = {"content-type": "application/json", "user-agent": USER_AGENT, "webhook-id": event["id"],
                   "webhook-timestamp": str(int(now.timestamp())),
                   "webhook-signature": sign(webhooks.read_secrets(endpoint), event["id"], now, body)}
        ok, status, error = _post(endpoint, body, headers)
    else:
        ok, status, error = False, None, "address_not_allowed"
    base.update(response_status=status, error=error, duration_ms=int((time.monotonic() - started) * 1000))
    if ok:
        webhooks.mark_healthy(endpoint)
        return webhooks.record_attempt(endpoint, {**base, "outcome": "succeeded"})
    return _failed(endpoint, message, base, now)


def _failed(endpoint: webhooks.Endpoint, message: dict[str, Any], base: dict[str, Any], now: datetime
            ) -> dict[str, Any]:
    """Record a failed attempt, then retry it, send it to the dead-letter queue, or disable the endpoint."""
    attempt, delays = int(base["attempt"]), schedule()
    endpoint = webhooks.mark_failing(endpoint, format_utc(now))
    limit = int(os.environ.get(DISABLE_ENV) or DISABLE_AFTER_SECONDS)
    failing_for = (now - parse_datetime(endpoint.failing_since)).total_seconds() if endpoint.failing_since else 0
    if failing_for >= limit:
        reason = f"deliveries failed for {int(failing_for // 3600)} h without one success"
        webhooks.disable(endpoint, reason)
        audit("webhook_endpoints.disable", "disabled", f"webhook endpoint disabled: {reason}",
              account_id=endpoint.account_id, webhook_endpoint_id=endpoint.endpoint_id, mode=endpoint.mode,
              reason=reason, by="aptura")
        _dead_letter(message, "endpoint_disabled")
        return webhooks.record_attempt(endpoint, {**base, "outcome": "failed"})
    if attempt < len(delays):
        due = now + timedelta(seconds=delays[attempt])
        _send(os.environ[QUEUE_ENV], {**message, "attempt": attempt + 1, "not_before": format_utc(due)},
              delays[attempt])
        return webhooks.record_attempt(endpoint, {**base, "outcome": "failed", "next_attempt_at": format_utc(due)})
    _dead_letter(message, "retries_exhausted")
    return webhooks.record_attempt(endpoint, {**base, "outcome": "failed"})


def _dead_letter(message: dict[str, Any], reason: str) -> None:
    queue = os.environ.get(DLQ_ENV)
    if queue:
        _send(queue, {**message, "dead_letter_reason": reason}, 0)
    logger.warning("webhook event dead-lettered", extra={"event_id": message["event"]["id"], "reason": reason,
                                                         "webhook_endpoint_id": message.get("endpoint_id")})


def handle(sqs_event: dict[str, Any]) -> dict[str, Any]:
    """The SQS batch handler: ``batchItemFailures`` names the messages SQS must hand out again."""
    failures: list[dict[str, str]] = []
    for record in sqs_event.get("Records") or []:
        try:
            deliver(json.loads(record["body"]))
        except Exception:  # noqa: BLE001 - one bad message must not hold back the rest of the batch
            logger.exception("webhook message failed", extra={"message_id": record.get("messageId")})
            failures.append({"itemIdentifier": str(record["messageId"])})
    return {"batchItemFailures": failures}
