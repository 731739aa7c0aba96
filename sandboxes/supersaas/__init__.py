"""SuperSaaS provider sandbox (see README.md)."""
