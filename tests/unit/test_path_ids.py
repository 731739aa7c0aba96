"""Client ids placed in provider paths can never change the path's shape (issue 18, item 1)."""
from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aptura.engine.auth import TOKENS
from aptura.errors import AptError
from tests.unit.test_runner import make

# One spec per step kind that builds a provider URL; each puts ``input.id`` in a path segment.
STEP_KINDS = {
    "request": """
operations:
  appointments.get:
    steps: [{id: a, request: {path: "/appointments/{input.id}/detail"}}]
    output: steps.a
""",
    "for_each": """
operations:
  appointments.get:
    steps:
      - {id: ids, set: "[input.id]"}
      - {id: a, for_each: steps.ids, as: i, request: {path: "/appointments/{i}/detail"}}
    output: steps.a[0]
""",
    "paginate": """
operations:
  appointments.get:
    steps:
      - id: a
        request: {path: "/appointments/{input.id}/detail"}
        paginate: {type: cursor, items: body.items, cursor: body.next, param: cursor}
    output: steps.a
""",
    "graphql": """
operations:
  appointments.get:
    steps: [{id: a, graphql: {path: "/appointments/{input.id}/detail", query: "{ a }"}}]
    output: steps.a
""",
    "compensate": """
operations:
  appointments.cancel:
    steps:
      - id: a
        request: {method: POST, path: /carts}
        compensate: {method: DELETE, path: "/appointments/{input.id}/detail"}
      - {id: b, request: {method: POST, path: /checkout}}
    output: steps.b
""",
}


@pytest.fixture(autouse=True)
def _no_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """The segments asserted are the spec's own: the suite's sandbox URL would prefix them."""
    monkeypatch.delenv("APTURA_SANDBOX_URL", raising=False)


def _run(kind: str, appointment_id: str) -> list[httpx.Request]:
    """Run the step kind's operation with ``appointment_id``; the requests the provider saw."""
    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        if req.url.path.endswith("/checkout"):
            return httpx.Response(409, json={})  # so the compensating request is sent
        return httpx.Response(200, json={"items": [], "next": None})

    TOKENS.clear()
    operation = "appointments.cancel" if kind == "compensate" else "appointments.get"
    try:
        make(STEP_KINDS[kind], handler).run(operation, {"id": appointment_id})
    except AptError as exc:
        if exc.code == "validation_error":
            raise
    return [req for req in seen if "/detail" in req.url.raw_path.decode()]


def _segments(req: httpx.Request) -> list[str]:
    return req.url.raw_path.decode().split("?")[0].split("/")


@pytest.mark.parametrize("kind", sorted(STEP_KINDS))
@pytest.mark.parametrize("bad", [".", "..", ""])
def test_dot_segments_are_refused_before_the_provider_is_called(kind: str, bad: str) -> None:
    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(409 if req.url.path.endswith("/checkout") else 200, json={})

    operation = "appointments.cancel" if kind == "compensate" else "appointments.get"
    with pytest.raises(AptError) as info:
        make(STEP_KINDS[kind], handler).run(operation, {"id": bad})
    if kind == "compensate":
        # An undo is best effort: the caller sees the original failure, the undo is never sent.
        assert info.value.code == "conflict" and info.value.details.get("write_outcome") == "unknown"
    else:
        assert info.value.code == "validation_error" and info.value.status == 400
    assert not [req for req in seen if "/detail" in req.url.raw_path.decode() or "/api/appointments" == req.url.path]


@pytest.mark.parametrize("kind", sorted(STEP_KINDS))
@pytest.mark.parametrize("tricky", ["a/b", "../x", "%2e%2e", "a?b=1", "a#b", "x/../../y", "..."])
def test_ids_with_separators_stay_one_segment(kind: str, tricky: str) -> None:
    (req,) = _run(kind, tricky)
    segments = _segments(req)
    assert segments[:3] == ["", "api", "appointments"] and segments[4:] == ["detail"]
    assert httpx.URL(req.url).params.get("b") is None


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=40).filter(lambda s: s not in (".", "..")))
def test_any_string_keeps_the_specs_segments(appointment_id: str) -> None:
    for kind in ("request", "graphql"):
        (req,) = _run(kind, appointment_id)
        segments = _segments(req)
        assert len(segments) == 5, segments
        assert segments[:3] == ["", "api", "appointments"] and segments[4] == "detail"
        assert httpx.URL(req.url).fragment == ""


def test_a_placeholder_value_that_is_not_a_string_is_encoded_too() -> None:
    seen: list[Any] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req.url.raw_path)
        return httpx.Response(200, json={})

    make(STEP_KINDS["request"], handler).run("appointments.get", {"id": 12})
    assert seen == [b"/api/appointments/12/detail"]
