"""What Lambda's SQS event source mapping does, for ``make dev`` and the tests: receive a batch from a queue,
invoke the function with the SQS event Lambda would build, delete the messages it did not report as failed.

Why this rather than the gateway's workers alone: the gateway only routes HTTP requests, and the delivery
function must see the same event shape (``Records``, ``batchItemFailures``) it sees in AWS; a thread in
the dev stack polling moto's SQS is the smallest thing that keeps that contract, and the function itself
still runs in a Lambda-like worker process (:class:`local.gateway.FunctionPool`).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

Invoke = Callable[[dict[str, Any]], Any]


def sqs_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """The event Lambda hands an SQS-triggered function for ``messages`` (ReceiveMessage's answers)."""
    region = queue_arn.split(":")[3] if queue_arn.count(":") >= 5 else "us-east-1"
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes") or {}, "messageAttributes": m.get("MessageAttributes") or {},
        "md5OfBody": m.get("MD5OfBody") or hashlib.md5(m["Body"].encode()).hexdigest(),  # noqa: S324 - SQS's own
        "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": region,
    } for m in messages]}


def poll_once(client: Any, queue_url: str, queue_arn: str, invoke: Invoke, batch_size: int = 5,
              wait_seconds: int = 0) -> int:
    """Receive up to ``batch_size`` messages and run ``invoke`` on them; returns how many were received.

    Messages the function reports in ``batchItemFailures`` (or all of them, when it crashes) stay in the
    queue and come back after their visibility timeout, as with Lambda.
    """
    answer = client.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=batch_size, WaitTimeSeconds=wait_seconds,
                                    AttributeNames=["All"], MessageAttributeNames=["All"])
    messages = answer.get("Messages") or []
    if not messages:
        return 0
    result = invoke(sqs_event(messages, queue_arn))
    if not isinstance(result, dict) or "batchItemFailures" not in result:
        failed = {m["MessageId"] for m in messages} if not isinstance(result, dict) else set()
    else:
        failed = {str(f["itemIdentifier"]) for f in result["batchItemFailures"]}
    done = [m for m in messages if m["MessageId"] not in failed]
    if done:
        client.delete_message_batch(QueueUrl=queue_url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
    return len(messages)


class Poller:
    """A daemon thread feeding one queue to one function until :meth:`stop`."""

    def __init__(self, client: Any, queue_url: str, queue_arn: str, invoke: Invoke, *, batch_size: int = 5,
                 log: Callable[[str], None] | None = None) -> None:
        self._args = (client, queue_url, queue_arn, invoke)
        self._batch = batch_size
        self._log = log
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqs-poller", daemon=True)

    def start(self) -> None:
        """Start polling."""
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if poll_once(*self._args, batch_size=self._batch, wait_seconds=1) == 0:
                    self._stop.wait(0.2)
            except Exception as exc:  # noqa: BLE001 - a poller that dies silently would stop all deliveries
                if self._log:
                    self._log(f"sqs poller: {type(exc).__name__}: {exc}")
                self._stop.wait(1.0)

    def stop(self) -> None:
        """Stop polling (a batch being handled finishes first)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)


class Schedule:
    """What an EventBridge ``rate()`` rule does, in seconds rather than minutes: a daemon thread invoking one
    function with one event every ``interval`` seconds until :meth:`stop` (``make dev``'s change poller).

    The next run starts ``interval`` after the previous one ended, so a slow run never overlaps the next.
    """

    def __init__(self, interval: float, invoke: Invoke, event: dict[str, Any], *,
                 log: Callable[[str], None] | None = None) -> None:
        self._interval = interval
        self._invoke = invoke
        self._event = event
        self._log = log
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="schedule", daemon=True)

    def start(self) -> None:
        """Start invoking (the first run after one interval: the stack finishes starting first)."""
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                self._invoke(self._event)
            except Exception as exc:  # noqa: BLE001 - a schedule that dies silently would stop every poll
                if self._log:
                    self._log(f"schedule: {type(exc).__name__}: {exc}")

    def stop(self) -> None:
        """Stop invoking (a run in progress finishes first)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=60)
