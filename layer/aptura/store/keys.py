"""API keys: generated once, stored only as a SHA-256 hash, resolved with a short cache."""

from __future__ import annotations

import hashlib
import secrets as pysecrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aptura.store.db import table

MODES = ("test", "live")
ALL_SCOPES = (
    "availability:read",
    "bookings:read",
    "bookings:write",
    "catalog:read",
    "clients:read",
    "clients:write",
    "connections:manage",
    "keys:manage",
)
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class ApiKey:
    """A resolved API key (never holds the key itself)."""

    key_id: str
    account_id: str
    mode: str
    scopes: tuple[str, ...] = field(default=ALL_SCOPES)
    prefix: str = ""


def hash_key(raw: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(raw.encode()).hexdigest()


def mode_of(raw: str) -> str | None:
    """``test``/``live`` from the key prefix, or None for a malformed key."""
    for mode in MODES:
        if raw.startswith(f"apt_{mode}_") and len(raw) > len(f"apt_{mode}_") + 8:
            return mode
    return None


def create_api_key(account_id: str, mode: str, scopes: tuple[str, ...] = ALL_SCOPES, raw: str | None = None
                   ) -> tuple[str, ApiKey]:
    """Create and store a key; returns the raw key (shown once) and its record."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    raw = raw or f"apt_{mode}_{pysecrets.token_urlsafe(24)}"
    if mode_of(raw) != mode:
        raise ValueError("key does not match its mode")
    key = ApiKey(f"key_{pysecrets.token_hex(8)}", account_id, mode, tuple(scopes), raw[:13])
    table().put_item(Item={
        "pk": f"APIKEY#{hash_key(raw)}", "sk": "APIKEY", "key_id": key.key_id, "account_id": account_id,
        "mode": mode, "scopes": list(key.scopes), "prefix": key.prefix,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    })
    return raw, key


_cache: dict[str, tuple[float, ApiKey | None]] = {}
_lock = threading.Lock()


def resolve_api_key(raw: str) -> ApiKey | None:
    """The key record for a raw key, or None. Cached for a minute per container."""
    digest = hash_key(raw)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(digest)
    if hit and hit[0] > now:
        return hit[1]
    item: dict[str, Any] | None = table().get_item(Key={"pk": f"APIKEY#{digest}", "sk": "APIKEY"}).get("Item")
    key = None
    if item and not item.get("revoked"):
        key = ApiKey(item["key_id"], item["account_id"], item["mode"], tuple(item.get("scopes", ())),
                     item.get("prefix", ""))
    with _lock:
        _cache[digest] = (now + CACHE_SECONDS, key)
    return key


def clear_cache() -> None:
    with _lock:
        _cache.clear()
