from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.end_user_in import EndUserIn





T = TypeVar("T", bound="ConnectSessionCreate")



@_attrs_define
class ConnectSessionCreate:
    """ Body of ``POST /v1/connect-sessions``.

        Attributes:
            end_user (EndUserIn): The business a connection is made for, in the integrator's own terms.
            redirect_url (str): Where the browser goes when done, with `connection_id` and `connect_session_id` added to its
                query. https; in test mode also http on localhost or 127.0.0.1
            providers (list[str] | None | Unset): Provider ids the end user may connect (`GET /v1/providers`); default:
                every provider
     """

    end_user: EndUserIn
    redirect_url: str
    providers: list[str] | None | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        from ..models.end_user_in import EndUserIn # noqa: PLC0415
        end_user = self.end_user.to_dict()

        redirect_url = self.redirect_url

        providers: list[str] | None | Unset
        if isinstance(self.providers, Unset):
            providers = UNSET
        elif isinstance(self.providers, list):
            providers = self.providers


        else:
            providers = self.providers


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "end_user": end_user,
            "redirect_url": redirect_url,
        })
        if providers is not UNSET:
            field_dict["providers"] = providers

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.end_user_in import EndUserIn # noqa: PLC0415
        d = dict(src_dict)
        end_user = EndUserIn.from_dict(d.pop("end_user"))




        redirect_url = d.pop("redirect_url")

        def _parse_providers(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                providers_type_0 = cast(list[str], data)

                return providers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        providers = _parse_providers(d.pop("providers", UNSET))


        connect_session_create = cls(
            end_user=end_user,
            redirect_url=redirect_url,
            providers=providers,
        )

        return connect_session_create

