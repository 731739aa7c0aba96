"""Publishable keys from a real browser: a page on an allowed origin reads availability with one; the same
page on another origin, and a secret key from the allowed one, are blocked by CORS."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.services import free_port
from tests.devstack_harness import Stack

# The page fetches what its query string names and writes the outcome into #out as JSON.
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>widget</title></head><body><pre id="out"></pre>
<script>
const q = new URLSearchParams(location.search);
fetch(q.get("url"), {headers: {"Authorization": "Bearer " + q.get("key"), "X-Connection-Id": q.get("conn")}})
  .then(async r => ({status: r.status, remaining: r.headers.get("X-RateLimit-Remaining"), body: await r.json()}))
  .catch(e => ({blocked: String(e)}))
  .then(o => { document.getElementById("out").textContent = JSON.stringify(o); });
</script></body></html>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The page on a local http.server (port reachable as 127.0.0.1 and as localhost: two origins)."""
    root: Path = tmp_path_factory.mktemp("widget")
    (root / "widget.html").write_text(PAGE)
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), partial(SimpleHTTPRequestHandler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def _provider(stack: Stack) -> tuple[str, dict[str, Any]]:
    providers = stack.facts["providers"]
    name = "mindbody" if "mindbody" in providers else min(providers)
    return name, providers[name]


def _key(stack: Stack, origin: str, connection_id: str) -> str:
    made = httpx.post(f"{stack.facts['api_url']}/v1/api-keys", json={
        "kind": "publishable", "allowed_origins": [origin], "connections": [connection_id],
        "scopes": ["availability:read"], "name": "browser test widget"},
        headers={"Authorization": f"Bearer {stack.facts['api_key']}"}, timeout=30)
    assert made.status_code == 201, made.text
    return str(made.json()["key"])


def _run(page: Any, page_origin: str, stack: Stack, key: str, info: dict[str, Any]) -> dict[str, Any]:
    start = date.today() + timedelta(days=1)
    query = f"serviceId={info['service_id']}&startDate={start}&endDate={start + timedelta(days=6)}"
    if info.get("staff_id"):
        query += f"&staffId={info['staff_id']}"
    url = f"{stack.facts['api_url']}/v1/availability?{query}"
    params = httpx.QueryParams({"url": url, "key": key, "conn": info["connection_id"]})
    page.goto(f"{page_origin}/widget.html?{params}")
    page.wait_for_function("document.getElementById('out').textContent.length > 0")
    return dict(json.loads(page.locator("#out").text_content()))


def test_publishable_key_from_allowed_and_disallowed_origins(dev_stack: Stack, page: Any, site: int) -> None:
    _, info = _provider(dev_stack)
    allowed = f"http://127.0.0.1:{site}"
    key = _key(dev_stack, allowed, info["connection_id"])
    ok = _run(page, allowed, dev_stack, key, info)
    assert ok.get("status") == 200, ok
    assert ok["body"]["slots"], ok
    assert ok["remaining"] is not None  # X-RateLimit-* are exposed to the page
    # The same page on another origin (localhost is not 127.0.0.1 to a browser): CORS blocks it.
    other = _run(page, f"http://localhost:{site}", dev_stack, key, info)
    assert "blocked" in other and "status" not in other, other
    # A secret key from the allowed origin: its answer carries no CORS allowance, so the page cannot read it.
    secret = _run(page, allowed, dev_stack, dev_stack.facts["api_key"], info)
    assert "blocked" in secret and "status" not in secret, secret
