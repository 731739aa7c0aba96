"""API Gateway proxy events, exactly as Lambda receives them: the single source of truth for their shape.

The local gateway builds every event with :func:`build_v1_event` (REST API, payload 1.0) or
:func:`build_v2_event` (HTTP API, payload 2.0). The CLI writes one realistic sample event per route::

    python -m local.events --template template.yaml --out events/

to ``events/<FunctionLogicalId>/<EventName>.json``, usable as ``sam local invoke <Fn> -e <file>`` or
``make invoke EVENT=<file>`` against ``make dev``: they use the demo account's key, connection and ids, and dates
relative to the day they are generated (``--today``, default today), which is also their request time, so the
same day regenerates the same files (request ids are derived from the route).

Shape details that follow AWS rather than intuition: REST keeps ``path`` percent-encoded while
``pathParameters`` and query values are decoded; HTTP APIs decode ``rawPath``; v2 joins repeated headers and
query values with commas and moves ``Cookie`` into ``cookies``. A body is base64-encoded when it is not valid
UTF-8 or its Content-Type is a binary media type (REST would garble a non-UTF-8 body without
``BinaryMediaTypes``; locally it is always delivered intact).
"""

from __future__ import annotations

import argparse
import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from fnmatch import fnmatch
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

from local.template import Route, load_stack

ACCOUNT_ID = "123456789012"
DEMO_API_KEY = "apt_test_demo_7Hq2Lx9Vb4Nc8Rt1"  # sample credential for events/; not a real key
DEMO_CONNECTION_ID = "conn_demo_mindbody"  # the connection `make dev` seeds for its featured provider
DEMO_PROVIDER = "mindbody"
DEMO_SERVICE_ID = "200"  # the Mindbody sandbox's DEMO service and staff member
DEMO_STAFF_ID = "100000108"
# Records `make dev` has for the events that read or change one: the Mindbody sandbox's seeded bookings (a
# different one for each change, so the events can run in any order), and a spare connection and key of the demo
# account for the DELETE events to remove, a connect session, a webhook endpoint and a stored event.
DEMO_APPOINTMENT_ID = "1001"
DEMO_RESCHEDULE_ID = "1006"
DEMO_CANCEL_ID = "1008"
DEMO_SPARE_CONNECTION_ID = "conn_demo_spare"
DEMO_INBOUND_CONNECTION_ID = "conn_demo_smoothschedule"  # a provider that sends webhooks (its spec's sources)
DEMO_SPARE_KEY_ID = "key_00000000000d3a0e"  # key ids are key_ and 16 hex digits
DEMO_CONNECT_SESSION_ID = "cs_demo"
DEMO_WEBHOOK_ENDPOINT_ID = "we_demo"
DEMO_SPARE_WEBHOOK_ENDPOINT_ID = "we_demo_spare"
DEMO_EVENT_ID = "evt_0000000000000000000d3a0e"  # event ids are evt_ and 24 hex digits (the time part is 0)
DEMO_OAUTH_PROVIDER = "square"  # the hosted OAuth flow's featured provider
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_BINARY_TYPES = ("application/octet-stream", "application/pdf", "application/zip", "image/*", "audio/*", "video/*")


@dataclass
class HttpRequest:
    """One HTTP request as received, before API Gateway turns it into an event."""

    method: str
    raw_path: str  # percent-encoded, without the query string
    raw_query: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)  # in order, original case, repeats kept
    body: bytes = b""
    source_ip: str = "127.0.0.1"

    def header(self, name: str) -> str | None:
        """The last value of header ``name`` (case-insensitive), as API Gateway's single-value view picks."""
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return values[-1] if values else None


def encode_body(body: bytes, content_type: str | None, binary_media_types: tuple[str, ...] = ()) -> tuple[str, bool]:
    """Return ``(body, isBase64Encoded)`` for an event: text when it is UTF-8 and not of a binary media type."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if mime and any(fnmatch(mime, pattern) for pattern in (*binary_media_types, *_BINARY_TYPES)):
        return base64.b64encode(body).decode(), True
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode(), True


def _times(epoch_ms: int | None) -> tuple[int, str]:
    epoch_ms = int(time.time() * 1000) if epoch_ms is None else epoch_ms
    t = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    # Built by hand: strftime's %b follows the locale, API Gateway's month is always English.
    return epoch_ms, f"{t.day:02d}/{_MONTHS[t.month - 1]}/{t.year}:{t:%H:%M:%S} +0000"


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def build_v1_event(
    req: HttpRequest,
    route: Route,
    path_parameters: dict[str, str],
    *,
    request_id: str | None = None,
    epoch_ms: int | None = None,
) -> dict[str, Any]:
    """Build a REST API (payload format 1.0) proxy event for ``req`` matched to ``route``."""
    request_id = request_id or str(uuid.uuid4())
    epoch_ms, request_time = _times(epoch_ms)
    multi_headers = _multi(req.headers)
    query = parse_qsl(req.raw_query, keep_blank_values=True)
    multi_query = _multi(query)
    body, is_b64 = encode_body(req.body, req.header("content-type"), route.binary_media_types)
    host = req.header("host") or "localhost"
    user_agent = req.header("user-agent")
    return {
        "resource": route.path,
        "path": req.raw_path,
        "httpMethod": req.method,
        "headers": {k: v[-1] for k, v in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {k: v[-1] for k, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": uuid.uuid5(uuid.NAMESPACE_URL, route.path).hex[:6],
            "resourcePath": route.path,
            "httpMethod": req.method,
            "extendedRequestId": request_id[:16],
            "requestTime": request_time,
            "path": f"/{route.stage}{req.raw_path}",
            "accountId": ACCOUNT_ID,
            "protocol": "HTTP/1.1",
            "stage": route.stage,
            "domainPrefix": host.split(".")[0].split(":")[0],
            "requestTimeEpoch": epoch_ms,
            "requestId": request_id,
            "identity": {
                "cognitoIdentityPoolId": None,
                "accountId": None,
                "cognitoIdentityId": None,
                "caller": None,
                "sourceIp": req.source_ip,
                "principalOrgId": None,
                "accessKey": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "userArn": None,
                "userAgent": user_agent,
                "user": None,
            },
            "domainName": host,
            "apiId": route.api_id,
        },
        "body": body if req.body else None,
        "isBase64Encoded": is_b64 if req.body else False,
    }


def build_v2_event(
    req: HttpRequest,
    route: Route,
    path_parameters: dict[str, str],
    *,
    request_id: str | None = None,
    epoch_ms: int | None = None,
) -> dict[str, Any]:
    """Build an HTTP API (payload format 2.0) event for ``req`` matched to ``route``."""
    request_id = request_id or str(uuid.uuid4())
    epoch_ms, request_time = _times(epoch_ms)
    cookies = [c.strip() for k, v in req.headers if k.lower() == "cookie" for c in v.split(";") if c.strip()]
    headers: dict[str, str] = {}
    for key, value in req.headers:
        if key.lower() != "cookie":
            key = key.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
    query = {k: ",".join(v) for k, v in _multi(parse_qsl(req.raw_query, keep_blank_values=True)).items()}
    host = req.header("host") or "localhost"
    path = unquote(req.raw_path)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": path,
        "rawQueryString": req.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": route.api_id,
        "domainName": host,
        "domainPrefix": host.split(".")[0].split(":")[0],
        "http": {
            "method": req.method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": req.source_ip,
            "userAgent": req.header("user-agent") or "",
        },
        "requestId": request_id,
        "routeKey": route.route_key,
        "stage": route.stage,
        "time": request_time,
        "timeEpoch": epoch_ms,
    }
    if path_parameters:
        event["pathParameters"] = path_parameters
    if req.body:
        event["body"], event["isBase64Encoded"] = encode_body(req.body, req.header("content-type"))
    else:
        event["isBase64Encoded"] = False
    return event


def build_event(req: HttpRequest, route: Route, path_parameters: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    """Build the event ``route`` delivers: payload 1.0 or 2.0 as its API and PayloadFormatVersion say."""
    builder = build_v2_event if route.payload_version == "2.0" else build_v1_event
    return builder(req, route, path_parameters, **kwargs)


def samples(today: date) -> dict[tuple[str, str], dict[str, Any]]:
    """Realistic inputs for the API's routes on the demo account: ``path`` values, ``query`` and ``body``."""
    from local.devstack import demo_dates  # not at the top: devstack imports this module
    from sandboxes.mindbody import DEMO as MINDBODY_DEMO
    from sandboxes.square import DEMO as SQUARE_DEMO

    first, last = demo_dates(today)
    booking_day = first + timedelta(days=1)
    return {
        ("GET", "/v1/availability"): {
            "query": {"serviceId": DEMO_SERVICE_ID, "startDate": first.isoformat(), "endDate": last.isoformat(),
                      "staffId": DEMO_STAFF_ID},
        },
        ("POST", "/v1/appointments"): {
            "body": {
                "serviceId": DEMO_SERVICE_ID,
                "staffId": DEMO_STAFF_ID,
                "startTime": f"{booking_day.isoformat()}T14:30:00Z",
                "client": {"firstName": "Jordan", "lastName": "Rivera", "email": "jordan.rivera@example.com",
                           "phone": "+14155550123"},
                "notes": "First visit; prefers a short consultation before the cut.",
            },
        },
        ("GET", "/v1/appointments"): {
            "query": {"start_date": first.isoformat(), "end_date": last.isoformat(), "status": "confirmed",
                      "ordering": "-start_time", "limit": "20"},
        },
        ("GET", "/v1/appointments/{appointment_id}"): {"path": {"appointment_id": DEMO_APPOINTMENT_ID}},
        ("PATCH", "/v1/appointments/{appointment_id}"): {
            "path": {"appointment_id": DEMO_RESCHEDULE_ID},
            "body": {"startTime": f"{booking_day.isoformat()}T16:00:00Z", "notes": "Moved to the afternoon."},
        },
        ("POST", "/v1/appointments/{appointment_id}/cancel"): {"path": {"appointment_id": DEMO_CANCEL_ID}},
        ("GET", "/v1/services"): {"query": {"ordering": "price"}},
        ("GET", "/v1/staff"): {"query": {"serviceId": DEMO_SERVICE_ID}},
        ("GET", "/v1/clients"): {"query": {"email": "jordan.rivera@example.com"}},
        ("POST", "/v1/clients"): {  # not the booking's client: creating that one again is a 409
            "body": {"firstName": "Riley", "lastName": "Novak", "email": "riley.novak@example.com",
                     "phone": "+14155550188"},
        },
        ("POST", "/v1/connections"): {  # the Mindbody sandbox's own demo-site credentials, not a secret
            "body": {"provider": DEMO_PROVIDER, "config": MINDBODY_DEMO["config"],
                     "credentials": MINDBODY_DEMO["credentials"],
                     "end_user": {"id": "biz_0042", "name": "Harbor Day Spa"}},
        },
        ("PATCH", "/v1/connections/{connection_id}"): {"body": {"config": {"locationId": "1"}}},
        ("DELETE", "/v1/connections/{connection_id}"): {"path": {"connection_id": DEMO_SPARE_CONNECTION_ID}},
        ("POST", "/v1/connect-sessions"): {
            "body": {"end_user": {"id": "biz_0042", "name": "Harbor Day Spa"}, "providers": [DEMO_PROVIDER],
                     "redirect_url": "https://app.example.com/connected"},
        },
        ("GET", "/v1/connect-sessions/{session_id}"): {"path": {"session_id": DEMO_CONNECT_SESSION_ID}},
        ("POST", "/v1/api-keys"): {"body": {"name": "Booking widget backend", "scopes": ["availability:read"]}},
        ("DELETE", "/v1/api-keys/{key_id}"): {"path": {"key_id": DEMO_SPARE_KEY_ID}},
        ("POST", "/v1/webhook-endpoints"): {
            "body": {"url": "https://hooks.example.com/aptura", "event_types": ["appointment.created",
                                                                                "appointment.cancelled"]},
        },
        ("PATCH", "/v1/webhook-endpoints/{endpoint_id}"): {"body": {"description": "Front desk notifications"}},
        ("DELETE", "/v1/webhook-endpoints/{endpoint_id}"): {"path": {"endpoint_id": DEMO_SPARE_WEBHOOK_ENDPOINT_ID}},
        # Mindbody sends no webhooks (its changes are polled): the inbound address of one whose provider does.
        ("GET", "/v1/connections/{connection_id}/inbound"): {"path": {"connection_id": DEMO_INBOUND_CONNECTION_ID}},
        ("GET", "/v1/oauth/{provider}/authorize"): {
            "path": {"provider": DEMO_OAUTH_PROVIDER}, "query": {"config": json.dumps(SQUARE_DEMO["config"])},
        },
    }


# Path parameters the demo account has, where a route's sample does not name its own.
_DEMO_PATH_VALUES = {"provider_id": DEMO_PROVIDER, "provider": DEMO_PROVIDER, "connection_id": DEMO_CONNECTION_ID,
                     "endpoint_id": DEMO_WEBHOOK_ENDPOINT_ID, "event_id": DEMO_EVENT_ID}


def sampled(route: Route) -> bool:
    """Whether ``events/`` has a sample for ``route``: the API's routes a client calls with a key.

    The pages (dashboard, connect page, static files) and CORS preflights are a browser's, covered by the browser
    tests; the OAuth callback is the provider's redirect with a one-time code and a signed, expiring state, which
    no file can hold.
    """
    return (route.path.startswith("/v1/") and route.method != "OPTIONS"
            and route.path != "/v1/oauth/{provider}/callback")


def sample_request(route: Route, domain: str = "a1b2c3d4e5.execute-api.us-east-1.amazonaws.com",
                   today: date | None = None) -> HttpRequest:
    """A realistic request for ``route``: Aptura credentials and connection headers, sensible query or body."""
    method = "GET" if route.method == "ANY" else route.method
    sample = samples(today or datetime.now(UTC).date()).get((method, route.path), {})
    values = {**_DEMO_PATH_VALUES, **sample.get("path", {})}
    path = "/".join(
        ("example/path" if seg.endswith("+}") else values.get(seg[1:-1], f"example-{seg[1:-1]}"))
        if seg.startswith("{") else seg
        for seg in route.path.split("/")
    )
    body = b""
    if "body" in sample or method in ("POST", "PUT", "PATCH"):
        body = json.dumps(sample.get("body", {}), indent=2).encode()
    headers = [
        ("Accept", "application/json"),
        ("Authorization", f"Bearer {DEMO_API_KEY}"),
        ("Host", domain),
        ("User-Agent", "aptura-sample/1.0"),
        ("X-Amzn-Trace-Id", "Root=1-683d6790-0123456789abcdef01234567"),
        ("X-Connection-Id", DEMO_CONNECTION_ID),
        ("X-Forwarded-For", "203.0.113.10"),
        ("X-Forwarded-Port", "443"),
        ("X-Forwarded-Proto", "https"),
    ]
    if body:
        headers.insert(1, ("Content-Type", "application/json"))
    return HttpRequest(method, path, urlencode(sample.get("query", {})), headers, body, "203.0.113.10")


def sample_events(template: str | Path, parameter_overrides: dict[str, str] | None = None,
                  today: date | None = None) -> dict[str, dict]:
    """``{"<FunctionLogicalId>/<EventName>.json": event}`` per :func:`sampled` route of ``template`` as of ``today``."""
    today = today or datetime.now(UTC).date()
    epoch_ms = int(datetime.combine(today, dtime(9, 0), tzinfo=UTC).timestamp() * 1000)
    out = {}
    for route in filter(sampled, load_stack(template, parameter_overrides).routes):
        req = sample_request(route, today=today)
        params = route.match(req.raw_path) or {}
        request_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"aptura:{route.function_id}/{route.event_name}"))
        event = build_event(req, route, params, request_id=request_id, epoch_ms=epoch_ms)
        out[f"{route.function_id}/{route.event_name}.json"] = event
    return out


def render(event: dict[str, Any]) -> str:
    """The on-disk form of a sample event (stable, diff-friendly)."""
    return json.dumps(event, indent=2) + "\n"


def main(argv: list[str] | None = None) -> None:
    """CLI: write ``<out>/<FunctionLogicalId>/<EventName>.json`` for every route of the template."""
    parser = argparse.ArgumentParser(description="Write one sample API Gateway event per route.")
    parser.add_argument("--template", default="template.yaml")
    parser.add_argument("--out", default="events")
    parser.add_argument("--parameter-overrides", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today, UTC)")
    args = parser.parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.parameter_overrides)
    for rel, event in sample_events(args.template, overrides, args.today).items():
        target = Path(args.out) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(event), encoding="utf-8")
        print(target)


if __name__ == "__main__":
    main()
