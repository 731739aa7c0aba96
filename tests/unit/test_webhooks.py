"""Webhook endpoints (CRUD, scope, isolation, URL safety), the events Aptura emits, and their delivery:
Standard Webhooks signatures (verified with ``standardwebhooks``), retries on the schedule, the DLQ."""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from standardwebhooks import Webhook

from aptura import delivery, events
from aptura.store import webhooks
from aptura.store.connections import ConnectionRecord
from tests.support import STACK, FakeContext, Result, _module, auth_headers, invoke
from tests.webhook_receiver import drain, queued, receiver

NO_WEBHOOKS = ("availability:read", "bookings:read", "bookings:write", "catalog:read", "connections:manage")


@pytest.fixture()
def keys(moto_aws: None) -> dict[str, str]:
    from aptura.store.keys import create_api_key

    return {"a_test": create_api_key("acct_a", "test")[0], "a_live": create_api_key("acct_a", "live")[0],
            "b_test": create_api_key("acct_b", "test")[0],
            "a_narrow": create_api_key("acct_a", "test", scopes=NO_WEBHOOKS)[0]}


def call(method: str, path: str, key: str, body: Any = None, query: dict[str, Any] | None = None) -> Result:
    return invoke(method, path, headers=auth_headers(key, None), json_body=body, query=query)


def register(key: str, url: str, event_types: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    made = call("POST", "/v1/webhook-endpoints", key, {"url": url, "event_types": event_types or ["*"], **extra})
    assert made.status == 201, made
    return dict(made.body)


def deliver_function(event: dict[str, Any]) -> Any:
    """DeliveryFunction's own handler module, as Lambda runs it."""
    fn = STACK.functions["DeliveryFunction"]
    return _module(fn).lambda_handler(event, FakeContext(fn))


def connection(account: str = "acct_a", mode: str = "test", cid: str = "conn_1") -> ConnectionRecord:
    return ConnectionRecord(cid, account, "supersaas", mode, {"scheduleId": "1"}, "n/a",
                            created_at="2027-01-01T00:00:00Z",
                            end_user={"id": "biz_1", "name": "Jo", "email": "jo@example.com"})


def verify(secret: str, got: Any) -> dict[str, Any]:
    """The payload, once ``standardwebhooks`` accepted its signature (raises otherwise)."""
    return dict(Webhook(secret).verify(got.body, got.headers))


# -- endpoints ------------------------------------------------------------------------------------------------


def test_crud_shows_the_secret_once_and_keeps_it_out_of_dynamodb(keys: dict[str, str]) -> None:
    made = register(keys["a_test"], "https://hooks.example.com/aptura", ["appointment.created"],
                    description="sync")
    secret = made.pop("secret")
    assert secret.startswith("whsec_") and len(secret) > 30
    assert made["mode"] == "test" and made["status"] == "enabled" and made["connection_ids"] == []
    got = call("GET", f"/v1/webhook-endpoints/{made['id']}", keys["a_test"])
    assert got.status == 200 and got.body == made and "secret" not in got.body
    listed = call("GET", "/v1/webhook-endpoints", keys["a_test"])
    assert listed.status == 200 and listed.body["data"] == [made]
    items = boto3.resource("dynamodb").Table(os.environ["APTURA_TABLE"]).scan()["Items"]
    assert secret not in repr(items)
    stored = boto3.client("secretsmanager").get_secret_value(SecretId=webhooks.secret_name(made["id"]))
    assert json.loads(stored["SecretString"])["secret"] == secret

    patched = call("PATCH", f"/v1/webhook-endpoints/{made['id']}", keys["a_test"],
                   {"event_types": ["appointment.cancelled", "connection.deleted"], "status": "disabled"})
    assert patched.status == 200, patched
    assert patched.body["event_types"] == ["appointment.cancelled", "connection.deleted"]
    assert patched.body["status"] == "disabled" and "secret" not in patched.body
    assert call("PATCH", f"/v1/webhook-endpoints/{made['id']}", keys["a_test"], {}).status == 400

    rotated = call("POST", f"/v1/webhook-endpoints/{made['id']}/rotate-secret", keys["a_test"])
    assert rotated.status == 200 and rotated.body["secret"].startswith("whsec_")
    assert rotated.body["secret"] != secret

    assert call("DELETE", f"/v1/webhook-endpoints/{made['id']}", keys["a_test"]).status == 204
    gone = call("GET", f"/v1/webhook-endpoints/{made['id']}", keys["a_test"])
    assert gone.status == 404 and gone.body["error"] == "not_found"
    assert "/webhooks/" not in repr(boto3.client("secretsmanager").list_secrets()["SecretList"])


def test_every_field_can_be_changed_and_read_back(keys: dict[str, str]) -> None:
    # url, status and description are words DynamoDB reserves in update expressions: a PATCH of each once was a 500
    made = register(keys["a_test"], "https://hooks.example.com/old", ["appointment.created"], description="sync")
    path = f"/v1/webhook-endpoints/{made['id']}"
    changes: list[dict[str, Any]] = [
        {"url": "https://hooks.example.com/new"}, {"description": "front desk"}, {"status": "disabled"},
        {"status": "enabled"}, {"event_types": ["*"]}, {"connection_ids": []},
        {"url": "https://hooks.example.com/both", "description": "both", "event_types": ["connection.deleted"]},
    ]
    for change in changes:
        patched = call("PATCH", path, keys["a_test"], change)
        assert patched.status == 200, (change, patched)
        assert {k: patched.body[k] for k in change} == change
        assert call("GET", path, keys["a_test"]).body == patched.body


def test_the_scope_is_required(keys: dict[str, str]) -> None:
    for method, path, body in (("POST", "/v1/webhook-endpoints", {"url": "https://a.example", "event_types": ["*"]}),
                               ("GET", "/v1/webhook-endpoints", None),
                               ("GET", "/v1/webhook-endpoints/we_x", None)):
        refused = call(method, path, keys["a_narrow"], body)
        assert refused.status == 403, refused
        assert refused.body == {"error": "forbidden", "message": "this API key lacks the webhooks:manage scope",
                                "details": {"required_scope": "webhooks:manage"}}


def test_accounts_and_modes_are_isolated(keys: dict[str, str]) -> None:
    made = register(keys["a_test"], "https://hooks.example.com/a")
    path = f"/v1/webhook-endpoints/{made['id']}"
    for method, body in (("GET", None), ("PATCH", {"status": "disabled"}), ("DELETE", None)):
        other = call(method, path, keys["b_test"], body)
        assert other.status == 404 and other.body["error"] == "not_found", other
    assert call("GET", "/v1/webhook-endpoints", keys["b_test"]).body["data"] == []
    assert call("GET", "/v1/webhook-endpoints", keys["a_live"]).body["data"] == []
    live = call("GET", path, keys["a_live"])
    assert live.status == 403 and live.body["details"] == {"endpoint_mode": "test", "key_mode": "live"}
    assert call("GET", f"{path}/deliveries", keys["b_test"]).status == 404
    assert call("GET", path, keys["a_test"]).body["status"] == "enabled"  # untouched by the others


@pytest.mark.parametrize("key,url,problem", [
    ("a_test", "http://hooks.example.com/x", "http is allowed only on localhost"),
    ("a_test", "ftp://hooks.example.com/x", "https://"),
    ("a_test", "https://user:pw@hooks.example.com/x", "no credentials"),
    ("a_live", "http://127.0.0.1:9000/x", "live endpoints must use https"),
    ("a_live", "https://10.1.2.3/x", "non-public address"),
    ("a_live", "https://127.0.0.1/x", "non-public address"),
    ("a_live", "https://[::ffff:192.168.0.1]/x", "non-public address"),
    ("a_live", "https://internal.example.com/x", "non-public address"),  # resolves privately (below)
])
def test_unsafe_urls_are_refused(keys: dict[str, str], monkeypatch: pytest.MonkeyPatch, key: str, url: str,
                                 problem: str) -> None:
    _fake_dns(monkeypatch)
    refused = call("POST", "/v1/webhook-endpoints", keys[key], {"url": url, "event_types": ["*"]})
    assert refused.status == 400 and refused.body["error"] == "validation_error", refused
    assert problem in refused.body["details"]["url"][0]


def test_loopback_is_refused_where_aptura_does_not_run_locally(keys: dict[str, str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(webhooks.LOOPBACK_ENV)  # as deployed: localhost would be the Lambda sandbox
    for url in ("http://127.0.0.1:9001/2018-06-01/runtime/invocation/next", "https://localhost/x",
                "https://169.254.169.254/latest", "https://10.0.0.8/x"):
        refused = call("POST", "/v1/webhook-endpoints", keys["a_test"], {"url": url, "event_types": ["*"]})
        assert refused.status == 400 and "cannot reach" in refused.body["details"]["url"][0], (url, refused)
    assert register(keys["a_test"], "https://hooks.example.com/x")["mode"] == "test"


def test_a_live_endpoint_on_a_public_name_and_a_test_one_on_localhost_are_accepted(
        keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dns(monkeypatch)
    assert register(keys["a_live"], "https://hooks.example.com/x")["mode"] == "live"
    assert register(keys["a_test"], "http://localhost:8080/x")["mode"] == "test"
    unknown = call("POST", "/v1/webhook-endpoints", keys["a_test"], {"url": "https://a.example", "event_types":
                                                                      ["appointment.exploded"]})
    assert unknown.status == 400 and "event_types.0" in unknown.body["details"]
    missing = call("POST", "/v1/webhook-endpoints", keys["a_test"],
                   {"url": "https://a.example", "event_types": ["*"], "connection_ids": ["conn_nope"]})
    assert missing.status == 400 and "connection_ids" in missing.body["details"]


def _fake_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """hooks.example.com resolves publicly, internal.example.com to a private address; no network needed."""
    real = socket.getaddrinfo

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> Any:
        table = {"hooks.example.com": "93.184.215.14", "internal.example.com": "10.0.0.7"}
        if host in table:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (table[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)


# -- events and delivery --------------------------------------------------------------------------------------


def test_an_event_is_signed_and_verifies_with_standardwebhooks(keys: dict[str, str]) -> None:
    with receiver() as hook:
        made = register(keys["a_test"], hook.url, ["connection.created"])
        register(keys["b_test"], hook.url, ["*"])  # another account's endpoint gets nothing of acct_a's
        event = events.emit_connection("connection.created", connection())
        assert event is not None
        assert drain(deliver_function) == 1
        [got] = hook.received
    payload = verify(made["secret"], got)
    assert payload == event
    assert set(payload) == {"id", "type", "created_at", "mode", "connection_id", "end_user", "sequence", "data"}
    assert payload["id"].startswith("evt_") and payload["type"] == "connection.created"
    assert payload["data"]["object"]["id"] == "conn_1" and payload["data"]["previous"] == {}
    assert got.headers["webhook-id"] == payload["id"]
    with pytest.raises(Exception, match="signature"):  # a different secret does not verify
        Webhook(webhooks.new_secret()).verify(got.body, got.headers)
    [attempt] = call("GET", f"/v1/webhook-endpoints/{made['id']}/deliveries", keys["a_test"]).body["data"]
    assert attempt["outcome"] == "succeeded" and attempt["response_status"] == 200 and attempt["attempt"] == 1
    assert attempt["event_id"] == payload["id"] and attempt["next_attempt_at"] is None


def test_filters_by_type_connection_mode_and_status(keys: dict[str, str]) -> None:
    with receiver() as hook:
        register(keys["a_test"], hook.url, ["appointment.cancelled"])
        disabled = register(keys["a_test"], hook.url, ["*"])
        call("PATCH", f"/v1/webhook-endpoints/{disabled['id']}", keys["a_test"], {"status": "disabled"})
        # Nobody wants them: stored for the feed (GET /v1/events), queued for no one.
        assert events.emit_connection("connection.created", connection()) is not None
        assert events.emit_connection("connection.created", connection(mode="live")) is not None
        assert queued() == []
    assert not events.wanted("acct_a", "test", "connection.deleted", "conn_1")
    assert len(events.wanted("acct_a", "test", "appointment.cancelled", "conn_9")) == 1
    webhooks.create_endpoint("acct_a", "test", "https://a.example", ["*"], ["conn_2"])
    assert len(events.wanted("acct_a", "test", "connection.deleted", "conn_2")) == 1
    assert not events.wanted("acct_a", "test", "connection.deleted", "conn_3")


def test_failures_are_retried_with_the_same_webhook_id_until_one_succeeds(
        keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(delivery.SCHEDULE_ENV, "0,0,0,0")  # the retries are due at once, and SQS shows them at once
    with receiver([500, 503]) as hook:
        made = register(keys["a_test"], hook.url)
        event = events.emit_connection("connection.deleted", connection())
        assert event is not None
        drain(deliver_function)
        assert len(hook.received) == 3
    for got in hook.received:
        assert got.headers["webhook-id"] == event["id"] and verify(made["secret"], got) == event
    attempts = call("GET", f"/v1/webhook-endpoints/{made['id']}/deliveries", keys["a_test"]).body["data"]
    assert [(a["attempt"], a["outcome"], a["response_status"]) for a in attempts] == [
        (3, "succeeded", 200), (2, "failed", 503), (1, "failed", 500)]
    assert call("GET", f"/v1/webhook-endpoints/{made['id']}", keys["a_test"]).body["failing_since"] is None
    assert queued("APTURA_WEBHOOK_DLQ_URL") == []


def test_retries_follow_the_standard_webhooks_schedule(keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[tuple[str, dict[str, Any], int]] = []
    original = delivery._send

    def send(queue: str, message: dict[str, Any], delay: int) -> None:  # to SQS, noting the delay asked for
        sent.append((queue, message, delay))
        original(queue, message, delay)

    monkeypatch.setattr(delivery, "_send", send)
    main, dlq = os.environ["APTURA_WEBHOOK_QUEUE_URL"], os.environ["APTURA_WEBHOOK_DLQ_URL"]
    with receiver([500] * 10) as hook:
        made = register(keys["a_test"], hook.url)
        event = events.build_event("connection.created", "test", "conn_1", {"id": "conn_1"})
        now = datetime(2027, 1, 12, 9, 0, tzinfo=UTC)
        message = {"account_id": "acct_a", "endpoint_id": made["id"], "attempt": 1, "event": event}
        expected = [5, 300, 1800, 7200, 18000, 36000, 36000]
        for number, delay in enumerate(expected, start=1):
            attempt = delivery.deliver(message, now)
            assert attempt is not None and attempt["attempt"] == number and attempt["outcome"] == "failed"
            queue, message, asked = sent[-1]
            due = now + timedelta(seconds=delay)
            assert queue == main and asked == delay  # _send caps it at SQS's 15 min
            assert message["attempt"] == number + 1 and message["not_before"] == due.strftime("%Y-%m-%dT%H:%M:%SZ")
            assert attempt["next_attempt_at"] == message["not_before"]
            # Seen before it is due (a delay beyond 15 min), it is re-queued for the rest of the wait, unsent.
            posts = len(hook.received)
            assert delivery.deliver(message, due - timedelta(seconds=1000)) is None
            assert len(hook.received) == posts and sent[-1] == (main, message, 1000)
            now = due
        last = delivery.deliver(message, now)  # the 8th attempt: the schedule is spent
        assert last is not None and last["attempt"] == 8 and last["next_attempt_at"] is None
        assert len(hook.received) == 8
    queue, dead, _ = sent[-1]
    assert queue == dlq and dead["dead_letter_reason"] == "retries_exhausted" and dead["event"] == event
    assert [m["dead_letter_reason"] for m in queued("APTURA_WEBHOOK_DLQ_URL")] == ["retries_exhausted"]
    assert {d.headers["webhook-id"] for d in hook.received} == {event["id"]}
    attempts = call("GET", f"/v1/webhook-endpoints/{made['id']}/deliveries", keys["a_test"]).body["data"]
    assert [a["attempt"] for a in attempts] == [8, 7, 6, 5, 4, 3, 2, 1]


def test_an_unprocessable_message_is_reported_for_sqs_to_retry_and_dead_letter(keys: dict[str, str]) -> None:
    client, url = boto3.client("sqs"), os.environ["APTURA_WEBHOOK_QUEUE_URL"]
    client.send_message(QueueUrl=url, MessageBody="not json")
    [message] = client.receive_message(QueueUrl=url)["Messages"]
    event = {"Records": [{"messageId": message["MessageId"], "body": message["Body"]}]}
    assert deliver_function(event) == {"batchItemFailures": [{"itemIdentifier": message["MessageId"]}]}
    attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]
    redrive = json.loads(attributes["RedrivePolicy"])  # SQS moves it to the DLQ after 5 receives
    assert redrive["maxReceiveCount"] == 5 and redrive["deadLetterTargetArn"].endswith("WebhookDeadLetterQueue")


def test_an_endpoint_failing_for_five_days_is_disabled_and_the_activity_log_says_so(
        keys: dict[str, str]) -> None:
    from aptura.api.audit import activity

    with receiver([500] * 3) as hook:
        made = register(keys["a_test"], hook.url)
        event = events.build_event("connection.created", "test", "conn_1", {"id": "conn_1"})
        message = {"account_id": "acct_a", "endpoint_id": made["id"], "attempt": 1, "event": event}
        start = datetime.now(UTC)
        delivery.deliver(message, start)
        queued()
        assert call("GET", f"/v1/webhook-endpoints/{made['id']}", keys["a_test"]).body["status"] == "enabled"
        delivery.deliver({**message, "attempt": 2}, start + timedelta(days=5, seconds=1))
    shown = call("GET", f"/v1/webhook-endpoints/{made['id']}", keys["a_test"]).body
    assert shown["status"] == "disabled" and "failed for 120 h" in shown["disabled_reason"]
    [entry] = activity("acct_a", operation="webhook_endpoints.disable")
    assert entry["outcome"] == "disabled" and entry["webhook_endpoint_id"] == made["id"]
    assert queued("APTURA_WEBHOOK_DLQ_URL")[0]["dead_letter_reason"] == "endpoint_disabled"
    # A disabled endpoint is skipped, and the attempt says why; enabling it clears the failure.
    skipped = delivery.deliver({**message, "attempt": 3})
    assert skipped is not None and skipped["outcome"] == "skipped"
    enabled = call("PATCH", f"/v1/webhook-endpoints/{made['id']}", keys["a_test"], {"status": "enabled"}).body
    assert enabled["status"] == "enabled" and enabled["failing_since"] is None and enabled["disabled_reason"] is None


def test_after_rotation_both_secrets_verify_for_a_day(keys: dict[str, str]) -> None:
    with receiver() as hook:
        made = register(keys["a_test"], hook.url)
        new = call("POST", f"/v1/webhook-endpoints/{made['id']}/rotate-secret", keys["a_test"]).body["secret"]
        event = events.emit_connection("connection.created", connection())
        drain(deliver_function)
        [got] = hook.received
    assert verify(new, got) == event and verify(made["secret"], got) == event
    assert len(got.headers["webhook-signature"].split(" ")) == 2


def test_a_live_endpoint_whose_name_now_resolves_privately_is_not_posted_to(
        keys: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_dns(monkeypatch)
    made = register(keys["a_live"], "https://hooks.example.com/x")
    event = events.build_event("connection.created", "live", "conn_1", {"id": "conn_1"})
    monkeypatch.setattr(webhooks, "resolve_public", lambda host, port: (_ for _ in ()).throw(ValueError("private")))
    attempt = delivery.deliver({"account_id": "acct_a", "endpoint_id": made["id"], "attempt": 1, "event": event})
    assert attempt is not None and attempt["outcome"] == "failed" and attempt["error"] == "address_not_allowed"
