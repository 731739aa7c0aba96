from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast






T = TypeVar("T", bound="Capability")



@_attrs_define
class Capability:
    """ 
        Attributes:
            operation (str):
            endpoint (str):
            supported (bool):
            native_filters (list[str]): Filters the provider applies itself
            aptura_filters (list[str]): Filters Aptura applies after fetching
     """

    operation: str
    endpoint: str
    supported: bool
    native_filters: list[str]
    aptura_filters: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        operation = self.operation

        endpoint = self.endpoint

        supported = self.supported

        native_filters = self.native_filters



        aptura_filters = self.aptura_filters




        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "operation": operation,
            "endpoint": endpoint,
            "supported": supported,
            "native_filters": native_filters,
            "aptura_filters": aptura_filters,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        operation = d.pop("operation")

        endpoint = d.pop("endpoint")

        supported = d.pop("supported")

        native_filters = cast(list[str], d.pop("native_filters"))


        aptura_filters = cast(list[str], d.pop("aptura_filters"))


        capability = cls(
            operation=operation,
            endpoint=endpoint,
            supported=supported,
            native_filters=native_filters,
            aptura_filters=aptura_filters,
        )


        capability.additional_properties = d
        return capability

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
