from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.error_body import ErrorBody
from ...models.list_services_ordering import ListServicesOrdering
from ...models.service_list import ServiceList
from ...types import UNSET, Unset
from typing import cast
from typing import Literal, cast



def _get_kwargs(
    *,
    search: None | str | Unset = UNSET,
    name: None | str | Unset = UNSET,
    price: float | None | Unset = UNSET,
    price_lt: float | None | Unset = UNSET,
    price_lte: float | None | Unset = UNSET,
    price_gt: float | None | Unset = UNSET,
    price_gte: float | None | Unset = UNSET,
    duration: float | None | Unset = UNSET,
    duration_lt: float | None | Unset = UNSET,
    duration_lte: float | None | Unset = UNSET,
    duration_gt: float | None | Unset = UNSET,
    duration_gte: float | None | Unset = UNSET,
    ordering: ListServicesOrdering | Unset = ListServicesOrdering.NAME,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["x-connection-id"] = x_connection_id



    

    params: dict[str, Any] = {}

    json_search: None | str | Unset
    if isinstance(search, Unset):
        json_search = UNSET
    else:
        json_search = search
    params["search"] = json_search

    json_name: None | str | Unset
    if isinstance(name, Unset):
        json_name = UNSET
    else:
        json_name = name
    params["name"] = json_name

    json_price: float | None | Unset
    if isinstance(price, Unset):
        json_price = UNSET
    else:
        json_price = price
    params["price"] = json_price

    json_price_lt: float | None | Unset
    if isinstance(price_lt, Unset):
        json_price_lt = UNSET
    else:
        json_price_lt = price_lt
    params["price__lt"] = json_price_lt

    json_price_lte: float | None | Unset
    if isinstance(price_lte, Unset):
        json_price_lte = UNSET
    else:
        json_price_lte = price_lte
    params["price__lte"] = json_price_lte

    json_price_gt: float | None | Unset
    if isinstance(price_gt, Unset):
        json_price_gt = UNSET
    else:
        json_price_gt = price_gt
    params["price__gt"] = json_price_gt

    json_price_gte: float | None | Unset
    if isinstance(price_gte, Unset):
        json_price_gte = UNSET
    else:
        json_price_gte = price_gte
    params["price__gte"] = json_price_gte

    json_duration: float | None | Unset
    if isinstance(duration, Unset):
        json_duration = UNSET
    else:
        json_duration = duration
    params["duration"] = json_duration

    json_duration_lt: float | None | Unset
    if isinstance(duration_lt, Unset):
        json_duration_lt = UNSET
    else:
        json_duration_lt = duration_lt
    params["duration__lt"] = json_duration_lt

    json_duration_lte: float | None | Unset
    if isinstance(duration_lte, Unset):
        json_duration_lte = UNSET
    else:
        json_duration_lte = duration_lte
    params["duration__lte"] = json_duration_lte

    json_duration_gt: float | None | Unset
    if isinstance(duration_gt, Unset):
        json_duration_gt = UNSET
    else:
        json_duration_gt = duration_gt
    params["duration__gt"] = json_duration_gt

    json_duration_gte: float | None | Unset
    if isinstance(duration_gte, Unset):
        json_duration_gte = UNSET
    else:
        json_duration_gte = duration_gte
    params["duration__gte"] = json_duration_gte

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
        "url": "/v1/services",
        "params": params,
    }


    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> ErrorBody | ServiceList | None:
    if response.status_code == 200:
        response_200 = ServiceList.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[ErrorBody | ServiceList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    search: None | str | Unset = UNSET,
    name: None | str | Unset = UNSET,
    price: float | None | Unset = UNSET,
    price_lt: float | None | Unset = UNSET,
    price_lte: float | None | Unset = UNSET,
    price_gt: float | None | Unset = UNSET,
    price_gte: float | None | Unset = UNSET,
    duration: float | None | Unset = UNSET,
    duration_lt: float | None | Unset = UNSET,
    duration_lte: float | None | Unset = UNSET,
    duration_gt: float | None | Unset = UNSET,
    duration_gte: float | None | Unset = UNSET,
    ordering: ListServicesOrdering | Unset = ListServicesOrdering.NAME,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> Response[ErrorBody | ServiceList]:
    """ List services

     `price` (minor units) and `duration` (minutes) take `__lt`, `__lte`, `__gt`, `__gte` suffixes.

    Args:
        search (None | str | Unset): Partial name match
        name (None | str | Unset): Exact name (any case)
        price (float | None | Unset):
        price_lt (float | None | Unset):
        price_lte (float | None | Unset):
        price_gt (float | None | Unset):
        price_gte (float | None | Unset):
        duration (float | None | Unset):
        duration_lt (float | None | Unset):
        duration_lte (float | None | Unset):
        duration_gt (float | None | Unset):
        duration_gte (float | None | Unset):
        ordering (ListServicesOrdering | Unset): Sort field; `-` for descending Default:
            ListServicesOrdering.NAME.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | ServiceList]
     """


    kwargs = _get_kwargs(
        search=search,
name=name,
price=price,
price_lt=price_lt,
price_lte=price_lte,
price_gt=price_gt,
price_gte=price_gte,
duration=duration,
duration_lt=duration_lt,
duration_lte=duration_lte,
duration_gt=duration_gt,
duration_gte=duration_gte,
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
    search: None | str | Unset = UNSET,
    name: None | str | Unset = UNSET,
    price: float | None | Unset = UNSET,
    price_lt: float | None | Unset = UNSET,
    price_lte: float | None | Unset = UNSET,
    price_gt: float | None | Unset = UNSET,
    price_gte: float | None | Unset = UNSET,
    duration: float | None | Unset = UNSET,
    duration_lt: float | None | Unset = UNSET,
    duration_lte: float | None | Unset = UNSET,
    duration_gt: float | None | Unset = UNSET,
    duration_gte: float | None | Unset = UNSET,
    ordering: ListServicesOrdering | Unset = ListServicesOrdering.NAME,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> ErrorBody | ServiceList | None:
    """ List services

     `price` (minor units) and `duration` (minutes) take `__lt`, `__lte`, `__gt`, `__gte` suffixes.

    Args:
        search (None | str | Unset): Partial name match
        name (None | str | Unset): Exact name (any case)
        price (float | None | Unset):
        price_lt (float | None | Unset):
        price_lte (float | None | Unset):
        price_gt (float | None | Unset):
        price_gte (float | None | Unset):
        duration (float | None | Unset):
        duration_lt (float | None | Unset):
        duration_lte (float | None | Unset):
        duration_gt (float | None | Unset):
        duration_gte (float | None | Unset):
        ordering (ListServicesOrdering | Unset): Sort field; `-` for descending Default:
            ListServicesOrdering.NAME.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | ServiceList
     """


    return sync_detailed(
        client=client,
search=search,
name=name,
price=price,
price_lt=price_lt,
price_lte=price_lte,
price_gt=price_gt,
price_gte=price_gte,
duration=duration,
duration_lt=duration_lt,
duration_lte=duration_lte,
duration_gt=duration_gt,
duration_gte=duration_gte,
ordering=ordering,
limit=limit,
cursor=cursor,
include=include,
x_connection_id=x_connection_id,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    search: None | str | Unset = UNSET,
    name: None | str | Unset = UNSET,
    price: float | None | Unset = UNSET,
    price_lt: float | None | Unset = UNSET,
    price_lte: float | None | Unset = UNSET,
    price_gt: float | None | Unset = UNSET,
    price_gte: float | None | Unset = UNSET,
    duration: float | None | Unset = UNSET,
    duration_lt: float | None | Unset = UNSET,
    duration_lte: float | None | Unset = UNSET,
    duration_gt: float | None | Unset = UNSET,
    duration_gte: float | None | Unset = UNSET,
    ordering: ListServicesOrdering | Unset = ListServicesOrdering.NAME,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> Response[ErrorBody | ServiceList]:
    """ List services

     `price` (minor units) and `duration` (minutes) take `__lt`, `__lte`, `__gt`, `__gte` suffixes.

    Args:
        search (None | str | Unset): Partial name match
        name (None | str | Unset): Exact name (any case)
        price (float | None | Unset):
        price_lt (float | None | Unset):
        price_lte (float | None | Unset):
        price_gt (float | None | Unset):
        price_gte (float | None | Unset):
        duration (float | None | Unset):
        duration_lt (float | None | Unset):
        duration_lte (float | None | Unset):
        duration_gt (float | None | Unset):
        duration_gte (float | None | Unset):
        ordering (ListServicesOrdering | Unset): Sort field; `-` for descending Default:
            ListServicesOrdering.NAME.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | ServiceList]
     """


    kwargs = _get_kwargs(
        search=search,
name=name,
price=price,
price_lt=price_lt,
price_lte=price_lte,
price_gt=price_gt,
price_gte=price_gte,
duration=duration,
duration_lt=duration_lt,
duration_lte=duration_lte,
duration_gt=duration_gt,
duration_gte=duration_gte,
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
    search: None | str | Unset = UNSET,
    name: None | str | Unset = UNSET,
    price: float | None | Unset = UNSET,
    price_lt: float | None | Unset = UNSET,
    price_lte: float | None | Unset = UNSET,
    price_gt: float | None | Unset = UNSET,
    price_gte: float | None | Unset = UNSET,
    duration: float | None | Unset = UNSET,
    duration_lt: float | None | Unset = UNSET,
    duration_lte: float | None | Unset = UNSET,
    duration_gt: float | None | Unset = UNSET,
    duration_gte: float | None | Unset = UNSET,
    ordering: ListServicesOrdering | Unset = ListServicesOrdering.NAME,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> ErrorBody | ServiceList | None:
    """ List services

     `price` (minor units) and `duration` (minutes) take `__lt`, `__lte`, `__gt`, `__gte` suffixes.

    Args:
        search (None | str | Unset): Partial name match
        name (None | str | Unset): Exact name (any case)
        price (float | None | Unset):
        price_lt (float | None | Unset):
        price_lte (float | None | Unset):
        price_gt (float | None | Unset):
        price_gte (float | None | Unset):
        duration (float | None | Unset):
        duration_lt (float | None | Unset):
        duration_lte (float | None | Unset):
        duration_gt (float | None | Unset):
        duration_gte (float | None | Unset):
        ordering (ListServicesOrdering | Unset): Sort field; `-` for descending Default:
            ListServicesOrdering.NAME.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | ServiceList
     """


    return (await asyncio_detailed(
        client=client,
search=search,
name=name,
price=price,
price_lt=price_lt,
price_lte=price_lte,
price_gt=price_gt,
price_gte=price_gte,
duration=duration,
duration_lt=duration_lt,
duration_lte=duration_lte,
duration_gt=duration_gt,
duration_gte=duration_gte,
ordering=ordering,
limit=limit,
cursor=cursor,
include=include,
x_connection_id=x_connection_id,

    )).parsed
