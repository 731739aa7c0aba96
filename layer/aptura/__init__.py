"""Aptura's engine: provider specs (YAML) run by one generic engine.

Where a request goes: ``functions/<route group>/app.py`` (thin handler) ->
:mod:`aptura.api` (auth, connection, validation, error format) ->
:mod:`aptura.engine.runner` (runs a spec operation's steps) -> the provider.
"""
