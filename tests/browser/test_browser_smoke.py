"""The browser harness itself: Debian's chromium reaches the dev stack and renders its API reference."""

from __future__ import annotations

from typing import Any

from tests.devstack_harness import Stack


def test_chromium_renders_the_api_reference(dev_stack: Stack, page: Any) -> None:
    page.goto(f"{dev_stack.facts['api_url']}/v1/docs")
    page.wait_for_selector(".swagger-ui")
    assert "Aptura" in page.title() or page.locator("text=Aptura").count() > 0
