"""API keys: generated once, stored only as a SHA-256 hash; used, counted and revoked in DynamoDB.

Items (tenant isolation is in the keys):

- ``APIKEY#<sha256>`` / ``APIKEY``: the key (account, mode, scopes) plus its usage: the current
  hour ``rl_hour``, ``hour_count``, a counter per minute of that hour (``m00``..``m59``), ``last_used_at``.
- ``ACCOUNT#<id>`` / ``APIKEY#<key_id>``: the account's listing entry (prefix, scopes, the hash).
- ``ACCOUNT#<id>`` / ``PROFILE``: per-account settings, e.g. ``rate_limits``.

Using a key is ONE conditional UpdateItem on its item: it counts the request, stamps last use,
fails when the key is gone (so a revoked key stops at once, in every container) and returns the
key, so a request needs no read at all.
"""

from __future__ import annotations

import hashlib
import secrets as pysecrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, get_args

from aptura.engine.timezones import format_utc
from aptura.store.db import table

MODES = ("test", "live")
Scope = Literal[
    "availability:read",
    "bookings:read",
    "bookings:write",
    "catalog:read",
    "clients:read",
    "clients:write",
    "connections:manage",
    "keys:manage",
]
ALL_SCOPES: tuple[str, ...] = get_args(Scope)
CACHE_SECONDS = 60.0
DEFAULT_LIMITS = {"per_minute": 100, "per_hour": 1000}
_MINUTES = [f"m{i:02d}" for i in range(60)]


@dataclass(frozen=True)
class ApiKey:
    """A resolved API key (never holds the key itself)."""

    key_id: str
    account_id: str
    mode: str
    scopes: tuple[str, ...] = field(default=ALL_SCOPES)
    prefix: str = ""
    name: str | None = None
    created_at: str = ""


def hash_key(raw: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(raw.encode()).hexdigest()


def mode_of(raw: str) -> str | None:
    """``test``/``live`` from the key prefix, or None for a malformed key."""
    for mode in MODES:
        if raw.startswith(f"apt_{mode}_") and len(raw) > len(f"apt_{mode}_") + 8:
            return mode
    return None


def create_api_key(account_id: str, mode: str, scopes: tuple[str, ...] = ALL_SCOPES, raw: str | None = None,
                   name: str | None = None) -> tuple[str, ApiKey]:
    """Create and store a key; returns the raw key (shown once) and its record."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    raw = raw or f"apt_{mode}_{pysecrets.token_urlsafe(24)}"
    if mode_of(raw) != mode:
        raise ValueError("key does not match its mode")
    key = ApiKey(f"key_{pysecrets.token_hex(8)}", account_id, mode, tuple(scopes), raw[:13], name or None,
                 format_utc(datetime.now(UTC)))
    digest = hash_key(raw)
    shared = {"key_id": key.key_id, "account_id": account_id, "mode": mode, "scopes": list(key.scopes),
              "prefix": key.prefix, "created_at": key.created_at, **({"name": name} if name else {})}
    table().meta.client.transact_write_items(TransactItems=[
        {"Put": {"TableName": table().name, "Item": {"pk": f"APIKEY#{digest}", "sk": "APIKEY", **shared}}},
        {"Put": {"TableName": table().name,
                 "Item": {"pk": f"ACCOUNT#{account_id}", "sk": f"APIKEY#{key.key_id}", "hash": digest,
                          **shared}}},
    ])
    return raw, key


def _key_of(item: dict[str, Any]) -> ApiKey:
    return ApiKey(item["key_id"], item["account_id"], item["mode"], tuple(item.get("scopes", ())),
                  item.get("prefix", ""), item.get("name"), item.get("created_at", ""))


@dataclass(frozen=True)
class Usage:
    """The key's rate-limit state after counting this request."""

    limit: int
    remaining: int
    reset: int  # epoch seconds when the binding window ends
    exceeded: bool
    retry_after: int  # seconds until then

    def headers(self) -> dict[str, str]:
        return {"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(self.reset)}


def _usage(item: dict[str, Any], minute_attr: str, now: int, limits: dict[str, int]) -> Usage:
    windows = [
        (limits["per_minute"], int(item.get(minute_attr, 0)), now - now % 60 + 60),
        (limits["per_hour"], int(item.get("hour_count", 0)), now - now % 3600 + 3600),
    ]
    exceeded = [w for w in windows if w[1] > w[0]]
    # The binding window: an exceeded one (the latest reset), else the one closest to running out.
    limit, count, reset = max(exceeded, key=lambda w: w[2]) if exceeded else min(windows, key=lambda w: w[0] - w[1])
    return Usage(limit, max(limit - count, 0), reset, bool(exceeded), max(reset - now, 1))


def use_api_key(raw: str, now: float | None = None) -> tuple[ApiKey, Usage] | None:
    """Count one request on the key and return it with its usage; None when no such key exists."""
    clock = int(now if now is not None else time.time())
    hour, minute_attr = clock // 3600, _MINUTES[(clock // 60) % 60]
    stamp = format_utc(datetime.fromtimestamp(clock, UTC))
    key = {"pk": f"APIKEY#{hash_key(raw)}", "sk": "APIKEY"}
    names = {"#m": minute_attr}
    errors = table().meta.client.exceptions.ConditionalCheckFailedException
    for _ in range(3):  # a concurrent request may start the new hour between our two tries
        try:
            item = table().update_item(
                Key=key, UpdateExpression="SET last_used_at = :now ADD hour_count :one, #m :one",
                ConditionExpression="attribute_exists(pk) AND rl_hour = :hour",
                ExpressionAttributeNames=names, ExpressionAttributeValues={":now": stamp, ":one": 1, ":hour": hour},
                ReturnValues="ALL_NEW")["Attributes"]
        except errors:
            try:  # a new hour (or the key is gone): restart the counters
                stale = ", ".join(m for m in _MINUTES if m != minute_attr)
                item = table().update_item(
                    Key=key, UpdateExpression=f"SET rl_hour = :hour, hour_count = :one, #m = :one, "
                                              f"last_used_at = :now REMOVE {stale}",
                    ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(rl_hour) OR rl_hour <> :hour)",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues={":now": stamp, ":one": 1, ":hour": hour},
                    ReturnValues="ALL_NEW")["Attributes"]
            except errors:
                if resolve_api_key(raw, cached=False) is None:
                    return None
                continue
        api_key = _key_of(item)
        return api_key, _usage(item, minute_attr, clock, account_limits(api_key.account_id))
    return None


_limits: dict[str, tuple[float, dict[str, int]]] = {}


def account_limits(account_id: str) -> dict[str, int]:
    """The account's rate limits (defaults unless its profile sets them), cached for a minute."""
    now = time.monotonic()
    with _lock:
        hit = _limits.get(account_id)
    if hit and hit[0] > now:
        return hit[1]
    item = table().get_item(Key={"pk": f"ACCOUNT#{account_id}", "sk": "PROFILE"}).get("Item") or {}
    configured = item.get("rate_limits") or {}
    limits = {name: int(configured.get(name, default)) for name, default in DEFAULT_LIMITS.items()}
    with _lock:
        _limits[account_id] = (now + CACHE_SECONDS, limits)
    return limits


def set_account_limits(account_id: str, per_minute: int, per_hour: int) -> None:
    """Configure an account's rate limits (operators)."""
    table().update_item(Key={"pk": f"ACCOUNT#{account_id}", "sk": "PROFILE"},
                        UpdateExpression="SET rate_limits = :limits",
                        ExpressionAttributeValues={":limits": {"per_minute": per_minute, "per_hour": per_hour}})
    with _lock:
        _limits.pop(account_id, None)


def list_api_keys(account_id: str, mode: str) -> list[dict[str, Any]]:
    """The account's keys of ``mode``: id, prefix, scopes, created and last used (never the key)."""
    found = table().query(KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
                          ExpressionAttributeValues={":pk": f"ACCOUNT#{account_id}", ":sk": "APIKEY#"})["Items"]
    entries = [i for i in found if i.get("mode") == mode]
    used: dict[str, Any] = {}
    for start in range(0, len(entries), 100):
        keys = [{"pk": f"APIKEY#{e['hash']}", "sk": "APIKEY"} for e in entries[start:start + 100]]
        got = table().meta.client.batch_get_item(RequestItems={table().name: {
            "Keys": keys, "ProjectionExpression": "pk, last_used_at"}})
        for item in got["Responses"].get(table().name, []):
            used[item["pk"].split("#", 1)[1]] = item.get("last_used_at")
    return [{"id": e["key_id"], "prefix": e["prefix"], "mode": e["mode"], "scopes": list(e.get("scopes", [])),
             "name": e.get("name"), "created_at": e["created_at"], "last_used_at": used.get(e["hash"])}
            for e in sorted(entries, key=lambda e: (e["created_at"], e["key_id"]))]


def revoke_api_key(account_id: str, key_id: str, mode: str) -> dict[str, Any] | None:
    """Delete the key (its use fails from the next request on); None when the account has no such key
    of ``mode``."""
    entry = table().get_item(Key={"pk": f"ACCOUNT#{account_id}", "sk": f"APIKEY#{key_id}"}).get("Item")
    if entry is None or entry.get("mode") != mode:
        return None
    table().meta.client.transact_write_items(TransactItems=[
        {"Delete": {"TableName": table().name, "Key": {"pk": f"APIKEY#{entry['hash']}", "sk": "APIKEY"}}},
        {"Delete": {"TableName": table().name, "Key": {"pk": f"ACCOUNT#{account_id}", "sk": f"APIKEY#{key_id}"}}},
    ])
    with _lock:
        _cache.pop(entry["hash"], None)
    return dict(entry)


_cache: dict[str, tuple[float, ApiKey | None]] = {}
_lock = threading.Lock()


def resolve_api_key(raw: str, cached: bool = True) -> ApiKey | None:
    """The key record for a raw key, or None, without counting a use (tools, operators).

    Cached for a minute per container unless ``cached`` is False.
    """
    digest = hash_key(raw)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(digest)
    if cached and hit and hit[0] > now:
        return hit[1]
    item: dict[str, Any] | None = table().get_item(Key={"pk": f"APIKEY#{digest}", "sk": "APIKEY"}).get("Item")
    key = _key_of(item) if item else None
    with _lock:
        _cache[digest] = (now + CACHE_SECONDS, key)
    return key


def clear_cache() -> None:
    """Forget cached keys and account limits (tests)."""
    with _lock:
        _cache.clear()
        _limits.clear()
