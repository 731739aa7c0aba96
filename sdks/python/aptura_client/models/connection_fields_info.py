from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from typing import cast

if TYPE_CHECKING:
  from ..models.connection_fields_info_config import ConnectionFieldsInfoConfig
  from ..models.connection_fields_info_secrets import ConnectionFieldsInfoSecrets





T = TypeVar("T", bound="ConnectionFieldsInfo")



@_attrs_define
class ConnectionFieldsInfo:
    """ 
        Attributes:
            config (ConnectionFieldsInfoConfig):
            secrets (ConnectionFieldsInfoSecrets):
     """

    config: ConnectionFieldsInfoConfig
    secrets: ConnectionFieldsInfoSecrets
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.connection_fields_info_config import ConnectionFieldsInfoConfig # noqa: PLC0415
        from ..models.connection_fields_info_secrets import ConnectionFieldsInfoSecrets # noqa: PLC0415
        config = self.config.to_dict()

        secrets = self.secrets.to_dict()


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "config": config,
            "secrets": secrets,
        })

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.connection_fields_info_config import ConnectionFieldsInfoConfig # noqa: PLC0415
        from ..models.connection_fields_info_secrets import ConnectionFieldsInfoSecrets # noqa: PLC0415
        d = dict(src_dict)
        config = ConnectionFieldsInfoConfig.from_dict(d.pop("config"))




        secrets = ConnectionFieldsInfoSecrets.from_dict(d.pop("secrets"))




        connection_fields_info = cls(
            config=config,
            secrets=secrets,
        )


        connection_fields_info.additional_properties = d
        return connection_fields_info

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
