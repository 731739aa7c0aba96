"""The changes feed (``sources.changes`` in a spec), here SuperSaaS's ``/api/changes/<schedule_id>.json?from=``:
the first poll scans the window for the snapshots and starts the connection's cursor at that poll's time; later
polls read only the feed from the cursor (no window list), and the cursor moves only after the changes it
covers are claimed and emitted.

The SuperSaaS connection, endpoint and baseline of tests/unit/test_poller.py.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from aptura import events
from aptura.store import snapshots
from tests.conformance.conftest import PINNED_NOW
from tests.unit.test_poller import DEMO, PROVIDER, Setup, front_desk, in_window, setup  # noqa: F401 - fixture
from tests.unit.test_poller_at_least_once import Killed, kill_on_call

STARTED_AT = PINNED_NOW.replace("T", " ").removesuffix("Z")  # the first poll's time, in the feed's format


@pytest.fixture()
def sandbox(sandboxes: Any) -> str:
    return f"{sandboxes.url}/{PROVIDER}/_sandbox"


LATER = "2027-01-04T01:00:00Z"  # when the front desk makes its changes: after the cursor's second


def provider_paths(sandbox: str, after: int = 0) -> list[str]:
    """The paths of the provider requests logged after the ``after`` first ones."""
    return [r["path"] for r in httpx.get(f"{sandbox}/requests").json()][after:]


def front_desk_later(sandbox: str) -> None:
    httpx.post(f"{sandbox}/clock", json={"now": LATER}).raise_for_status()


def cursor(state: Setup) -> str | None:
    return snapshots.cursor(state.record.account_id, state.connection_id)


def test_the_first_poll_scans_the_window_and_starts_the_cursor_there(setup: Setup) -> None:  # noqa: F811
    assert cursor(setup) == STARTED_AT  # the baseline poll of the fixture
    assert snapshots.load(setup.record.account_id, setup.connection_id)  # what later changes are diffed against


def test_later_polls_read_only_the_feed_and_move_the_cursor_past_what_they_reported(
        setup: Setup, sandbox: str) -> None:  # noqa: F811 - the fixture
    target = in_window()[0]
    front_desk_later(sandbox)
    front_desk().run("appointments.cancel", {"id": target["id"]})
    logged = len(provider_paths(sandbox))
    result = setup.poll()
    paths = provider_paths(sandbox, logged)
    changes_path = f"/api/changes/{DEMO['config']['schedule_id']}.json"
    assert changes_path in paths and not any("/api/range/" in p for p in paths), paths
    [event] = setup.new_events()
    assert [e["id"] for e in result.events] == [event["id"]]
    assert event["type"] == "appointment.cancelled" and event["data"]["object"]["id"] == target["id"]
    assert event["data"]["previous"]["status"] == target["status"]  # diffed against the baseline's snapshot
    deleted = next(b for b in httpx.get(f"{sandbox}/state").json()["bookings"] if str(b["id"]) == target["id"])
    assert cursor(setup) == deleted["updated_on"] == LATER.replace("T", " ").removesuffix("Z")  # latest read
    assert setup.poll().events == [] and setup.new_events() == []  # read again (from is inclusive): quiet


def test_no_change_leaves_the_cursor_where_it_was(setup: Setup) -> None:  # noqa: F811 - the fixture
    before = cursor(setup)
    assert setup.poll().events == []
    assert cursor(setup) == before


def test_a_poll_killed_mid_batch_does_not_move_the_cursor_and_the_next_loses_nothing(
        setup: Setup, sandbox: str, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811 - the fixture
    targets = in_window()[:2]
    front_desk_later(sandbox)
    for target in targets:
        front_desk().run("appointments.cancel", {"id": target["id"]})
    before = cursor(setup)
    with monkeypatch.context() as patched, pytest.raises(Killed):
        kill_on_call(patched, events, "emit", 2)
        setup.poll()
    assert cursor(setup) == before  # not advanced past the change that was not emitted
    first = setup.new_events()
    setup.poll()
    again = setup.new_events()
    ids = sorted(e["data"]["object"]["id"] for e in first + again)
    assert ids == sorted(t["id"] for t in targets)  # each once
    assert cursor(setup) != before
