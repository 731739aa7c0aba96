"""Connect sessions on DynamoDB Local and moto's Secrets Manager server: however many
submissions of one link arrive at once, DynamoDB's conditional write lets exactly one create
a connection (moto in-process does not make its writes atomic; DynamoDB Local does)."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from aptura import connect
from aptura.errors import AptError
from aptura.store.connections import list_connections
from tests.conformance.conftest import demo_of, fresh_sandbox

pytestmark = pytest.mark.integration
PROVIDER = "mindbody"
SUBMISSIONS = 6


def test_concurrent_submissions_of_one_link_make_one_connection(aws: dict[str, str], sandboxes: Any,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    fresh_sandbox(f"{sandboxes.url}/{PROVIDER}/_sandbox")
    demo = demo_of(PROVIDER)
    account = f"acct_{uuid.uuid4().hex[:8]}"  # the shared DB outlives a test
    session, raw = connect.create_session(account, "test", connect.EndUser("biz_1"), [PROVIDER],
                                          "https://app.example.com/done")
    all_verified = threading.Barrier(SUBMISSIONS, timeout=60)
    verify = connect._verify

    def verify_then_wait(*args: Any) -> bool:
        result = verify(*args)
        all_verified.wait()  # every submission has passed every check before any claims the link
        return result

    monkeypatch.setattr(connect, "_verify", verify_then_wait)

    def submit(_: int) -> Any:
        try:
            return connect.complete_session(raw, PROVIDER, demo["config"], demo["credentials"])
        except AptError as exc:
            return exc

    with ThreadPoolExecutor(SUBMISSIONS) as pool:
        outcomes = list(pool.map(submit, range(SUBMISSIONS)))
    won = [o for o in outcomes if isinstance(o, tuple)]
    lost = [o for o in outcomes if isinstance(o, AptError)]
    assert len(won) == 1 and len(lost) == SUBMISSIONS - 1, outcomes
    assert {exc.status for exc in lost} == {410}
    assert [c.connection_id for c in list_connections(account)] == [won[0][0].connection_id]
    done = connect.get_session(account, session.session_id)
    assert done is not None and done.status == "completed" and done.connection_id == won[0][0].connection_id
