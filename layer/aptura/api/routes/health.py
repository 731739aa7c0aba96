"""GET /v1/health: is the API up. Public (no key) and touches no AWS service, so it stays cheap and
answers even while DynamoDB or Secrets Manager are unreachable."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools.event_handler.api_gateway import Router
from pydantic import BaseModel, Field

from aptura.api.app import NO_KEY

# The API's version, also the OpenAPI document's ``info.version``.
API_VERSION = "1.0.0"

router = Router()


class Health(BaseModel):
    """The health answer."""

    status: str = Field(examples=["ok"])
    version: str = Field(examples=[API_VERSION])
    time: str = Field(description="The server's time, UTC ISO-8601 with Z", examples=["2026-12-07T08:00:00Z"])


def now_utc() -> str:
    """Now, UTC ISO-8601 to the second with ``Z``."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@router.get("/v1/health", operation_id="getHealth", summary="Whether the API is up (no API key needed)",
            tags=["Health"], openapi_extensions=NO_KEY,
            responses={200: {"description": "The API is up",
                             "content": {"application/json": {"model": Health}}}})
def health() -> Health:
    """``{"status": "ok", "version", "time"}``."""
    return Health(status="ok", version=API_VERSION, time=now_utc())
