"""Local development tooling: an API Gateway emulator (``local.gateway``) and sample events (``local.events``).

Nothing here is deployed; it exists because ``sam local`` needs Docker, which the team's machines lack.
"""
