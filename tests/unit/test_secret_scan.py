"""The secret scan itself (tests/secret_scan.py) catches what it must, and only that.

Each test uses its own ``SecretScan``; the session's scan never sees the planted secrets, so
these tests do not fail the session they prove the scan could fail.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.secret_scan import LogCapture, SecretScan, _register_sandboxes

PLANTED = "planted-secret-7Hq2Vx9Kc4Lm"
KEY = "apt_test_Q2pLw7sTb9nYc4AbCdEfGhIjKlMn"


@pytest.fixture()
def scan() -> SecretScan:
    fresh = SecretScan()
    fresh.add(PLANTED, "a planted secret")
    return fresh


@pytest.fixture()
def captured(scan: SecretScan) -> Iterator[logging.Logger]:
    """A plain logger (no redaction) whose records this scan checks, as the session's scan does."""
    log = logging.getLogger("secret_scan_probe")
    capture = LogCapture(scan)
    log.addHandler(capture)
    log.setLevel(logging.INFO)
    log.propagate = False
    yield log
    log.removeHandler(capture)


def test_a_planted_secret_in_a_log_line_is_caught(scan: SecretScan, captured: logging.Logger) -> None:
    captured.info("nothing to see")
    assert scan.leaks == [] and scan.checked == 1
    captured.info("calling provider", extra={"note": f"sent {PLANTED} along"})
    [leak] = scan.leaks
    assert leak.what == "a planted secret" and leak.where == "log secret_scan_probe"
    assert "<secret>" in leak.excerpt and PLANTED not in str(leak)  # the report never repeats the secret
    assert scan.report() == [str(leak)]


def test_a_secret_in_an_argument_or_json_escaped_is_caught(scan: SecretScan, captured: logging.Logger) -> None:
    quoted = 'pa"ss\\word-123'
    scan.add(quoted, "a secret with quotes")
    captured.info("args %s", PLANTED)
    assert scan.check('{"message": "pa\\"ss\\\\word-123"}', "log x")  # as it stands inside a JSON line
    assert [leak.what for leak in scan.leaks] == ["a planted secret", "a secret with quotes"]


def test_the_aptura_logger_is_checked_after_its_redaction(scan: SecretScan) -> None:
    from aptura.api.app import logger

    capture = LogCapture(scan)
    logging.getLogger("aptura").addHandler(capture)
    try:
        logger.info("provider call", extra={"password": PLANTED, "key": KEY})  # redacted: no leak
        assert scan.leaks == []
        logger.info("provider call", extra={"note": PLANTED})  # no secret-like name: the scan catches it
    finally:
        logging.getLogger("aptura").removeHandler(capture)
    assert [leak.what for leak in scan.leaks] == ["a planted secret"]


def test_any_aptura_key_in_a_log_line_is_a_leak_registered_or_not(scan: SecretScan) -> None:
    assert [leak.what for leak in scan.check_log(f"key={KEY}", "aptura")] == ["an Aptura API key (by its pattern)"]
    assert scan.check_log("prefix apt_test_Q2pL and apt_test_[REDACTED]", "aptura") == []


def test_a_connect_session_token_in_a_log_line_is_a_leak(scan: SecretScan) -> None:
    line = "GET /connect/cst_Qm3xV8p2Lr6TnYc1Wz5Hb7KdAbCdEfGh/mindbody 200"
    assert [leak.what for leak in scan.check_log(line, "aptura")] == ["a connect-session token (by its pattern)"]
    assert scan.check_log("GET /connect/cst_[REDACTED]/mindbody and /connect/cst_Qm3x...REDACTED", "aptura") == []


def test_responses_leak_registered_values_and_keys(scan: SecretScan) -> None:
    scan.add_api_key(KEY)
    assert scan.check_response("GET", "/v1/connections", 200, {}, {"data": [{"config": {"x": "y"}}]}) == []
    leaks = scan.check_response("GET", "/v1/connections/c", 200, {"x-echo": PLANTED}, {"nested": [{"k": KEY}]})
    assert sorted(leak.what for leak in leaks) == ["a planted secret", "an Aptura API key"]
    # An example key in a document is not a leak in an answer; only registered keys are.
    assert scan.check_response("GET", "/v1/openapi.json", 200, {}, {"example": "apt_test_4eC39HqLyjWDarjtT1zd"}) == []


def test_the_new_key_of_post_api_keys_is_the_one_exemption(scan: SecretScan) -> None:
    scan.add_api_key(KEY)
    assert scan.check_response("POST", "/v1/api-keys", 201, {}, {"id": "key_1", "key": KEY}) == []
    assert scan.check_response("POST", "/v1/api-keys", 201, {}, {"id": "key_1", "key": KEY, "name": KEY})
    assert scan.check_response("GET", "/v1/api-keys", 200, {}, {"data": [{"key": KEY}]})


def test_short_values_and_non_secret_credentials_are_not_registered(scan: SecretScan) -> None:
    scan.add("12345", "too short")
    scan.add(True, "a flag")
    scan.add_credentials({"username": "Siteowner", "expires_at": "2028-01-01T00:00:00Z", "apiKey": "k" * 12},
                         "creds")
    assert set(scan.secrets) == {PLANTED, "k" * 12}


def test_every_sandbox_demo_secret_is_registered() -> None:
    from sandboxes.server import REGISTRY

    scan = SecretScan()
    _register_sandboxes(scan)
    sources = set(scan.secrets.values())
    for name in REGISTRY:
        assert any(s.startswith(f"sandboxes.{name} DEMO credentials.") for s in sources), name
    assert "sandboxes.square.seed.APP_SECRET" in sources and "sandboxes.mindbody DEMO credentials.password" in sources
    assert "403100" not in scan.secrets  # TimeTap's "API key" is its business id, a config value


def test_a_report_never_repeats_a_secret_even_beside_another(scan: SecretScan) -> None:
    other = "another-secret-4Jd8Fs2Gh6"
    scan.add(other, "another secret")
    leaks = scan.check(f"password={PLANTED} and {other} and key apt_test_{'x' * 20}", "log x")
    assert sorted(leak.what for leak in leaks) == ["a planted secret", "another secret"]
    for leak in leaks:
        assert PLANTED not in str(leak) and other not in str(leak) and "x" * 20 not in str(leak)


def test_a_line_that_cannot_be_checked_counts_as_a_leak(scan: SecretScan, captured: logging.Logger) -> None:
    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError("no")

        __repr__ = __str__

    captured.info("odd", extra={"thing": Unprintable()})
    assert [(leak.what, leak.excerpt) for leak in scan.leaks] == [("a capture the scan could not check",
                                                                   "RuntimeError")]
