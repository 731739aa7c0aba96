"""The event store and feed: outbox order (stored, then queued), per-object sequence numbers, GET /v1/events
(paging both ways, filters, isolation), redelivery with the same webhook-id, and at-least-once delivery when
the delivery function dies between the POST and the SQS acknowledgement."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from aptura import events
from aptura.store import events as event_store
from aptura.store import webhooks
from local.sqs_poller import poll_once
from tests.support import Result, auth_headers, invoke
from tests.unit.test_webhooks import NO_WEBHOOKS, connection, deliver_function, register, verify
from tests.webhook_receiver import drain, queue_arn, queued, receiver

READ_ONLY = ("bookings:read",)


@pytest.fixture()
def keys(moto_aws: None) -> dict[str, str]:
    from aptura.store.keys import create_api_key

    return {"a_test": create_api_key("acct_a", "test")[0], "a_live": create_api_key("acct_a", "live")[0],
            "b_test": create_api_key("acct_b", "test")[0],
            "a_narrow": create_api_key("acct_a", "test", scopes=NO_WEBHOOKS)[0],
            "a_read": create_api_key("acct_a", "test", scopes=READ_ONLY)[0]}


def call(method: str, path: str, key: str, body: Any = None, query: dict[str, Any] | None = None) -> Result:
    return invoke(method, path, headers=auth_headers(key, None), json_body=body, query=query)


def appointment(appointment_id: str = "apt_1", status: str = "booked") -> dict[str, Any]:
    return {"id": appointment_id, "status": status, "startTime": "2027-01-12T09:00:00Z",
            "endTime": "2027-01-12T10:00:00Z"}


def emit(account: str = "acct_a", mode: str = "test", event_type: str = "appointment.created",
         cid: str = "conn_1", obj: dict[str, Any] | None = None) -> dict[str, Any]:
    event = events.emit(account, mode, event_type, cid, obj or appointment())
    assert event is not None
    return event


def stored_item(account: str, mode: str, event_id: str) -> dict[str, Any]:
    return dict(boto3.resource("dynamodb").Table(os.environ["APTURA_TABLE"]).get_item(
        Key={"pk": f"ACCOUNT#{account}", "sk": f"EVENT#{mode}#{event_id}"})["Item"])


# -- the store ------------------------------------------------------------------------------------------------


def test_an_event_is_stored_before_it_is_queued(keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    register(keys["a_test"], "https://hooks.example.com/a")
    seen_at_enqueue: list[dict[str, Any] | None] = []
    original = events.enqueue

    def enqueue(event: dict[str, Any], endpoints: list[webhooks.Endpoint]) -> int:
        seen_at_enqueue.append(event_store.get("acct_a", "test", event["id"]))
        return original(event, endpoints)

    monkeypatch.setattr(events, "enqueue", enqueue)
    event = emit()
    assert seen_at_enqueue == [event]  # already in the store when the queue was asked
    assert "pending" not in stored_item("acct_a", "test", event["id"])  # queued for every endpoint
    assert [m["event"] for m in queued()] == [event]
    item = stored_item("acct_a", "test", event["id"])
    assert 29 * 86400 < int(item["expires_at"]) - time.time() <= 30 * 86400  # the table's TTL attribute


def test_a_queue_fault_leaves_the_event_stored_pending_and_redeliver_queues_it(
        keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    with receiver() as hook:
        made = register(keys["a_test"], hook.url)

        def broken(*_: Any, **__: Any) -> Any:
            raise ConnectionError("sqs down")

        with monkeypatch.context() as patched:
            patched.setattr(events.sqs_client(), "send_message_batch", broken)
            event = emit()
            assert queued() == []
            assert stored_item("acct_a", "test", event["id"])["pending"] == [made["id"]]
            assert event_store.pending("acct_a", "test", event["id"]) == [made["id"]]
            refused = call("POST", f"/v1/events/{event['id']}/redeliver", keys["a_test"])
            assert refused.status == 503 and refused.body["error"] == "unavailable", refused
        again = call("POST", f"/v1/events/{event['id']}/redeliver", keys["a_test"])
        assert again.status == 202 and again.body == {"event_id": event["id"], "endpoint_ids": [made["id"]]}
        assert event_store.pending("acct_a", "test", event["id"]) == []
        drain(deliver_function)
        [got] = hook.received
    assert got.headers["webhook-id"] == event["id"] and verify(made["secret"], got) == event


def test_the_minute_sweep_queues_what_a_queue_fault_left_pending_once(
        keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    with receiver() as hook:
        made = register(keys["a_test"], hook.url)
        gone = register(keys["a_test"], "https://hooks.example.com/deleted-later")

        def broken(*_: Any, **__: Any) -> Any:
            raise ConnectionError("sqs down")

        with monkeypatch.context() as patched:
            patched.setattr(events.sqs_client(), "send_message_batch", broken)
            event = emit()
        assert invoke("DELETE", f"/v1/webhook-endpoints/{gone['id']}", headers=auth_headers(keys["a_test"], None)
                      ).status == 204
        stored_ms = int(event["id"][4:16], 16)
        assert events.sweep_pending(now_ms=stored_ms + 30_000) == 0  # within the grace: emit may still be at it
        assert queued() == []
        assert events.sweep_pending(now_ms=stored_ms + 61_000) == 1
        assert event_store.pending("acct_a", "test", event["id"]) == []
        assert events.sweep_pending(now_ms=stored_ms + 120_000) == 0  # swept once, not every minute
        drain(deliver_function)
        [got] = hook.received  # the deleted endpoint is dropped, the other gets it, with its original id
    assert got.headers["webhook-id"] == event["id"] and verify(made["secret"], got) == event


def test_an_outbox_entry_whose_event_was_never_stored_is_dropped(keys: dict[str, str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    register(keys["a_test"], "https://hooks.example.com/a")
    real_put = event_store.table().put_item

    def dies_after_the_entry(**item: Any) -> Any:
        if str(item["Item"]["sk"]).startswith("EVENT#"):
            raise ConnectionError("dynamodb gone")
        return real_put(**item)

    with monkeypatch.context() as patched:
        patched.setattr(event_store.table(), "put_item", dies_after_the_entry)
        assert events.emit("acct_a", "test", "appointment.created", "conn_1", appointment()) is None
    later = int(time.time() * 1000) + 120_000
    assert len(event_store.stale_pending(later)) == 1
    assert events.sweep_pending(now_ms=later) == 0 and event_store.stale_pending(later) == []
    assert queued() == []


def test_a_queued_event_leaves_nothing_for_the_sweep(keys: dict[str, str]) -> None:
    register(keys["a_test"], "https://hooks.example.com/a")
    emit()
    assert event_store.stale_pending(int(time.time() * 1000) + 3_600_000) == []
    assert len(queued()) == 1 and events.sweep_pending(now_ms=int(time.time() * 1000) + 3_600_000) == 0


def test_a_store_fault_queues_nothing(keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    register(keys["a_test"], "https://hooks.example.com/a")

    def broken(*_: Any, **__: Any) -> None:
        raise ConnectionError("dynamodb down")

    monkeypatch.setattr(event_store, "put", broken)
    assert events.emit("acct_a", "test", "appointment.created", "conn_1", appointment()) is None
    assert queued() == []  # an event no one could redeliver or read in the feed is never sent


def test_events_of_one_object_carry_a_sequence_increasing_by_one(keys: dict[str, str]) -> None:
    one = [emit(event_type=t, obj=appointment("apt_1", s)) for t, s in (
        ("appointment.created", "booked"), ("appointment.rescheduled", "booked"),
        ("appointment.cancelled", "cancelled"))]
    other = emit(obj=appointment("apt_2"))
    elsewhere = emit(cid="conn_2", obj=appointment("apt_1"))  # the same provider id on another connection
    live = emit(mode="live", obj=appointment("apt_1"))
    assert [e["sequence"] for e in one] == [1, 2, 3]
    assert other["sequence"] == 1 and elsewhere["sequence"] == 1 and live["sequence"] == 1
    created = events.emit_connection("connection.created", connection())
    deleted = events.emit_connection("connection.deleted", connection())
    assert created is not None and deleted is not None
    assert (created["sequence"], deleted["sequence"]) == (1, 2)
    assert list(one[0]) == ["id", "type", "created_at", "mode", "connection_id", "sequence", "data"]


def test_event_ids_sort_in_creation_order() -> None:
    ids = [event_store.new_event_id(ms) for ms in (1, 2, 10**12, 10**13)]
    assert ids == sorted(ids) and all(event_store.EVENT_ID.fullmatch(i) for i in ids)


# -- the feed -------------------------------------------------------------------------------------------------


def _ids(result: Result) -> list[str]:
    assert result.status == 200, result
    return [e["id"] for e in result.body["data"]]


def test_the_feed_pages_newest_first_and_forward_from_an_event(keys: dict[str, str]) -> None:
    made = [emit(obj=appointment(f"apt_{i}")) for i in range(5)]
    ids = [e["id"] for e in made]
    first = call("GET", "/v1/events", keys["a_read"], query={"limit": 2})
    assert _ids(first) == ids[::-1][:2] and first.body["data"][0] == made[-1]
    second = call("GET", "/v1/events", keys["a_read"], query={"limit": 2, "cursor": first.body["next_cursor"]})
    third = call("GET", "/v1/events", keys["a_read"], query={"limit": 2, "cursor": second.body["next_cursor"]})
    assert _ids(second) == ids[::-1][2:4] and _ids(third) == ids[:1] and third.body["next_cursor"] is None

    forward = call("GET", "/v1/events", keys["a_read"], query={"after": ids[1], "limit": 2})
    assert _ids(forward) == ids[2:4]
    rest = call("GET", "/v1/events", keys["a_read"],
                query={"after": ids[1], "limit": 2, "cursor": forward.body["next_cursor"]})
    assert _ids(rest) == ids[4:] and rest.body["next_cursor"] is None
    assert _ids(call("GET", "/v1/events", keys["a_read"], query={"after": ids[-1]})) == []

    other_query = call("GET", "/v1/events", keys["a_read"],
                       query={"type": "appointment.created", "cursor": first.body["next_cursor"]})
    assert other_query.status == 400 and other_query.body["error"] == "validation_error"
    for bad in ({"cursor": "nonsense"}, {"after": "evt_nothex"}, {"created_after": "2027-01-01T00:00:00"}):
        refused = call("GET", "/v1/events", keys["a_read"], query=bad)
        assert refused.status == 400 and refused.body["error"] == "validation_error", (bad, refused)


def test_the_feed_filters_by_type_connection_and_creation_time(keys: dict[str, str]) -> None:
    old = emit(event_type="appointment.created", cid="conn_1")
    time.sleep(0.01)
    cut = datetime.now(UTC)
    time.sleep(0.01)
    cancelled = emit(event_type="appointment.cancelled", cid="conn_1", obj=appointment(status="cancelled"))
    other_connection = emit(event_type="appointment.created", cid="conn_2", obj=appointment("apt_9"))
    everything = [other_connection["id"], cancelled["id"], old["id"]]
    assert _ids(call("GET", "/v1/events", keys["a_read"])) == everything
    assert _ids(call("GET", "/v1/events", keys["a_read"], query={"type": "*"})) == everything
    assert _ids(call("GET", "/v1/events", keys["a_read"], query={"type": "appointment.created"})) == [
        other_connection["id"], old["id"]]
    assert _ids(call("GET", "/v1/events", keys["a_read"], query={"connection_id": "conn_1"})) == [
        cancelled["id"], old["id"]]
    after = cut.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert _ids(call("GET", "/v1/events", keys["a_read"], query={"created_after": after})) == everything[:2]
    assert _ids(call("GET", "/v1/events", keys["a_read"], query={
        "created_after": after, "type": "appointment.created", "connection_id": "conn_2"})) == everything[:1]
    future = (cut + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert _ids(call("GET", "/v1/events", keys["a_read"], query={"created_after": future})) == []
    refused = call("GET", "/v1/events", keys["a_read"], query={"type": "appointment.nonsense"})
    assert refused.status == 400


def test_the_feed_and_events_are_isolated_by_account_and_mode(keys: dict[str, str]) -> None:
    mine = emit()
    theirs = emit(account="acct_b")
    live = emit(mode="live")
    assert _ids(call("GET", "/v1/events", keys["a_test"])) == [mine["id"]]
    assert _ids(call("GET", "/v1/events", keys["b_test"])) == [theirs["id"]]
    assert _ids(call("GET", "/v1/events", keys["a_live"])) == [live["id"]]
    got = call("GET", f"/v1/events/{mine['id']}", keys["a_read"])
    assert got.status == 200 and got.body == mine
    for key, event_id in (("b_test", mine["id"]), ("a_test", theirs["id"]), ("a_test", live["id"]),
                          ("a_test", "evt_x")):
        for method, path in (("GET", f"/v1/events/{event_id}"), ("POST", f"/v1/events/{event_id}/redeliver")):
            hidden = call(method, path, keys[key])
            assert hidden.status == 404 and hidden.body["error"] == "not_found", (key, method, hidden)
    # after= another account's id reads only this account's partition: nothing of theirs appears
    assert theirs["id"] not in _ids(call("GET", "/v1/events", keys["a_test"], query={"after": mine["id"]}))


def test_an_expired_event_is_gone_before_dynamodb_deletes_it(keys: dict[str, str]) -> None:
    event = emit()
    boto3.resource("dynamodb").Table(os.environ["APTURA_TABLE"]).update_item(
        Key={"pk": "ACCOUNT#acct_a", "sk": f"EVENT#test#{event['id']}"}, UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": int(time.time()) - 1})
    assert _ids(call("GET", "/v1/events", keys["a_read"])) == []
    assert call("GET", f"/v1/events/{event['id']}", keys["a_read"]).status == 404


def test_scopes(keys: dict[str, str]) -> None:
    event = emit()
    no_read = call("GET", "/v1/events", keys["a_narrow"])  # NO_WEBHOOKS has bookings:read
    assert no_read.status == 200
    refused = call("POST", f"/v1/events/{event['id']}/redeliver", keys["a_read"])
    assert refused.status == 403 and refused.body["details"] == {"required_scope": "webhooks:manage"}
    assert call("POST", f"/v1/events/{event['id']}/redeliver", keys["a_narrow"]).status == 403
    assert invoke("GET", "/v1/events").status == 401


# -- redelivery -----------------------------------------------------------------------------------------------


def test_redeliver_sends_the_same_webhook_id_to_every_matching_endpoint_or_to_one(keys: dict[str, str]) -> None:
    with receiver() as hook:
        wants = register(keys["a_test"], hook.url, ["appointment.created"])
        everything = register(keys["a_test"], hook.url, ["*"])
        register(keys["a_test"], hook.url, ["connection.deleted"])  # does not match
        theirs = register(keys["b_test"], hook.url, ["*"])
        event = emit()
        drain(deliver_function)
        assert len(hook.received) == 2
        again = call("POST", f"/v1/events/{event['id']}/redeliver", keys["a_test"])
        assert again.status == 202 and sorted(again.body["endpoint_ids"]) == sorted([wants["id"], everything["id"]])
        drain(deliver_function)
        assert len(hook.received) == 4
        one = call("POST", f"/v1/events/{event['id']}/redeliver", keys["a_test"], {"endpoint_id": wants["id"]})
        assert one.status == 202 and one.body["endpoint_ids"] == [wants["id"]]
        drain(deliver_function)
        assert len(hook.received) == 5
        foreign = call("POST", f"/v1/events/{event['id']}/redeliver", keys["a_test"], {"endpoint_id": theirs["id"]})
        assert foreign.status == 404
        assert call("POST", f"/v1/events/{event['id']}/redeliver", keys["a_test"], {"nope": 1}).status == 400
    assert {d.headers["webhook-id"] for d in hook.received} == {event["id"]}
    assert all(d.event == event for d in hook.received)
    attempts = call("GET", f"/v1/webhook-endpoints/{wants['id']}/deliveries", keys["a_test"]).body["data"]
    assert [a["event_id"] for a in attempts] == [event["id"]] * 3


# -- at-least-once delivery -----------------------------------------------------------------------------------


class Killed(BaseException):
    """The function's process dying: not an Exception, so no handler in the function catches it."""


def _visible_again_at_once() -> None:
    # The queue's visibility timeout (720 s) is what SQS waits before handing an unacknowledged message out
    # again; shortened so the test sees that second receive now, as it would after the timeout.
    boto3.client("sqs").set_queue_attributes(QueueUrl=os.environ["APTURA_WEBHOOK_QUEUE_URL"],
                                             Attributes={"VisibilityTimeout": "1"})


def test_a_delivery_function_killed_after_posting_delivers_the_event_again_with_the_same_webhook_id(
        keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    _visible_again_at_once()
    client, url = boto3.client("sqs"), os.environ["APTURA_WEBHOOK_QUEUE_URL"]
    with receiver() as hook:
        made = register(keys["a_test"], hook.url)
        first, second = emit(obj=appointment("apt_1")), emit(obj=appointment("apt_2"))
        original = webhooks.record_attempt

        def die_after_the_post(endpoint: webhooks.Endpoint, attempt: dict[str, Any]) -> dict[str, Any]:
            raise Killed  # the POST went out; the attempt is unrecorded and SQS never hears back

        monkeypatch.setattr(webhooks, "record_attempt", die_after_the_post)
        with pytest.raises(Killed):
            poll_once(client, url, queue_arn(url), deliver_function, batch_size=10)
        assert len(hook.received) == 1  # died with the first of the batch: the second was never posted
        monkeypatch.setattr(webhooks, "record_attempt", original)
        time.sleep(1.2)
        drain(deliver_function)
    ids = [d.headers["webhook-id"] for d in hook.received]
    assert sorted(ids) == sorted([ids[0], first["id"], second["id"]])  # the first one twice, both in the end
    for got in hook.received:
        assert verify(made["secret"], got) in (first, second)
    assert queued() == []  # acknowledged now


def test_an_exception_after_posting_is_retried_by_sqs_with_the_same_webhook_id(
        keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    _visible_again_at_once()
    client, url = boto3.client("sqs"), os.environ["APTURA_WEBHOOK_QUEUE_URL"]
    with receiver() as hook:
        register(keys["a_test"], hook.url)
        event = emit()
        original = webhooks.record_attempt
        calls: list[int] = []

        def fails_once(endpoint: webhooks.Endpoint, attempt: dict[str, Any]) -> dict[str, Any]:
            calls.append(1)
            if len(calls) == 1:
                raise ConnectionError("dynamodb blip between the POST and the acknowledgement")
            return original(endpoint, attempt)

        monkeypatch.setattr(webhooks, "record_attempt", fails_once)
        answers: list[Any] = []

        def handler(sqs_event: dict[str, Any]) -> Any:
            answers.append(deliver_function(sqs_event))
            return answers[-1]

        poll_once(client, url, queue_arn(url), handler)
        assert len(answers[0]["batchItemFailures"]) == 1  # reported: SQS keeps it
        time.sleep(1.2)
        drain(deliver_function)
    assert [d.headers["webhook-id"] for d in hook.received] == [event["id"], event["id"]]


def test_a_filtered_query_reads_on_across_dynamodb_pages(keys: dict[str, str]) -> None:
    made = [emit(event_type="appointment.cancelled" if i in (1, 5) else "appointment.created",
                 obj=appointment(f"apt_{i}")) for i in range(7)]
    # One item per DynamoDB call: the two matches are found only by reading on past pages that matched nothing.
    found = list(event_store.query("acct_a", "test", newest_first=True, event_type="appointment.cancelled",
                                   page_size=1))
    assert [e["id"] for e in found] == [made[5]["id"], made[1]["id"]]
    paged = call("GET", "/v1/events", keys["a_read"], query={"type": "appointment.cancelled", "limit": 1})
    assert _ids(paged) == [made[5]["id"]]
    rest = call("GET", "/v1/events", keys["a_read"], query={"type": "appointment.cancelled", "limit": 1,
                                                           "cursor": paged.body["next_cursor"]})
    assert _ids(rest) == [made[1]["id"]] and rest.body["next_cursor"] is None
