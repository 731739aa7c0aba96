from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.connection import Connection
from ...models.connection_update import ConnectionUpdate
from ...models.error_body import ErrorBody
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    connection_id: str,
    *,
    body: ConnectionUpdate,
    idempotency_key: None | str | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["idempotency-key"] = idempotency_key



    

    

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/connections/{connection_id}".format(connection_id=quote(str(connection_id), safe=""),),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Connection | ErrorBody | None:
    if response.status_code == 200:
        response_200 = Connection.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Connection | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    connection_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: ConnectionUpdate,
    idempotency_key: None | str | Unset = UNSET,

) -> Response[Connection | ErrorBody]:
    """ Rotate a connection's credentials or change its config

     The given fields are merged into the current ones and checked with the provider before anything is
    written: refused credentials are a 422 and the old ones stay in use.

    Args:
        connection_id (str): The connection's id
        idempotency_key (None | str | Unset): Makes the write safe to retry: a repeat with the
            same key and body returns the first answer
        body (ConnectionUpdate): Body of ``PATCH /v1/connections/{id}``: fields merged into the
            current ones (null removes an optional one).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Connection | ErrorBody]
     """


    kwargs = _get_kwargs(
        connection_id=connection_id,
body=body,
idempotency_key=idempotency_key,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    connection_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: ConnectionUpdate,
    idempotency_key: None | str | Unset = UNSET,

) -> Connection | ErrorBody | None:
    """ Rotate a connection's credentials or change its config

     The given fields are merged into the current ones and checked with the provider before anything is
    written: refused credentials are a 422 and the old ones stay in use.

    Args:
        connection_id (str): The connection's id
        idempotency_key (None | str | Unset): Makes the write safe to retry: a repeat with the
            same key and body returns the first answer
        body (ConnectionUpdate): Body of ``PATCH /v1/connections/{id}``: fields merged into the
            current ones (null removes an optional one).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Connection | ErrorBody
     """


    return sync_detailed(
        connection_id=connection_id,
client=client,
body=body,
idempotency_key=idempotency_key,

    ).parsed

async def asyncio_detailed(
    connection_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: ConnectionUpdate,
    idempotency_key: None | str | Unset = UNSET,

) -> Response[Connection | ErrorBody]:
    """ Rotate a connection's credentials or change its config

     The given fields are merged into the current ones and checked with the provider before anything is
    written: refused credentials are a 422 and the old ones stay in use.

    Args:
        connection_id (str): The connection's id
        idempotency_key (None | str | Unset): Makes the write safe to retry: a repeat with the
            same key and body returns the first answer
        body (ConnectionUpdate): Body of ``PATCH /v1/connections/{id}``: fields merged into the
            current ones (null removes an optional one).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Connection | ErrorBody]
     """


    kwargs = _get_kwargs(
        connection_id=connection_id,
body=body,
idempotency_key=idempotency_key,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    connection_id: str,
    *,
    client: AuthenticatedClient | Client,
    body: ConnectionUpdate,
    idempotency_key: None | str | Unset = UNSET,

) -> Connection | ErrorBody | None:
    """ Rotate a connection's credentials or change its config

     The given fields are merged into the current ones and checked with the provider before anything is
    written: refused credentials are a 422 and the old ones stay in use.

    Args:
        connection_id (str): The connection's id
        idempotency_key (None | str | Unset): Makes the write safe to retry: a repeat with the
            same key and body returns the first answer
        body (ConnectionUpdate): Body of ``PATCH /v1/connections/{id}``: fields merged into the
            current ones (null removes an optional one).

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Connection | ErrorBody
     """


    return (await asyncio_detailed(
        connection_id=connection_id,
client=client,
body=body,
idempotency_key=idempotency_key,

    )).parsed
