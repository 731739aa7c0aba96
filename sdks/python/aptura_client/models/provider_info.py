from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.capability import Capability
  from ..models.connection_fields_info import ConnectionFieldsInfo





T = TypeVar("T", bound="ProviderInfo")



@_attrs_define
class ProviderInfo:
    """ 
        Attributes:
            id (str):
            name (str):
            auth (str): How a connection authenticates: api_key, basic, session_token, oauth2, none
            connection (ConnectionFieldsInfo):
            capabilities (list[Capability]):
            stamps_reference (bool): Bookings carry Aptura's `reference`, so a booking whose outcome was unknown (the
                provider timed out) is found by a retry with the same Idempotency-Key instead of being made twice
            docs_url (None | str | Unset):
     """

    id: str
    name: str
    auth: str
    connection: ConnectionFieldsInfo
    capabilities: list[Capability]
    stamps_reference: bool
    docs_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.capability import Capability # noqa: PLC0415
        from ..models.connection_fields_info import ConnectionFieldsInfo # noqa: PLC0415
        id = self.id

        name = self.name

        auth = self.auth

        connection = self.connection.to_dict()

        capabilities = []
        for capabilities_item_data in self.capabilities:
            capabilities_item = capabilities_item_data.to_dict()
            capabilities.append(capabilities_item)



        stamps_reference = self.stamps_reference

        docs_url: None | str | Unset
        if isinstance(self.docs_url, Unset):
            docs_url = UNSET
        else:
            docs_url = self.docs_url


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "name": name,
            "auth": auth,
            "connection": connection,
            "capabilities": capabilities,
            "stamps_reference": stamps_reference,
        })
        if docs_url is not UNSET:
            field_dict["docs_url"] = docs_url

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.capability import Capability # noqa: PLC0415
        from ..models.connection_fields_info import ConnectionFieldsInfo # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        name = d.pop("name")

        auth = d.pop("auth")

        connection = ConnectionFieldsInfo.from_dict(d.pop("connection"))




        capabilities = []
        _capabilities = d.pop("capabilities")
        for capabilities_item_data in (_capabilities):
            capabilities_item = Capability.from_dict(capabilities_item_data)



            capabilities.append(capabilities_item)


        stamps_reference = d.pop("stamps_reference")

        def _parse_docs_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        docs_url = _parse_docs_url(d.pop("docs_url", UNSET))


        provider_info = cls(
            id=id,
            name=name,
            auth=auth,
            connection=connection,
            capabilities=capabilities,
            stamps_reference=stamps_reference,
            docs_url=docs_url,
        )


        provider_info.additional_properties = d
        return provider_info

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
