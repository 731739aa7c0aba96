"""Pagination strategies (one small class per ``paginate.type``).

Each strategy drives ``fetch(query_overrides, body_overrides)`` until the provider's
list is exhausted (or ``max_pages``), and returns every item in order.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aptura.engine.http import ProviderResponse
from aptura.errors import ProviderError
from aptura.spec.models import CursorPagination, NextPagination, OffsetPagination, PagePagination
from aptura.spec.template import scalar_text, truthy

Fetch = Callable[[dict[str, str], dict[str, Any]], ProviderResponse]


def _items(spec: Any, response: ProviderResponse) -> list[Any]:
    items = spec._items.search(response.context())
    if items is None:
        return []
    if not isinstance(items, list):
        raise ProviderError("the provider's page was not a list", details={"items": spec.items})
    return items


def _too_many(spec: Any) -> ProviderError:
    return ProviderError(f"the provider's list did not end within {spec.max_pages} pages")


def offset_pages(spec: OffsetPagination, fetch: Fetch, ctx: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    offset = 0
    for _ in range(spec.max_pages):
        response = fetch({spec.limit_param: str(spec.limit), spec.offset_param: str(offset)}, {})
        page = _items(spec, response)
        out.extend(page)
        offset += len(page)
        total = spec._total.search(response.context()) if spec._total is not None else None
        if len(page) < spec.limit or not page or (total is not None and offset >= int(total)):
            return out
    raise _too_many(spec)


def cursor_pages(spec: CursorPagination, fetch: Fetch, ctx: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    cursor: Any = None
    for _ in range(spec.max_pages):
        overrides = {} if cursor is None else {spec.param: cursor}
        if spec.in_ == "query":
            response = fetch({k: scalar_text(v) for k, v in overrides.items()}, {})
        else:
            response = fetch({}, overrides)
        out.extend(_items(spec, response))
        nxt = spec._cursor.search(response.context())
        if not truthy(nxt) or nxt == cursor:
            return out
        cursor = nxt
    raise _too_many(spec)


def page_number_pages(spec: PagePagination, fetch: Fetch, ctx: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    page_no = spec.start
    for _ in range(spec.max_pages):
        query = {spec.page_param: str(page_no)}
        if spec.size_param:
            query[spec.size_param] = str(spec.size)
        response = fetch(query, {})
        page = _items(spec, response)
        out.extend(page)
        if spec._has_more is not None:
            if not truthy(spec._has_more.search(response.context())):
                return out
        elif len(page) < spec.size or not page:
            return out
        page_no += 1
    raise _too_many(spec)


def next_pages(spec: NextPagination, fetch: Fetch, ctx: dict[str, Any]) -> list[Any]:
    out: list[Any] = []
    query: dict[str, str] = {}
    for _ in range(spec.max_pages):
        response = fetch(query, {})
        page = _items(spec, response)
        out.extend(page)
        if not page:
            return out
        nxt = spec._next.render({**ctx, "response": response.context(), "page": page, "query": query})
        if not truthy(nxt):
            return out
        new_query = {k: scalar_text(v) for k, v in nxt.items() if v is not None}
        if new_query == query:
            raise ProviderError("pagination did not advance", details={"query": new_query})
        query = new_query
    raise _too_many(spec)


STRATEGIES: dict[type, Callable[..., list[Any]]] = {
    OffsetPagination: offset_pages,
    CursorPagination: cursor_pages,
    PagePagination: page_number_pages,
    NextPagination: next_pages,
}


def paginate(spec: Any, fetch: Fetch, ctx: dict[str, Any]) -> list[Any]:
    """Fetch every page per ``spec`` and return all items."""
    return STRATEGIES[type(spec)](spec, fetch, ctx)
