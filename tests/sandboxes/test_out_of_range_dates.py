"""Sandboxes answer times that leave years 1..9999 once converted to UTC as their provider answers an
unusable time (a 400 in its own error format), never an OverflowError 500 (issue 18, item 3). Aptura
itself refuses input outside 1900-2200 before calling any provider (tests/api/test_hostile_bodies.py);
this is for callers of the sandboxes themselves. Mindbody: tests/sandboxes/test_mindbody.py."""

from __future__ import annotations

import pytest

from sandboxes.digitalbooker import app as digitalbooker
from sandboxes.smoothschedule import app as smoothschedule
from sandboxes.square import app as square

# Valid ISO 8601 text whose UTC instant is before year 1 or after year 9999.
EDGES = ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"]


@pytest.mark.parametrize("value", EDGES)
def test_square_answers_invalid_time(value: str) -> None:
    with pytest.raises(square.SquareError) as refused:
        square.parse_time(value, "start_at_range.start_at")
    assert refused.value.status == 400 and refused.value.code == "INVALID_TIME"


@pytest.mark.parametrize("value", EDGES)
def test_smoothschedule_answers_a_validation_error(value: str) -> None:
    with pytest.raises(smoothschedule.ApiError) as refused:
        smoothschedule._parse_datetime(value, "start")
    assert refused.value.status == 400 and refused.value.error == "validation_error"


@pytest.mark.parametrize("value", [*EDGES, "0001-01-01 00:30:00"])  # local Helsinki time is ahead of UTC
def test_digitalbooker_answers_invalid_parameter(value: str) -> None:
    with pytest.raises(digitalbooker.ApiError) as refused:
        digitalbooker._as_datetime(value, "start")
    assert refused.value.status == 400
