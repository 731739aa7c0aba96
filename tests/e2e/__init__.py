"""End-to-end tests: the whole local stack, started as ``make dev`` starts it, driven over HTTP."""
