"""The hosted connect page in Chromium against make dev: every provider connected through its generated form,
wrong credentials refused with nothing saved, a used and an expired link (410), the OAuth button, keyboard-only
submission, and the 375 px layout."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import httpx
import pytest

from aptura.store.keys import hash_key
from local.services import free_port
from local.template import load_stack
from tests.browser.conftest import no_horizontal_scroll
from tests.devstack_harness import Stack
from tests.support import ROOT


class _Back(BaseHTTPRequestHandler):
    """The business's own page the connect flow returns to (another origin than Aptura)."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = b"<!doctype html><title>Connected</title><h1>Connected</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def back_url() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", free_port()), _Back)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}/connected"
    server.shutdown()
    thread.join()


def api(stack: Stack, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{stack.facts['api_url']}{path}", timeout=30,
                         headers={"Authorization": f"Bearer {stack.facts['api_key']}"}, **kwargs)


def new_session(stack: Stack, provider: str, back: str) -> str:
    created = api(stack, "POST", "/v1/connect-sessions", json={
        "end_user": {"id": f"biz_{provider}", "name": f"{provider.title()} Salon"}, "providers": [provider],
        "redirect_url": back})
    assert created.status_code == 201, created.text
    return str(created.json()["url"])


def demo_values(stack: Stack, provider: str) -> dict[str, Any]:
    """The demo connection's config (from the API) and credentials (from dev.json)."""
    info = stack.facts["providers"][provider]
    got = api(stack, "GET", f"/v1/connections/{info['connection_id']}")
    assert got.status_code == 200, got.text
    return {**(got.json().get("config") or {}), **info["credentials"]}


def fill(page: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        box = page.locator(f'[name="{name}"]')
        if box.count() == 0:
            continue  # a value the form does not ask for (e.g. an OAuth token's expiry)
        kind = box.get_attribute("type")
        if kind == "checkbox":
            box.set_checked(bool(value))
        elif box.evaluate("e => e.tagName") == "SELECT":
            box.select_option(str(value))
        else:
            box.fill(str(value))


def connection_of(url: str, back: str) -> str:
    split = urlsplit(url)
    assert f"{split.scheme}://{split.netloc}{split.path}" == back
    return parse_qs(split.query)["connection_id"][0]


def connection_ids(stack: Stack) -> set[str]:
    return {c["id"] for c in api(stack, "GET", "/v1/connections").json()["data"]}


def test_every_provider_connects_through_its_form(dev_stack: Stack, page: Any, back_url: str, shot: Any) -> None:
    start = date.today() + timedelta(days=7)
    for provider in sorted(dev_stack.facts["providers"]):
        info = dev_stack.facts["providers"][provider]
        page.goto(new_session(dev_stack, provider, back_url))
        assert page.locator("h1").inner_text().startswith("Connect ")
        fill(page, demo_values(dev_stack, provider))
        if provider == sorted(dev_stack.facts["providers"])[0]:
            shot(page, "connect-form")
        with page.expect_navigation(url=lambda u: u.startswith(back_url)):
            page.locator("form button[type=submit]").click()
        connection_id = connection_of(page.url, back_url)
        slots = httpx.get(f"{dev_stack.facts['api_url']}/v1/availability", timeout=30, params={
            "serviceId": info["service_id"], "staffId": info["staff_id"], "startDate": start.isoformat(),
            "endDate": (start + timedelta(days=6)).isoformat()},
            headers={"Authorization": f"Bearer {dev_stack.facts['api_key']}", "X-Connection-Id": connection_id})
        assert slots.status_code == 200, (provider, slots.text)
        assert slots.json()["slots"], provider


def test_wrong_credentials_are_refused_on_the_page_and_nothing_saved(dev_stack: Stack, page: Any, back_url: str,
                                                                     shot: Any) -> None:
    provider = "mindbody"
    before = connection_ids(dev_stack)
    page.goto(new_session(dev_stack, provider, back_url))
    fill(page, {**demo_values(dev_stack, provider), "password": "not-the-password-42"})
    page.locator("form button[type=submit]").click()
    page.wait_for_selector("#form-error")
    assert "did not accept" in page.locator("#form-error").inner_text()
    assert page.locator('[name="password"]').input_value() == ""
    shot(page, "connect-refused")
    assert connection_ids(dev_stack) == before


def test_a_used_link_is_gone_and_keyboard_alone_submits(dev_stack: Stack, page: Any, back_url: str,
                                                        shot: Any) -> None:
    provider = "mindbody"
    url = new_session(dev_stack, provider, back_url)
    values = demo_values(dev_stack, provider)
    page.goto(url)
    for _ in range(40):  # Tab through the page, typing into each field, then Enter on the button
        page.keyboard.press("Tab")
        name = page.evaluate("document.activeElement.name || ''")
        tag = page.evaluate("document.activeElement.tagName")
        if name in values:
            page.keyboard.type(str(values.pop(name)))
        elif tag == "BUTTON":
            break
    assert not values, values
    with page.expect_navigation(url=lambda u: u.startswith(back_url)):
        page.keyboard.press("Enter")
    connection_of(page.url, back_url)
    again = page.goto(url)
    assert again is not None and again.status == 410
    shot(page, "connect-used")


def expire(stack: Stack, url: str) -> None:
    """Time moves on: the session behind ``url`` passes its expiry, in the dev stack's own DynamoDB (half an hour
    of waiting is no test; the stored expiry is the one thing the server reads to decide)."""
    token = urlsplit(url).path.rsplit("/", 1)[-1]
    env = stack.facts["function_env"]
    name = next(iter(load_stack(ROOT / "template.yaml").functions.values())).environment["APTURA_TABLE"]
    dynamodb = boto3.resource("dynamodb", endpoint_url=env["AWS_ENDPOINT_URL_DYNAMODB"], region_name="us-east-1",
                              aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                              aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"])
    dynamodb.Table(name).update_item(
        Key={"pk": f"CONNECT#{hash_key(token)}", "sk": "CONNECT_SESSION"},
        UpdateExpression="SET session_expires = :t", ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues={":t": int(time.time()) - 1})


def test_an_expired_link_is_gone_and_saves_nothing(dev_stack: Stack, page: Any, back_url: str, shot: Any) -> None:
    provider = "mindbody"
    url = new_session(dev_stack, provider, back_url)
    before = connection_ids(dev_stack)
    opened = page.goto(url)
    assert opened is not None and opened.status == 200
    fill(page, demo_values(dev_stack, provider))
    expire(dev_stack, url)  # the business left the form open past the link's lifetime
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("form button[type=submit]").click()
    assert posted.value.status == 410
    assert page.locator("h1").inner_text() == "This link can no longer be used"
    assert "expired" in page.locator("main").inner_text().lower()
    assert not page.url.startswith(back_url)  # never sent back as if connected
    assert str(demo_values(dev_stack, provider)["password"]) not in page.content()
    assert connection_ids(dev_stack) == before
    again = page.goto(url)  # opened afresh, the link says the same
    assert again is not None and again.status == 410
    assert page.locator("h1").inner_text() == "This link can no longer be used"
    assert page.locator("form").count() == 0  # nothing left to fill in
    shot(page, "connect-expired")


def test_oauth_button_connects_square(dev_stack: Stack, page: Any, back_url: str) -> None:
    if "square" not in dev_stack.facts["providers"]:
        pytest.fail("the dev stack has no Square connection")
    before = connection_ids(dev_stack)
    page.goto(new_session(dev_stack, "square", back_url))
    with page.expect_navigation(url=lambda u: u.startswith(back_url), timeout=30000):
        page.get_by_role("link", name="Connect with Square").click()
    assert connection_of(page.url, back_url) in connection_ids(dev_stack) - before


def test_fits_a_phone(dev_stack: Stack, phone_page: Any, back_url: str, shot: Any) -> None:
    phone_page.goto(new_session(dev_stack, "mindbody", back_url))
    assert phone_page.locator(".badge").is_visible()
    assert no_horizontal_scroll(phone_page)
    shot(phone_page, "connect-phone")
