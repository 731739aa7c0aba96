"""The unified API's request and response shapes (the public contract)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Status = Literal["confirmed", "cancelled", "completed", "no_show", "pending"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")


def utc_text(value: datetime) -> str:
    """Aptura's outbound time format."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ClientIn(_In):
    firstName: str = Field(min_length=1, max_length=100)
    lastName: str = Field(min_length=1, max_length=100)
    email: str = Field(pattern=EMAIL, max_length=254)
    phone: str | None = Field(None, pattern=r"^\+?[0-9 ()-]{5,20}$")


class AppointmentCreate(_In):
    """Body of ``POST /v1/appointments``."""

    serviceId: str = Field(min_length=1, max_length=100)
    staffId: str = Field(min_length=1, max_length=100)
    startTime: datetime = Field(description="UTC ISO-8601, e.g. 2024-03-15T10:00:00Z")
    client: ClientIn
    notes: str | None = Field(None, max_length=2000)
    locationId: str | None = Field(None, max_length=100)

    @field_validator("startTime")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("must include a time zone: use UTC with 'Z'")
        if value.second or value.microsecond:
            raise ValueError("must be on a whole minute")
        return value

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={"examples": [{
            "serviceId": "svc_haircut", "staffId": "staff_jane", "startTime": "2024-03-15T10:00:00Z",
            "client": {"firstName": "Alex", "lastName": "Johnson", "email": "alex@example.com",
                       "phone": "+15551234567"},
            "notes": "First time client",
        }]},
    )


class Slot(_Out):
    startTime: str
    endTime: str
    staffId: str | None = None
    staffName: str | None = None


class AvailabilityResponse(_Out):
    provider: str
    serviceId: str
    slots: list[Slot]


class ServiceRef(_Out):
    id: str
    name: str | None = None
    durationMinutes: int | None = None


class StaffRef(_Out):
    id: str
    name: str | None = None


class Appointment(_Out):
    id: str
    provider: str
    status: Status
    service: ServiceRef
    staff: StaffRef | None = None
    startTime: str
    endTime: str
    locationId: str | None = None
    notes: str | None = None


class ErrorBody(BaseModel):
    error: str = Field(examples=["validation_error"])
    message: str = Field(examples=["Invalid request data"])
    details: dict[str, Any] | list[Any] = Field(default_factory=dict)
