"""API keys: generated once, stored only as a SHA-256 hash; used, counted and revoked in DynamoDB.

Items (tenant isolation is in the keys):

- ``APIKEY#<sha256>`` / ``APIKEY``: the key (account, mode, scopes) plus its usage: the current
  hour ``rl_hour``, ``hour_count``, a counter per minute of that hour (``m00``..``m59``), ``last_used_at``.
- ``ACCOUNT#<id>`` / ``APIKEY#<key_id>``: the account's listing entry (prefix, scopes, the hash).
- ``ACCOUNT#<id>`` / ``PROFILE``: per-account settings, e.g. ``rate_limits``.
- ``ORIGIN#<origin>`` / ``ORIGIN``: the ids of the publishable keys allowing that browser origin (a string set).
  A CORS preflight carries no key, so this index is how it learns whether SOME key allows its origin.
- ``RATEIP#<account>#<ip>`` / ``RATE``: the per-client-IP counters of an account's publishable keys (the same
  attributes as a key's usage), expiring an hour after their hour ends.
- ``RATEACCT#<account>#<mode>`` / ``RATE``: the account's own counters in that mode, across all its keys, so
  that minting more keys does not multiply the account's limit (same attributes and expiry).
- ``AUTHFAIL#<ip>`` / ``RATE``: failed authentications from a client IP (same attributes and expiry).
- ``ACCOUNT#<id>`` / ``KEYSEQ#<mode>``: bumped by every key creation, so that two concurrent creations
  cannot both pass the cap on active keys (:data:`MAX_ACTIVE_KEYS`).

Two kinds of key: ``secret`` (``apt_test_…``/``apt_live_…``, for servers) and ``publishable``
(``apt_pk_test_…``/``apt_pk_live_…``, safe in a browser): limited to :data:`PUBLISHABLE_SCOPES`, to the
origins it lists and optionally to some connections.

Using a key is ONE conditional UpdateItem on its item: it counts the request, stamps last use,
fails when the key is gone (so a revoked key stops at once, in every container) and returns the
key, so a request needs no read at all.

Off the critical path (:func:`begin_use`): a read-only request whose key this container already
knows (cached for :data:`CACHE_SECONDS` from its last count) is counted in a background thread while
it runs, and the API settles the count before answering, so the answer (refusal, 401 of a revoked
key, ``X-RateLimit-*``) is the one the synchronous count gives. What changes: such a request may
already have called the provider when its count says it is over the limit; the container then counts
the key's next requests synchronously until the window resets, so at most one provider call per
container and window is made beyond a limit. Writes are always counted first.
"""

from __future__ import annotations

import hashlib
import ipaddress
import os
import secrets as pysecrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar, get_args
from urllib.parse import urlsplit

from aptura.engine.timezones import format_utc
from aptura.errors import AptError, ValidationError
from aptura.store.db import table as shared_table

_local = threading.local()


def _table() -> Any:
    """The table; the counting thread has a resource of its own (boto3 resources are per thread)."""
    mine = getattr(_local, "table", None)
    return mine if mine is not None else shared_table()


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
    "webhooks:manage",
]
ALL_SCOPES: tuple[str, ...] = get_args(Scope)
KINDS = ("secret", "publishable")
# What a key anyone can read from a web page may do. ``bookings:write`` here means creating bookings only:
# the API lets a publishable key use exactly the routes of PUBLISHABLE_ROUTES (aptura.api.app).
PUBLISHABLE_SCOPES: tuple[str, ...] = ("availability:read", "catalog:read", "bookings:write")
MAX_ORIGINS = 20
MAX_CONNECTIONS = 100
CACHE_SECONDS = 60.0
DEFAULT_LIMITS = {"per_minute": 100, "per_hour": 1000}
# Per client IP, across an account's publishable keys: one visitor's browser is far below this, a script
# hammering the API from one machine with a key copied off a web page is not.
IP_LIMITS = {"per_minute": 30, "per_hour": 300}
# Failed authentications (missing, malformed, unknown or revoked keys) per client IP: a client with a
# stale key retries far less than this; a script guessing keys or flooding with junk ones is stopped. An
# operator whose clients share one address (a NAT, a test harness sending junk on purpose) raises them.
AUTH_FAILURE_LIMITS = {"per_minute": int(os.environ.get("APTURA_AUTH_FAILURES_PER_MINUTE") or 20),
                       "per_hour": int(os.environ.get("APTURA_AUTH_FAILURES_PER_HOUR") or 300)}
# Active keys per account and mode: enough for one per server, widget and rotation overlap; a bound on
# what a leaked keys:manage key can mint (and on the listing an account's dashboard reads).
MAX_ACTIVE_KEYS = 20
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
    kind: str = "secret"
    allowed_origins: tuple[str, ...] = ()
    connections: tuple[str, ...] = ()  # empty: every connection of the account (in the key's mode)

    @property
    def publishable(self) -> bool:
        return self.kind == "publishable"


def hash_key(raw: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(raw.encode()).hexdigest()


def key_prefix(kind: str, mode: str) -> str:
    """How raw keys of ``kind`` and ``mode`` begin: ``apt_test_``, ``apt_pk_live_``…"""
    return f"apt_pk_{mode}_" if kind == "publishable" else f"apt_{mode}_"


def parse_key(raw: str) -> tuple[str, str] | None:
    """(kind, mode) from the key's prefix, or None for a malformed key."""
    for kind in KINDS:
        for mode in MODES:
            prefix = key_prefix(kind, mode)
            if raw.startswith(prefix) and len(raw) > len(prefix) + 8:
                return kind, mode
    return None


def mode_of(raw: str) -> str | None:
    """``test``/``live`` from the key prefix (secret or publishable), or None for a malformed key."""
    parsed = parse_key(raw)
    return parsed[1] if parsed else None


def kind_of(raw: str) -> str | None:
    """``secret``/``publishable`` from the key prefix, or None for a malformed key."""
    parsed = parse_key(raw)
    return parsed[0] if parsed else None


_LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def normalize_origin(origin: str, mode: str) -> str:
    """``origin`` as browsers send it in ``Origin`` (``scheme://host[:port]``, lower case, no default port),
    or a ValueError saying why it is not one a key of ``mode`` may allow (live: https only; test: https, or
    http on localhost/127.0.0.1/[::1])."""
    text = origin.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{origin!r} is not an origin: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{origin!r} is not an origin: use scheme://host[:port], e.g. https://shop.example.com")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password or "*" in text:
        raise ValueError(f"{origin!r} is not an origin: no path, query, wildcard or credentials, exactly "
                         "scheme://host[:port]")
    host = parts.hostname.lower()
    try:
        if ipaddress.ip_address(host).version == 6:
            host = f"[{host}]"
    except ValueError:
        pass
    if parts.scheme == "http":
        if mode == "live":
            raise ValueError(f"{origin!r}: live keys allow https origins only")
        if host not in _LOCAL_HOSTS:
            raise ValueError(f"{origin!r}: http is allowed only on localhost/127.0.0.1; use https")
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None and port != default else "")


def _publishable_checks(mode: str, scopes: tuple[str, ...], allowed_origins: tuple[str, ...],
                        connections: tuple[str, ...]) -> tuple[str, ...]:
    """The normalized origins of a publishable key, or a ValidationError naming every problem."""
    problems: dict[str, list[str]] = {}
    beyond = [s for s in scopes if s not in PUBLISHABLE_SCOPES]
    if beyond:
        problems["scopes"] = [f"a publishable key may hold only {', '.join(PUBLISHABLE_SCOPES)}; not "
                              f"{', '.join(beyond)}"]
    if not scopes:
        problems.setdefault("scopes", []).append("at least one scope")
    origins: list[str] = []
    for origin in allowed_origins:
        try:
            origins.append(normalize_origin(origin, mode))
        except ValueError as exc:
            problems.setdefault("allowed_origins", []).append(str(exc))
    if not allowed_origins:
        problems["allowed_origins"] = ["a publishable key needs at least one allowed origin"]
    elif len(set(origins)) > MAX_ORIGINS:
        problems.setdefault("allowed_origins", []).append(f"at most {MAX_ORIGINS} origins")
    if len(set(connections)) > MAX_CONNECTIONS:
        problems["connections"] = [f"at most {MAX_CONNECTIONS} connections"]
    if problems:
        raise ValidationError("invalid publishable key", details=problems)
    return tuple(dict.fromkeys(origins))


def create_api_key(account_id: str, mode: str, scopes: tuple[str, ...] = ALL_SCOPES, raw: str | None = None,
                   name: str | None = None, *, kind: str = "secret", allowed_origins: tuple[str, ...] = (),
                   connections: tuple[str, ...] = (), key_id: str | None = None) -> tuple[str, ApiKey]:
    """Create and store a key; returns the raw key (shown once) and its record.

    A ``publishable`` key needs at least one allowed origin, may hold only :data:`PUBLISHABLE_SCOPES`
    (``aptura.errors.ValidationError`` otherwise) and, when ``connections`` is given, may use only those.
    A secret key takes neither origins nor connections. The caller checks that ``connections`` exist.
    ``key_id`` is for fixed seed data only (``make dev``'s demo account); otherwise one is drawn.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    scopes = tuple(dict.fromkeys(scopes))
    if kind == "publishable":
        origins = _publishable_checks(mode, scopes, tuple(allowed_origins), tuple(connections))
    elif allowed_origins or connections:
        raise ValueError("only publishable keys take allowed_origins or connections")
    else:
        origins = ()
    prefix = key_prefix(kind, mode)
    raw = raw or f"{prefix}{pysecrets.token_urlsafe(24)}"
    if parse_key(raw) != (kind, mode):
        raise ValueError("key does not match its kind and mode")
    key = ApiKey(key_id or f"key_{pysecrets.token_hex(8)}", account_id, mode, scopes, raw[:len(prefix) + 4],
                 name or None, format_utc(datetime.now(UTC)), kind, origins, tuple(dict.fromkeys(connections)))
    digest = hash_key(raw)
    shared: dict[str, Any] = {
        "key_id": key.key_id, "account_id": account_id, "mode": mode, "scopes": list(key.scopes),
        "prefix": key.prefix, "created_at": key.created_at, "kind": kind, **({"name": name} if name else {})}
    if kind == "publishable":
        shared["allowed_origins"] = list(key.allowed_origins)
        shared["connections"] = list(key.connections)
    seq_key = {"pk": f"ACCOUNT#{account_id}", "sk": f"KEYSEQ#{mode}"}
    items: list[dict[str, Any]] = [
        {"Put": {"TableName": _table().name, "Item": {"pk": f"APIKEY#{digest}", "sk": "APIKEY", **shared}}},
        {"Put": {"TableName": _table().name,
                 "Item": {"pk": f"ACCOUNT#{account_id}", "sk": f"APIKEY#{key.key_id}", "hash": digest,
                          **shared}}},
    ]
    items += [{"Update": {"TableName": _table().name, "Key": {"pk": f"ORIGIN#{origin}", "sk": "ORIGIN"},
                          "UpdateExpression": "ADD key_ids :id", "ExpressionAttributeValues": {":id": {key.key_id}}}}
              for origin in key.allowed_origins]
    client = _table().meta.client
    for _ in range(5):  # another creation of this account and mode won the race: count again
        seq = int((_table().get_item(Key=seq_key, ConsistentRead=True).get("Item") or {}).get("seq", 0))
        if _active_key_count(account_id, mode) >= MAX_ACTIVE_KEYS:
            raise AptError(f"this account already has {MAX_ACTIVE_KEYS} active {mode} keys: revoke one first",
                           code="conflict", details={"active_keys": MAX_ACTIVE_KEYS, "mode": mode})
        # The creation commits only if no other creation committed since the count above.
        guard = {"Update": {"TableName": _table().name, "Key": seq_key, "UpdateExpression": "SET seq = :next",
                            "ConditionExpression": "attribute_not_exists(seq) OR seq = :seen",
                            "ExpressionAttributeValues": {":next": seq + 1, ":seen": seq}}}
        try:
            client.transact_write_items(TransactItems=[*items, guard])
        except client.exceptions.TransactionCanceledException:
            continue
        return raw, key
    raise AptError("too many API keys are being created at once for this account; try again", code="conflict",
                   retry_after=1)


def _active_key_count(account_id: str, mode: str) -> int:
    """How many keys of ``mode`` the account has (revoked keys are deleted, so every listed key is active)."""
    count, start = 0, None
    while True:
        page = _table().query(KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)", ConsistentRead=True,
                             FilterExpression="#mode = :mode", ExpressionAttributeNames={"#mode": "mode"},
                             ExpressionAttributeValues={":pk": f"ACCOUNT#{account_id}", ":sk": "APIKEY#",
                                                        ":mode": mode}, Select="COUNT",
                             **({"ExclusiveStartKey": start} if start else {}))
        count += int(page["Count"])
        start = page.get("LastEvaluatedKey")
        if not start:
            return count


def origin_allowed_by_some_key(origin: str) -> bool:
    """Whether any publishable key (of any account) allows the browser origin ``origin`` (CORS preflights)."""
    item = _table().get_item(Key={"pk": f"ORIGIN#{origin}", "sk": "ORIGIN"}).get("Item") or {}
    return bool(item.get("key_ids"))


def _key_of(item: dict[str, Any]) -> ApiKey:
    return ApiKey(item["key_id"], item["account_id"], item["mode"], tuple(item.get("scopes", ())),
                  item.get("prefix", ""), item.get("name"), item.get("created_at", ""), item.get("kind", "secret"),
                  tuple(item.get("allowed_origins", ())), tuple(item.get("connections", ())))


@dataclass(frozen=True)
class Usage:
    """The key's rate-limit state after counting this request."""

    limit: int
    remaining: int
    reset: int  # epoch seconds when the binding window ends
    exceeded: bool
    retry_after: int  # seconds until then
    per: str = "api_key"  # whose limit this is: "api_key", "account" or "client_ip"

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


def _count(key: dict[str, str], clock: int, *, existing: bool,
           expires: bool = False) -> tuple[dict[str, Any], str] | None:
    """Count one request in the hour/minute counters of the item ``key``: the item after counting and the
    minute's attribute, or None when ``existing`` and the item is gone (a revoked key)."""
    hour, minute_attr = clock // 3600, _MINUTES[(clock // 60) % 60]
    stamp = format_utc(datetime.fromtimestamp(clock, UTC))
    names = {"#m": minute_attr}
    values: dict[str, Any] = {":now": stamp, ":one": 1, ":hour": hour}
    exists = "attribute_exists(pk) AND " if existing else ""
    expiry = ""
    if expires:  # counters of client IPs are kept only while they can matter
        expiry, values[":expires"] = ", expires_at = :expires", (hour + 2) * 3600
    errors = _table().meta.client.exceptions.ConditionalCheckFailedException
    for _ in range(3):  # a concurrent request may start the new hour between our two tries
        try:
            item = _table().update_item(
                Key=key, UpdateExpression="SET last_used_at = :now ADD hour_count :one, #m :one",
                ConditionExpression=f"{exists}rl_hour = :hour", ExpressionAttributeNames=names,
                ExpressionAttributeValues={k: v for k, v in values.items() if k != ":expires"},
                ReturnValues="ALL_NEW")["Attributes"]
        except errors:
            try:  # a new hour (or the item is gone): restart the counters
                stale = ", ".join(m for m in _MINUTES if m != minute_attr)
                item = _table().update_item(
                    Key=key, UpdateExpression=f"SET rl_hour = :hour, hour_count = :one, #m = :one, "
                                              f"last_used_at = :now{expiry} REMOVE {stale}",
                    ConditionExpression=f"{exists}(attribute_not_exists(rl_hour) OR rl_hour <> :hour)",
                    ExpressionAttributeNames=names, ExpressionAttributeValues=values,
                    ReturnValues="ALL_NEW")["Attributes"]
            except errors:
                if existing and "Item" not in _table().get_item(Key=key, ProjectionExpression="pk"):
                    return None
                continue
        return item, minute_attr
    return None


def use_api_key(raw: str, now: float | None = None) -> tuple[ApiKey, Usage] | None:
    """Count one request on the key and return it with its usage; None when no such key exists."""
    clock = int(now if now is not None else time.time())
    counted = _count({"pk": f"APIKEY#{hash_key(raw)}", "sk": "APIKEY"}, clock, existing=True)
    if counted is None:
        with _lock:
            _cache.pop(hash_key(raw), None)
        return None
    item, minute_attr = counted
    api_key = _key_of(item)
    with _lock:  # a key just counted is known: its next read-only requests are counted concurrently
        _cache[hash_key(raw)] = (time.monotonic() + CACHE_SECONDS, api_key)
    limits = account_limits(api_key.account_id)
    by_key = _usage(item, minute_attr, clock, limits)
    by_account = _use_account(api_key.account_id, api_key.mode, clock, limits)
    # The binding one: an exceeded limit first, else whichever has fewer requests left.
    binding = by_key if by_key.exceeded or (not by_account.exceeded and by_key.remaining <= by_account.remaining) \
        else by_account
    note_exceeded(raw, binding, clock)
    return api_key, binding


_over: dict[str, int] = {}  # key hash -> epoch second until which it is known to be over a limit


def note_exceeded(raw: str, usage: Usage, clock: int) -> None:
    """Remember that ``raw``'s key is over a limit until ``usage`` resets (its requests are then counted
    before they run, so an exhausted key costs no provider calls)."""
    if usage.exceeded:
        with _lock:
            _over[hash_key(raw)] = clock + usage.retry_after


_executor: ThreadPoolExecutor | None = None
_T = TypeVar("_T")


def _counting_thread(own: Any) -> None:
    _local.table = own


def begin_use(raw: str, count: Callable[[], _T], now: float | None = None) -> tuple[ApiKey, Future[_T]] | None:
    """The key of ``raw`` from this container's cache, with ``count`` (which counts the request, e.g.
    :func:`use_api_key`) running in the background; None when the key is not cached or is known to be
    over a limit: the caller counts synchronously then."""
    digest = hash_key(raw)
    clock = now if now is not None else time.time()
    with _lock:
        hit = _cache.get(digest)
        over = _over.get(digest, 0)
    if hit is None or hit[1] is None or hit[0] <= time.monotonic() or over > clock:
        return None
    global _executor
    if _executor is None:
        # One thread: a request's counts run one after the other, overlapping the provider call. Its table
        # resource is made here, on the request's thread (boto3 sessions are not safe to make clients from
        # two threads at once), from the default session (so that session's event hooks apply).
        import boto3

        own = boto3.resource("dynamodb").Table(shared_table().name)
        _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aptura-count",
                                       initializer=_counting_thread, initargs=(own,))
    return hit[1], _executor.submit(count)


def _use_account(account_id: str, mode: str, clock: int, limits: dict[str, int]) -> Usage:
    """Count one request against the account's own counters in ``mode`` (every key of it adds up here)."""
    counted = _count({"pk": f"RATEACCT#{account_id}#{mode}", "sk": "RATE"}, clock, existing=False, expires=True)
    if counted is None:  # three lost races for one hour's counter: the key's own count still applies
        return Usage(limits["per_minute"], limits["per_minute"], clock - clock % 60 + 60, False, 1)
    item, minute_attr = counted
    return replace(_usage(item, minute_attr, clock, limits), per="account")


def record_auth_failure(ip: str, now: float | None = None) -> Usage:
    """Count one failed authentication from the client IP ``ip`` against :data:`AUTH_FAILURE_LIMITS`."""
    clock = int(now if now is not None else time.time())
    counted = _count({"pk": f"AUTHFAIL#{ip}", "sk": "RATE"}, clock, existing=False, expires=True)
    if counted is None:
        return Usage(AUTH_FAILURE_LIMITS["per_minute"], AUTH_FAILURE_LIMITS["per_minute"], clock - clock % 60 + 60,
                     False, 1)
    item, minute_attr = counted
    return _usage(item, minute_attr, clock, AUTH_FAILURE_LIMITS)


def use_client_ip(account_id: str, ip: str, now: float | None = None) -> Usage:
    """Count one publishable-key request of the account from the client IP ``ip`` against :data:`IP_LIMITS`."""
    clock = int(now if now is not None else time.time())
    counted = _count({"pk": f"RATEIP#{account_id}#{ip}", "sk": "RATE"}, clock, existing=False, expires=True)
    if counted is None:  # three lost races for one hour's counter: count nothing rather than refuse
        return Usage(IP_LIMITS["per_minute"], IP_LIMITS["per_minute"], clock - clock % 60 + 60, False, 1)
    item, minute_attr = counted
    return _usage(item, minute_attr, clock, IP_LIMITS)


_limits: dict[str, tuple[float, dict[str, int]]] = {}


def account_limits(account_id: str) -> dict[str, int]:
    """The account's rate limits (defaults unless its profile sets them), cached for a minute."""
    now = time.monotonic()
    with _lock:
        hit = _limits.get(account_id)
    if hit and hit[0] > now:
        return hit[1]
    item = _table().get_item(Key={"pk": f"ACCOUNT#{account_id}", "sk": "PROFILE"}).get("Item") or {}
    configured = item.get("rate_limits") or {}
    limits = {name: int(configured.get(name, default)) for name, default in DEFAULT_LIMITS.items()}
    with _lock:
        _limits[account_id] = (now + CACHE_SECONDS, limits)
    return limits


def set_account_limits(account_id: str, per_minute: int, per_hour: int) -> None:
    """Configure an account's rate limits (operators)."""
    _table().update_item(Key={"pk": f"ACCOUNT#{account_id}", "sk": "PROFILE"},
                        UpdateExpression="SET rate_limits = :limits",
                        ExpressionAttributeValues={":limits": {"per_minute": per_minute, "per_hour": per_hour}})
    with _lock:
        _limits.pop(account_id, None)


def list_api_keys(account_id: str, mode: str) -> list[dict[str, Any]]:
    """The account's keys of ``mode``: id, prefix, scopes, created and last used, kind, allowed origins and
    connections (empty: all) (never the key)."""
    found = _table().query(KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
                          ExpressionAttributeValues={":pk": f"ACCOUNT#{account_id}", ":sk": "APIKEY#"})["Items"]
    entries = [i for i in found if i.get("mode") == mode]
    used: dict[str, Any] = {}
    for start in range(0, len(entries), 100):
        keys = [{"pk": f"APIKEY#{e['hash']}", "sk": "APIKEY"} for e in entries[start:start + 100]]
        got = _table().meta.client.batch_get_item(RequestItems={_table().name: {
            "Keys": keys, "ProjectionExpression": "pk, last_used_at"}})
        for item in got["Responses"].get(_table().name, []):
            used[item["pk"].split("#", 1)[1]] = item.get("last_used_at")
    return [{"id": e["key_id"], "prefix": e["prefix"], "mode": e["mode"], "scopes": list(e.get("scopes", [])),
             "name": e.get("name"), "created_at": e["created_at"], "last_used_at": used.get(e["hash"]),
             "kind": e.get("kind", "secret"), "allowed_origins": list(e.get("allowed_origins", [])),
             "connections": list(e.get("connections", []))}
            for e in sorted(entries, key=lambda e: (e["created_at"], e["key_id"]))]


def revoke_api_key(account_id: str, key_id: str, mode: str) -> dict[str, Any] | None:
    """Delete the key (its use fails from the next request on); None when the account has no such key
    of ``mode``."""
    entry = _table().get_item(Key={"pk": f"ACCOUNT#{account_id}", "sk": f"APIKEY#{key_id}"}).get("Item")
    if entry is None or entry.get("mode") != mode:
        return None
    _table().meta.client.transact_write_items(TransactItems=[
        {"Delete": {"TableName": _table().name, "Key": {"pk": f"APIKEY#{entry['hash']}", "sk": "APIKEY"}}},
        {"Delete": {"TableName": _table().name, "Key": {"pk": f"ACCOUNT#{account_id}", "sk": f"APIKEY#{key_id}"}}},
        *({"Update": {"TableName": _table().name, "Key": {"pk": f"ORIGIN#{origin}", "sk": "ORIGIN"},
                      "UpdateExpression": "DELETE key_ids :id", "ExpressionAttributeValues": {":id": {key_id}}}}
          for origin in entry.get("allowed_origins", [])),
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
    item: dict[str, Any] | None = _table().get_item(Key={"pk": f"APIKEY#{digest}", "sk": "APIKEY"}).get("Item")
    key = _key_of(item) if item else None
    with _lock:
        _cache[digest] = (now + CACHE_SECONDS, key)
    return key


def clear_cache() -> None:
    """Forget cached keys and account limits (tests)."""
    global _executor
    with _lock:
        _cache.clear()
        _limits.clear()
        _over.clear()
        stale, _executor = _executor, None
    if stale is not None:  # its thread's table belongs to the endpoint being left
        stale.shutdown(wait=True)
