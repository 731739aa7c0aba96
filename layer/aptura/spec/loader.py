"""Load provider specs: ``yaml.safe_load``, validate, compile once per container.

A broken spec raises :class:`~aptura.errors.SpecError` naming the file, the location
inside it (dotted path and line) and the reason.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from aptura.errors import NotFound, SpecError
from aptura.spec.models import ProviderSpec, UnknownReference
from aptura.spec.shapes import shape_problems

_REPO_SPECS = Path(__file__).resolve().parents[3] / "specs"


def specs_dir() -> Path:
    """Where specs live: ``APTURA_SPECS_DIR`` (``/opt`` in Lambda) or the repo's ``specs/``."""
    configured = os.environ.get("APTURA_SPECS_DIR")
    if configured and Path(configured).is_dir() and any(Path(configured).glob("*.yaml")):
        return Path(configured)
    return _REPO_SPECS


def _format_loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """Best-effort 1-based line of a location, walking the YAML node tree."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            entry = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if entry is None:
                break
            # The key's line: a nested mapping's value starts on the line after its key.
            line, node = entry[0].start_mark.line + 1, entry[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _yaml_loc(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """``loc`` without the parts pydantic inserts for unions (tags, class names), which are not in the YAML.

    Pydantic only descends into keys that exist, so a part the data lacks is such an insert,
    unless it is the last part: the name of a missing field.
    """
    out: list[Any] = []
    node = data
    for index, part in enumerate(loc):
        present = (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and part < len(node))
        if present:
            node = node[part]
        elif index < len(loc) - 1:
            continue
        out.append(part)
    return tuple(out)


def parse_spec(text: str, file: str = "<string>") -> ProviderSpec:
    """Parse and validate spec text; raises SpecError with file, location, reason."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SpecError(file, "(yaml)", str(exc).splitlines()[0], mark.line + 1 if mark else None) from exc
    if not isinstance(data, dict):
        raise SpecError(file, "(top level)", "a spec must be a YAML mapping")
    try:
        spec = ProviderSpec.model_validate(data)
    except ValidationError as exc:
        problems = validation_problems(text, data, exc)
        where, line, reason = problems[0]
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise SpecError(file, where, reason + more, line) from exc
    # A model that does not fit its unified shape would answer callers outside the contract.
    mismatches = model_problems(text, data)
    if mismatches:
        where, line, reason = mismatches[0]
        more = f" (and {len(mismatches) - 1} more problems)" if len(mismatches) > 1 else ""
        raise SpecError(file, where, reason + more, line)
    return spec


def model_problems(text: str, data: dict[str, Any]) -> list[tuple[str, int | None, str]]:
    """Each mismatch of the spec's ``models:`` with the unified shapes, as (dotted location, line, reason)."""
    return [(_format_loc(loc), _line_of(text, loc), reason) for loc, reason in shape_problems(data)]


def validation_problems(text: str, data: Any, exc: ValidationError) -> list[tuple[str, int | None, str]]:
    """Each validation error of ``data`` (parsed from ``text``) as (dotted location, line, reason)."""
    out = []
    for error in exc.errors():
        loc = _yaml_loc(data, error["loc"])
        ctx_error = (error.get("ctx") or {}).get("error")
        inner = getattr(ctx_error, "path", "")
        if isinstance(ctx_error, UnknownReference):  # a spec-level check that knows the exact location
            loc = ctx_error.loc
        elif inner:  # the template error knows where inside the field it happened
            loc = loc + tuple(int(p[1:-1]) if p.startswith("[") else p for p in re.findall(r"\[\d+\]|[^.\[\]]+", inner))
        out.append((_format_loc(loc), _line_of(text, loc), error["msg"]))
    return out


def load_file(path: Path) -> ProviderSpec:
    """Load one spec file; its ``id`` must match the file name."""
    spec = parse_spec(path.read_text(encoding="utf-8"), str(path))
    if spec.id != path.stem:
        raise SpecError(str(path), "id", f"id {spec.id!r} must match the file name {path.stem!r}")
    return spec


@cache
def load_spec(provider_id: str) -> ProviderSpec:
    """The compiled spec of ``provider_id`` (cached for the container's life)."""
    path = specs_dir() / f"{provider_id}.yaml"
    if not provider_id.replace("_", "").isalnum() or not path.is_file():
        raise NotFound(f"unknown provider {provider_id!r}")
    return load_file(path)


def all_specs() -> dict[str, ProviderSpec]:
    """Every spec in the specs directory, by id."""
    return {p.stem: load_spec(p.stem) for p in sorted(specs_dir().glob("*.yaml"))}
