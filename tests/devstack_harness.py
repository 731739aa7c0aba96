"""A running ``make dev`` for tests: ``python -m local.devstack`` as a subprocess, its dev.json, and the
processes it started (found through /proc, so a failed test can still stop all of them).

Used by the end-to-end tests of the stack and by the browser tests, which drive its pages.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local.services import free_port
from tests.support import ROOT

READY_TIMEOUT = 90.0  # generous: `make test` runs two workers on two vCPUs; alone it is ready in ~9 s


@dataclass
class Proc:
    """One process as seen in /proc; ``starttime`` tells a reused pid apart."""

    pid: int
    ppid: int
    starttime: str
    cmdline: str

    def alive(self) -> bool:
        now = _read_proc(self.pid)
        return now is not None and now.starttime == self.starttime and _state(self.pid) != "Z"


def _read_proc(pid: int) -> Proc | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the command name may contain spaces and parentheses
    return Proc(pid, int(fields[1]), fields[19], cmdline)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "gone"


def descendants(root: int) -> list[Proc]:
    """Every live process whose parent chain leads to ``root``."""
    procs = [p for entry in Path("/proc").iterdir() if entry.name.isdigit() and (p := _read_proc(int(entry.name)))]
    children: dict[int, list[Proc]] = {}
    for proc in procs:
        children.setdefault(proc.ppid, []).append(proc)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child.pid)
    return found


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class Stack:
    """A running ``python -m local.devstack`` and what it reported."""

    proc: subprocess.Popen[bytes]
    state_dir: Path
    port: int
    facts: dict[str, Any] = field(default_factory=dict)
    seen: list[Proc] = field(default_factory=list)

    @property
    def stdout(self) -> str:
        return (self.state_dir / "stdout.log").read_text(errors="replace")

    @property
    def stderr(self) -> str:
        return (self.state_dir / "stderr.log").read_text(errors="replace")

    def headers(self, provider: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.facts['api_key']}",
                "X-Connection-Id": self.facts["providers"][provider]["connection_id"]}

    def interrupt(self, timeout: float = 30.0) -> int:
        """Ctrl-C, as a terminal delivers it to ``make dev``'s Python process; returns the exit code."""
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=timeout)

    def tree(self) -> list[Proc]:
        """The stack's processes now; remembered, so cleanup still finds them once they are orphaned."""
        found = descendants(self.proc.pid)
        self.seen.extend(found)
        return found

    def kill(self) -> None:
        """Last resort after a failed test: the stack and every process it was seen with (workers run in
        their own sessions, and a leaked JVM is reparented once the stack exits)."""
        if self.proc.poll() is None:
            self.tree()
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for child in self.seen:
            if child.alive():
                try:
                    os.kill(child.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass


def start_stack(state_dir: Path, data_dir: Path | None = None) -> Stack:
    """Start the stack as ``make dev`` does (same module, PYTHONPATH=layer:.) and wait for "ready"."""
    state_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APTURA_", "AWS_ENDPOINT_URL"))}
    env.update({"PYTHONPATH": f"{ROOT / 'layer'}{os.pathsep}{ROOT}", "APTURA_PORT": str(port),
                "APTURA_STATE_DIR": str(state_dir), "PYTHONUNBUFFERED": "1"})
    if data_dir is not None:
        env["APTURA_DATA_DIR"] = str(data_dir)
    with open(state_dir / "stdout.log", "wb") as out, open(state_dir / "stderr.log", "wb") as err:
        proc = subprocess.Popen(  # files, not pipes: an unread pipe would stall the stack's logging
            [sys.executable, "-m", "local.devstack"], cwd=ROOT, env=env, stdout=out, stderr=err,
            start_new_session=True,  # so a failed test can kill the whole tree (see Stack.kill)
        )
    stack = Stack(proc, state_dir, port)
    deadline = time.monotonic() + READY_TIMEOUT
    facts_path = state_dir / "dev.json"
    while not (facts_path.exists() and "ready in" in stack.stdout):
        if proc.poll() is not None:
            raise AssertionError(f"devstack exited with {proc.returncode}:\n{stack.stderr[-4000:]}")
        if time.monotonic() > deadline:
            stack.kill()
            raise AssertionError(f"devstack not ready after {READY_TIMEOUT}s:\n{stack.stderr[-4000:]}")
        time.sleep(0.1)
    stack.facts = json.loads(facts_path.read_text())
    return stack


@contextmanager
def running_stack(state_dir: Path) -> Iterator[Stack]:
    """:func:`start_stack`, stopped on the way out: interrupted as Ctrl-C would, then anything left killed."""
    running = start_stack(state_dir)
    try:
        yield running
    finally:
        running.tree()  # remembered, so kill() also finds anything the interrupt leaves behind
        try:
            running.interrupt()
        finally:
            running.kill()
