"""Square sandbox (Bookings, Customers, Catalog, Team, Locations, OAuth), mounted at ``/square``."""

from sandboxes.square.app import DEMO, SquareSandbox

__all__ = ["DEMO", "SquareSandbox"]
