from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast
import datetime

if TYPE_CHECKING:
  from ..models.client_in import ClientIn





T = TypeVar("T", bound="AppointmentCreate")



@_attrs_define
class AppointmentCreate:
    """ Body of ``POST /v1/appointments``.

        Attributes:
            service_id (str):
            staff_id (str):
            start_time (datetime.datetime): UTC ISO-8601, e.g. 2024-03-15T10:00:00Z
            client (ClientIn): A client as a booking or ``POST /v1/clients`` sends it.
            notes (None | str | Unset):
            location_id (None | str | Unset):
     """

    service_id: str
    staff_id: str
    start_time: datetime.datetime
    client: ClientIn
    notes: None | str | Unset = UNSET
    location_id: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.client_in import ClientIn # noqa: PLC0415
        service_id = self.service_id

        staff_id = self.staff_id

        start_time = self.start_time.isoformat()

        client = self.client.to_dict()

        notes: None | str | Unset
        if isinstance(self.notes, Unset):
            notes = UNSET
        else:
            notes = self.notes

        location_id: None | str | Unset
        if isinstance(self.location_id, Unset):
            location_id = UNSET
        else:
            location_id = self.location_id


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "serviceId": service_id,
            "staffId": staff_id,
            "startTime": start_time,
            "client": client,
        })
        if notes is not UNSET:
            field_dict["notes"] = notes
        if location_id is not UNSET:
            field_dict["locationId"] = location_id

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.client_in import ClientIn # noqa: PLC0415
        d = dict(src_dict)
        service_id = d.pop("serviceId")

        staff_id = d.pop("staffId")

        start_time = datetime.datetime.fromisoformat(d.pop("startTime"))




        client = ClientIn.from_dict(d.pop("client"))




        def _parse_notes(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        notes = _parse_notes(d.pop("notes", UNSET))


        def _parse_location_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        location_id = _parse_location_id(d.pop("locationId", UNSET))


        appointment_create = cls(
            service_id=service_id,
            staff_id=staff_id,
            start_time=start_time,
            client=client,
            notes=notes,
            location_id=location_id,
        )

        return appointment_create

