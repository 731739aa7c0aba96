from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.event_list import EventList
from ...models.list_events_type_type_0 import ListEventsTypeType0
from ...types import UNSET, Unset
from typing import cast
import datetime



def _get_kwargs(
    *,
    type_: ListEventsTypeType0 | None | Unset = UNSET,
    connection_id: None | str | Unset = UNSET,
    created_after: datetime.datetime | None | Unset = UNSET,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_type_: None | str | Unset
    if isinstance(type_, Unset):
        json_type_ = UNSET
    elif isinstance(type_, ListEventsTypeType0):
        json_type_ = type_.value
    else:
        json_type_ = type_
    params["type"] = json_type_

    json_connection_id: None | str | Unset
    if isinstance(connection_id, Unset):
        json_connection_id = UNSET
    else:
        json_connection_id = connection_id
    params["connection_id"] = json_connection_id

    json_created_after: None | str | Unset
    if isinstance(created_after, Unset):
        json_created_after = UNSET
    elif isinstance(created_after, datetime.datetime):
        json_created_after = created_after.isoformat()
    else:
        json_created_after = created_after
    params["created_after"] = json_created_after

    json_after: None | str | Unset
    if isinstance(after, Unset):
        json_after = UNSET
    else:
        json_after = after
    params["after"] = json_after

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
        "url": "/v1/events",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | EventList | None:
    if response.status_code == 200:
        response_200 = EventList.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorBody | EventList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    type_: ListEventsTypeType0 | None | Unset = UNSET,
    connection_id: None | str | Unset = UNSET,
    created_after: datetime.datetime | None | Unset = UNSET,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> Response[ErrorBody | EventList]:
    """ List events (the change feed)

     Every event of the key's mode of the last 30 days, whether or not a webhook endpoint received it.
    Newest first; with `after` (an event id), the events after it, oldest first: pass the newest id you
    have processed to catch up in order. `next_cursor` continues either way.

    Args:
        type_ (ListEventsTypeType0 | None | Unset): Only this event type
        connection_id (None | str | Unset): Only this connection's events
        created_after (datetime.datetime | None | Unset): Only events created after (ISO-8601)
        after (None | str | Unset): An event id: only the events after it, oldest first
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | EventList]
     """


    kwargs = _get_kwargs(
        type_=type_,
connection_id=connection_id,
created_after=created_after,
after=after,
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
    type_: ListEventsTypeType0 | None | Unset = UNSET,
    connection_id: None | str | Unset = UNSET,
    created_after: datetime.datetime | None | Unset = UNSET,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> ErrorBody | EventList | None:
    """ List events (the change feed)

     Every event of the key's mode of the last 30 days, whether or not a webhook endpoint received it.
    Newest first; with `after` (an event id), the events after it, oldest first: pass the newest id you
    have processed to catch up in order. `next_cursor` continues either way.

    Args:
        type_ (ListEventsTypeType0 | None | Unset): Only this event type
        connection_id (None | str | Unset): Only this connection's events
        created_after (datetime.datetime | None | Unset): Only events created after (ISO-8601)
        after (None | str | Unset): An event id: only the events after it, oldest first
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | EventList
     """


    return sync_detailed(
        client=client,
type_=type_,
connection_id=connection_id,
created_after=created_after,
after=after,
limit=limit,
cursor=cursor,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    type_: ListEventsTypeType0 | None | Unset = UNSET,
    connection_id: None | str | Unset = UNSET,
    created_after: datetime.datetime | None | Unset = UNSET,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> Response[ErrorBody | EventList]:
    """ List events (the change feed)

     Every event of the key's mode of the last 30 days, whether or not a webhook endpoint received it.
    Newest first; with `after` (an event id), the events after it, oldest first: pass the newest id you
    have processed to catch up in order. `next_cursor` continues either way.

    Args:
        type_ (ListEventsTypeType0 | None | Unset): Only this event type
        connection_id (None | str | Unset): Only this connection's events
        created_after (datetime.datetime | None | Unset): Only events created after (ISO-8601)
        after (None | str | Unset): An event id: only the events after it, oldest first
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | EventList]
     """


    kwargs = _get_kwargs(
        type_=type_,
connection_id=connection_id,
created_after=created_after,
after=after,
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
    type_: ListEventsTypeType0 | None | Unset = UNSET,
    connection_id: None | str | Unset = UNSET,
    created_after: datetime.datetime | None | Unset = UNSET,
    after: None | str | Unset = UNSET,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> ErrorBody | EventList | None:
    """ List events (the change feed)

     Every event of the key's mode of the last 30 days, whether or not a webhook endpoint received it.
    Newest first; with `after` (an event id), the events after it, oldest first: pass the newest id you
    have processed to catch up in order. `next_cursor` continues either way.

    Args:
        type_ (ListEventsTypeType0 | None | Unset): Only this event type
        connection_id (None | str | Unset): Only this connection's events
        created_after (datetime.datetime | None | Unset): Only events created after (ISO-8601)
        after (None | str | Unset): An event id: only the events after it, oldest first
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | EventList
     """


    return (await asyncio_detailed(
        client=client,
type_=type_,
connection_id=connection_id,
created_after=created_after,
after=after,
limit=limit,
cursor=cursor,

    )).parsed
