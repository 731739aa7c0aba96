"""The spec checker (``python -m aptura.spec check``): every real spec passes, and each kind
of mistake is reported with the file and the line it is on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from aptura.spec.check import Problem, check_paths, check_text

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted((ROOT / "specs").glob("*.yaml"))
BASE = (ROOT / "specs" / "mindbody.yaml").read_text(encoding="utf-8")
WHEN = "        when: \"length(steps.windows) == `0`\"\n"


def _line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def _check(old: str, new: str, marker: str | None = None) -> tuple[list[Problem], int]:
    """Check mindbody.yaml with ``old`` replaced by ``new``; the expected line is where ``marker`` is."""
    assert BASE.count(old) >= 1, old
    text = BASE.replace(old, new, 1)
    return check_text(text, "specs/mindbody.yaml"), _line_of(text, marker or new)


def test_every_spec_in_specs_passes_the_checker() -> None:
    assert SPECS, "no specs found"
    assert check_paths([str(p) for p in SPECS]) == []


def test_cli_reports_path_line_message_and_exits_non_zero(tmp_path: Path) -> None:
    bad = tmp_path / "mindbody.yaml"
    bad.write_text(BASE.replace(WHEN, WHEN.replace("length(", "lenght("), 1), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layer'}{os.pathsep}{ROOT}"}
    good = subprocess.run([sys.executable, "-m", "aptura.spec", "check", *map(str, SPECS)],
                          capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert (good.returncode, good.stdout) == (0, "")
    result = subprocess.run([sys.executable, "-m", "aptura.spec", "check", str(bad)],
                            capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert result.returncode == 1
    line = _line_of(bad.read_text(encoding="utf-8"), "lenght(")
    assert result.stdout.startswith(f"{bad}:{line}: unknown function lenght()")


def test_unknown_key_is_reported_at_its_line() -> None:
    problems, line = _check("docs_url:", "docs_urll:")
    assert [(p.line, p.message) for p in problems] == [(line, "docs_urll: Extra inputs are not permitted")]


def test_unknown_step_kind_is_reported_at_the_step() -> None:
    problems, line = _check("        resource: {name: session_types}\n",
                            "        fetch: {name: session_types}\n", "fetch:")
    assert any(p.line == line and "fetch: Extra inputs are not permitted" in p.message for p in problems), problems


def test_every_problem_is_reported_not_only_the_first() -> None:
    text = BASE.replace("docs_url:", "docs_urll:", 1).replace("  test: {base_url", "  tst: {base_url", 1)
    problems = check_text(text, "specs/mindbody.yaml")
    assert {p.line for p in problems} >= {_line_of(text, "docs_urll:"), _line_of(text, "tst:")}


def test_unknown_function() -> None:
    problems, line = _check(WHEN, WHEN.replace("length(", "lenght("))
    assert [(p.line, p.message.rsplit(" in ", 1)[0]) for p in problems] == [(line, "unknown function lenght()")]


def test_wrong_arity() -> None:
    problems, line = _check(WHEN, WHEN.replace("length(steps.windows)", "length(steps.windows, zone)"))
    assert [(p.line, p.message.rsplit(" in ", 1)[0]) for p in problems] == [
        (line, "length() takes 1 argument(s), given 2")]


def test_wrong_arity_of_a_custom_variadic_aware_function() -> None:
    problems, line = _check(WHEN, WHEN.replace("length(steps.windows)", "length(merge())"))
    assert (line, "merge() takes at least 1 argument(s), given 0") in [
        (p.line, p.message.rsplit(" in ", 1)[0]) for p in problems]


def test_undeclared_config_field() -> None:
    problems, line = _check(WHEN, WHEN.replace("length(steps.windows)", "length(config.siteid)"))
    assert [(p.line, p.message.rsplit(" in ", 1)[0]) for p in problems] == [
        (line, "config.siteid is not declared in connection.config")]


def test_undefined_variable() -> None:
    problems, line = _check(WHEN, WHEN.replace("length(steps.windows)", "length(stepz.windows)"))
    assert [(p.line, p.message.rsplit(" in ", 1)[0]) for p in problems] == [(line, "undefined variable 'stepz'")]


def test_names_relative_to_a_projection_are_not_variables() -> None:
    problems, _ = _check(WHEN, WHEN.replace("length(steps.windows)", "length(steps.windows[?Whatever].Other)"))
    assert problems == []


def test_bare_true_is_reported_as_a_silent_null() -> None:
    problems, line = _check(WHEN, WHEN.replace("length(steps.windows) == `0`", "true"))
    assert [p.line for p in problems] == [line]
    assert "bare true is a field lookup" in problems[0].message


def test_base_url_placeholder_must_name_a_declared_config_field() -> None:
    problems, line = _check('  live: {base_url: "https://api.mindbodyonline.com/public/v6"}',
                            '  live: {base_url: "https://{config.tenant}.mindbodyonline.com/public/v6"}', "  live:")
    assert [(p.line, p.message) for p in problems] == [
        (line, "base_url placeholder {config.tenant} must name a declared connection.config field")]


@pytest.mark.parametrize("text", ["id: [unclosed\n", "- just\n- a list\n"])
def test_unparseable_or_non_mapping_yaml(text: str) -> None:
    problems = check_text(text, "specs/x.yaml")
    assert len(problems) == 1 and problems[0].path == "specs/x.yaml" and problems[0].line >= 1


def test_stats_counts_lines_steps_set_fail_when(tmp_path: Path) -> None:
    from aptura.spec.stats import spec_stats, table

    spec = tmp_path / "demo.yaml"
    spec.write_text("id: demo\noperations:\n  a:\n    steps:\n      - {id: x, set: '`1`', when: input.y}\n"
                    "      - {id: z, fail: {error: not_found, message: \"'no'\"}}\n"
                    "      - {id: r, require: {that: input.y, error: not_found, message: \"'no'\"}}\n"
                    "      - {id: c, find_or_create: {find: {request: {path: /c}, match: '`true`'},\n"
                    "                                create: {method: POST, path: /c}}}\n", encoding="utf-8")
    stats = spec_stats(spec)
    assert (stats.lines, stats.steps, stats.sets, stats.fails, stats.whens, stats.requires, stats.finds) == (
        9, 4, 1, 1, 1, 1, 1)
    assert table([str(spec), str(spec)]).splitlines()[-1] == "| **total** | 18 | 8 | 2 | 2 | 2 | 2 | 2 |"


def test_negation_before_a_path_is_reported() -> None:
    problems, line = _check(WHEN, WHEN.replace("length(steps.windows) == `0`", "!steps.windows"))
    assert [(p.line, p.message.rsplit(" in ", 1)[0]) for p in problems] == [
        (line, "!a.b parses as (!a).b, which is always null; write !(a.b)")]


def test_unknown_resource_reference_is_reported_at_the_step() -> None:
    problems, line = _check("        resource: {name: session_types}\n",
                            "        resource: {name: session_typo}\n", "session_typo")
    assert [(p.line, p.message) for p in problems] == [
        (line, "operations.availability.list.steps[1].resource.name: Value error, unknown resource "
               "'session_typo' (declared: ['appointment', 'clients', 'clients_by_id', 'session_types'])")]


def test_stats_count_the_steps_inside_switch_cases(tmp_path: Path) -> None:
    from aptura.spec.stats import spec_stats

    spec = tmp_path / "demo.yaml"
    spec.write_text("id: demo\noperations:\n  a:\n    steps:\n      - id: s\n        switch:\n"
                    "          value: config.k\n          cases: {a: [{id: x, set: '`1`'}], b: [{id: y, set: '`2`'}]}\n"
                    "          default: [{id: z, fail: {error: not_found, message: \"'no'\"}}]\n", encoding="utf-8")
    stats = spec_stats(spec)
    assert (stats.steps, stats.sets, stats.fails, stats.whens) == (4, 2, 1, 0)


def test_undeclared_config_field_inside_a_switch_case_is_reported_at_its_line() -> None:
    text = (ROOT / "specs" / "supersaas.yaml").read_text(encoding="utf-8")
    old = "path: \"/api/free/{config.schedule_id}.json\"\n                  query: {from: steps.local.start"
    assert old in text
    bad = text.replace(old, old.replace("config.schedule_id", "config.schedule_idd"), 1)
    problems = check_text(bad, "specs/supersaas.yaml")
    assert [(p.line, p.message.rsplit(" in ", 1)[0]) for p in problems] == [
        (_line_of(bad, "config.schedule_idd"), "config.schedule_idd is not declared in connection.config")]


def test_expressions_inside_find_or_create_are_checked_with_their_lines() -> None:
    text = """id: demo
name: Demo
environments: {live: {base_url: "https://live.example/api"}, test: {base_url: "https://test.example/api"}}
connection: {config: {}, secrets: {}}
operations:
  clients.create:
    steps:
      - id: client
        find_or_create:
          find:
            request: {path: /clients}
            as: c
            match: "lowr(c.email) == lower(input.email)"
          create: {method: POST, path: /clients, body: {email: input.email, site: config.site}}
          on_conflict: {status: [409], when: "body.code == 'taken'", missing: {error: conflict, message: "msg"}}
    output: steps.client.record
"""
    problems = check_text(text, "specs/demo.yaml")
    assert [(p.line, p.message.rsplit(" in ", 1)[0]) for p in problems] == [
        (13, "unknown function lowr()"), (14, "config.site is not declared in connection.config"),
        (15, "undefined variable 'msg'")]


# -- models: each declared mapping is checked against the unified shape it produces -------------


def test_model_key_not_in_the_unified_shape_is_reported_at_its_line() -> None:
    problems, line = _check("      locationId: to_string(a.LocationId)\n",
                            "      location_id: to_string(a.LocationId)\n", "location_id:")
    assert [(p.line, p.message.split(" (fields:")[0]) for p in problems] == [
        (line, "models.Appointment.map.location_id: 'location_id' is not a field of Appointment")]


def test_model_key_not_in_a_nested_shape_is_reported() -> None:
    problems, line = _check("        durationMinutes: minutes_between(", "        duration: minutes_between(",
                            "duration:")
    assert [(p.line, p.message.split(" (fields:")[0]) for p in problems] == [
        (line, "models.Appointment.map.service.duration: 'duration' is not a field of Appointment.service")]


@pytest.mark.parametrize(("old", "new", "message"), [
    ("        durationMinutes: minutes_between(a.StartDateTime, a.EndDateTime)\n",
     "        durationMinutes: to_string(minutes_between(a.StartDateTime, a.EndDateTime))\n",
     "models.Appointment.map.service.durationMinutes: Appointment.service.durationMinutes is number, "
     "but this gives string"),
    ("      startTime: to_utc(a.StartDateTime, zone)\n", "      startTime: 1700000000\n",
     "models.Appointment.map.startTime: Appointment.startTime is string, but this gives number"),
    ("      status: \"get(vocab.status, a.Status) || 'confirmed'\"\n", "      status: \"'booked'\"\n",
     "models.Appointment.map.status: Appointment.status is one of confirmed, cancelled, completed, no_show, "
     "pending, not 'booked'"),
    ("      firstName: c.FirstName\n", "      firstName: \"{given: c.FirstName}\"\n",
     "models.Client.map.firstName: Client.firstName is string, but this gives object"),
])
def test_model_value_of_a_statically_wrong_type_is_reported(old: str, new: str, message: str) -> None:
    problems, line = _check(old, new)
    assert [(p.line, p.message) for p in problems] == [(line, message)]


def test_model_values_whose_type_depends_on_provider_data_are_not_guessed() -> None:
    problems, _ = _check("      firstName: c.FirstName\n", "      firstName: c.Name.First\n")
    assert problems == []


def test_unknown_model_reference_is_reported_where_it_is_used() -> None:
    problems, line = _check("      map: {model: Client, of: c}\n", "      map: {model: Cliente, of: c}\n", "Cliente")
    assert [(p.line, p.message) for p in problems] == [
        (line, "operations.clients.list.output.map.model: Value error, unknown model 'Cliente' "
               "(declared: ['Appointment', 'Client'])")]


def test_model_named_after_no_shape_needs_shape() -> None:
    problems, line = _check("  Client:\n    from: c\n", "  Customer:\n    from: c\n", "  Customer:")
    expected = ("models.Customer: Value error, model 'Customer' is not a unified shape (Appointment, Slot, "
                "Service, Staff, Location, Client); name one with `shape:`")
    assert (line, expected) in [(p.line, p.message) for p in problems]


def test_the_loader_refuses_a_model_outside_its_shape() -> None:
    from aptura.errors import SpecError
    from aptura.spec.loader import parse_spec

    text = BASE.replace("      locationId: to_string(a.LocationId)\n", "      location_id: to_string(a.LocationId)\n")
    with pytest.raises(SpecError, match="location_id"):
        parse_spec(text, "specs/mindbody.yaml")


def test_an_operation_answering_a_model_of_another_shape_is_reported() -> None:
    problems, line = _check("      map: {model: Client, of: c}\n", "      map: {model: Appointment, of: c}\n",
                            "{model: Appointment, of: c}")
    assert [(p.line, p.message) for p in problems] == [
        (line, "operations.clients.list.output.map.model: clients.list answers Client, but model 'Appointment' "
               "is Appointment")]


def test_every_operation_but_the_connection_check_has_a_unified_shape() -> None:
    from aptura.spec.models import OPERATIONS
    from aptura.spec.shapes import OPERATION_SHAPES

    assert set(OPERATION_SHAPES) == set(OPERATIONS) - {"connection.verify"}


def test_fill_binds_fill_and_the_found_record_and_catches_typos_inside_it() -> None:
    text = """id: demo
name: Demo
environments: {live: {base_url: "https://live.example/api"}, test: {base_url: "https://test.example/api"}}
connection: {config: {}, secrets: {}}
operations:
  clients.create:
    steps:
      - id: client
        find_or_create:
          find: {request: {path: /clients}, as: c, match: "c.email == input.email"}
          create: {method: POST, path: /clients, body: {email: input.email}}
          fill:
            fields: {phone: {have: c.phone, want: input.phone}, name: {have: cc.name, want: input.name}}
            request: {method: PUT, path: "/clients/{c.id}", body: {phone: fill.phone, name: fil.name}}
    output: steps.client.record
"""
    problems = check_text(text, "specs/demo.yaml")
    assert [(p.line, p.message.rsplit(" in ", 1)[0]) for p in problems] == [
        (13, "undefined variable 'cc'"), (14, "undefined variable 'fil'")]
