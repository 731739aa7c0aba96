"""Shared building blocks for provider sandboxes."""

from sandboxes.core.faults import FaultInjector
from sandboxes.core.http import Request, Response, RunningServer, SandboxApp, serve

__all__ = ["FaultInjector", "Request", "Response", "RunningServer", "SandboxApp", "serve"]
