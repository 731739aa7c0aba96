"""Boulevard sandbox: the GraphQL Client API at ``POST /api/2020-01/{businessId}/client`` and the
Admin API at ``POST /api/2020-01/admin``.

Mounted by the shared server at ``/boulevard``, so the SDK target (base URL) is
``<server>/boulevard`` and the endpoint ``<server>/boulevard/api/2020-01/<business uuid>/client``.
See README.md for credentials, seed data and the choices made where Boulevard's docs are silent.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime
from typing import Any

from graphql import GraphQLError, parse
from graphql.language import (
    FieldNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    ValueNode,
    VariableNode,
)

from sandboxes.boulevard import seed
from sandboxes.boulevard.admin_graph import admin_graph
from sandboxes.boulevard.auth import (
    AuthError,
    Caller,
    parse_authorization,
    verify_admin_token,
    verify_client_token,
)
from sandboxes.boulevard.engine import Engine
from sandboxes.boulevard.graph import Context, Graph, stamp
from sandboxes.core import Request, Response, SandboxApp

API_VERSION = "2020-01"
CLIENT_PATH = f"/api/{API_VERSION}/{{business_id}}/client"
# The business comes from the admin token; some integrations also put it in the path.
ADMIN_PATH = f"/api/{API_VERSION}/admin"
ADMIN_BUSINESS_PATH = f"/api/{API_VERSION}/{{business_id}}/admin"

# Keys match the connection fields of specs/boulevard.yaml: the API key (guest Client API calls)
# and the secret key that signs Admin API tokens.
DEMO: dict[str, Any] = {
    "slot_taken_wordings": 3,  # ways this sandbox refuses a taken slot (POST /_sandbox/wording)
    # a refusal of a booking for another reason, in the provider's format (a /_sandbox/faults rule)
    "refusal_fault": {"path": "/client$",
                       "method": "POST",
                       "match_body": "mutation Reserve",
                       "status": 200,
                       "body": {"data": None,
                                "errors": [{"message": "Online booking is disabled for this location.",
                                            "code": "ONLINE_BOOKING_DISABLED"}]}},
    "config": {
        "businessId": seed.BUSINESS_UUID,
        "locationId": seed.LOC_DOWNTOWN,
        "timezone": seed.ZONE_NAME,
    },
    "credentials": {"apiKey": seed.API_KEY, "secretKey": seed.SECRET_KEY},
    "service_id": seed.SVC_HAIRCUT,
    "staff_id": seed.STAFF_AVA,
    # The one provider request that makes a booking (fault rules aim at it in the tests): every
    # GraphQL call POSTs to the same path, so the body must name the checkoutCart mutation.
    "booking_request": {"method": "POST", "path": "^/api/2020-01/[^/]+/client$", "match_body": "checkoutCart"},
}


_CLIENT_PATH_RE = re.compile(rf"^/api/{API_VERSION}/[^/]+/client$")


def _checkout_cart_id(method: str, path: str, body: bytes) -> str | None:
    """The cart a Client API request checks out (``checkoutCart(input: {id})``), if it does."""
    if method != "POST" or not _CLIENT_PATH_RE.match(path) or b"checkoutCart" not in body:
        return None
    try:
        payload = json.loads(body)
        variables = payload.get("variables") or {}
        if isinstance(variables, str):
            variables = json.loads(variables)
        document = parse(payload["query"])
    except (ValueError, TypeError, KeyError, AttributeError, GraphQLError):
        return None
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode) or definition.operation != OperationType.MUTATION:
            continue
        if payload.get("operationName") and (definition.name is None
                                             or definition.name.value != payload["operationName"]):
            continue
        for field in definition.selection_set.selections:
            if not isinstance(field, FieldNode) or field.name.value != "checkoutCart":
                continue
            for argument in field.arguments or ():
                if argument.name.value == "input":
                    cart_id = _input_id(argument.value, variables)
                    return cart_id if isinstance(cart_id, str) else None
    return None


def _input_id(node: ValueNode, variables: Any) -> Any:
    """The ``id`` of an input object given inline or as a variable."""
    if isinstance(node, VariableNode):
        data = variables.get(node.name.value) if isinstance(variables, dict) else None
        return data.get("id") if isinstance(data, dict) else None
    if isinstance(node, ObjectValueNode):
        value = next((f.value for f in node.fields if f.name.value == "id"), None)
        if isinstance(value, VariableNode):
            return variables.get(value.name.value) if isinstance(variables, dict) else None
        if isinstance(value, StringValueNode):
            return value.value
    return None


def _unauthorized(message: str) -> Response:
    # A GraphQL-shaped body, so GraphQL clients (the Book SDK's graphql-request) surface
    # ``response.errors[0].code`` just as for an in-band UNAUTHENTICATED error.
    return Response.json({"errors": [{"message": message, "code": "UNAUTHENTICATED"}]}, 401)


class BoulevardSandbox(SandboxApp):
    """Simulated Boulevard Client API (carts, availability, checkout, appointments) and Admin API."""

    name = "boulevard"

    def __init__(self) -> None:
        self.graph = Graph()
        self.admin_graph = admin_graph()
        self.world = seed.build_world()
        self.engine = Engine(self.world)
        self.engine.worded = self.worded
        super().__init__()
        self.engine.worded = self.worded
        self.route("POST", CLIENT_PATH, self.client_api)
        self.route("POST", ADMIN_PATH, self.admin_api)
        self.route("POST", ADMIN_BUSINESS_PATH, self.admin_api)

    def reset(self) -> None:
        """Rebuild the seed world (business, locations, staff, services, clients, appointments)."""
        self.world = seed.build_world()
        self.engine = Engine(self.world)

    # -- the endpoint ----------------------------------------------------------------------
    def authenticate(self, request: Request) -> Caller:
        """Resolve the Basic credentials into a caller or raise :class:`AuthError`."""
        api_key, token = parse_authorization(request.header("authorization"))
        business = self.world.business
        if request.params.get("business_id") != business["uuid"] or api_key != seed.API_KEY:
            raise AuthError("Invalid API key or business")
        if not token:
            return Caller(api_key)
        client_id = verify_client_token(token, business["uuid"], seed.SECRET_KEY, int(self.now().timestamp()))
        if client_id not in self.world.clients:
            raise AuthError("Unknown client")
        return Caller(api_key, client_id)

    def authenticate_admin(self, request: Request) -> Caller:
        """Resolve Admin API credentials (API key plus a signed admin token) or raise :class:`AuthError`.

        Token freshness is judged by the real clock: callers sign with theirs, even while tests
        pin the sandbox's business clock to a date in the future.
        """
        api_key, token = parse_authorization(request.header("authorization"))
        business = self.world.business["uuid"]
        if api_key != seed.API_KEY:
            raise AuthError("Invalid API key")
        if not token:
            raise AuthError("The Admin API needs a signed admin token")
        if verify_admin_token(token, seed.SECRET_KEY, int(time.time())) != business:
            raise AuthError("Admin token was issued for another business")
        if request.params.get("business_id", business) != business:
            raise AuthError("Invalid business")
        return Caller(api_key)

    def arrived(self, request: Request) -> None:
        """Boulevard's checkoutCart locks its cart (Book SDK docs) from the moment it arrives,
        even while an injected stall holds it back; it is released when served."""
        self.checkout_arriving(_checkout_cart_id(request.method, request.path, request.body), +1)

    def checkout_arriving(self, cart_id: str | None, change: int) -> None:
        """Count a checkoutCart request on its way to ``cart_id`` (+1 on arrival, -1 when served)."""
        if cart_id is None:
            return
        with self.lock:
            cart = self.world.carts.get(cart_id)
            if cart is not None:
                cart.checkouts_arriving = max(0, cart.checkouts_arriving + change)

    def client_api(self, request: Request) -> Response:
        """``POST /api/2020-01/{businessId}/client``: one GraphQL request."""
        checkout = _checkout_cart_id(request.method, request.path, request.body)
        if checkout is None:
            return self._client_api(request)
        with self.lock:  # re-entrant (the execution takes it too): nothing comes between the two
            self.checkout_arriving(checkout, -1)  # served now: its arrival no longer locks the cart
            return self._client_api(request)

    def _client_api(self, request: Request) -> Response:
        try:
            caller = self.authenticate(request)
        except AuthError as exc:
            return _unauthorized(str(exc))
        return self._execute(request, caller, self.graph)

    def admin_api(self, request: Request) -> Response:
        """``POST /api/2020-01/admin``: one GraphQL request as the business."""
        try:
            caller = self.authenticate_admin(request)
        except AuthError as exc:
            return _unauthorized(str(exc))
        return self._execute(request, caller, self.admin_graph)

    def _execute(self, request: Request, caller: Caller, graph: Graph) -> Response:
        content_type = (request.header("content-type") or "").split(";")[0].strip().lower()
        variables: Any = None
        operation_name: Any = None
        if content_type == "application/graphql":
            query: Any = request.body.decode("utf-8", "replace")
        else:
            try:
                payload = request.json()
            except (ValueError, UnicodeDecodeError):
                return Response.json({"errors": [{"message": "Could not parse the request body as JSON"}]}, 400)
            if not isinstance(payload, dict):
                return Response.json({"errors": [{"message": "Expected a JSON object with a `query`"}]}, 400)
            query, variables, operation_name = payload.get("query"), payload.get("variables"), payload.get(
                "operationName")
            if isinstance(variables, str) and variables:
                try:
                    variables = json.loads(variables)
                except ValueError:
                    return Response.json({"errors": [{"message": "Could not parse `variables` as JSON"}]}, 400)
        if not isinstance(query, str) or not query.strip():
            return Response.json({"errors": [{"message": "No query document supplied"}]}, 400)
        if variables is not None and not isinstance(variables, dict):
            return Response.json({"errors": [{"message": "`variables` must be an object"}]}, 400)

        def context() -> Context:
            return Context(self.engine, caller, self.now())

        body = graph.run(query, variables or None, operation_name or None, context, self.lock)
        return Response.json(body, 200)

    # -- admin -------------------------------------------------------------------------------
    def book_directly(self, service_id: str, staff_id: str, location_id: str, start: datetime,
                      client_id: str = seed.CLIENT_JOHN) -> str:
        """Book as the front desk would (no cart, no availability check); returns the appointment id.

        Tests use it to take a slot away from a cart that holds a reservation.
        """
        with self.lock:
            variant = next(v for v in self.world.variants if v.service_id == service_id and v.staff_id == staff_id)
            appt = seed.Appointment(
                f"urn:blvd:Appointment:{uuid.uuid4()}", location_id, client_id,
                [seed.AppointmentService(service_id, staff_id, True, start, variant.duration, variant.price)],
                self.now(),
            )
            self.world.appointments[appt.id] = appt
            return appt.id

    def admin_state(self) -> Any:
        """Appointments, carts and clients as JSON (for tests and the dev stack)."""
        w = self.world
        return {
            "business": {"id": w.business["id"], "uuid": w.business["uuid"], "tz": w.business["tz"]},
            "appointments": [
                {
                    "id": a.id, "state": a.state, "locationId": a.location_id, "clientId": a.client_id,
                    "cartId": a.cart_id, "startAt": stamp(a.start), "endAt": stamp(a.end), "notes": a.notes,
                    "services": [{"serviceId": s.service_id, "staffId": s.staff_id, "startAt": stamp(s.start),
                                  "duration": s.duration, "price": s.price} for s in a.services],
                }
                for a in w.appointments.values()
            ],
            "carts": [
                {
                    "id": c.id, "locationId": c.location_id, "items": [i.service_id for i in c.items],
                    "completedAt": stamp(c.completed_at),
                    "reservation": None if c.reservation is None else {
                        "timeId": c.reservation.time_id, "expiresAt": stamp(c.reservation.expires_at),
                    },
                }
                for c in w.carts.values()
            ],
            "clients": [{"id": c.id, "name": c.name, "email": c.email} for c in w.clients.values()],
        }
