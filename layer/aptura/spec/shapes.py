"""Check each declared model's ``map`` against the unified shape it produces.

The shapes are the public response classes in :mod:`aptura.api.models`, so a spec cannot drift
from the contract: a key the shape lacks is reported (it would be dropped silently on the way
out), and so is a value whose type is known without running it (a literal, a function with a
known result, an object where text is wanted) when the shape's field cannot hold it.
Expressions whose type depends on provider data are not guessed at.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Iterator
from typing import Any, Literal, Union, get_args, get_origin

import jmespath
from jmespath.exceptions import JMESPathError
from pydantic import BaseModel

from aptura.api import models as unified
from aptura.engine.functions import OPTIONS

Loc = tuple[str | int, ...]
# JMESPath kinds: "string", "number", "boolean", "object", "array", "null".
_BUILTIN_RESULTS: dict[str, set[str]] = {
    "to_string": {"string"}, "join": {"string"}, "type": {"string"},
    "to_number": {"number", "null"}, "length": {"number"}, "abs": {"number"}, "ceil": {"number"},
    "floor": {"number"}, "sum": {"number"}, "avg": {"number", "null"},
    "contains": {"boolean"}, "starts_with": {"boolean"}, "ends_with": {"boolean"},
    "keys": {"array"}, "values": {"array"}, "sort": {"array"}, "sort_by": {"array"}, "to_array": {"array"},
    "map": {"array"}, "merge": {"object"},
}
_ARRAY_NODES = frozenset({"projection", "value_projection", "filter_projection", "flatten", "multi_select_list"})
_BOOLEAN_NODES = frozenset({"comparator", "not_expression"})


def _kinds_of_annotation(text: str) -> set[str] | None:
    """The JMESPath kinds a custom function's return annotation allows (None: any)."""
    kinds: set[str] = set()
    for part in (p.strip() for p in text.split("|")):
        if part.startswith("list"):
            kinds.add("array")
        elif part.startswith("dict"):
            kinds.add("object")
        elif part == "str":
            kinds.add("string")
        elif part in ("int", "float"):
            kinds.add("number")
        elif part == "bool":
            kinds.add("boolean")
        elif part == "None":
            kinds.add("null")
        else:
            return None
    return kinds


def _function_results() -> dict[str, set[str]]:
    results = dict(_BUILTIN_RESULTS)
    for name, method in inspect.getmembers(type(OPTIONS.custom_functions), inspect.isfunction):
        if name.startswith("_func_"):
            kinds = _kinds_of_annotation(str(method.__annotations__.get("return", "Any")))
            if kinds is not None:
                results[name.removeprefix("_func_")] = kinds
    return results


_RESULTS = _function_results()


def _expression_kinds(node: dict[str, Any]) -> tuple[set[str] | None, Any]:
    """(kinds the expression can yield or None when unknown, its literal value or None)."""
    kind = node.get("type")
    children = node.get("children") or []
    if kind == "literal":
        return {_kind_of_value(node["value"])}, node["value"]
    if kind == "function_expression":
        return _RESULTS.get(node["value"]), None
    if kind in _BOOLEAN_NODES:
        return {"boolean"}, None
    if kind in _ARRAY_NODES:
        return {"array"}, None
    if kind == "multi_select_dict":
        return {"object"}, None
    if kind == "or_expression" and len(children) == 2:
        left, _ = _expression_kinds(children[0])
        right, _ = _expression_kinds(children[1])
        # The left side is only kept when truthy, so the falsy values it may give do not count.
        return (None if left is None or right is None else (left - {"null"}) | right), None
    return None, None


def _kind_of_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _expected(annotation: Any) -> tuple[set[str] | None, Any, tuple[Any, ...]]:
    """(kinds a field holds or None for any, its model class or element annotation, allowed literals)."""
    origin = get_origin(annotation)
    if origin is typing.Annotated:
        return _expected(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        kinds: set[str] = set()
        inner: Any = None
        allowed: tuple[Any, ...] = ()
        for arg in get_args(annotation):
            sub, sub_inner, sub_allowed = _expected(arg)
            if sub is None:
                return None, None, ()
            kinds |= sub
            inner = inner or sub_inner
            allowed += sub_allowed
        return kinds, inner, allowed
    if origin is Literal:
        return {_kind_of_value(v) for v in get_args(annotation)}, None, get_args(annotation)
    if origin is list:
        return {"array"}, get_args(annotation)[0], ()
    if origin is dict or annotation is dict:
        return {"object"}, None, ()
    if annotation is type(None):
        return {"null"}, None, ()
    if annotation is str:
        return {"string"}, None, ()
    if annotation in (int, float):
        return {"number"}, None, ()
    if annotation is bool:
        return {"boolean"}, None, ()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {"object"}, annotation, ()
    return None, None, ()


def _node_kinds(node: Any) -> tuple[set[str] | None, Any]:
    """The kinds a template node yields (see aptura.spec.template), and its literal value."""
    if isinstance(node, str):
        try:
            return _expression_kinds(jmespath.compile(node).parsed)
        except JMESPathError:
            return None, None  # a syntax error is reported by the loader, with its own message
    if isinstance(node, dict):
        if "each" in node:
            return {"array"}, None
        return ({"object", "null"} if "model" in node else {"object"}), None
    if isinstance(node, list):
        return {"array"}, None
    return {_kind_of_value(node)}, node


def _describe(kinds: set[str]) -> str:
    return " or ".join(sorted(kinds))


def _check_object(template: dict[str, Any], shape: type[BaseModel], name: str, loc: Loc) -> Iterator[tuple[Loc, str]]:
    fields = shape.model_fields
    for key, node in template.items():
        where = (*loc, key)
        if key not in fields:
            yield where, f"{key!r} is not a field of {name} (fields: {', '.join(fields)})"
            continue
        yield from _check_value(node, fields[key].annotation, f"{name}.{key}", where)


def _check_value(node: Any, annotation: Any, name: str, loc: Loc) -> Iterator[tuple[Loc, str]]:
    expected, inner, allowed = _expected(annotation)
    if expected is None:
        return
    given, literal = _node_kinds(node)
    # Null is always allowed: a template drops a key whose value is null.
    if given is not None and not (given - {"null"}) <= expected and given - {"null"}:
        yield loc, f"{name} is {_describe(expected - {'null'})}, but this gives {_describe(given - {'null'})}"
        return
    if allowed and literal is not None and literal not in allowed:
        yield loc, f"{name} is one of {', '.join(map(str, allowed))}, not {literal!r}"
    if isinstance(node, dict) and "model" not in node:
        if "each" in node and isinstance(node.get("map"), dict) and "model" not in node["map"] \
                and "each" not in node["map"] and isinstance(inner, type) and issubclass(inner, BaseModel):
            yield from _check_object(node["map"], inner, name, (*loc, "map"))
        elif "each" not in node and isinstance(inner, type) and issubclass(inner, BaseModel):
            yield from _check_object(node, inner, name, loc)


# The unified shape each operation answers (its list operations answer a list of it).
OPERATION_SHAPES = {
    "availability.list": "Slot", "appointments.create": "Appointment", "appointments.get": "Appointment",
    "appointments.list": "Appointment", "appointments.update": "Appointment", "appointments.cancel": "Appointment",
    "services.list": "Service", "staff.list": "Staff", "locations.list": "Location", "clients.list": "Client",
    "clients.create": "Client",
}


def _output_model(output: Any) -> tuple[Any, Loc]:
    """The model name an operation's output is made of directly, with its location, if any."""
    loc: Loc = ()
    if isinstance(output, dict) and "each" in output and isinstance(output.get("map"), dict):
        output, loc = output["map"], ("map",)
    if isinstance(output, dict) and "model" in output:
        return output["model"], (*loc, "model")
    return None, ()


def shape_problems(data: dict[str, Any]) -> list[tuple[Loc, str]]:
    """Every mismatch between a raw spec's ``models:`` and the unified shapes, and every operation
    whose output is made of a model of another shape than the operation answers."""
    models = data.get("models") or {}
    problems: list[tuple[Loc, str]] = []
    for op_name, op in (data.get("operations") or {}).items():
        name, loc = _output_model(op.get("output") if isinstance(op, dict) else None)
        model = models.get(name) if isinstance(name, str) else None
        wanted = OPERATION_SHAPES.get(op_name)
        if isinstance(model, dict) and wanted is not None:
            shape = model.get("shape") or name
            if shape != wanted:
                problems.append((("operations", op_name, "output", *loc),
                                 f"{op_name} answers {wanted}, but model {name!r} is {shape}"))
    for model_name, model in models.items():
        if not isinstance(model, dict) or not isinstance(model.get("map"), dict):
            continue  # the loader rejects these shapes with its own messages
        shape_name = model.get("shape") or model_name
        shape = getattr(unified, str(shape_name), None)
        if not (isinstance(shape, type) and issubclass(shape, BaseModel)):
            continue
        problems.extend(_check_object(model["map"], shape, str(shape_name), ("models", model_name, "map")))
    return sorted(problems, key=lambda p: tuple(map(str, p[0])))
