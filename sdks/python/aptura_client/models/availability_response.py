from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.slot import Slot





T = TypeVar("T", bound="AvailabilityResponse")



@_attrs_define
class AvailabilityResponse:
    """ 
        Attributes:
            provider (str):
            service_id (str):
            slots (list[Slot]):
     """

    provider: str
    service_id: str
    slots: list[Slot]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.slot import Slot # noqa: PLC0415
        provider = self.provider

        service_id = self.service_id

        slots = []
        for slots_item_data in self.slots:
            slots_item = slots_item_data.to_dict()
            slots.append(slots_item)




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "provider": provider,
            "serviceId": service_id,
            "slots": slots,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.slot import Slot # noqa: PLC0415
        d = dict(src_dict)
        provider = d.pop("provider")

        service_id = d.pop("serviceId")

        slots = []
        _slots = d.pop("slots")
        for slots_item_data in (_slots):
            slots_item = Slot.from_dict(slots_item_data)



            slots.append(slots_item)


        availability_response = cls(
            provider=provider,
            service_id=service_id,
            slots=slots,
        )


        availability_response.additional_properties = d
        return availability_response

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
