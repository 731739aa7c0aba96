from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..models.event_mode import EventMode
from ..types import UNSET, Unset
from typing import cast

if TYPE_CHECKING:
  from ..models.event_data import EventData
  from ..models.event_end_user_type_0 import EventEndUserType0





T = TypeVar("T", bound="Event")



@_attrs_define
class Event:
    """ One change, exactly as webhook receivers get it (its id is each delivery's `webhook-id`).

        Attributes:
            id (str): `evt_…`; ids sort in creation order
            type_ (str):
            created_at (str): UTC ISO-8601
            mode (EventMode):
            data (EventData):
            connection_id (None | str | Unset):
            end_user (EventEndUserType0 | None | Unset):
            sequence (int | None | Unset): 1, 2, 3… over the events of one object (one appointment, one connection): order
                deliveries by it
     """

    id: str
    type_: str
    created_at: str
    mode: EventMode
    data: EventData
    connection_id: None | str | Unset = UNSET
    end_user: EventEndUserType0 | None | Unset = UNSET
    sequence: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        from ..models.event_data import EventData # noqa: PLC0415
        from ..models.event_end_user_type_0 import EventEndUserType0 # noqa: PLC0415
        id = self.id

        type_ = self.type_

        created_at = self.created_at

        mode = self.mode.value

        data = self.data.to_dict()

        connection_id: None | str | Unset
        if isinstance(self.connection_id, Unset):
            connection_id = UNSET
        else:
            connection_id = self.connection_id

        end_user: dict[str, Any] | None | Unset
        if isinstance(self.end_user, Unset):
            end_user = UNSET
        elif isinstance(self.end_user, EventEndUserType0):
            end_user = self.end_user.to_dict()
        else:
            end_user = self.end_user

        sequence: int | None | Unset
        if isinstance(self.sequence, Unset):
            sequence = UNSET
        else:
            sequence = self.sequence


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "id": id,
            "type": type_,
            "created_at": created_at,
            "mode": mode,
            "data": data,
        })
        if connection_id is not UNSET:
            field_dict["connection_id"] = connection_id
        if end_user is not UNSET:
            field_dict["end_user"] = end_user
        if sequence is not UNSET:
            field_dict["sequence"] = sequence

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_data import EventData # noqa: PLC0415
        from ..models.event_end_user_type_0 import EventEndUserType0 # noqa: PLC0415
        d = dict(src_dict)
        id = d.pop("id")

        type_ = d.pop("type")

        created_at = d.pop("created_at")

        mode = EventMode(d.pop("mode"))




        data = EventData.from_dict(d.pop("data"))




        def _parse_connection_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        connection_id = _parse_connection_id(d.pop("connection_id", UNSET))


        def _parse_end_user(data: object) -> EventEndUserType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                end_user_type_0 = EventEndUserType0.from_dict(data)



                return end_user_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EventEndUserType0 | None | Unset, data)

        end_user = _parse_end_user(d.pop("end_user", UNSET))


        def _parse_sequence(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        sequence = _parse_sequence(d.pop("sequence", UNSET))


        event = cls(
            id=id,
            type_=type_,
            created_at=created_at,
            mode=mode,
            data=data,
            connection_id=connection_id,
            end_user=end_user,
            sequence=sequence,
        )


        event.additional_properties = d
        return event

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
