"""Fixtures for the conformance suite: one provisioned account per provider spec."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.support import ROOT

PROVIDERS = sorted(p.stem for p in (ROOT / "specs").glob("*.yaml"))
_ONLY = [n for n in os.environ.get("APTURA_TEST_SANDBOXES", "").split(",") if n]  # a dev shortcut
PROVIDERS = [p for p in PROVIDERS if not _ONLY or p in _ONLY]
# The sandboxes' clocks are pinned here so fixed seed dates stay in the future.
PINNED_NOW = "2027-01-04T00:00:00Z"


@dataclass
class Provisioned:
    provider: str
    demo: dict[str, Any]
    key: str
    connection_id: str
    sandbox_url: str

    def admin(self, action: str, payload: Any = None, method: str = "POST") -> Any:
        response = httpx.request(method, f"{self.sandbox_url}/{self.provider}/_sandbox/{action}", json=payload)
        response.raise_for_status()
        return response.json()


def fresh_sandbox(admin_root: str) -> None:
    """Reset a sandbox (``<url>/<provider>/_sandbox``) to its seed data and pin its clock at PINNED_NOW."""
    httpx.post(f"{admin_root}/reset").raise_for_status()
    httpx.post(f"{admin_root}/clock", json={"now": PINNED_NOW}).raise_for_status()


def demo_of(provider: str) -> dict[str, Any]:
    """The sandbox's demo connection facts (``DEMO`` in ``sandboxes/<provider>/app.py``)."""
    return importlib.import_module(f"sandboxes.{provider}.app").DEMO


@pytest.fixture(params=PROVIDERS)
def provider(request: pytest.FixtureRequest, moto_aws: None, sandboxes: Any) -> Iterator[Provisioned]:
    from aptura.store.connections import create_connection
    from aptura.store.keys import create_api_key

    name = request.param
    demo = demo_of(name)
    raw, key = create_api_key("acct_conformance", "test")
    conn = create_connection(key.account_id, name, "test", demo["config"], demo["credentials"])
    prov = Provisioned(name, demo, raw, conn.connection_id, sandboxes.url)
    prov.admin("reset")
    prov.admin("clock", {"now": PINNED_NOW})
    yield prov
    prov.admin("reset")
