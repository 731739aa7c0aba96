"""README runs as pasted (issue 17, item 1): every ```bash/```sh block of README.md, in order, against a fresh
``make dev`` on a non-default port, as a reader pastes them into one terminal.

How README declares what a block does (its contributing notes say the same):

- A comment ``# → [STATUS] [ANSWER]`` (continued on following ``#   `` lines) states what the commands above
  it, back to the previous ``# →``, answer. ``STATUS`` is the HTTP status of the last call among them;
  ``ANSWER`` is JSON that the last JSON answer must contain (objects may have more keys, lists more items;
  ``…`` or ``...`` stands for "anything": in a string for any characters, elsewhere for more of the same),
  or else text that must appear in the output.
- Every other call must answer below 400, with a non-empty body (204 and redirects aside) and no empty
  ``data``/``slots`` list; every command must succeed.
- ``<!-- readme-test: not run, <why> -->`` just before a block opts it out (deploying, Docker, the tests
  themselves).

Variables carry from one block to the next as in one shell. Each curl's status is learnt without changing the
command: ``CURL_HOME`` points at a ``.curlrc`` whose ``write-out`` reports it on stderr.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from tests.devstack_harness import Stack, running_stack
from tests.support import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("devstack")]

README = ROOT / "README.md"
FENCE = re.compile(r"^```(bash|sh)\s*$")
OPT_OUT = re.compile(r"^<!-- readme-test: not run, (.+) -->$")
EXPECT = re.compile(r"^\s*# → ?(.*)$")
EXPECT_MORE = re.compile(r"^\s*#   ?(.*)$")
STATUS_LINE = re.compile(r"^@@HTTP (\d{3}) (\d+)@@$", re.M)
STEP_TIMEOUT = 120.0  # `make invoke` starts a Python process with the whole layer; a curl answers in well under 1 s
# Unicode ellipsis or three dots: "anything" in an expected answer.
ELLIPSIS = re.compile(r"…|\.\.\.")
MORE = "\u0000more"  # an ellipsis as a value or among a list's items


@dataclass
class Step:
    """Commands of one block up to (and with) one expectation; ``first`` is the README line of ``lines[0]``."""

    first: int
    lines: list[str] = field(default_factory=list)
    expect: str | None = None
    expect_line: int = 0

    @property
    def where(self) -> str:
        return f"README.md:{self.first}-{self.first + max(len(self.lines) - 1, 0)}"


@dataclass
class Block:
    """One shell block: its opening fence's README line, whether it opts out, and its steps."""

    line: int
    opt_out: str | None
    steps: list[Step]


def readme_blocks(text: str) -> list[Block]:
    """README's bash/sh blocks in order, each cut into steps at its ``# →`` expectations."""
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        if not FENCE.match(lines[index]):
            index += 1
            continue
        before = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        opt_out = OPT_OUT.match(before.strip())
        block = Block(index + 1, opt_out.group(1) if opt_out else None, [])
        step = Step(index + 2)
        index += 1
        while index < len(lines) and lines[index].strip() != "```":
            line, number = lines[index], index + 1
            match = EXPECT.match(line)
            if match:
                step.expect, step.expect_line = match.group(1).strip(), number
                while index + 1 < len(lines) and (more := EXPECT_MORE.match(lines[index + 1])):
                    step.expect += " " + more.group(1).strip()
                    index += 1
                block.steps.append(step)
                step = Step(index + 2)
            else:
                step.lines.append(line)
            index += 1
        if any(line.strip() and not line.lstrip().startswith("#") for line in step.lines):
            block.steps.append(step)
        blocks.append(block)
        index += 1
    return blocks


def parse_expectation(text: str) -> tuple[int | None, Any, str | None]:
    """``[STATUS] [ANSWER]`` → (status, JSON pattern or None, text pattern or None)."""
    status = None
    if (head := re.match(r"(\d{3})\b\s*", text)) is not None:
        status, text = int(head.group(1)), text[head.end():]
    if not text:
        return status, None, None
    if text[0] in "{[":
        return status, json.loads(_pattern_json(text)), None
    return status, None, text


def _pattern_json(text: str) -> str:
    """An expected answer as JSON: an ellipsis among an object's keys (and its comma) is dropped, as a value or
    in a list it becomes :data:`MORE`; inside a string it becomes ``…``, which :func:`matches` reads as any
    characters."""
    out, in_string, index, nesting = [], False, 0, []
    while index < len(text):
        char = text[index]
        if in_string:
            if char == "\\":
                out.append(text[index:index + 2])
                index += 2
                continue
            if char == '"':
                in_string = False
            elif (ellipsis := ELLIPSIS.match(text, index)) is not None:
                out.append("…")
                index = ellipsis.end()
                continue
        elif char == '"':
            in_string = True
        elif char in "{[":
            nesting.append(char)
        elif char in "}]":
            nesting.pop()
        elif (ellipsis := ELLIPSIS.match(text, index)) is not None:
            if (nesting and nesting[-1] == "[") or "".join(out).rstrip().endswith(":"):
                out.append(json.dumps(MORE))  # any value, or more items (which "[]" alone would deny)
            index = ellipsis.end()
            continue
        out.append(char)
        index += 1
    joined = "".join(out)
    joined = re.sub(r",\s*(?=[}\]])", "", joined)
    return re.sub(r"(?<=[{\[])\s*,", "", joined)


def matches(expected: Any, actual: Any) -> bool:
    """Whether ``actual`` contains ``expected``: objects by key, lists item by item (any order), ``…`` in a
    string as any characters, anything else by equality."""
    if expected == MORE:
        return True
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and matches(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        items = [item for item in expected if item != MORE]
        if not items:
            return len(expected) > 0 or actual == []
        return all(any(matches(item, got) for got in actual) for item in items)
    if isinstance(expected, str) and "…" in expected:
        pattern = ".*".join(re.escape(part) for part in expected.split("…"))
        return isinstance(actual, str) and re.fullmatch(pattern, actual, re.S) is not None
    return bool(expected == actual and type(expected) is type(actual))


def json_documents(output: str) -> Iterator[Any]:
    """Every JSON object or array in ``output``, in order (curl answers follow one another without newlines;
    ``-i`` puts headers before them)."""
    decoder, index = json.JSONDecoder(), 0
    while (found := re.compile(r"[{\[]").search(output, index)) is not None:
        try:
            document, index = decoder.raw_decode(output, found.start())
        except json.JSONDecodeError:
            index = found.start() + 1
            continue
        yield document


def empty_list(document: Any) -> str | None:
    """The name of an empty ``data``/``slots`` list in an answer: a README example must show something."""
    if isinstance(document, dict):
        for key in ("data", "slots"):
            if document.get(key) == []:
                return key
    return None


# Runs one step in a fresh bash that first restores the variables earlier steps set. A failing command is
# recorded by its line in the step's file (LINENO inside a sourced file counts from that file's first line).
RUNNER = r"""
set -o pipefail
__base=$(compgen -v)
source "$1"
cd "$ROOT_DIR"
trap '[[ "${BASH_SOURCE[0]}" == "$2" ]] && echo "$LINENO" >> "$3"' ERR
source "$2"
trap - ERR
for __name in $(compgen -v); do
  case "$__name" in __*|BASH*|PIPESTATUS|FUNCNAME|LINENO|RANDOM|SECONDS|OLDPWD|PWD|_) continue ;; esac
  grep -qxF "$__name" <<< "$__base" || declare -p "$__name"
done > "$1.new"
declare -f >> "$1.new"  # a --norc shell has only the functions the README defined
mv "$1.new" "$1"
"""


@dataclass
class Outcome:
    """What one step did: its output, each curl's (status, body size), and the step-file lines that failed."""

    stdout: str
    stderr: str
    calls: list[tuple[int, int]]
    failed_lines: list[int]


class Shell:
    """A reader's terminal: steps run in order, variables kept between them, against one stack."""

    def __init__(self, stack: Stack, work: Path) -> None:
        self.work = work
        self.state = work / "vars.sh"
        self.state.write_text("")
        curl_home = work / "curl"
        curl_home.mkdir()
        (curl_home / ".curlrc").write_text('write-out = "%{stderr}@@HTTP %{http_code} %{size_download}@@\\n"\n')
        # A reader's terminal: no Aptura/AWS settings, and no parent make (under `make test`, MAKELEVEL and
        # MAKEFLAGS would make README's own `make invoke` print "Entering directory" lines into its answer).
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("APTURA_", "AWS_", "CURL_")) and k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
        self.env.update({"APTURA_PORT": str(stack.port), "APTURA_STATE_DIR": str(stack.state_dir),
                         "CURL_HOME": str(curl_home), "ROOT_DIR": str(ROOT)})
        self.count = 0

    def run(self, step: Step) -> Outcome:
        """Run one step's lines as a pasted piece of a terminal session."""
        self.count += 1
        script, fails = self.work / f"step{self.count}.sh", self.work / f"step{self.count}.failed"
        script.write_text("\n".join(step.lines) + "\n")
        fails.write_text("")
        try:
            done = subprocess.run(["bash", "--noprofile", "--norc", "-c", RUNNER, "readme", str(self.state),
                                   str(script), str(fails)], cwd=ROOT, env=self.env, capture_output=True,
                                  text=True, timeout=STEP_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as timed_out:
            raise AssertionError(f"{step.where}: still running after {STEP_TIMEOUT:.0f} s\n"
                                 f"{_text(timed_out.stdout)[-2000:]}{_text(timed_out.stderr)[-2000:]}") from None
        calls = [(int(status), int(size)) for status, size in STATUS_LINE.findall(done.stderr)]
        failed = [int(n) for n in fails.read_text().split()]
        return Outcome(done.stdout, STATUS_LINE.sub("", done.stderr).strip(), calls, failed)


def _text(output: str | bytes | None) -> str:
    """A timed-out run's partial output (bytes, even with ``text=True``)."""
    return output.decode(errors="replace") if isinstance(output, bytes) else output or ""


def check(step: Step, outcome: Outcome) -> list[str]:
    """What is wrong with one step's outcome, each problem naming its README line."""
    problems = [f"README.md:{step.first + n - 1}: command failed\n{outcome.stderr[-2000:]}"
                for n in outcome.failed_lines]
    status, pattern, text = parse_expectation(step.expect) if step.expect is not None else (None, None, None)
    for position, (code, size) in enumerate(outcome.calls):
        expected_here = status is not None and position == len(outcome.calls) - 1
        if expected_here and code != status:
            problems.append(f"README.md:{step.expect_line}: expected HTTP {status}, got {code}\n{outcome.stdout}")
        elif not expected_here and code >= 400:
            problems.append(f"{step.where}: a call answered HTTP {code}\n{outcome.stdout}")
        if size == 0 and code != 204 and not 300 <= code < 400:
            problems.append(f"{step.where}: a call answered HTTP {code} with an empty body")
    if status is not None and not outcome.calls:
        problems.append(f"README.md:{step.expect_line}: expected HTTP {status}, but no call was made")
    documents = list(json_documents(outcome.stdout))
    problems += [f"{step.where}: an answer's {key!r} list is empty\n{outcome.stdout}"
                 for key in filter(None, map(empty_list, documents))]
    if pattern is not None and not (documents and matches(pattern, documents[-1])):
        problems.append(f"README.md:{step.expect_line}: the answer does not contain {step.expect!r}\n"
                        f"{outcome.stdout[-3000:]}")
    if text is not None and not re.search(".*".join(map(re.escape, ELLIPSIS.split(text))), outcome.stdout, re.S):
        problems.append(f"README.md:{step.expect_line}: {text!r} is not in the output\n{outcome.stdout[-3000:]}")
    return problems


def test_expectations_read_as_documented() -> None:
    status, pattern, _ = parse_expectation('409 {"error": "conflict", "details": {"reason": "slot_taken", ...}}')
    assert status == 409 and pattern == {"error": "conflict", "details": {"reason": "slot_taken"}}
    _, pattern, _ = parse_expectation('{"id": "we_…", "event_types": [...], "slots": [{"startTime": "...Z"}, ...]}')
    assert pattern["event_types"] == [MORE]
    assert matches(pattern, {"id": "we_1", "event_types": ["a"], "slots": [{"startTime": "2027-01-11T15:00:00Z"}]})
    assert matches(pattern, {"id": "we_1", "event_types": [], "slots": [{"startTime": "2027-01-11T15:00:00Z"}]})
    assert not matches(pattern, {"id": "x_1", "event_types": [], "slots": [{"startTime": "2027-01-11T15:00:00Z"}]})
    assert not matches(pattern, {"id": "we_1", "event_types": [], "slots": [{"startTime": "2027-01-11T15:00:00"}]})
    assert parse_expectation('{"next_cursor": …}')[1] == {"next_cursor": MORE}
    assert not matches({"n": 1}, {"n": True}) and matches({"n": []}, {"n": []}) and not matches({"n": []}, {"n": [1]})
    assert parse_expectation("302 Location: https://…") == (302, None, "Location: https://…")
    assert list(json_documents('HTTP/1.1 200\r\n\r\n{"a": 1}[2]{bad')) == [{"a": 1}, [2]]


def test_blocks_and_steps_are_found_with_their_lines() -> None:
    text = ("intro\n\n<!-- readme-test: not run, needs Docker -->\n```bash\nsam deploy\n```\n"
            "```sh\nA=1\ncurl one\n# → 201 {\"a\": 1,\n#   \"b\": ...}\ncurl two\n```\n```python\nx\n```\n")
    docker, shell = readme_blocks(text)
    assert (docker.line, docker.opt_out) == (4, "needs Docker")
    assert shell.opt_out is None and [(s.first, s.lines, s.expect, s.expect_line) for s in shell.steps] == [
        (8, ["A=1", "curl one"], '201 {"a": 1, "b": ...}', 10), (12, ["curl two"], None, 0)]


def test_a_shell_keeps_variables_and_functions_and_names_the_failing_line(tmp_path: Path) -> None:
    stack = cast(Stack, SimpleNamespace(port=1, state_dir=tmp_path))  # nothing here calls the stack
    shell = Shell(stack, tmp_path)
    first = Step(20, ["A=kept", "shout() { echo \"$1!\"; }"])
    assert check(first, shell.run(first)) == []
    second = Step(30, ["shout \"$A\"", "false", "echo after"], expect="{\"n\": 1}", expect_line=33)
    outcome = shell.run(second)
    assert outcome.stdout == "kept!\nafter\n" and outcome.failed_lines == [2]
    problems = check(second, outcome)
    assert problems[0].startswith("README.md:31: command failed") and problems[1].startswith("README.md:33: ")
    answered = Outcome('{"data": []}', "", [(409, 12)], [])
    assert [p.split(":")[1] for p in check(Step(40, ["curl"], expect="201", expect_line=41), answered)] == [
        "41", "40-40"]  # the wrong status, then the empty list


def test_every_opt_out_says_why_and_most_blocks_run() -> None:
    blocks = readme_blocks(README.read_text())
    assert all(block.opt_out.strip() for block in blocks if block.opt_out is not None)
    for block in blocks:  # an expectation that cannot be read fails here, without a stack
        for step in block.steps:
            if step.expect is not None:
                assert parse_expectation(step.expect) != (None, None, None), f"README.md:{step.expect_line}"
    assert 2 * sum(block.opt_out is None for block in blocks) > len(blocks), "most examples must be run"


def test_readme_shell_examples_run_as_pasted(tmp_path: Path) -> None:
    blocks = [block for block in readme_blocks(README.read_text()) if block.opt_out is None]
    assert blocks, "README has no shell example to run"
    with running_stack(tmp_path / "state") as stack:
        assert stack.port != 3000  # the examples must not depend on the default port
        shell = Shell(stack, tmp_path)
        for block in blocks:
            for step in block.steps:
                problems = check(step, shell.run(step))
                assert not problems, f"README block at line {block.line}:\n" + "\n".join(problems)
