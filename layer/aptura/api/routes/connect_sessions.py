"""/v1/connect-sessions: a single-use link to Aptura's hosted connect page for one end user.

The integrator creates a session for its end user (a business) and sends them to its
``url``; the business connects its own provider account there, and the browser then goes
to ``redirect_url`` with ``connection_id`` and ``connect_session_id``. The integrator never
handles the business's credentials. See ``aptura.connect``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from aptura import connect
from aptura.api.app import ERROR_RESPONSES, require_key, success
from aptura.api.models import ConnectSessionCreate, ConnectSessionCreated, ConnectSessionInfo
from aptura.engine.timezones import format_utc
from aptura.errors import NotFound

router = Router()

SCOPE = "connections:manage"
SessionId = Annotated[str, Path(min_length=1, max_length=100, description="The connect session's id",
                                examples=["cs_4f1d2c3b4a5e6f708192a3b4"])]


def _utc(epoch: int) -> str:
    return format_utc(datetime.fromtimestamp(epoch, UTC))


def _present(session: connect.ConnectSession) -> dict[str, Any]:
    status = "expired" if session.status == "open" and session.expired else session.status
    return ConnectSessionInfo.model_validate({
        "id": session.session_id, "mode": session.mode, "status": status, "end_user": session.end_user.as_dict(),
        "providers": list(session.providers), "redirect_url": session.redirect_url,
        "created_at": session.created_at, "expires_at": _utc(session.expires_at),
        "connection_id": session.connection_id,
    }).model_dump(mode="json")


@router.post(
    "/v1/connect-sessions",
    operation_id="createConnectSession",
    summary="Create a connect session (hosted connect page)",
    description=("A single-use link, valid for 30 minutes, to Aptura's hosted page where your end user "
                 "connects their own booking platform account: a form generated from the provider's "
                 "connection fields (or the provider's OAuth consent), checked with the provider before "
                 "anything is saved. The connection is made in your account, in the API key's mode, and "
                 "carries `end_user`; the browser then goes to `redirect_url?connection_id=…&"
                 "connect_session_id=…`. Live mode requires an https `redirect_url`."),
    tags=["Connections"],
    responses={201: success(ConnectSessionCreated, "The session: send the end user to its url"), **ERROR_RESPONSES},
)
def create(body: ConnectSessionCreate) -> tuple[dict[str, Any], int]:
    key = require_key(SCOPE)
    end_user = connect.EndUser(body.end_user.id, body.end_user.name, body.end_user.email)
    session, raw = connect.create_session(key.account_id, key.mode, end_user, body.providers, body.redirect_url)
    created = ConnectSessionCreated(id=session.session_id, url=connect.session_url(raw),
                                    expires_at=_utc(session.expires_at))
    return created.model_dump(mode="json"), 201


@router.get(
    "/v1/connect-sessions/<session_id>",
    operation_id="getConnectSession",
    summary="Get a connect session",
    description=("Its status (`open`, `completed` or `expired`), end user, providers and, once completed, "
                 "the `connection_id` it created. Never its link."),
    tags=["Connections"],
    responses={200: success(ConnectSessionInfo, "The connect session"), **ERROR_RESPONSES},
)
def get(session_id: SessionId) -> dict[str, Any]:
    key = require_key(SCOPE)
    session = connect.get_session(key.account_id, session_id)
    # Another account's, or another mode's, session: no hint that it exists.
    if session is None or session.mode != key.mode:
        raise NotFound(f"connect session {session_id} not found")
    return _present(session)
