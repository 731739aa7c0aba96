"""Validate connection config and credentials against a spec's connection fields."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aptura.errors import ValidationError
from aptura.spec.models import ConnectionFields, FieldSpec


def _check(name: str, spec: FieldSpec, value: Any) -> tuple[Any, str | None]:
    """Coerce one value; returns (value, error message or None)."""
    if spec.type in ("integer", "number"):
        if isinstance(value, bool):
            return value, "must be a number"
        try:
            number: float = float(value)
        except (TypeError, ValueError):
            return value, "must be a number"
        if spec.type == "integer":
            if not number.is_integer():
                return value, "must be an integer"
            value = int(number)
        else:
            value = number
        if spec.minimum is not None and number < spec.minimum:
            return value, f"must be at least {spec.minimum:g}"
        if spec.maximum is not None and number > spec.maximum:
            return value, f"must be at most {spec.maximum:g}"
        return value, None
    if spec.type == "boolean":
        if isinstance(value, bool):
            return value, None
        if str(value).lower() in ("true", "false"):
            return str(value).lower() == "true", None
        return value, "must be true or false"
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        else:
            return value, "must be a string"
    if spec.min_length is not None and len(value) < spec.min_length:
        return value, f"must be at least {spec.min_length} characters"
    if spec.max_length is not None and len(value) > spec.max_length:
        return value, f"must be at most {spec.max_length} characters"
    if spec.pattern and not re.fullmatch(spec.pattern, value):
        return value, f"must match {spec.pattern}"
    if spec.type == "timezone":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            return value, "must be an IANA time zone such as America/New_York"
    if spec.type == "url" and urlsplit(value).scheme not in ("http", "https"):
        return value, "must be an http(s) URL"
    if spec.type == "enum" and value not in (spec.enum or []):
        return value, f"must be one of {', '.join(spec.enum or [])}"
    return value, None


def validate_group(fields: dict[str, FieldSpec], values: dict[str, Any], group: str) -> tuple[dict[str, Any], dict]:
    """Validate one group (config or secrets); returns (clean values, errors by field)."""
    clean: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name in sorted(set(values) - set(fields)):
        errors[f"{group}.{name}"] = ["unknown field"]
    for name, spec in fields.items():
        if values.get(name) in (None, ""):
            if spec.default is not None:
                clean[name] = spec.default
            elif spec.required:
                errors[f"{group}.{name}"] = ["this field is required"]
            continue
        value, error = _check(name, spec, values[name])
        if error:
            errors[f"{group}.{name}"] = [error]
        else:
            clean[name] = value
    return clean, errors


def validate_connection(fields: ConnectionFields, config: dict[str, Any], credentials: dict[str, Any]
                        ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Validate and normalise a connection's config and credentials, or raise a 400.

    Error details name fields only; secret values never appear in them.
    """
    clean_config, errors = validate_group(fields.config, config or {}, "config")
    clean_secrets, secret_errors = validate_group(fields.secrets, credentials or {}, "credentials")
    errors.update(secret_errors)
    if errors:
        raise ValidationError("invalid connection fields", details=errors)
    return clean_config, clean_secrets
