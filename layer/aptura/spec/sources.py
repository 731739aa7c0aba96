"""The ``sources`` section of a provider spec: how Aptura learns of changes made in the provider itself.

Two generic sources, both optional (without either, the poller scans a rolling window, see aptura.poller):

- ``webhook``: the provider POSTs a notification to the connection's Aptura URL. ``verify`` says how its
  signature is checked (an HMAC over named parts of the request, in a named header, with a secret found by a
  JMESPath expression), ``appointment_id`` and ``event`` (JMESPath over the notification) where the booking's
  id and the provider's event name are, ``events`` which provider events are appointment events, and
  ``subscribe`` (optional) the operation that subscribes the Aptura URL with the provider.
- ``changes``: an operation listing the appointments changed since a cursor, run by the poller instead of
  the window scan; ``cursor`` (JMESPath over its output) is where the next cursor comes from.

The operations here are ordinary spec operations (steps + output), run by the same engine; their steps use
``request`` (not ``resource``). They are validated when the spec loads, like every other operation.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from aptura.spec.template import Compiled, compile_expression

UNIFIED_EVENTS = ("appointment.created", "appointment.updated", "appointment.rescheduled", "appointment.cancelled")
UnifiedEvent = Literal[UNIFIED_EVENTS]  # type: ignore[valid-type]
SignedPart = Literal["url", "timestamp", "body"]
_BODY_ONLY: list[SignedPart] = ["body"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _operation(value: Any) -> Any:
    """A spec operation, validated with the one Operation model (imported late: models imports this module)."""
    from aptura.spec.models import Operation

    return Operation.model_validate(value) if value is not None else None


class WebhookVerify(_Model):
    """An HMAC signature the provider sends with each notification."""

    header: str = Field(description="The request header holding the signature, e.g. x-signature.")
    algorithm: Literal["sha256", "sha1"] = "sha256"
    encoding: Literal["base64", "hex"] = "hex"
    prefix: str = Field("", description="Text before the signature in the header, e.g. `sha256=`.")
    signed: list[SignedPart] = Field(
        default_factory=lambda: _BODY_ONLY.copy(), min_length=1,
        description="What is signed, concatenated in this order: `url` (the notification URL Aptura registered, "
        "never the request's Host), `timestamp` (the timestamp header's value), `body` (the raw body).")
    separator: str = Field("", description="Put between the signed parts, e.g. `.`.")
    secret: str = Field(description="JMESPath over {secrets, config, app} giving the signing key; what `subscribe` "
                        "answered is kept in the connection's secrets as `webhook_subscription`.")
    timestamp_header: str | None = Field(None, description="A header with the signing time (Unix seconds).")
    tolerance_seconds: int = Field(300, ge=1, description="A notification signed longer ago (or ahead) is refused.")

    _secret: Compiled = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> WebhookVerify:
        if "timestamp" in self.signed and not self.timestamp_header:
            raise ValueError("signed includes timestamp: timestamp_header is required")
        self._secret = compile_expression(self.secret, "secret")
        return self


class WebhookSubscribe(_Model):
    """Subscribing the connection's Aptura URL with the provider, when its API allows it."""

    operation: Any = Field(description="A spec operation; input {url, events}; its output is kept as "
                           "`secrets.webhook_subscription` (e.g. its id and signing secret).")
    when: str | None = Field(None, description="JMESPath over {secrets, config}: subscribe only connections for "
                             "which it is true (e.g. only those whose token may manage subscriptions).")

    _when: Compiled | None = PrivateAttr(None)

    @field_validator("operation", mode="before")
    @classmethod
    def _op(cls, value: Any) -> Any:
        return _operation(value)

    @model_validator(mode="after")
    def _compile(self) -> WebhookSubscribe:
        self._when = compile_expression(self.when, "when") if self.when is not None else None
        return self


class WebhookSource(_Model):
    """Native provider webhooks, received at ``POST /inbound/{connection_id}/{token}``."""

    verify: WebhookVerify | None = Field(
        None, description="The provider's signature; without it only the URL's unguessable token authenticates "
        "(for providers that sign nothing).")
    event: str = Field(description="JMESPath over {body, headers} of the notification: the provider's event name.")
    appointment_id: str = Field(description="JMESPath over {body, headers}: the appointment's provider id.")
    events: dict[str, UnifiedEvent] = Field(
        min_length=1, description="Provider event name -> the event it is when Aptura has no snapshot to diff "
        "against (with one, the diff decides: created, rescheduled, updated or cancelled). Others are ignored.")
    subscribe: WebhookSubscribe | None = None
    instructions: str = Field("", description="For a business to paste the URL where `subscribe` cannot.")

    _event: Compiled = PrivateAttr()
    _appointment_id: Compiled = PrivateAttr()

    @model_validator(mode="after")
    def _compile(self) -> WebhookSource:
        self._event = compile_expression(self.event, "event")
        self._appointment_id = compile_expression(self.appointment_id, "appointment_id")
        return self


class ChangesSource(_Model):
    """A changes feed polled with a cursor kept per connection."""

    operation: Any = Field(description="A spec operation; input {cursor, now (the poll's time, UTC)}; output "
                           "{appointments: [unified appointments changed since the cursor, cancelled ones "
                           "included], cursor: the next one (null: unchanged)}. Reading a change twice is "
                           "harmless: the snapshots diff it away.")
    first_cursor: str = Field(description="JMESPath over {input: {now}} (UTC ISO-8601): where a connection starts; "
                              "its first poll scans the window instead, for the snapshots to diff against.")

    _first_cursor: Compiled = PrivateAttr()

    @field_validator("operation", mode="before")
    @classmethod
    def _op(cls, value: Any) -> Any:
        return _operation(value)

    @model_validator(mode="after")
    def _compile(self) -> ChangesSource:
        self._first_cursor = compile_expression(self.first_cursor, "first_cursor")
        return self


class Sources(_Model):
    """Where a provider's changes come from besides Aptura's own requests (see the module docs)."""

    webhook: WebhookSource | None = None
    changes: ChangesSource | None = None
