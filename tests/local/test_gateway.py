"""Local API Gateway emulator: routing, event shapes, workers, errors, and the committed sample events."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from local.events import DEMO_API_KEY, DEMO_CONNECTION_ID, render, sample_events
from local.events import main as events_main
from local.gateway import Gateway, load_env_vars
from local.template import load_stack

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
TEMPLATE = FIXTURES / "template.yaml"
OVERRIDES = {"Greeting": "hi", "AWS::Region": "eu-west-1"}


def _new_gateway() -> Gateway:
    return Gateway(TEMPLATE, load_env_vars(FIXTURES / "env.json"), OVERRIDES, port=0)


@pytest.fixture(scope="module")
def gw() -> Iterator[Gateway]:
    gateway = _new_gateway()
    gateway.start()
    yield gateway
    gateway.stop()


@pytest.fixture(scope="module")
def client(gw: Gateway) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gw.url, timeout=15) as c:
        yield c


def echo(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


def _children() -> set[int]:
    """PIDs of this process's children, straight from /proc (no psutil needed)."""
    me, found = os.getpid(), set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                found.add(int(entry.name))
    return found


def test_v1_event_shape_and_response_mapping(client: httpx.Client) -> None:
    resp = client.get(
        "/items/a%20b%2Fc?x=1&x=2&y=hello%20world",
        headers=[("X-Dup", "1"), ("X-Dup", "2"), ("User-Agent", "toy-agent")],
    )
    info = echo(resp)
    event = info["event"]
    assert event["resource"] == "/items/{itemId}"
    assert event["path"] == "/items/a%20b%2Fc"  # REST keeps the path encoded...
    assert event["pathParameters"] == {"itemId": "a b/c"}  # ...and decodes the parameters
    assert event["httpMethod"] == "GET"
    assert event["queryStringParameters"] == {"x": "2", "y": "hello world"}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": ["hello world"]}
    assert event["headers"]["X-Dup"] == "2"
    assert event["multiValueHeaders"]["X-Dup"] == ["1", "2"]
    assert event["stageVariables"] is None
    assert event["body"] is None and event["isBase64Encoded"] is False
    ctx = event["requestContext"]
    assert ctx["stage"] == "Test"
    assert ctx["resourcePath"] == "/items/{itemId}"
    assert ctx["httpMethod"] == "GET"
    assert ctx["path"] == "/Test/items/a%20b%2Fc"
    assert ctx["identity"]["sourceIp"] == "127.0.0.1"
    assert ctx["identity"]["userAgent"] == "toy-agent"
    assert ctx["apiId"] == "ToyApi"
    assert ctx["requestId"] == resp.headers["x-amzn-requestid"] == info["context"]["aws_request_id"]
    assert isinstance(ctx["requestTimeEpoch"], int)
    # multiValueHeaders win over headers for the same name; other headers pass through.
    assert resp.headers.get_list("x-multi") == ["a", "b"]
    assert resp.headers["x-single"] == "one"


def test_v2_event_shape_cookies_and_shortcut(client: httpx.Client) -> None:
    resp = client.get(
        "/things/t%201?a=1&a=2&b=",
        headers=[("Cookie", "c1=v1; c2=v2"), ("X-Dup", "1"), ("X-Dup", "2"), ("User-Agent", "toy-agent")],
    )
    event = echo(resp)["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /things/{thingId}"
    assert event["rawPath"] == "/things/t 1"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["cookies"] == ["c1=v1", "c2=v2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-dup"] == "1,2"
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["pathParameters"] == {"thingId": "t 1"}
    assert event["isBase64Encoded"] is False and "body" not in event
    ctx = event["requestContext"]
    assert ctx["http"] == {
        "method": "GET",
        "path": "/things/t 1",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "toy-agent",
    }
    assert ctx["stage"] == "$default"
    assert ctx["routeKey"] == "GET /things/{thingId}"
    assert ctx["requestId"] == resp.headers["x-amzn-requestid"]
    assert resp.headers.get_list("set-cookie") == ["a=1", "b=2"]

    plain = client.get("/things/t1?shape=plain")  # handler returned a dict without statusCode
    assert plain.status_code == 200
    assert plain.headers["content-type"] == "application/json"
    assert plain.json()["event"]["pathParameters"] == {"thingId": "t1"}


def test_bodies_text_chunked_and_binary(client: httpx.Client) -> None:
    event = echo(client.post("/items", json={"name": "ü"}))["event"]
    assert json.loads(event["body"]) == {"name": "ü"} and event["isBase64Encoded"] is False

    event = echo(client.post("/items", content=iter([b"ab", b"cd"])))["event"]  # Transfer-Encoding: chunked
    assert event["body"] == "abcd"

    raw = b"\xff\xfe\x00binary\x80"
    for content_type in ("text/plain", "application/octet-stream"):  # not UTF-8: base64 whatever the type
        event = echo(client.post("/items", content=raw, headers={"Content-Type": content_type}))["event"]
        assert event["isBase64Encoded"] is True
        assert base64.b64decode(event["body"]) == raw

    event = echo(client.post("/items", content=b"PNG-ish", headers={"Content-Type": "image/png"}))["event"]
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"PNG-ish"


def test_proxy_any_and_binary_response(client: httpx.Client) -> None:
    event = echo(client.delete("/files/a/b%20c/d"))["event"]
    assert event["resource"] == "/files/{proxy+}"
    assert event["pathParameters"] == {"proxy": "a/b c/d"}
    assert event["httpMethod"] == "DELETE"

    resp = client.get("/files/binary-out")
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/octet-stream"
    assert resp.content == bytes(range(256))


def test_most_specific_route_wins(client: httpx.Client) -> None:
    assert client.get("/items/special").json()["function"] == "other"
    assert echo(client.get("/items/ordinary"))["event"]["pathParameters"] == {"itemId": "ordinary"}


def test_unknown_path_is_404(client: httpx.Client) -> None:
    for method in ("GET", "POST", "TRACE"):
        resp = client.request(method, "/nope")
        assert resp.status_code == 404
        request_id = resp.headers["x-request-id"]
        assert request_id == resp.headers["x-amzn-requestid"]
        assert resp.json() == {"error": "not_found", "message": "no such route; see GET /v1/openapi.json",
                               "details": {"request_id": request_id}}


def test_wrong_or_unsupported_method_is_405_with_allow(client: httpx.Client) -> None:
    resp = client.put("/items")
    assert resp.status_code == 405
    assert resp.json() == {"error": "method_not_allowed", "message": "PUT is not allowed on /items; allowed: POST",
                           "details": {"request_id": resp.headers["x-request-id"]}}
    assert resp.headers["allow"] == "POST"
    for method in ("DELETE", "TRACE", "QUERY"):
        resp = client.request(method, "/items/1")
        assert resp.status_code == 405, method
        assert resp.headers["allow"] == "GET"
    # ANY covers API Gateway's methods, not TRACE.
    resp = client.request("TRACE", "/files/x")
    assert resp.status_code == 405
    assert resp.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"


def test_early_responses_drain_the_request_body(gw: Gateway) -> None:
    # Requests pipelined on one connection: if a 404/405 left its body unread, the next request would be garbage.
    body = b"x" * 100_000
    pipelined = (
        b"POST /nope HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s"
        b"TRACE /items/1 HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s"
        b"GET /items/after HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    ) % (len(body), body, len(body), body)
    with socket.create_connection((gw.host, gw.port), timeout=15) as sock:
        sock.sendall(pipelined)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    statuses = re.findall(rb"HTTP/1.1 (\d{3}) ", received)
    assert statuses == [b"404", b"405", b"200"]
    assert b'"itemId": "after"' in received


def test_warm_state_is_kept_per_function(client: httpx.Client) -> None:
    first = echo(client.get("/items/w"))
    second = echo(client.get("/items/w"))
    assert second["count"] == first["count"] + 1 and second["pid"] == first["pid"]
    others = [client.get("/other").json() for _ in range(2)]
    assert others[1]["count"] == others[0]["count"] + 1
    # Both modules are "app", yet each worker imported its own.
    assert others[0]["module"].endswith("functions/other/app.py")
    assert echo(client.get("/items/w"))["count"] == second["count"] + 1


def test_environment_merging_and_context(client: httpx.Client) -> None:
    info = echo(client.get("/items/env"))
    env = info["env"]
    assert env["FROM_GLOBALS"] == "globals"
    assert env["FROM_FUNCTION"] == "function"
    assert env["FROM_PARAMS"] == "params"  # env.json "Parameters" apply to every function
    assert env["OVERRIDDEN"] == "by-env-file"  # Globals < function < Parameters < the function's own entry
    assert env["GREETING"] == "hi"  # parameter override
    assert env["TABLE"] == "ToyTable"
    assert env["TABLE_ARN"] == "arn:aws:dynamodb:eu-west-1:123456789012:table/ToyTable"
    assert env["PREFIX"] == "toy/local/Test/eu-west-1"
    assert env["JOINED"] == "a-Test-z"
    assert env["FLAVOUR"] == "mild"
    assert env["ESCAPED"] == "${Literal}-123456789012"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "EchoFunction"
    assert env["AWS_SAM_LOCAL"] == "true"
    assert env["AWS_REGION"] == "eu-west-1"
    ctx = info["context"]
    assert ctx["function_name"] == "EchoFunction"
    assert ctx["memory_limit_in_mb"] == 512  # the function's MemorySize beats Globals
    assert ctx["invoked_function_arn"] == "arn:aws:lambda:eu-west-1:123456789012:function:EchoFunction"
    assert ctx["log_group_name"] == "/aws/lambda/EchoFunction"
    assert 3000 < ctx["remaining_ms"] <= 5000  # Timeout: 5 from Globals
    # OtherFunction has no entry of its own in env.json: "Parameters" override Globals.
    assert client.get("/other").json()["overridden"] == "by-params"


def test_layers_on_pythonpath_and_cwd(client: httpx.Client) -> None:
    info = echo(client.get("/items/layers"))
    code_dir = str(FIXTURES / "functions" / "echo")
    assert info["layers"] == ["tools", "data"]
    assert info["cwd"] == code_dir
    assert info["env"]["PYTHONPATH"].split(os.pathsep) == [
        code_dir,
        str(FIXTURES / "layers" / "tools"),
        str(FIXTURES / "layers" / "data" / "python"),
    ]
    assert info["data_root_importable"] is False
    assert str(REPO / "local") not in info["sys_path"]  # the worker script's directory is not importable


def test_built_template_layout(tmp_path: Path) -> None:
    """In .aws-sam/build, CodeUri/ContentUri name build directories and layer packages sit in python/."""
    build = tmp_path / ".aws-sam" / "build"
    (build / "EchoFunction").mkdir(parents=True)
    (build / "ToolsLayer" / "python").mkdir(parents=True)
    text = TEMPLATE.read_text().replace("functions/echo/", "EchoFunction").replace("layers/tools/", "ToolsLayer")
    (build / "template.yaml").write_text(text)
    echo_fn = load_stack(build / "template.yaml").functions["EchoFunction"]
    assert echo_fn.python_path[:3] == [build / "EchoFunction", build / "ToolsLayer" / "python", build / "ToolsLayer"]


def test_crash_is_502_and_the_worker_restarts(client: httpx.Client) -> None:
    before = client.get("/crash").json()
    resp = client.get("/crash", params={"mode": "crash"})
    assert resp.status_code == 502
    assert resp.json() == {"error": "internal_error", "message": "Internal server error",
                           "details": {"request_id": resp.headers["x-request-id"]}}
    after = client.get("/crash").json()
    assert after["pid"] != before["pid"] and after["count"] == 1  # a fresh (cold) environment

    assert client.get("/crash", params={"mode": "raise"}).status_code == 502
    assert client.get("/crash", params={"mode": "malformed"}).status_code == 502
    warm = client.get("/crash").json()  # a handler error does not cost the warm environment
    assert warm["pid"] == after["pid"] and warm["count"] == 4


def test_timeout_is_504(client: httpx.Client) -> None:
    started = time.monotonic()
    resp = client.get("/sleepy")
    elapsed = time.monotonic() - started
    assert resp.status_code == 504
    assert resp.json() == {"error": "provider_timeout", "message": "Endpoint request timed out",
                           "details": {"request_id": resp.headers["x-request-id"]}}
    assert elapsed < 2.5  # Timeout is 1 s; the handler would sleep 3 s


def test_twenty_concurrent_requests(gw: Gateway) -> None:
    def call(i: int) -> dict[str, Any]:
        with httpx.Client(base_url=gw.url, timeout=15) as c:
            return echo(c.get(f"/items/n{i}", params={"sleep": "0.3"}))

    started = time.monotonic()
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(call, range(20)))
    elapsed = time.monotonic() - started
    assert [r["event"]["pathParameters"]["itemId"] for r in results] == [f"n{i}" for i in range(20)]
    pids = {r["pid"] for r in results}
    assert 2 <= len(pids) <= 4  # the pool grew, but never past max_workers
    assert elapsed < 20 * 0.3 * 0.75  # in parallel, not one after another (sequential: 6 s)


def test_stop_leaves_no_child_processes() -> None:
    before = _children()
    gateway = _new_gateway()
    url = gateway.start()
    with httpx.Client(base_url=url, timeout=15) as c:
        pids = {c.get("/crash").json()["pid"], echo(c.get("/items/x"))["pid"]}
    assert pids <= _children()
    gateway.stop()
    assert _children() <= before
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/items/x", timeout=2)


def test_cli_serves_and_stops_cleanly() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "local.gateway", "--template", str(TEMPLATE), "--port", "0",
         "--env-vars", str(FIXTURES / "env.json"), "--parameter-overrides", "Greeting=cli"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        lines: list[str] = []
        assert proc.stdout is not None
        while not lines or "listening on" not in lines[-1]:
            lines.append(proc.stdout.readline())
            assert lines[-1], "gateway exited early"
        url = re.search(r"http://\S+", lines[-1]).group(0)  # type: ignore[union-attr]
        assert any("/items/{itemId} -> EchoFunction" in line for line in lines)
        info = echo(httpx.get(url + "/items/cli", timeout=15))
        assert info["env"]["GREETING"] == "cli" and info["env"]["OVERRIDDEN"] == "by-env-file"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert not Path(f"/proc/{info['pid']}").exists()  # its worker went with it
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_committed_events_match_the_generator(tmp_path: Path) -> None:
    """events/ must be regenerated (make events) whenever template.yaml's routes change; they are dated by the day
    they were generated (their request time), so that day regenerates them identically."""
    committed = {str(p.relative_to(REPO / "events")): p.read_text() for p in (REPO / "events").rglob("*.json")}
    epoch_ms = json.loads(committed["AvailabilityFunction/ListAvailability.json"])["requestContext"]["requestTimeEpoch"]
    made_on = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).date()
    expected = {rel: render(event) for rel, event in sample_events(REPO / "template.yaml", today=made_on).items()}
    assert committed == expected
    events_main(["--template", str(REPO / "template.yaml"), "--out", str(tmp_path), "--today", made_on.isoformat()])
    assert {str(p.relative_to(tmp_path)): p.read_text() for p in tmp_path.rglob("*.json")} == expected


def test_sample_events_are_realistic() -> None:
    events = sample_events(REPO / "template.yaml")
    availability = events["AvailabilityFunction/ListAvailability.json"]
    assert availability["httpMethod"] == "GET" and availability["path"] == "/v1/availability"
    assert availability["headers"]["Authorization"] == f"Bearer {DEMO_API_KEY}"
    assert DEMO_API_KEY.startswith("apt_test_demo")
    assert availability["headers"]["X-Connection-Id"] == DEMO_CONNECTION_ID
    assert set(availability["queryStringParameters"]) == {"serviceId", "startDate", "endDate", "staffId"}
    assert availability["requestContext"]["stage"] == "Prod"
    booking = events["AppointmentsFunction/CreateAppointment.json"]
    body = json.loads(booking["body"])
    assert set(body) == {"serviceId", "staffId", "startTime", "client", "notes"}
    assert set(body["client"]) == {"firstName", "lastName", "email", "phone"}
    assert booking["headers"]["Content-Type"] == "application/json"


def test_the_gateways_own_refusals_are_in_apturas_error_format(gw: Gateway) -> None:
    where = urlsplit(gw.url)
    cases = [("/nope", {}, 404), ("/" + "a" * 100_000, {}, 414), ("/nope", {f"X-H{i}": "v" for i in range(120)}, 431)]
    for path, headers, status in cases:
        conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=15)
        try:
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = json.loads(resp.read())
        finally:
            conn.close()
        assert resp.status == status, body
        assert (resp.getheader("Content-Type") or "").startswith("application/json")
        assert set(body) == {"error", "message", "details"} and body["error"] in ("not_found", "validation_error")
        assert body["details"]["request_id"] == resp.getheader("X-Request-Id")


def test_access_log_lines_redact_oauth_and_key_query_values(gw: Gateway, capsys: pytest.CaptureFixture[str]) -> None:
    with httpx.Client(base_url=gw.url, timeout=15) as c:
        c.get("/nope", params={"code": "c0de-secret", "state": "st4te-secret", "api_key": "k3y-secret", "x": "1"})
    logged = capsys.readouterr().err
    assert "/nope?" in logged and "x=1" in logged
    assert not [s for s in ("c0de-secret", "st4te-secret", "k3y-secret") if s in logged]


def test_a_too_large_body_is_413_in_apturas_format(gw: Gateway) -> None:
    where = urlsplit(gw.url)
    conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=15)
    try:
        # Only the headers are sent: the gateway refuses on Content-Length without reading 10 MB.
        conn.putrequest("POST", "/items")
        conn.putheader("Content-Length", str(10 * 1024 * 1024 + 1))
        conn.putheader("Content-Type", "application/json")
        conn.endheaders()
        resp = conn.getresponse()
        body = json.loads(resp.read())
    finally:
        conn.close()
    assert resp.status == 413
    assert body == {"error": "validation_error", "message": "the request body is too large (at most 10 MB)",
                    "details": {"request_id": resp.getheader("X-Request-Id")}}
    assert re.fullmatch(r"[0-9a-f-]{36}", resp.getheader("X-Request-Id") or "")
