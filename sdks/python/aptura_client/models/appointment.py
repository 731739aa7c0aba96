from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.appointment_status import AppointmentStatus
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.appointment_raw_type_0 import AppointmentRawType0
  from ..models.client_ref import ClientRef
  from ..models.service_ref import ServiceRef
  from ..models.staff_ref import StaffRef





T = TypeVar("T", bound="Appointment")



@_attrs_define
class Appointment:
    """ 
        Attributes:
            id (str):
            provider (str):
            status (AppointmentStatus):
            service (ServiceRef):
            start_time (str): UTC ISO-8601
            end_time (str): UTC ISO-8601
            staff (None | StaffRef | Unset):
            location_id (None | str | Unset):
            notes (None | str | Unset):
            client (ClientRef | None | Unset):
            reference (None | str | Unset): Aptura's reference, kept on the provider's booking when it was booked through
                Aptura and the provider has a place for it (null otherwise). With an Idempotency-Key it is the same on every
                retry.
            raw (AppointmentRawType0 | None | Unset): The provider's original object; only with ?include=raw
     """

    id: str
    provider: str
    status: AppointmentStatus
    service: ServiceRef
    start_time: str
    end_time: str
    staff: None | StaffRef | Unset = UNSET
    location_id: None | str | Unset = UNSET
    notes: None | str | Unset = UNSET
    client: ClientRef | None | Unset = UNSET
    reference: None | str | Unset = UNSET
    raw: AppointmentRawType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.appointment_raw_type_0 import AppointmentRawType0 # noqa: PLC0415
        from ..models.client_ref import ClientRef # noqa: PLC0415
        from ..models.service_ref import ServiceRef # noqa: PLC0415
        from ..models.staff_ref import StaffRef # noqa: PLC0415
        id = self.id

        provider = self.provider

        status = self.status.value

        service = self.service.to_dict()

        start_time = self.start_time

        end_time = self.end_time

        staff: dict[str, Any] | None | Unset
        if isinstance(self.staff, Unset):
            staff = UNSET
        elif isinstance(self.staff, StaffRef):
            staff = self.staff.to_dict()
        else:
            staff = self.staff

        location_id: None | str | Unset
        if isinstance(self.location_id, Unset):
            location_id = UNSET
        else:
            location_id = self.location_id

        notes: None | str | Unset
        if isinstance(self.notes, Unset):
            notes = UNSET
        else:
            notes = self.notes

        client: dict[str, Any] | None | Unset
        if isinstance(self.client, Unset):
            client = UNSET
        elif isinstance(self.client, ClientRef):
            client = self.client.to_dict()
        else:
            client = self.client

        reference: None | str | Unset
        if isinstance(self.reference, Unset):
            reference = UNSET
        else:
            reference = self.reference

        raw: dict[str, Any] | None | Unset
        if isinstance(self.raw, Unset):
            raw = UNSET
        elif isinstance(self.raw, AppointmentRawType0):
            raw = self.raw.to_dict()
        else:
            raw = self.raw


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "provider": provider,
            "status": status,
            "service": service,
            "startTime": start_time,
            "endTime": end_time,
        })
        if staff is not UNSET:
            field_dict["staff"] = staff
        if location_id is not UNSET:
            field_dict["locationId"] = location_id
        if notes is not UNSET:
            field_dict["notes"] = notes
        if client is not UNSET:
            field_dict["client"] = client
        if reference is not UNSET:
            field_dict["reference"] = reference
        if raw is not UNSET:
            field_dict["raw"] = raw

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.appointment_raw_type_0 import AppointmentRawType0 # noqa: PLC0415
        from ..models.client_ref import ClientRef # noqa: PLC0415
        from ..models.service_ref import ServiceRef # noqa: PLC0415
        from ..models.staff_ref import StaffRef # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        provider = d.pop("provider")

        status = AppointmentStatus(d.pop("status"))




        service = ServiceRef.from_dict(d.pop("service"))




        start_time = d.pop("startTime")

        end_time = d.pop("endTime")

        def _parse_staff(data: object) -> None | StaffRef | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                staff_type_0 = StaffRef.from_dict(data)



                return staff_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | StaffRef | Unset, data)

        staff = _parse_staff(d.pop("staff", UNSET))


        def _parse_location_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        location_id = _parse_location_id(d.pop("locationId", UNSET))


        def _parse_notes(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        notes = _parse_notes(d.pop("notes", UNSET))


        def _parse_client(data: object) -> ClientRef | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                client_type_0 = ClientRef.from_dict(data)



                return client_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ClientRef | None | Unset, data)

        client = _parse_client(d.pop("client", UNSET))


        def _parse_reference(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reference = _parse_reference(d.pop("reference", UNSET))


        def _parse_raw(data: object) -> AppointmentRawType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                raw_type_0 = AppointmentRawType0.from_dict(data)



                return raw_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AppointmentRawType0 | None | Unset, data)

        raw = _parse_raw(d.pop("raw", UNSET))


        appointment = cls(
            id=id,
            provider=provider,
            status=status,
            service=service,
            start_time=start_time,
            end_time=end_time,
            staff=staff,
            location_id=location_id,
            notes=notes,
            client=client,
            reference=reference,
            raw=raw,
        )


        appointment.additional_properties = d
        return appointment

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
