"""Boulevard (GraphQL Client API) sandbox."""

from sandboxes.boulevard.app import DEMO, BoulevardSandbox

__all__ = ["DEMO", "BoulevardSandbox"]
