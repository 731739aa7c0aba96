"""Lambda handler of the change poller (aptura.poller): the schedule queues the minute's polls, the poll queue
feeds them back here one connection at a time."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aptura.api.app import logger
from aptura.observability import log_metrics
from aptura.poller import handle


@log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Fan out (scheduled), or poll the queued connections (SQS batch; failures are retried by SQS)."""
    try:
        return handle(event)
    finally:
        logger.clear_state()  # a warm container must not carry this batch's ids into later lines
