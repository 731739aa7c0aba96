"""Native provider webhooks: a provider's notification of a booking change becomes Aptura's event.

Each connection of a provider whose spec declares ``sources.webhook`` (docs/spec-reference.md, Sources) has its own
Aptura URL, ``<public URL>/inbound/{connection_id}/{token}``; the token is random, kept in the item
``INBOUND#<connection_id>`` / ``INBOUND`` (connection ids are unique across accounts; the item names the
account, so the public route finds the connection without an API key). A notification is processed only when
the token matches and, if the spec declares ``verify``, the provider's HMAC signature does; otherwise it is
answered 401 and logged (ids and the reason only), never processed.

The notification is not trusted beyond the appointment id it names: the appointment is read again through the
spec's ``appointments.get`` and compared with its snapshot through :func:`aptura.poller.observe`, the one diff
every source uses, so a change the API or the poller already reported is not reported again.

Subscribing: when the spec declares ``subscribe``, :func:`ensure_subscribed` (called by the poller, which
visits every connection each minute, so a new connection is subscribed within a minute and a failed attempt
is retried an hour later) runs that operation with the URL, and keeps what it answers (e.g. the signing secret) in the
connection's secret under :data:`SUBSCRIPTION_KEY` (so ``verify.secret`` reads it as
``secrets.webhook_subscription``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from botocore.exceptions import ClientError

from aptura.api.oauth import public_base_url
from aptura.engine.timezones import format_utc
from aptura.errors import AptError, NotFound, Unauthorized
from aptura.poller import PollResult, Provider, listening, observe, resend_pending
from aptura.spec.models import OAuth2Auth
from aptura.spec.sources import WebhookSource, WebhookVerify
from aptura.store import snapshots
from aptura.store.connections import ConnectionRecord, get_connection, read_credentials, write_credentials
from aptura.store.db import table

logger = Logger(child=True)

SUBSCRIPTION_KEY = "webhook_subscription"
_SK = "INBOUND"
MAX_BODY_BYTES = 256 * 1024  # a provider's notification is a few KB; more is not one
# A provider that refused a subscription is asked again this much later, not at every poll of the connection.
SUBSCRIBE_RETRY_SECONDS = 3600


@dataclass(frozen=True)
class Address:
    """Where a connection's provider sends its notifications."""

    account_id: str
    connection_id: str
    token: str
    subscribed_at: str | None = None
    subscribe_failed_at: float | None = None  # Unix seconds of the last refused attempt

    @property
    def url(self) -> str:
        return f"{public_base_url()}/inbound/{self.connection_id}/{self.token}"


def _key(connection_id: str) -> dict[str, str]:
    return {"pk": f"INBOUND#{connection_id}", "sk": _SK}


def _address(item: dict[str, Any]) -> Address:
    return Address(str(item["account_id"]), str(item["pk"]).split("#", 1)[1], str(item["token"]),
                   str(item["subscribed_at"]) if item.get("subscribed_at") else None,
                   float(item["subscribe_failed_at"]) if item.get("subscribe_failed_at") else None)


def address(record: ConnectionRecord) -> Address:
    """The connection's inbound address, made on first use (read first: the poller asks every minute, and a
    conditional put that fails still costs a write; two first users get the same one)."""
    found = table().get_item(Key=_key(record.connection_id), ConsistentRead=True).get("Item")
    if found is None:
        item = {**_key(record.connection_id), "account_id": record.account_id, "token": secrets.token_urlsafe(24)}
        try:
            table().put_item(Item=item, ConditionExpression="attribute_not_exists(pk)")
            return _address(item)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise
        found = table().get_item(Key=_key(record.connection_id), ConsistentRead=True).get("Item")
    if found is None or found.get("account_id") != record.account_id:
        raise NotFound(f"connection {record.connection_id} not found")
    return _address(found)


def forget(connection_id: str) -> None:
    """Drop a deleted connection's inbound address (its URL answers 401 either way)."""
    table().delete_item(Key=_key(connection_id))


def webhook_source(record: ConnectionRecord) -> WebhookSource | None:
    """The spec's webhook source of the connection's provider, if it has one."""
    sources = Provider(record).spec.sources
    return sources.webhook if sources is not None else None


# -- verifying -------------------------------------------------------------------------------------------------


def expected_signature(verify: WebhookVerify, secret: str, url: str, timestamp: str | None, body: bytes) -> str:
    """The header value a genuine notification carries (prefix included)."""
    parts = {"url": url.encode(), "timestamp": (timestamp or "").encode(), "body": body}
    message = verify.separator.encode().join(parts[name] for name in verify.signed)
    mac = hmac.new(secret.encode(), message, getattr(hashlib, verify.algorithm)).digest()
    text = base64.b64encode(mac).decode() if verify.encoding == "base64" else mac.hex()
    return verify.prefix + text


def check_signature(verify: WebhookVerify, secret: str | None, url: str, headers: dict[str, str], body: bytes,
                    now: float | None = None) -> str | None:
    """Why the notification is not the provider's (None: it is). ``headers`` are lower-cased."""
    if not secret:
        return "no signing secret for this connection"
    given = headers.get(verify.header.lower())
    if not given:
        return f"missing {verify.header}"
    timestamp = None
    if verify.timestamp_header:
        timestamp = headers.get(verify.timestamp_header.lower())
        try:
            signed_at = float(timestamp or "")
        except ValueError:
            return f"missing or malformed {verify.timestamp_header}"
        if abs((now if now is not None else time.time()) - signed_at) > verify.tolerance_seconds:
            return "timestamp outside the tolerance (a replay?)"
    # A header may carry several signatures (a key being rotated): any one that matches will do.
    wanted = expected_signature(verify, secret, url, timestamp, body)
    if not any(hmac.compare_digest(candidate.strip(), wanted) for candidate in given.split(",")):
        return "signature does not match"
    return None


def _secret(record: ConnectionRecord, provider: Provider, verify: WebhookVerify, force: bool) -> str | None:
    from aptura.api.app import oauth_app  # the API module is heavy; only OAuth providers' app secrets need it

    credentials = read_credentials(record, force=force)
    app: dict[str, Any] = {}
    if isinstance(provider.spec.auth, OAuth2Auth):
        try:
            app = oauth_app(provider.spec.id, record.mode)
        except Exception:  # noqa: BLE001 - an app not configured is "no secret", answered 401 below
            app = {}
    found = verify._secret.search({"secrets": credentials, "config": record.config, "app": app})
    return str(found) if found else None


# -- receiving -------------------------------------------------------------------------------------------------


def receive(connection_id: str, token: str, headers: dict[str, str], body: bytes) -> PollResult:
    """Process one notification (see the module docs); raises Unauthorized (401) when it is not the provider's.

    ``headers`` are lower-cased. Provider faults while reading the appointment raise (502/503/504): the
    provider sends the notification again, and the snapshot makes that harmless."""
    found = table().get_item(Key=_key(connection_id), ConsistentRead=True).get("Item")
    record = get_connection(str(found["account_id"]), connection_id) if found else None
    if found is not None and record is None and hmac.compare_digest(str(found["token"]), token):
        forget(connection_id)  # the connection was deleted: its address goes too, at its provider's next call
    if found is None or record is None or not hmac.compare_digest(str(found["token"]), token):
        _refuse(connection_id, "unknown connection or token")
    assert record is not None and found is not None
    provider = Provider(record)
    source = provider.spec.sources.webhook if provider.spec.sources is not None else None
    if source is None:
        _refuse(connection_id, "the provider declares no webhooks")
    assert source is not None
    if source.verify is not None:
        url = _address(found).url
        why = check_signature(source.verify, _secret(record, provider, source.verify, False), url, headers, body)
        if why == "signature does not match" or why == "no signing secret for this connection":
            # The secret may have changed in another container (a new subscription): read it once more.
            why = check_signature(source.verify, _secret(record, provider, source.verify, True), url, headers,
                                  body)
        if why is not None:
            _refuse(connection_id, why)
    result = PollResult(connection_id, "received")
    try:
        notification = json.loads(body)
    except ValueError:
        logger.info("inbound notification not JSON; ignored", extra={"connection_id": connection_id})
        return result
    context = {"body": notification, "headers": headers}
    name = source._event.search(context)
    declared = source.events.get(str(name)) if name is not None else None
    appointment_id = source._appointment_id.search(context)
    if declared is None or appointment_id in (None, ""):
        logger.info("inbound notification ignored", extra={"connection_id": connection_id, "event": str(name)})
        return result
    if not listening(record):  # nobody wants appointment events: nothing to report, nothing to store
        return result
    _process(record, provider, result, str(appointment_id), declared)
    logger.info("inbound notification processed", extra={"connection_id": connection_id, "event": str(name),
                                                         "events": len(result.events)})
    return result


def _process(record: ConnectionRecord, provider: Provider, result: PollResult, appointment_id: str,
             declared: str) -> None:
    account, cid = record.account_id, record.connection_id
    snapshot = snapshots.get(account, cid, appointment_id)
    if snapshot is not None and snapshot.pending is not None:  # a run that died before emitting: emit now
        resend_pending(record, {appointment_id: snapshot}, result)
        snapshot = snapshots.get(account, cid, appointment_id)
    now_seen: dict[str, Any] | None
    try:
        [now_seen] = provider.appointments(provider.run("appointments.get", {"id": appointment_id}))
    except AptError as exc:
        if exc.code != "not_found":
            raise  # not knowing is no change: the answer is 502/503/504 and the provider sends it again
        now_seen = None
    if now_seen is None:  # deleted in the provider: a cancellation, if it was ever known
        if snapshot is None or snapshot.appointment.get("status") == "cancelled":
            return
        now_seen = {**snapshot.appointment, "status": "cancelled"}
    observe(record, result, now_seen, snapshot, declared, False)


def _refuse(connection_id: str, why: str) -> None:
    logger.warning("inbound notification refused", extra={"connection_id": connection_id, "reason": why})
    raise Unauthorized("the notification's signature or URL is not valid")


# -- subscribing -----------------------------------------------------------------------------------------------


def ensure_subscribed(record: ConnectionRecord, provider: Provider) -> bool:
    """Subscribe the connection's URL with the provider if the spec says how and it is not yet; returns whether
    a subscription was made now. Its answer is kept in the connection's secret (it usually holds the signing
    secret), and when it is missing there (the credentials were replaced) the connection subscribes again."""
    source = provider.spec.sources.webhook if provider.spec.sources is not None else None
    if source is None or source.subscribe is None:
        return False
    credentials = read_credentials(record)
    when = source.subscribe._when
    if when is not None and not when.search({"secrets": credentials, "config": record.config}):
        return False
    where = address(record)
    if where.subscribed_at and credentials.get(SUBSCRIPTION_KEY):
        return False
    if where.subscribe_failed_at is not None and time.time() - where.subscribe_failed_at < SUBSCRIBE_RETRY_SECONDS:
        return False
    try:
        subscription = provider.run_source(source.subscribe.operation,
                                           {"url": where.url, "events": list(source.events)})
    except AptError:
        table().update_item(Key=_key(record.connection_id), UpdateExpression="SET subscribe_failed_at = :at",
                            ExpressionAttributeValues={":at": int(time.time())})
        raise
    write_credentials(record, {**read_credentials(record, force=True), SUBSCRIPTION_KEY: subscription})
    read_credentials(record, force=True)  # this container's cache sees the new key at once
    table().update_item(Key=_key(record.connection_id), UpdateExpression="SET subscribed_at = :at REMOVE "
                        "subscribe_failed_at",
                        ExpressionAttributeValues={":at": format_utc(datetime.now(UTC))})
    logger.info("webhook subscribed with the provider", extra={"connection_id": record.connection_id})
    return True
