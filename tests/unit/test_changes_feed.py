"""The changes feed (``sources.changes`` in a spec), SuperSaaS's ``/api/changes/<schedule_id>.json?from=`` and
DigitalBooker's ``GET /bookings?changed_since=`` (with its deleted list):
the first poll scans the window for the snapshots and starts the connection's cursor at that poll's time; later
polls read only the feed from the cursor (no window list), and the cursor moves only after the changes it
covers are claimed and emitted.

The SuperSaaS connection, endpoint and baseline of tests/unit/test_poller.py; a DigitalBooker one made alike.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from aptura import events, poller
from aptura.engine.runner import Connection, Runner
from aptura.spec.loader import load_spec
from aptura.store import snapshots
from tests.conformance.conftest import PINNED_NOW, demo_of, fresh_sandbox
from tests.support import auth_headers, invoke
from tests.unit.test_poller import DEMO, NOW, PROVIDER, Setup, front_desk, in_window, setup  # noqa: F401 - fixture
from tests.unit.test_poller_at_least_once import Killed, kill_on_call
from tests.webhook_receiver import receiver

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


@pytest.fixture()
def digitalbooker(moto_aws: None, sandboxes: Any) -> Iterator[tuple[Setup, str]]:
    """A DigitalBooker connection (its spec reads GET /bookings?changed_since=), an endpoint, a baseline."""
    from aptura.store.connections import create_connection
    from aptura.store.keys import create_api_key

    admin = f"{sandboxes.url}/digitalbooker/_sandbox"
    fresh_sandbox(admin)
    demo = demo_of("digitalbooker")
    raw, key = create_api_key("acct_changes", "test")
    record = create_connection(key.account_id, "digitalbooker", "test", demo["config"], demo["credentials"])
    with receiver() as hook:
        made = invoke("POST", "/v1/webhook-endpoints", headers=auth_headers(raw, None),
                      json_body={"url": hook.url, "event_types": ["*"]})
        assert made.status == 201, made
        state = Setup(raw, record, hook, made.body["secret"])
        assert state.poll().status == "baseline"
        yield state, admin
    httpx.post(f"{admin}/reset").raise_for_status()


def test_digitalbooker_changes_come_from_changed_since_and_its_deleted_list(
        digitalbooker: tuple[Setup, str]) -> None:
    state, admin = digitalbooker
    assert cursor(state) == PINNED_NOW
    demo = demo_of("digitalbooker")
    desk = Runner(load_spec("digitalbooker"), Connection("conn_front_desk", "digitalbooker", "test",
                                                         demo["config"], demo["credentials"]))
    first, last = poller.window(NOW)
    listed = desk.run("appointments.list", {"startDate": first, "endDate": last})
    moved, cancelled = [a for a in listed if a["status"] != "cancelled" and a["startTime"] > PINNED_NOW][:2]
    desk.run("appointments.cancel", {"id": cancelled["id"]})
    desk.run("appointments.update", {"id": moved["id"], "notes": "Changed at the front desk"})
    logged = len(provider_paths(admin))
    state.poll()
    paths = provider_paths(admin, logged)
    assert any(p.endswith("/api/admin/bookings/deleted") for p in paths), paths
    got = {e["data"]["object"]["id"]: e for e in state.new_events()}
    assert got[cancelled["id"]]["type"] == "appointment.cancelled"
    assert got[cancelled["id"]]["data"]["previous"]["status"] == cancelled["status"]
    assert got[moved["id"]]["type"] == "appointment.updated"
    assert got[moved["id"]]["data"]["object"]["notes"] == "Changed at the front desk"
    assert set(got) == {cancelled["id"], moved["id"]}
    assert cursor(state) == "2027-01-03T23:58:00Z"  # the poll's time less the overlap
    assert state.poll().events == [] and state.new_events() == []  # the overlap read again: quiet
