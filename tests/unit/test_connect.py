"""aptura.connect on moto: connect sessions (hashed token, expiry, single use under concurrency,
provider list, redirect rules) and the one way connections are created (refused saves nothing)."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest

from aptura import connect
from aptura.api.audit import activity
from aptura.errors import AptError, NotFound, ValidationError
from aptura.spec.loader import all_specs
from aptura.store.keys import hash_key
from tests.conformance.conftest import PINNED_NOW, demo_of

PROVIDER = "mindbody"  # its spec verifies: the sandbox checks the API key, site and staff login
DEMO = demo_of(PROVIDER)
USER = connect.EndUser("biz_42", "Hair by Jo", "jo@example.com")
BACK = "https://app.example.com/connected"


def table() -> Any:
    return boto3.resource("dynamodb").Table(os.environ["APTURA_TABLE"])


def items() -> list[dict[str, Any]]:
    """Everything stored but audit entries."""
    return [i for i in table().scan()["Items"] if not str(i["sk"]).startswith("AUDIT#")]


def connection_items() -> list[dict[str, Any]]:
    return [i for i in items() if str(i["sk"]).startswith("CONNECTION#")]


def connection_secrets() -> list[str]:
    return [s["Name"] for s in boto3.client("secretsmanager").list_secrets()["SecretList"]
            if "/connections/" in s["Name"]]


@pytest.fixture()
def aws(moto_aws: None, sandboxes: Any) -> str:
    for action, payload in (("reset", None), ("clock", {"now": PINNED_NOW})):
        httpx.post(f"{sandboxes.url}/{PROVIDER}/_sandbox/{action}", json=payload).raise_for_status()
    return str(sandboxes.url)


def new_session(**overrides: Any) -> tuple[connect.ConnectSession, str]:
    args: dict[str, Any] = {"account_id": "acct_a", "mode": "test", "end_user": USER, "providers": [PROVIDER],
                            "redirect_url": BACK, **overrides}
    return connect.create_session(**args)


def expire(session: connect.ConnectSession, raw: str) -> None:
    """Move the session's end into the past (as the clock would)."""
    table().update_item(Key={"pk": f"CONNECT#{hash_key(raw)}", "sk": "CONNECT_SESSION"},
                        UpdateExpression="SET session_expires = :past",
                        ExpressionAttributeValues={":past": int(time.time()) - 1})
    table().update_item(Key={"pk": f"ACCOUNT#{session.account_id}", "sk": f"CONNECT_SESSION#{session.session_id}"},
                        UpdateExpression="SET session_expires = :past",
                        ExpressionAttributeValues={":past": int(time.time()) - 1})


# -- sessions ---------------------------------------------------------------------------------


def test_session_is_stored_by_token_hash_and_by_account_with_a_ttl(moto_aws: None) -> None:
    before = int(time.time())
    session, raw = new_session()
    assert session.session_id.startswith("cs_") and session.status == "open" and session.csrf
    assert before + 1800 <= session.expires_at <= int(time.time()) + 1800  # 30 minutes by default
    stored = items()
    assert raw not in json.dumps(stored, default=str)  # only the hash is kept
    by_token = next(i for i in stored if i["pk"] == f"CONNECT#{hash_key(raw)}")
    by_account = next(i for i in stored if i["pk"] == "ACCOUNT#acct_a")
    assert by_account["sk"] == f"CONNECT_SESSION#{session.session_id}"
    assert by_token["expires_at"] == session.expires_at  # the table's TTL attribute
    assert by_account["expires_at"] > session.expires_at  # kept a while to look up how it ended
    assert "csrf" not in by_account  # the form's token lives only with the link's own item
    assert connect.open_session(raw) == session
    assert connect.get_session("acct_a", session.session_id) == dataclasses.replace(session, csrf="")
    assert [s.session_id for s in connect.list_sessions("acct_a")] == [session.session_id]
    assert connect.get_session("acct_b", session.session_id) is None


def test_providers_default_to_every_spec_and_unknown_ones_are_refused(moto_aws: None) -> None:
    everything, _ = new_session(providers=None)
    assert set(everything.providers) == set(all_specs()) and everything.providers
    deduped, _ = new_session(providers=[PROVIDER, "square", PROVIDER])
    assert deduped.providers == (PROVIDER, "square")
    with pytest.raises(ValidationError) as unknown:
        new_session(providers=[PROVIDER, "nosuchprovider"])
    assert list(unknown.value.details) == ["providers"] and "nosuchprovider" in unknown.value.details["providers"][0]
    with pytest.raises(ValidationError):
        new_session(providers=[])


@pytest.mark.parametrize("mode,url,ok", [
    ("test", "https://app.example.com/done?x=1", True),
    ("test", "http://localhost:3000/done", True),
    ("test", "http://127.0.0.1/done", True),
    ("test", "http://app.example.com/done", False),
    ("test", "http://localhost.example.com/done", False),
    ("live", "https://app.example.com/done", True),
    ("live", "http://localhost:3000/done", False),
    ("live", "ftp://app.example.com/", False),
    ("live", "/relative/path", False),
    ("live", "https://user:pw@app.example.com/", False),
    ("live", "https://app.example.com/#frag", False),
])
def test_redirect_url_rules(moto_aws: None, mode: str, url: str, ok: bool) -> None:
    if ok:
        assert new_session(mode=mode, redirect_url=url)[0].redirect_url == url
        return
    with pytest.raises(ValidationError) as refused:
        new_session(mode=mode, redirect_url=url)
    assert list(refused.value.details) == ["redirect_url"]
    assert items() == []  # nothing stored for a refused session


def test_unknown_expired_and_used_tokens(aws: str) -> None:
    with pytest.raises(NotFound):
        connect.open_session("cst_nosuchtoken")
    with pytest.raises(NotFound):
        connect.open_session("not-even-a-token")
    session, raw = new_session()
    expire(session, raw)
    with pytest.raises(AptError) as expired:
        connect.open_session(raw)
    assert expired.value.status == 410 and expired.value.code == "gone"
    assert expired.value.details == {"connect_session": ["expired"]}
    with pytest.raises(AptError) as late:
        connect.complete_session(raw, PROVIDER, DEMO["config"], DEMO["credentials"])
    assert late.value.status == 410 and connection_items() == []


def test_session_url_uses_the_public_base_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APTURA_PUBLIC_URL", "https://api.aptura.dev/")
    assert connect.session_url("cst_abc") == "https://api.aptura.dev/connect/cst_abc"


# -- completing -------------------------------------------------------------------------------


def test_complete_creates_the_connection_with_the_end_user_and_uses_the_session_up(aws: str) -> None:
    session, raw = new_session(redirect_url="https://app.example.com/connected?tab=2")
    record, target = connect.complete_session(raw, PROVIDER, DEMO["config"], DEMO["credentials"])
    assert record.account_id == "acct_a" and record.mode == "test" and record.status == "active"
    assert record.end_user == USER.as_dict()
    parts = urlsplit(target)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://app.example.com/connected"
    assert parse_qs(parts.query) == {"tab": ["2"], "connection_id": [record.connection_id],
                                     "connect_session_id": [session.session_id]}
    [item] = connection_items()
    assert item["end_user"] == USER.as_dict()
    done = connect.get_session("acct_a", session.session_id)
    assert done is not None and done.status == "completed" and done.connection_id == record.connection_id
    with pytest.raises(AptError) as reused:
        connect.complete_session(raw, PROVIDER, DEMO["config"], DEMO["credentials"])
    assert reused.value.status == 410 and reused.value.details == {"connect_session": ["already used"]}
    with pytest.raises(AptError):
        connect.open_session(raw)
    assert len(connection_items()) == 1
    operations = [(e["operation"], e["outcome"]) for e in activity("acct_a")]
    assert ("connect_sessions.create", "created") in operations
    assert ("connect_sessions.complete", "completed") in operations
    for value in DEMO["credentials"].values():
        assert str(value) not in json.dumps(activity("acct_a"))


def test_refused_credentials_save_nothing_and_keep_the_session_open(aws: str) -> None:
    _, raw = new_session()
    wrong = {**DEMO["credentials"], "password": "not-the-password-42"}
    with pytest.raises(connect.ConnectRefused) as refused:
        connect.complete_session(raw, PROVIDER, DEMO["config"], wrong)
    assert refused.value.status == 422 and "Mindbody" in refused.value.message
    assert "not-the-password-42" not in refused.value.message + json.dumps(refused.value.details)
    assert connection_items() == [] and connection_secrets() == []
    assert connect.open_session(raw).status == "open"  # the person can correct and try again
    record, _ = connect.complete_session(raw, PROVIDER, DEMO["config"], DEMO["credentials"])
    assert [i["sk"] for i in connection_items()] == [f"CONNECTION#{record.connection_id}"]


def test_invalid_fields_are_refused_per_field_name(aws: str) -> None:
    _, raw = new_session()
    with pytest.raises(connect.ConnectRefused) as refused:
        connect.complete_session(raw, PROVIDER, {**DEMO["config"], "siteId": "abc"},
                                 {k: v for k, v in DEMO["credentials"].items() if k != "password"})
    assert refused.value.status == 400
    assert set(refused.value.field_errors) == {"siteId", "password"}
    assert connection_items() == [] and connect.open_session(raw).status == "open"


def test_only_the_sessions_providers_can_be_connected(aws: str) -> None:
    _, raw = new_session(providers=["square"])
    with pytest.raises(connect.ConnectRefused) as refused:
        connect.complete_session(raw, PROVIDER, DEMO["config"], DEMO["credentials"])
    assert list(refused.value.field_errors) == ["provider"]
    assert connection_items() == []


def test_two_concurrent_submissions_create_exactly_one_connection(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # DynamoDB applies one request to an item at a time; moto does not (two threads' conditional updates can both
    # read the old item and both succeed: this test failed about one run in six). So moto is made to handle one
    # request at a time, as the service does; the race itself runs on DynamoDB Local in tests/integration.
    from moto.dynamodb.responses import DynamoHandler

    one_at_a_time = threading.Lock()
    call_action = DynamoHandler.call_action

    def serialised(self: DynamoHandler) -> Any:
        with one_at_a_time:
            return call_action(self)

    monkeypatch.setattr(DynamoHandler, "call_action", serialised)
    _, raw = new_session()
    both_verified = threading.Barrier(2, timeout=30)
    verify: Callable[..., bool] = connect._verify

    def verify_then_wait(*args: Any) -> bool:
        result = verify(*args)
        both_verified.wait()  # neither claims the session before both have passed every check
        return result

    monkeypatch.setattr(connect, "_verify", verify_then_wait)

    def submit() -> Any:
        try:
            return connect.complete_session(raw, PROVIDER, DEMO["config"], DEMO["credentials"])
        except AptError as exc:
            return exc

    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda _: submit(), range(2)))
    won = [o for o in outcomes if isinstance(o, tuple)]
    lost = [o for o in outcomes if isinstance(o, AptError)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert lost[0].status == 410
    assert [i["sk"] for i in connection_items()] == [f"CONNECTION#{won[0][0].connection_id}"]
    assert len(connection_secrets()) == 1


def test_a_failed_store_releases_the_session(aws: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _, raw = new_session()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("storage down")

    monkeypatch.setattr(connect, "create_connection", broken)
    with pytest.raises(RuntimeError):
        connect.complete_session(raw, PROVIDER, DEMO["config"], DEMO["credentials"])
    monkeypatch.undo()
    assert connect.open_session(raw).status == "open"
    record, _ = connect.complete_session(raw, PROVIDER, DEMO["config"], DEMO["credentials"])
    assert record.end_user == USER.as_dict()


# -- connect_provider / rotate_connection -------------------------------------------------------


def test_connect_provider_refused_saves_nothing(aws: str) -> None:
    with pytest.raises(AptError) as refused:
        connect.connect_provider("acct_a", "test", PROVIDER, DEMO["config"],
                                 {**DEMO["credentials"], "password": "not-the-password-42"})
    assert refused.value.status == 422 and refused.value.details["credentials"] == ["refused by Mindbody"]
    assert connection_items() == [] and connection_secrets() == []
    with pytest.raises(ValidationError) as unknown:
        connect.connect_provider("acct_a", "test", "nosuchprovider", {}, {})
    assert list(unknown.value.details) == ["provider"]


def test_rotate_verifies_before_replacing(aws: str) -> None:
    record = connect.connect_provider("acct_a", "test", PROVIDER, DEMO["config"], DEMO["credentials"], USER)
    with pytest.raises(AptError) as refused:
        connect.rotate_connection(record, credentials={"password": "not-the-password-42"})
    assert refused.value.status == 422
    rotated = connect.rotate_connection(record, config={"bookingIncrementMinutes": 30})
    assert rotated.config["bookingIncrementMinutes"] == 30 and rotated.end_user == USER.as_dict()
    with pytest.raises(ValidationError):
        connect.rotate_connection(record)
