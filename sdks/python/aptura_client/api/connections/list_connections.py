from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.connection_list import ConnectionList
from ...models.error_body import ErrorBody
from ...models.list_connections_ordering import ListConnectionsOrdering
from ...models.list_connections_status_type_0 import ListConnectionsStatusType0
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    provider: None | str | Unset = UNSET,
    status: ListConnectionsStatusType0 | None | Unset = UNSET,
    end_user_id: None | str | Unset = UNSET,
    ordering: ListConnectionsOrdering | Unset = ListConnectionsOrdering.VALUE_1,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> dict[str, Any]:
    

    

    params: dict[str, Any] = {}

    json_provider: None | str | Unset
    if isinstance(provider, Unset):
        json_provider = UNSET
    else:
        json_provider = provider
    params["provider"] = json_provider

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ListConnectionsStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_end_user_id: None | str | Unset
    if isinstance(end_user_id, Unset):
        json_end_user_id = UNSET
    else:
        json_end_user_id = end_user_id
    params["end_user_id"] = json_end_user_id

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
        "url": "/v1/connections",
        "params": params,
    }


    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ConnectionList | ErrorBody | None:
    if response.status_code == 200:
        response_200 = ConnectionList.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ConnectionList | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    provider: None | str | Unset = UNSET,
    status: ListConnectionsStatusType0 | None | Unset = UNSET,
    end_user_id: None | str | Unset = UNSET,
    ordering: ListConnectionsOrdering | Unset = ListConnectionsOrdering.VALUE_1,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> Response[ConnectionList | ErrorBody]:
    """ List connections

     Only the connections of the API key's mode (a test key sees test connections).

    Args:
        provider (None | str | Unset): Only this provider's
        status (ListConnectionsStatusType0 | None | Unset): Only this status
        end_user_id (None | str | Unset): Only this end user's
        ordering (ListConnectionsOrdering | Unset): Sort field; `-` for descending Default:
            ListConnectionsOrdering.VALUE_1.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConnectionList | ErrorBody]
     """


    kwargs = _get_kwargs(
        provider=provider,
status=status,
end_user_id=end_user_id,
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
    provider: None | str | Unset = UNSET,
    status: ListConnectionsStatusType0 | None | Unset = UNSET,
    end_user_id: None | str | Unset = UNSET,
    ordering: ListConnectionsOrdering | Unset = ListConnectionsOrdering.VALUE_1,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> ConnectionList | ErrorBody | None:
    """ List connections

     Only the connections of the API key's mode (a test key sees test connections).

    Args:
        provider (None | str | Unset): Only this provider's
        status (ListConnectionsStatusType0 | None | Unset): Only this status
        end_user_id (None | str | Unset): Only this end user's
        ordering (ListConnectionsOrdering | Unset): Sort field; `-` for descending Default:
            ListConnectionsOrdering.VALUE_1.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConnectionList | ErrorBody
     """


    return sync_detailed(
        client=client,
provider=provider,
status=status,
end_user_id=end_user_id,
ordering=ordering,
limit=limit,
cursor=cursor,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    provider: None | str | Unset = UNSET,
    status: ListConnectionsStatusType0 | None | Unset = UNSET,
    end_user_id: None | str | Unset = UNSET,
    ordering: ListConnectionsOrdering | Unset = ListConnectionsOrdering.VALUE_1,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> Response[ConnectionList | ErrorBody]:
    """ List connections

     Only the connections of the API key's mode (a test key sees test connections).

    Args:
        provider (None | str | Unset): Only this provider's
        status (ListConnectionsStatusType0 | None | Unset): Only this status
        end_user_id (None | str | Unset): Only this end user's
        ordering (ListConnectionsOrdering | Unset): Sort field; `-` for descending Default:
            ListConnectionsOrdering.VALUE_1.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ConnectionList | ErrorBody]
     """


    kwargs = _get_kwargs(
        provider=provider,
status=status,
end_user_id=end_user_id,
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
    provider: None | str | Unset = UNSET,
    status: ListConnectionsStatusType0 | None | Unset = UNSET,
    end_user_id: None | str | Unset = UNSET,
    ordering: ListConnectionsOrdering | Unset = ListConnectionsOrdering.VALUE_1,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,

) -> ConnectionList | ErrorBody | None:
    """ List connections

     Only the connections of the API key's mode (a test key sees test connections).

    Args:
        provider (None | str | Unset): Only this provider's
        status (ListConnectionsStatusType0 | None | Unset): Only this status
        end_user_id (None | str | Unset): Only this end user's
        ordering (ListConnectionsOrdering | Unset): Sort field; `-` for descending Default:
            ListConnectionsOrdering.VALUE_1.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ConnectionList | ErrorBody
     """


    return (await asyncio_detailed(
        client=client,
provider=provider,
status=status,
end_user_id=end_user_id,
ordering=ordering,
limit=limit,
cursor=cursor,

    )).parsed
