from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.list_staff_ordering import ListStaffOrdering
from ...models.staff_list import StaffList
from ...types import UNSET, Unset
from typing import cast
from typing import Literal, cast



def _get_kwargs(
    *,
    service_id: None | str | Unset = UNSET,
    ordering: ListStaffOrdering | Unset = ListStaffOrdering.NAME,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["x-connection-id"] = x_connection_id



    

    params: dict[str, Any] = {}

    json_service_id: None | str | Unset
    if isinstance(service_id, Unset):
        json_service_id = UNSET
    else:
        json_service_id = service_id
    params["serviceId"] = json_service_id

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

    json_include: Literal['raw'] | None | Unset
    if isinstance(include, Unset):
        json_include = UNSET
    else:
        json_include = include
    params["include"] = json_include


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/staff",
        "params": params,
    }


    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | StaffList | None:
    if response.status_code == 200:
        response_200 = StaffList.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorBody | StaffList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    service_id: None | str | Unset = UNSET,
    ordering: ListStaffOrdering | Unset = ListStaffOrdering.NAME,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> Response[ErrorBody | StaffList]:
    """ List staff

    Args:
        service_id (None | str | Unset): Only staff offering this service
        ordering (ListStaffOrdering | Unset): Sort field; `-` for descending Default:
            ListStaffOrdering.NAME.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | StaffList]
     """


    kwargs = _get_kwargs(
        service_id=service_id,
ordering=ordering,
limit=limit,
cursor=cursor,
include=include,
x_connection_id=x_connection_id,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient | Client,
    service_id: None | str | Unset = UNSET,
    ordering: ListStaffOrdering | Unset = ListStaffOrdering.NAME,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> ErrorBody | StaffList | None:
    """ List staff

    Args:
        service_id (None | str | Unset): Only staff offering this service
        ordering (ListStaffOrdering | Unset): Sort field; `-` for descending Default:
            ListStaffOrdering.NAME.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | StaffList
     """


    return sync_detailed(
        client=client,
service_id=service_id,
ordering=ordering,
limit=limit,
cursor=cursor,
include=include,
x_connection_id=x_connection_id,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    service_id: None | str | Unset = UNSET,
    ordering: ListStaffOrdering | Unset = ListStaffOrdering.NAME,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> Response[ErrorBody | StaffList]:
    """ List staff

    Args:
        service_id (None | str | Unset): Only staff offering this service
        ordering (ListStaffOrdering | Unset): Sort field; `-` for descending Default:
            ListStaffOrdering.NAME.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | StaffList]
     """


    kwargs = _get_kwargs(
        service_id=service_id,
ordering=ordering,
limit=limit,
cursor=cursor,
include=include,
x_connection_id=x_connection_id,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    service_id: None | str | Unset = UNSET,
    ordering: ListStaffOrdering | Unset = ListStaffOrdering.NAME,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> ErrorBody | StaffList | None:
    """ List staff

    Args:
        service_id (None | str | Unset): Only staff offering this service
        ordering (ListStaffOrdering | Unset): Sort field; `-` for descending Default:
            ListStaffOrdering.NAME.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | StaffList
     """


    return (await asyncio_detailed(
        client=client,
service_id=service_id,
ordering=ordering,
limit=limit,
cursor=cursor,
include=include,
x_connection_id=x_connection_id,

    )).parsed
