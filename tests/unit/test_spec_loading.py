"""Spec parsing: templates, compile-once, clear errors, schema freshness, every spec loads."""

from pathlib import Path

import pytest

from aptura.errors import SpecError
from aptura.spec.loader import load_file, parse_spec
from aptura.spec.schema import spec_json_schema
from aptura.spec.template import compile_template

ROOT = Path(__file__).resolve().parents[2]
MINIMAL = """
id: demo
name: Demo
environments: {live: {base_url: "https://live"}, test: {base_url: "https://test"}}
connection: {config: {timezone: {type: timezone}}}
operations:
  availability.list:
    steps:
      - id: a
        request: {path: /x}
    output: steps.a
"""


def test_templates_build_objects_lists_and_iterations() -> None:
    template = compile_template({
        "literal": 3, "text": "'hi'", "expr": "input.a", "dropped": "input.missing",
        "list": ["input.a", True],
        "iter": {"each": "input.xs", "as": "x", "where": "x > `1`", "map": {"v": "x", "a": "input.a"}},
        "flat": {"each": "input.nested", "flatten": True},
    })
    out = template.render({"input": {"a": "A", "xs": [1, 2, 3], "nested": [[1], [2, 3]]}})
    assert out == {"literal": 3, "text": "hi", "expr": "A", "list": ["A", True],
                   "iter": [{"v": 2, "a": "A"}, {"v": 3, "a": "A"}], "flat": [1, 2, 3]}


def test_a_valid_spec_loads_with_compiled_expressions() -> None:
    spec = parse_spec(MINIMAL, "demo.yaml")
    assert spec.operations["availability.list"]._output.render({"steps": {"a": [1]}}) == [1]


def test_stamps_reference_is_for_create_with_a_list_to_look_in() -> None:
    create = "\n  appointments.create:\n    stamps_reference: true\n    steps: [{id: a, request: {path: /x}}]\n" \
             "    output: steps.a\n"
    listing = "\n  appointments.list:\n    steps: [{id: a, request: {path: /x}}]\n    output: steps.a\n"
    assert parse_spec(MINIMAL + create + listing, "demo.yaml").stamps_reference()
    assert not parse_spec(MINIMAL, "demo.yaml").stamps_reference()
    with pytest.raises(SpecError, match="needs appointments.list"):
        parse_spec(MINIMAL + create, "demo.yaml")
    with pytest.raises(SpecError, match="for appointments.create only"):
        parse_spec(MINIMAL.replace("    steps:", "    stamps_reference: true\n    steps:", 1), "demo.yaml")


@pytest.mark.parametrize(
    "broken,location,reason",
    [
        (MINIMAL.replace("output: steps.a", "output: 'steps.a['"), "operations.availability.list.output", "JMESPath"),
        (MINIMAL.replace("request: {path: /x}", "request: {path: /x, method: FETCH}"),
         "operations.availability.list.steps[0].request.method", "Input should be"),
        (MINIMAL.replace("availability.list", "availability.lsit"), "operations.availability.lsit", "Input should be"),
        (MINIMAL.replace("request: {path: /x}", "set: '`1`'\n        fail: {error: not_found, message: \"'x'\"}"),
         "operations.availability.list.steps[0]", "exactly one"),
        (MINIMAL.replace("name: Demo", "name: [unclosed"), "(yaml)", ""),
    ],
)
def test_broken_specs_name_file_location_and_reason(broken: str, location: str, reason: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(broken, "specs/demo.yaml")
    assert info.value.file == "specs/demo.yaml"
    assert info.value.location.startswith(location)
    assert reason in info.value.reason
    assert info.value.line is not None and info.value.line > 1


def test_schema_json_is_fresh() -> None:
    committed = (ROOT / "specs" / "schema.json").read_text(encoding="utf-8")
    assert committed == spec_json_schema(), "run: PYTHONPATH=layer python -m aptura.spec.schema > specs/schema.json"


@pytest.mark.parametrize("path", sorted((ROOT / "specs").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_spec_loads_and_declares_the_schema(path: Path) -> None:
    assert path.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=./schema.json")
    spec = load_file(path)
    assert spec.id == path.stem


def test_spec_id_must_match_file_name(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text(MINIMAL)
    with pytest.raises(SpecError, match="must match the file name"):
        load_file(path)
