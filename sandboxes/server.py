"""Serve every provider sandbox on one port: ``python -m sandboxes.server --port 4010``.

Each provider is mounted at ``/<provider>``; the registry below is the only list of them.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import threading

from sandboxes.core import RunningServer, SandboxApp, serve

# provider name -> "module:Class"; adding a sandbox adds one line here.
REGISTRY: dict[str, str] = {
    "mindbody": "sandboxes.mindbody.app:MindbodySandbox",
    "supersaas": "sandboxes.supersaas.app:SuperSaasSandbox",
    "digitalbooker": "sandboxes.digitalbooker.app:DigitalBookerSandbox",
    "timetap": "sandboxes.timetap.app:TimeTapSandbox",
    "boulevard": "sandboxes.boulevard.app:BoulevardSandbox",
    "square": "sandboxes.square.app:SquareSandbox",
    "smoothschedule": "sandboxes.smoothschedule.app:SmoothScheduleSandbox",
}


def build_apps(names: list[str] | None = None) -> list[SandboxApp]:
    """Instantiate the sandboxes named (all registered ones by default)."""
    apps = []
    for name in names or sorted(REGISTRY):
        module_name, cls_name = REGISTRY[name].split(":")
        apps.append(getattr(importlib.import_module(module_name), cls_name)())
    return apps


def start(host: str = "127.0.0.1", port: int = 0, names: list[str] | None = None) -> RunningServer:
    """Start all sandboxes in a background thread and return the running server."""
    return serve(build_apps(names), host=host, port=port)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4010)
    args = parser.parse_args()
    running = start(args.host, args.port)
    print(f"sandboxes ready at {running.url} ({', '.join(sorted(REGISTRY))})", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.25):  # a bare wait() can miss a signal delivered while blocked
        pass
    running.stop()


if __name__ == "__main__":
    main()
