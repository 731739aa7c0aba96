"""Request parsing the way Mindbody's ASP.NET model binding behaves, plus its error type.

Query keys are case-insensitive, the ``request.`` prefix is optional and lists may be
repeated (``a=1&a=2``), indexed (``a[0]=1``) or bracketed (``a[]=1``). JSON body property
names are matched case-insensitively too (Json.NET's default). Comma-separated lists are
rejected, because nothing shows the real API accepting them.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sandboxes.core import Response

_INDEX = re.compile(r"\[\d*\]$")


class MindbodyError(Exception):
    """An error answered with Mindbody's envelope ``{"Error": {"Message", "Code"}}``."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    def response(self) -> Response:
        """The HTTP response for this error."""
        return error_response(self.status, self.code, self.message, self.headers)


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> Response:
    """Build a Mindbody error response."""
    return Response.json({"Error": {"Message": message, "Code": code}}, status, headers)


def invalid(message: str) -> MindbodyError:
    """A 400 ``InvalidParameter`` error."""
    return MindbodyError(400, "InvalidParameter", message)


def normalize_key(key: str) -> str:
    """``request.SessionTypeIds[0]`` -> ``sessiontypeids``."""
    k = key.strip().lower()
    if k.startswith("request."):
        k = k[len("request."):]
    return _INDEX.sub("", k)


def parse_bool(name: str, raw: Any) -> bool:
    """Parse a boolean from a query string or a JSON value."""
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise invalid(f"The value '{raw}' is not valid for {name}.")


def parse_int(name: str, raw: Any) -> int:
    """Parse an integer (JSON numbers or numeric strings)."""
    if isinstance(raw, bool):
        raise invalid(f"The value '{raw}' is not valid for {name}.")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+\s*", raw):
        return int(raw)
    raise invalid(f"The value '{raw}' is not valid for {name}.")


EARLIEST = datetime(1753, 1, 1)
LATEST = datetime(9999, 12, 31)


def parse_local_datetime(name: str, raw: Any, zone: ZoneInfo) -> datetime:
    """Parse a date or date-time into a naive site-local datetime.

    A value without an offset is already site-local; one with an offset (or ``Z``) is
    converted into the site zone. A date alone means local midnight.
    """
    if not isinstance(raw, str) or not raw.strip():
        raise invalid(f"The value '{raw}' is not valid for {name}.")
    text = raw.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise invalid(f"The value '{raw}' is not valid for {name}.") from None
    if value.tzinfo is not None:
        try:
            value = value.astimezone(zone).replace(tzinfo=None)
        except OverflowError:
            raise invalid(f"The value '{raw}' is not valid for {name}.") from None
    # Mindbody keeps times in SQL Server datetime columns (1753-01-01 to 9999-12-31); the last day is
    # left out too, since a window's end is the day after its last date.
    if not EARLIEST <= value < LATEST:
        raise invalid(f"The value '{raw}' is not valid for {name}: dates must lie between "
                      f"{EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}.")
    return value


def parse_time_of_day(name: str, raw: str) -> time:
    """Parse ``HH:MM[:SS]`` or a full date-time whose date part is ignored."""
    text = raw.strip()
    try:
        if "T" in text or "-" in text:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).time().replace(tzinfo=None)
        return time.fromisoformat(text)
    except ValueError:
        raise invalid(f"The value '{raw}' is not valid for {name}.") from None


class Query:
    """Query-string arguments with Mindbody's binding rules."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._values: dict[str, list[str]] = {}
        for key, value in pairs:
            self._values.setdefault(normalize_key(key), []).append(value)

    def has(self, name: str) -> bool:
        """Whether ``name`` was sent with a non-empty value."""
        return any(v.strip() for v in self._values.get(name.lower(), []))

    def text(self, name: str) -> str | None:
        """The first non-empty value of ``name``."""
        for value in self._values.get(name.lower(), []):
            if value.strip():
                return value.strip()
        return None

    def texts(self, name: str) -> list[str]:
        """Every non-empty value of a list parameter."""
        return [v.strip() for v in self._values.get(name.lower(), []) if v.strip()]

    def int_list(self, name: str) -> list[int]:
        """A list of integers (``1,2`` is rejected like a non-number)."""
        return [parse_int(name, v) for v in self.texts(name)]

    def int_value(self, name: str, default: int | None = None) -> int | None:
        """An integer, or ``default`` when absent."""
        raw = self.text(name)
        return default if raw is None else parse_int(name, raw)

    def bool_value(self, name: str, default: bool) -> bool:
        """A boolean (``true``/``false`` in any case), or ``default`` when absent."""
        raw = self.text(name)
        return default if raw is None else parse_bool(name, raw)

    def optional_bool(self, name: str) -> bool | None:
        """A boolean, or ``None`` when absent (for tri-state filters)."""
        raw = self.text(name)
        return None if raw is None else parse_bool(name, raw)

    def datetime_value(self, name: str, zone: ZoneInfo) -> datetime | None:
        """A naive site-local datetime, or ``None`` when absent."""
        raw = self.text(name)
        return None if raw is None else parse_local_datetime(name, raw, zone)

    def is_date_only(self, name: str) -> bool:
        """Whether the value of ``name`` carries no time part (so it names a whole day)."""
        raw = self.text(name) or ""
        return len(raw) <= 10


class Body:
    """A JSON object body read with case-insensitive property names."""

    def __init__(self, raw: bytes) -> None:
        if not raw.strip():
            data: Any = {}
        else:
            try:
                data = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise invalid("The request is invalid: the body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise invalid("The request is invalid: the body must be a JSON object.")
        self.raw: dict[str, Any] = data
        self._lower = {str(k).lower(): v for k, v in data.items()}

    def get(self, name: str) -> Any:
        """The value of ``name`` (``None`` when absent or null)."""
        return self._lower.get(name.lower())

    def has(self, name: str) -> bool:
        """Whether ``name`` is present with a non-null, non-empty value."""
        value = self.get(name)
        return value is not None and value != ""

    def text(self, name: str) -> str | None:
        """A string property (numbers are accepted and converted, as Json.NET does)."""
        value = self.get(name)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise invalid(f"The value '{value}' is not valid for {name}.")
        return str(value)

    def int_value(self, name: str) -> int | None:
        """An integer property, or ``None``."""
        value = self.get(name)
        return None if value is None or value == "" else parse_int(name, value)

    def bool_value(self, name: str, default: bool) -> bool:
        """A boolean property, or ``default``."""
        value = self.get(name)
        return default if value is None else parse_bool(name, value)

    def datetime_value(self, name: str, zone: ZoneInfo) -> datetime | None:
        """A naive site-local datetime property, or ``None``."""
        value = self.get(name)
        return None if value is None or value == "" else parse_local_datetime(name, value, zone)
