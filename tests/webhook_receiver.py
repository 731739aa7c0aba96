"""A local HTTP receiver for webhook deliveries, and draining the webhook queue into the delivery function."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3

from local.sqs_poller import poll_once


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class Receiver:
    """Records every POST; answers each with the next status of ``statuses`` (then 200)."""

    url: str
    received: list[Delivery] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)


@contextmanager
def receiver(statuses: list[int] | None = None) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1 (a test-mode endpoint may use plain http there)."""
    state = Receiver("")
    state.statuses = list(statuses or [])
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with lock:
                state.received.append(Delivery({k.lower(): v for k, v in self.headers.items()}, body))
                status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def queue_arn(url: str) -> str:
    return str(boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
               ["Attributes"]["QueueArn"])


def drain(handler: Callable[[dict[str, Any]], Any], rounds: int = 20) -> int:
    """Feed the webhook queue to ``handler`` as Lambda's SQS event source would, until it is empty.

    Messages delayed by SQS are not visible yet: callers use a schedule of zeros. Returns batches handled.
    """
    client, url = boto3.client("sqs"), os.environ["APTURA_WEBHOOK_QUEUE_URL"]
    arn, batches = queue_arn(url), 0
    for _ in range(rounds):
        if poll_once(client, url, arn, handler) == 0:
            break
        batches += 1
    return batches


def queued(url_env: str = "APTURA_WEBHOOK_QUEUE_URL") -> list[dict[str, Any]]:
    """Every visible message of a queue, parsed (they stay hidden for the visibility timeout afterwards)."""
    client, url = boto3.client("sqs"), os.environ[url_env]
    out: list[dict[str, Any]] = []
    while True:
        messages = client.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages") or []
        if not messages:
            return out
        out.extend(json.loads(m["Body"]) for m in messages)
