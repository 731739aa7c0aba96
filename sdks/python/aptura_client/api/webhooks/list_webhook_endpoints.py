from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.list_webhook_endpoints_ordering import ListWebhookEndpointsOrdering
from ...models.list_webhook_endpoints_status_type_0 import ListWebhookEndpointsStatusType0
from ...models.webhook_endpoint_list import WebhookEndpointList
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    status: ListWebhookEndpointsStatusType0 | None | Unset = UNSET,
    ordering: ListWebhookEndpointsOrdering | Unset = ListWebhookEndpointsOrdering.VALUE_1,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ListWebhookEndpointsStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_ordering: str | Unset = UNSET
    if not isinstance(ordering, Unset):
        json_ordering = ordering.value

    params["ordering"] = json_ordering

    params["limit"] = limit

    json_cursor: None | str | Unset
    if isinstance(cursor, Unset):
        json_cursor = UNSET
    else:
        json_cursor = cursor
    params["cursor"] = json_cursor


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/webhook-endpoints",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | WebhookEndpointList | None:
    if response.status_code == 200:
        response_200 = WebhookEndpointList.from_dict(response.json())



        return response_200

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorBody | WebhookEndpointList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    status: ListWebhookEndpointsStatusType0 | None | Unset = UNSET,
    ordering: ListWebhookEndpointsOrdering | Unset = ListWebhookEndpointsOrdering.VALUE_1,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> Response[ErrorBody | WebhookEndpointList]:
    """ List webhook endpoints

     Only the endpoints of the API key's mode.

    Args:
        status (ListWebhookEndpointsStatusType0 | None | Unset): Only this status
        ordering (ListWebhookEndpointsOrdering | Unset): Sort field; `-` for descending Default:
            ListWebhookEndpointsOrdering.VALUE_1.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | WebhookEndpointList]
     """


    kwargs = _get_kwargs(
        status=status,
ordering=ordering,
limit=limit,
cursor=cursor,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient | Client,
    status: ListWebhookEndpointsStatusType0 | None | Unset = UNSET,
    ordering: ListWebhookEndpointsOrdering | Unset = ListWebhookEndpointsOrdering.VALUE_1,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> ErrorBody | WebhookEndpointList | None:
    """ List webhook endpoints

     Only the endpoints of the API key's mode.

    Args:
        status (ListWebhookEndpointsStatusType0 | None | Unset): Only this status
        ordering (ListWebhookEndpointsOrdering | Unset): Sort field; `-` for descending Default:
            ListWebhookEndpointsOrdering.VALUE_1.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | WebhookEndpointList
     """


    return sync_detailed(
        client=client,
status=status,
ordering=ordering,
limit=limit,
cursor=cursor,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    status: ListWebhookEndpointsStatusType0 | None | Unset = UNSET,
    ordering: ListWebhookEndpointsOrdering | Unset = ListWebhookEndpointsOrdering.VALUE_1,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> Response[ErrorBody | WebhookEndpointList]:
    """ List webhook endpoints

     Only the endpoints of the API key's mode.

    Args:
        status (ListWebhookEndpointsStatusType0 | None | Unset): Only this status
        ordering (ListWebhookEndpointsOrdering | Unset): Sort field; `-` for descending Default:
            ListWebhookEndpointsOrdering.VALUE_1.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | WebhookEndpointList]
     """


    kwargs = _get_kwargs(
        status=status,
ordering=ordering,
limit=limit,
cursor=cursor,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    status: ListWebhookEndpointsStatusType0 | None | Unset = UNSET,
    ordering: ListWebhookEndpointsOrdering | Unset = ListWebhookEndpointsOrdering.VALUE_1,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> ErrorBody | WebhookEndpointList | None:
    """ List webhook endpoints

     Only the endpoints of the API key's mode.

    Args:
        status (ListWebhookEndpointsStatusType0 | None | Unset): Only this status
        ordering (ListWebhookEndpointsOrdering | Unset): Sort field; `-` for descending Default:
            ListWebhookEndpointsOrdering.VALUE_1.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | WebhookEndpointList
     """


    return (await asyncio_detailed(
        client=client,
status=status,
ordering=ordering,
limit=limit,
cursor=cursor,

    )).parsed
