"""The engine loop against an httpx mock transport: every step kind, auth style,
pagination strategy and error path."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aptura.engine.auth import TOKENS
from aptura.engine.http import Deadline, Transport
from aptura.engine.runner import Connection, Runner, base_url
from aptura.errors import AptError, SpecError
from aptura.spec.loader import parse_spec

HEAD = """
id: demo
name: Demo
environments: {live: {base_url: "https://live.example/api"}, test: {base_url: "https://test.example/api"}}
connection: {config: {}, secrets: {}}
timezone: config.tz
headers: {X-Key: secrets.key}
"""


def make(spec_body: str, handler: Callable[[httpx.Request], httpx.Response], mode: str = "test",
         config: dict[str, Any] | None = None, secrets: dict[str, Any] | None = None) -> Runner:
    spec = parse_spec(HEAD + spec_body, "demo.yaml")
    conn = Connection("conn_1", "demo", mode, config or {"tz": "America/New_York"}, secrets or {"key": "k1"})
    return Runner(spec, conn, transport=Transport(httpx.Client(transport=httpx.MockTransport(handler))),
                  request_id="req-1")


@pytest.fixture(autouse=True)
def _fresh_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APTURA_SANDBOX_URL", raising=False)
    TOKENS.clear()


def test_request_built_from_templates_and_output_mapped() -> None:
    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(200, json={"items": [{"at": "2027-01-05T09:00:00", "n": 1}]})

    runner = make("""
operations:
  availability.list:
    steps:
      - id: fetch
        request:
          path: "/things/{input.id}/x y"
          query: {ids: input.ids, day: input.day, none: input.missing, flag: "`true`"}
          headers: {X-Extra: "'e'"}
    output:
      each: steps.fetch.items
      as: it
      map: {start: "to_utc(it.at, zone)", n: it.n, zone: zone}
""", handler)
    out = runner.run("availability.list", {"id": "a/b", "ids": [1, 2], "day": "2027-01-05"})
    assert out == [{"start": "2027-01-05T14:00:00Z", "n": 1, "zone": "America/New_York"}]
    req = seen[0]
    assert req.url.path == "/api/things/a%2Fb/x y" or req.url.raw_path.startswith(b"/api/things/a%2Fb/")
    assert req.url.host == "test.example"
    assert req.url.params.get_list("ids") == ["1", "2"]
    assert "none" not in req.url.params and req.url.params["flag"] == "true"
    assert req.headers["X-Key"] == "k1" and req.headers["X-Extra"] == "e"


def test_live_mode_uses_live_url_and_sandbox_overrides_test(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = parse_spec(HEAD + "operations: {availability.list: {steps: [{id: a, set: '`1`'}], output: steps.a}}")
    assert base_url(spec, "live") == "https://live.example/api"
    monkeypatch.setenv("APTURA_SANDBOX_URL", "http://127.0.0.1:4010/")
    assert base_url(spec, "test") == "http://127.0.0.1:4010/demo/api"
    assert base_url(spec, "live") == "https://live.example/api"


def test_when_set_fail_and_for_each_concurrently() -> None:
    active, peak = [0], [0]
    lock = threading.Lock()

    def handler(req: httpx.Request) -> httpx.Response:
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1
        return httpx.Response(200, json={"day": req.url.params["day"]})

    runner = make("""
operations:
  availability.list:
    steps:
      - id: days
        set: "date_range(input.start, input.end)"
      - id: skipped
        when: "input.never"
        request: {path: /never}
      - id: per_day
        for_each: steps.days
        as: d
        concurrency: 8
        request: {path: /day, query: {day: d}}
      - id: check
        when: "length(steps.per_day) > `10`"
        fail: {error: validation_error, message: "'too many'"}
    output: {days: "steps.per_day[].day", skipped: steps.skipped}
""", handler)
    started = time.perf_counter()
    out = runner.run("availability.list", {"start": "2027-01-01", "end": "2027-01-07"})
    assert out == {"days": [f"2027-01-0{i}" for i in range(1, 8)]}
    assert peak[0] > 1 and time.perf_counter() - started < 0.3  # concurrent, not 7 x 50 ms
    with pytest.raises(AptError) as info:
        runner.run("availability.list", {"start": "2027-01-01", "end": "2027-01-12"})
    assert info.value.code == "validation_error" and info.value.message == "too many"


def test_unsupported_operation_is_501() -> None:
    runner = make("operations: {availability.list: {steps: [{id: a, set: '`1`'}], output: steps.a}}",
                  lambda r: httpx.Response(200))
    with pytest.raises(AptError) as info:
        runner.run("appointments.cancel", {})
    assert info.value.status == 501 and info.value.details == {"provider": "demo", "operation": "appointments.cancel"}


SESSION = """
auth:
  default:
    type: session_token
    request: {method: POST, path: /login, body: {user: secrets.user, password: secrets.password}}
    token: body.token
    expires_in: body.ttl
    apply: {headers: {Authorization: "join(' ', ['Bearer', token])"}}
operations:
  availability.list:
    steps: [{id: a, request: {path: /data}}]
    output: steps.a
"""


def test_session_token_is_fetched_once_cached_and_renewed_on_401() -> None:
    calls: dict[str, int] = {"login": 0, "data": 0}
    valid = {"t1"}

    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path.endswith("/login"):
            calls["login"] += 1
            assert json.loads(req.content) == {"user": "u", "password": "p"}
            token = f"t{calls['login']}"
            valid.add(token)
            return httpx.Response(200, json={"token": token, "ttl": 3600})
        calls["data"] += 1
        token = req.headers.get("Authorization", "").removeprefix("Bearer ")
        if token not in valid:
            return httpx.Response(401, json={"error": "expired"})
        return httpx.Response(200, json={"ok": token})

    secrets = {"key": "k", "user": "u", "password": "p"}
    runner = make(SESSION, handler, secrets=secrets)
    assert runner.run("availability.list", {}) == {"ok": "t1"}
    assert make(SESSION, handler, secrets=secrets).run("availability.list", {}) == {"ok": "t1"}
    assert calls["login"] == 1  # cached across runners (a warm container)
    valid.discard("t1")  # the provider expires it
    assert make(SESSION, handler, secrets=secrets).run("availability.list", {}) == {"ok": "t2"}
    assert calls["login"] == 2


def test_session_login_refused_is_a_connection_error() -> None:
    runner = make(SESSION, lambda r: httpx.Response(403, json={"Error": {"Code": "DeniedAccess"}}),
                  secrets={"key": "k", "user": "u", "password": "bad"})
    with pytest.raises(AptError) as info:
        runner.run("availability.list", {})
    assert info.value.code == "connection_auth_failed" and info.value.status == 401


def test_concurrent_requests_share_one_login() -> None:
    logins = [0]

    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path.endswith("/login"):
            logins[0] += 1
            time.sleep(0.05)
            return httpx.Response(200, json={"token": "t", "ttl": 3600})
        return httpx.Response(200, json={"ok": True})

    secrets = {"key": "k", "user": "u", "password": "p"}
    threads = [threading.Thread(target=lambda: make(SESSION, handler, secrets=secrets).run("availability.list", {}))
               for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert logins[0] == 1


def test_basic_and_api_key_auth() -> None:
    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(200, json={})

    make("""
auth: {default: {type: basic, username: config.account, password: secrets.key}}
operations: {availability.list: {steps: [{id: a, request: {path: /x}}], output: steps.a}}
""", handler, config={"account": "acme", "tz": "UTC"}).run("availability.list", {})
    assert seen[-1].headers["Authorization"] == "Basic YWNtZTprMQ=="
    make("""
auth: {default: {type: api_key, apply: {query: {api_key: secrets.key}}}}
operations: {availability.list: {steps: [{id: a, request: {path: /x}}], output: steps.a}}
""", handler).run("availability.list", {})
    assert seen[-1].url.params["api_key"] == "k1"


def pages_handler(total: int, size_key: str = "limit") -> Callable[[httpx.Request], httpx.Response]:
    data = list(range(total))

    def handler(req: httpx.Request) -> httpx.Response:
        p = req.url.params
        if "offset" in p:
            start, size = int(p["offset"]), int(p["limit"])
        elif "cursor" in p or p.get("mode") == "cursor":
            start, size = int(p.get("cursor", 0)), 3
        elif "page" in p:
            size = int(p["size"])
            start = (int(p["page"]) - 1) * size
        elif "from" in p or p.get("mode") == "next":
            start, size = int(p.get("from", 0)), 4
        else:
            start, size = 0, 3
        chunk = data[start:start + size]
        nxt = start + size if start + size < total else None
        return httpx.Response(200, json={"items": chunk, "next": nxt, "total": total})

    return handler


@pytest.mark.parametrize("paginate", [
    "{type: offset, limit_param: limit, offset_param: offset, limit: 4, items: body.items, total: body.total}",
    "{type: offset, limit_param: limit, offset_param: offset, limit: 5, items: body.items}",
    "{type: cursor, items: body.items, cursor: body.next, param: cursor}",
    "{type: page, page_param: page, size_param: size, size: 3, items: body.items}",
    "{type: next, items: body.items, next: {from: 'to_string(add(query.from || `0`, length(page)))'}}",
])
def test_pagination_strategies_follow_to_the_end(paginate: str) -> None:
    mode = "cursor" if "cursor" in paginate else "next" if "type: next" in paginate else "x"
    runner = make(f"""
operations:
  availability.list:
    steps: [{{id: a, request: {{path: /list, query: {{mode: "'{mode}'"}}}}, paginate: {paginate}}}]
    output: steps.a
""", pages_handler(11))
    assert runner.run("availability.list", {}) == list(range(11))


def test_a_resource_declares_request_and_paging_once_for_every_step_that_reads_it() -> None:
    seen: list[httpx.Request] = []
    pages = pages_handler(7)

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return pages(req)

    runner = make("""
resources:
  things:
    request: {path: /list, query: {kind: "'a'", sort: "'id'"}}
    paginate: {type: offset, limit_param: limit, offset_param: offset, limit: 4, items: body.items}
operations:
  availability.list:
    steps:
      - {id: plain, resource: {name: things}}
      - {id: narrowed, resource: {name: things, query: {kind: "'b'", q: input.q}}}
    output: {plain: steps.plain, narrowed: steps.narrowed}
""", handler)
    assert runner.run("availability.list", {"q": "x"}) == {"plain": list(range(7)), "narrowed": list(range(7))}
    first, third = seen[0].url.params, seen[2].url.params
    assert (first["kind"], first["sort"], "q" in first) == ("a", "id", False)
    assert (third["kind"], third["sort"], third["q"], third["offset"]) == ("b", "id", "x", "0")
    assert len(seen) == 4  # two pages each: the paging came from the resource


def test_an_unknown_resource_is_a_spec_error_at_the_step() -> None:
    with pytest.raises(SpecError, match=r"steps\[0\]\.resource\.name.*unknown resource 'nope'"):
        parse_spec(HEAD + """
resources: {things: {request: {path: /list}}}
operations: {availability.list: {steps: [{id: a, resource: {name: nope}}], output: steps.a}}
""", "demo.yaml")


def test_pagination_that_never_ends_is_a_provider_error() -> None:
    runner = make("""
operations:
  availability.list:
    steps: [{id: a, request: {path: /list}, paginate: {type: cursor, items: body.items, cursor: "'same'",
             param: cursor, max_pages: 3}}]
    output: steps.a
""", lambda r: httpx.Response(200, json={"items": [1]}))
    # the cursor repeats, which ends the loop rather than spinning
    assert runner.run("availability.list", {}) == [1, 1]


ERRORS = """
errors:
  - when: "body.Error.Code == 'Taken'"
    error: conflict
    message: body.Error.Message
  - when: "status == `418`"
    error: not_found
operations:
  availability.list:
    steps:
      - id: a
        request: {method: POST, path: /book}
        errors: [{when: "body.Error.Code == 'Local'", error: unprocessable, details: {why: body.Error.Message}}]
    output: steps.a
"""


@pytest.mark.parametrize("status,body,headers,code,http_status,retry_after", [
    (400, {"Error": {"Code": "Taken", "Message": "slot taken"}}, {}, "conflict", 409, None),
    (400, {"Error": {"Code": "Local", "Message": "nope"}}, {}, "unprocessable", 422, None),
    (418, {}, {}, "not_found", 404, None),
    (401, {}, {}, "connection_auth_failed", 401, None),
    (404, {}, {}, "not_found", 404, None),
    (409, {}, {}, "conflict", 409, None),
    (422, {}, {}, "unprocessable", 422, None),
    (429, {}, {"Retry-After": "7"}, "rate_limited", 429, 7),
    (500, "<html>oops</html>", {}, "provider_error", 502, None),
    (502, {}, {}, "provider_error", 502, None),
    (503, {}, {"Retry-After": "3"}, "provider_unavailable", 503, 3),
    (504, {}, {}, "provider_timeout", 504, None),
])
def test_error_mapping(status: int, body: Any, headers: dict[str, str], code: str, http_status: int,
                       retry_after: int | None) -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        if isinstance(body, str):
            return httpx.Response(status, text=body, headers={"content-type": "text/html", **headers})
        return httpx.Response(status, json=body, headers=headers)

    with pytest.raises(AptError) as info:
        make(ERRORS, handler).run("availability.list", {})
    assert (info.value.code, info.value.status, info.value.retry_after) == (code, http_status, retry_after)
    if isinstance(body, dict) and body.get("Error", {}).get("Code") == "Taken":
        assert info.value.message == "slot taken"
    if isinstance(body, dict) and body.get("Error", {}).get("Code") == "Local":
        assert info.value.details == {"why": "nope"}


def test_reads_are_retried_writes_are_not() -> None:
    calls = {"GET": 0, "POST": 0}

    def handler(req: httpx.Request) -> httpx.Response:
        calls[req.method] += 1
        if calls[req.method] == 1:
            return httpx.Response(503)
        return httpx.Response(200, json={"ok": True})

    spec = """
operations:
  availability.list: {steps: [{id: a, request: {path: /r}}], output: steps.a}
  appointments.create: {steps: [{id: a, request: {method: POST, path: /w}}], output: steps.a}
"""
    assert make(spec, handler).run("availability.list", {}) == {"ok": True}
    assert calls["GET"] == 2
    with pytest.raises(AptError) as info:
        make(spec, handler).run("appointments.create", {})
    assert info.value.status == 503 and calls["POST"] == 1



def test_graphql_queries_are_retried_mutations_are_not() -> None:
    # Both are POSTs; a query document is a read by the GraphQL spec, a mutation may have acted.
    calls: dict[str, int] = {}

    def handler(req: httpx.Request) -> httpx.Response:
        name = json.loads(req.content)["operationName"]
        calls[name] = calls.get(name, 0) + 1
        return httpx.Response(503) if calls[name] == 1 else httpx.Response(200, json={"data": {"ok": True}})

    spec = """
operations:
  availability.list:
    steps: [{id: a, graphql: {operation_name: Read, query: "# the slots\\nquery Read { ok }"}}]
    output: steps.a
  services.list: {steps: [{id: a, graphql: {operation_name: Short, query: "{ ok }"}}], output: steps.a}
  appointments.create:
    steps: [{id: a, graphql: {operation_name: Book, query: "mutation Book { ok }"}}]
    output: steps.a
  appointments.cancel:
    steps: [{id: a, graphql: {operation_name: Undo, query: "mutation Undo { ok }", retry: true}}]
    output: steps.a
"""
    assert make(spec, handler).run("availability.list", {}) == {"data": {"ok": True}}
    assert make(spec, handler).run("services.list", {}) == {"data": {"ok": True}}
    with pytest.raises(AptError) as info:
        make(spec, handler).run("appointments.create", {})
    assert info.value.status == 503
    assert make(spec, handler).run("appointments.cancel", {"id": "1"}) == {"data": {"ok": True}}
    assert calls == {"Read": 2, "Short": 2, "Book": 1, "Undo": 2}

def test_timeouts_resets_and_malformed_bodies() -> None:
    spec = "operations: {appointments.create: {steps: [{id: a, request: {method: POST, path: /w}}], output: steps.a}}"

    def timeout(req: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=req)

    def reset(req: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("reset", request=req)

    def malformed(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text='{"a": [1,', headers={"content-type": "application/json"})

    for handler, status in ((timeout, 504), (reset, 503), (malformed, 502)):
        with pytest.raises(AptError) as info:
            make(spec, handler).run("appointments.create", {})
        assert info.value.status == status


# A write that needs an earlier step undone when it fails.
CART_THEN_CHECKOUT = """
operations:
  appointments.create:
    steps:
      - id: cart
        request: {method: POST, path: /cart}
        compensate: {method: DELETE, path: "/cart/{steps.cart.id}"}
      - id: checkout
        request: {method: POST, path: /checkout}
    output: steps.checkout
"""


def _write_outcome(handler: Callable[[httpx.Request], httpx.Response], spec: str) -> tuple[int, Any]:
    with pytest.raises(AptError) as info:
        make(spec, handler).run("appointments.create", {})
    return info.value.status, info.value.details.get("write_outcome")


def test_a_write_sent_but_not_answered_has_an_unknown_outcome() -> None:
    """Only a write that reached the provider and got no definitive answer is 'unknown'."""
    spec = """
operations:
  appointments.create:
    steps:
      - {id: look, request: {path: /r}}
      - {id: write, request: {method: POST, path: /w}}
    output: steps.write
"""

    def on_write(answer: Callable[[httpx.Request], httpx.Response]) -> Callable[[httpx.Request], httpx.Response]:
        return lambda req: answer(req) if req.method == "POST" else httpx.Response(200, json={})

    def raise_(exc: type[Exception]) -> Callable[[httpx.Request], httpx.Response]:
        def handler(req: httpx.Request) -> httpx.Response:
            raise exc("fault", request=req)  # type: ignore[call-arg]
        return handler

    assert _write_outcome(on_write(raise_(httpx.ReadTimeout)), spec) == (504, "unknown")
    assert _write_outcome(on_write(raise_(httpx.RemoteProtocolError)), spec) == (503, "unknown")
    assert _write_outcome(on_write(lambda r: httpx.Response(500)), spec) == (502, "unknown")
    assert _write_outcome(on_write(lambda r: httpx.Response(200, text='{"a": [',
                                                           headers={"content-type": "application/json"})),
                          spec) == (502, "unknown")
    # Certain outcomes: never connected, refused by the provider, or a read that failed.
    assert _write_outcome(on_write(raise_(httpx.ConnectError)), spec) == (503, None)
    assert _write_outcome(on_write(raise_(httpx.ConnectTimeout)), spec) == (504, None)
    assert _write_outcome(on_write(lambda r: httpx.Response(409, json={})), spec) == (409, None)
    assert _write_outcome(lambda r: httpx.Response(500) if r.method == "GET" else httpx.Response(200, json={}),
                          spec) == (502, None)


def test_a_failed_undo_makes_the_outcome_unknown() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path.endswith("/checkout"):
            return httpx.Response(409, json={})
        if req.method == "DELETE":
            return httpx.Response(503)
        return httpx.Response(200, json={"id": "cart1"})

    assert _write_outcome(handler, CART_THEN_CHECKOUT) == (409, "unknown")


def test_budget_exhausted_is_a_timeout() -> None:
    runner = make("operations: {availability.list: {steps: [{id: a, request: {path: /r}}], output: steps.a}}",
                  lambda r: httpx.Response(200, json={}))
    runner.deadline = Deadline(0)
    with pytest.raises(AptError) as info:
        runner.run("availability.list", {})
    assert info.value.status == 504


def test_extract_sees_headers_and_context_and_accept_status() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        if req.method == "POST":
            return httpx.Response(201, headers={"Location": "https://p/api/bookings/42.json"})
        if req.url.path.endswith("/missing"):
            return httpx.Response(404, json={"error": "none"})
        return httpx.Response(200, json={"id": req.url.path.rsplit("/", 1)[1]})

    out = make("""
operations:
  appointments.create:
    steps:
      - {id: made, request: {method: POST, path: /bookings}, extract: "re_find(headers.location, '([0-9]+)\\\\.json')"}
      - {id: lookup, request: {path: /missing, accept_status: [404]}, extract: "status"}
      - {id: read, request: {path: "/bookings/{steps.made}"}, extract: "body.id"}
      - {id: echo, set: "input.x"}
    output: {id: steps.read, lookup: steps.lookup, echo: steps.echo}
""", handler).run("appointments.create", {"x": "y"})
    assert out == {"id": "42", "lookup": 404, "echo": "y"}


def test_compensation_undoes_earlier_steps_when_a_later_one_fails() -> None:
    calls: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(f"{req.method} {req.url.path}")
        if req.url.path.endswith("/checkout"):
            return httpx.Response(409, json={})
        return httpx.Response(200, json={"id": "cart1"})

    with pytest.raises(AptError) as info:
        make(CART_THEN_CHECKOUT, handler).run("appointments.create", {})
    assert info.value.status == 409
    assert calls == ["POST /api/cart", "POST /api/checkout", "DELETE /api/cart/cart1"]


def test_graphql_step_posts_query_and_variables() -> None:
    seen: list[dict[str, Any]] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(json.loads(req.content))
        return httpx.Response(200, json={"data": {"cart": {"id": "c1"}}})

    out = make("""
errors:
  - when: "body.errors[0]"
    error: unprocessable
    message: "body.errors[0].message"
operations:
  appointments.create:
    steps:
      - id: cart
        graphql:
          path: /graphql
          query: "mutation M($loc: ID!) { createCart(input: {locationId: $loc}) { cart { id } } }"
          variables: {loc: input.loc}
        extract: body.data.cart.id
    output: steps.cart
""", handler).run("appointments.create", {"loc": "L1"})
    assert out == "c1"
    assert seen[0]["variables"] == {"loc": "L1"} and seen[0]["query"].startswith("mutation M($loc: ID!)")


OAUTH = """
auth:
  default:
    type: oauth2
    token_request:
      method: POST
      path: /oauth2/token
      body: {client_id: app.client_id, client_secret: app.client_secret, grant_type: grant.type,
             refresh_token: grant.refresh_token}
    expires_at: body.expires_at
    apply: {headers: {Authorization: "join(' ', ['Bearer', token])"}}
operations:
  availability.list: {steps: [{id: a, request: {path: /data}}], output: steps.a}
"""


def oauth_runner(handler: Callable[[httpx.Request], httpx.Response], creds: dict[str, Any]) -> Runner:
    spec = parse_spec(HEAD + OAUTH, "demo.yaml")
    conn = Connection("conn_o", "demo", "test", {"tz": "UTC"}, creds)
    return Runner(spec, conn, transport=Transport(httpx.Client(transport=httpx.MockTransport(handler))),
                  oauth_app={"client_id": "app1", "client_secret": "s3cret"})


def test_oauth_refreshes_an_expired_token_once_and_uses_the_new_one() -> None:
    refreshes: list[dict[str, Any]] = []

    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path.endswith("/oauth2/token"):
            refreshes.append(json.loads(req.content))
            return httpx.Response(200, json={"access_token": "new", "expires_at": "2099-01-01T00:00:00Z"})
        assert req.headers["Authorization"] == "Bearer new"
        return httpx.Response(200, json={"ok": True})

    creds = {"access_token": "old", "refresh_token": "r1", "expires_at": "2001-01-01T00:00:00Z"}
    runner = oauth_runner(handler, creds)
    assert runner.run("availability.list", {}) == {"ok": True}
    assert runner.run("availability.list", {}) == {"ok": True}
    assert len(refreshes) == 1
    assert refreshes[0] == {"client_id": "app1", "client_secret": "s3cret", "grant_type": "refresh_token",
                            "refresh_token": "r1"}
    assert creds["access_token"] == "new" and creds["refresh_token"] == "r1"  # kept when not rotated
    assert creds["expires_at"] == "2099-01-01T00:00:00Z"


def test_oauth_refused_token_is_refreshed_and_the_call_retried() -> None:
    calls: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        if req.url.path.endswith("/oauth2/token"):
            calls.append("refresh")
            return httpx.Response(200, json={"access_token": "t2", "refresh_token": "r2",
                                             "expires_at": "2099-01-01T00:00:00Z"})
        calls.append(req.headers["Authorization"])
        if req.headers["Authorization"] == "Bearer t1":
            return httpx.Response(401, json={"errors": [{"code": "ACCESS_TOKEN_REVOKED"}]})
        return httpx.Response(200, json={"ok": True})

    creds = {"access_token": "t1", "refresh_token": "r1", "expires_at": "2099-01-01T00:00:00Z"}
    assert oauth_runner(handler, creds).run("availability.list", {}) == {"ok": True}
    assert calls == ["Bearer t1", "refresh", "Bearer t2"] and creds["refresh_token"] == "r2"


def test_oauth_without_refresh_token_is_a_connection_error() -> None:
    creds = {"access_token": "old", "expires_at": "2001-01-01T00:00:00Z"}
    with pytest.raises(AptError) as info:
        oauth_runner(lambda r: httpx.Response(200, json={}), creds).run("availability.list", {})
    assert info.value.code == "connection_auth_failed"


def test_accept_status_bypasses_error_rules() -> None:
    out = make("""
errors: [{when: "status == `404`", error: provider_error}]
operations:
  availability.list:
    steps: [{id: a, request: {path: /x, accept_status: [404]}, extract: "status"}]
    output: steps.a
""", lambda r: httpx.Response(404, json={})).run("availability.list", {})
    assert out == 404


def test_zone_can_come_from_a_response() -> None:
    spec = parse_spec(HEAD.replace("timezone: config.tz", "timezone: steps.loc.tz") + """
operations:
  availability.list: {steps: [{id: loc, request: {path: /loc}}], output: zone}
""")
    conn = Connection("c", "demo", "test", {}, {"key": "k"})
    runner = Runner(spec, conn, transport=Transport(httpx.Client(transport=httpx.MockTransport(
        lambda r: httpx.Response(200, json={"tz": "Europe/Helsinki"})))))
    assert runner.run("availability.list", {}) == "Europe/Helsinki" and runner.zone == "Europe/Helsinki"


def test_require_passes_when_its_condition_holds_and_fails_with_the_unified_error_otherwise() -> None:
    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "s1"})

    runner = make("""
operations:
  services.list:
    steps:
      - id: known
        require:
          that: "input.serviceId == 's1'"
          error: not_found
          message: "join('', ['Service ', input.serviceId, ' does not exist'])"
          details: {serviceId: ["'unknown service'"]}
      - {id: svc, request: {path: /services}}
    output: "{known: steps.known, id: steps.svc.id}"
""", handler)
    assert runner.run("services.list", {"serviceId": "s1"}) == {"known": None, "id": "s1"}
    with pytest.raises(AptError) as refused:
        runner.run("services.list", {"serviceId": "s9"})
    assert (refused.value.status, refused.value.message) == (404, "Service s9 does not exist")
    assert refused.value.details == {"serviceId": ["unknown service"]}


def test_a_step_with_require_and_another_kind_is_rejected() -> None:
    with pytest.raises(SpecError, match="exactly one of request, graphql, resource, set, fail, require"):
        parse_spec(HEAD + """
operations:
  services.list:
    steps:
      - {id: x, set: "`1`", require: {that: "`true`", error: not_found, message: "'no'"}}
    output: steps.x
""", "demo.yaml")


SWITCH = """
operations:
  services.list:
    steps:
      - id: kind
        switch:
          value: config.kind
          cases:
            resource:
              - {id: res, request: {path: /resources}}
              - {id: picked, set: "steps.res.name"}
            capacity:
              - {id: cls, request: {path: /classes}}
              - {id: picked_class, set: "steps.cls.name"}
          default:
            - {id: other, set: "'default'"}
      - {id: after, set: "steps.picked || steps.picked_class || steps.other"}
    output: "{kind: steps.kind, after: steps.after, res: steps.res, cls: steps.cls}"
"""


def test_switch_runs_only_the_case_named_by_its_value_and_its_steps_are_read_by_id() -> None:
    paths: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        paths.append(req.url.path)
        return httpx.Response(200, json={"name": req.url.path.rsplit("/", 1)[-1]})

    out = make(SWITCH, handler, config={"kind": "capacity"}).run("services.list", {})
    assert out == {"kind": "capacity", "after": "classes", "res": None, "cls": {"name": "classes"}}
    assert paths == ["/api/classes"]
    out = make(SWITCH, handler, config={"kind": "resource"}).run("services.list", {})
    assert out["after"] == "resources" and out["cls"] is None and paths[-1] == "/api/resources"
    # No case matches: the default runs and the switch's result is null.
    out = make(SWITCH, handler, config={"kind": "service"}).run("services.list", {})
    assert out == {"kind": None, "after": "default", "res": None, "cls": None} and len(paths) == 2


def test_a_later_failure_compensates_a_step_inside_the_switch_case() -> None:
    seen: list[str] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(f"{req.method} {req.url.path}")
        return httpx.Response(200, json={"id": "b1"})

    runner = make("""
operations:
  appointments.create:
    steps:
      - id: kind
        switch:
          value: config.kind
          cases:
            resource:
              - id: booked
                request: {method: POST, path: /bookings}
                compensate: {method: DELETE, path: "/bookings/{steps.booked.id}"}
      - {id: stop, fail: {error: conflict, message: "'taken'"}}
    output: steps.booked
""", handler, config={"kind": "resource"})
    with pytest.raises(AptError, match="taken"):
        runner.run("appointments.create", {})
    assert seen == ["POST /api/bookings", "DELETE /api/bookings/b1"]


@pytest.mark.parametrize(("steps", "reason"), [
    ("""
      - id: s
        switch: {value: config.kind, cases: {a: [{id: x, set: "`1`"}], b: [{id: x, set: "`2`"}]}}""",
     "duplicate step ids ['x']"),
    ("""
      - id: s
        for_each: input.ids
        switch: {value: config.kind, cases: {a: [{id: x, set: "`1`"}]}}""",
     "a switch step takes only id, description, when and switch"),
    ("""
      - id: s
        switch: {value: config.kind, cases: {a: [{id: x, resource: {name: nowhere}}]}}""",
     "unknown resource 'nowhere'"),
])
def test_switch_mistakes_are_refused_at_load(steps: str, reason: str) -> None:
    with pytest.raises(SpecError, match=re.escape(reason)):
        parse_spec(HEAD + "operations:\n  services.list:\n    steps:" + steps + "\n    output: steps.s\n", "demo.yaml")


FIND_OR_CREATE = """
resources:
  clients:
    request: {path: /clients, query: {email: input.email}}
    paginate: {type: page, page_param: page, size: 2, items: body.items}
operations:
  clients.create:
    steps:
      - id: client
        find_or_create:
          find: {resource: {name: clients}, as: c, match: "lower(c.email) == lower(input.email)"}
          create: {method: POST, path: /clients, body: {email: input.email}}
          extract: body.client
          on_conflict:
            status: [400]
            when: "body.code == 'email_taken'"
            missing: {error: unprocessable, message: "'the e-mail is taken by a hidden client'",
                      details: {code: body.code}}
        compensate: {method: DELETE, path: "/clients/{steps.client.record.id}"}
      - {id: boom, require: {that: "!(input.fail)", error: provider_error, message: "'later step failed'"}}
    output: steps.client
"""


def clients_handler(listed: list[list[dict[str, Any]]], create: httpx.Response,
                    seen: list[str]) -> Callable[[httpx.Request], httpx.Response]:
    """Each GET /clients answers the next listing (two records a page); POST answers ``create``."""
    lookups = iter(listed)
    current: list[dict[str, Any]] = []

    def handler(req: httpx.Request) -> httpx.Response:
        nonlocal current
        seen.append(f"{req.method} {req.url.path}?{req.url.query.decode()}")
        if req.method == "GET":
            page = int(req.url.params.get("page", "1"))
            if page == 1:
                current = next(lookups)
            return httpx.Response(200, json={"items": current[(page - 1) * 2: page * 2]})
        if req.method == "DELETE":
            return httpx.Response(204)
        return create

    return handler


def test_find_or_create_returns_the_first_matching_record_across_pages_without_creating() -> None:
    seen: list[str] = []
    records = [{"id": 1, "email": "a@x.io"}, {"id": 2, "email": "b@x.io"}, {"id": 3, "email": "Pat@X.io"},
               {"id": 4, "email": "pat@x.io"}]
    runner = make(FIND_OR_CREATE, clients_handler([records], httpx.Response(500), seen))
    assert runner.run("clients.create", {"email": "pat@x.io"}) == {
        "record": {"id": 3, "email": "Pat@X.io"}, "created": False, "filled": [], "unchanged": []}
    assert [s.split("?")[0] for s in seen] == ["GET /api/clients", "GET /api/clients", "GET /api/clients"]
    # A found record is not this operation's to undo when a later step fails.
    seen.clear()
    with pytest.raises(AptError, match="later step failed"):
        make(FIND_OR_CREATE, clients_handler([records], httpx.Response(500), seen)).run(
            "clients.create", {"email": "pat@x.io", "fail": True})
    assert not any(s.startswith("DELETE") for s in seen)


def test_find_or_create_creates_when_nothing_matches_and_undoes_it_on_a_later_failure() -> None:
    seen: list[str] = []
    created = httpx.Response(201, json={"client": {"id": 9, "email": "pat@x.io"}})
    out = make(FIND_OR_CREATE, clients_handler([[{"id": 1, "email": "a@x.io"}]], created, seen)).run(
        "clients.create", {"email": "pat@x.io"})
    assert out == {"record": {"id": 9, "email": "pat@x.io"}, "created": True, "filled": [], "unchanged": []}
    assert seen[-1].startswith("POST /api/clients")
    seen.clear()
    with pytest.raises(AptError, match="later step failed"):
        make(FIND_OR_CREATE, clients_handler([[]], created, seen)).run(
            "clients.create", {"email": "pat@x.io", "fail": True})
    assert seen[-1] == "DELETE /api/clients/9?"


def test_find_or_create_looks_up_again_when_the_create_reports_the_declared_conflict() -> None:
    seen: list[str] = []
    taken = httpx.Response(400, json={"code": "email_taken"})
    raced = [{"id": 5, "email": "pat@x.io"}]
    out = make(FIND_OR_CREATE, clients_handler([[], raced], taken, seen)).run("clients.create", {"email": "pat@x.io"})
    assert out == {"record": {"id": 5, "email": "pat@x.io"}, "created": False, "filled": [],
                   "unchanged": []}
    assert [s.split("?")[0] for s in seen] == ["GET /api/clients", "POST /api/clients", "GET /api/clients"]
    # The conflict, but the record still cannot be found: the declared `missing` error, over the response.
    with pytest.raises(AptError) as hidden:
        make(FIND_OR_CREATE, clients_handler([[], []], taken, [])).run("clients.create", {"email": "pat@x.io"})
    assert (hidden.value.code, hidden.value.message, hidden.value.details) == (
        "unprocessable", "the e-mail is taken by a hidden client", {"code": "email_taken"})


def test_find_or_create_passes_on_other_create_errors_and_lookup_errors() -> None:
    # The conflict status without the conflict's condition is an ordinary provider refusal.
    refused = httpx.Response(400, json={"code": "bad_email"})
    with pytest.raises(AptError) as bad:
        make(FIND_OR_CREATE, clients_handler([[]], refused, [])).run("clients.create", {"email": "pat@x.io"})
    assert (bad.value.code, bad.value.details) == ("unprocessable", {"provider_status": 400})
    with pytest.raises(AptError) as down:
        make(FIND_OR_CREATE, clients_handler([[]], httpx.Response(409), [])).run("clients.create", {"email": "p@x.io"})
    assert down.value.code == "conflict"
    seen: list[str] = []

    def lookup_fails(req: httpx.Request) -> httpx.Response:
        seen.append(req.method)
        return httpx.Response(401, json={})

    with pytest.raises(AptError) as auth:
        make(FIND_OR_CREATE, lookup_fails).run("clients.create", {"email": "pat@x.io"})
    assert auth.value.code == "connection_auth_failed" and seen == ["GET"]  # no create after a failed look-up


FILL = """
operations:
  clients.create:
    steps:
      - id: client
        find_or_create:
          find: {request: {path: /clients}, extract: body.items, as: c, match: "c.email == input.email"}
          create: {method: POST, path: /clients, body: {email: input.email}}
          fill:
            fields:
              phone: {have: c.tel, want: input.phone}
              firstName: {have: c.first, want: input.firstName}
            request: {method: PUT, path: "/clients/{c.id}", body: {tel: fill.phone, first: fill.firstName}}
    output: steps.client
"""


def fill_handler(record: dict[str, Any], seen: list[tuple[str, Any]]) -> Callable[[httpx.Request], httpx.Response]:
    """GET /clients lists ``record``; PUT answers it with the body's fields applied."""
    def handler(req: httpx.Request) -> httpx.Response:
        body = json.loads(req.content) if req.content else None
        seen.append((f"{req.method} {req.url.path}", body))
        if req.method == "GET":
            return httpx.Response(200, json={"items": [record]})
        return httpx.Response(200, json={**record, **(body or {})})

    return handler


def test_fill_writes_only_the_empty_fields_and_names_a_differing_one_unchanged() -> None:
    seen: list[tuple[str, Any]] = []
    record = {"id": 7, "email": "pat@x.io", "tel": None, "first": "Patricia"}
    out = make(FILL, fill_handler(record, seen)).run(
        "clients.create", {"email": "pat@x.io", "phone": "+15550001111", "firstName": "Pat"})
    assert out == {"record": {**record, "tel": "+15550001111"}, "created": False, "filled": ["phone"],
                   "unchanged": ["firstName"]}
    # The update carries only the field filled: the differing first name is not sent at all.
    assert seen == [("GET /api/clients", None), ("PUT /api/clients/7", {"tel": "+15550001111"})]


def test_fill_sends_nothing_when_the_record_already_agrees_or_the_input_offers_nothing() -> None:
    seen: list[tuple[str, Any]] = []
    record = {"id": 7, "email": "pat@x.io", "tel": "+1 (555) 000-1111", "first": "pat"}
    out = make(FILL, fill_handler(record, seen)).run(
        "clients.create", {"email": "pat@x.io", "phone": "+15550001111", "firstName": "Pat"})
    assert (out["filled"], out["unchanged"], out["record"]) == ([], [], record)
    empty = {"id": 8, "email": "pat@x.io", "tel": "", "first": None}
    out = make(FILL, fill_handler(empty, seen)).run("clients.create", {"email": "pat@x.io", "phone": ""})
    assert (out["filled"], out["unchanged"]) == ([], [])
    assert [method for method, _ in seen] == ["GET /api/clients", "GET /api/clients"]


def test_fill_without_an_update_request_reports_every_missing_field_unchanged() -> None:
    seen: list[tuple[str, Any]] = []
    no_update = FILL.replace('            request: {method: PUT, path: "/clients/{c.id}", '
                             'body: {tel: fill.phone, first: fill.firstName}}\n', "")
    assert no_update != FILL
    record = {"id": 7, "email": "pat@x.io", "tel": None, "first": None}
    out = make(no_update, fill_handler(record, seen)).run(
        "clients.create", {"email": "pat@x.io", "phone": "+15550001111", "firstName": "Pat"})
    assert (out["filled"], out["unchanged"]) == ([], ["phone", "firstName"])
    assert [method for method, _ in seen] == ["GET /api/clients"]


def answering(update: httpx.Response) -> Callable[[httpx.Request], httpx.Response]:
    """GET /clients lists one client without a phone; the update answers ``update``."""
    def handler(req: httpx.Request) -> httpx.Response:
        if req.method == "GET":
            return httpx.Response(200, json={"items": [{"id": 7, "email": "pat@x.io", "tel": None}]})
        return update

    return handler


def test_a_refused_fill_leaves_the_record_and_says_so_but_a_provider_fault_fails() -> None:
    refused = make(FILL, answering(httpx.Response(400, json={"error": "bad phone"}))).run(
        "clients.create", {"email": "pat@x.io", "phone": "+15550001111"})
    assert refused == {"record": {"id": 7, "email": "pat@x.io", "tel": None}, "created": False, "filled": [],
                       "unchanged": ["phone"]}
    for status, code in ((503, "provider_unavailable"), (401, "connection_auth_failed")):
        with pytest.raises(AptError) as failed:
            make(FILL, answering(httpx.Response(status, json={}))).run(
                "clients.create", {"email": "pat@x.io", "phone": "+15550001111"})
        assert failed.value.code == code


def test_find_or_create_is_checked_at_load() -> None:
    with pytest.raises(SpecError, match="find needs exactly one of resource, request"):
        parse_spec(HEAD + """
operations:
  clients.create:
    steps: [{id: c, find_or_create: {find: {match: "`true`"}, create: {method: POST, path: /c}}}]
    output: steps.c
""", "demo.yaml")
    with pytest.raises(SpecError, match=r"find_or_create\.find\.resource\.name.*unknown resource 'nope'"):
        parse_spec(HEAD + """
operations:
  clients.create:
    steps: [{id: c, find_or_create: {find: {resource: {name: nope}, match: "`true`"},
                                    create: {method: POST, path: /c}}}]
    output: steps.c
""", "demo.yaml")


def test_a_body_cursor_with_a_dotted_param_lands_inside_the_graphql_variables() -> None:
    bodies: list[dict[str, Any]] = []

    def handler(req: httpx.Request) -> httpx.Response:
        body = json.loads(req.content)
        bodies.append(body)
        after = body["variables"].get("after")
        page = {None: (["a", "b"], "c1"), "c1": (["c"], None)}[after]
        return httpx.Response(200, json={"data": {"items": page[0], "next": page[1]}})

    runner = make("""
operations:
  availability.list:
    steps:
      - id: all
        graphql: {path: /graphql, query: "query Q($loc: ID!, $after: String) { items }", variables: {loc: "'L1'"}}
        paginate: {type: cursor, in: body, param: variables.after, items: body.data.items, cursor: body.data.next}
    output: steps.all
""", handler)
    assert runner.run("availability.list", {}) == ["a", "b", "c"]
    # Every page keeps the step's own variables; the cursor is added beside them, not instead of them.
    assert [b["variables"] for b in bodies] == [{"loc": "L1"}, {"loc": "L1", "after": "c1"}]
    assert all(b["query"].startswith("query Q") for b in bodies)


def test_a_call_waits_for_a_quota_slot_at_most_the_cap_then_answers_429_at_once() -> None:
    """A sliding window frees its oldest slot up to a window later: a call does not sit out 20 s of a request's
    29 s for it (an operation of several calls would outlive API Gateway), it is refused with the wait."""
    from aptura.engine.quota import MAX_WAIT_SECONDS
    from aptura.engine.runner import PACER

    assert MAX_WAIT_SECONDS < 20
    PACER.reset()
    runner = make("""
quota: {requests: 1, per_seconds: 20}
operations:
  staff.list:
    steps: [{id: fetch, request: {path: /staff}}]
    output: {each: steps.fetch, as: s, map: {id: s.id}}
""", lambda _req: httpx.Response(200, json=[{"id": "1"}]))
    runner.deadline = Deadline(28)
    assert runner.run("staff.list", {}) == [{"id": "1"}]
    started = time.monotonic()
    with pytest.raises(AptError) as refused:
        runner.run("staff.list", {})
    assert time.monotonic() - started < 2
    # The slot frees 20 s after its call, plus the shared ledger's hold (at most 2 s) when APTURA_TABLE is set.
    assert refused.value.code == "rate_limited" and 15 <= (refused.value.retry_after or 0) <= 23
    PACER.reset()
