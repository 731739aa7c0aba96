"""Lambda handler for the webhook queue (SQS): signs and delivers each event (aptura.delivery)."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from aptura.api.app import logger
from aptura.delivery import handle
from aptura.observability import log_metrics


@log_metrics
@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Deliver a batch of queued events; the messages that could not be processed are retried by SQS."""
    try:
        return handle(event)
    finally:
        logger.clear_state()  # a warm container must not carry this batch's ids into later lines
