from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.complete_o_auth_response_201_mode import CompleteOAuthResponse201Mode
from typing import cast

if TYPE_CHECKING:
  from ..models.complete_o_auth_response_201_config import CompleteOAuthResponse201Config





T = TypeVar("T", bound="CompleteOAuthResponse201")



@_attrs_define
class CompleteOAuthResponse201:
    """ 
        Attributes:
            connection_id (str):
            provider (str):
            mode (CompleteOAuthResponse201Mode):
            config (CompleteOAuthResponse201Config):
     """

    connection_id: str
    provider: str
    mode: CompleteOAuthResponse201Mode
    config: CompleteOAuthResponse201Config
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.complete_o_auth_response_201_config import CompleteOAuthResponse201Config # noqa: PLC0415
        connection_id = self.connection_id

        provider = self.provider

        mode = self.mode.value

        config = self.config.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "connection_id": connection_id,
            "provider": provider,
            "mode": mode,
            "config": config,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.complete_o_auth_response_201_config import CompleteOAuthResponse201Config # noqa: PLC0415
        d = dict(src_dict)
        connection_id = d.pop("connection_id")

        provider = d.pop("provider")

        mode = CompleteOAuthResponse201Mode(d.pop("mode"))




        config = CompleteOAuthResponse201Config.from_dict(d.pop("config"))




        complete_o_auth_response_201 = cls(
            connection_id=connection_id,
            provider=provider,
            mode=mode,
            config=config,
        )


        complete_o_auth_response_201.additional_properties = d
        return complete_o_auth_response_201

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
