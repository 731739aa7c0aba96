"""Square sandbox (Bookings, Customers, Catalog, Team, Locations, OAuth), mounted at ``/square``."""

from sandboxes.square.app import DEMO, OAUTH_APP, SquareSandbox

__all__ = ["DEMO", "OAUTH_APP", "SquareSandbox"]
