from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.connection_mode import ConnectionMode
from ..models.connection_status import ConnectionStatus
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.connection_config import ConnectionConfig
  from ..models.connection_last_error import ConnectionLastError
  from ..models.end_user_out import EndUserOut





T = TypeVar("T", bound="Connection")



@_attrs_define
class Connection:
    """ A connection as the API shows it: never its credentials.

        Attributes:
            id (str):
            provider (str):
            mode (ConnectionMode): The mode of the API key that created it
            status (ConnectionStatus): `active`: the provider accepted the credentials; `unverified`: the provider's spec
                declares no verification call, so they were not checked; `error`: the provider refused them (see `last_error`)
            config (ConnectionConfig):
            created_at (str): UTC ISO-8601
            updated_at (str): UTC ISO-8601
            last_verified_at (None | str | Unset): When the provider last accepted the credentials
            last_error (ConnectionLastError | None | Unset):
            end_user (EndUserOut | None | Unset): Whom the connection is for; null when not given
     """

    id: str
    provider: str
    mode: ConnectionMode
    status: ConnectionStatus
    config: ConnectionConfig
    created_at: str
    updated_at: str
    last_verified_at: None | str | Unset = UNSET
    last_error: ConnectionLastError | None | Unset = UNSET
    end_user: EndUserOut | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.connection_config import ConnectionConfig # noqa: PLC0415
        from ..models.connection_last_error import ConnectionLastError # noqa: PLC0415
        from ..models.end_user_out import EndUserOut # noqa: PLC0415
        id = self.id

        provider = self.provider

        mode = self.mode.value

        status = self.status.value

        config = self.config.to_dict()

        created_at = self.created_at

        updated_at = self.updated_at

        last_verified_at: None | str | Unset
        if isinstance(self.last_verified_at, Unset):
            last_verified_at = UNSET
        else:
            last_verified_at = self.last_verified_at

        last_error: dict[str, Any] | None | Unset
        if isinstance(self.last_error, Unset):
            last_error = UNSET
        elif isinstance(self.last_error, ConnectionLastError):
            last_error = self.last_error.to_dict()
        else:
            last_error = self.last_error

        end_user: dict[str, Any] | None | Unset
        if isinstance(self.end_user, Unset):
            end_user = UNSET
        elif isinstance(self.end_user, EndUserOut):
            end_user = self.end_user.to_dict()
        else:
            end_user = self.end_user


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "provider": provider,
            "mode": mode,
            "status": status,
            "config": config,
            "created_at": created_at,
            "updated_at": updated_at,
        })
        if last_verified_at is not UNSET:
            field_dict["last_verified_at"] = last_verified_at
        if last_error is not UNSET:
            field_dict["last_error"] = last_error
        if end_user is not UNSET:
            field_dict["end_user"] = end_user

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.connection_config import ConnectionConfig # noqa: PLC0415
        from ..models.connection_last_error import ConnectionLastError # noqa: PLC0415
        from ..models.end_user_out import EndUserOut # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        provider = d.pop("provider")

        mode = ConnectionMode(d.pop("mode"))




        status = ConnectionStatus(d.pop("status"))




        config = ConnectionConfig.from_dict(d.pop("config"))




        created_at = d.pop("created_at")

        updated_at = d.pop("updated_at")

        def _parse_last_verified_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_verified_at = _parse_last_verified_at(d.pop("last_verified_at", UNSET))


        def _parse_last_error(data: object) -> ConnectionLastError | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                last_error_type_0 = ConnectionLastError.from_dict(data)



                return last_error_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(ConnectionLastError | None | Unset, data)

        last_error = _parse_last_error(d.pop("last_error", UNSET))


        def _parse_end_user(data: object) -> EndUserOut | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                end_user_type_0 = EndUserOut.from_dict(data)



                return end_user_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EndUserOut | None | Unset, data)

        end_user = _parse_end_user(d.pop("end_user", UNSET))


        connection = cls(
            id=id,
            provider=provider,
            mode=mode,
            status=status,
            config=config,
            created_at=created_at,
            updated_at=updated_at,
            last_verified_at=last_verified_at,
            last_error=last_error,
            end_user=end_user,
        )


        connection.additional_properties = d
        return connection

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
