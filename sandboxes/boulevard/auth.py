"""HTTP Basic credentials of the Boulevard Client API, including signed client tokens.

``Authorization: Basic base64("{apiKey}:")`` is an anonymous (guest) caller;
``Basic base64("{apiKey}:{clientToken}")`` is a known client. A client token is
``signature + payload`` where ``payload = "blvd-client-v1" + businessId + clientId + unixSeconds``
and ``signature = base64(HMAC-SHA256(base64decode(secretKey), payload))`` (44 characters).
The Admin API takes ``Basic base64("{apiKey}:{adminToken}")`` with the same recipe and
``payload = "blvd-admin-v1" + businessId + unixSeconds``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass

CLIENT_PREFIX = "blvd-client-v1"
ADMIN_PREFIX = "blvd-admin-v1"
SIGNATURE_LENGTH = 44  # base64 of a 32-byte HMAC-SHA256 digest
# Tokens older or newer than this (relative to the sandbox clock) are rejected.
MAX_SKEW_SECONDS = 300
_CLIENT_PART = re.compile(r"^(?P<client>(?:urn:blvd:Client:)?[0-9a-fA-F-]{36})(?P<ts>\d{1,12})$")
_ADMIN_PART = re.compile(r"^(?P<business>[0-9a-fA-F-]{36})(?P<ts>\d{1,12})$")


class AuthError(Exception):
    """The credentials are missing, malformed or wrong."""


@dataclass(frozen=True)
class Caller:
    """Who is calling: always an API key, plus a client id for known-client tokens."""

    api_key: str
    client_id: str | None = None


def sign(secret_key: str, payload: str) -> str:
    """Base64 HMAC-SHA256 of ``payload`` keyed with the base64-decoded secret key."""
    raw_key = base64.b64decode(secret_key)
    return base64.b64encode(hmac.new(raw_key, payload.encode(), hashlib.sha256).digest()).decode()


def make_client_token(business_id: str, client_id: str, secret_key: str, timestamp: int) -> str:
    """Build a known-client token exactly as Boulevard's recipe does (for tests and tools).

    ``client_id`` may be a bare UUID or a ``urn:blvd:Client:`` URN; ``business_id`` is the bare UUID.
    """
    payload = f"{CLIENT_PREFIX}{business_id}{client_id}{timestamp}"
    return sign(secret_key, payload) + payload


def make_admin_token(business_id: str, secret_key: str, timestamp: int) -> str:
    """Build an Admin API token exactly as Boulevard's recipe does (for tests and tools)."""
    payload = f"{ADMIN_PREFIX}{business_id}{timestamp}"
    return sign(secret_key, payload) + payload


def basic_header(api_key: str, token: str = "") -> str:
    """The ``Authorization`` header value for an API key and optional token."""
    return "Basic " + base64.b64encode(f"{api_key}:{token}".encode()).decode()


def parse_authorization(header: str | None) -> tuple[str, str]:
    """Split a Basic header into (api key, password); raise :class:`AuthError` when unusable."""
    if not header:
        raise AuthError("Missing authorization header")
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        raise AuthError("Authorization header must use the Basic scheme")
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise AuthError("Malformed Basic credentials") from exc
    api_key, sep, password = decoded.partition(":")
    if not sep or not api_key:
        raise AuthError("Malformed Basic credentials")
    return api_key, password


def verify_client_token(token: str, business_uuid: str, secret_key: str, now_unix: int) -> str:
    """Check a known-client token and return the client id it names (as a URN)."""
    signature, payload = token[:SIGNATURE_LENGTH], token[SIGNATURE_LENGTH:]
    if payload.startswith(ADMIN_PREFIX):
        raise AuthError("Admin tokens are not accepted by the Client API")
    if not payload.startswith(CLIENT_PREFIX):
        raise AuthError("Invalid client token")
    rest = payload[len(CLIENT_PREFIX):]
    if not rest.startswith(business_uuid):
        raise AuthError("Client token was issued for another business")
    match = _CLIENT_PART.match(rest[len(business_uuid):])
    if match is None:
        raise AuthError("Invalid client token")
    # Compare signatures in constant time so the sandbox does not teach timing shortcuts.
    if not hmac.compare_digest(signature.encode(), sign(secret_key, payload).encode()):
        raise AuthError("Invalid client token signature")
    if abs(now_unix - int(match.group("ts"))) > MAX_SKEW_SECONDS:
        raise AuthError("Client token has expired")
    client = match.group("client")
    return client if client.startswith("urn:") else f"urn:blvd:Client:{client}"


def verify_admin_token(token: str, secret_key: str, now_unix: int) -> str:
    """Check an Admin API token and return the bare business id it was issued for."""
    signature, payload = token[:SIGNATURE_LENGTH], token[SIGNATURE_LENGTH:]
    if payload.startswith(CLIENT_PREFIX):
        raise AuthError("Client tokens are not accepted by the Admin API")
    if not payload.startswith(ADMIN_PREFIX):
        raise AuthError("Invalid admin token")
    match = _ADMIN_PART.match(payload[len(ADMIN_PREFIX):])
    if match is None:
        raise AuthError("Invalid admin token")
    if not hmac.compare_digest(signature.encode(), sign(secret_key, payload).encode()):
        raise AuthError("Invalid admin token signature")
    if abs(now_unix - int(match.group("ts"))) > MAX_SKEW_SECONDS:
        raise AuthError("Admin token has expired")
    return match.group("business")
