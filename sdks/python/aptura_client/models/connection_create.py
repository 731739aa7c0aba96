from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.connection_create_config import ConnectionCreateConfig
  from ..models.connection_create_credentials import ConnectionCreateCredentials
  from ..models.end_user_in import EndUserIn





T = TypeVar("T", bound="ConnectionCreate")



@_attrs_define
class ConnectionCreate:
    """ Body of ``POST /v1/connections``: the fields come from the provider's spec (``GET /v1/providers``).

        Attributes:
            provider (str): A provider id
            config (ConnectionCreateConfig | Unset): The provider's connection config fields
            credentials (ConnectionCreateCredentials | Unset): The provider's secret fields; stored in Secrets Manager and
                never returned
            end_user (EndUserIn | None | Unset): Whom the connection is for (filter on it with `GET
                /v1/connections?end_user_id=`)
     """

    provider: str
    config: ConnectionCreateConfig | Unset = UNSET
    credentials: ConnectionCreateCredentials | Unset = UNSET
    end_user: EndUserIn | None | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.connection_create_config import ConnectionCreateConfig # noqa: PLC0415
        from ..models.connection_create_credentials import ConnectionCreateCredentials # noqa: PLC0415
        from ..models.end_user_in import EndUserIn # noqa: PLC0415
        provider = self.provider

        config: dict[str, Any] | Unset = UNSET
        if not isinstance(self.config, Unset):
            config = self.config.to_dict()

        credentials: dict[str, Any] | Unset = UNSET
        if not isinstance(self.credentials, Unset):
            credentials = self.credentials.to_dict()

        end_user: dict[str, Any] | None | Unset
        if isinstance(self.end_user, Unset):
            end_user = UNSET
        elif isinstance(self.end_user, EndUserIn):
            end_user = self.end_user.to_dict()
        else:
            end_user = self.end_user


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "provider": provider,
        })
        if config is not UNSET:
            field_dict["config"] = config
        if credentials is not UNSET:
            field_dict["credentials"] = credentials
        if end_user is not UNSET:
            field_dict["end_user"] = end_user

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.connection_create_config import ConnectionCreateConfig # noqa: PLC0415
        from ..models.connection_create_credentials import ConnectionCreateCredentials # noqa: PLC0415
        from ..models.end_user_in import EndUserIn # noqa: PLC0415
        d = dict(src_dict)
        provider = d.pop("provider")

        _config = d.pop("config", UNSET)
        config: ConnectionCreateConfig | Unset
        if isinstance(_config,  Unset):
            config = UNSET
        else:
            config = ConnectionCreateConfig.from_dict(_config)




        _credentials = d.pop("credentials", UNSET)
        credentials: ConnectionCreateCredentials | Unset
        if isinstance(_credentials,  Unset):
            credentials = UNSET
        else:
            credentials = ConnectionCreateCredentials.from_dict(_credentials)




        def _parse_end_user(data: object) -> EndUserIn | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                end_user_type_0 = EndUserIn.from_dict(data)



                return end_user_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EndUserIn | None | Unset, data)

        end_user = _parse_end_user(d.pop("end_user", UNSET))


        connection_create = cls(
            provider=provider,
            config=config,
            credentials=credentials,
            end_user=end_user,
        )

        return connection_create

