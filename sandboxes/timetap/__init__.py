"""TimeTap sandbox (TTAPI: session tokens, availability, appointments, Calendar API)."""

from sandboxes.timetap.app import DEMO, TimeTapSandbox

__all__ = ["DEMO", "TimeTapSandbox"]
