"""Aptura's error model: every failure leaves as ``{"error", "message", "details"}``.

Status codes follow the unified API's table (400, 401, 403, 404, 409, 429, 500) plus
the gateway family for provider faults (502, 503, 504) and 501 for operations a
provider cannot do. Provider errors are mapped to these by the spec's ``errors`` rules.
"""

from __future__ import annotations

from typing import Any

# error code -> HTTP status. Specs name errors by code; this is the one table.
ERROR_STATUS: dict[str, int] = {
    "validation_error": 400,
    "unauthorized": 401,
    "connection_auth_failed": 401,
    "forbidden": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "unprocessable": 422,
    "rate_limited": 429,
    "internal_error": 500,
    "not_supported": 501,
    "provider_error": 502,
    "provider_unavailable": 503,
    "provider_timeout": 504,
}


class AptError(Exception):
    """An error with a status, a machine code, a human message and optional details."""

    code = "internal_error"
    # Set by the HTTP transport when the failed provider request left Aptura (so a write may
    # have been carried out); refusals before sending (budget, circuit, quota) leave it False.
    request_sent = False
    # Set by the engine when a provider's answer was mapped to this error (a refusal by the provider,
    # not a check of Aptura's own before or after a call).
    from_provider = False

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        status: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.status = status or ERROR_STATUS.get(self.code, 500)
        self.details = details if details is not None else {}
        self.retry_after = retry_after

    @property
    def outcome_unknown(self) -> bool:
        """A write that may or may not have been carried out (see :meth:`mark_outcome_unknown`)."""
        return isinstance(self.details, dict) and self.details.get("write_outcome") == "unknown"

    def mark_outcome_unknown(self, **details: Any) -> None:
        """Tell the caller the write's fate is unknown: sent, but never definitively answered."""
        if isinstance(self.details, dict):
            self.details.update(write_outcome="unknown", **details)

    def body(self) -> dict[str, Any]:
        """The JSON body Aptura returns for this error."""
        return {"error": self.code, "message": self.message, "details": self.details}

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)} if self.retry_after is not None else {}


class ValidationError(AptError):
    code = "validation_error"


class Unauthorized(AptError):
    code = "unauthorized"


class Forbidden(AptError):
    code = "forbidden"


class NotFound(AptError):
    code = "not_found"


class NotSupported(AptError):
    code = "not_supported"


class ProviderError(AptError):
    """The provider failed or answered something Aptura cannot use (502)."""

    code = "provider_error"


class ProviderTimeout(AptError):
    code = "provider_timeout"


class SpecError(Exception):
    """A provider spec is invalid: raised at load time with file, location and reason."""

    def __init__(self, file: str, location: str, reason: str, line: int | None = None) -> None:
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {location}: {reason}")
        self.file, self.location, self.reason, self.line = file, location, reason, line


def error_for(code: str, message: str, **kwargs: Any) -> AptError:
    """Build the error named ``code`` (as specs name them)."""
    if code not in ERROR_STATUS:
        raise ValueError(f"unknown error code {code!r}")
    return AptError(message, code=code, **kwargs)
