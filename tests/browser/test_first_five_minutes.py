"""Issue 13's promise, in the README quickstart's order: a newcomer opens the dashboard, signs up, gets a key,
connects a booking platform through the hosted page, and books with that key and that connection, without
anything made for them beforehand. The time it took is printed (a figure for the closing note, not a limit:
the person reading and typing is what takes the minutes)."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import httpx

from tests.browser.test_dashboard import PROVIDER, connect_provider, ours, sign_up
from tests.devstack_harness import Stack


def test_a_newcomer_books_with_the_key_and_connection_made_in_the_browser(dev_stack: Stack, page: Any) -> None:
    started = time.monotonic()
    _, key = sign_up(dev_stack, page)
    page.get_by_role("link", name="Continue to your API keys").click()
    connection_id = connect_provider(dev_stack, page, "Newcomer Day Spa")
    assert ours(dev_stack, key)[connection_id]["end_user"]["name"] == "Newcomer Day Spa"

    api, demo = dev_stack.facts["api_url"], dev_stack.facts["providers"][PROVIDER]
    headers = {"Authorization": f"Bearer {key}", "X-Connection-Id": connection_id}
    day = (date.today() + timedelta(days=26)).isoformat()  # a day no other browser test books on
    slots = httpx.get(f"{api}/v1/availability", headers=headers, timeout=30, params={
        "serviceId": demo["service_id"], "staffId": demo["staff_id"], "startDate": day, "endDate": day})
    assert slots.status_code == 200 and slots.json()["slots"], slots.text
    slot = slots.json()["slots"][-1]
    booked = httpx.post(f"{api}/v1/appointments", headers=headers, timeout=30, json={
        "serviceId": demo["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
        "client": {"firstName": "New", "lastName": "Comer", "email": "new.comer@example.com"}})
    assert booked.status_code == 201, booked.text
    assert booked.json()["startTime"] == slot["startTime"] and booked.json()["startTime"].endswith("Z")
    seen = httpx.get(f"{api}/v1/appointments/{booked.json()['id']}", headers=headers, timeout=30)
    assert seen.status_code == 200 and seen.json()["status"] == "confirmed", seen.text
    # The demo account's key does not reach the newcomer's connection: it belongs to the new account only.
    other = httpx.get(f"{api}/v1/appointments/{booked.json()['id']}", timeout=30, headers={
        "Authorization": f"Bearer {dev_stack.facts['api_key']}", "X-Connection-Id": connection_id})
    assert other.status_code == 404, other.text
    print(f"\nsign-up to a booking in the browser: {time.monotonic() - started:.1f} s of machine time")
