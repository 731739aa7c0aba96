"""At-least-once for the change poller: a poller killed mid-batch (here: an exception injected between claiming
a change and emitting it, or between emitting it and settling it) loses no event, and emits one twice only in
the one window no ordering can close (after the emit, before the settle).

The SuperSaaS connection, endpoint and baseline of tests/unit/test_poller.py; changes are made with the
provider's own API.
"""

from __future__ import annotations

from typing import Any

import pytest

from aptura import events
from aptura.store import snapshots
from tests.unit.test_poller import Setup, front_desk, in_window, setup  # noqa: F401 - the fixture


class Killed(BaseException):
    """The process dying: not an Exception, so nothing on the way catches it (as with a Lambda timeout)."""


def kill_on_call(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, call: int) -> list[int]:
    """Make ``module.name`` kill the poller on its ``call``-th call (1-based); earlier calls work."""
    real, calls = getattr(module, name), [0]

    def dying(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == call:
            raise Killed(f"killed in {name}")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, dying)
    return calls


def cancel_two() -> list[dict[str, Any]]:
    targets = in_window()[:2]
    assert len(targets) == 2
    for target in targets:
        front_desk().run("appointments.cancel", {"id": target["id"]})
    return targets


def cancelled_ids(received: list[dict[str, Any]]) -> list[str]:
    return sorted(e["data"]["object"]["id"] for e in received if e["type"] == "appointment.cancelled")


def test_killed_after_claiming_before_emitting_the_next_poll_emits_it_once(
        setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811 - the fixture
    targets = cancel_two()
    with monkeypatch.context() as patched, pytest.raises(Killed):
        kill_on_call(patched, events, "emit", 2)  # the first change goes out, the poller dies on the second
        setup.poll()
    first = setup.new_events()
    assert len(first) == 1
    pending = [s for s in snapshots.load(setup.record.account_id, setup.connection_id).values() if s.pending]
    assert [s.appointment["id"] for s in pending] != [first[0]["data"]["object"]["id"]] and len(pending) == 1

    second = setup.poll()  # the next run: the claimed-but-unsent change, and nothing else
    again = setup.new_events()
    assert [e["id"] for e in second.events] == [e["id"] for e in again]
    assert cancelled_ids(first + again) == sorted(t["id"] for t in targets)  # none lost, none twice
    assert all(s.pending is None for s in snapshots.load(setup.record.account_id, setup.connection_id).values())
    assert setup.poll().events == [] and setup.new_events() == []


def test_killed_after_emitting_before_settling_the_event_is_sent_again_not_lost(
        setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811 - the fixture
    [target] = cancel_two()[:1]
    with monkeypatch.context() as patched, pytest.raises(Killed):
        kill_on_call(patched, snapshots, "settle", 1)
        setup.poll()
    first = setup.new_events()
    setup.poll()
    again = setup.new_events()
    # The one duplicate no ordering avoids (the queue and the table share no transaction): the same change,
    # with the same previous, so a receiver deduplicating on (object id, type, previous) sees one change.
    assert target["id"] in cancelled_ids(first)
    resent = [e for e in again if e["data"]["object"]["id"] == target["id"]]
    assert len(resent) == 1 and resent[0]["data"]["previous"] == next(
        e for e in first if e["data"]["object"]["id"] == target["id"])["data"]["previous"]
    assert cancelled_ids(first + again).count(target["id"]) == 2
    assert setup.poll().events == [] and setup.new_events() == []


def test_killed_before_anything_was_stored_the_next_poll_finds_the_change_itself(
        setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811 - the fixture
    targets = cancel_two()
    with monkeypatch.context() as patched, pytest.raises(Killed):
        kill_on_call(patched, snapshots, "claim", 1)
        setup.poll()
    assert setup.new_events() == []
    setup.poll()
    assert cancelled_ids(setup.new_events()) == sorted(t["id"] for t in targets)
