from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.appointment import Appointment
from ...models.error_body import ErrorBody
from ...types import UNSET, Unset
from typing import cast
from typing import Literal, cast



def _get_kwargs(
    appointment_id: str,
    *,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["x-connection-id"] = x_connection_id



    

    params: dict[str, Any] = {}

    json_include: Literal['raw'] | None | Unset
    if isinstance(include, Unset):
        json_include = UNSET
    else:
        json_include = include
    params["include"] = json_include


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/appointments/{appointment_id}".format(appointment_id=quote(str(appointment_id), safe=""),),
        "params": params,
    }


    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Appointment | ErrorBody | None:
    if response.status_code == 200:
        response_200 = Appointment.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Appointment | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    appointment_id: str,
    *,
    client: AuthenticatedClient | Client,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> Response[Appointment | ErrorBody]:
    """ Get an appointment

    Args:
        appointment_id (str): The appointment's id
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Appointment | ErrorBody]
     """


    kwargs = _get_kwargs(
        appointment_id=appointment_id,
include=include,
x_connection_id=x_connection_id,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    appointment_id: str,
    *,
    client: AuthenticatedClient | Client,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> Appointment | ErrorBody | None:
    """ Get an appointment

    Args:
        appointment_id (str): The appointment's id
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Appointment | ErrorBody
     """


    return sync_detailed(
        appointment_id=appointment_id,
client=client,
include=include,
x_connection_id=x_connection_id,

    ).parsed

async def asyncio_detailed(
    appointment_id: str,
    *,
    client: AuthenticatedClient | Client,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> Response[Appointment | ErrorBody]:
    """ Get an appointment

    Args:
        appointment_id (str): The appointment's id
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Appointment | ErrorBody]
     """


    kwargs = _get_kwargs(
        appointment_id=appointment_id,
include=include,
x_connection_id=x_connection_id,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    appointment_id: str,
    *,
    client: AuthenticatedClient | Client,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> Appointment | ErrorBody | None:
    """ Get an appointment

    Args:
        appointment_id (str): The appointment's id
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Appointment | ErrorBody
     """


    return (await asyncio_detailed(
        appointment_id=appointment_id,
client=client,
include=include,
x_connection_id=x_connection_id,

    )).parsed
