"""Sending provider requests: one pooled httpx client, retries for safe requests,
a time budget, a per-connection circuit breaker, and turning network faults into
Aptura errors. The outcome of every fault is tabled in docs/resilience.md.

A mock transport can be injected (``Transport(client=httpx.Client(transport=...))``),
as httpx intends, which is how engine unit tests run without a network.
"""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass, field, replace
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from aptura.engine.breaker import CircuitBreaker, is_failure
from aptura.errors import AptError, ProviderError, ProviderTimeout
from aptura.observability import timed_provider_call

DEFAULT_TIMEOUT = float(os.environ.get("APTURA_PROVIDER_TIMEOUT", "10"))
# Lambda behind API Gateway has 29 s; keep a margin for our own work and the response.
DEFAULT_BUDGET = float(os.environ.get("APTURA_REQUEST_BUDGET", "25"))
# 500 included: for a request safe to repeat a retry costs only time, and most 500s are passing.
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_ATTEMPTS = 3
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 5  # a provider moving an endpoint needs one or two; more is a loop
BACKOFF_BASE = 0.1  # seconds before the second attempt, doubling after
BACKOFF_CAP = 2.0
# A retry is only worth its wait if this much of the budget is left for the attempt itself.
RETRY_MARGIN = 1.0


@dataclass
class PreparedRequest:
    method: str
    url: str
    query: list[tuple[str, str]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    body_format: str = "json"
    timeout: float | None = None
    retry: bool = False
    auth: tuple[str, str] | None = None


@dataclass
class ProviderResponse:
    status: int
    headers: dict[str, str]
    body: Any
    text: str
    elapsed_ms: float

    def context(self) -> dict[str, Any]:
        """The view expressions get of a response: ``{status, headers, body}``."""
        return {"status": self.status, "headers": self.headers, "body": self.body}

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class Deadline:
    """A time budget shared by all calls of one Aptura request."""

    def __init__(self, seconds: float | None = None) -> None:
        # Read at call time, not bound as a default, so the budget can be configured after import.
        self.end = time.monotonic() + (DEFAULT_BUDGET if seconds is None else seconds)

    def remaining(self) -> float:
        return self.end - time.monotonic()


def retry_after_seconds(headers: dict[str, str]) -> int | None:
    """Parse ``Retry-After`` (seconds or an HTTP date) into whole seconds."""
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0, int(float(value)))
    except ValueError:
        pass
    try:
        return max(0, int(parsedate_to_datetime(value).timestamp() - time.time()))
    except (TypeError, ValueError):
        return None


def _parse_body(status: int, content_type: str, text: str) -> Any:
    if not text:
        return None
    looks_json = "json" in content_type or text.lstrip()[:1] in ("{", "[")
    if not looks_json:
        return text
    try:
        return json.loads(text)
    except ValueError:
        if 200 <= status < 300:
            raise ProviderError("the provider returned a malformed JSON body", details={"status": status}) from None
        return text


def _redirect_error(message: str, details: dict[str, Any]) -> AptError:
    """A redirect not followed: a provider fault, not retried (it would redirect again).

    The provider answered, so for a write the outcome counts as unknown (``request_sent``) and
    the caller reconciles instead of assuming nothing was booked.
    """
    error = AptError(message, code="provider_error", details=details)
    error.request_sent = True
    return error


class Transport:
    """Sends prepared requests; one instance (and connection pool) per container."""

    def __init__(self, client: httpx.Client | None = None, breaker: CircuitBreaker | None = None) -> None:
        self.client = client or httpx.Client(
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
            headers={"User-Agent": "Aptura/1.0"},
            follow_redirects=False,
        )
        # Lives as long as the connection pool: one per warm container.
        self.breaker = breaker or CircuitBreaker()

    @timed_provider_call  # latency and outcome per provider and operation (aptura.observability)
    def send(self, req: PreparedRequest, deadline: Deadline, circuit: str | None = None) -> ProviderResponse:
        """Send ``req``; retry transient faults when ``req.retry``; map network errors.

        With ``circuit`` (a connection id) the call passes that connection's breaker:
        refused at once while it is open, and its outcome (after retries) counted.
        """
        if deadline.remaining() <= 0.05:  # before the breaker: no provider call, no verdict on it
            raise ProviderTimeout("the provider did not answer within Aptura's time budget")
        if circuit is None:
            return self._send_retrying(req, deadline)
        self.breaker.before(circuit)
        failed: bool | None = None
        try:
            response = self._send_retrying(req, deadline)
            failed = is_failure(response.status)
            return response
        except AptError as exc:
            failed = is_failure(exc.status)
            raise
        finally:
            self.breaker.after(circuit, failed)

    def _send_retrying(self, req: PreparedRequest, deadline: Deadline) -> ProviderResponse:
        attempt, sent = 0, False  # sent: some attempt reached the provider (for writes: maybe done)
        while True:
            attempt += 1
            remaining = deadline.remaining()
            if remaining <= 0.05:
                late = ProviderTimeout("the provider did not answer within Aptura's time budget")
                late.request_sent = sent
                raise late
            timeout = min(req.timeout or DEFAULT_TIMEOUT, remaining)
            outcome: ProviderResponse | AptError
            reached = True
            try:
                outcome = self._send_following(req, timeout)
            except (httpx.TimeoutException, ProviderTimeout) as exc:
                reached = not isinstance(exc, httpx.ConnectTimeout)
                outcome = ProviderTimeout("the provider timed out", details={"timeout_seconds": round(timeout, 2)})
                outcome.__cause__ = exc
            except httpx.TransportError as exc:
                reached = not isinstance(exc, httpx.ConnectError)
                outcome = AptError("could not reach the provider", code="provider_unavailable",
                                   details={"reason": type(exc).__name__})
                outcome.__cause__ = exc
            except ProviderError as exc:  # a malformed body, usually one cut short: as transient as a reset
                outcome = exc
            sent = sent or reached
            if isinstance(outcome, ProviderResponse) and outcome.status not in RETRY_STATUSES:
                return outcome
            retry_after = retry_after_seconds(outcome.headers) if isinstance(outcome, ProviderResponse) else None
            if req.retry and attempt < MAX_ATTEMPTS and self._backoff(attempt, retry_after, deadline):
                continue
            if isinstance(outcome, AptError):
                outcome.request_sent = sent
                raise outcome
            return outcome

    def _send_following(self, req: PreparedRequest, timeout: float) -> ProviderResponse:
        """Send ``req``, following a provider's redirects within the same scheme, host and port.

        Credentials go only where the spec sent them, so a redirect elsewhere is not followed but
        reported as the provider fault it is, naming where it pointed.
        """
        started = time.perf_counter()
        left = timeout  # the first send gets the whole attempt; each redirect only what is left of it
        for _ in range(MAX_REDIRECTS + 1):
            response = self._send_once(req, left)
            location = response.headers.get("location")
            if response.status not in REDIRECT_STATUSES or not location:
                return response
            target = urljoin(req.url, location)
            if urlsplit(target)[:2] != urlsplit(req.url)[:2]:
                raise _redirect_error("the provider redirected the request to another host",
                                      {"provider_status": response.status, "location": target})
            left = timeout - (time.perf_counter() - started)
            if left <= 0:
                raise ProviderTimeout("the provider's redirects did not finish in time")
            # 303, and 301/302 after a POST as every client does, turn into a GET without a body.
            keep = response.status in (307, 308) or (response.status in (301, 302) and req.method != "POST")
            req = replace(req, url=target, query=[], method=req.method if keep else "GET",
                          body=req.body if keep else None)
        raise _redirect_error("the provider redirected too many times",
                              {"provider_status": response.status, "redirects": MAX_REDIRECTS})

    def _send_once(self, req: PreparedRequest, timeout: float) -> ProviderResponse:
        kwargs: dict[str, Any] = {"params": req.query or None, "headers": req.headers, "timeout": timeout}
        if req.auth is not None:
            kwargs["auth"] = req.auth
        if req.body is not None:
            if req.body_format == "form":
                kwargs["data"] = req.body
            else:
                kwargs["content"] = json.dumps(req.body).encode()
                kwargs["headers"] = {"Content-Type": "application/json", **req.headers}
        started = time.perf_counter()
        # The whole exchange, body included, must fit the timeout: a provider that
        # trickles its body is as unavailable as one that never answers.
        with self.client.stream(req.method, req.url, **kwargs) as response:
            # The read timeout was spent waiting for the headers; the body gets only what is left
            # of the attempt (httpcore looks the value up when the body starts), so a slow start
            # followed by a slow body cannot take twice the timeout.
            timeouts = response.request.extensions.get("timeout")
            if isinstance(timeouts, dict):
                timeouts["read"] = max(0.001, timeout - (time.perf_counter() - started))
            chunks = []
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                if time.perf_counter() - started > timeout:
                    raise ProviderTimeout("the provider's response body did not arrive in time")
        text = b"".join(chunks).decode(response.encoding or "utf-8", errors="replace")
        headers = {k.lower(): v for k, v in response.headers.items()}
        return ProviderResponse(
            status=response.status_code,
            headers=headers,
            body=_parse_body(response.status_code, headers.get("content-type", ""), text),
            text=text,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    @staticmethod
    def _backoff(attempt: int, retry_after: int | None, deadline: Deadline) -> bool:
        """Sleep before the next attempt; False when the budget cannot afford it.

        Without ``Retry-After``: capped exponential backoff with jitter, so containers hit by
        the same outage do not retry in step. With it: the provider's wait, never beyond the
        budget (the caller then gets the provider's answer and its ``Retry-After``).
        """
        if retry_after is None:
            delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
        else:
            delay = float(retry_after)
        if delay > deadline.remaining() - RETRY_MARGIN:
            return False
        time.sleep(delay)
        return True
