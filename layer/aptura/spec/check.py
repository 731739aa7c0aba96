"""The spec checker: ``python -m aptura.spec check PATH...``.

Loading a spec already rejects unknown keys, bad step shapes and JMESPath syntax errors,
but it stops at the first one and says nothing about expressions that parse yet cannot
run: a misspelled function or a wrong argument count is only a 500 at run time, and a
``config.`` field the spec never declares is silently null. The checker reports every
such problem as ``PATH:LINE: message`` so an author fixes them all in one pass.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from aptura.engine.functions import OPTIONS
from aptura.spec.loader import model_problems, validation_problems
from aptura.spec.models import ProviderSpec
from aptura.spec.template import Compiled, Each, Expr, Interpolated, Lst, ModelRef, Obj

_FUNCTIONS: dict[str, Any] = OPTIONS.custom_functions.FUNCTION_TABLE  # type: ignore[union-attr]
_URL_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")
# Names the engine binds in some context (runner, auth, pagination, error rules, OAuth); an
# expression's root name outside these and the spec's `as` names is a typo that evaluates to null.
_CONTEXT_NAMES = frozenset({
    "signature", "message", "request",  # an hmac profile's apply and message
    "input", "config", "secrets", "zone", "vocab", "env", "steps", "status", "headers", "body",
    "response", "page", "query", "token", "app", "state", "redirect_uri", "grant",
    "fill",  # find_or_create's fill request: the fields it fills
    # A bare `null` is a lookup of a field nobody binds, so it yields null exactly like the literal.
    "null",
})
# Node types whose first child is evaluated where the node is and whose other children run on
# each element or on the left result (so their names are not context names).
_LEFT_ONLY = frozenset({"subexpression", "index_expression", "projection", "value_projection",
                        "filter_projection", "flatten", "pipe"})


@dataclass(frozen=True, order=True)
class Problem:
    """One mistake in a spec file."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _compiled_in(value: Any) -> Iterator[Compiled]:
    """Every compiled expression reachable from a loaded spec (fields, private attrs, templates)."""
    if isinstance(value, Compiled):
        yield value
    elif isinstance(value, Expr):
        yield value.parsed
    elif isinstance(value, Interpolated):
        for part in value.parts:
            yield from _compiled_in(part)
    elif isinstance(value, Each):
        for child in (value.each, value.where, value.mapping):
            yield from _compiled_in(child)
    elif isinstance(value, ModelRef):  # the model's own map is reached once, from `models:`
        yield from _compiled_in(value.of)
    elif isinstance(value, Obj):
        yield from _compiled_in(value.fields)
    elif isinstance(value, Lst):
        yield from _compiled_in(value.items)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _compiled_in(getattr(value, name))
        for private in (value.__pydantic_private__ or {}).values():
            yield from _compiled_in(private)
    elif isinstance(value, dict):
        for child in value.values():
            yield from _compiled_in(child)
    elif isinstance(value, list | tuple):
        for child in value:
            yield from _compiled_in(child)


def _ast_problems(node: dict[str, Any], config_fields: set[str]) -> Iterator[str]:
    """Unknown functions, wrong arities and undeclared ``config.`` fields in one JMESPath AST."""
    if node.get("type") == "function_expression":
        name, args = node["value"], node["children"]
        entry = _FUNCTIONS.get(name)
        if entry is None:
            yield f"unknown function {name}()"
        else:
            signature = entry["signature"]
            variadic = bool(signature) and signature[-1].get("variadic", False)
            if (variadic and len(args) < len(signature)) or (not variadic and len(args) != len(signature)):
                wanted = f"at least {len(signature)}" if variadic else str(len(signature))
                yield f"{name}() takes {wanted} argument(s), given {len(args)}"
    children = node.get("children") or []
    if node.get("type") == "subexpression" and children and children[0].get("type") == "not_expression":
        yield "!a.b parses as (!a).b, which is always null; write !(a.b)"
    if (node.get("type") == "subexpression" and len(children) == 2
            and children[0] == {"type": "field", "children": [], "value": "config"}
            and children[1].get("type") == "field" and children[1]["value"] not in config_fields):
        yield f"config.{children[1]['value']} is not declared in connection.config"
    for child in children:
        if isinstance(child, dict):
            yield from _ast_problems(child, config_fields)


def _root_names(node: dict[str, Any]) -> Iterator[str]:
    """The context names an expression reads (not names relative to a projected element)."""
    kind = node.get("type")
    children = [c for c in node.get("children") or [] if isinstance(c, dict)]
    if kind == "field":
        yield node["value"]
    elif kind in _LEFT_ONLY:
        if children:
            yield from _root_names(children[0])
    elif kind != "expref":
        for child in children:
            yield from _root_names(child)


def _undefined(name: str) -> str:
    if name in ("true", "false"):
        return f"bare {name} is a field lookup that yields null; write `{name}` (backticks) for the literal"
    return f"undefined variable {name!r}"


def _as_names(value: Any) -> Iterator[str]:
    """Every element name a spec binds (``as`` of steps and of ``each`` templates)."""
    if isinstance(value, dict):
        if isinstance(value.get("as"), str):
            yield value["as"]
        if "for_each" in value:
            yield value.get("as", "item")
        if "each" in value:
            yield value.get("as", "item")
        if isinstance(value.get("from"), str):  # a model's object name
            yield value["from"]
        for child in value.values():
            yield from _as_names(child)
    elif isinstance(value, list):
        for child in value:
            yield from _as_names(child)


def _scalars(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _scalars(key)
            yield from _scalars(value)
    elif isinstance(node, yaml.SequenceNode):
        for child in node.value:
            yield from _scalars(child)


def _lines_of(source: str, scalars: list[yaml.ScalarNode]) -> list[int]:
    """Lines of the YAML strings that hold ``source`` (an expression may be written in several places)."""
    exact = [s.start_mark.line + 1 for s in scalars if s.value.strip() == source.strip()]
    return exact or [s.start_mark.line + 1 for s in scalars if source in s.value] or [1]


def check_text(text: str, path: str) -> list[Problem]:
    """Every problem found in the spec ``text`` read from ``path``."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        return [Problem(path, mark.line + 1 if mark else 1, str(exc).splitlines()[0])]
    if not isinstance(data, dict) or root is None:
        return [Problem(path, 1, "a spec must be a YAML mapping")]
    try:
        spec = ProviderSpec.model_validate(data)
    except ValidationError as exc:
        return sorted({Problem(path, line or 1, f"{where}: {reason}")
                       for where, line, reason in validation_problems(text, data, exc)})
    problems = {Problem(path, line or 1, f"{where}: {reason}") for where, line, reason in model_problems(text, data)}
    if spec.id != Path(path).stem:
        problems.add(Problem(path, _lines_of(spec.id, list(_scalars(root)))[0],
                             f"id {spec.id!r} must match the file name {Path(path).stem!r}"))
    config_fields = set(spec.connection.config)
    # Only string scalars hold expressions; `retry: true` must not be taken for the expression "true".
    scalars = [s for s in _scalars(root) if s.tag == "tag:yaml.org,2002:str"]
    for env in (spec.environments.live, spec.environments.test):
        for placeholder in _URL_PLACEHOLDER.findall(env.base_url):
            field = placeholder.strip().removeprefix("config.")
            if not placeholder.strip().startswith("config.") or field not in config_fields:
                for line in _lines_of(env.base_url, scalars):
                    problems.add(Problem(path, line, f"base_url placeholder {{{placeholder}}} must name a "
                                         "declared connection.config field"))
    known = _CONTEXT_NAMES | set(_as_names(data))
    seen: set[str] = set()
    for compiled in _compiled_in(spec):
        if compiled.source in seen:
            continue
        seen.add(compiled.source)
        messages = list(_ast_problems(compiled.parsed.parsed, config_fields))
        messages += [_undefined(name) for name in sorted(set(_root_names(compiled.parsed.parsed)) - known)]
        for message in messages:
            for line in _lines_of(compiled.source, scalars):
                problems.add(Problem(path, line, f"{message} in {compiled.source!r}"))
    return sorted(problems)


def check_paths(paths: list[str]) -> list[Problem]:
    """Every problem in the spec files at ``paths``."""
    problems: list[Problem] = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            problems.append(Problem(path, 1, f"cannot read: {exc.strerror}"))
            continue
        problems.extend(check_text(text, path))
    return problems


def main(argv: list[str]) -> int:
    """``check PATH...``: print each problem, exit 1 when there is any; ``stats PATH...``: size table."""
    if len(argv) < 2 or argv[0] not in ("check", "stats"):
        print("usage: python -m aptura.spec {check|stats} PATH...", file=sys.stderr)
        return 2
    if argv[0] == "stats":
        from aptura.spec.stats import table

        print(table(argv[1:]))
        return 0
    problems = check_paths(argv[1:])
    for problem in problems:
        print(problem)
    return 1 if problems else 0
