from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.list_webhook_deliveries_outcome_type_0 import ListWebhookDeliveriesOutcomeType0
from ...models.webhook_delivery_list import WebhookDeliveryList
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    endpoint_id: str,
    *,
    event_id: None | str | Unset = UNSET,
    outcome: ListWebhookDeliveriesOutcomeType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_event_id: None | str | Unset
    if isinstance(event_id, Unset):
        json_event_id = UNSET
    else:
        json_event_id = event_id
    params["event_id"] = json_event_id

    json_outcome: None | str | Unset
    if isinstance(outcome, Unset):
        json_outcome = UNSET
    elif isinstance(outcome, ListWebhookDeliveriesOutcomeType0):
        json_outcome = outcome.value
    else:
        json_outcome = outcome
    params["outcome"] = json_outcome

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
        "url": "/v1/webhook-endpoints/{endpoint_id}/deliveries".format(endpoint_id=quote(str(endpoint_id), safe=""),),
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | WebhookDeliveryList | None:
    if response.status_code == 200:
        response_200 = WebhookDeliveryList.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorBody | WebhookDeliveryList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    endpoint_id: str,
    *,
    client: AuthenticatedClient | Client,
    event_id: None | str | Unset = UNSET,
    outcome: ListWebhookDeliveriesOutcomeType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> Response[ErrorBody | WebhookDeliveryList]:
    """ List an endpoint's delivery attempts

     Every attempt of the last 30 days, newest first: outcome, the receiver's status, the next retry.

    Args:
        endpoint_id (str): The webhook endpoint's id
        event_id (None | str | Unset): Only this event's attempts
        outcome (ListWebhookDeliveriesOutcomeType0 | None | Unset): Only this outcome
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | WebhookDeliveryList]
     """


    kwargs = _get_kwargs(
        endpoint_id=endpoint_id,
event_id=event_id,
outcome=outcome,
limit=limit,
cursor=cursor,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    endpoint_id: str,
    *,
    client: AuthenticatedClient | Client,
    event_id: None | str | Unset = UNSET,
    outcome: ListWebhookDeliveriesOutcomeType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> ErrorBody | WebhookDeliveryList | None:
    """ List an endpoint's delivery attempts

     Every attempt of the last 30 days, newest first: outcome, the receiver's status, the next retry.

    Args:
        endpoint_id (str): The webhook endpoint's id
        event_id (None | str | Unset): Only this event's attempts
        outcome (ListWebhookDeliveriesOutcomeType0 | None | Unset): Only this outcome
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | WebhookDeliveryList
     """


    return sync_detailed(
        endpoint_id=endpoint_id,
client=client,
event_id=event_id,
outcome=outcome,
limit=limit,
cursor=cursor,

    ).parsed

async def asyncio_detailed(
    endpoint_id: str,
    *,
    client: AuthenticatedClient | Client,
    event_id: None | str | Unset = UNSET,
    outcome: ListWebhookDeliveriesOutcomeType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> Response[ErrorBody | WebhookDeliveryList]:
    """ List an endpoint's delivery attempts

     Every attempt of the last 30 days, newest first: outcome, the receiver's status, the next retry.

    Args:
        endpoint_id (str): The webhook endpoint's id
        event_id (None | str | Unset): Only this event's attempts
        outcome (ListWebhookDeliveriesOutcomeType0 | None | Unset): Only this outcome
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | WebhookDeliveryList]
     """


    kwargs = _get_kwargs(
        endpoint_id=endpoint_id,
event_id=event_id,
outcome=outcome,
limit=limit,
cursor=cursor,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    endpoint_id: str,
    *,
    client: AuthenticatedClient | Client,
    event_id: None | str | Unset = UNSET,
    outcome: ListWebhookDeliveriesOutcomeType0 | None | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> ErrorBody | WebhookDeliveryList | None:
    """ List an endpoint's delivery attempts

     Every attempt of the last 30 days, newest first: outcome, the receiver's status, the next retry.

    Args:
        endpoint_id (str): The webhook endpoint's id
        event_id (None | str | Unset): Only this event's attempts
        outcome (ListWebhookDeliveriesOutcomeType0 | None | Unset): Only this outcome
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | WebhookDeliveryList
     """


    return (await asyncio_detailed(
        endpoint_id=endpoint_id,
client=client,
event_id=event_id,
outcome=outcome,
limit=limit,
cursor=cursor,

    )).parsed
