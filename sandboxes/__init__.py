"""Simulated provider APIs ("sandboxes"), one package per provider."""
