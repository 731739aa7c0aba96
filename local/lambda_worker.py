"""One emulated Lambda execution environment: imports a handler once, then serves invocations forever.

Started by :mod:`local.gateway` as ``python -P lambda_worker.py <handler> <request-fd> <response-fd> <arn>``
with cwd, PYTHONPATH and environment already set up like the function's Lambda sandbox. It runs as a script with ``-P``
(and imports nothing from ``local``) so that only the function's own directories are on ``sys.path``.

Protocol: one JSON document per line. Requests arrive on ``<request-fd>`` as
``{"event": ..., "requestId": ..., "deadlineMs": ...}``; the worker first writes ``{"ready": true}`` once the
handler module is imported (init), then one ``{"result": ...}`` or ``{"error": {...}}`` line per request on
``<response-fd>``. stdout/stderr stay free for the function's own logs, which the gateway relays.
"""

from __future__ import annotations

import decimal
import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The subset of the Lambda runtime's context object that handlers and Powertools use."""

    def __init__(self, request_id: str, deadline_ms: int, function_arn: str) -> None:
        env = os.environ
        self.function_name = env["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = env["AWS_LAMBDA_FUNCTION_VERSION"]
        self.invoked_function_arn = function_arn
        self.memory_limit_in_mb = int(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.aws_request_id = request_id
        self.log_group_name = env["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = env["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's Timeout, never negative."""
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _json_default(obj: object) -> object:
    # The Python runtime serializes Decimal (what boto3's DynamoDB resource returns) as a JSON number.
    if isinstance(obj, decimal.Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _error(exc: BaseException) -> dict[str, Any]:
    # Same fields as Lambda's error payload; the traceback also goes to the function's log like in Lambda.
    traceback.print_exc()
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def main() -> None:
    """Import the handler, then answer requests until the request pipe closes."""
    handler_spec, in_fd, out_fd, function_arn = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    requests = os.fdopen(in_fd, "rb")
    responses = os.fdopen(out_fd, "wb")
    module_name, func_name = handler_spec.rsplit(".", 1)
    try:
        handler = getattr(importlib.import_module(module_name.replace("/", ".")), func_name)
    except Exception:  # noqa: BLE001 - any init error: Lambda reports it, here the gateway sees the exit
        traceback.print_exc()
        sys.exit(1)
    responses.write(b'{"ready": true}\n')
    responses.flush()
    for line in requests:
        request = json.loads(line)
        context = LambdaContext(request["requestId"], request["deadlineMs"], function_arn)
        try:
            message = {"result": handler(request["event"], context)}
            payload = json.dumps(message, default=_json_default)
        except Exception as exc:  # noqa: BLE001 - like the Lambda runtime, any handler error is reported
            payload = json.dumps({"error": _error(exc)})
        sys.stdout.flush()
        sys.stderr.flush()
        responses.write(payload.encode() + b"\n")
        responses.flush()


if __name__ == "__main__":
    main()
