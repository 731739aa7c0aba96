"""Idempotent writes: the ``Idempotency-Key`` header, on Powertools idempotency in DynamoDB.

The same key with the same request returns the first answer without a second provider
call; with a different request it is 422; while the first is still running it is 409.
Records are scoped to the account, connection and operation, so one account's keys can
never collide with (or reveal) another's. A failed write leaves no record (Powertools
deletes it), so the caller may retry with the same key.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig
from aws_lambda_powertools.utilities.idempotency.base import IdempotencyHandler
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)

from aptura.api.app import Caller, current_context
from aptura.errors import AptError

IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", min_length=1, max_length=255, pattern=r"^[\x21-\x7e]+$",
    description="Makes the write safe to retry: a repeat with the same key and body returns the first answer",
    examples=["3f2c1a9e-5b7d-4c2e-9f61-0d2b8a7c4e10"])]
RECORD_SECONDS = 24 * 3600
Answer = tuple[dict[str, Any], int]
_store: DynamoDBPersistenceLayer | None = None


def _persistence() -> DynamoDBPersistenceLayer:
    global _store
    if _store is None:
        _store = DynamoDBPersistenceLayer(table_name=os.environ["APTURA_IDEMPOTENCY_TABLE"])
    return _store


def reset() -> None:
    """Forget the persistence layer (tests switch fake AWS per test)."""
    global _store
    _store = None


def _run(work: Callable[[], Answer]) -> dict[str, Any]:
    body, status = work()
    return {"body": body, "status": status}


def write_once(caller: Caller, operation: str, key: str | None, request: Any, work: Callable[[], Answer]) -> Answer:
    """Run the caller's write ``work`` at most once per Idempotency-Key (see the module docstring)."""
    scope = f"{caller.key.account_id}#{caller.connection.connection_id}#{operation}"
    return once(scope, key, request, work)


def once(scope: str, key: str | None, request: Any, work: Callable[[], Answer]) -> Answer:
    """Run ``work`` at most once per ``(scope, key)``; without a key it simply runs."""
    if not key:
        return work()
    config = IdempotencyConfig(event_key_jmespath="key", payload_validation_jmespath="request",
                               expires_after_seconds=RECORD_SECONDS, use_local_cache=False)
    context = current_context()
    if context is not None:
        config.register_lambda_context(context)  # an in-flight record expires with this invocation
    handler = IdempotencyHandler(function=_run, function_payload={"key": f"{scope}#{key}", "request": request},
                                 config=config, persistence_store=_persistence(), function_args=(),
                                 function_kwargs={"work": work})
    try:
        answer = handler.handle()
    except IdempotencyValidationError as exc:
        raise AptError("this Idempotency-Key was already used with a different request", code="unprocessable",
                       details={"Idempotency-Key": ["use a new key for a different request"]}) from exc
    except IdempotencyAlreadyInProgressError as exc:
        raise AptError("a request with this Idempotency-Key is still in progress", code="conflict", retry_after=1,
                       details={"Idempotency-Key": ["in progress; retry shortly"]}) from exc
    return answer["body"], int(answer["status"])
