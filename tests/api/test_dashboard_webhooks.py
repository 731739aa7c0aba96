"""The dashboard's webhook pages in-process (moto): list, add (secret shown once), deliveries, a signed
``webhook.test`` event, delete after confirmation; CSRF on every post, and another account's endpoint is 404."""

from __future__ import annotations

import re

import pytest
from standardwebhooks import Webhook

from aptura.store import webhooks
from tests.api.test_dashboard import csrf_of, get, pool, post, sign_up  # noqa: F401 - pool is a fixture
from tests.unit.test_webhooks import deliver_function
from tests.webhook_receiver import drain, receiver


def _secret(html: str) -> str:
    match = re.search(r'id="new-secret" class="secret" type="text" readonly value="([^"]+)"', html)
    assert match, html[:800]
    return match.group(1)


def _account(cookie: str) -> str:
    from aptura.web import sessions

    session = sessions.load(cookie)
    assert session is not None
    return session.account_id


@pytest.fixture()
def loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(webhooks.LOOPBACK_ENV, "1")  # the receiver listens on 127.0.0.1, as under make dev


@pytest.mark.usefixtures("loopback")
def test_add_test_event_deliveries_and_delete(pool: str) -> None:  # noqa: F811
    cookie, csrf, _ = sign_up("hooks@example.com")
    empty = get("/dashboard/webhooks", cookie)
    assert empty.status == 200 and "No webhook endpoints in this mode yet." in empty.body
    assert 'href="/dashboard/webhooks"' in empty.body  # in the navigation
    with receiver() as hook:
        made = post("/dashboard/webhooks", {"csrf": csrf, "url": hook.url, "description": "sync",
                                            "event_types": ["appointment.created", "appointment.cancelled"]}, cookie)
        assert made.status == 200, made.body
        secret = _secret(made.body)
        assert secret.startswith("whsec_") and hook.url in made.body
        listed = get("/dashboard/webhooks", cookie)
        assert secret not in listed.body and "appointment.created, appointment.cancelled" in listed.body
        [endpoint] = webhooks.list_endpoints(_account(cookie), "test")

        sent = post(f"/dashboard/webhooks/{endpoint.endpoint_id}/test", {"csrf": csrf}, cookie)
        assert sent.status == 200 and "Test event evt_" in sent.body
        assert drain(deliver_function) == 1
        [got] = hook.received
    payload = dict(Webhook(secret).verify(got.body, got.headers))
    assert payload["type"] == "webhook.test" and got.headers["webhook-id"] == payload["id"]
    assert payload["mode"] == "test" and payload["data"]["object"]["endpoint_id"] == endpoint.endpoint_id
    page = get(f"/dashboard/webhooks/{endpoint.endpoint_id}", cookie)
    assert page.status == 200 and payload["id"] in page.body and "webhook.test" in page.body
    assert 'data-label="Outcome">succeeded' in page.body

    confirm = get(f"/dashboard/webhooks/{endpoint.endpoint_id}/delete", cookie)
    assert confirm.status == 200 and "Delete the endpoint" in confirm.body
    assert webhooks.get_endpoint(_account(cookie), endpoint.endpoint_id) is not None  # the GET deletes nothing
    gone = post(f"/dashboard/webhooks/{endpoint.endpoint_id}/delete", {"csrf": csrf}, cookie)
    assert gone.status == 303 and gone.headers["location"] == "/dashboard/webhooks"
    assert webhooks.get_endpoint(_account(cookie), endpoint.endpoint_id) is None
    activity = get("/dashboard/activity", cookie).body
    assert "webhook_endpoints.create" in activity and "webhook_endpoints.test" in activity
    assert "webhook_endpoints.delete" in activity


def test_refusals_are_shown_and_nothing_is_made(pool: str) -> None:  # noqa: F811
    cookie, csrf, _ = sign_up("refused@example.com")
    no_types = post("/dashboard/webhooks", {"csrf": csrf, "url": "https://hooks.example.com/x"}, cookie)
    assert no_types.status == 400 and "at least one event type" in no_types.body
    assert 'value="https://hooks.example.com/x"' in no_types.body  # kept for the second try
    bad_url = post("/dashboard/webhooks", {"csrf": csrf, "url": "ftp://x", "event_types": "*"}, cookie)
    assert bad_url.status == 400 and "https://" in bad_url.body
    assert webhooks.list_endpoints(_account(cookie)) == []
    for path in ("/dashboard/webhooks", "/dashboard/webhooks/we_x/test", "/dashboard/webhooks/we_x/delete"):
        refused = post(path, {"url": "https://hooks.example.com/x", "event_types": "*"}, cookie)
        assert refused.status == 403, path
    assert webhooks.list_endpoints(_account(cookie)) == []


def test_another_accounts_endpoint_is_404(pool: str) -> None:  # noqa: F811
    cookie, csrf, _ = sign_up("one@example.com")
    other, other_csrf, _ = sign_up("two@example.com")
    made = post("/dashboard/webhooks", {"csrf": other_csrf, "url": "https://hooks.example.com/two",
                                        "event_types": "*"}, other)
    assert made.status == 200
    [theirs] = webhooks.list_endpoints(_account(other))
    for path in (f"/dashboard/webhooks/{theirs.endpoint_id}", f"/dashboard/webhooks/{theirs.endpoint_id}/delete"):
        assert get(path, cookie).status == 404, path
    for path in (f"/dashboard/webhooks/{theirs.endpoint_id}/test", f"/dashboard/webhooks/{theirs.endpoint_id}/delete"):
        assert post(path, {"csrf": csrf}, cookie).status == 404, path
    assert webhooks.get_endpoint(_account(other), theirs.endpoint_id) is not None
    assert "hooks.example.com/two" not in get("/dashboard/webhooks", cookie).body
