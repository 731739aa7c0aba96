from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.connect_session_info_mode import ConnectSessionInfoMode
from ..models.connect_session_info_status import ConnectSessionInfoStatus
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.end_user_out import EndUserOut





T = TypeVar("T", bound="ConnectSessionInfo")



@_attrs_define
class ConnectSessionInfo:
    """ 
        Attributes:
            id (str):
            mode (ConnectSessionInfoMode):
            status (ConnectSessionInfoStatus):
            end_user (EndUserOut):
            providers (list[str]):
            redirect_url (str):
            created_at (str): UTC ISO-8601
            expires_at (str): UTC ISO-8601
            connection_id (None | str | Unset): The connection it created, once completed
     """

    id: str
    mode: ConnectSessionInfoMode
    status: ConnectSessionInfoStatus
    end_user: EndUserOut
    providers: list[str]
    redirect_url: str
    created_at: str
    expires_at: str
    connection_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.end_user_out import EndUserOut # noqa: PLC0415
        id = self.id

        mode = self.mode.value

        status = self.status.value

        end_user = self.end_user.to_dict()

        providers = self.providers



        redirect_url = self.redirect_url

        created_at = self.created_at

        expires_at = self.expires_at

        connection_id: None | str | Unset
        if isinstance(self.connection_id, Unset):
            connection_id = UNSET
        else:
            connection_id = self.connection_id


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "mode": mode,
            "status": status,
            "end_user": end_user,
            "providers": providers,
            "redirect_url": redirect_url,
            "created_at": created_at,
            "expires_at": expires_at,
        })
        if connection_id is not UNSET:
            field_dict["connection_id"] = connection_id

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.end_user_out import EndUserOut # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        mode = ConnectSessionInfoMode(d.pop("mode"))




        status = ConnectSessionInfoStatus(d.pop("status"))




        end_user = EndUserOut.from_dict(d.pop("end_user"))




        providers = cast(list[str], d.pop("providers"))


        redirect_url = d.pop("redirect_url")

        created_at = d.pop("created_at")

        expires_at = d.pop("expires_at")

        def _parse_connection_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        connection_id = _parse_connection_id(d.pop("connection_id", UNSET))


        connect_session_info = cls(
            id=id,
            mode=mode,
            status=status,
            end_user=end_user,
            providers=providers,
            redirect_url=redirect_url,
            created_at=created_at,
            expires_at=expires_at,
            connection_id=connection_id,
        )


        connect_session_info.additional_properties = d
        return connect_session_info

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
