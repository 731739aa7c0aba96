"""Size of specs, for the v2 before/after table: ``python -m aptura.spec stats PATH...``.

Counts what the issue measures: lines, steps, and the steps that are ``set``, ``fail``
or carry a ``when`` (YAML anchors count once per use, as the engine runs them); and, to show
where those went, the ``require`` and ``find_or_create`` steps that replace them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Stats:
    """Counts of one spec file (or a total)."""

    name: str
    lines: int
    steps: int
    sets: int
    fails: int
    whens: int
    requires: int = 0
    finds: int = 0

    def row(self) -> str:
        """One Markdown table row."""
        return (f"| {self.name} | {self.lines} | {self.steps} | {self.sets} | {self.fails} | {self.whens} "
                f"| {self.requires} | {self.finds} |")


def _flatten(steps: Any) -> list[dict[str, Any]]:
    """Steps and, after each switch, the steps of all its cases (they run as steps, so they count)."""
    out: list[dict[str, Any]] = []
    for step in steps or []:
        if not isinstance(step, dict):
            continue
        out.append(step)
        switch = step.get("switch")
        if isinstance(switch, dict):
            for case in (switch.get("cases") or {}).values():
                out.extend(_flatten(case))
            out.extend(_flatten(switch.get("default")))
    return out


def _steps(data: Any) -> list[dict[str, Any]]:
    operations = data.get("operations") if isinstance(data, dict) else None
    return [s for op in (operations or {}).values() if isinstance(op, dict) for s in _flatten(op.get("steps"))]


def spec_stats(path: Path) -> Stats:
    """The counts of the spec at ``path``."""
    text = path.read_text(encoding="utf-8")
    steps = _steps(yaml.safe_load(text))
    return Stats(path.stem, len(text.splitlines()), len(steps), sum("set" in s for s in steps),
                 sum("fail" in s for s in steps), sum("when" in s for s in steps),
                 sum("require" in s for s in steps), sum("find_or_create" in s for s in steps))


def table(paths: list[str]) -> str:
    """A Markdown table of every spec's counts and their total."""
    rows = [spec_stats(Path(p)) for p in paths]
    counts = ("lines", "steps", "sets", "fails", "whens", "requires", "finds")
    total = Stats("**total**", *(sum(getattr(r, f) for r in rows) for f in counts))
    head = ("| spec | lines | steps | set | fail | when | require | find_or_create |\n"
            "|---|---:|---:|---:|---:|---:|---:|---:|")
    return "\n".join([head, *(r.row() for r in rows), total.row()])
