"""The dev stack for fuzzing: ``python -m tests.fuzz.stack STATE_DIR`` (with ``PYTHONPATH=layer:.``).

The same stack as ``make dev`` (:class:`local.devstack.DevStack`: sandboxes, DynamoDB Local, moto, the demo
account, the gateway), with one difference: the demo account's rate limits (and the failed-authentication
throttle) are raised before the gateway answers its first request. A fuzzing run sends far more than the default
100 requests a minute, and a run that mostly hears 429 tests nothing behind the rate limiter. Limits are cached
per Lambda worker for a minute, so raising them after the stack is up would not reach the workers already warm.

Writes ``STATE_DIR/stack.json`` (the facts ``make dev`` writes to ``dev.json``) once everything answers, and
stops everything on SIGTERM or SIGINT.
"""

from __future__ import annotations

import signal
import sys
import threading
from pathlib import Path
from typing import Any

from local.devstack import DEMO_ACCOUNT_ID, DevStack, StartCancelled, write_facts

# Far above what a bounded run sends (about 1,500 requests), so no request of it meets the limiter.
PER_MINUTE = 100_000
PER_HOUR = 1_000_000


class FuzzStack(DevStack):
    """:class:`DevStack` whose demo account has limits no fuzzing run reaches."""

    # The fuzzer sends keyless and junk-key requests by the hundred from one address, on purpose: with the
    # failed-authentication throttle at its default its checks would hear 429 where they test 401.
    # Under fuzzing SmoothSchedule's declared 100/minute runs dry within a minute: a call beyond a provider's
    # quota is answered 429 (Retry-After) at once instead of waiting up to 8 s for a slot, so the run's
    # length is its requests, not the provider's minutes (its 10-minute bound was being spent waiting).
    extra_function_env = {"APTURA_AUTH_FAILURES_PER_MINUTE": str(PER_MINUTE),
                          "APTURA_AUTH_FAILURES_PER_HOUR": str(PER_HOUR),
                          "APTURA_QUOTA_MAX_WAIT_SECONDS": "0"}

    def _seed(self, specs_dir: Path) -> dict[str, dict[str, Any]]:
        providers = super()._seed(specs_dir)
        from aptura.store.keys import set_account_limits

        set_account_limits(DEMO_ACCOUNT_ID, per_minute=PER_MINUTE, per_hour=PER_HOUR)
        return providers


def main(state_dir: Path) -> int:
    """Start the stack, write ``stack.json``, and serve until SIGTERM/SIGINT."""
    stack = FuzzStack(port=0)
    stopping = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        stopping.set()
        stack.cancel.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    facts_path = state_dir / "stack.json"
    try:
        facts = stack.start()
        write_facts(facts_path, {**facts, "rate_limit_per_minute": PER_MINUTE})
        # A timed wait: the handler only runs once the main thread executes bytecode again.
        while not stopping.wait(0.25):
            pass
    except StartCancelled:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stack.stop()
        facts_path.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
