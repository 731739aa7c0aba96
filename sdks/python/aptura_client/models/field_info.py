from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, BinaryIO, TextIO, TYPE_CHECKING, Generator

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

from ..types import UNSET, Unset
from typing import cast






T = TypeVar("T", bound="FieldInfo")



@_attrs_define
class FieldInfo:
    """ 
        Attributes:
            type_ (str):
            required (bool):
            description (str | Unset):  Default: ''.
            example (Any | Unset):
            enum (list[str] | None | Unset):
            pattern (None | str | Unset):
            label (None | str | Unset): Short form label
            order (int | None | Unset): Position in a form, ascending
            help_ (None | str | Unset): Where to find this value, in plain words
            help_url (None | str | Unset): Provider documentation showing where to find it
     """

    type_: str
    required: bool
    description: str | Unset = ''
    example: Any | Unset = UNSET
    enum: list[str] | None | Unset = UNSET
    pattern: None | str | Unset = UNSET
    label: None | str | Unset = UNSET
    order: int | None | Unset = UNSET
    help_: None | str | Unset = UNSET
    help_url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)





    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        required = self.required

        description = self.description

        example = self.example

        enum: list[str] | None | Unset
        if isinstance(self.enum, Unset):
            enum = UNSET
        elif isinstance(self.enum, list):
            enum = self.enum


        else:
            enum = self.enum

        pattern: None | str | Unset
        if isinstance(self.pattern, Unset):
            pattern = UNSET
        else:
            pattern = self.pattern

        label: None | str | Unset
        if isinstance(self.label, Unset):
            label = UNSET
        else:
            label = self.label

        order: int | None | Unset
        if isinstance(self.order, Unset):
            order = UNSET
        else:
            order = self.order

        help_: None | str | Unset
        if isinstance(self.help_, Unset):
            help_ = UNSET
        else:
            help_ = self.help_

        help_url: None | str | Unset
        if isinstance(self.help_url, Unset):
            help_url = UNSET
        else:
            help_url = self.help_url


        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({
            "type": type_,
            "required": required,
        })
        if description is not UNSET:
            field_dict["description"] = description
        if example is not UNSET:
            field_dict["example"] = example
        if enum is not UNSET:
            field_dict["enum"] = enum
        if pattern is not UNSET:
            field_dict["pattern"] = pattern
        if label is not UNSET:
            field_dict["label"] = label
        if order is not UNSET:
            field_dict["order"] = order
        if help_ is not UNSET:
            field_dict["help"] = help_
        if help_url is not UNSET:
            field_dict["help_url"] = help_url

        return field_dict



    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = d.pop("type")

        required = d.pop("required")

        description = d.pop("description", UNSET)

        example = d.pop("example", UNSET)

        def _parse_enum(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                enum_type_0 = cast(list[str], data)

                return enum_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        enum = _parse_enum(d.pop("enum", UNSET))


        def _parse_pattern(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        pattern = _parse_pattern(d.pop("pattern", UNSET))


        def _parse_label(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        label = _parse_label(d.pop("label", UNSET))


        def _parse_order(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        order = _parse_order(d.pop("order", UNSET))


        def _parse_help_(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        help_ = _parse_help_(d.pop("help", UNSET))


        def _parse_help_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        help_url = _parse_help_url(d.pop("help_url", UNSET))


        field_info = cls(
            type_=type_,
            required=required,
            description=description,
            example=example,
            enum=enum,
            pattern=pattern,
            label=label,
            order=order,
            help_=help_,
            help_url=help_url,
        )


        field_info.additional_properties = d
        return field_info

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
