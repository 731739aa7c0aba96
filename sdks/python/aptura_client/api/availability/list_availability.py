from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.availability_response import AvailabilityResponse
from ...models.error_body import ErrorBody
from ...types import UNSET, Unset
from typing import cast
import datetime



def _get_kwargs(
    *,
    service_id: str,
    start_date: datetime.date,
    end_date: datetime.date,
    staff_id: None | str | Unset = UNSET,
    x_connection_id: str,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["x-connection-id"] = x_connection_id



    

    params: dict[str, Any] = {}

    params["serviceId"] = service_id

    json_start_date = start_date.isoformat()
    params["startDate"] = json_start_date

    json_end_date = end_date.isoformat()
    params["endDate"] = json_end_date

    json_staff_id: None | str | Unset
    if isinstance(staff_id, Unset):
        json_staff_id = UNSET
    else:
        json_staff_id = staff_id
    params["staffId"] = json_staff_id


    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}


    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/availability",
        "params": params,
    }


    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AvailabilityResponse | ErrorBody | None:
    if response.status_code == 200:
        response_200 = AvailabilityResponse.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[AvailabilityResponse | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    service_id: str,
    start_date: datetime.date,
    end_date: datetime.date,
    staff_id: None | str | Unset = UNSET,
    x_connection_id: str,

) -> Response[AvailabilityResponse | ErrorBody]:
    """ List available slots

    Args:
        service_id (str): The service to check
        start_date (datetime.date): First day (YYYY-MM-DD), in the business's zone
        end_date (datetime.date): Last day (YYYY-MM-DD), inclusive
        staff_id (None | str | Unset): Only this staff member
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AvailabilityResponse | ErrorBody]
     """


    kwargs = _get_kwargs(
        service_id=service_id,
start_date=start_date,
end_date=end_date,
staff_id=staff_id,
x_connection_id=x_connection_id,

    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)

def sync(
    *,
    client: AuthenticatedClient | Client,
    service_id: str,
    start_date: datetime.date,
    end_date: datetime.date,
    staff_id: None | str | Unset = UNSET,
    x_connection_id: str,

) -> AvailabilityResponse | ErrorBody | None:
    """ List available slots

    Args:
        service_id (str): The service to check
        start_date (datetime.date): First day (YYYY-MM-DD), in the business's zone
        end_date (datetime.date): Last day (YYYY-MM-DD), inclusive
        staff_id (None | str | Unset): Only this staff member
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AvailabilityResponse | ErrorBody
     """


    return sync_detailed(
        client=client,
service_id=service_id,
start_date=start_date,
end_date=end_date,
staff_id=staff_id,
x_connection_id=x_connection_id,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    service_id: str,
    start_date: datetime.date,
    end_date: datetime.date,
    staff_id: None | str | Unset = UNSET,
    x_connection_id: str,

) -> Response[AvailabilityResponse | ErrorBody]:
    """ List available slots

    Args:
        service_id (str): The service to check
        start_date (datetime.date): First day (YYYY-MM-DD), in the business's zone
        end_date (datetime.date): Last day (YYYY-MM-DD), inclusive
        staff_id (None | str | Unset): Only this staff member
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AvailabilityResponse | ErrorBody]
     """


    kwargs = _get_kwargs(
        service_id=service_id,
start_date=start_date,
end_date=end_date,
staff_id=staff_id,
x_connection_id=x_connection_id,

    )

    response = await client.get_async_httpx_client().request(
        **kwargs
    )

    return _build_response(client=client, response=response)

async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    service_id: str,
    start_date: datetime.date,
    end_date: datetime.date,
    staff_id: None | str | Unset = UNSET,
    x_connection_id: str,

) -> AvailabilityResponse | ErrorBody | None:
    """ List available slots

    Args:
        service_id (str): The service to check
        start_date (datetime.date): First day (YYYY-MM-DD), in the business's zone
        end_date (datetime.date): Last day (YYYY-MM-DD), inclusive
        staff_id (None | str | Unset): Only this staff member
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AvailabilityResponse | ErrorBody
     """


    return (await asyncio_detailed(
        client=client,
service_id=service_id,
start_date=start_date,
end_date=end_date,
staff_id=staff_id,
x_connection_id=x_connection_id,

    )).parsed
