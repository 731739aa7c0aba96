"""List conventions shared by every list endpoint: filters, ordering, limit and cursors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from aptura.api import listing
from aptura.api.routes.appointments import local_window
from aptura.errors import ValidationError

SERVICES = [
    {"id": "3", "name": "Beard trim", "durationMinutes": 20, "price": {"amount": 1500, "currency": "USD"}},
    {"id": "1", "name": "Haircut", "durationMinutes": 60, "price": {"amount": 4500, "currency": "USD"}},
    {"id": "2", "name": "haircut deluxe", "durationMinutes": 90, "price": None},
    {"id": "4", "name": "Colour", "durationMinutes": 120, "price": {"amount": 12000, "currency": "USD"}},
]


def respond(items: list[dict], conditions: list, ordering: str = "name", limit: int = 50,
            cursor: str | None = None, query: dict | None = None) -> dict:
    return listing.respond(items, conditions=conditions, ordering=ordering,
                           fields={"name": "name", "price": "price.amount", "duration": "durationMinutes"},
                           limit=limit, cursor=cursor, query=query or {}, include_raw=False)


def ids(result: dict) -> list[str]:
    return [i["id"] for i in result["data"]]


def test_comparisons_and_search_and_exact_name() -> None:
    under = listing.comparisons("price.amount", {"__lt": 5000})
    assert ids(respond(SERVICES, under)) == ["3", "1"]  # a service without a price never matches a price filter
    between = listing.comparisons("durationMinutes", {"__gte": 60, "__lte": 90})
    assert ids(respond(SERVICES, between)) == ["1", "2"]
    assert ids(respond(SERVICES, listing.comparisons("durationMinutes", {"": 20}))) == ["3"]
    assert ids(respond(SERVICES, [listing.search(["name"], "HAIR")])) == ["1", "2"]
    assert ids(respond(SERVICES, [listing.equals("name", "haircut")])) == ["1"]


def test_ordering_is_case_blind_descending_with_missing_values_last() -> None:
    assert ids(respond(SERVICES, [], "name")) == ["3", "4", "1", "2"]
    assert ids(respond(SERVICES, [], "-price")) == ["4", "1", "3", "2"]
    assert ids(respond(SERVICES, [], "price")) == ["3", "1", "4", "2"]


def test_cursor_walks_every_item_once_and_is_bound_to_its_query() -> None:
    query = {"ordering": "name"}
    seen, cursor = [], None
    for _ in range(4):
        result = respond(SERVICES, [], limit=3, cursor=cursor, query={**query, "cursor": cursor})
        seen += ids(result)
        cursor = result["next_cursor"]
        if cursor is None:
            break
    assert seen == ["3", "4", "1", "2"]
    first = respond(SERVICES, [], limit=1, query=query)
    with pytest.raises(ValidationError, match="different query"):
        respond(SERVICES, [], limit=1, cursor=first["next_cursor"], query={"ordering": "-name"})
    with pytest.raises(ValidationError, match="invalid cursor"):
        respond(SERVICES, [], cursor="not-a-cursor", query=query)


def test_native_filters_trust_items_without_the_field() -> None:
    staff: list[dict[str, Any]] = [{"id": "a", "serviceIds": ["1"]}, {"id": "b", "serviceIds": None},
                                   {"id": "c", "serviceIds": ["2"]}]
    assert ids(respond(staff, [listing.contains("serviceIds", "1")], "name")) == ["a"]
    assert ids(respond(staff, [listing.contains("serviceIds", "1", native=True)], "name")) == ["a", "b"]


def test_raw_is_only_shown_when_asked_for() -> None:
    item = {"id": "1", "raw": {"Id": 1}}
    assert listing.present(item, include_raw=False) == {"id": "1"}
    assert listing.present(item, include_raw=True) == item


def test_appointment_windows_cover_every_zone_and_are_bounded() -> None:
    today = date(2027, 1, 4)
    assert local_window(None, None, None, None, today) == (today, date(2027, 2, 3))
    assert local_window(date(2027, 1, 10), date(2027, 1, 12), None, None, today) == (date(2027, 1, 10),
                                                                                   date(2027, 1, 12))
    # 02:00Z may still be the previous day west of UTC; 23:00Z already the next day east of it
    start, end = datetime(2027, 1, 10, 2, tzinfo=UTC), datetime(2027, 1, 12, 23, tzinfo=UTC)
    assert local_window(None, None, start, end, today) == (date(2027, 1, 9), date(2027, 1, 13))
    assert local_window(None, date(2027, 3, 1), None, None, today) == (date(2027, 1, 30), date(2027, 3, 1))
    with pytest.raises(ValidationError, match="before the start"):
        local_window(date(2027, 1, 12), date(2027, 1, 10), None, None, today)
    with pytest.raises(ValidationError, match="longer than"):
        local_window(date(2027, 1, 1), date(2027, 6, 1), None, None, today)
