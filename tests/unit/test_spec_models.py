"""``models:``: a mapping declared once and used by name through ``{model, of}`` templates."""

from __future__ import annotations

from typing import Any

import pytest

from aptura.errors import SpecError
from aptura.spec.loader import parse_spec

SPEC = """id: demo
name: Demo
environments: {live: {base_url: "https://live.example/api"}, test: {base_url: "https://test.example/api"}}
connection: {config: {}, secrets: {}}
models:
  Client:
    from: c
    map: {id: to_string(c.id), email: c.mail, raw: c}
  Lead:
    shape: Client
    from: l
    map: {id: to_string(l.lead_id), firstName: "steps.names[0]"}
operations:
  clients.list:
    steps: [{id: rows, set: input.rows}]
    output: {each: steps.rows, as: r, map: {model: Client, of: r}}
  clients.create:
    steps: [{id: created, set: input.row}]
    output: {model: Lead, of: steps.created}
"""


def _run(operation: str, ctx: dict[str, Any]) -> Any:
    spec = parse_spec(SPEC)
    return spec.operations[operation]._output.render({"steps": {}, **ctx})  # type: ignore[index]


def test_each_element_is_mapped_through_the_model() -> None:
    rows = [{"id": 1, "mail": "a@example.com"}, {"id": 2}]
    assert _run("clients.list", {"steps": {"rows": rows}}) == [
        {"id": "1", "email": "a@example.com", "raw": rows[0]}, {"id": "2", "raw": rows[1]}]


def test_a_model_sees_the_rest_of_the_context_and_a_shape_may_have_two_models() -> None:
    assert _run("clients.create", {"steps": {"created": {"lead_id": 7}, "names": ["Ann"]}}) == {
        "id": "7", "firstName": "Ann"}


def test_a_null_object_maps_to_null() -> None:
    assert _run("clients.create", {"steps": {"created": None}}) is None


def test_a_model_reference_needs_of() -> None:
    with pytest.raises(SpecError, match="exactly {model: <name>, of: <expression>}"):
        parse_spec(SPEC.replace("{model: Lead, of: steps.created}", "{model: Lead}"))


def test_an_unknown_model_is_refused_at_load_with_its_location() -> None:
    with pytest.raises(SpecError) as raised:
        parse_spec(SPEC.replace("{model: Lead,", "{model: Leed,"))
    assert "operations.clients.create.output.model" in str(raised.value) and "unknown model 'Leed'" in str(raised.value)
