from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.webhook_endpoint_create_event_types_item import WebhookEndpointCreateEventTypesItem
from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="WebhookEndpointCreate")



@_attrs_define
class WebhookEndpointCreate:
    """ Body of ``POST /v1/webhook-endpoints``.

        Attributes:
            url (str): Where events are POSTed. Live mode: https, resolving to public addresses only (checked now and before
                each delivery; redirects are not followed). Test mode: https, or http on localhost/127.0.0.1
            event_types (list[WebhookEndpointCreateEventTypesItem]): Event types to send; `*`: all
            connection_ids (list[str] | None | Unset): Only events of these connections (default: every connection)
            description (None | str | Unset): A label for people
     """

    url: str
    event_types: list[WebhookEndpointCreateEventTypesItem]
    connection_ids: list[str] | None | Unset = UNSET
    description: None | str | Unset = UNSET





    def to_dict(self) -> dict[str, Any]:
        url = self.url

        event_types = []
        for event_types_item_data in self.event_types:
            event_types_item = event_types_item_data.value
            event_types.append(event_types_item)



        connection_ids: list[str] | None | Unset
        if isinstance(self.connection_ids, Unset):
            connection_ids = UNSET
        elif isinstance(self.connection_ids, list):
            connection_ids = self.connection_ids


        else:
            connection_ids = self.connection_ids

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description


        field_dict: dict[str, Any] = {}

        field_dict.update({
            "url": url,
            "event_types": event_types,
        })
        if connection_ids is not UNSET:
            field_dict["connection_ids"] = connection_ids
        if description is not UNSET:
            field_dict["description"] = description

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        event_types = []
        _event_types = d.pop("event_types")
        for event_types_item_data in (_event_types):
            event_types_item = WebhookEndpointCreateEventTypesItem(event_types_item_data)



            event_types.append(event_types_item)


        def _parse_connection_ids(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                connection_ids_type_0 = cast(list[str], data)

                return connection_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        connection_ids = _parse_connection_ids(d.pop("connection_ids", UNSET))


        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))


        webhook_endpoint_create = cls(
            url=url,
            event_types=event_types,
            connection_ids=connection_ids,
            description=description,
        )

        return webhook_endpoint_create

