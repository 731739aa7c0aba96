"""The generated client libraries (sdks/) against a running ``make dev``: list services, availability, book."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import httpx
import pytest
from aptura_client import AuthenticatedClient
from aptura_client.api.appointments import create_appointment
from aptura_client.api.availability import list_availability
from aptura_client.api.catalog import list_services
from aptura_client.api.health import get_health
from aptura_client.models import (
    Appointment,
    AppointmentCreate,
    AvailabilityResponse,
    ClientIn,
    ErrorBody,
    Health,
    ServiceList,
)

from tests.devstack_harness import Stack, running_stack
from tests.support import ROOT

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("devstack")]

PROVIDER = "supersaas"  # any connected demo provider; the README's examples use it too


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with running_stack(tmp_path_factory.mktemp("sdk-devstack")) as running:
        yield running


def test_python_sdk_lists_services_availability_and_books(stack: Stack) -> None:
    info = stack.facts["providers"][PROVIDER]
    client = AuthenticatedClient(base_url=stack.facts["api_url"], token=stack.facts["api_key"])
    with client:
        health = get_health.sync(client=client)
        assert isinstance(health, Health) and health.status == "ok"

        services = list_services.sync(client=client, x_connection_id=info["connection_id"])
        assert isinstance(services, ServiceList), services
        assert info["service_id"] in [service.id for service in services.data]

        start = date.today() + timedelta(days=7)
        slots = list_availability.sync(client=client, x_connection_id=info["connection_id"],
                                       service_id=info["service_id"], start_date=start,
                                       end_date=start + timedelta(days=6))
        assert isinstance(slots, AvailabilityResponse), slots
        assert slots.slots, "no free slot in the week after next"
        slot = slots.slots[-1]  # other tests on this stack book early slots

        staff_id = slot.staff_id if isinstance(slot.staff_id, str) else info["staff_id"]
        # The request model takes a datetime (the document's format: date-time); slots answer UTC text with Z.
        start_time = datetime.fromisoformat(slot.start_time.replace("Z", "+00:00"))
        body = AppointmentCreate(service_id=info["service_id"], staff_id=staff_id, start_time=start_time,
                                 client=ClientIn(first_name="Sam", last_name="Rivera", email="sam.sdk@example.com"))
        booked = create_appointment.sync(client=client, x_connection_id=info["connection_id"], body=body)
        assert isinstance(booked, Appointment), booked
        assert booked.start_time == slot.start_time and booked.service.id == info["service_id"]

        again = create_appointment.sync_detailed(client=client, x_connection_id=info["connection_id"], body=body)
        assert again.status_code == 409 and isinstance(again.parsed, ErrorBody)


TS_SDK = ROOT / "sdks" / "typescript"


def test_typescript_sdk_lists_services_availability_and_books(stack: Stack) -> None:
    """examples/three-calls.ts, type-checked by tsc against the generated types, then run by node."""
    tsc = TS_SDK / "node_modules" / ".bin" / "tsc"
    checked = subprocess.run([str(tsc), "-p", str(TS_SDK), "--noEmit"], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    info = stack.facts["providers"][PROVIDER]
    env = {**os.environ, "APTURA_URL": stack.facts["api_url"], "APTURA_KEY": stack.facts["api_key"],
           "APTURA_CONNECTION": info["connection_id"]}
    ran = subprocess.run(["node", str(TS_SDK / "examples" / "three-calls.js")], capture_output=True, text=True,
                         env=env, timeout=120)
    assert ran.returncode == 0, ran.stderr
    got = json.loads(ran.stdout.strip().splitlines()[-1])
    assert got["services"] >= 1 and got["slots"] >= 1 and got["appointment"] and got["startTime"].endswith("Z")
    # The booking is real: the API returns it by the id the TypeScript client got.
    fetched = httpx.get(f"{stack.facts['api_url']}/v1/appointments/{got['appointment']}",
                        headers=stack.headers(PROVIDER), timeout=30)
    assert fetched.status_code == 200 and fetched.json()["startTime"] == got["startTime"], fetched.text


def test_readme_python_client_example_runs(stack: Stack, capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """README's "Client libraries" Python block as it stands: this stack runs on another port than 3000, which the
    block must take from APTURA_PORT (tests/unit/test_readme_client_libraries.py checks the rest of the section)."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Client libraries", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert stack.port != 3000 and stack.facts["api_url"] == f"http://127.0.0.1:{stack.port}"
    assert stack.facts["api_key"] in code and stack.facts["providers"][PROVIDER]["connection_id"] in code
    monkeypatch.setenv("APTURA_PORT", str(stack.port))
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - the README's own example, on purpose
    printed = capsys.readouterr().out.split()
    assert len(printed) == 2 and printed[1].endswith("Z"), printed
