from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset







T = TypeVar("T", bound="InboundAddress")



@_attrs_define
class InboundAddress:
    """ Where the connection's provider sends its webhooks.

        Attributes:
            connection_id (str):
            url (str): The URL to give the provider; it holds a secret token, keep it private
            subscribed (bool): Whether Aptura subscribed it with the provider through its API
            instructions (str): What the business does in the provider while Aptura has not subscribed the URL (empty once
                it has)
     """

    connection_id: str
    url: str
    subscribed: bool
    instructions: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        connection_id = self.connection_id

        url = self.url

        subscribed = self.subscribed

        instructions = self.instructions


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "connection_id": connection_id,
            "url": url,
            "subscribed": subscribed,
            "instructions": instructions,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        connection_id = d.pop("connection_id")

        url = d.pop("url")

        subscribed = d.pop("subscribed")

        instructions = d.pop("instructions")

        inbound_address = cls(
            connection_id=connection_id,
            url=url,
            subscribed=subscribed,
            instructions=instructions,
        )


        inbound_address.additional_properties = d
        return inbound_address

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
