"""``make dev`` end to end: ``python -m local.devstack`` as a subprocess, then only HTTP and /proc.

Checks what the issue promises: the printed curl commands work as printed (availability 200, booking 201, the
same booking again 409), every connected provider answers availability and books through the gateway, dev.json
has the documented shape, every sandbox is served, Ctrl-C leaves nothing running (DynamoDB Local's JVM, the
gateway's Lambda workers, the ports), and with APTURA_DATA_DIR a restart re-seeds the same key and connection ids
without duplicating anything.

Most tests share one stack (module fixture). pytest-xdist may hand them to both workers (``xdist_group`` is not
honoured with pytest 9 here), so no test may stop the shared stack: the Ctrl-C checks run on stacks of their own.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import time
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.events import DEMO_API_KEY, DEMO_EVENT_ID, DEMO_WEBHOOK_ENDPOINT_ID
from sandboxes.server import REGISTRY
from tests.conformance.conftest import demo_of
from tests.devstack_harness import Stack, port_open, running_stack, start_stack
from tests.support import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("devstack")]

CLIENT = {"firstName": "Sam", "lastName": "Rivera", "email": "sam@example.com", "phone": "+15550001111"}


def connected_providers() -> set[str]:
    """Providers the stack must connect: a finished spec and a sandbox."""
    return {p.stem for p in (ROOT / "specs").glob("*.yaml")} & set(REGISTRY)


def oauth_providers() -> set[str]:
    """Providers whose demo connection the stack makes through the hosted OAuth flow."""
    from aptura.spec.loader import load_spec
    from aptura.spec.models import OAuth2Auth

    out = set()
    for provider in connected_providers():
        auth = load_spec(provider).auth
        module = importlib.import_module(REGISTRY[provider].split(":")[0])
        if isinstance(auth, OAuth2Auth) and auth.authorize is not None and hasattr(module, "OAUTH_APP"):
            out.add(provider)
    return out


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("devstack")) as running:
        yield running


def printed_curls(stdout: str) -> list[str]:
    """The curl commands of the banner, continuation lines joined back into one shell command each."""
    commands, current = [], ""
    for line in stdout.splitlines():
        if current or line.startswith("curl "):
            current += line[:-1] + " " if line.endswith("\\") else line
            if not line.endswith("\\"):
                commands.append(current)
                current = ""
    return commands


def run_curl(command: str) -> tuple[int, Any]:
    """Run a printed command in a shell, exactly as pasted; returns (HTTP status, parsed body)."""
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60, check=True)
    body, _, status_line = done.stdout.rstrip("\n").rpartition("\n")
    assert status_line.startswith("HTTP "), done.stdout
    return int(status_line.split()[1]), json.loads(body)


def week_ahead() -> tuple[date, date]:
    start = date.today() + timedelta(days=7)
    return start, start + timedelta(days=6)


def availability(stack: Stack, provider: str) -> httpx.Response:
    info = stack.facts["providers"][provider]
    start, end = week_ahead()
    params = {"serviceId": info["service_id"], "staffId": info["staff_id"],
              "startDate": start.isoformat(), "endDate": end.isoformat()}
    return httpx.get(f"{stack.facts['api_url']}/v1/availability", params=params, headers=stack.headers(provider),
                     timeout=30)


def test_dev_json_has_the_documented_shape(stack: Stack) -> None:
    facts = stack.facts
    assert set(facts) == {"api_url", "public_url", "api_key", "dashboard_url", "sandbox_url", "providers",
                          "function_env", "parameter_overrides"}
    assert facts["dashboard_url"] == f"{facts['api_url']}/dashboard"
    assert facts["api_url"] == f"http://127.0.0.1:{stack.port}"
    assert facts["api_key"] == DEMO_API_KEY and facts["api_key"].startswith("apt_test_")
    assert facts["sandbox_url"].startswith("http://127.0.0.1:")
    assert connected_providers(), "at least one provider has a spec and a sandbox"
    assert set(facts["providers"]) == connected_providers()
    assert oauth_providers(), "an OAuth provider is connected through the hosted flow"
    for provider, info in facts["providers"].items():
        demo = demo_of(provider)
        if provider in oauth_providers():  # made by the hosted flow: its own id and freshly issued tokens
            assert set(info) == {"connection_id", "service_id", "staff_id", "credentials"}
            assert info["connection_id"].startswith("conn_") and info["service_id"] == demo["service_id"]
            assert info["credentials"]["access_token"] and info["credentials"]["access_token"] != \
                demo["credentials"]["access_token"]
            continue
        assert info == {"connection_id": f"conn_demo_{provider}", "service_id": demo["service_id"],
                        "staff_id": demo["staff_id"], "credentials": demo["credentials"]}
    # The JSON and the banner carry the same facts.
    assert facts["api_url"] in stack.stdout and facts["api_key"] in stack.stdout


def test_every_sandbox_is_served_with_its_own_seed(stack: Stack) -> None:
    for provider in REGISTRY:
        response = httpx.get(f"{stack.facts['sandbox_url']}/{provider}/_sandbox/state", timeout=10)
        assert response.status_code == 200, (provider, response.text[:300])
        assert response.json(), provider


def test_printed_curl_commands_work_as_printed(stack: Stack) -> None:
    commands = printed_curls(stack.stdout)
    assert len(commands) == 3, stack.stdout  # availability, booking, the same booking again
    status, body = run_curl(commands[0])
    assert status == 200, body
    assert body["slots"], "the printed window has free slots"
    status, booked = run_curl(commands[1])
    assert status == 201, booked
    assert booked["status"] == "confirmed"
    assert booked["startTime"] in commands[1]  # the printed slot is the one booked
    status, again = run_curl(commands[2])
    assert status == 409, again
    assert again["error"] == "conflict"


@pytest.mark.parametrize("provider", sorted(connected_providers()))
def test_each_provider_lists_and_books_through_the_gateway(stack: Stack, provider: str) -> None:
    listed = availability(stack, provider)
    assert listed.status_code == 200, listed.text
    assert listed.json()["provider"] == provider
    slots = listed.json()["slots"]
    assert slots, f"{provider}: no free slots a week ahead"
    slot = slots[-1]  # the printed booking took an early slot; the last one is still free
    info = stack.facts["providers"][provider]
    body = {"serviceId": info["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
            "client": CLIENT}
    url = f"{stack.facts['api_url']}/v1/appointments"
    first = httpx.post(url, json=body, headers=stack.headers(provider), timeout=30)
    assert first.status_code == 201, first.text
    assert first.json()["startTime"] == slot["startTime"]
    repeat = httpx.post(url, json=body, headers=stack.headers(provider), timeout=30)
    assert repeat.status_code == 409, repeat.text


def test_unknown_connection_and_bad_key_are_refused(stack: Stack) -> None:
    provider = min(stack.facts["providers"])
    start, end = week_ahead()
    params = {"serviceId": stack.facts["providers"][provider]["service_id"], "startDate": start.isoformat(),
              "endDate": end.isoformat()}
    url = f"{stack.facts['api_url']}/v1/availability"
    unknown = httpx.get(url, params=params, timeout=30,
                        headers={**stack.headers(provider), "X-Connection-Id": "conn_demo_nonexistent"})
    assert unknown.status_code == 404, unknown.text
    assert unknown.json()["error"] == "not_found"
    bad_key = httpx.get(url, params=params, timeout=30,
                        headers={**stack.headers(provider), "Authorization": "Bearer apt_test_not_a_real_key_123"})
    assert bad_key.status_code == 401, bad_key.text


def interrupt_and_check_nothing_is_left(stack: Stack) -> None:
    """Ctrl-C the stack and check that every process it started is gone and every port it opened is closed."""
    # Both functions get a warm worker first, so the check covers the gateway's workers too.
    bad = httpx.post(f"{stack.facts['api_url']}/v1/appointments", json={}, headers=stack.headers(
        min(stack.facts["providers"])), timeout=30)
    assert bad.status_code == 400, bad.text
    tree = stack.tree()
    java = [p for p in tree if "DynamoDBLocal.jar" in p.cmdline]
    workers = [p for p in tree if "lambda_worker.py" in p.cmdline]
    assert len(java) == 1, [p.cmdline for p in tree]
    assert len(workers) >= 2, [p.cmdline for p in tree]  # one per function at least
    dynamodb_port = int(java[0].cmdline.split(" -port ")[1].split()[0])
    sandbox_port = int(stack.facts["sandbox_url"].rsplit(":", 1)[1])
    ports = [stack.port, sandbox_port, dynamodb_port]
    assert all(port_open(p) for p in ports)

    assert stack.interrupt() == 0, stack.stderr[-3000:]

    deadline = time.monotonic() + 5  # reparented leftovers would still be alive after this
    while any(p.alive() for p in tree) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p.cmdline for p in tree if p.alive()], "processes left running"
    assert not [p for p in ports if port_open(p)], "ports still open"
    assert not (stack.state_dir / "dev.json").exists(), "dev.json describes a stack that is gone"
    assert "[devstack] stopped" in stack.stderr


def _dynamodb_items(stack: Stack) -> list[dict[str, Any]]:
    """Every item of every table, read straight from the stack's DynamoDB Local."""
    import boto3

    java = next(p for p in stack.tree() if "DynamoDBLocal.jar" in p.cmdline)
    port = int(java.cmdline.split(" -port ")[1].split()[0])
    client = boto3.client("dynamodb", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                          aws_access_key_id="testing", aws_secret_access_key="testing")
    items = []
    for table in client.list_tables()["TableNames"]:
        items += client.scan(TableName=table)["Items"]
    return items


def test_ctrl_c_leaves_nothing_running_and_a_restart_on_the_data_dir_reseeds_idempotently(tmp_path: Path) -> None:
    # Its own stacks: the shared one must outlive every test of the module, whichever worker runs them.
    data_dir = tmp_path / "data"
    runs = []
    for n in range(2):
        stack = start_stack(tmp_path / f"run{n}", data_dir=data_dir)
        try:
            listed = availability(stack, min(stack.facts["providers"]))
            assert listed.status_code == 200, listed.text  # the re-seeded secrets work in a fresh moto
            runs.append((stack.facts, _dynamodb_items(stack)))
            interrupt_and_check_nothing_is_left(stack)
        finally:
            stack.kill()
    (facts1, items1), (facts2, items2) = runs
    assert any(data_dir.iterdir()), "DynamoDB Local wrote its database to APTURA_DATA_DIR"
    assert facts1["api_key"] == facts2["api_key"]
    oauth = oauth_providers()
    assert {p: v for p, v in facts1["providers"].items() if p not in oauth} == \
        {p: v for p, v in facts2["providers"].items() if p not in oauth}  # same ids and credentials
    # OAuth demo connections are made anew through the hosted flow each run, replacing the old one.
    keys1 = [i for i in items1 if i["pk"]["S"].startswith("APIKEY#")]
    keys2 = [i for i in items2 if i["pk"]["S"].startswith("APIKEY#")]
    assert len(keys1) == len(keys2) == 2  # the demo key and the spare one events/ revokes
    assert {k["key_id"]["S"] for k in keys1} == {k["key_id"]["S"] for k in keys2}, "persisted keys kept, not re-made"
    conns2 = sorted(i["sk"]["S"] for i in items2 if i["sk"]["S"].startswith("CONNECTION#"))
    expected = [f"CONNECTION#conn_demo_{p}" for p in connected_providers() - oauth]
    expected += [f"CONNECTION#{facts2['providers'][p]['connection_id']}" for p in oauth]
    expected += ["CONNECTION#conn_demo_spare"]  # what events/ConnectionsFunction/DeleteConnection.json deletes
    assert conns2 == sorted(expected)
    # Audit entries and events are history: each run's hosted OAuth flow adds its own (connection.created,
    # stored with its sequence counter).
    history = ("AUDIT#", "EVENT#", "SEQ#")
    kept1, kept2 = ([i for i in items if not i["sk"]["S"].startswith(history)] for items in (items1, items2))
    assert len(kept2) == len(kept1), "re-seeding added nothing"


def two_free_slots(stack: Stack, provider: str, day: date) -> list[dict[str, Any]]:
    info = stack.facts["providers"][provider]
    params = {"serviceId": info["service_id"], "staffId": info["staff_id"], "startDate": day.isoformat(),
              "endDate": day.isoformat()}
    found = httpx.get(f"{stack.facts['api_url']}/v1/availability", params=params, headers=stack.headers(provider),
                      timeout=30)
    assert found.status_code == 200, found.text
    chosen: list[dict[str, Any]] = []
    for slot in found.json()["slots"]:
        if not chosen or slot["startTime"] >= chosen[-1]["endTime"]:
            chosen.append(slot)
    assert len(chosen) >= 2, f"{provider}: two separate free slots on {day}"
    return chosen[:2]


@pytest.mark.parametrize("provider", sorted(connected_providers()))
def test_each_provider_books_gets_lists_reschedules_and_cancels_through_make_dev(stack: Stack, provider: str) -> None:
    api, headers = stack.facts["api_url"], stack.headers(provider)
    day = date.today() + timedelta(days=16)
    first, second = two_free_slots(stack, provider, day)
    info = stack.facts["providers"][provider]
    body = {"serviceId": info["service_id"], "staffId": first["staffId"], "startTime": first["startTime"],
            "client": {**CLIENT, "email": f"lifecycle.{provider}@example.com"}}
    made = httpx.post(f"{api}/v1/appointments", json=body, headers=headers, timeout=30)
    assert made.status_code == 201, made.text
    appt_id = made.json()["id"]
    path = f"{api}/v1/appointments/{httpx.URL('/' + appt_id).raw_path.decode()[1:]}"
    got = httpx.get(path, headers=headers, timeout=30)
    assert got.status_code == 200 and got.json()["id"] == appt_id, got.text
    query = {"start_date": day.isoformat(), "end_date": day.isoformat(), "staff_id": first["staffId"],
             "ordering": "-start_time", "limit": 1}
    page = httpx.get(f"{api}/v1/appointments", params=query, headers=headers, timeout=30)
    assert page.status_code == 200, page.text
    seen = [a["id"] for a in page.json()["data"]]
    while page.json()["next_cursor"]:
        page = httpx.get(f"{api}/v1/appointments", params={**query, "cursor": page.json()["next_cursor"]},
                         headers=headers, timeout=30)
        seen += [a["id"] for a in page.json()["data"]]
    assert appt_id in seen and len(seen) == len(set(seen))
    moved = httpx.patch(path, json={"startTime": second["startTime"]}, headers=headers, timeout=30)
    assert moved.status_code == 200 and moved.json()["startTime"] == second["startTime"], moved.text
    cancelled = httpx.post(f"{path}/cancel", headers=headers, timeout=30)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled", cancelled.text


def test_every_documented_route_answers_a_request_built_from_the_document(stack: Stack) -> None:
    """Walk GET /v1/openapi.json: each operation's parameters come from the document (names, places,
    which are required); values come from the demo facts and from earlier answers (ids)."""
    api, provider = stack.facts["api_url"], "supersaas"
    document = httpx.get(f"{api}/v1/openapi.json", timeout=30).json()
    info = stack.facts["providers"][provider]
    day = date.today() + timedelta(days=18)
    first, second = two_free_slots(stack, provider, day)
    values: dict[str, Any] = {
        "x-connection-id": info["connection_id"], "serviceId": info["service_id"], "staffId": first["staffId"],
        "startDate": day.isoformat(), "endDate": day.isoformat(), "provider_id": provider,
        "provider": next(iter(sorted(oauth_providers()))),  # the hosted OAuth flow needs an OAuth provider
        "connection_id": info["connection_id"],
        "event_id": DEMO_EVENT_ID,  # the stored event make dev seeds (the feed's own are made by the walk's writes)
    }
    demo_connection = httpx.get(f"{api}/v1/connections/{info['connection_id']}", timeout=30,
                                headers={"Authorization": f"Bearer {stack.facts['api_key']}"}).json()
    bodies: dict[str, Any] = {
        "AppointmentCreate": {"serviceId": info["service_id"], "staffId": first["staffId"],
                              "startTime": first["startTime"], "client": {**CLIENT, "email": "doc.walk@example.com"}},
        "AppointmentUpdate": {"startTime": second["startTime"]},
        "ClientIn": {"firstName": "Doc", "lastName": "Walker", "email": "doc.walker@example.com"},
        "ConnectionCreate": {"provider": provider, "config": demo_connection["config"],
                             "credentials": info["credentials"]},
        "ConnectionUpdate": {"credentials": info["credentials"]},
        "ApiKeyCreate": {"scopes": ["availability:read"]},
        "ConnectSessionCreate": {"end_user": {"id": "biz_doc_walk"}, "providers": [provider],
                                 "redirect_url": "http://127.0.0.1/connected"},
        # the demo connections' credentials work: the walk's own writes send nothing to this unreachable port
        "WebhookEndpointCreate": {"url": "http://127.0.0.1:9/hooks", "event_types": ["connection.error"]},
        "WebhookEndpointUpdate": {"description": "doc walk"},
        "EventRedeliver": {"endpoint_id": DEMO_WEBHOOK_ENDPOINT_ID},
    }
    # Creations first, so later paths have ids; deletions and cancellation last.
    def rank(path: str, method: str) -> tuple[int, int]:
        step = 3 if path.endswith("/cancel") else ["post", "get", "patch", "delete"].index(method)
        return (step + (step == 3), path.count("{"))

    operations = sorted(((path, method, op) for path, ops in document["paths"].items() for method, op in ops.items()),
                        key=lambda x: rank(x[0], x[1]))
    answered: set[tuple[str, str]] = set()
    for path, method, op in operations:
        if path.endswith("/callback"):  # needs the provider's one-time code: make dev itself ran this flow
            continue
        params = {p["name"]: p for p in op.get("parameters", [])}
        url = api + path
        query: dict[str, Any] = {}
        headers = {"Authorization": f"Bearer {stack.facts['api_key']}"}
        for name, param in params.items():
            if not param.get("required") and name not in values:
                continue
            assert name in values, f"{method.upper()} {path}: no value for required {param['in']} parameter {name}"
            if param["in"] == "path":
                url = url.replace("{" + name + "}", httpx.URL("/" + str(values[name])).raw_path.decode()[1:])
            elif param["in"] == "query":
                query[name] = values[name]
            elif param["in"] == "header":
                headers[name] = values[name]
        body = None
        if "requestBody" in op:
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            # An optional body is anyOf [its model, null]: the model is the one to send.
            ref = next(s["$ref"] for s in schema.get("anyOf", [schema]) if "$ref" in s).rsplit("/", 1)[1]
            body = bodies[ref]
        answer = httpx.request(method.upper(), url, params=query, json=body, headers=headers, timeout=30,
                               follow_redirects=False)
        assert str(answer.status_code) in op["responses"], (method, path, answer.status_code, answer.text[:300])
        assert 200 <= answer.status_code < 400, (method, path, answer.status_code, answer.text[:500])
        answered.add((method, path))
        payload = answer.json() if answer.content and "json" in answer.headers.get("content-type", "") else {}
        if isinstance(payload, dict) and payload.get("id"):  # ids for the paths that follow
            if path == "/v1/appointments":
                values["appointment_id"] = payload["id"]
            elif path == "/v1/connections":
                values["connection_id"] = payload["id"]
            elif path == "/v1/api-keys":
                values["key_id"] = payload["id"]
            elif path == "/v1/connect-sessions":
                values["session_id"] = payload["id"]
            elif path == "/v1/webhook-endpoints":
                values["endpoint_id"] = payload["id"]
    documented = {(m, p) for p, ops in document["paths"].items() for m in ops}
    assert documented - answered == {("get", "/v1/oauth/{provider}/callback")}


def test_make_dev_delivers_a_booking_as_a_signed_event_retried_with_the_same_webhook_id(stack: Stack) -> None:
    """The dev stack's poller feeds moto's SQS to DeliveryFunction: a receiver that fails once still gets the
    booking's appointment.created, on the compressed retry schedule, under one webhook-id."""
    from standardwebhooks import Webhook

    from tests.webhook_receiver import receiver

    provider = "supersaas"
    api, headers, info = stack.facts["api_url"], stack.headers(provider), stack.facts["providers"][provider]
    key = {"Authorization": f"Bearer {stack.facts['api_key']}"}
    with receiver([500]) as hook:
        made = httpx.post(f"{api}/v1/webhook-endpoints", headers=key, timeout=30, json={
            "url": hook.url, "event_types": ["appointment.created"], "connection_ids": [info["connection_id"]]})
        assert made.status_code == 201, made.text
        endpoint = made.json()
        slot = two_free_slots(stack, provider, date.today() + timedelta(days=23))[0]
        booked = httpx.post(f"{api}/v1/appointments", headers=headers, timeout=30, json={
            "serviceId": info["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
            "client": {**CLIENT, "email": "webhook.e2e@example.com"}})
        assert booked.status_code == 201, booked.text

        def mine() -> list[Any]:
            return [d for d in list(hook.received) if d.event["data"]["object"]["id"] == booked.json()["id"]]

        deadline = time.monotonic() + 30
        while len(mine()) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1.5)  # nothing more may follow the success
        got = mine()
        deliveries = httpx.get(f"{api}/v1/webhook-endpoints/{endpoint['id']}/deliveries", headers=key,
                               timeout=30).json()["data"]
        httpx.delete(f"{api}/v1/webhook-endpoints/{endpoint['id']}", headers=key, timeout=30)
    assert len(got) == 2, [d.event["type"] for d in hook.received]
    events = [Webhook(endpoint["secret"]).verify(d.body, d.headers) for d in got]
    assert events[0] == events[1] and events[0]["type"] == "appointment.created"
    assert {d.headers["webhook-id"] for d in got} == {events[0]["id"]}
    assert [(d["attempt"], d["outcome"]) for d in deliveries if d["event_id"] == events[0]["id"]] == [
        (2, "succeeded"), (1, "failed")]


def test_make_dev_reports_a_cancellation_made_directly_in_the_provider_within_a_poll_interval(
        stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dev stack runs PollerFunction every few seconds: a booking made through Aptura arrives once (from the
    API), and its cancellation made in the sandbox's own API (not through Aptura) as appointment.cancelled."""
    from standardwebhooks import Webhook

    from aptura.engine.runner import Connection, Runner
    from aptura.spec.loader import load_spec
    from tests.webhook_receiver import receiver

    provider = "supersaas"
    api, headers, info = stack.facts["api_url"], stack.headers(provider), stack.facts["providers"][provider]
    key = {"Authorization": f"Bearer {stack.facts['api_key']}"}
    demo = demo_of(provider)
    with receiver() as hook:
        made = httpx.post(f"{api}/v1/webhook-endpoints", headers=key, timeout=30, json={
            "url": hook.url, "event_types": ["appointment.created", "appointment.cancelled"],
            "connection_ids": [info["connection_id"]]})
        assert made.status_code == 201, made.text
        endpoint = made.json()
        time.sleep(12)  # a poll or two: the connection's baseline, now that someone listens
        slot = two_free_slots(stack, provider, date.today() + timedelta(days=9))[0]
        booked = httpx.post(f"{api}/v1/appointments", headers=headers, timeout=30, json={
            "serviceId": info["service_id"], "staffId": slot["staffId"], "startTime": slot["startTime"],
            "client": {**CLIENT, "email": "front.desk.e2e@example.com"}})
        assert booked.status_code == 201, booked.text
        appointment_id = booked.json()["id"]
        monkeypatch.setenv("APTURA_SANDBOX_URL", stack.facts["sandbox_url"])
        front_desk = Runner(load_spec(provider), Connection("conn_front_desk", provider, "test", demo["config"],
                                                            demo["credentials"]))
        front_desk.run("appointments.cancel", {"id": appointment_id})
        cancelled_at = time.monotonic()

        def mine() -> list[dict[str, Any]]:
            return [dict(Webhook(endpoint["secret"]).verify(d.body, d.headers)) for d in list(hook.received)
                    if d.event["data"]["object"]["id"] == appointment_id]

        while len(mine()) < 2 and time.monotonic() < cancelled_at + 30:
            time.sleep(0.2)
        took = time.monotonic() - cancelled_at
        time.sleep(6)  # another poll: nothing more may follow
        got = mine()
        httpx.delete(f"{api}/v1/webhook-endpoints/{endpoint['id']}", headers=key, timeout=30)
    assert [e["type"] for e in got] == ["appointment.created", "appointment.cancelled"], got
    assert got[1]["data"]["previous"].get("status") == got[0]["data"]["object"]["status"]
    assert took < 5 + 10  # one poll interval, plus the list and the delivery
