"""Events: (a) events per second through ONE delivery worker, (b) provider calls per connection and hour
spent by the change poller.

(a) N events are emitted as the product does (:func:`aptura.events.emit`: stored, then queued to SQS, here
moto's server), then one worker drains the queue: it receives batches of up to 10 messages and hands each
batch to :func:`aptura.delivery.handle` (what DeliveryFunction's handler calls) in this process, which signs
every event and POSTs it to a local threaded receiver that verifies the Standard Webhooks signature and
answers 204. Events/s is end to end (first receive to last delivery); per-event ms is the time a batch took
divided by its size.

(b) For each provider with a demo connection, the poller's per-connection poll
(:func:`aptura.poller.poll_connection`) runs a few times (the first is the baseline); the provider requests
of each poll after the baseline are counted. Calls per hour = calls per poll x polls per hour, the schedule
being the template's ``rate(...)`` of PollerFunction (one poll per connection per period).
"""

from __future__ import annotations

import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from bench.env import ROOT, Stack, summary

_RATE = re.compile(r"Schedule:\s*rate\((\d+)\s+(minute|minutes|hour|hours)\)")


def poll_interval_seconds(template: str) -> int:
    """The poller's schedule period from template.yaml's ``rate(N unit)`` (the first Schedule there)."""
    found = _RATE.search(template)
    if not found:
        raise ValueError("no rate(...) schedule in the template")
    n, unit = int(found.group(1)), found.group(2)
    return n * (3600 if unit.startswith("hour") else 60)


def calls_per_hour(calls_per_poll: float, interval_seconds: float) -> float:
    """Provider calls one connection spends an hour when each poll makes ``calls_per_poll``."""
    return calls_per_poll * 3600 / interval_seconds


class _Receiver:
    """A threaded HTTP receiver that verifies each delivery's signature."""

    def __init__(self) -> None:
        self.secret = ""
        self.verified = 0
        self.rejected = 0
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                from standardwebhooks import Webhook

                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                try:
                    Webhook(outer.secret).verify(body, dict(self.headers.items()))
                    ok = True
                except Exception:  # noqa: BLE001 - any failure is a rejection
                    ok = False
                with outer.lock:
                    if ok:
                        outer.verified += 1
                    else:
                        outer.rejected += 1
                self.send_response(204 if ok else 400)
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()


def _queue_env() -> str:
    import boto3

    from aptura import events

    os.environ["AWS_ENDPOINT_URL_SQS"] = os.environ["AWS_ENDPOINT_URL_SECRETS_MANAGER"]  # moto's server
    os.environ[events.QUEUE_ENV] = boto3.client("sqs").create_queue(QueueName=f"bench-{time.time_ns()}")["QueueUrl"]
    os.environ["APTURA_WEBHOOK_ALLOW_LOOPBACK"] = "1"
    events.reset_clients()
    return os.environ[events.QUEUE_ENV]


def measure_delivery(stack: Stack, n: int) -> dict[str, Any]:
    from aptura import delivery, events
    from aptura.store import webhooks
    from bench.env import ACCOUNT_ID

    queue = _queue_env()
    receiver = _Receiver()
    endpoint, secret = webhooks.create_endpoint(ACCOUNT_ID, "test", receiver.url, ["appointment.created"])
    receiver.secret = secret
    sqs = events.sqs_client()
    try:
        cid = next(iter(stack.connections.values()))
        emit_started = time.perf_counter()
        for i in range(n):
            events.emit(ACCOUNT_ID, "test", "appointment.created", cid, {"id": f"bench_{i}", "status": "booked"},
                        endpoints=[endpoint])
        emit_s = time.perf_counter() - emit_started
        per_event: list[float] = []
        delivered, failures = 0, 0
        started = time.perf_counter()
        idle = 0
        while delivered + failures < n and idle < 5:
            got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
            if not got:
                idle += 1
                continue
            idle = 0
            batch = {"Records": [{"messageId": m["MessageId"], "body": m["Body"]} for m in got]}
            t0 = time.perf_counter()
            answer = delivery.handle(batch)
            ms = (time.perf_counter() - t0) * 1000
            per_event += [ms / len(got)] * len(got)
            failures += len(answer["batchItemFailures"])
            delivered += len(got) - len(answer["batchItemFailures"])
            sqs.delete_message_batch(QueueUrl=queue, Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)])
        seconds = time.perf_counter() - started
    finally:
        receiver.stop()
        webhooks.delete_endpoint(endpoint)
    return {"events": n, "delivered": delivered, "batch_failures": failures, "verified": receiver.verified,
            "rejected": receiver.rejected, "seconds": round(seconds, 2),
            "events_per_s": round(delivered / seconds, 1) if seconds else 0.0,
            "emit_events_per_s": round(n / emit_s, 1) if emit_s else 0.0,
            "per_event_ms": summary(per_event)}


def _source(spec: Any) -> str:
    sources = spec.sources
    if sources is not None and sources.changes is not None:
        return "changes feed"
    if sources is not None and sources.webhook is not None:
        return "native webhooks + window scan"
    return "window scan"


def measure_polling(stack: Stack, polls: int) -> dict[str, Any]:
    from aptura import poller
    from aptura.spec.loader import load_spec
    from aptura.store import webhooks
    from aptura.store.connections import get_connection
    from bench.env import ACCOUNT_ID

    _queue_env()
    interval = poll_interval_seconds((ROOT / "template.yaml").read_text())
    endpoint, _ = webhooks.create_endpoint(ACCOUNT_ID, "test", "http://127.0.0.1:9/hook", ["appointment.created"])
    rows = []
    try:
        for provider, cid in stack.connections.items():
            stack.prepare(provider)
            record = get_connection(ACCOUNT_ID, cid)
            assert record is not None
            counts, statuses, last = [], [], []
            for _ in range(polls + 1):
                with stack.provider_calls.recording() as sent:
                    result = poller.poll_connection(record)
                counts.append(len(sent))
                last = [f"{r.method} {urlsplit(r.url).path}" for r in sent]
                statuses.append(result.status)
            steady = counts[1:]
            per_poll = sum(steady) / len(steady)
            rows.append({"provider": provider, "source": _source(load_spec(provider)),
                         "baseline_calls": counts[0], "calls_per_poll": round(per_poll, 2),
                         "calls_per_poll_each": steady, "statuses": sorted(set(statuses)),
                         "last_poll_requests": last,
                         "interval_s": interval, "calls_per_hour": round(calls_per_hour(per_poll, interval), 1)})
    finally:
        webhooks.delete_endpoint(endpoint)
    return {"interval_s": interval, "polls": polls, "providers": rows}


def measure(stack: Stack, events: int, polls: int) -> dict[str, Any]:
    return {"delivery": measure_delivery(stack, events), "polling": measure_polling(stack, polls)}

