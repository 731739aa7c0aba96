"""Verifying a provider's webhook signature (aptura.inbound.check_signature) as the spec's ``verify`` declares it:
good, tampered, missing, the wrong key, a replayed or future timestamp, rotated keys; checked against the
sandboxes' own signing code (written separately, from each provider's documentation)."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from pydantic import ValidationError

from aptura.inbound import check_signature, expected_signature
from aptura.spec.loader import load_spec
from aptura.spec.sources import WebhookVerify
from sandboxes.smoothschedule.webhooks import signature as smoothschedule_signature
from sandboxes.square.webhooks import signature as square_signature

URL = "https://api.aptura.dev/inbound/conn_0123456789abcdef0123/tok_abcdefghijklmnopqrstuvwx"
BODY = b'{"type":"booking.updated","data":{"id":"bk1"}}'
KEY = "sig-key-0123456789"
NOW = 1_800_000_000.0


def square() -> WebhookVerify:
    source = load_spec("square").sources
    assert source is not None and source.webhook is not None and source.webhook.verify is not None
    return source.webhook.verify


def smoothschedule() -> WebhookVerify:
    source = load_spec("smoothschedule").sources
    assert source is not None and source.webhook is not None and source.webhook.verify is not None
    return source.webhook.verify


def timestamped() -> WebhookVerify:
    """A provider that signs "<timestamp>.<body>" with a prefix (as Stripe-like schemes do)."""
    return WebhookVerify(header="X-Signature", encoding="hex", prefix="v1=", signed=["timestamp", "body"],
                         separator=".", secret="secrets.key", timestamp_header="X-Timestamp", tolerance_seconds=300)


def test_square_good_signature_is_accepted_and_matches_squares_own_formula() -> None:
    verify = square()
    header = square_signature(KEY, URL, BODY)
    assert header == base64.b64encode(hmac.new(KEY.encode(), URL.encode() + BODY, hashlib.sha256).digest()).decode()
    assert check_signature(verify, KEY, URL, {"x-square-hmacsha256-signature": header}, BODY, NOW) is None


@pytest.mark.parametrize("what", ["body", "url", "key"])
def test_square_signature_over_something_else_is_refused(what: str) -> None:
    body, url, key = BODY, URL, KEY
    if what == "body":
        body = BODY.replace(b"bk1", b"bk2")
    elif what == "url":
        url = URL.replace("api.aptura.dev", "evil.example")  # the URL is signed: a copy sent elsewhere fails
    else:
        key = "another-key"
    header = square_signature(key, url, body)
    assert check_signature(square(), KEY, URL, {"x-square-hmacsha256-signature": header}, BODY, NOW) == \
        "signature does not match"


def test_a_missing_signature_header_or_secret_is_refused() -> None:
    assert check_signature(square(), KEY, URL, {}, BODY, NOW) == "missing x-square-hmacsha256-signature"
    header = {"x-square-hmacsha256-signature": square_signature(KEY, URL, BODY)}
    assert check_signature(square(), None, URL, header, BODY, NOW) == "no signing secret for this connection"
    assert check_signature(square(), "", URL, header, BODY, NOW) == "no signing secret for this connection"


def test_smoothschedule_signs_the_body_in_hex() -> None:
    verify = smoothschedule()
    good = {"x-smoothschedule-signature": smoothschedule_signature(KEY, BODY)}
    assert check_signature(verify, KEY, URL, good, BODY, NOW) is None
    assert check_signature(verify, KEY, URL, good, BODY + b" ", NOW) == "signature does not match"
    upper = {"x-smoothschedule-signature": smoothschedule_signature(KEY, BODY).upper()}
    assert check_signature(verify, KEY, URL, upper, BODY, NOW) == "signature does not match"


def test_a_timestamped_signature_within_the_tolerance_is_accepted() -> None:
    verify = timestamped()
    stamp = str(int(NOW) - 60)
    mac = hmac.new(KEY.encode(), f"{stamp}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert expected_signature(verify, KEY, URL, stamp, BODY) == f"v1={mac}"
    headers = {"x-signature": f"v1={mac}", "x-timestamp": stamp}
    assert check_signature(verify, KEY, URL, headers, BODY, NOW) is None


@pytest.mark.parametrize("offset", [-301, 301, -86_400])
def test_a_replayed_or_future_timestamp_is_refused_even_when_correctly_signed(offset: int) -> None:
    verify = timestamped()
    stamp = str(int(NOW) + offset)
    headers = {"x-signature": expected_signature(verify, KEY, URL, stamp, BODY), "x-timestamp": stamp}
    assert check_signature(verify, KEY, URL, headers, BODY, NOW) == "timestamp outside the tolerance (a replay?)"


def test_a_timestamp_changed_after_signing_is_refused() -> None:
    verify = timestamped()
    signed_at = str(int(NOW) - 10)
    headers = {"x-signature": expected_signature(verify, KEY, URL, signed_at, BODY), "x-timestamp": str(int(NOW))}
    assert check_signature(verify, KEY, URL, headers, BODY, NOW) == "signature does not match"


@pytest.mark.parametrize("stamp", [None, "", "yesterday"])
def test_a_missing_or_malformed_timestamp_is_refused(stamp: str | None) -> None:
    verify = timestamped()
    headers = {"x-signature": expected_signature(verify, KEY, URL, str(int(NOW)), BODY)}
    if stamp is not None:
        headers["x-timestamp"] = stamp
    assert check_signature(verify, KEY, URL, headers, BODY, NOW) == "missing or malformed X-Timestamp"


def test_one_matching_signature_among_several_is_enough_for_a_key_being_rotated() -> None:
    verify = timestamped()
    stamp = str(int(NOW))
    headers = {"x-signature": f"v1=deadbeef, {expected_signature(verify, KEY, URL, stamp, BODY)}",
               "x-timestamp": stamp}
    assert check_signature(verify, KEY, URL, headers, BODY, NOW) is None


def test_signing_a_timestamp_needs_its_header() -> None:
    with pytest.raises(ValidationError, match="timestamp_header is required"):
        WebhookVerify(header="X-Signature", signed=["timestamp", "body"], secret="secrets.key")
