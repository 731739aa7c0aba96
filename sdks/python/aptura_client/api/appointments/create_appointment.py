from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.appointment import Appointment
from ...models.appointment_create import AppointmentCreate
from ...models.error_body import ErrorBody
from ...types import UNSET, Unset
from typing import cast



def _get_kwargs(
    *,
    body: AppointmentCreate,
    x_connection_id: str,
    idempotency_key: None | str | Unset = UNSET,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["x-connection-id"] = x_connection_id

    if not isinstance(idempotency_key, Unset):
        headers["idempotency-key"] = idempotency_key



    

    

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/appointments",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Appointment | ErrorBody | None:
    if response.status_code == 201:
        response_201 = Appointment.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Appointment | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AppointmentCreate,
    x_connection_id: str,
    idempotency_key: None | str | Unset = UNSET,

) -> Response[Appointment | ErrorBody]:
    """ Book an appointment

    Args:
        x_connection_id (str): The connection (one business's account on a provider) to use
        idempotency_key (None | str | Unset): Makes the write safe to retry: a repeat with the
            same key and body returns the first answer
        body (AppointmentCreate): Body of ``POST /v1/appointments``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Appointment | ErrorBody]
     """


    kwargs = _get_kwargs(
        body=body,
x_connection_id=x_connection_id,
idempotency_key=idempotency_key,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient | Client,
    body: AppointmentCreate,
    x_connection_id: str,
    idempotency_key: None | str | Unset = UNSET,

) -> Appointment | ErrorBody | None:
    """ Book an appointment

    Args:
        x_connection_id (str): The connection (one business's account on a provider) to use
        idempotency_key (None | str | Unset): Makes the write safe to retry: a repeat with the
            same key and body returns the first answer
        body (AppointmentCreate): Body of ``POST /v1/appointments``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Appointment | ErrorBody
     """


    return sync_detailed(
        client=client,
body=body,
x_connection_id=x_connection_id,
idempotency_key=idempotency_key,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: AppointmentCreate,
    x_connection_id: str,
    idempotency_key: None | str | Unset = UNSET,

) -> Response[Appointment | ErrorBody]:
    """ Book an appointment

    Args:
        x_connection_id (str): The connection (one business's account on a provider) to use
        idempotency_key (None | str | Unset): Makes the write safe to retry: a repeat with the
            same key and body returns the first answer
        body (AppointmentCreate): Body of ``POST /v1/appointments``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Appointment | ErrorBody]
     """


    kwargs = _get_kwargs(
        body=body,
x_connection_id=x_connection_id,
idempotency_key=idempotency_key,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: AppointmentCreate,
    x_connection_id: str,
    idempotency_key: None | str | Unset = UNSET,

) -> Appointment | ErrorBody | None:
    """ Book an appointment

    Args:
        x_connection_id (str): The connection (one business's account on a provider) to use
        idempotency_key (None | str | Unset): Makes the write safe to retry: a repeat with the
            same key and body returns the first answer
        body (AppointmentCreate): Body of ``POST /v1/appointments``.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Appointment | ErrorBody
     """


    return (await asyncio_detailed(
        client=client,
body=body,
x_connection_id=x_connection_id,
idempotency_key=idempotency_key,

    )).parsed
