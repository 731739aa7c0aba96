"""Local <-> UTC conversion, including both DST directions east and west of UTC."""

from datetime import UTC, datetime

import pytest

from aptura.engine import timezones as tzs
from aptura.errors import AptError


def utc(local: str, zone: str) -> str:
    """``local_to_utc`` formatted, for a local time that exists."""
    value = tzs.local_to_utc(local, zone)
    assert value is not None, f"{local} does not exist in {zone}"
    return tzs.format_utc(value)


def test_naive_local_time_converts_with_the_zone() -> None:
    assert utc("2027-01-05T09:00:00", "America/New_York") == "2027-01-05T14:00:00Z"
    assert utc("2027-07-05 09:00:00", "America/New_York") == "2027-07-05T13:00:00Z"
    assert utc("2027-07-05T09:00", "Europe/Helsinki") == "2027-07-05T06:00:00Z"


def test_values_with_offset_ignore_the_zone() -> None:
    assert utc("2027-01-05T09:00:00+02:00", "America/New_York") == "2027-01-05T07:00:00Z"
    assert utc("2027-01-05T09:00:00Z", "Asia/Tokyo") == "2027-01-05T09:00:00Z"


@pytest.mark.parametrize(
    "local,zone",
    [("2027-03-14T02:30:00", "America/New_York"), ("2027-03-28T03:30:00", "Europe/Helsinki"),
     ("2027-10-03T02:15:00", "Australia/Sydney")],
)
def test_nonexistent_local_time_is_none(local: str, zone: str) -> None:
    assert tzs.local_to_utc(local, zone) is None


def test_ambiguous_local_time_means_the_first_occurrence() -> None:
    # New York falls back at 02:00 EDT on 2027-11-07: 01:30 happens at 05:30Z and 06:30Z.
    assert utc("2027-11-07T01:30:00", "America/New_York") == "2027-11-07T05:30:00Z"


def test_utc_to_local_refuses_the_second_occurrence() -> None:
    assert tzs.utc_to_local("2027-11-07T05:30:00Z", "America/New_York") == datetime(2027, 11, 7, 1, 30)
    with pytest.raises(AptError) as info:
        tzs.utc_to_local("2027-11-07T06:30:00Z", "America/New_York")
    assert info.value.status == 422


def test_utc_to_local_requires_an_offset() -> None:
    with pytest.raises(AptError) as info:
        tzs.utc_to_local("2027-01-05T09:00:00", "UTC")
    assert info.value.code == "validation_error"


def test_unknown_zone_is_a_clear_error() -> None:
    with pytest.raises(AptError, match="unknown time zone"):
        tzs.local_to_utc("2027-01-05T09:00:00", "Mars/Olympus")


def test_slot_starts_skip_the_spring_gap_and_keep_real_lengths() -> None:
    starts = tzs.slot_starts("2027-03-14T01:00:00", "2027-03-14T04:00:00", 30, 60, "America/New_York")
    # 02:00 and 02:30 do not exist; 03:30 EDT + 60 real minutes ends after 04:00 EDT.
    assert [tzs.format_utc(s) for s in starts] == [
        "2027-03-14T06:00:00Z", "2027-03-14T06:30:00Z", "2027-03-14T07:00:00Z"]


def test_slot_starts_in_the_fall_fold_are_unique() -> None:
    starts = tzs.slot_starts("2027-11-07T00:30:00", "2027-11-07T02:00:00", 30, 30, "America/New_York")
    texts = [tzs.format_utc(s) for s in starts]
    assert texts == ["2027-11-07T04:30:00Z", "2027-11-07T05:00:00Z", "2027-11-07T05:30:00Z"]
    assert len(set(texts)) == len(texts)


def test_slot_starts_with_zero_length_include_the_last_start() -> None:
    starts = tzs.slot_starts("2027-01-05T09:00:00", "2027-01-05T10:00:00", 15, 0, "UTC")
    assert len(starts) == 5


def test_outbound_times_zero_pad_years_before_1000() -> None:
    # strftime("%Y") gives "999" on Linux, which no provider or client would parse.
    assert tzs.format_utc(datetime(999, 1, 2, 3, 4, 5, 678, tzinfo=UTC)) == "0999-01-02T03:04:05Z"
    assert tzs.format_utc(datetime(2027, 1, 5, 9, 0, tzinfo=UTC)) == "2027-01-05T09:00:00Z"
    assert tzs.format_local(datetime(45, 6, 7, 8, 9, 10, 11)) == "0045-06-07T08:09:10"
