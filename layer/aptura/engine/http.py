"""Sending provider requests: one pooled httpx client, retries for safe requests,
a time budget, and turning network faults into Aptura errors.

A mock transport can be injected (``Transport(client=httpx.Client(transport=...))``),
as httpx intends, which is how engine unit tests run without a network.
"""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from aptura.errors import AptError, ProviderError, ProviderTimeout

DEFAULT_TIMEOUT = float(os.environ.get("APTURA_PROVIDER_TIMEOUT", "10"))
# Lambda behind API Gateway has 29 s; keep a margin for our own work and the response.
DEFAULT_BUDGET = float(os.environ.get("APTURA_REQUEST_BUDGET", "25"))
RETRY_STATUSES = {429, 502, 503, 504}
MAX_ATTEMPTS = 3


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

    def __init__(self, seconds: float = DEFAULT_BUDGET) -> None:
        self.end = time.monotonic() + seconds

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


class Transport:
    """Sends prepared requests; one instance (and connection pool) per container."""

    def __init__(self, client: httpx.Client | None = None) -> None:
        self.client = client or httpx.Client(
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
            headers={"User-Agent": "Aptura/1.0"},
            follow_redirects=False,
        )

    def send(self, req: PreparedRequest, deadline: Deadline) -> ProviderResponse:
        """Send ``req``; retry transient faults when ``req.retry``; map network errors."""
        attempt = 0
        while True:
            attempt += 1
            remaining = deadline.remaining()
            if remaining <= 0.05:
                raise ProviderTimeout("the provider did not answer within Aptura's time budget")
            timeout = min(req.timeout or DEFAULT_TIMEOUT, remaining)
            try:
                response = self._send_once(req, timeout)
            except (httpx.TimeoutException, ProviderTimeout) as exc:
                if req.retry and attempt < MAX_ATTEMPTS and self._backoff(attempt, None, deadline):
                    continue
                raise ProviderTimeout("the provider timed out", details={"timeout_seconds": round(timeout, 2)}) from exc
            except httpx.TransportError as exc:
                if req.retry and attempt < MAX_ATTEMPTS and self._backoff(attempt, None, deadline):
                    continue
                raise AptError(
                    "could not reach the provider", code="provider_unavailable", details={"reason": type(exc).__name__}
                ) from exc
            if req.retry and response.status in RETRY_STATUSES and attempt < MAX_ATTEMPTS:
                if self._backoff(attempt, retry_after_seconds(response.headers), deadline):
                    continue
            return response

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
        """Sleep before the next attempt; False when the budget cannot afford it."""
        delay = retry_after if retry_after is not None else min(2.0, 0.1 * 2 ** (attempt - 1))
        delay = delay * (0.5 + random.random() / 2) if retry_after is None else float(delay)  # noqa: S311 - jitter
        if delay > deadline.remaining() - 1.0:
            return False
        time.sleep(delay)
        return True
