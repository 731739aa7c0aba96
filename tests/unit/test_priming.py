"""SnapStart priming (aptura.priming): specs compiled and AWS clients made inside the snapshot, nothing else.

A snapshot is shared by every environment restored from it, so priming must make no AWS call at all (no
secret, no connection, no account data can end up in it), and must do nothing outside a snapshot's init.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from botocore.client import BaseClient

from aptura import events, priming
from aptura.spec.loader import load_spec, specs_dir
from aptura.store import db


@pytest.fixture()
def fresh(moto_aws: None, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Cold caches, and every AWS API call recorded (priming must make none)."""
    load_spec.cache_clear()
    db.table.cache_clear()
    db.secrets_client.cache_clear()
    events.sqs_client.cache_clear()
    monkeypatch.setattr(priming, "_installed", False)
    calls: list[str] = []
    real = BaseClient._make_api_call  # type: ignore[attr-defined]

    def record(self: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls.append(operation)
        return real(self, operation, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", record)
    return calls


def test_outside_a_snapshot_nothing_is_primed(fresh: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
    assert priming.install() is False
    assert load_spec.cache_info().currsize == 0 and db.table.cache_info().currsize == 0


def test_a_snapshot_gets_every_spec_and_the_clients_and_no_aws_call(fresh: list[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    assert priming.install() is True
    assert priming.install() is False  # once per environment
    assert load_spec.cache_info().currsize == len(list(specs_dir().glob("*.yaml"))) > 0
    assert all(cached.cache_info().currsize == 1 for cached in (db.table, db.secrets_client, events.sqs_client))
    assert fresh == []  # no secret read, no item read, nothing of any tenant in the snapshot


def test_a_restored_environment_draws_its_own_jitter() -> None:
    random.seed(7)
    frozen = random.random()
    random.seed(7)  # two environments restored from one snapshot share this state ...
    priming.after_restore()  # ... until each reseeds from os.urandom
    assert random.random() != frozen
