from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.api_key_created_kind import ApiKeyCreatedKind
from ..models.api_key_created_mode import ApiKeyCreatedMode
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="ApiKeyCreated")



@_attrs_define
class ApiKeyCreated:
    """ 
        Attributes:
            id (str):
            prefix (str): The key's first characters, to recognise it
            mode (ApiKeyCreatedMode):
            scopes (list[str]):
            created_at (str):
            key (str): The key itself: shown only in this response, only a hash is stored
            kind (ApiKeyCreatedKind | Unset):  Default: ApiKeyCreatedKind.SECRET.
            allowed_origins (list[str] | Unset): Publishable keys: origins allowed
            connections (list[str] | Unset): Publishable keys: the connections it may use (empty: all)
            name (None | str | Unset):
            last_used_at (None | str | Unset):
     """

    id: str
    prefix: str
    mode: ApiKeyCreatedMode
    scopes: list[str]
    created_at: str
    key: str
    kind: ApiKeyCreatedKind | Unset = ApiKeyCreatedKind.SECRET
    allowed_origins: list[str] | Unset = UNSET
    connections: list[str] | Unset = UNSET
    name: None | str | Unset = UNSET
    last_used_at: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        prefix = self.prefix

        mode = self.mode.value

        scopes = self.scopes



        created_at = self.created_at

        key = self.key

        kind: str | Unset = UNSET
        if not isinstance(self.kind, Unset):
            kind = self.kind.value


        allowed_origins: list[str] | Unset = UNSET
        if not isinstance(self.allowed_origins, Unset):
            allowed_origins = self.allowed_origins



        connections: list[str] | Unset = UNSET
        if not isinstance(self.connections, Unset):
            connections = self.connections



        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        last_used_at: None | str | Unset
        if isinstance(self.last_used_at, Unset):
            last_used_at = UNSET
        else:
            last_used_at = self.last_used_at


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "prefix": prefix,
            "mode": mode,
            "scopes": scopes,
            "created_at": created_at,
            "key": key,
        })
        if kind is not UNSET:
            field_dict["kind"] = kind
        if allowed_origins is not UNSET:
            field_dict["allowed_origins"] = allowed_origins
        if connections is not UNSET:
            field_dict["connections"] = connections
        if name is not UNSET:
            field_dict["name"] = name
        if last_used_at is not UNSET:
            field_dict["last_used_at"] = last_used_at

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        prefix = d.pop("prefix")

        mode = ApiKeyCreatedMode(d.pop("mode"))




        scopes = cast(list[str], d.pop("scopes"))


        created_at = d.pop("created_at")

        key = d.pop("key")

        _kind = d.pop("kind", UNSET)
        kind: ApiKeyCreatedKind | Unset
        if isinstance(_kind,  Unset):
            kind = UNSET
        else:
            kind = ApiKeyCreatedKind(_kind)




        allowed_origins = cast(list[str], d.pop("allowed_origins", UNSET))


        connections = cast(list[str], d.pop("connections", UNSET))


        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))


        def _parse_last_used_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_used_at = _parse_last_used_at(d.pop("last_used_at", UNSET))


        api_key_created = cls(
            id=id,
            prefix=prefix,
            mode=mode,
            scopes=scopes,
            created_at=created_at,
            key=key,
            kind=kind,
            allowed_origins=allowed_origins,
            connections=connections,
            name=name,
            last_used_at=last_used_at,
        )


        api_key_created.additional_properties = d
        return api_key_created

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
