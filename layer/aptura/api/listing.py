"""Lists, one way for every provider: filters, ordering, ``limit`` and an opaque cursor.

A spec's list operation returns every match (following the provider's pages). Aptura
then applies the caller's filters, even those the spec already passed to the provider
(re-applying one is harmless and keeps a spec that ignores it correct), orders the
result with the item id as a tie-breaker, and cuts the page. The cursor is the offset
into that ordered list, bound to the query it came from.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from aptura.errors import ProviderError, ValidationError

MAX_LIMIT = 100
DEFAULT_LIMIT = 50
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "": lambda a, b: a == b,
    "__lt": lambda a, b: a < b,
    "__lte": lambda a, b: a <= b,
    "__gt": lambda a, b: a > b,
    "__gte": lambda a, b: a >= b,
}


def value_at(item: Mapping[str, Any], path: str) -> Any:
    """``item["a"]["b"]`` for ``"a.b"``; None when any part is missing."""
    value: Any = item
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


@dataclass(frozen=True)
class Condition:
    """One filter over the unified objects.

    ``native`` marks a filter the provider applied itself: an item whose field is
    missing then passes, because the provider vouched for it.
    """

    path: str
    test: Callable[[Any], bool]
    native: bool = False

    def __call__(self, item: Mapping[str, Any]) -> bool:
        value = value_at(item, self.path)
        if value is None:
            return self.native
        return self.test(value)


def equals(path: str, expected: str, *, native: bool = False) -> Condition:
    """Exact match, ignoring case (ids and e-mails are compared as text)."""
    folded = expected.casefold()
    return Condition(path, lambda v: str(v).casefold() == folded, native)


def contains(path: str, expected: str, *, native: bool = False) -> Condition:
    """``expected`` is one of a list field's values (e.g. a staff member's serviceIds)."""
    return Condition(path, lambda v: isinstance(v, list) and expected in [str(x) for x in v], native)


def search(paths: Iterable[str], term: str) -> Callable[[Mapping[str, Any]], bool]:
    """Case-insensitive partial match on any of ``paths`` (or on them joined, for full names)."""
    folded = term.casefold()
    fields = list(paths)

    def test(item: Mapping[str, Any]) -> bool:
        values = [str(v) for v in (value_at(item, p) for p in fields) if v is not None]
        return any(folded in v.casefold() for v in [*values, " ".join(values)])

    return test


def comparisons(path: str, values: Mapping[str, float | None]) -> list[Condition]:
    """Conditions for ``name``, ``name__lt`` ... given ``{"": 10, "__lt": None, ...}``."""
    def check(compare: Callable[[Any, Any], bool], bound: float) -> Callable[[Any], bool]:
        return lambda v: isinstance(v, (int, float)) and compare(v, bound)

    return [Condition(path, check(COMPARISONS[suffix], bound)) for suffix, bound in values.items() if bound is not None]


def order(items: list[dict[str, Any]], ordering: str, fields: Mapping[str, str]) -> list[dict[str, Any]]:
    """Sort by the public field name ``ordering`` (``-`` for descending); missing values last, ids break ties."""
    descending = ordering.startswith("-")
    path = fields[ordering.lstrip("-")]
    present = [i for i in items if value_at(i, path) is not None]
    missing = [i for i in items if value_at(i, path) is None]

    def key(item: dict[str, Any]) -> tuple[Any, str]:
        value = value_at(item, path)
        return (value.casefold() if isinstance(value, str) else value, str(item.get("id")))

    present.sort(key=key, reverse=descending)
    missing.sort(key=lambda i: str(i.get("id")))
    return present + missing


def fingerprint(query: Mapping[str, Any]) -> str:
    """What a cursor is bound to: the query without ``cursor`` and ``limit``."""
    stable = {k: str(v) for k, v in query.items() if k not in ("cursor", "limit") and v is not None}
    return hashlib.sha256(json.dumps(stable, sort_keys=True).encode()).hexdigest()[:16]


def encode_cursor(offset: int, bound_to: str) -> str:
    raw = json.dumps({"o": offset, "q": bound_to}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, bound_to: str) -> int:
    """The offset in ``cursor``; 400 when it is malformed or from a different query."""
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset, query = data["o"], data["q"]
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        raise ValidationError("invalid cursor", details={"cursor": ["not a cursor this API issued"]}) from exc
    if not isinstance(offset, int) or offset < 0:
        raise ValidationError("invalid cursor", details={"cursor": ["not a cursor this API issued"]})
    if query != bound_to:
        raise ValidationError("the cursor belongs to a different query",
                              details={"cursor": ["repeat the query's filters and ordering unchanged"]})
    return offset


def page(items: list[dict[str, Any]], limit: int, cursor: str | None, bound_to: str) -> dict[str, Any]:
    """``{"data": [...], "next_cursor": ...}`` for the page of ``items`` the cursor points at."""
    start = decode_cursor(cursor, bound_to) if cursor else 0
    chunk = items[start:start + limit]
    more = start + limit < len(items)
    return {"data": chunk, "next_cursor": encode_cursor(start + limit, bound_to) if more else None}


def unify(items: Any, model: type[BaseModel], extra: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
    """Validate a spec's list output against the unified ``model`` (a misfit is a 502, never half an object)."""
    if items is None:
        return []
    if not isinstance(items, list):
        raise ProviderError("the provider's list could not be mapped")
    return [model.model_validate({**item, **(extra or {})}).model_dump(mode="json") for item in items]


def present(item: dict[str, Any], include_raw: bool) -> dict[str, Any]:
    """The object as the caller sees it: ``raw`` only when asked for."""
    if include_raw:
        return item
    return {k: v for k, v in item.items() if k != "raw"}


def respond(
    items: list[dict[str, Any]],
    *,
    conditions: Iterable[Callable[[Mapping[str, Any]], bool]],
    ordering: str,
    fields: Mapping[str, str],
    limit: int,
    cursor: str | None,
    query: Mapping[str, Any],
    include_raw: bool,
) -> dict[str, Any]:
    """Filter, order and page unified ``items``: the body of every list endpoint."""
    tests = list(conditions)
    kept = [item for item in items if all(test(item) for test in tests)]
    result = page(order(kept, ordering, fields), limit, cursor, fingerprint(query))
    result["data"] = [present(item, include_raw) for item in result["data"]]
    return result
