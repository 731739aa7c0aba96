"""docs/spec-reference.md names everything a spec author can write: a test keeps it true as the
format grows (a new step kind, auth style, pagination strategy or section). That every custom
function is documented is tests/unit/test_functions.py's; here the function table is checked the
other way round."""
from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest

from aptura.engine.functions import function_names
from aptura.spec import models

DOC = (Path(__file__).resolve().parents[2] / "docs" / "spec-reference.md").read_text(encoding="utf-8")


def _types(union: object) -> list[str]:
    """The `type:` literals of an annotated union of models (auth styles, pagination strategies)."""
    members = typing.get_args(typing.get_args(union)[0])
    return [typing.get_args(m.model_fields["type"].annotation)[0] for m in members]


def _mentioned(name: str) -> bool:
    # Written as code somewhere: `name`, `name(...)`, `name: ...` or `type: name`.
    return any(marker in DOC for marker in (f"`{name}`", f"`{name}(", f"`{name}:", f"type: {name}"))


CUSTOM_FUNCTIONS = function_names()
SECTIONS = sorted(field.alias or name for name, field in models.ProviderSpec.model_fields.items())


def test_the_registries_are_read_not_empty() -> None:
    # Guards the parametrized tests below against passing vacuously if the introspection breaks.
    assert {"to_utc", "slot_starts", "find_by"} <= set(CUSTOM_FUNCTIONS)
    assert {"request", "find_or_create", "switch"} <= set(models.STEP_KINDS)
    assert {"hmac", "oauth2"} <= set(_types(models.Auth)) and {"cursor", "page"} <= set(_types(models.Pagination))
    assert {"resources", "models", "auth", "operations"} <= set(SECTIONS)


@pytest.mark.parametrize("kind", models.STEP_KINDS)
def test_every_step_kind_is_documented(kind: str) -> None:
    assert _mentioned(kind), f"step kind {kind!r} is not in docs/spec-reference.md"


@pytest.mark.parametrize("style", _types(models.Auth))
def test_every_auth_style_is_documented(style: str) -> None:
    assert f"type: {style}" in DOC, f"auth style {style!r} has no example in docs/spec-reference.md"


@pytest.mark.parametrize("strategy", _types(models.Pagination))
def test_every_pagination_strategy_is_documented(strategy: str) -> None:
    assert _mentioned(strategy), f"pagination {strategy!r} is not in docs/spec-reference.md"


@pytest.mark.parametrize("section", SECTIONS)
def test_every_top_level_section_is_documented(section: str) -> None:
    # A top-level key of a YAML example (at column 0), or named in the text.
    at_top = re.search(rf"^{re.escape(section)}:", DOC, re.MULTILINE) is not None
    assert at_top or _mentioned(section), f"top-level section {section!r} is not in docs/spec-reference.md"


def test_the_custom_function_table_names_only_functions_that_exist() -> None:
    # The other direction: a renamed or removed function must leave the table too.
    table = DOC[DOC.index("## Custom functions"):DOC.index("## Pitfalls")]
    rows = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    documented = set(re.findall(r"`([a-z_0-9]+)\(", "".join(rows)))
    assert len(documented) >= 30
    assert documented <= set(CUSTOM_FUNCTIONS), sorted(documented - set(CUSTOM_FUNCTIONS))


def test_the_check_itself_can_fail() -> None:
    assert not _mentioned("no_such_function_anywhere")


COMPONENTS = (models.Step, models.Operation, models.Resource, models.ModelSpec, models.RequestSpec,
              models.GraphQLSpec, models.FindOrCreateSpec, models.RequireSpec, models.SwitchSpec, models.ErrorRule)
KEYS = [(cls.__name__, field.alias or name) for cls in COMPONENTS for name, field in cls.model_fields.items()]


@pytest.mark.parametrize(("component", "key"), KEYS)
def test_every_key_of_every_component_is_documented(component: str, key: str) -> None:
    # In the text, or as a key of a YAML example (block or flow style).
    in_yaml = re.search(rf"(^\s+|[{{,] ?){re.escape(key)}:", DOC, re.MULTILINE) is not None
    assert in_yaml or _mentioned(key), f"{component}.{key} is not in docs/spec-reference.md"
