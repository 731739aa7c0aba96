"""``make invoke EVENT=events/<Function>/<Name>.json``: ``sam local invoke`` without Docker, against ``make dev``.

Runs the function named by the event's folder (its logical id in ``template.yaml``) once, in a Lambda-like
worker process (:class:`local.gateway.Worker`, as the local gateway does), with the environment the running
``make dev`` gives its functions (read from ``$APTURA_STATE_DIR/dev.json``: the AWS endpoints, the sandboxes'
URL, the specs directory), and prints the handler's response as JSON::

    python -m local.invoke events/AvailabilityFunction/ListAvailability.json [--template template.yaml]

The exit status is 0 when the handler answered (whatever its statusCode), 1 when it crashed or timed out.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from pathlib import Path
from typing import Any

from local.devstack import state_dir
from local.gateway import Gateway, InvokeError
from local.services import ROOT


def read_dev_facts(path: Path | None = None) -> dict[str, Any]:
    """The running ``make dev``'s facts (dev.json); a clear error when it is not running."""
    path = path or state_dir() / "dev.json"
    if not path.is_file():
        raise SystemExit(f"{path} not found: start `make dev` first (or set APTURA_STATE_DIR to its state dir)")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def invoke_event(event_path: str | Path, template: str | Path = ROOT / "template.yaml",
                 facts: dict[str, Any] | None = None) -> Any:
    """Run the function ``event_path``'s folder names on that event; returns the handler's result."""
    event_path = Path(event_path)
    facts = facts if facts is not None else read_dev_facts()
    # Gateway only for its view of the template and its function environment: no server, no worker is started.
    gateway = Gateway(template, env_overrides={"Parameters": dict(facts.get("function_env") or {})},
                      parameter_overrides=dict(facts.get("parameter_overrides") or {}), port=0)
    function_id = event_path.parent.name
    fn = gateway.stack.functions.get(function_id)
    if fn is None:
        known = ", ".join(sorted(gateway.stack.functions))
        raise SystemExit(f"{event_path}: no function {function_id!r} in {template} (functions: {known})")
    event = json.loads(event_path.read_text(encoding="utf-8"))
    pool = gateway.pools[function_id]  # its worker's logs go to stderr, so stdout is only the response
    try:
        return pool.invoke(event, str(uuid.uuid4()), float(fn.timeout))
    finally:
        pool.close()


def main(argv: list[str] | None = None) -> int:
    """CLI: invoke one event and print the handler's response."""
    parser = argparse.ArgumentParser(description="Invoke one function with an event, against `make dev`.")
    parser.add_argument("event", help="events/<FunctionLogicalId>/<Name>.json")
    parser.add_argument("--template", default=str(ROOT / "template.yaml"))
    args = parser.parse_args(argv)
    try:
        result = invoke_event(args.event, args.template)
    except InvokeError as exc:
        print(f"invocation failed: {exc.status} {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
