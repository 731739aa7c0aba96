"""Templates: the one way a spec builds a value (query, headers, body, output, ...).

A template is plain YAML where every **string is a JMESPath expression** evaluated on
the step context, and other scalars are literals::

    query:
      request.startDate: input.startDate      # expression
      request.limit: 100                      # literal number
      kind: "'appointment'"                   # literal string (JMESPath raw string)

Mappings become objects (keys whose value is null are dropped), lists become lists,
and a mapping with an ``each`` key iterates — the thing JMESPath projections cannot do
while still seeing the outer context::

    each: steps.windows          # a list
    as: w                        # name of the element in the context (default: item)
    where: "w.ShowPublic"        # optional filter, evaluated with the element bound
    map: {start: w.Start, zone: zone}   # optional; default is the element itself
    flatten: true                # splice list results instead of nesting them

A mapping with a ``model`` key maps one provider object through a model the spec declares
under ``models:`` (bound there under the model's ``from`` name); null stays null::

    model: Appointment
    of: steps.booking

Path strings are *interpolated* instead: ``/bookings/{input.id}.json`` evaluates each
``{...}`` and URL-encodes the result. Everything compiles once, when the spec loads.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult
from jmespath.visitor import TreeInterpreter

from aptura.engine.functions import OPTIONS

EACH_KEYS = {"each", "as", "where", "map", "flatten"}
MODEL_KEYS = {"model", "of"}


class TemplateError(ValueError):
    """A template failed to compile; ``path`` says where inside it."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


# One interpreter for every expression: ParsedResult.search would build a new one (and its
# function table) per call, which was most of the mapping time. Visiting is stateless.
_INTERPRETER = TreeInterpreter(OPTIONS)


class Compiled:
    """A compiled JMESPath expression that always runs with Aptura's custom functions."""

    __slots__ = ("parsed", "source")

    def __init__(self, source: str, parsed: ParsedResult) -> None:
        self.source, self.parsed = source, parsed

    def search(self, data: Any) -> Any:
        return _INTERPRETER.visit(self.parsed.parsed, data)


def compile_expression(text: str, path: str = "") -> Compiled:
    """Compile one JMESPath expression, with a clear error on bad syntax."""
    try:
        return Compiled(text, jmespath.compile(text))
    except JMESPathError as exc:
        raise TemplateError(path, f"invalid JMESPath expression {text!r}: {exc}") from exc


class Template:
    """A compiled template; :meth:`render` evaluates it against a context dict."""

    def render(self, ctx: dict[str, Any]) -> Any:
        raise NotImplementedError



class Literal(Template):
    def __init__(self, value: Any) -> None:
        self.value = value

    def render(self, ctx: dict[str, Any]) -> Any:
        return self.value


class Expr(Template):
    def __init__(self, source: str, path: str) -> None:
        self.source = source
        self.parsed = compile_expression(source, path)

    def render(self, ctx: dict[str, Any]) -> Any:
        return self.parsed.search(ctx)



class Obj(Template):
    def __init__(self, fields: dict[str, Template]) -> None:
        self.fields = fields

    def render(self, ctx: dict[str, Any]) -> Any:
        out = {}
        for key, template in self.fields.items():
            value = template.render(ctx)
            if value is not None:
                out[key] = value
        return out



class Lst(Template):
    def __init__(self, items: list[Template]) -> None:
        self.items = items

    def render(self, ctx: dict[str, Any]) -> Any:
        return [t.render(ctx) for t in self.items]



class Each(Template):
    def __init__(self, each: Expr, name: str, where: Expr | None, mapping: Template | None, flatten: bool) -> None:
        self.each, self.name, self.where, self.mapping, self.flatten = each, name, where, mapping, flatten

    def render(self, ctx: dict[str, Any]) -> Any:
        items = self.each.render(ctx)
        if items is None:
            return []
        if not isinstance(items, list):
            items = [items]
        out: list[Any] = []
        for element in items:
            child = {**ctx, self.name: element}
            if self.where is not None and not truthy(self.where.render(child)):
                continue
            value = self.mapping.render(child) if self.mapping is not None else element
            if self.flatten and isinstance(value, list):
                out.extend(value)
            elif value is not None:
                out.append(value)
        return out



class ModelRef(Template):
    """A use of a declared model; ``bind`` attaches the model's compiled map when the spec loads."""

    def __init__(self, name: str, of: Expr, path: str) -> None:
        self.name, self.of, self.path = name, of, path
        self.target: Template | None = None
        self.bound_as = ""

    def bind(self, target: Template, bound_as: str) -> None:
        """Use ``target`` (the model's map) with the object bound as ``bound_as``."""
        self.target, self.bound_as = target, bound_as

    def render(self, ctx: dict[str, Any]) -> Any:
        value = self.of.render(ctx)
        if value is None:
            return None
        if self.target is None:  # the loader binds every reference; an unbound one is an engine bug
            raise RuntimeError(f"model {self.name!r} was not resolved")
        return self.target.render({**ctx, self.bound_as: value})


def truthy(value: Any) -> bool:
    """JMESPath truthiness: false, null, empty string/list/object are false."""
    return value not in (None, False, "", [], {})



def compile_template(node: Any, path: str = "") -> Template:
    """Compile a YAML template node (see module docs)."""
    if isinstance(node, str):
        return Expr(node, path)
    if isinstance(node, dict):
        if "each" in node:
            unknown = set(node) - EACH_KEYS
            if unknown:
                raise TemplateError(path, f"unknown keys {sorted(unknown)} in an 'each' template")
            name = node.get("as", "item")
            if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
                raise TemplateError(f"{path}.as", f"'as' must be an identifier, not {name!r}")
            return Each(
                Expr(_require_str(node["each"], f"{path}.each"), f"{path}.each"),
                name,
                Expr(_require_str(node["where"], f"{path}.where"), f"{path}.where") if "where" in node else None,
                compile_template(node["map"], f"{path}.map") if "map" in node else None,
                bool(node.get("flatten", False)),
            )
        if "model" in node:
            unknown = set(node) - MODEL_KEYS
            if unknown or "of" not in node:
                raise TemplateError(path, "a model reference is exactly {model: <name>, of: <expression>}"
                                    + (f", not with {sorted(unknown)}" if unknown else ""))
            if not isinstance(node["model"], str):
                raise TemplateError(f"{path}.model", "must be the name of a declared model")
            return ModelRef(node["model"], Expr(_require_str(node["of"], f"{path}.of"), f"{path}.of"), path)
        return Obj({str(k): compile_template(v, f"{path}.{k}") for k, v in node.items()})
    if isinstance(node, list):
        return Lst([compile_template(v, f"{path}[{i}]") for i, v in enumerate(node)])
    return Literal(node)


def _require_str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise TemplateError(path, "must be a JMESPath expression (a string)")
    return value


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
_PATH_CHANGING = frozenset({"", ".", ".."})


class Interpolated(Template):
    """A string with ``{expression}`` placeholders whose values are URL-encoded."""

    def __init__(self, source: str, path: str) -> None:
        self.source = source
        self.parts: list[str | Expr] = []
        pos = 0
        for match in _PLACEHOLDER.finditer(source):
            self.parts.append(source[pos:match.start()])
            self.parts.append(Expr(match.group(1).strip(), path))
            pos = match.end()
        self.parts.append(source[pos:])

    def render(self, ctx: dict[str, Any]) -> str:
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            value = part.render(ctx)
            if value is None:
                raise ValueError(f"path placeholder {{{part.source}}} is null")
            text = scalar_text(value)
            # Encoding leaves "." alone, and clients collapse dot-segments: "..", "." or ""
            # would point the connection's credentials at another provider endpoint.
            if text in _PATH_CHANGING:
                raise ValueError(f"path placeholder {{{part.source}}} cannot be {text!r}")
            out.append(quote(text, safe=""))
        return "".join(out)



def scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)

