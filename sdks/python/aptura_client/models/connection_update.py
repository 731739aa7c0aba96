from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.connection_update_config_type_0 import ConnectionUpdateConfigType0
  from ..models.connection_update_credentials_type_0 import ConnectionUpdateCredentialsType0





T = TypeVar("T", bound="ConnectionUpdate")



@_attrs_define
class ConnectionUpdate:
    """ Body of ``PATCH /v1/connections/{id}``: fields merged into the current ones (null removes an optional one).

        Attributes:
            credentials (ConnectionUpdateCredentialsType0 | None | Unset): Secret fields to replace (rotation)
            config (ConnectionUpdateConfigType0 | None | Unset): Config fields to replace
     """

    credentials: ConnectionUpdateCredentialsType0 | None | Unset = UNSET
    config: ConnectionUpdateConfigType0 | None | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.connection_update_config_type_0 import ConnectionUpdateConfigType0 # noqa: PLC0415
        from ..models.connection_update_credentials_type_0 import ConnectionUpdateCredentialsType0 # noqa: PLC0415
        credentials: dict[str, Any] | None | Unset
        if isinstance(self.credentials, Unset):
            credentials = UNSET
        elif isinstance(self.credentials, ConnectionUpdateCredentialsType0):
            credentials = self.credentials.to_dict()
        else:
            credentials = self.credentials

        config: dict[str, Any] | None | Unset
        if isinstance(self.config, Unset):
            config = UNSET
        elif isinstance(self.config, ConnectionUpdateConfigType0):
            config = self.config.to_dict()
        else:
            config = self.config


        field_dict: dict[str, Any] = {}

        field_dict.update({
        })
        if credentials is not UNSET:
            field_dict["credentials"] = credentials
        if config is not UNSET:
            field_dict["config"] = config

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.connection_update_config_type_0 import ConnectionUpdateConfigType0 # noqa: PLC0415
        from ..models.connection_update_credentials_type_0 import ConnectionUpdateCredentialsType0 # noqa: PLC0415
        d = dict(src_dict)
        def _parse_credentials(data: object) -> ConnectionUpdateCredentialsType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                credentials_type_0 = ConnectionUpdateCredentialsType0.from_dict(data)



                return credentials_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ConnectionUpdateCredentialsType0 | None | Unset, data)

        credentials = _parse_credentials(d.pop("credentials", UNSET))


        def _parse_config(data: object) -> ConnectionUpdateConfigType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                config_type_0 = ConnectionUpdateConfigType0.from_dict(data)



                return config_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ConnectionUpdateConfigType0 | None | Unset, data)

        config = _parse_config(d.pop("config", UNSET))


        connection_update = cls(
            credentials=credentials,
            config=config,
        )

        return connection_update

