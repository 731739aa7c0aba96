from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.webhook_endpoint_mode import WebhookEndpointMode
from ..models.webhook_endpoint_status import WebhookEndpointStatus
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="WebhookEndpoint")



@_attrs_define
class WebhookEndpoint:
    """ A webhook endpoint as the API shows it: never its secret (shown once, at creation and rotation).

        Attributes:
            id (str):
            url (str):
            mode (WebhookEndpointMode):
            event_types (list[str]):
            status (WebhookEndpointStatus):
            created_at (str):
            updated_at (str):
            connection_ids (list[str] | Unset): Empty: every connection
            description (None | str | Unset):
            disabled_reason (None | str | Unset): Why Aptura disabled it (deliveries failing for 5 days)
            failing_since (None | str | Unset): First failed delivery since the last one that succeeded
     """

    id: str
    url: str
    mode: WebhookEndpointMode
    event_types: list[str]
    status: WebhookEndpointStatus
    created_at: str
    updated_at: str
    connection_ids: list[str] | Unset = UNSET
    description: None | str | Unset = UNSET
    disabled_reason: None | str | Unset = UNSET
    failing_since: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        id = self.id

        url = self.url

        mode = self.mode.value

        event_types = self.event_types



        status = self.status.value

        created_at = self.created_at

        updated_at = self.updated_at

        connection_ids: list[str] | Unset = UNSET
        if not isinstance(self.connection_ids, Unset):
            connection_ids = self.connection_ids



        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        disabled_reason: None | str | Unset
        if isinstance(self.disabled_reason, Unset):
            disabled_reason = UNSET
        else:
            disabled_reason = self.disabled_reason

        failing_since: None | str | Unset
        if isinstance(self.failing_since, Unset):
            failing_since = UNSET
        else:
            failing_since = self.failing_since


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "url": url,
            "mode": mode,
            "event_types": event_types,
            "status": status,
            "created_at": created_at,
            "updated_at": updated_at,
        })
        if connection_ids is not UNSET:
            field_dict["connection_ids"] = connection_ids
        if description is not UNSET:
            field_dict["description"] = description
        if disabled_reason is not UNSET:
            field_dict["disabled_reason"] = disabled_reason
        if failing_since is not UNSET:
            field_dict["failing_since"] = failing_since

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        url = d.pop("url")

        mode = WebhookEndpointMode(d.pop("mode"))




        event_types = cast(list[str], d.pop("event_types"))


        status = WebhookEndpointStatus(d.pop("status"))




        created_at = d.pop("created_at")

        updated_at = d.pop("updated_at")

        connection_ids = cast(list[str], d.pop("connection_ids", UNSET))


        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))


        def _parse_disabled_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        disabled_reason = _parse_disabled_reason(d.pop("disabled_reason", UNSET))


        def _parse_failing_since(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        failing_since = _parse_failing_since(d.pop("failing_since", UNSET))


        webhook_endpoint = cls(
            id=id,
            url=url,
            mode=mode,
            event_types=event_types,
            status=status,
            created_at=created_at,
            updated_at=updated_at,
            connection_ids=connection_ids,
            description=description,
            disabled_reason=disabled_reason,
            failing_since=failing_since,
        )


        webhook_endpoint.additional_properties = d
        return webhook_endpoint

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
