"""Tests for the local API Gateway emulator and the sample events (the ``local`` package)."""
