"""Connections: config in DynamoDB, credentials in Secrets Manager (one secret each)."""

from __future__ import annotations

import json
import os
import secrets as pysecrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.parameters import SecretsProvider

from aptura.errors import AptError
from aptura.store.db import secrets_client, table

SECRET_CACHE_SECONDS = 300


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


def create_connection(account_id: str, provider: str, mode: str, config: dict[str, Any], credentials: dict[str, Any],
                      connection_id: str | None = None) -> ConnectionRecord:
    """Store a connection: credentials first (so no item ever points at a missing secret)."""
    connection_id = connection_id or f"conn_{pysecrets.token_hex(10)}"
    name = secret_name(connection_id)
    client = secrets_client()
    payload = json.dumps(credentials)
    try:
        client.create_secret(Name=name, SecretString=payload)
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=name, SecretString=payload)
    record = ConnectionRecord(connection_id, account_id, provider, mode, config, name,
                              created_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    table().put_item(Item={
        "pk": f"ACCOUNT#{account_id}", "sk": f"CONNECTION#{connection_id}", "provider": provider, "mode": mode,
        "config": _dynamo(config), "secret_name": name, "status": record.status, "created_at": record.created_at,
    })
    return record


def get_connection(account_id: str, connection_id: str) -> ConnectionRecord | None:
    """The account's connection ``connection_id``, or None (also for other accounts' ids)."""
    item = table().get_item(Key={"pk": f"ACCOUNT#{account_id}", "sk": f"CONNECTION#{connection_id}"}).get("Item")
    return _from_item(item) if item else None


def list_connections(account_id: str) -> list[ConnectionRecord]:
    """Every connection of the account (one Query on its partition)."""
    items: list[dict[str, Any]] = []
    kwargs: dict[str, Any] = {
        "KeyConditionExpression": "pk = :pk AND begins_with(sk, :sk)",
        "ExpressionAttributeValues": {":pk": f"ACCOUNT#{account_id}", ":sk": "CONNECTION#"},
    }
    while True:
        page = table().query(**kwargs)
        items.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return [_from_item(i) for i in items]
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def delete_connection(record: ConnectionRecord) -> None:
    """Remove the connection's item, then its secret (so no item points at a missing secret)."""
    table().delete_item(Key={"pk": f"ACCOUNT#{record.account_id}", "sk": f"CONNECTION#{record.connection_id}"})
    client = secrets_client()
    try:
        client.delete_secret(SecretId=record.secret_name, ForceDeleteWithoutRecovery=True)
    except client.exceptions.ResourceNotFoundException:
        pass


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
    client = secrets_client()
    try:
        client.create_secret(Name=platform_secret_name(name), SecretString=json.dumps(value))
    except client.exceptions.ResourceExistsException:
        client.put_secret_value(SecretId=platform_secret_name(name), SecretString=json.dumps(value))


def read_platform_secret(name: str) -> dict[str, Any]:
    """A platform-wide secret (``<APTURA_SECRET_PREFIX>platform/<name>``), cached while warm."""
    full = platform_secret_name(name)
    try:
        value = _secrets().get(full, transform="json", max_age=SECRET_CACHE_SECONDS)
    except parameters.exceptions.GetParameterError as exc:
        raise AptError(f"Aptura is not configured for this: secret {full} is missing", code="not_supported") from exc
    return value if isinstance(value, dict) else {}


def reset_secret_cache() -> None:
    """Forget cached credentials and the provider client (tests)."""
    global _provider
    _provider = None
