"""The dashboard's webhook pages in Chromium against make dev: add an endpoint (its secret shown once), send a
test event that a local receiver gets signed, see the delivery, delete after confirmation; at 1280 and 375 px,
and the add form by keyboard alone."""

from __future__ import annotations

import time
from typing import Any

from standardwebhooks import Webhook

from tests.browser.conftest import no_horizontal_scroll
from tests.browser.test_dashboard import sign_up
from tests.devstack_harness import Stack
from tests.webhook_receiver import Receiver, receiver

DELIVERY_WAIT_S = 30  # make dev's delivery poller picks a message up within a second or two; a slow CI run fits


def _webhooks(stack: Stack, page: Any) -> None:
    page.get_by_role("link", name="Continue to your API keys").click()
    page.get_by_role("link", name="Webhooks").click()
    assert page.locator("h1").inner_text() == "Webhooks"


def _wait_for(hook: Receiver, count: int) -> None:
    deadline = time.monotonic() + DELIVERY_WAIT_S
    while len(hook.received) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(hook.received) >= count, f"{len(hook.received)} of {count} deliveries arrived"


def _add(page: Any, url: str) -> str:
    page.get_by_label("URL").fill(url)
    page.get_by_label("Description").fill("front desk sync")
    page.get_by_label("All events").uncheck()
    page.get_by_label("appointment.created").check()
    page.get_by_label("appointment.cancelled").check()
    page.get_by_role("button", name="Add endpoint").click()
    page.wait_for_selector("#new-secret")
    return str(page.locator("#new-secret").input_value())


def _notice_says(page: Any, text: str) -> None:
    """Wait for the page the button led to (a key press does not wait for the navigation it starts)."""
    page.locator("p.notice").filter(has_text=text).wait_for(timeout=15_000)


def _send_test_and_see_it(stack: Stack, page: Any, hook: Receiver, secret: str) -> dict[str, Any]:
    card = page.locator("section.card").filter(has_text=hook.url)
    card.get_by_role("button", name="Send test event").click()
    _notice_says(page, "Test event evt_")
    _wait_for(hook, 1)
    got = hook.received[-1]
    payload = dict(Webhook(secret).verify(got.body, got.headers))  # signed with the secret shown once
    assert payload["type"] == "webhook.test" and got.headers["webhook-id"] == payload["id"]
    page.locator("section.card").filter(has_text=hook.url).get_by_role("link", name="Deliveries").click()
    assert page.locator("h1").inner_text() == "Webhook deliveries"
    deadline = time.monotonic() + DELIVERY_WAIT_S  # the attempt is recorded right after the POST answered
    while payload["id"] not in page.locator("main").inner_text() and time.monotonic() < deadline:
        time.sleep(0.3)
        page.reload()
    row = page.locator("tbody tr").filter(has_text=payload["id"])
    assert row.count() == 1 and "succeeded" in row.inner_text() and "200" in row.inner_text()
    return payload


def test_add_test_event_deliveries_and_delete(dev_stack: Stack, page: Any, shot: Any) -> None:
    sign_up(dev_stack, page)
    _webhooks(dev_stack, page)
    assert "No webhook endpoints in this mode yet." in page.locator("main").inner_text()
    with receiver() as hook:
        secret = _add(page, hook.url)
        assert secret.startswith("whsec_")
        shot(page, "dashboard-webhooks")
        card = page.locator("section.card").filter(has_text=hook.url)
        assert "appointment.created, appointment.cancelled" in card.inner_text()
        assert "front desk sync" in card.inner_text()
        page.goto(page.url)  # shown once: gone from the page now (a reload would post the form again)
        assert page.locator("#new-secret").count() == 0 and secret not in page.content()
        _send_test_and_see_it(dev_stack, page, hook, secret)
        shot(page, "dashboard-webhook-deliveries")
    page.get_by_role("link", name="Back to webhooks").click()
    page.locator("section.card").filter(has_text=hook.url).get_by_role("link", name="Delete endpoint").click()
    assert page.locator("h1").inner_text() == "Delete webhook endpoint"
    page.get_by_role("link", name="Cancel").click()
    assert page.locator("section.card").filter(has_text=hook.url).count() == 1  # cancel deleted nothing
    page.locator("section.card").filter(has_text=hook.url).get_by_role("link", name="Delete endpoint").click()
    page.get_by_role("button", name="Delete the endpoint").click()
    assert page.locator("h1").inner_text() == "Webhooks"
    assert page.locator("section.card").filter(has_text=hook.url).count() == 0


def test_the_webhook_pages_fit_a_phone(dev_stack: Stack, phone_page: Any, shot: Any) -> None:
    page = phone_page
    sign_up(dev_stack, page)
    _webhooks(dev_stack, page)
    with receiver() as hook:
        secret = _add(page, hook.url)
        assert no_horizontal_scroll(page)
        shot(page, "dashboard-webhooks")
        _send_test_and_see_it(dev_stack, page, hook, secret)
        assert no_horizontal_scroll(page)
        for cell in page.locator("tbody td").all():  # each value beside its column's name, as on Activity
            label = str(cell.get_attribute("data-label"))
            assert cell.evaluate("c => getComputedStyle(c, '::before').content") == f'"{label}"'
        shot(page, "dashboard-webhook-deliveries")
    page.get_by_role("link", name="Back to webhooks").click()
    page.locator("section.card").filter(has_text=hook.url).get_by_role("link", name="Delete endpoint").click()
    assert no_horizontal_scroll(page)
    shot(page, "dashboard-webhook-delete")


def test_an_endpoint_is_added_by_keyboard_alone(dev_stack: Stack, page: Any) -> None:
    sign_up(dev_stack, page)
    _webhooks(dev_stack, page)
    page.get_by_label("URL").focus()
    page.keyboard.type("http://127.0.0.1:9/keyboard")
    page.keyboard.press("Enter")  # submits with the default event types (all)
    page.wait_for_selector("#new-secret")
    card = page.locator("section.card").filter(has_text="http://127.0.0.1:9/keyboard")
    assert card.count() == 1 and "Events: all" in card.inner_text()
    card.get_by_role("button", name="Send test event").focus()
    page.keyboard.press("Enter")
    _notice_says(page, "Test event evt_")
