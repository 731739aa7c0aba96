"""Browser tests: Playwright for Python driving Debian's chromium against a running ``make dev``.

Playwright's own browser download cannot work on these machines, so the browser is the system's
``/usr/bin/chromium`` (``make test`` installs it with apt when missing). Every browser test shares one dev stack
per xdist worker (``dev_stack``); tests create their own accounts, keys and connect sessions, so they never
depend on each other's data.

Screenshots: ``shot(page, name)`` saves ``<name>-<width>.png`` into the session's screenshot directory;
``make screenshots`` runs the browser tests with ``APTURA_SCREENSHOTS=docs/screenshots`` so the committed
pictures in the README are the ones the tests took. ``tests/unit/test_readme_screenshots.py`` checks that every
screenshot the README shows is committed, of its width, and taken by a browser test.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.devstack_harness import Stack, running_stack
from tests.support import ROOT

CHROMIUM = os.environ.get("APTURA_CHROMIUM", "/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
# Each test's pages must settle well within this; a slow 2-core CI run still fits.
ACTION_TIMEOUT_MS = 20_000

@pytest.fixture(scope="session")
def dev_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """``make dev`` as a subprocess; ``.facts`` is its dev.json (api_url, dashboard_url, api_key, providers)."""
    with running_stack(tmp_path_factory.mktemp("browser-devstack")) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One chromium per worker; each test gets fresh contexts (no shared cookies)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


def _page(browser: Any, viewport: dict[str, int]) -> Iterator[Any]:
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    """A page in a fresh context at 1280x800."""
    yield from _page(browser, DESKTOP)


@pytest.fixture()
def phone_page(browser: Any) -> Iterator[Any]:
    """A page in a fresh context at 375x812 (a phone)."""
    yield from _page(browser, PHONE)


def screenshot_dir() -> Path:
    """Where ``shot`` writes: ``APTURA_SCREENSHOTS`` (relative to the repository), else a temporary directory."""
    configured = os.environ.get("APTURA_SCREENSHOTS")
    return (ROOT / configured) if configured else Path(os.environ.get("TMPDIR", "/tmp")) / "aptura-screenshots"


@pytest.fixture(scope="session")
def shot() -> Callable[[Any, str], Path]:
    """``shot(page, name)``: a full-page screenshot named ``<name>-<viewport width>.png``; returns its path."""
    directory = screenshot_dir()
    directory.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        width = page.viewport_size["width"]
        path = directory / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def no_horizontal_scroll(page: Any) -> bool:
    """Whether the page fits its viewport's width (the 375 px phone check)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))
