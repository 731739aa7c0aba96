"""Webhook endpoints and their delivery attempts, in the app table; signing secrets in Secrets Manager.

Items (tenant isolation is in the keys, as for connections):

- ``ACCOUNT#<id>`` / ``WEBHOOK#<endpoint_id>``: an endpoint (mode, url, event types, optional
  connection filter, status, ``failing_since``). Never its secret.
- ``ACCOUNT#<id>`` / ``DELIVERY#<endpoint_id>#<UTC time>#<random>``: one delivery attempt (event id and
  type, attempt number, outcome, the receiver's HTTP status), kept :data:`DELIVERY_KEEP_SECONDS`.

The secret (``whsec_`` + base64 of 24 random bytes, the Standard Webhooks form) is a secret of its own,
``<APTURA_SECRET_PREFIX>webhooks/<endpoint_id>``: the delivery function must sign with it, so it cannot be
stored as a hash the way API keys are; Secrets Manager keeps it out of DynamoDB exports and scans.
After a rotation the previous secret still signs for :data:`ROTATION_OVERLAP_SECONDS` (a second
``v1,`` signature in ``webhook-signature``), so a receiver can switch without dropping deliveries.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import os
import secrets as pysecrets
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from aptura.engine.timezones import format_utc
from aptura.errors import ValidationError
from aptura.store.connections import _drop_secret, _put_secret
from aptura.store.db import account_items, secrets_client, table

EVENT_TYPES: tuple[str, ...] = (
    "appointment.created", "appointment.rescheduled", "appointment.updated", "appointment.cancelled",
    "connection.created", "connection.error", "connection.deleted",
)
ALL_EVENTS = "*"
STATUSES = ("enabled", "disabled")
MAX_URL_LENGTH = 2048
MAX_CONNECTIONS = 100
MAX_ENDPOINTS = 50  # per account and mode: each event costs one queue message per matching endpoint
DELIVERY_KEEP_SECONDS = 30 * 24 * 3600
ROTATION_OVERLAP_SECONDS = 24 * 3600
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
# Set where Aptura itself runs on the integrator's machine (make dev, the tests). Deployed, "localhost" is the
# Lambda sandbox, whose loopback serves the Lambda Runtime API: never the integrator's machine, so refused.
LOOPBACK_ENV = "APTURA_WEBHOOK_ALLOW_LOOPBACK"
_SK = "WEBHOOK#"
_DELIVERY_SK = "DELIVERY#"


@dataclass(frozen=True)
class Endpoint:
    """A registered webhook endpoint (never holds its secret)."""

    endpoint_id: str
    account_id: str
    mode: str
    url: str
    event_types: tuple[str, ...]
    connection_ids: tuple[str, ...] = ()  # empty: every connection of the account in this mode
    description: str | None = None
    status: str = "enabled"
    created_at: str = ""
    updated_at: str = ""
    failing_since: str | None = None
    disabled_reason: str | None = None

    @property
    def secret_name(self) -> str:
        return secret_name(self.endpoint_id)

    def wants(self, event_type: str, connection_id: str | None) -> bool:
        """Whether an event of ``event_type`` about ``connection_id`` goes to this endpoint."""
        if self.status != "enabled":
            return False
        if ALL_EVENTS not in self.event_types and event_type not in self.event_types:
            return False
        return not self.connection_ids or connection_id in self.connection_ids


def _now() -> str:
    return format_utc(datetime.now(UTC))


def secret_name(endpoint_id: str) -> str:
    """Where the endpoint's signing secret lives in Secrets Manager."""
    return f"{os.environ.get('APTURA_SECRET_PREFIX', 'aptura/')}webhooks/{endpoint_id}"


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks form (``whsec_`` + base64 of 24 random bytes)."""
    return "whsec_" + base64.b64encode(pysecrets.token_bytes(24)).decode()


def _key(account_id: str, endpoint_id: str) -> dict[str, str]:
    return {"pk": f"ACCOUNT#{account_id}", "sk": f"{_SK}{endpoint_id}"}


def _from_item(item: dict[str, Any]) -> Endpoint:
    return Endpoint(
        endpoint_id=str(item["sk"])[len(_SK):], account_id=str(item["pk"]).split("#", 1)[1], mode=str(item["mode"]),
        url=str(item["url"]), event_types=tuple(item.get("event_types") or ()),
        connection_ids=tuple(item.get("connection_ids") or ()), description=item.get("description"),
        status=str(item.get("status") or "enabled"), created_at=str(item.get("created_at") or ""),
        updated_at=str(item.get("updated_at") or ""), failing_since=item.get("failing_since"),
        disabled_reason=item.get("disabled_reason"))


# -- checks --------------------------------------------------------------------------------------------------


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 reaches 10.0.0.1
    return ip.is_global and not ip.is_multicast


def resolve_public(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, or a ValueError when one of them is not public (or none resolve).

    All of them, not the first: a name answering with one public and one private address could
    otherwise reach the private one on a later resolution.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValueError(f"{host} does not resolve") from exc
    addresses = sorted({str(info[4][0]) for info in infos})
    if not addresses:
        raise ValueError(f"{host} does not resolve")
    private = [a for a in addresses if not _is_public(a)]
    if private:
        raise ValueError(f"{host} resolves to a non-public address ({private[0]}); live endpoints must be public")
    return addresses


def _is_loopback_or_private_literal(host: str) -> bool:
    """``localhost``, or an IP literal that is not a public address."""
    if host in _LOCAL_HOSTS:
        return True
    try:
        return not _is_public(host)
    except ValueError:  # a name, not an address
        return False


def check_url(url: str, mode: str) -> str:
    """``url`` if an endpoint of ``mode`` may receive events there, else a ValueError saying why.

    Live: https only, and the host must resolve to public addresses only (checked again before each
    delivery, since DNS can change). Test: https, or http on localhost/127.0.0.1/[::1]; loopback and private
    address literals only where Aptura runs locally (:data:`LOOPBACK_ENV`).
    """
    text = url.strip()
    if len(text) > MAX_URL_LENGTH:
        raise ValueError(f"at most {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("use an absolute https:// URL")
    if parts.username or parts.password:
        raise ValueError("no credentials in the URL: authenticate deliveries with the signature")
    if parts.fragment:
        raise ValueError("no #fragment: it is never sent")
    host = parts.hostname.lower()
    if mode == "test" and _is_loopback_or_private_literal(host) and not os.environ.get(LOOPBACK_ENV):
        raise ValueError("this Aptura cannot reach your machine's localhost or a private address: use a public "
                         "https URL (a tunnel works), or run Aptura locally (make dev)")
    if parts.scheme == "http":
        if mode == "live":
            raise ValueError("live endpoints must use https")
        if host not in _LOCAL_HOSTS:
            raise ValueError("http is allowed only on localhost/127.0.0.1 (test mode); use https")
    if mode == "live":
        resolve_public(host, port or 443)
    return text


def _check_events(event_types: list[str]) -> tuple[str, ...]:
    unknown = [t for t in event_types if t != ALL_EVENTS and t not in EVENT_TYPES]
    if unknown:
        raise ValueError(f"unknown event type {unknown[0]!r}; use '*' or some of {', '.join(EVENT_TYPES)}")
    if not event_types:
        raise ValueError("at least one event type (or '*')")
    return tuple(dict.fromkeys(event_types))


def validate(mode: str, *, url: str | None = None, event_types: list[str] | None = None,
             connection_ids: list[str] | None = None) -> dict[str, Any]:
    """The checked, normalized fields given (None: not given); a ValidationError naming every problem."""
    problems: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    if url is not None:
        try:
            out["url"] = check_url(url, mode)
        except ValueError as exc:
            problems["url"] = [str(exc)]
    if event_types is not None:
        try:
            out["event_types"] = _check_events(event_types)
        except ValueError as exc:
            problems["event_types"] = [str(exc)]
    if connection_ids is not None:
        if len(set(connection_ids)) > MAX_CONNECTIONS:
            problems["connection_ids"] = [f"at most {MAX_CONNECTIONS} connections"]
        out["connection_ids"] = tuple(dict.fromkeys(connection_ids))
    if problems:
        raise ValidationError("invalid webhook endpoint", details=problems)
    return out


# -- endpoints ----------------------------------------------------------------------------------------------


def list_endpoints(account_id: str, mode: str | None = None) -> list[Endpoint]:
    """The account's endpoints (one Query on its partition), of ``mode`` when given."""
    endpoints = [_from_item(i) for i in account_items(account_id, _SK)]
    return [e for e in endpoints if mode is None or e.mode == mode]


def get_endpoint(account_id: str, endpoint_id: str) -> Endpoint | None:
    """The account's endpoint ``endpoint_id``; None when it has none of that id."""
    item = table().get_item(Key=_key(account_id, endpoint_id), ConsistentRead=True).get("Item")
    return _from_item(item) if item else None


def create_endpoint(account_id: str, mode: str, url: str, event_types: list[str],
                    connection_ids: list[str] | None = None, description: str | None = None,
                    endpoint_id: str | None = None) -> tuple[Endpoint, str]:
    """Check, then store an endpoint and its new secret; returns it and the secret (shown once).

    ``endpoint_id`` is for fixed seed data only (``make dev``'s demo account); otherwise one is drawn.
    The secret is written first, so no endpoint item ever points at a missing secret.
    """
    fields = validate(mode, url=url, event_types=event_types, connection_ids=connection_ids or [])
    if len(list_endpoints(account_id, mode)) >= MAX_ENDPOINTS:
        raise ValidationError(f"at most {MAX_ENDPOINTS} webhook endpoints per account and mode",
                              details={"url": [f"delete an endpoint first (limit {MAX_ENDPOINTS})"]})
    endpoint_id = endpoint_id or f"we_{pysecrets.token_hex(10)}"
    secret = new_secret()
    created = _put_secret(secret_name(endpoint_id), {"secret": secret})
    now = _now()
    endpoint = Endpoint(endpoint_id, account_id, mode, fields["url"], fields["event_types"], fields["connection_ids"],
                        description, "enabled", now, now)
    item: dict[str, Any] = {**_key(account_id, endpoint_id), "mode": mode, "url": endpoint.url,
                            "event_types": list(endpoint.event_types), "status": "enabled",
                            "created_at": now, "updated_at": now}
    if endpoint.connection_ids:
        item["connection_ids"] = list(endpoint.connection_ids)
    if description:
        item["description"] = description
    try:
        table().put_item(Item=item)
    except Exception:
        if created:  # a secret no item points at would never be found again
            _drop_secret(secret_name(endpoint_id))
        raise
    return endpoint, secret


def update_endpoint(endpoint: Endpoint, *, url: str | None = None, event_types: list[str] | None = None,
                    connection_ids: list[str] | None = None, description: str | None = None,
                    status: str | None = None) -> Endpoint:
    """Change the given fields (None: unchanged); enabling clears ``failing_since`` and the disabled reason."""
    fields = validate(endpoint.mode, url=url, event_types=event_types, connection_ids=connection_ids)
    if status is not None and status not in STATUSES:
        raise ValidationError("invalid status", details={"status": [f"one of {', '.join(STATUSES)}"]})
    # Every attribute through a #name: URL, STATUS and many other words are reserved in update expressions.
    sets: list[str] = ["#updated_at = :now"]
    values: dict[str, Any] = {":now": _now()}
    removes: list[str] = []
    for name in ("url", "event_types", "connection_ids"):
        if name in fields:
            value = list(fields[name]) if isinstance(fields[name], tuple) else fields[name]
            if value == []:
                removes.append(f"#{name}")
            else:
                sets.append(f"#{name} = :{name}")
                values[f":{name}"] = value
    if description is not None:
        sets.append("#description = :description")
        values[":description"] = description
    if status is not None:
        sets.append("#status = :status")
        values[":status"] = status
        if status == "enabled":
            removes += ["#failing_since", "#disabled_reason"]
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    names = {part.split(" ")[0]: part.split(" ")[0][1:] for part in (*sets, *removes)}
    item = table().update_item(
        Key=_key(endpoint.account_id, endpoint.endpoint_id), UpdateExpression=expression,
        ExpressionAttributeValues=values, ExpressionAttributeNames=names, ConditionExpression="attribute_exists(pk)",
        ReturnValues="ALL_NEW")["Attributes"]
    return _from_item(item)


def delete_endpoint(endpoint: Endpoint) -> None:
    """Remove the endpoint's item, then its secret (its delivery records expire on their own)."""
    table().delete_item(Key=_key(endpoint.account_id, endpoint.endpoint_id))
    _drop_secret(endpoint.secret_name)


def rotate_secret(endpoint: Endpoint) -> str:
    """A new secret for ``endpoint`` (returned once); the previous one still signs for a day."""
    current = read_secrets(endpoint)
    secret = new_secret()
    _put_secret(endpoint.secret_name, {"secret": secret, "previous": current[0],
                                       "previous_until": int(time.time()) + ROTATION_OVERLAP_SECONDS})
    table().update_item(Key=_key(endpoint.account_id, endpoint.endpoint_id), UpdateExpression="SET updated_at = :now",
                        ExpressionAttributeValues={":now": _now()})
    return secret


def read_secrets(endpoint: Endpoint) -> list[str]:
    """The secrets to sign with: the current one first, then the previous one while it overlaps."""
    value = json.loads(secrets_client().get_secret_value(SecretId=endpoint.secret_name)["SecretString"])
    out = [str(value["secret"])]
    if value.get("previous") and int(value.get("previous_until") or 0) > time.time():
        out.append(str(value["previous"]))
    return out


def matching_endpoints(account_id: str, mode: str, event_type: str, connection_id: str | None) -> list[Endpoint]:
    """The enabled endpoints of the account in ``mode`` that want this event."""
    return [e for e in list_endpoints(account_id, mode) if e.wants(event_type, connection_id)]


def mark_failing(endpoint: Endpoint, since: str) -> Endpoint:
    """Note that deliveries to ``endpoint`` fail, from ``since`` unless an earlier failure is on record."""
    item = table().update_item(
        Key=_key(endpoint.account_id, endpoint.endpoint_id),
        UpdateExpression="SET failing_since = if_not_exists(failing_since, :since)",
        ConditionExpression="attribute_exists(pk)", ExpressionAttributeValues={":since": since},
        ReturnValues="ALL_NEW")["Attributes"]
    return _from_item(item)


def mark_healthy(endpoint: Endpoint) -> None:
    """A delivery succeeded: the endpoint is no longer failing."""
    if endpoint.failing_since is not None:
        table().update_item(Key=_key(endpoint.account_id, endpoint.endpoint_id),
                            UpdateExpression="REMOVE failing_since", ConditionExpression="attribute_exists(pk)")


def disable(endpoint: Endpoint, reason: str) -> Endpoint:
    """Stop delivering to ``endpoint`` (the caller records why in the account's activity log)."""
    item = table().update_item(
        Key=_key(endpoint.account_id, endpoint.endpoint_id),
        UpdateExpression="SET #status = :disabled, disabled_reason = :reason, updated_at = :now",
        ConditionExpression="attribute_exists(pk)", ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":disabled": "disabled", ":reason": reason, ":now": _now()},
        ReturnValues="ALL_NEW")["Attributes"]
    return _from_item(item)


# -- delivery attempts --------------------------------------------------------------------------------------


def _stamp(value: datetime) -> str:
    # Microseconds keep one event's attempts in order; the fixed width keeps sk order = time order.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_attempt(endpoint: Endpoint, attempt: dict[str, Any]) -> dict[str, Any]:
    """Store one delivery attempt (ids, outcome and HTTP status only: never a body or a secret)."""
    at = datetime.now(UTC)
    entry = {**attempt, "id": f"wd_{pysecrets.token_hex(8)}", "endpoint_id": endpoint.endpoint_id,
             "at": _stamp(at)}
    table().put_item(Item={
        "pk": f"ACCOUNT#{endpoint.account_id}",
        "sk": f"{_DELIVERY_SK}{endpoint.endpoint_id}#{entry['at']}#{entry['id']}",
        # JSON text: the entry's numbers and nulls need no DynamoDB type juggling.
        "entry": json.dumps(entry), "expires_at": int(at.timestamp()) + DELIVERY_KEEP_SECONDS})
    return entry


def list_attempts(endpoint: Endpoint) -> list[dict[str, Any]]:
    """The endpoint's recorded attempts, newest first."""
    return [json.loads(i["entry"]) for i in account_items(
        endpoint.account_id, f"{_DELIVERY_SK}{endpoint.endpoint_id}#", ScanIndexForward=False)]
