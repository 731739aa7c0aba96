from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.webhook_endpoint_create import WebhookEndpointCreate
from ...models.webhook_endpoint_created import WebhookEndpointCreated
from typing import cast



def _get_kwargs(
    *,
    body: WebhookEndpointCreate,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}


    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/webhook-endpoints",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | WebhookEndpointCreated | None:
    if response.status_code == 201:
        response_201 = WebhookEndpointCreated.from_dict(response.json())



        return response_201

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())



        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())



        return response_401

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())



        return response_403

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())



        return response_404

    if response.status_code == 409:
        response_409 = ErrorBody.from_dict(response.json())



        return response_409

    if response.status_code == 422:
        response_422 = ErrorBody.from_dict(response.json())



        return response_422

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())



        return response_429

    if response.status_code == 501:
        response_501 = ErrorBody.from_dict(response.json())



        return response_501

    if response.status_code == 502:
        response_502 = ErrorBody.from_dict(response.json())



        return response_502

    if response.status_code == 503:
        response_503 = ErrorBody.from_dict(response.json())



        return response_503

    if response.status_code == 504:
        response_504 = ErrorBody.from_dict(response.json())



        return response_504

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorBody | WebhookEndpointCreated]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: WebhookEndpointCreate,

) -> Response[ErrorBody | WebhookEndpointCreated]:
    """ Register a webhook endpoint

     Events of the key's mode matching `event_types` (and `connection_ids`, when given) are POSTed to
    `url`, signed to the Standard Webhooks spec (`webhook-id`, `webhook-timestamp`, `webhook-
    signature`). The signing `secret` is in this answer only.

    Args:
        body (WebhookEndpointCreate): Body of ``POST /v1/webhook-endpoints``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | WebhookEndpointCreated]
     """


    kwargs = _get_kwargs(
        body=body,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient | Client,
    body: WebhookEndpointCreate,

) -> ErrorBody | WebhookEndpointCreated | None:
    """ Register a webhook endpoint

     Events of the key's mode matching `event_types` (and `connection_ids`, when given) are POSTed to
    `url`, signed to the Standard Webhooks spec (`webhook-id`, `webhook-timestamp`, `webhook-
    signature`). The signing `secret` is in this answer only.

    Args:
        body (WebhookEndpointCreate): Body of ``POST /v1/webhook-endpoints``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | WebhookEndpointCreated
     """


    return sync_detailed(
        client=client,
body=body,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: WebhookEndpointCreate,

) -> Response[ErrorBody | WebhookEndpointCreated]:
    """ Register a webhook endpoint

     Events of the key's mode matching `event_types` (and `connection_ids`, when given) are POSTed to
    `url`, signed to the Standard Webhooks spec (`webhook-id`, `webhook-timestamp`, `webhook-
    signature`). The signing `secret` is in this answer only.

    Args:
        body (WebhookEndpointCreate): Body of ``POST /v1/webhook-endpoints``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | WebhookEndpointCreated]
     """


    kwargs = _get_kwargs(
        body=body,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: WebhookEndpointCreate,

) -> ErrorBody | WebhookEndpointCreated | None:
    """ Register a webhook endpoint

     Events of the key's mode matching `event_types` (and `connection_ids`, when given) are POSTed to
    `url`, signed to the Standard Webhooks spec (`webhook-id`, `webhook-timestamp`, `webhook-
    signature`). The signing `secret` is in this answer only.

    Args:
        body (WebhookEndpointCreate): Body of ``POST /v1/webhook-endpoints``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | WebhookEndpointCreated
     """


    return (await asyncio_detailed(
        client=client,
body=body,

    )).parsed
