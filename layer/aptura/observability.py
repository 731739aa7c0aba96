"""Operational metrics: what each provider call cost and how it ended, per provider and operation.

Metrics are CloudWatch Embedded Metric Format (EMF) lines printed to stdout by Powertools: in
Lambda, CloudWatch Logs turns them into metrics in the ``Aptura`` namespace
(``POWERTOOLS_METRICS_NAMESPACE``) with no API call on the request path; locally (``make dev``,
the tests) they are just JSON lines among the logs. Every line carries two dimension sets:
``provider, operation, service`` (one spec operation of one provider) and ``service`` alone (the
whole fleet, which is what the template's alarms watch). Dimensions hold only a spec id and an
operation name: never a connection, an account, a URL or a credential.

Per provider call (:func:`timed_provider_call`, around ``Transport.send``):

- ``ProviderLatency`` (ms): the call's whole time, retries and backoff included;
- ``ProviderErrors`` (0 or 1): the provider failed (5xx other than 501, timeout, unreachable,
  malformed body), the breaker's own notion of failure, so its Average is the error rate;
- ``ProviderThrottled`` (0 or 1): the provider answered 429;
- only when they happen: ``ProviderTimeouts``, ``ProviderUnreachable``, ``Provider5xx``,
  ``Provider4xx`` (refusals other than 429), the errors by class;
- ``BreakerOpen``: a call refused at once because the connection's circuit is open.

Which provider and operation a call belongs to comes from :func:`label_calls`, which the runner
sets for the duration of one spec operation (a context variable, so ``for_each`` threads started
with a copy of the context see it too). Values are buffered per label and printed by
:func:`log_metrics` at the end of each invocation, so a request that calls no provider prints
nothing (Powertools' own ``log_metrics`` would warn "No application metrics to publish" on each).
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar, Token
from dataclasses import dataclass
from typing import Any, TypeVar

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from aptura.engine.breaker import CircuitOpen, is_failure
from aptura.errors import AptError

NAMESPACE = "Aptura"
UNLABELLED = "none"  # a call made outside any spec operation (none today; kept visible if one appears)

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Labels:
    """The dimensions of one provider call: the spec's id and the spec operation being run."""

    provider: str
    operation: str


_LABELS: ContextVar[Labels | None] = ContextVar("aptura_metric_labels", default=None)
_LOCK = threading.Lock()  # for_each steps record from several threads at once
_PENDING: dict[Labels, EphemeralMetrics] = {}


def label_calls(provider: str, operation: str) -> Token[Labels | None]:
    """Attribute the provider calls made from here on (in this context) to ``provider`` and ``operation``.

    Returns the token :func:`unlabel` takes to restore the previous labels (operations nest: a refused
    booking re-reads availability).
    """
    return _LABELS.set(Labels(provider, operation))


def unlabel(token: Token[Labels | None]) -> None:
    """Restore the labels in force before the matching :func:`label_calls`."""
    _LABELS.reset(token)


def current_labels() -> Labels:
    """The labels provider calls get now (``none``/``none`` outside any spec operation)."""
    return _LABELS.get() or Labels(UNLABELLED, UNLABELLED)


def _metrics_for(labels: Labels) -> EphemeralMetrics:
    metrics = _PENDING.get(labels)
    if metrics is None:
        service = os.environ.get("POWERTOOLS_SERVICE_NAME") or "aptura"
        metrics = EphemeralMetrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE,
                                   service=service)
        metrics.add_dimension("provider", labels.provider)
        metrics.add_dimension("operation", labels.operation)
        metrics.add_dimension("service", service)
        metrics.add_dimensions(service=service)  # the fleet-wide set the alarms read
        _PENDING[labels] = metrics
    return metrics


def record(counts: dict[str, float], latency_ms: float | None = None) -> None:
    """Add one provider call's metrics (``counts``: metric name to count) under the current labels."""
    labels = current_labels()
    with _LOCK:
        metrics = _metrics_for(labels)
        if latency_ms is not None:
            metrics.add_metric("ProviderLatency", MetricUnit.Milliseconds, latency_ms)
        for name, value in counts.items():
            # Powertools prints the set itself when a metric reaches 100 values, so a long
            # invocation (a poller batch) never holds an unbounded buffer.
            metrics.add_metric(name, MetricUnit.Count, value)


def outcome_counts(status: int | None, error: BaseException | None) -> dict[str, float]:
    """The count metrics of one call that ended with provider ``status`` or raised ``error``."""
    if isinstance(error, CircuitOpen):
        return {"BreakerOpen": 1}
    if isinstance(error, AptError):
        status = error.status
        failed = is_failure(status)
        counts: dict[str, float] = {"ProviderErrors": float(failed), "ProviderThrottled": 0}
        if error.code == "provider_timeout":
            counts["ProviderTimeouts"] = 1
        elif error.code == "provider_unavailable":
            counts["ProviderUnreachable"] = 1
        elif failed:  # a malformed body or a redirect not followed
            counts["Provider5xx"] = 1
        return counts
    if status is None:  # not a provider fault (a bug of ours): counted by the function's own error metrics
        return {}
    counts = {"ProviderErrors": float(is_failure(status)), "ProviderThrottled": float(status == 429)}
    if status >= 500:
        counts["Provider5xx"] = 1
    elif 400 <= status < 500 and status != 429:
        counts["Provider4xx"] = 1
    return counts


def timed_provider_call(send: F) -> F:
    """Decorate ``Transport.send``: time the call and record how it ended under the current labels."""

    @functools.wraps(send)
    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            response = send(*args, **kwargs)
        except Exception as exc:
            counts = outcome_counts(None, exc)
            if counts:
                refused = isinstance(exc, CircuitOpen)  # no provider call: no latency to report
                record(counts, None if refused else (time.perf_counter() - started) * 1000)
            raise
        record(outcome_counts(response.status, None), (time.perf_counter() - started) * 1000)
        return response

    return timed  # type: ignore[return-value]


def flush() -> None:
    """Print the buffered metrics (one EMF line per provider and operation) and empty the buffer."""
    with _LOCK:
        pending = list(_PENDING.values())
        _PENDING.clear()
    for metrics in pending:
        if metrics.metric_set:  # empty after Powertools' own flush at 100 values: nothing to say
            metrics.flush_metrics()


def log_metrics(handler: F) -> F:
    """Decorate a Lambda handler: print the invocation's metrics when it ends, whatever the outcome."""

    @functools.wraps(handler)
    def logged(*args: Any, **kwargs: Any) -> Any:
        try:
            return handler(*args, **kwargs)
        finally:
            flush()

    return logged  # type: ignore[return-value]
