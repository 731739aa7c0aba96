"""Every custom JMESPath function, through real expressions."""

import hashlib

import jmespath
import pytest

from aptura.engine.functions import OPTIONS, function_names
from aptura.errors import AptError


def run(expr: str, data: object = None) -> object:
    return jmespath.search(expr, data or {}, options=OPTIONS)


def test_time_functions() -> None:
    assert run("to_utc('2027-01-05T09:00:00', 'America/New_York')") == "2027-01-05T14:00:00Z"
    assert run("to_utc(`null`, 'UTC')") is None
    assert run("to_local('2027-01-05T14:00:00Z', 'America/New_York')") == "2027-01-05T09:00:00"
    assert run("format_local('2027-01-05T14:00:00Z', 'America/New_York', '%Y-%m-%d %H:%M')") == "2027-01-05 09:00"
    assert run("format_time('2027-01-05T09:05:00', '%H%M')") == "0905"
    assert run("local_date('2027-01-06T02:00:00Z', 'America/New_York')") == "2027-01-05"
    assert run("add_minutes('2027-01-05T14:00:00Z', `90`)") == "2027-01-05T15:30:00Z"
    assert run("add_minutes('2027-01-05T09:00:00', '30')") == "2027-01-05T09:30:00"
    assert run("minutes_between('2027-01-05T09:00:00', '2027-01-05T10:15:00')") == 75
    assert run("combine('2027-01-05', `930`)") == "2027-01-05T09:30:00"
    assert run("combine('2027-01-05', '14:05')") == "2027-01-05T14:05:00"
    assert run("hhmm('2027-01-05T14:05:00')") == 1405
    assert run("length(now_utc())") == 20


def test_slot_starts_and_date_helpers() -> None:
    assert run("slot_starts('2027-01-05T09:00:00', '2027-01-05T10:00:00', `30`, `30`, 'UTC')") == [
        "2027-01-05T09:00:00Z", "2027-01-05T09:30:00Z"]
    assert run("date_range('2027-01-30', '2027-02-02')") == ["2027-01-30", "2027-01-31", "2027-02-01", "2027-02-02"]
    assert run("date_chunks('2027-01-01', '2027-02-10', `32`)") == [
        {"start": "2027-01-01", "end": "2027-02-01"}, {"start": "2027-02-02", "end": "2027-02-10"}]
    with pytest.raises(AptError):
        run("date_range('2020-01-01', '2027-01-01')")


def test_arithmetic() -> None:
    assert run("add(`1`, `2`)") == 3
    assert run("sub('10', `4`)") == 6
    assert run("mul(`2`, `2.5`)") == 5
    assert run("div(`3600000`, `60000`)") == 60
    with pytest.raises(AptError):
        run("div(`1`, `0`)")


def test_minor_units_follow_the_currency_exponent() -> None:
    assert run("minor_units('45.00', 'USD')") == 4500
    assert run("minor_units(`19.995`, 'EUR')") == 2000  # half-up, no float drift
    assert run("minor_units('1000', 'JPY')") == 1000
    assert run("minor_units('1.234', 'kwd')") == 1234
    assert run("minor_units(`null`, 'USD')") is None
    with pytest.raises(AptError):
        run("minor_units('free', 'USD')")


def test_strings_and_hashes() -> None:
    assert run("md5('ab')") == hashlib.md5(b"ab").hexdigest()
    assert run("sha256('ab')") == hashlib.sha256(b"ab").hexdigest()
    assert len(str(run("hmac_sha256('k', 'm')"))) == 64
    assert run("base64('user:pw')") == "dXNlcjpwdw=="
    assert str(run("hmac_sha256_base64('k', 'm')")).endswith("=")
    assert run("uuid5('x')") == run("uuid5('x')") != run("uuid5('y')")
    assert run("re_find('https://x/api/bookings/123.json', 'bookings/([0-9]+)')") == "123"
    assert run("re_find('abc', '[0-9]+')") is None
    assert run("split('a,b', ',')") == ["a", "b"]
    assert run("lower('AbC')") == "abc" and run("upper('AbC')") == "ABC"


def test_objects_and_arrays() -> None:
    data = {"m": {"Booked": "confirmed"}, "xs": [{"id": 1, "n": "a"}, {"id": 2, "n": "b"}, None]}
    assert run("get(m, 'Booked')", data) == "confirmed"
    assert run("get(m, 'Nope')", data) is None
    assert run("find_by(xs, 'id', '2').n", data) == "b"
    assert run("find_by(xs, 'id', `3`)", data) is None
    assert run("length(compact(xs))", data) == 2


def test_every_function_is_documented() -> None:
    doc = open("docs/spec-reference.md", encoding="utf-8").read()
    missing = [name for name in function_names() if f"`{name}(" not in doc]
    assert not missing, f"undocumented functions: {missing}"


def test_epoch_week_duration_and_keyed_hmac() -> None:
    import base64
    import hmac as hmac_mod

    assert run("epoch_seconds('1970-01-02T00:00:00Z')") == 86400
    assert abs(run("now_epoch()") - __import__("time").time()) < 5
    with pytest.raises(AptError):
        run("epoch_seconds('2027-01-01T00:00:00')")
    assert run("weekday('2027-01-10')") == 7 and run("weekday('2027-01-11')") == 1
    assert run("week_start('2027-01-14')") == "2027-01-11" and run("week_start('2027-01-11')") == "2027-01-11"
    assert run("duration_minutes('01:30')") == 90 and run("duration_minutes(`45`)") == 45
    with pytest.raises(AptError):
        run("duration_minutes('90 min')")
    key = base64.b64encode(b"\x01\x02secret").decode()
    expected = base64.b64encode(hmac_mod.new(b"\x01\x02secret", b"msg", "sha256").digest()).decode()
    assert run(f"hmac_sha256_b64key('{key}', 'msg')") == expected
    with pytest.raises(AptError):
        run("hmac_sha256_b64key('not base64!', 'msg')")


def test_tags_keep_a_reference_in_free_text() -> None:
    assert run("tag(n, 'aptura', r)", {"n": "Window seat", "r": "aptref_1"}) == "Window seat [aptura:aptref_1]"
    assert run("tag(`null`, 'aptura', 'aptref_1')") == "[aptura:aptref_1]"
    assert run("tag('x [aptura:old]', 'aptura', 'new')") == "x [aptura:new]"  # one tag, the latest
    assert run("tag('x', 'aptura', `null`)") == "x"
    assert run("tag_value('x [aptura:aptref_9] y', 'aptura')") == "aptref_9"
    assert run("tag_value('x [other:aptref_9]', 'aptura')") is None
    assert run("tag_value(`null`, 'aptura')") is None
    assert run("untag('Window seat [aptura:aptref_9]', 'aptura')") == "Window seat"
    assert run("untag('[aptura:aptref_9]', 'aptura')") is None
    assert run("untag('no tag here', 'aptura')") == "no tag here"
    with pytest.raises(AptError):
        run("tag('x', 'aptura', 'has space]')")
    # retag(new, old, name): the caller's new text, keeping the old text's tag.
    assert run("retag('Aisle', 'Window [aptura:aptref_9]', 'aptura')") == "Aisle [aptura:aptref_9]"
    assert run("retag('', 'Window [aptura:aptref_9]', 'aptura')") == "[aptura:aptref_9]"
    assert run("retag('', 'Window', 'aptura')") == ""  # clearing untagged notes still clears them
    assert run("retag('Aisle', `null`, 'aptura')") == "Aisle"
    assert run("retag(`null`, 'Window [aptura:aptref_9]', 'aptura')") is None  # no change asked
