"""Custom JMESPath functions available to every spec expression.

Each is small, generic and documented (with an example) in docs/spec-reference.md.
Plain JMESPath cannot do time zones, arithmetic, hashing or slicing windows into
slots; these functions can, and no provider is named here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import jmespath
from jmespath import functions

from aptura.engine import timezones as tzs
from aptura.errors import AptError

# ISO 4217 minor-unit exponents that are not 2 (money leaves Aptura in minor units).
_CURRENCY_EXPONENT = {"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
                      "PYG": 0, "RWF": 0, "UGX": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
                      "BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3}
_TAG_VALUE = re.compile(r"[A-Za-z0-9_-]{1,100}")
_NS = uuid.UUID("6f1c9a52-3b1e-4a55-9d5b-5d5f0e6f2a11")


def _iso_like(value: datetime) -> str:
    return tzs.format_utc(value) if value.tzinfo else tzs.format_local(value)


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            return float(value)
        except (TypeError, ValueError) as exc:
            raise AptError(f"{name}: not a number: {value!r}", code="provider_error") from exc
    return value


def _int_if_whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


class AptFunctions(functions.Functions):
    """The function table handed to every compiled expression."""

    # -- time ------------------------------------------------------------------------
    @functions.signature({"types": ["string", "null"]}, {"types": ["string"]})
    def _func_to_utc(self, value: str | None, zone: str) -> str | None:
        if value is None or value == "":
            return None
        converted = tzs.local_to_utc(value, zone)
        return tzs.format_utc(converted) if converted else None

    @functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_to_local(self, value: str, zone: str) -> str:
        return tzs.format_local(tzs.utc_to_local(value, zone))

    @functions.signature({"types": ["string"]}, {"types": ["string"]}, {"types": ["string"]})
    def _func_format_local(self, value: str, zone: str, pattern: str) -> str:
        return tzs.format_local(tzs.utc_to_local(value, zone), pattern)

    @functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_format_time(self, value: str, pattern: str) -> str:
        return tzs.parse_datetime(value).strftime(pattern)

    @functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_local_date(self, value: str, zone: str) -> str:
        parsed = tzs.parse_datetime(value)
        if parsed.tzinfo is None:
            return parsed.date().isoformat()
        return parsed.astimezone(tzs.zone(zone)).date().isoformat()

    @functions.signature({"types": ["string"]}, {"types": ["number", "string"]})
    def _func_add_minutes(self, value: str, minutes: Any) -> str:
        parsed = tzs.parse_datetime(value)
        return _iso_like(parsed + timedelta(minutes=_number(minutes, "add_minutes")))

    @functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_minutes_between(self, start: str, end: str) -> int | float:
        delta = tzs.parse_datetime(end) - tzs.parse_datetime(start)
        return _int_if_whole(delta.total_seconds() / 60)

    @functions.signature(
        {"types": ["string"]}, {"types": ["string"]}, {"types": ["number"]}, {"types": ["number"]},
        {"types": ["string"]},
    )
    def _func_slot_starts(self, start: str, end: str, step: float, length: float, zone: str) -> list[str]:
        return [tzs.format_utc(s) for s in tzs.slot_starts(start, end, int(step), int(length), zone)]

    @functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_date_range(self, start: str, end: str) -> list[str]:
        first, last = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
        if (last - first).days > 400:
            raise AptError("date range longer than 400 days", code="validation_error")
        return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]

    @functions.signature({"types": ["string"]}, {"types": ["string"]}, {"types": ["number"]})
    def _func_date_chunks(self, start: str, end: str, days: float) -> list[dict[str, str]]:
        first, last = date.fromisoformat(start[:10]), date.fromisoformat(end[:10])
        size = max(1, int(days))
        chunks = []
        current = first
        while current <= last:
            chunk_end = min(last, current + timedelta(days=size - 1))
            chunks.append({"start": current.isoformat(), "end": chunk_end.isoformat()})
            current = chunk_end + timedelta(days=1)
        return chunks

    @functions.signature({"types": ["string"]}, {"types": ["number", "string"]})
    def _func_combine(self, day: str, time_of_day: Any) -> str:
        if isinstance(time_of_day, (int, float)) and not isinstance(time_of_day, bool):
            hours, minutes = divmod(int(time_of_day), 100)
            text = f"{hours:02d}:{minutes:02d}:00"
        else:
            text = str(time_of_day) if str(time_of_day).count(":") == 2 else f"{time_of_day}:00"
        return f"{day[:10]}T{text}"

    @functions.signature({"types": ["string"]})
    def _func_hhmm(self, value: str) -> int:
        parsed = tzs.parse_datetime(value)
        return parsed.hour * 100 + parsed.minute

    @functions.signature()
    def _func_now_utc(self) -> str:
        return tzs.format_utc(datetime.now(tzs.UTC))

    @functions.signature({"types": ["string"]})
    def _func_epoch_seconds(self, value: str) -> int:
        parsed = tzs.parse_datetime(value)
        if parsed.tzinfo is None:
            raise AptError(f"epoch_seconds needs an instant with an offset, not {value!r}", code="provider_error")
        return int(parsed.timestamp())

    @functions.signature()
    def _func_now_epoch(self) -> int:
        return int(datetime.now(tzs.UTC).timestamp())

    @functions.signature({"types": ["string"]})
    def _func_weekday(self, day: str) -> int:
        return date.fromisoformat(day[:10]).isoweekday()

    @functions.signature({"types": ["string"]})
    def _func_week_start(self, day: str) -> str:
        parsed = date.fromisoformat(day[:10])
        return (parsed - timedelta(days=parsed.isoweekday() - 1)).isoformat()

    @functions.signature({"types": ["string", "number"]})
    def _func_duration_minutes(self, value: Any) -> int | float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _int_if_whole(float(value))
        parts = str(value).split(":")
        if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
            raise AptError(f"duration_minutes: not HH:mm[:ss]: {value!r}", code="provider_error")
        hours, minutes = int(parts[0]), int(parts[1])
        seconds = int(parts[2]) if len(parts) == 3 else 0
        return _int_if_whole(hours * 60 + minutes + seconds / 60)

    # -- numbers ---------------------------------------------------------------------
    @functions.signature({"types": ["number", "string"]}, {"types": ["number", "string"]})
    def _func_add(self, a: Any, b: Any) -> int | float:
        return _int_if_whole(_number(a, "add") + _number(b, "add"))

    @functions.signature({"types": ["number", "string"]}, {"types": ["number", "string"]})
    def _func_sub(self, a: Any, b: Any) -> int | float:
        return _int_if_whole(_number(a, "sub") - _number(b, "sub"))

    @functions.signature({"types": ["number", "string"]}, {"types": ["number", "string"]})
    def _func_mul(self, a: Any, b: Any) -> int | float:
        return _int_if_whole(_number(a, "mul") * _number(b, "mul"))

    @functions.signature({"types": ["number", "string"]}, {"types": ["number", "string"]})
    def _func_div(self, a: Any, b: Any) -> int | float:
        divisor = _number(b, "div")
        if divisor == 0:
            raise AptError("div: division by zero", code="provider_error")
        return _int_if_whole(_number(a, "div") / divisor)

    @functions.signature({"types": ["number", "string", "null"]}, {"types": ["string", "null"]})
    def _func_minor_units(self, amount: Any, currency: str | None) -> int | None:
        if amount is None or amount == "":
            return None
        exponent = _CURRENCY_EXPONENT.get((currency or "").upper(), 2)
        try:
            value = Decimal(str(amount)).scaleb(exponent)
        except InvalidOperation as exc:
            raise AptError(f"minor_units: not an amount: {amount!r}", code="provider_error") from exc
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    # -- strings and hashing -------------------------------------------------------------
    @functions.signature({"types": ["string"]})
    def _func_md5(self, value: str) -> str:
        return hashlib.md5(value.encode(), usedforsecurity=False).hexdigest()

    @functions.signature({"types": ["string"]})
    def _func_sha256(self, value: str) -> str:
        return hashlib.sha256(value.encode()).hexdigest()

    @functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_hmac_sha256(self, key: str, message: str) -> str:
        return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()

    @functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_hmac_sha256_base64(self, key: str, message: str) -> str:
        return base64.b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()).decode()

    @functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_hmac_sha256_b64key(self, key_base64: str, message: str) -> str:
        try:
            key = base64.b64decode(key_base64, validate=True)
        except ValueError as exc:
            raise AptError("hmac_sha256_b64key: the key is not base64", code="validation_error") from exc
        return base64.b64encode(hmac.new(key, message.encode(), hashlib.sha256).digest()).decode()

    @functions.signature({"types": ["string"]})
    def _func_base64(self, value: str) -> str:
        return base64.b64encode(value.encode()).decode()

    @functions.signature({"types": ["string"]})
    def _func_uuid5(self, seed: str) -> str:
        return str(uuid.uuid5(_NS, seed))

    @functions.signature({"types": ["string", "null"]}, {"types": ["string"]})
    def _func_re_find(self, value: str | None, pattern: str) -> str | None:
        if value is None:
            return None
        match = re.search(pattern, value)
        if not match:
            return None
        return match.group(1) if match.groups() else match.group(0)

    @functions.signature({"types": ["string"]}, {"types": ["string"]})
    def _func_split(self, value: str, separator: str) -> list[str]:
        return value.split(separator)

    @functions.signature({"types": ["string", "null"]})
    def _func_lower(self, value: str | None) -> str | None:
        return value.lower() if value is not None else None

    @functions.signature({"types": ["string", "null"]})
    def _func_upper(self, value: str | None) -> str | None:
        return value.upper() if value is not None else None

    # Providers without a field of their own for Aptura's booking reference keep it in free text
    # (notes), as a "[name:value]" tag that can be found again and hidden from the unified notes.
    @functions.signature({"types": ["string", "null"]}, {"types": ["string"]}, {"types": ["string", "null"]})
    def _func_tag(self, text: str | None, name: str, value: str | None) -> str | None:
        if value is None:
            return text
        if not _TAG_VALUE.fullmatch(value):
            raise AptError(f"tag: {value!r} is not a tag value (letters, digits, '_' and '-')", code="provider_error")
        rest = self._func_untag(text, name)
        return f"{rest} [{name}:{value}]" if rest else f"[{name}:{value}]"

    # Updates replace the provider's text with the caller's new text, keeping the tag the old text had.
    @functions.signature({"types": ["string", "null"]}, {"types": ["string", "null"]}, {"types": ["string"]})
    def _func_retag(self, new: str | None, old: str | None, name: str) -> str | None:
        if new is None:
            return None  # nothing to change
        return self._func_tag(new, name, self._func_tag_value(old, name))

    @functions.signature({"types": ["string", "null"]}, {"types": ["string"]})
    def _func_tag_value(self, text: str | None, name: str) -> str | None:
        if not text:
            return None
        found = re.search(rf"\[{re.escape(name)}:({_TAG_VALUE.pattern})\]", text)
        return found.group(1) if found else None

    @functions.signature({"types": ["string", "null"]}, {"types": ["string"]})
    def _func_untag(self, text: str | None, name: str) -> str | None:
        if text is None:
            return None
        rest = re.sub(rf"\s*\[{re.escape(name)}:{_TAG_VALUE.pattern}\]", "", text).strip()
        return rest or None

    # -- objects and arrays ------------------------------------------------------------------
    @functions.signature({"types": ["object", "null"]}, {"types": ["string", "number", "null"]})
    def _func_get(self, obj: dict[str, Any] | None, key: Any) -> Any:
        if obj is None or key is None:
            return None
        return obj.get(str(key) if not isinstance(key, str) else key)

    @functions.signature({"types": ["array", "null"]}, {"types": ["string"]}, {"types": ["string", "number", "null"]})
    def _func_find_by(self, items: list[Any] | None, key: str, value: Any) -> Any:
        wanted = None if value is None else str(value)
        for item in items or []:
            if isinstance(item, dict) and item.get(key) is not None and str(item.get(key)) == wanted:
                return item
        return None

    @functions.signature({"types": ["array", "null"]})
    def _func_compact(self, items: list[Any] | None) -> list[Any]:
        return [i for i in items or [] if i is not None]

    # Providers that look records up by a bounded list of ids need each id once, in chunks.
    @functions.signature({"types": ["array", "null"]})
    def _func_distinct(self, items: list[Any] | None) -> list[Any]:
        out: list[Any] = []
        for item in items or []:
            if item is not None and item not in out:
                out.append(item)
        return out

    @functions.signature({"types": ["array", "null"]}, {"types": ["number"]})
    def _func_batches(self, items: list[Any] | None, size: float) -> list[list[Any]]:
        step = int(size)
        if step < 1:
            raise AptError("batches: the size must be at least 1", code="provider_error")
        values = list(items or [])
        return [values[i:i + step] for i in range(0, len(values), step)]


OPTIONS = jmespath.Options(custom_functions=AptFunctions())


def function_names() -> list[str]:
    """Names of the custom functions (for docs and tests)."""
    return sorted(name[len("_func_"):] for name in vars(AptFunctions) if name.startswith("_func_"))
