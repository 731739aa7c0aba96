"""Provider metrics (aptura.observability): one EMF line per provider and operation at the end of an
invocation, the outcome classes counted, the labels carried into for_each threads, nothing printed
(and no warning) by an invocation that called no provider, and no connection data in any line."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aptura import observability
from aptura.engine.breaker import CircuitBreaker
from aptura.engine.http import Transport
from aptura.engine.runner import Connection, Runner
from aptura.errors import AptError
from aptura.spec.loader import parse_spec

SPEC = """
id: demo
name: Demo
environments: {live: {base_url: "https://live.example/api"}, test: {base_url: "https://test.example/api"}}
connection: {config: {}, secrets: {}}
headers: {X-Key: secrets.key}
operations:
  availability.list:
    steps:
      - id: days
        set: "date_range(input.start, input.end)"
      - id: per_day
        for_each: steps.days
        as: d
        concurrency: 4
        request: {path: /day, query: {day: d}}
    output: {days: "steps.per_day[].day"}
  services.list:
    steps:
      - id: list
        request: {path: /services}
    output: {services: steps.list}
"""
SECRET = "sk_live_do_not_log_me"


def runner(handler: Callable[[httpx.Request], httpx.Response], breaker: CircuitBreaker | None = None) -> Runner:
    spec = parse_spec(SPEC, "demo.yaml")
    conn = Connection("conn_secret_id", "demo", "test", {}, {"key": SECRET})
    transport = Transport(httpx.Client(transport=httpx.MockTransport(handler)), breaker=breaker)
    return Runner(spec, conn, transport=transport, request_id="req-1")


def emf_lines(out: str) -> list[dict[str, Any]]:
    """The EMF documents among stdout's lines (Powertools' log lines are JSON too)."""
    docs = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [doc for doc in docs if "_aws" in doc]


@pytest.fixture(autouse=True)
def _empty_buffer(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("APTURA_SANDBOX_URL", raising=False)
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED", raising=False)
    monkeypatch.delenv("POWERTOOLS_DEV", raising=False)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Aptura")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "aptura")
    observability.flush()  # whatever an earlier test left
    capsys.readouterr()


def test_one_line_per_provider_and_operation_with_latency_and_fleet_dimensions(
        capsys: pytest.CaptureFixture[str]) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path.endswith("/services"):
            return httpx.Response(200, json=[{"id": "s1"}])
        return httpx.Response(200, json={"day": req.url.params["day"]})

    run = runner(handler)

    @observability.log_metrics
    def lambda_handler(event: dict[str, Any], context: object) -> Any:
        run.run("availability.list", {"start": "2027-01-01", "end": "2027-01-05"})  # 5 calls in 4 threads
        return run.run("services.list", {})

    assert lambda_handler({}, None) == {"services": [{"id": "s1"}]}
    out = capsys.readouterr().out
    docs = {doc["operation"]: doc for doc in emf_lines(out)}
    assert set(docs) == {"availability.list", "services.list"}  # the threads' calls kept their labels
    availability = docs["availability.list"]
    assert availability["provider"] == "demo" and availability["service"] == "aptura"
    [directive] = availability["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Aptura"
    assert sorted(map(sorted, directive["Dimensions"])) == [["operation", "provider", "service"], ["service"]]
    assert len(availability["ProviderLatency"]) == 5 and all(ms >= 0 for ms in availability["ProviderLatency"])
    assert availability["ProviderErrors"] == [0.0] * 5 and availability["ProviderThrottled"] == [0.0] * 5
    assert docs["services.list"]["ProviderErrors"] == [0.0]
    # A spec id and an operation name only: never the connection, the URL or a credential.
    for doc in docs.values():
        text = json.dumps(doc)
        assert SECRET not in text and "conn_secret_id" not in text and "test.example" not in text


@pytest.mark.parametrize(("answer", "counts"), [
    (lambda req: httpx.Response(503), {"ProviderErrors": 1.0, "Provider5xx": 1.0, "ProviderThrottled": 0.0}),
    (lambda req: httpx.Response(429, headers={"Retry-After": "60"}),
     {"ProviderErrors": 0.0, "ProviderThrottled": 1.0}),
    (lambda req: httpx.Response(404), {"ProviderErrors": 0.0, "Provider4xx": 1.0, "ProviderThrottled": 0.0}),
])
def test_errors_are_counted_by_class(answer: Callable[[httpx.Request], httpx.Response], counts: dict[str, float],
                                     capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(AptError):
        observability.log_metrics(lambda: runner(answer).run("services.list", {}))()
    [doc] = emf_lines(capsys.readouterr().out)
    names = {m["Name"] for m in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert names == {"ProviderLatency", *counts}
    assert {name: doc[name] for name in counts} == {name: [value] for name, value in counts.items()}


def test_timeouts_and_unreachable_providers_are_faults_of_their_own_class(
        capsys: pytest.CaptureFixture[str]) -> None:
    def timeout(req: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=req)

    def refused(req: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=req)

    for handler, name in ((timeout, "ProviderTimeouts"), (refused, "ProviderUnreachable")):
        with pytest.raises(AptError):
            observability.log_metrics(lambda h=handler: runner(h).run("services.list", {}))()
        [doc] = emf_lines(capsys.readouterr().out)
        assert doc[name] == [1.0] and doc["ProviderErrors"] == [1.0] and "Provider5xx" not in doc, name


def test_a_call_refused_by_an_open_breaker_counts_breaker_open_and_no_latency(
        capsys: pytest.CaptureFixture[str]) -> None:
    run = runner(lambda req: httpx.Response(500), breaker=CircuitBreaker(threshold=1, cooldown=60))
    for _ in range(2):
        with pytest.raises(AptError):
            run.run("services.list", {})
    observability.flush()
    [doc] = emf_lines(capsys.readouterr().out)
    assert doc["BreakerOpen"] == [1.0]  # the second call, refused without calling the provider
    assert doc["ProviderErrors"] == [1.0] and len(doc["ProviderLatency"]) == 1


def test_an_invocation_without_provider_calls_prints_nothing_and_warns_nothing(
        capsys: pytest.CaptureFixture[str]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Powertools' "No application metrics to publish" would fail here
        assert observability.log_metrics(lambda: "ok")() == "ok"
    assert emf_lines(capsys.readouterr().out) == []


def test_metrics_disabled_prints_nothing_and_keeps_nothing(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    observability.log_metrics(lambda: runner(lambda req: httpx.Response(200, json=[])).run("services.list", {}))()
    monkeypatch.delenv("POWERTOOLS_METRICS_DISABLED")
    observability.flush()
    assert emf_lines(capsys.readouterr().out) == []


def test_labels_nest_and_are_restored() -> None:
    outer = observability.label_calls("demo", "appointments.create")
    inner = observability.label_calls("demo", "availability.list")
    assert observability.current_labels() == observability.Labels("demo", "availability.list")
    observability.unlabel(inner)
    assert observability.current_labels() == observability.Labels("demo", "appointments.create")
    observability.unlabel(outer)
    assert observability.current_labels() == observability.Labels(observability.UNLABELLED, observability.UNLABELLED)
