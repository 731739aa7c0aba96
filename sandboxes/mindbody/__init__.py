"""Mindbody Public API v6 sandbox: ``MindbodySandbox`` and the ``DEMO`` connection."""

from sandboxes.mindbody.app import DEMO, MindbodySandbox

__all__ = ["DEMO", "MindbodySandbox"]
