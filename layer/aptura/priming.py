"""SnapStart priming: work done once, inside the snapshot, that each restored environment would otherwise repeat.

With SnapStart (template.yaml), Lambda initialises a published version once, snapshots it, and resumes copies
of that snapshot on cold starts. Whatever module-level code did is then free for every cold start, so the
functions' import (:func:`aptura.api.app.lambda_handler_for`) calls :func:`install`, which, only while a
snapshot is being taken, parses and compiles every spec (the largest part of a first request) and creates the
boto3 clients (their service models and endpoints).

Priming makes no AWS call and reads no secret or connection: a snapshot is shared by many environments and
kept for the version's life, so nothing of a tenant may be frozen into it. After a restore, ``random`` is
reseeded, so restored copies do not all draw the same retry jitter.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable

from aws_lambda_powertools import Logger

logger = Logger(child=True)
_installed = False


def snapshotting() -> bool:
    """Whether this initialisation is the one SnapStart snapshots (Lambda says so in the environment)."""
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "snap-start"


def prime() -> list[str]:
    """Load every spec and create the AWS clients; returns what was primed (for the log line and tests)."""
    from aptura import events
    from aptura.spec.loader import all_specs
    from aptura.store import db

    primed = [f"spec:{provider}" for provider in all_specs()]
    db.table()
    db.secrets_client()
    events.sqs_client()
    return [*primed, "dynamodb", "secretsmanager", "sqs"]


def after_restore() -> None:
    """Run in each environment resumed from the snapshot: its own random state (from os.urandom)."""
    random.seed()


def _restore_hook() -> Callable[[Callable[[], None]], object] | None:
    # The runtime's hook library exists only in Lambda's SnapStart runtimes.
    try:
        from snapshot_restore_py import register_after_restore  # type: ignore[import-not-found]
    except ImportError:
        return None
    hook: Callable[[Callable[[], None]], object] = register_after_restore
    return hook


def install() -> bool:
    """Prime the snapshot and register :func:`after_restore`, once, when a snapshot is being taken."""
    global _installed
    if _installed or not snapshotting():
        return False
    _installed = True
    primed = prime()
    register = _restore_hook()
    if register is not None:
        register(after_restore)
    logger.info("snapshot primed", extra={"primed": len(primed), "restore_hook": register is not None})
    return True
