from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.api_key_create_kind import ApiKeyCreateKind
from ..models.api_key_create_scopes_type_0_item import ApiKeyCreateScopesType0Item
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="ApiKeyCreate")



@_attrs_define
class ApiKeyCreate:
    """ Body of ``POST /v1/api-keys``: a key of the caller's mode with at most the caller's scopes.

        Attributes:
            kind (ApiKeyCreateKind | Unset): `secret` (`apt_test_…`/`apt_live_…`): for servers only. `publishable`
                (`apt_pk_test_…`/`apt_pk_live_…`): safe in a web page; only `availability:read`, `catalog:read` and
                `bookings:write` (creating bookings: `POST /v1/appointments` only), accepted only from its `allowed_origins`
                Default: ApiKeyCreateKind.SECRET.
            scopes (list[ApiKeyCreateScopesType0Item] | None | Unset): Default: the calling key's scopes (publishable: those
                of them a publishable key may hold)
            allowed_origins (list[str] | None | Unset): Publishable keys only, and required for them: the exact browser
                origins (`scheme://host[:port]`) that may use the key. Live mode: https only; test mode: also http on
                localhost/127.0.0.1
            connections (list[str] | None | Unset): Publishable keys only: the connection ids the key may use (default: all
                of the account's connections of its mode); others answer 404 as if they did not exist
            name (None | str | Unset): A label for people
     """

    kind: ApiKeyCreateKind | Unset = ApiKeyCreateKind.SECRET
    scopes: list[ApiKeyCreateScopesType0Item] | None | Unset = UNSET
    allowed_origins: list[str] | None | Unset = UNSET
    connections: list[str] | None | Unset = UNSET
    name: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        kind: str | Unset = UNSET
        if not isinstance(self.kind, Unset):
            kind = self.kind.value


        scopes: list[str] | None | Unset
        if isinstance(self.scopes, Unset):
            scopes = UNSET
        elif isinstance(self.scopes, list):
            scopes = []
            for scopes_type_0_item_data in self.scopes:
                scopes_type_0_item = scopes_type_0_item_data.value
                scopes.append(scopes_type_0_item)


        else:
            scopes = self.scopes

        allowed_origins: list[str] | None | Unset
        if isinstance(self.allowed_origins, Unset):
            allowed_origins = UNSET
        elif isinstance(self.allowed_origins, list):
            allowed_origins = self.allowed_origins


        else:
            allowed_origins = self.allowed_origins

        connections: list[str] | None | Unset
        if isinstance(self.connections, Unset):
            connections = UNSET
        elif isinstance(self.connections, list):
            connections = self.connections


        else:
            connections = self.connections

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name


        field_dict: dict[str, Any] = {}

        field_dict.update({
        })
        if kind is not UNSET:
            field_dict["kind"] = kind
        if scopes is not UNSET:
            field_dict["scopes"] = scopes
        if allowed_origins is not UNSET:
            field_dict["allowed_origins"] = allowed_origins
        if connections is not UNSET:
            field_dict["connections"] = connections
        if name is not UNSET:
            field_dict["name"] = name

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _kind = d.pop("kind", UNSET)
        kind: ApiKeyCreateKind | Unset
        if isinstance(_kind,  Unset):
            kind = UNSET
        else:
            kind = ApiKeyCreateKind(_kind)




        def _parse_scopes(data: object) -> list[ApiKeyCreateScopesType0Item] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                scopes_type_0 = []
                _scopes_type_0 = data
                for scopes_type_0_item_data in (_scopes_type_0):
                    scopes_type_0_item = ApiKeyCreateScopesType0Item(scopes_type_0_item_data)



                    scopes_type_0.append(scopes_type_0_item)

                return scopes_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[ApiKeyCreateScopesType0Item] | None | Unset, data)

        scopes = _parse_scopes(d.pop("scopes", UNSET))


        def _parse_allowed_origins(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                allowed_origins_type_0 = cast(list[str], data)

                return allowed_origins_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        allowed_origins = _parse_allowed_origins(d.pop("allowed_origins", UNSET))


        def _parse_connections(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                connections_type_0 = cast(list[str], data)

                return connections_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        connections = _parse_connections(d.pop("connections", UNSET))


        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))


        api_key_create = cls(
            kind=kind,
            scopes=scopes,
            allowed_origins=allowed_origins,
            connections=connections,
            name=name,
        )

        return api_key_create

