"""Connections: config in DynamoDB, credentials in Secrets Manager (one secret each).

A connection's ``status`` is ``active`` (credentials verified, or working), ``unverified``
(its spec declares no ``connection.verify``, so nothing checked them) or ``error`` (the
provider refused its credentials; ``last_error`` says when and how).
"""

from __future__ import annotations

import json
import os
import secrets as pysecrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from botocore.exceptions import BotoCoreError, ClientError

from aptura.engine.timezones import format_utc
from aptura.errors import AptError, NotFound
from aptura.store.db import account_items, secrets_client, table

SECRET_CACHE_SECONDS = 300
STATUSES = ("active", "unverified", "error")
MAX_ERROR_MESSAGE = 500

logger = Logger(child=True)


@dataclass(frozen=True)
class ConnectionRecord:
    connection_id: str
    account_id: str
    provider: str
    mode: str
    config: dict[str, Any]
    secret_name: str
    status: str = "active"
    created_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    updated_at: str = ""
    last_verified_at: str | None = None
    last_error: dict[str, Any] | None = None  # {code, message, at}; never holds credentials
    end_user: dict[str, Any] | None = None  # {id, name, email}: the business the connection belongs to


def _now() -> str:
    return format_utc(datetime.now(UTC))


def _key(account_id: str, connection_id: str) -> dict[str, str]:
    return {"pk": f"ACCOUNT#{account_id}", "sk": f"CONNECTION#{connection_id}"}


def secret_name(connection_id: str) -> str:
    """Where a connection's credentials live in Secrets Manager."""
    return f"{os.environ.get('APTURA_SECRET_PREFIX', 'aptura/')}connections/{connection_id}"


def _from_item(item: dict[str, Any]) -> ConnectionRecord:
    return ConnectionRecord(
        connection_id=item["sk"].split("#", 1)[1],
        account_id=item["pk"].split("#", 1)[1],
        provider=item["provider"],
        mode=item["mode"],
        config=_plain(item.get("config") or {}),
        secret_name=item["secret_name"],
        status=item.get("status", "active"),
        created_at=item.get("created_at", ""),
        # Items written before these attributes existed read as never updated nor verified.
        updated_at=item.get("updated_at") or item.get("created_at", ""),
        last_verified_at=item.get("last_verified_at"),
        last_error=_plain(item["last_error"]) if item.get("last_error") else None,
        end_user=_plain(item["end_user"]) if item.get("end_user") else None,
    )


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; config values are JSON-like."""
    if isinstance(value, Decimal):
        return int(value) if value == int(value) else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _dynamo(value: Any) -> Any:
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: _dynamo(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dynamo(v) for v in value]
    return value


def new_connection_id() -> str:
    """A fresh, unguessable connection id (known before anything is stored, e.g. to verify with)."""
    return f"conn_{pysecrets.token_hex(10)}"


def _put_secret(name: str, credentials: dict[str, Any]) -> bool:
    """Write ``credentials`` as the secret's current version; True when the secret was created."""
    client = secrets_client()
    payload = json.dumps(credentials)
    try:
        client.create_secret(Name=name, SecretString=payload)
        return True
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=name, SecretString=payload)
        return False


def _drop_secret(name: str) -> None:
    client = secrets_client()
    try:
        client.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)
    except client.exceptions.ResourceNotFoundException:
        pass


def create_connection(account_id: str, provider: str, mode: str, config: dict[str, Any], credentials: dict[str, Any],
                      connection_id: str | None = None, *, status: str = "active",
                      verified_at: str | None = None, end_user: dict[str, Any] | None = None) -> ConnectionRecord:
    """Store a connection: credentials first (so no item ever points at a missing secret).

    ``status`` is ``active`` or, when nothing could check the credentials, ``unverified``;
    ``verified_at`` is when the provider last accepted them; ``end_user`` (``{id, name, email}``)
    is whom the integrator made it for.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    connection_id = connection_id or new_connection_id()
    name = secret_name(connection_id)
    created = _put_secret(name, credentials)
    now = _now()
    record = ConnectionRecord(connection_id, account_id, provider, mode, config, name, status=status,
                              created_at=now, updated_at=now, last_verified_at=verified_at, end_user=end_user)
    item: dict[str, Any] = {
        **_key(account_id, connection_id), "provider": provider, "mode": mode, "config": _dynamo(config),
        "secret_name": name, "status": record.status, "created_at": now, "updated_at": now,
    }
    if verified_at:
        item["last_verified_at"] = verified_at
    if end_user:
        item["end_user"] = end_user
    try:
        table().put_item(Item=item)
    except Exception:
        if created:  # a secret no item points at would never be found again
            _drop_secret(name)
        raise
    _remember(account_id, connection_id, record)
    return record


def update_connection(record: ConnectionRecord, *, config: dict[str, Any] | None = None,
                      credentials: dict[str, Any] | None = None, status: str = "active",
                      verified_at: str | None = None) -> ConnectionRecord:
    """Replace a connection's config and/or credentials (a new secret version), then mark it
    ``status`` with ``last_error`` cleared; returns the stored record.

    Only call it with credentials the provider has accepted: the old version stops being
    current at once. A connection deleted meanwhile is a 404, and is not brought back.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    created = _put_secret(record.secret_name, credentials) if credentials is not None else False
    sets = ["#status = :status", "updated_at = :now"]
    values: dict[str, Any] = {":status": status, ":now": _now()}
    if config is not None:
        sets.append("config = :config")
        values[":config"] = _dynamo(config)
    if verified_at:
        sets.append("last_verified_at = :verified")
        values[":verified"] = verified_at
    try:
        fresh = _update(record, sets, values, remove="last_error")
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        if created:  # the connection was deleted meanwhile: leave no secret behind it
            _drop_secret(record.secret_name)
        raise NotFound(f"connection {record.connection_id} not found") from exc
    if credentials is not None and _provider is not None:
        _provider.clear_cache()  # this container must not keep using the replaced credentials
    return fresh


def _update(record: ConnectionRecord, sets: list[str], values: dict[str, Any], remove: str = "") -> ConnectionRecord:
    """``SET sets [REMOVE remove]`` on the connection's existing item; returns (and remembers)
    the stored record. A deleted connection raises ConditionalCheckFailedException."""
    # status is a DynamoDB reserved word; unused names are refused
    names = {"#status": "status"} if any("#status" in part for part in sets) else {}
    item = table().update_item(
        Key=_key(record.account_id, record.connection_id),
        UpdateExpression=f"SET {', '.join(sets)}" + (f" REMOVE {remove}" if remove else ""),
        ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues=values,
        ReturnValues="ALL_NEW",
        **({"ExpressionAttributeNames": names} if names else {}),
    )["Attributes"]
    fresh = _from_item(item)
    _remember(fresh.account_id, fresh.connection_id, fresh)
    return fresh


def _mark(record: ConnectionRecord, sets: list[str], values: dict[str, Any], remove: str = "") -> ConnectionRecord:
    """Best-effort bookkeeping on an existing item: it runs while a request is answered, so a
    failed write is logged and the record returned unchanged rather than masking the answer."""
    try:
        return _update(record, sets, values, remove)
    except (ClientError, BotoCoreError) as exc:
        code = exc.response["Error"]["Code"] if isinstance(exc, ClientError) else type(exc).__name__
        if code != "ConditionalCheckFailedException":  # a deleted connection needs no bookkeeping
            logger.warning("connection status not recorded",
                           extra={"connection_id": record.connection_id, "error": code})
        return record


def record_error(record: ConnectionRecord, code: str, message: str) -> ConnectionRecord:
    """Remember the last error of a call on the connection (``{code, message, at}``); refused
    credentials (``connection_auth_failed``) also set the status to ``error``.

    ``message`` is shown to API callers: pass Aptura's error message, never a credential.
    Never raises for a storage failure (see :func:`_mark`).
    """
    error = {"code": code, "message": message[:MAX_ERROR_MESSAGE], "at": _now()}
    sets = ["last_error = :error"]
    values: dict[str, Any] = {":error": error}
    if code == "connection_auth_failed":
        sets.append("#status = :status")
        values[":status"] = "error"
    return _mark(record, sets, values)


def record_ok(record: ConnectionRecord) -> ConnectionRecord:
    """After a successful call: status ``active``, ``last_error`` cleared, verified now.

    Writes nothing when the record is already active without an error, so it is cheap to
    call after every operation.
    """
    if record.status == "active" and record.last_error is None:
        return record
    now = _now()
    return _mark(record, ["#status = :status", "last_verified_at = :now"], {":status": "active", ":now": now},
                 remove="last_error")


# Connection records, per container for a short while: a warm request then costs no read.
# Changes made through this module refresh the entry at once; another container's change
# (a rotation, a deletion) is seen within RECORD_CACHE_SECONDS.
RECORD_CACHE_SECONDS = 30.0
_records: dict[tuple[str, str], tuple[float, ConnectionRecord | None]] = {}
_records_lock = threading.Lock()


def _remember(account_id: str, connection_id: str, record: ConnectionRecord | None) -> None:
    with _records_lock:
        _records[(account_id, connection_id)] = (time.monotonic() + RECORD_CACHE_SECONDS, record)


def get_connection(account_id: str, connection_id: str) -> ConnectionRecord | None:
    """The account's connection ``connection_id``, or None (also for other accounts' ids)."""
    with _records_lock:
        hit = _records.get((account_id, connection_id))
    if hit and hit[0] > time.monotonic():
        return hit[1]
    item = table().get_item(Key=_key(account_id, connection_id)).get("Item")
    record = _from_item(item) if item else None
    _remember(account_id, connection_id, record)
    return record


def list_connections(account_id: str) -> list[ConnectionRecord]:
    """Every connection of the account (one Query on its partition)."""
    return [_from_item(i) for i in account_items(account_id, "CONNECTION#")]


def delete_connection(record: ConnectionRecord) -> None:
    """Remove the connection's item, then its secret (so no item points at a missing secret)."""
    table().delete_item(Key=_key(record.account_id, record.connection_id))
    _remember(record.account_id, record.connection_id, None)
    _drop_secret(record.secret_name)


_provider: SecretsProvider | None = None


def _secrets() -> SecretsProvider:
    global _provider
    if _provider is None:
        _provider = SecretsProvider(boto3_client=secrets_client())
    return _provider


def read_credentials(record: ConnectionRecord, force: bool = False) -> dict[str, Any]:
    """The connection's credentials, through Powertools parameters (cached while warm;
    ``force`` reads Secrets Manager now, e.g. after another container refreshed a token)."""
    try:
        value = _secrets().get(record.secret_name, transform="json", max_age=SECRET_CACHE_SECONDS,
                               force_fetch=force)
    except parameters.exceptions.GetParameterError as exc:
        raise AptError("this connection's credentials are missing; reconnect it", code="connection_auth_failed",
                       details={"connection_id": record.connection_id}) from exc
    if not isinstance(value, dict):
        raise AptError("this connection's credentials are unreadable; reconnect it", code="connection_auth_failed")
    return value


def write_credentials(record: ConnectionRecord, credentials: dict[str, Any]) -> None:
    """Replace the connection's credentials (a new secret version)."""
    secrets_client().put_secret_value(SecretId=record.secret_name, SecretString=json.dumps(credentials))


def platform_secret_name(name: str) -> str:
    return f"{os.environ.get('APTURA_SECRET_PREFIX', 'aptura/')}platform/{name}"


def put_platform_secret(name: str, value: dict[str, Any]) -> None:
    """Create or replace a platform-wide secret (operators, the local stack, tests)."""
    _put_secret(platform_secret_name(name), value)


def read_platform_secret(name: str) -> dict[str, Any]:
    """A platform-wide secret (``<APTURA_SECRET_PREFIX>platform/<name>``), cached while warm."""
    full = platform_secret_name(name)
    try:
        value = _secrets().get(full, transform="json", max_age=SECRET_CACHE_SECONDS)
    except parameters.exceptions.GetParameterError as exc:
        raise AptError(f"Aptura is not configured for this: secret {full} is missing", code="not_supported") from exc
    return value if isinstance(value, dict) else {}


def reset_secret_cache() -> None:
    """Forget cached credentials, connection records and the provider client (tests)."""
    global _provider
    _provider = None
    with _records_lock:
        _records.clear()
