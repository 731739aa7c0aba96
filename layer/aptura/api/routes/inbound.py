"""/inbound: providers' own webhooks in (aptura.inbound), and where a connection's provider should send them.

``POST /inbound/{connection_id}/{token}`` is public (a provider holds no Aptura key): the URL's token and
the provider's signature are what authenticate it; anything else is 401 and a log line. It lives outside
/v1 and the OpenAPI document: providers call it, integrators never do. ``GET
/v1/connections/{connection_id}/inbound`` (``connections:manage``) shows a connection's URL, whether Aptura
subscribed it with the provider, and what a business must paste where when the provider's API cannot.
"""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path
from pydantic import BaseModel, ConfigDict, Field

from aptura import inbound
from aptura.api.app import ERROR_RESPONSES, NO_KEY, current_event, owned_connection, require_key, success
from aptura.errors import NotSupported, ValidationError

router = Router()

ConnectionId = Annotated[str, Path(min_length=1, max_length=100, description="The connection's id",
                                   examples=["conn_xyz789"])]
Token = Annotated[str, Path(min_length=16, max_length=100, description="The URL's secret token")]


class InboundReceived(BaseModel):
    """What a notification did (for the provider's delivery log)."""

    received: bool = True
    events: int = Field(description="Aptura events it became (0: no change Aptura had not reported yet)")


class InboundAddress(BaseModel):
    """Where the connection's provider sends its webhooks."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "connection_id": "conn_xyz789", "url": "https://api.aptura.dev/inbound/conn_xyz789/Zq3…",
        "subscribed": False, "instructions": "Add this URL as a webhook in the provider's console"}]})

    connection_id: str
    url: str = Field(description="The URL to give the provider; it holds a secret token, keep it private")
    subscribed: bool = Field(description="Whether Aptura subscribed it with the provider through its API")
    instructions: str = Field(description="What the business does in the provider while Aptura has not "
                              "subscribed the URL (empty once it has)")


@router.post("/inbound/<connection_id>/<token>", operation_id="receiveProviderWebhook", include_in_schema=False,
             openapi_extensions=NO_KEY)
def receive(connection_id: ConnectionId, token: Token) -> dict[str, Any]:
    event = current_event()
    body = (event.decoded_body or "").encode()
    if len(body) > inbound.MAX_BODY_BYTES:
        raise ValidationError("the notification is too large")
    headers = {name.lower(): value for name, value in (event.headers or {}).items()}
    result = inbound.receive(connection_id, token, headers, body)
    return InboundReceived(events=len(result.events)).model_dump(mode="json")


@router.get("/v1/connections/<connection_id>/inbound", operation_id="getInboundAddress", tags=["Connections"],
            summary="Where the connection's provider sends its webhooks",
            responses={200: success(InboundAddress, "The connection's inbound URL"), **ERROR_RESPONSES})
def address(connection_id: ConnectionId) -> dict[str, Any]:
    key = require_key("connections:manage")
    record = owned_connection(key, connection_id)
    source = inbound.webhook_source(record)
    if source is None:
        raise NotSupported(f"{record.provider} sends no webhooks Aptura receives; its changes are polled",
                           details={"provider": record.provider})
    where = inbound.address(record)
    return InboundAddress(connection_id=record.connection_id, url=where.url,
                          subscribed=where.subscribed_at is not None,
                          instructions="" if where.subscribed_at else source.instructions
                          ).model_dump(mode="json")
