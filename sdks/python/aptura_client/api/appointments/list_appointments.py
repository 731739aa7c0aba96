from http import HTTPStatus
from typing import Any, cast
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...types import Response, UNSET
from ... import errors

from ...models.appointment_list import AppointmentList
from ...models.error_body import ErrorBody
from ...models.list_appointments_ordering import ListAppointmentsOrdering
from ...models.list_appointments_status_type_0 import ListAppointmentsStatusType0
from ...types import UNSET, Unset
from typing import cast
from typing import Literal, cast
import datetime



def _get_kwargs(
    *,
    start_date: datetime.date | None | Unset = UNSET,
    end_date: datetime.date | None | Unset = UNSET,
    start_datetime: datetime.datetime | None | Unset = UNSET,
    end_datetime: datetime.datetime | None | Unset = UNSET,
    status: ListAppointmentsStatusType0 | None | Unset = UNSET,
    service_id: None | str | Unset = UNSET,
    staff_id: None | str | Unset = UNSET,
    client_email: None | str | Unset = UNSET,
    reference: None | str | Unset = UNSET,
    ordering: ListAppointmentsOrdering | Unset = ListAppointmentsOrdering.START_TIME,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    headers["x-connection-id"] = x_connection_id



    

    params: dict[str, Any] = {}

    json_start_date: None | str | Unset
    if isinstance(start_date, Unset):
        json_start_date = UNSET
    elif isinstance(start_date, datetime.date):
        json_start_date = start_date.isoformat()
    else:
        json_start_date = start_date
    params["start_date"] = json_start_date

    json_end_date: None | str | Unset
    if isinstance(end_date, Unset):
        json_end_date = UNSET
    elif isinstance(end_date, datetime.date):
        json_end_date = end_date.isoformat()
    else:
        json_end_date = end_date
    params["end_date"] = json_end_date

    json_start_datetime: None | str | Unset
    if isinstance(start_datetime, Unset):
        json_start_datetime = UNSET
    elif isinstance(start_datetime, datetime.datetime):
        json_start_datetime = start_datetime.isoformat()
    else:
        json_start_datetime = start_datetime
    params["start_datetime"] = json_start_datetime

    json_end_datetime: None | str | Unset
    if isinstance(end_datetime, Unset):
        json_end_datetime = UNSET
    elif isinstance(end_datetime, datetime.datetime):
        json_end_datetime = end_datetime.isoformat()
    else:
        json_end_datetime = end_datetime
    params["end_datetime"] = json_end_datetime

    json_status: None | str | Unset
    if isinstance(status, Unset):
        json_status = UNSET
    elif isinstance(status, ListAppointmentsStatusType0):
        json_status = status.value
    else:
        json_status = status
    params["status"] = json_status

    json_service_id: None | str | Unset
    if isinstance(service_id, Unset):
        json_service_id = UNSET
    else:
        json_service_id = service_id
    params["service_id"] = json_service_id

    json_staff_id: None | str | Unset
    if isinstance(staff_id, Unset):
        json_staff_id = UNSET
    else:
        json_staff_id = staff_id
    params["staff_id"] = json_staff_id

    json_client_email: None | str | Unset
    if isinstance(client_email, Unset):
        json_client_email = UNSET
    else:
        json_client_email = client_email
    params["client_email"] = json_client_email

    json_reference: None | str | Unset
    if isinstance(reference, Unset):
        json_reference = UNSET
    else:
        json_reference = reference
    params["reference"] = json_reference

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
        "url": "/v1/appointments",
        "params": params,
    }


    _kwargs["headers"] = headers
    return _kwargs



def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> AppointmentList | ErrorBody | None:
    if response.status_code == 200:
        response_200 = AppointmentList.from_dict(response.json())



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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[AppointmentList | ErrorBody]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    start_date: datetime.date | None | Unset = UNSET,
    end_date: datetime.date | None | Unset = UNSET,
    start_datetime: datetime.datetime | None | Unset = UNSET,
    end_datetime: datetime.datetime | None | Unset = UNSET,
    status: ListAppointmentsStatusType0 | None | Unset = UNSET,
    service_id: None | str | Unset = UNSET,
    staff_id: None | str | Unset = UNSET,
    client_email: None | str | Unset = UNSET,
    reference: None | str | Unset = UNSET,
    ordering: ListAppointmentsOrdering | Unset = ListAppointmentsOrdering.START_TIME,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> Response[AppointmentList | ErrorBody]:
    """ List appointments

     Filters the provider cannot apply are applied by Aptura; the answer is the same either way.

    Args:
        start_date (datetime.date | None | Unset): First local day (YYYY-MM-DD), business zone
        end_date (datetime.date | None | Unset): Last local day, inclusive
        start_datetime (datetime.datetime | None | Unset): Starting at or after (ISO-8601)
        end_datetime (datetime.datetime | None | Unset): Starting at or before (ISO-8601)
        status (ListAppointmentsStatusType0 | None | Unset): Unified status
        service_id (None | str | Unset):
        staff_id (None | str | Unset):
        client_email (None | str | Unset):
        reference (None | str | Unset): Aptura's reference of a booking
        ordering (ListAppointmentsOrdering | Unset): Sort field; `-` for descending Default:
            ListAppointmentsOrdering.START_TIME.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AppointmentList | ErrorBody]
     """


    kwargs = _get_kwargs(
        start_date=start_date,
end_date=end_date,
start_datetime=start_datetime,
end_datetime=end_datetime,
status=status,
service_id=service_id,
staff_id=staff_id,
client_email=client_email,
reference=reference,
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
    start_date: datetime.date | None | Unset = UNSET,
    end_date: datetime.date | None | Unset = UNSET,
    start_datetime: datetime.datetime | None | Unset = UNSET,
    end_datetime: datetime.datetime | None | Unset = UNSET,
    status: ListAppointmentsStatusType0 | None | Unset = UNSET,
    service_id: None | str | Unset = UNSET,
    staff_id: None | str | Unset = UNSET,
    client_email: None | str | Unset = UNSET,
    reference: None | str | Unset = UNSET,
    ordering: ListAppointmentsOrdering | Unset = ListAppointmentsOrdering.START_TIME,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> AppointmentList | ErrorBody | None:
    """ List appointments

     Filters the provider cannot apply are applied by Aptura; the answer is the same either way.

    Args:
        start_date (datetime.date | None | Unset): First local day (YYYY-MM-DD), business zone
        end_date (datetime.date | None | Unset): Last local day, inclusive
        start_datetime (datetime.datetime | None | Unset): Starting at or after (ISO-8601)
        end_datetime (datetime.datetime | None | Unset): Starting at or before (ISO-8601)
        status (ListAppointmentsStatusType0 | None | Unset): Unified status
        service_id (None | str | Unset):
        staff_id (None | str | Unset):
        client_email (None | str | Unset):
        reference (None | str | Unset): Aptura's reference of a booking
        ordering (ListAppointmentsOrdering | Unset): Sort field; `-` for descending Default:
            ListAppointmentsOrdering.START_TIME.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AppointmentList | ErrorBody
     """


    return sync_detailed(
        client=client,
start_date=start_date,
end_date=end_date,
start_datetime=start_datetime,
end_datetime=end_datetime,
status=status,
service_id=service_id,
staff_id=staff_id,
client_email=client_email,
reference=reference,
ordering=ordering,
limit=limit,
cursor=cursor,
include=include,
x_connection_id=x_connection_id,

    ).parsed

async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    start_date: datetime.date | None | Unset = UNSET,
    end_date: datetime.date | None | Unset = UNSET,
    start_datetime: datetime.datetime | None | Unset = UNSET,
    end_datetime: datetime.datetime | None | Unset = UNSET,
    status: ListAppointmentsStatusType0 | None | Unset = UNSET,
    service_id: None | str | Unset = UNSET,
    staff_id: None | str | Unset = UNSET,
    client_email: None | str | Unset = UNSET,
    reference: None | str | Unset = UNSET,
    ordering: ListAppointmentsOrdering | Unset = ListAppointmentsOrdering.START_TIME,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> Response[AppointmentList | ErrorBody]:
    """ List appointments

     Filters the provider cannot apply are applied by Aptura; the answer is the same either way.

    Args:
        start_date (datetime.date | None | Unset): First local day (YYYY-MM-DD), business zone
        end_date (datetime.date | None | Unset): Last local day, inclusive
        start_datetime (datetime.datetime | None | Unset): Starting at or after (ISO-8601)
        end_datetime (datetime.datetime | None | Unset): Starting at or before (ISO-8601)
        status (ListAppointmentsStatusType0 | None | Unset): Unified status
        service_id (None | str | Unset):
        staff_id (None | str | Unset):
        client_email (None | str | Unset):
        reference (None | str | Unset): Aptura's reference of a booking
        ordering (ListAppointmentsOrdering | Unset): Sort field; `-` for descending Default:
            ListAppointmentsOrdering.START_TIME.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AppointmentList | ErrorBody]
     """


    kwargs = _get_kwargs(
        start_date=start_date,
end_date=end_date,
start_datetime=start_datetime,
end_datetime=end_datetime,
status=status,
service_id=service_id,
staff_id=staff_id,
client_email=client_email,
reference=reference,
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
    start_date: datetime.date | None | Unset = UNSET,
    end_date: datetime.date | None | Unset = UNSET,
    start_datetime: datetime.datetime | None | Unset = UNSET,
    end_datetime: datetime.datetime | None | Unset = UNSET,
    status: ListAppointmentsStatusType0 | None | Unset = UNSET,
    service_id: None | str | Unset = UNSET,
    staff_id: None | str | Unset = UNSET,
    client_email: None | str | Unset = UNSET,
    reference: None | str | Unset = UNSET,
    ordering: ListAppointmentsOrdering | Unset = ListAppointmentsOrdering.START_TIME,
    limit: int | Unset = 50,
    cursor: None | str | Unset = UNSET,
    include: Literal['raw'] | None | Unset = UNSET,
    x_connection_id: str,

) -> AppointmentList | ErrorBody | None:
    """ List appointments

     Filters the provider cannot apply are applied by Aptura; the answer is the same either way.

    Args:
        start_date (datetime.date | None | Unset): First local day (YYYY-MM-DD), business zone
        end_date (datetime.date | None | Unset): Last local day, inclusive
        start_datetime (datetime.datetime | None | Unset): Starting at or after (ISO-8601)
        end_datetime (datetime.datetime | None | Unset): Starting at or before (ISO-8601)
        status (ListAppointmentsStatusType0 | None | Unset): Unified status
        service_id (None | str | Unset):
        staff_id (None | str | Unset):
        client_email (None | str | Unset):
        reference (None | str | Unset): Aptura's reference of a booking
        ordering (ListAppointmentsOrdering | Unset): Sort field; `-` for descending Default:
            ListAppointmentsOrdering.START_TIME.
        limit (int | Unset): Page size, at most 100 Default: 50.
        cursor (None | str | Unset): next_cursor of the previous page
        include (Literal['raw'] | None | Unset): `raw` adds the provider's original object
        x_connection_id (str): The connection (one business's account on a provider) to use

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AppointmentList | ErrorBody
     """


    return (await asyncio_detailed(
        client=client,
start_date=start_date,
end_date=end_date,
start_datetime=start_datetime,
end_datetime=end_datetime,
status=status,
service_id=service_id,
staff_id=staff_id,
client_email=client_email,
reference=reference,
ordering=ordering,
limit=limit,
cursor=cursor,
include=include,
x_connection_id=x_connection_id,

    )).parsed
