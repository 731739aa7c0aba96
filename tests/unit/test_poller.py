"""The change poller (aptura.poller) against the SuperSaaS sandbox: changes made in the provider itself (here
through the sandbox's own HTTP API, as the front desk's software would, never through Aptura) become exactly one
event each, with ``previous``; a booking made through Aptura is reported once, by the API; no change, no event.

The sandbox's clock is pinned at PINNED_NOW (2027-01-04), and the polls run "at" that instant, so the rolling
window (a day before to 30 days after) holds the seeded bookings of January.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from standardwebhooks import Webhook

from aptura import poller
from aptura.engine.runner import Connection, Runner
from aptura.spec.loader import load_spec
from aptura.store import snapshots
from aptura.store.connections import ConnectionRecord, get_connection
from tests.conformance.conftest import PINNED_NOW, PROVIDERS, demo_of, fresh_sandbox
from tests.support import STACK, FakeContext, Result, _module, auth_headers, invoke
from tests.webhook_receiver import Receiver, drain, receiver

PROVIDER = "supersaas"
DEMO = demo_of(PROVIDER)
NOW = datetime.fromisoformat(PINNED_NOW.replace("Z", "+00:00"))
DAY = date(2027, 1, 12)  # a Tuesday the DEMO staff work; inside the window
END_USER = {"id": "biz_9", "name": "Studio Nine", "email": "nine@example.com"}


def deliver_function(event: dict[str, Any]) -> Any:
    fn = STACK.functions["DeliveryFunction"]
    return _module(fn).lambda_handler(event, FakeContext(fn))


class Setup:
    def __init__(self, key: str, record: ConnectionRecord, hook: Receiver, secret: str) -> None:
        self.key, self.record, self.hook, self.secret = key, record, hook, secret
        self.seen = 0  # events already looked at through new_events()

    @property
    def connection_id(self) -> str:
        return self.record.connection_id

    def poll(self, now: datetime = NOW) -> poller.PollResult:
        fresh = get_connection(self.record.account_id, self.connection_id)
        assert fresh is not None
        return poller.poll_connection(fresh, now)

    def new_events(self) -> list[dict[str, Any]]:
        """The events delivered since the last call, each verified with ``standardwebhooks``."""
        drain(deliver_function)
        got = [dict(Webhook(self.secret).verify(d.body, d.headers)) for d in self.hook.received]
        out, self.seen = got[self.seen:], len(got)
        return out


@pytest.fixture()
def setup(moto_aws: None, sandboxes: Any) -> Iterator[Setup]:
    """A SuperSaaS connection in test mode, an endpoint wanting every event, and a baseline poll taken."""
    from aptura.store.connections import create_connection
    from aptura.store.keys import create_api_key

    fresh_sandbox(f"{sandboxes.url}/{PROVIDER}/_sandbox")
    raw, key = create_api_key("acct_poll", "test")
    record = create_connection(key.account_id, PROVIDER, "test", DEMO["config"], DEMO["credentials"],
                               end_user=END_USER)
    with receiver() as hook:
        made = invoke("POST", "/v1/webhook-endpoints", headers=auth_headers(raw, None),
                      json_body={"url": hook.url, "event_types": ["*"]})
        assert made.status == 201, made
        state = Setup(raw, record, hook, made.body["secret"])
        state.new_events()  # connection.created predates the endpoint: nothing; keeps the count honest
        first = state.poll()
        assert first.status == "baseline" and first.events == []
        yield state


def front_desk() -> Runner:
    """The provider's own API, spoken directly (no Aptura route, so no event and no snapshot)."""
    return Runner(load_spec(PROVIDER), Connection("conn_front_desk", PROVIDER, "test", DEMO["config"],
                                                  DEMO["credentials"]))


def in_window() -> list[dict[str, Any]]:
    first, last = poller.window(NOW)
    listed = front_desk().run("appointments.list", {"startDate": first, "endDate": last})
    assert isinstance(listed, list)
    return [a for a in listed if a["status"] != "cancelled"]


def a_free_start(day: date = DAY) -> str:
    slots = front_desk().run("availability.list", {"serviceId": DEMO["service_id"], "staffId": DEMO["staff_id"],
                                                   "startDate": day.isoformat(), "endDate": day.isoformat()})
    starts = [s["startTime"] for s in slots if s["startTime"].startswith(day.isoformat())]
    assert starts, slots
    return str(starts[-1])


def call(setup: Setup, method: str, path: str, **kwargs: Any) -> Result:
    return invoke(method, path, headers={**auth_headers(setup.key, setup.connection_id),
                                         **kwargs.pop("headers", {})}, **kwargs)


def test_the_seeded_window_holds_bookings_to_change(sandboxes: Any) -> None:
    fresh_sandbox(f"{sandboxes.url}/{PROVIDER}/_sandbox")
    # The tests below change bookings the sandbox seeds in January: if the seed moved, they would pass vacuously.
    assert in_window()


def test_nothing_changed_means_no_event(setup: Setup) -> None:
    again = setup.poll()
    assert again.status == "polled" and again.events == []
    assert setup.new_events() == []


def test_a_cancellation_made_in_the_provider_is_one_appointment_cancelled_with_previous(setup: Setup) -> None:
    target = in_window()[0]
    front_desk().run("appointments.cancel", {"id": target["id"]})
    result = setup.poll()
    [event] = setup.new_events()
    assert [e["id"] for e in result.events] == [event["id"]]
    assert event["type"] == "appointment.cancelled" and event["connection_id"] == setup.connection_id
    assert event["data"]["object"]["id"] == target["id"] and event["data"]["object"]["status"] == "cancelled"
    assert event["data"]["previous"]["status"] == target["status"]
    assert event["end_user"] == END_USER and event["mode"] == "test"
    assert setup.poll().events == [] and setup.new_events() == []  # a second poll: no duplicate


def test_a_move_made_in_the_provider_is_one_appointment_rescheduled(setup: Setup) -> None:
    target = next(a for a in in_window() if a["staff"] and a["staff"]["id"] == DEMO["staff_id"])
    new_start = a_free_start()
    front_desk().run("appointments.update", {"id": target["id"], "startTime": new_start})
    setup.poll()
    [event] = setup.new_events()
    assert event["type"] == "appointment.rescheduled"
    assert event["data"]["object"]["startTime"] == new_start
    assert event["data"]["previous"]["startTime"] == target["startTime"]
    assert "status" not in event["data"]["previous"]  # only what changed
    setup.poll()
    assert setup.new_events() == []


def test_a_booking_made_on_the_providers_own_page_is_one_appointment_created(setup: Setup) -> None:
    made = front_desk().run("appointments.create", {
        "serviceId": DEMO["service_id"], "staffId": DEMO["staff_id"], "startTime": a_free_start(),
        "client": {"firstName": "Walk", "lastName": "In", "email": "walk.in@example.com"}})
    setup.poll()
    [event] = setup.new_events()
    assert event["type"] == "appointment.created" and event["data"]["object"]["id"] == made["id"]
    assert event["data"]["previous"] == {}
    setup.poll()
    assert setup.new_events() == []


def test_a_booking_made_through_aptura_is_reported_once_by_the_api_not_again_by_the_poller(setup: Setup) -> None:
    slots = call(setup, "GET", "/v1/availability", query={
        "serviceId": DEMO["service_id"], "staffId": DEMO["staff_id"], "startDate": DAY.isoformat(),
        "endDate": DAY.isoformat()})
    assert slots.status == 200 and slots.body["slots"], slots
    slot = slots.body["slots"][0]
    made = call(setup, "POST", "/v1/appointments", json_body={
        "serviceId": DEMO["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
        "client": {"firstName": "Via", "lastName": "Aptura", "email": "via.aptura@example.com"}})
    assert made.status == 201, made
    [created] = setup.new_events()
    assert created["type"] == "appointment.created" and created["data"]["object"]["id"] == made.body["id"]
    assert setup.poll().events == [] and setup.poll().events == []
    assert setup.new_events() == []

    cancelled = call(setup, "POST", f"/v1/appointments/{made.body['id']}/cancel")
    assert cancelled.status == 200, cancelled
    assert [e["type"] for e in setup.new_events()] == ["appointment.cancelled"]
    assert setup.poll().events == []
    assert setup.new_events() == []


def test_a_poll_between_the_providers_answer_and_the_apis_snapshot_still_means_one_event(
        setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    """The race a cancellation through Aptura can lose: the provider has cancelled, a poll runs before the API
    stores its snapshot, and both would report the same change. Whichever stores the new state first reports it."""
    target = in_window()[0]
    real_record = snapshots.record

    def poll_first(account_id: str, connection_id: str, appointment: dict[str, Any]) -> bool:
        assert [e.get("type") for e in setup.poll().events] == ["appointment.cancelled"]
        return real_record(account_id, connection_id, appointment)

    monkeypatch.setattr(snapshots, "record", poll_first)
    cancelled = call(setup, "POST", f"/v1/appointments/{target['id']}/cancel")
    assert cancelled.status == 200, cancelled
    assert [e["type"] for e in setup.new_events()] == ["appointment.cancelled"]  # the poll's, not a second
    monkeypatch.setattr(snapshots, "record", real_record)
    assert setup.poll().events == [] and setup.new_events() == []


def test_appointments_leaving_the_window_because_time_passed_are_not_cancellations(setup: Setup) -> None:
    later = NOW + timedelta(days=20)  # the window now starts after the first seeded bookings
    first, _ = poller.window(later)
    stored = snapshots.load(setup.record.account_id, setup.connection_id)
    assert any(s.appointment["startTime"][:10] < first for s in stored.values())
    assert setup.poll(later).events == []
    assert setup.new_events() == []
    left = snapshots.load(setup.record.account_id, setup.connection_id)
    assert all(s.appointment["startTime"][:10] >= first for s in left.values())  # over: forgotten


def test_refused_credentials_emit_one_connection_error(setup: Setup) -> None:
    from aptura.store.connections import update_connection

    update_connection(setup.record, credentials={"api_key": "revoked-by-the-business"})
    failed = setup.poll()
    assert failed.status == "failed" and failed.error == "connection_auth_failed"
    [event] = setup.new_events()
    assert event["type"] == "connection.error" and event["data"]["object"]["status"] == "error"
    assert setup.poll().status == "failed"
    assert setup.new_events() == []  # still refused: not news


def test_a_connection_nobody_listens_to_is_not_polled(moto_aws: None, sandboxes: Any) -> None:
    from aptura.store.connections import create_connection

    record = create_connection("acct_quiet", PROVIDER, "test", DEMO["config"], DEMO["credentials"])
    assert poller.poll_connection(record, NOW).status == "skipped"
    assert snapshots.load("acct_quiet", record.connection_id) == {}


def test_the_schedule_queues_one_poll_per_connection_and_the_queue_polls_it(
        setup: Setup, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    from local.sqs_poller import poll_once
    from tests.webhook_receiver import queue_arn

    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="PollQueue")["QueueUrl"]
    monkeypatch.setenv(poller.POLL_QUEUE_ENV, url)
    assert 0 <= poller.offset(setup.connection_id) < poller.SPREAD_SECONDS
    monkeypatch.setattr(poller, "offset", lambda _cid: 0)  # else SQS hides it until its second of the minute
    fn = STACK.functions["PollerFunction"]
    handler = _module(fn).lambda_handler
    scheduled = {"source": "aws.events", "detail-type": "Scheduled Event"}
    assert handler(scheduled, FakeContext(fn)) == {"queued": 1, "requeued_events": 0}
    answers: list[Any] = []

    def invoke_function(event: dict[str, Any]) -> Any:
        answers.append(handler(event, FakeContext(fn)))
        return answers[-1]

    assert poll_once(sqs, url, queue_arn(url), invoke_function) == 1
    assert answers == [{"batchItemFailures": []}]
    assert poll_once(sqs, url, queue_arn(url), invoke_function) == 0  # handled, deleted


@pytest.mark.parametrize("name", PROVIDERS)
def test_every_provider_is_polled_and_a_second_poll_finds_nothing(moto_aws: None, sandboxes: Any, name: str) -> None:
    """The poller's input (no filters, yesterday to 30 days ahead) is one every spec's appointments.list takes,
    and the unified objects it compares are stable from one list to the next (else every poll would emit)."""
    from aptura.store.connections import create_connection
    from aptura.store.webhooks import create_endpoint

    demo = demo_of(name)
    fresh_sandbox(f"{sandboxes.url}/{name}/_sandbox")
    record = create_connection("acct_every", name, "test", demo["config"], demo["credentials"])
    create_endpoint("acct_every", "test", "https://hooks.example.com/aptura", ["*"])
    first = poller.poll_connection(record, NOW)
    assert first.status == "baseline", first
    assert snapshots.load("acct_every", record.connection_id), f"{name}: the seeded window was listed empty"
    again = poller.poll_connection(record, NOW)
    assert again.status == "polled" and again.events == [], again


@pytest.mark.parametrize("name", PROVIDERS)
def test_every_provider_a_booking_through_aptura_is_one_event(moto_aws: None, sandboxes: Any, name: str) -> None:
    """What the API stores when it books (the create answer) and what the provider lists differ in detail per
    provider; the poller must still see no change in the booking the API already reported."""
    from aptura.store.connections import create_connection
    from aptura.store.keys import create_api_key

    demo = demo_of(name)
    fresh_sandbox(f"{sandboxes.url}/{name}/_sandbox")
    raw, key = create_api_key("acct_every", "test")
    record = create_connection(key.account_id, name, "test", demo["config"], demo["credentials"])
    with receiver() as hook:
        state = Setup(raw, record, hook, "")
        made = invoke("POST", "/v1/webhook-endpoints", headers=auth_headers(raw, None),
                      json_body={"url": hook.url, "event_types": ["appointment.created", "appointment.updated",
                                                                  "appointment.rescheduled",
                                                                  "appointment.cancelled"]})
        assert made.status == 201, made
        state.secret = made.body["secret"]
        assert state.poll().status == "baseline"
        slots = call(state, "GET", "/v1/availability", query={
            "serviceId": demo["service_id"], "staffId": demo["staff_id"], "startDate": DAY.isoformat(),
            "endDate": (DAY + timedelta(days=6)).isoformat()})
        assert slots.status == 200 and slots.body["slots"], slots
        slot = slots.body["slots"][0]
        booked = call(state, "POST", "/v1/appointments", json_body={
            "serviceId": demo["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
            "client": {"firstName": "Via", "lastName": "Aptura", "email": "via.aptura@example.com"}})
        assert booked.status == 201, booked
        assert [e["type"] for e in state.new_events()] == ["appointment.created"]
        assert state.poll().events == [] and state.poll().events == []
        assert state.new_events() == []
