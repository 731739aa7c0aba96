"""The change poller: changes made in the provider itself (the front desk moving or cancelling a booking, a
client booking on the provider's own page) become webhook events.

For a provider with neither native webhooks nor a changes feed, the only generic way to learn of a change is to
look: every poll runs the spec's ``appointments.list`` over a rolling window and diffs it against the snapshots
of :mod:`aptura.store.snapshots`. The window is :data:`WINDOW_BEFORE_DAYS` day before today to
:data:`WINDOW_AFTER_DAYS` days after it (provider-local days): the same 30 days ahead that
``GET /v1/appointments`` lists by default, plus yesterday so a same-day change to an appointment that just
started is still seen. One list call per connection and poll (more only when the provider pages).

- an appointment listed without a snapshot: ``appointment.created``;
- listed with different fields: ``appointment.cancelled`` (status became cancelled), ``appointment.rescheduled``
  (start, end or staff moved) or ``appointment.updated``, ``previous`` holding the fields' old values;
- a snapshot inside the window no longer listed: the appointment is read once (``appointments.get``): a
  provider that deletes cancelled bookings answers not found (``appointment.cancelled``); one moved out of
  the window answers with it (``appointment.rescheduled``);
- a snapshot that starts before the window: time passed, not a change: it is dropped silently.

The first poll of a connection (or the first after nobody listened) stores a baseline and emits nothing:
otherwise every existing booking would arrive as ``appointment.created``. Bookings changed through Aptura are
emitted by the API, which also stores their snapshot (:func:`aptura.store.snapshots.record`), so the poller
finds no change; when both see the same change, the conditional snapshot write decides who reports it.

At-least-once: a change is claimed in its snapshot together with the event it becomes (``pending``), then
emitted, then the mark is dropped; the next poll emits any event still marked, so a poller killed mid-batch
loses nothing (one killed between the emit and the unmark sends that event twice; see
:mod:`aptura.store.snapshots`).

Other sources, declared in the spec's ``sources`` (docs/spec-reference.md, Sources): a ``changes`` feed replaces the
window scan (the spec's operation reads what changed since the connection's cursor, which moves only after
those changes are claimed and emitted); a ``webhook`` is received by :mod:`aptura.inbound`, which diffs the
appointment it names through :func:`observe` like the poller, so a change seen by both is reported once. The
window scan still runs for a connection with webhooks (a missed notification is then found a poll later), and
the poller subscribes the connection's Aptura URL with the provider when the spec says how.

Scheduling (:func:`handle`): an EventBridge rule invokes the function every minute; it lists the connections
and queues one message per connection to ``APTURA_POLL_QUEUE_URL``, delayed by a stable offset within the
minute so connections of one provider are spread over it rather than all at :00; the same function, fed by
that queue, polls each one. The engine paces each request to the provider's declared quota.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from aws_lambda_powertools import Logger

from aptura import events
from aptura.api import listing
from aptura.api.models import Appointment
from aptura.engine.runner import Connection, Runner
from aptura.engine.timezones import format_utc, parse_datetime, zone
from aptura.errors import AptError
from aptura.spec.loader import load_spec
from aptura.spec.models import OAuth2Auth, Operation, ProviderSpec
from aptura.store import snapshots, webhooks
from aptura.store.connections import ConnectionRecord, get_connection, read_credentials, record_error, record_ok
from aptura.store.db import items
from aptura.store.tokens import DynamoTokenStore

logger = Logger(child=True)

WINDOW_BEFORE_DAYS = 1
WINDOW_AFTER_DAYS = 30
POLL_QUEUE_ENV = "APTURA_POLL_QUEUE_URL"
SPREAD_SECONDS = 60  # the schedule's period: each connection gets a fixed second within it
_BATCH = 10
APPOINTMENT_EVENTS = ("appointment.created", "appointment.rescheduled", "appointment.updated",
                      "appointment.cancelled")
_MOVES = ("startTime", "endTime", "staff")
_FAULTS = {"connection_auth_failed", "provider_error", "provider_unavailable", "provider_timeout"}


@dataclass
class PollResult:
    """What one poll of one connection did (for logs, the dev stack and the tests)."""

    connection_id: str
    status: str  # "polled", "baseline", "skipped" (nobody listens), "failed"
    events: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def window(now: datetime) -> tuple[str, str]:
    """The first and last provider-local day the poll lists (ISO dates)."""
    today = now.astimezone(UTC).date()
    return ((today - timedelta(days=WINDOW_BEFORE_DAYS)).isoformat(),
            (today + timedelta(days=WINDOW_AFTER_DAYS)).isoformat())


def listening(record: ConnectionRecord) -> bool:
    """Whether some enabled endpoint wants appointment events of this connection (else polling spends quota
    for nobody)."""
    return any(e.wants(t, record.connection_id) for e in webhooks.list_endpoints(record.account_id, record.mode)
               for t in APPOINTMENT_EVENTS)


class Provider:
    """Runs operations of the connection's spec outside any API request, with the API's credential handling:
    refused cached credentials are read again once (another container may have rotated them)."""

    def __init__(self, record: ConnectionRecord) -> None:
        self.record = record
        self.spec = load_spec(record.provider)
        self.zone = "UTC"

    def run(self, operation: str, input_: dict[str, Any], spec: ProviderSpec | None = None) -> Any:
        """Run the spec's ``operation`` (of ``spec``, when given: the spec with a source's operation added)."""
        credentials = read_credentials(self.record)
        try:
            return self._once(operation, input_, credentials, spec or self.spec)
        except AptError as exc:
            if exc.code != "connection_auth_failed":
                raise
            fresh = read_credentials(self.record, force=True)
            if fresh == credentials:
                raise
            return self._once(operation, input_, fresh, spec or self.spec)

    def run_source(self, operation: Operation, input_: dict[str, Any]) -> Any:
        """Run an operation of the spec's ``sources`` section: the same engine, on a copy of the spec that has
        it among its operations (the operation names of ProviderSpec are the unified ones only)."""
        name = "sources.operation"
        spec = self.spec.model_copy(update={"operations": {**self.spec.operations, name: operation}})
        return self.run(name, input_, spec)

    def _once(self, operation: str, input_: dict[str, Any], credentials: dict[str, Any],
              spec: ProviderSpec) -> Any:
        from aptura.api.app import oauth_app  # the API module is heavy; only OAuth connections need it

        record = self.record
        oauth = isinstance(self.spec.auth, OAuth2Auth)
        runner = Runner(spec, Connection(record.connection_id, record.provider, record.mode, record.config,
                                              dict(credentials)),
                        request_id=f"poll-{record.connection_id}",
                        token_store=DynamoTokenStore(record) if oauth else None,
                        oauth_app=oauth_app(self.spec.id, record.mode) if oauth else None)
        output = runner.run(operation, input_)
        self.zone = runner.zone
        return output

    def appointments(self, output: Any) -> list[dict[str, Any]]:
        """An operation's output (one appointment or a list) as unified appointments."""
        rows = output if isinstance(output, list) else [output]
        return [listing.present(a, include_raw=False)
                for a in listing.unify(rows, Appointment, {"provider": self.spec.id})]


def _event_type(before: dict[str, Any], after: dict[str, Any], previous: dict[str, Any]) -> str:
    if after.get("status") == "cancelled" and before.get("status") != "cancelled":
        return "appointment.cancelled"
    if any(name in previous for name in _MOVES):
        return "appointment.rescheduled"
    return "appointment.updated"


def _staff_id(value: Any) -> Any:
    return value.get("id") if isinstance(value, dict) else value


def _differs(snapshot: snapshots.Snapshot, seen: dict[str, Any]) -> dict[str, Any]:
    """The changed fields with their old values; for a snapshot the API wrote, only the scheduling ones (its
    create answer may lack detail the list has, which is no change)."""
    before = snapshot.appointment
    previous = events.changed_fields(before, seen)
    if snapshot.source == "api":
        previous = {k: v for k, v in previous.items() if k in snapshots.SCHEDULING_FIELDS}
        if "staff" in previous and _staff_id(before.get("staff")) == _staff_id(seen.get("staff")):
            del previous["staff"]  # the same person, described with more or fewer fields
    return previous


def poll_connection(record: ConnectionRecord, now: datetime | None = None) -> PollResult:
    """Poll one connection once: list its window (or read its changes feed), diff, store, emit. Provider faults
    are recorded on the connection (refused credentials also emit ``connection.error``, once) and end this poll
    only."""
    now = now or datetime.now(UTC)
    account, cid = record.account_id, record.connection_id
    if not listening(record):
        snapshots.clear_baseline(account, cid)
        return PollResult(cid, "skipped")
    provider = Provider(record)
    # Snapshots first, then the list: a booking the API makes in between is then listed but not in what was
    # read, and claim() (not the comparison) finds the API's snapshot and keeps the poller quiet.
    stored = snapshots.load(account, cid)
    baseline = snapshots.baseline_at(account, cid) is None
    result = PollResult(cid, "baseline" if baseline else "polled")
    resend_pending(record, stored, result)
    sources = provider.spec.sources
    if sources is not None and sources.webhook is not None and sources.webhook.subscribe is not None:
        _subscribe(record, provider)
    try:
        if sources is not None and sources.changes is not None:
            _read_changes(record, provider, stored, result, now, baseline)
        else:
            _scan_window(record, provider, stored, result, now, baseline)
    except AptError as exc:
        return _failed(record, exc)
    if baseline:
        snapshots.set_baseline(account, cid, format_utc(now))
    return result


def _subscribe(record: ConnectionRecord, provider: Provider) -> None:
    """Subscribe the connection's webhook URL with the provider if not yet (see :mod:`aptura.inbound`); a
    refusal is logged and tried again next poll, and does not stop this one (the scan still finds changes)."""
    from aptura import inbound  # inbound builds on this module

    try:
        inbound.ensure_subscribed(record, provider)
    except AptError as exc:
        logger.warning("webhook subscription failed", extra={"connection_id": record.connection_id,
                                                             "error": exc.code})


def resend_pending(record: ConnectionRecord, stored: dict[str, snapshots.Snapshot], result: PollResult) -> None:
    """Emit the events a run that died after claiming them did not get to (at-least-once)."""
    for appointment_id, snapshot in stored.items():
        if snapshot.pending is None:
            continue
        _deliver(record, result, str(snapshot.pending["type"]), snapshot.appointment,
                 dict(snapshot.pending.get("previous") or {}), snapshot.digest)
        stored[appointment_id] = snapshots.Snapshot(snapshot.appointment, snapshot.digest, snapshot.source)


def _scan_window(record: ConnectionRecord, provider: Provider, stored: dict[str, snapshots.Snapshot],
                 result: PollResult, now: datetime, baseline: bool) -> None:
    """The generic source: list the rolling window and diff it against the snapshots."""
    account, cid = record.account_id, record.connection_id
    first, last = window(now)
    listed = provider.appointments(provider.run("appointments.list", {
        "startDate": first, "endDate": last, "staffId": None, "serviceId": None, "status": None,
        "clientEmail": None}))
    record_ok(record)
    tz = zone(provider.zone)

    def covered(appointment: dict[str, Any]) -> bool:
        day = parse_datetime(str(appointment["startTime"])).astimezone(tz).date().isoformat()
        return first <= day <= last

    seen = {str(a["id"]): a for a in listed if covered(a)}
    for appointment_id, appointment in seen.items():
        observe(record, result, appointment, stored.get(appointment_id), "appointment.created", baseline)
    for appointment_id, snapshot in stored.items():
        if appointment_id in seen:
            continue
        start = parse_datetime(str(snapshot.appointment["startTime"])).astimezone(tz).date().isoformat()
        if start < first:  # over: it left the window because time passed
            snapshots.forget(account, cid, appointment_id)
        elif start <= last:  # should have been listed
            _vanished(record, provider, result, snapshot, baseline)
        # after the window: booked far ahead through Aptura; kept until the window reaches it


def _read_changes(record: ConnectionRecord, provider: Provider, stored: dict[str, snapshots.Snapshot],
                  result: PollResult, now: datetime, baseline: bool) -> None:
    """The spec's changes feed from the connection's cursor; the cursor moves only after every change it
    covers is claimed and emitted, so a run that dies midway reads the same changes again (and the snapshots
    make the second reading quiet for what was already reported).

    Without a cursor (the first poll, or the first after nobody listened) the window is scanned once instead,
    for the snapshots later changes are diffed against, and the feed starts at that poll's time."""
    changes = provider.spec.sources.changes  # type: ignore[union-attr]  # the caller checked
    assert changes is not None
    account, cid = record.account_id, record.connection_id
    cursor = snapshots.cursor(account, cid)
    if cursor is None:
        # Computed before the scan: a change made while it runs is then read from the feed next time.
        start = str(changes._first_cursor.search({"input": {"now": format_utc(now)}}))
        _scan_window(record, provider, stored, result, now, baseline)
        snapshots.set_cursor(account, cid, start)
        return
    output = provider.run_source(changes.operation, {"cursor": cursor, "now": format_utc(now)})
    record_ok(record)
    for appointment in provider.appointments(output.get("appointments") or []):
        observe(record, result, appointment, stored.get(str(appointment["id"])), "appointment.created", False)
    _forget_past(record, provider, stored, window(now)[0])
    following = output.get("cursor")
    if following and str(following) != cursor:
        snapshots.set_cursor(account, cid, str(following))


def _forget_past(record: ConnectionRecord, provider: Provider, stored: dict[str, snapshots.Snapshot],
                 first: str) -> None:
    """Drop the snapshots of appointments that started before the window's first day: over, not changed."""
    tz = zone(provider.zone)
    for appointment_id, snapshot in stored.items():
        start = parse_datetime(str(snapshot.appointment["startTime"])).astimezone(tz).date().isoformat()
        if start < first:
            snapshots.forget(record.account_id, record.connection_id, appointment_id)


def event_type_without_snapshot(appointment: dict[str, Any], declared: str) -> str:
    """What a change is when Aptura never saw the appointment before: a cancellation says so itself; else what
    the source says (a webhook's event name, or ``appointment.created`` for a listing)."""
    return "appointment.cancelled" if appointment.get("status") == "cancelled" else declared


def observe(record: ConnectionRecord, result: PollResult, appointment: dict[str, Any],
            snapshot: snapshots.Snapshot | None, declared: str, baseline: bool) -> None:
    """One appointment as the provider has it now, against its snapshot: store it and emit what changed (the
    conditional claim decides, when the API or another source saw the same change, who reports it)."""
    account, cid = record.account_id, record.connection_id
    if snapshot is None:
        event_type = event_type_without_snapshot(appointment, declared)
        pending = None if baseline else {"type": event_type, "previous": {}}
        if snapshots.claim(account, cid, appointment, None, pending) and pending is not None:
            _deliver(record, result, event_type, appointment, {}, snapshots.digest(appointment))
        return
    previous = _differs(snapshot, appointment)
    if not previous:
        if snapshot.source == "api" or snapshot.digest != snapshots.digest(appointment):
            snapshots.claim(account, cid, appointment, snapshot.digest)  # adopt the list's detail, silently
        return
    event_type = _event_type(snapshot.appointment, appointment, previous)
    pending = None if baseline else {"type": event_type, "previous": previous}
    if snapshots.claim(account, cid, appointment, snapshot.digest, pending) and pending is not None:
        _deliver(record, result, event_type, appointment, previous, snapshots.digest(appointment))


def _vanished(record: ConnectionRecord, provider: Provider, result: PollResult, snapshot: snapshots.Snapshot,
              baseline: bool) -> None:
    """An appointment in the window is no longer listed: deleted (cancelled) or moved out of the window."""
    before = snapshot.appointment
    account, cid, appointment_id = record.account_id, record.connection_id, str(before["id"])
    now_seen = read_appointment(record, provider, appointment_id)
    if now_seen is False:
        return
    if now_seen is None:  # the provider forgot it: a deletion, which is how some providers cancel
        if before.get("status") == "cancelled":
            snapshots.forget(account, cid, appointment_id)
            return
        now_seen = {**before, "status": "cancelled"}
    previous = _differs(snapshot, now_seen)
    if not previous:  # listed nowhere but unchanged (a provider's list filter): keep, nothing to say
        return
    observe(record, result, now_seen, snapshot, "appointment.updated", baseline)


def read_appointment(record: ConnectionRecord, provider: Provider,
                     appointment_id: str) -> dict[str, Any] | None | Literal[False]:
    """The appointment as the provider has it now (``appointments.get``); None: the provider answers not found
    (or cannot read one); False: not known now (a fault: look again later, a fault is no cancellation)."""
    if "appointments.get" not in provider.spec.operations:
        return None
    try:
        [now_seen] = provider.appointments(provider.run("appointments.get", {"id": appointment_id}))
    except AptError as exc:
        if exc.code == "not_found":
            return None
        logger.info("appointment not read", extra={"connection_id": record.connection_id, "error": exc.code})
        return False
    return now_seen


def _deliver(record: ConnectionRecord, result: PollResult, event_type: str, appointment: dict[str, Any],
             previous: dict[str, Any], digest: str) -> None:
    """Emit a claimed change, then drop its pending mark (see :mod:`aptura.store.snapshots`)."""
    event = events.emit(record.account_id, record.mode, event_type, record.connection_id, appointment, previous,
                        record.end_user)
    if event is not None:
        result.events.append(event)
    snapshots.settle(record.account_id, record.connection_id, str(appointment["id"]), digest)


def _failed(record: ConnectionRecord, exc: AptError) -> PollResult:
    if exc.code in _FAULTS:  # GET /v1/connections/{id} shows why polling stopped working
        marked = record_error(record, exc.code, exc.message)
        if exc.code == "connection_auth_failed" and record.status != "error":
            # Only when it starts failing, as in the API: every later poll refused the same way is not news.
            events.emit_connection("connection.error", marked)
    logger.info("poll failed", extra={"connection_id": record.connection_id, "error": exc.code})
    return PollResult(record.connection_id, "failed", error=exc.code)


# -- fan-out ---------------------------------------------------------------------------------------------------


def all_connections() -> list[tuple[str, str]]:
    """Every connection as (account id, connection id).

    A Scan of keys only, filtered to connection items: there is no index across accounts, and one Scan a
    minute costs read units in proportion to the table; an index (or a registry partition) is the step up
    when the table grows large.
    """
    found = items("scan", FilterExpression="begins_with(sk, :c)", ProjectionExpression="pk, sk",
                  ExpressionAttributeValues={":c": "CONNECTION#"})
    return [(str(i["pk"]).split("#", 1)[1], str(i["sk"]).split("#", 1)[1]) for i in found]


def offset(connection_id: str) -> int:
    """The connection's second within the minute: stable, so it is polled once a minute, and spread."""
    return int(hashlib.sha256(connection_id.encode()).hexdigest()[:8], 16) % SPREAD_SECONDS


def fan_out() -> int:
    """Queue one poll per connection, each delayed to its second of the minute; returns how many."""
    queue = os.environ[POLL_QUEUE_ENV]
    messages = [{"Id": str(i), "MessageBody": json.dumps({"account_id": a, "connection_id": c}),
                 "DelaySeconds": offset(c)} for i, (a, c) in enumerate(all_connections())]
    for start in range(0, len(messages), _BATCH):
        events.sqs_client().send_message_batch(QueueUrl=queue, Entries=messages[start:start + _BATCH])
    return len(messages)


def poll(account_id: str, connection_id: str, now: datetime | None = None) -> PollResult | None:
    """Poll the connection if it still exists (it may have been deleted since it was queued)."""
    record = get_connection(account_id, connection_id)
    return poll_connection(record, now) if record is not None else None


def poll_all(now: datetime | None = None) -> list[PollResult]:
    """Every connection now, one after the other (``make dev``: few connections, a poll every few seconds)."""
    out: list[PollResult] = []
    for account_id, connection_id in all_connections():
        try:
            result = poll(account_id, connection_id, now)
        except Exception as exc:  # noqa: BLE001 - one connection's fault must not stop the others' polls
            logger.exception("poll crashed", extra={"connection_id": connection_id})
            result = PollResult(connection_id, "failed", error=type(exc).__name__)
        if result is not None:
            out.append(result)
    return out


def handle(event: dict[str, Any]) -> dict[str, Any]:
    """PollerFunction: a batch from the poll queue (poll each), ``{"poll": "all"}`` (``make dev``: poll every
    connection now), or the EventBridge schedule (queue the minute's polls)."""
    if "Records" in event:
        failures: list[dict[str, str]] = []
        for record in event["Records"]:
            try:
                body = json.loads(record["body"])
                poll(str(body["account_id"]), str(body["connection_id"]))
            except Exception:  # noqa: BLE001 - SQS hands the message out again; the next minute polls anyway
                logger.exception("poll failed", extra={"message_id": record.get("messageId")})
                failures.append({"itemIdentifier": str(record["messageId"])})
        return {"batchItemFailures": failures}
    if event.get("poll") == "all":
        results = poll_all()
        return {"polled": len(results), "events": sum(len(r.events) for r in results),
                "requeued_events": events.sweep_pending()}
    # Once a minute, also the outbox: events a queue fault left stored but unqueued are queued now.
    return {"queued": fan_out(), "requeued_events": events.sweep_pending()}
