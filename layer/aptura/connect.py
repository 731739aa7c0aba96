"""Connect sessions, and the one place connections are created and rotated.

A connect session lets an integrator's end user (a business) connect its own provider
account on Aptura's hosted page, without the integrator ever seeing the credentials.
``create_session`` returns a raw token once; only its hash is stored. The token opens the
hosted page (``session_url``) and grants nothing beyond completing this one connection, in
the session's account and mode, with one of the session's providers, before it expires.

Items in the app table (the ``expires_at`` attribute is the table's TTL):

=====================  ===============================  ====================================
item                   pk                               sk
=====================  ===============================  ====================================
session, by token      ``CONNECT#<sha256(token)>``      ``CONNECT_SESSION``
session, by account    ``ACCOUNT#<account_id>``         ``CONNECT_SESSION#<session_id>``
=====================  ===============================  ====================================

Single use is a conditional write on the token's item (``open`` -> ``completed``), made only
after the provider accepted the credentials and before anything is stored, so two
submissions of one session can never create two connections and a refused one saves nothing.

Every connection, whether made with ``POST /v1/connections``, the hosted page, the dashboard
or OAuth, is created by :func:`connect_provider` or :func:`store_connection` here.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from botocore.exceptions import ClientError

from aptura import events
from aptura.api import oauth
from aptura.api.app import current_event, oauth_app, provider_runner
from aptura.api.audit import audit
from aptura.engine.runner import Connection as ProviderConnection
from aptura.engine.runner import Runner
from aptura.engine.timezones import format_utc
from aptura.errors import AptError, NotFound, ValidationError
from aptura.spec.fields import validate_connection
from aptura.spec.loader import all_specs, load_spec
from aptura.spec.models import OAuth2Auth, ProviderSpec
from aptura.store.connections import (
    ConnectionRecord,
    create_connection,
    new_connection_id,
    read_credentials,
    update_connection,
)
from aptura.store.db import account_items, table
from aptura.store.keys import hash_key

DEFAULT_TTL_SECONDS = 1800
MAX_TTL_SECONDS = 24 * 3600
# The account's copy outlives the session, so an integrator can still look up how it ended.
KEEP_AFTER_EXPIRY_SECONDS = 30 * 24 * 3600
VERIFY = "connection.verify"
# Errors meaning "the provider does not accept these credentials", whatever the spec called them.
_REFUSED = ("connection_auth_failed", "unauthorized", "forbidden")
_LOCAL_HOSTS = ("localhost", "127.0.0.1")
_TOKEN_PREFIX = "cst_"


@dataclass(frozen=True)
class EndUser:
    """Whom a connection is made for: the integrator's own id for the business, and how to call it."""

    id: str
    name: str | None = None
    email: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """``{"id", "name", "email"}`` as stored on a connection and shown by the API."""
        return {"id": self.id, "name": self.name, "email": self.email}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> EndUser | None:
        """The end user a stored or posted mapping describes (None for none)."""
        if not data or not data.get("id"):
            return None
        return cls(str(data["id"]), data.get("name") or None, data.get("email") or None)


@dataclass(frozen=True)
class ConnectSession:
    """One connect session, as stored (never its raw token)."""

    session_id: str
    account_id: str
    mode: str
    end_user: EndUser
    providers: tuple[str, ...]
    redirect_url: str
    expires_at: int
    status: str
    csrf: str
    connection_id: str | None = None
    created_at: str = field(default="", compare=False)

    @property
    def expired(self) -> bool:
        """Whether the session can no longer be used because its time is up."""
        return self.expires_at <= time.time()


class ConnectRefused(AptError):
    """The hosted form's submission was not accepted; nothing was saved.

    ``message`` is plain words for the person connecting; ``field_errors`` holds messages by
    field name (the form input's ``name``), never a submitted value.
    """

    def __init__(self, message: str, *, code: str = "unprocessable",
                 field_errors: dict[str, list[str]] | None = None, details: Any = None) -> None:
        self.field_errors: dict[str, list[str]] = dict(field_errors or {})
        super().__init__(message, code=code, details=details if details is not None else dict(self.field_errors))


def _now_utc() -> str:
    return format_utc(datetime.now(UTC))


# -- sessions ---------------------------------------------------------------------------------


def _token_key(token_hash: str) -> dict[str, str]:
    return {"pk": f"CONNECT#{token_hash}", "sk": "CONNECT_SESSION"}


def _account_key(account_id: str, session_id: str) -> dict[str, str]:
    return {"pk": f"ACCOUNT#{account_id}", "sk": f"CONNECT_SESSION#{session_id}"}


def _check_redirect(url: str, mode: str) -> str:
    """``url`` if a browser may be sent there at the end of a ``mode`` session, else a 400."""
    problem = None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme not in ("http", "https") or not host:
        problem = "must be an absolute https URL"
    elif parts.username is not None or parts.password is not None:
        problem = "must not contain a user name or password"
    elif parts.fragment:
        problem = "must not contain a #fragment"
    elif parts.scheme == "http" and (mode == "live" or host not in _LOCAL_HOSTS):
        problem = ("must use https in live mode" if mode == "live"
                   else "must use https (http is allowed only on localhost and 127.0.0.1 in test mode)")
    elif len(url) > 2000:
        problem = "must be at most 2000 characters"
    if problem:
        raise ValidationError(f"redirect_url {problem}", details={"redirect_url": [problem]})
    return url


def _allowed_providers(requested: list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    known = all_specs()
    if requested is None:
        return tuple(known)
    if not requested:
        raise ValidationError("providers must list at least one provider",
                              details={"providers": ["empty; omit it to allow every provider"]})
    unknown = sorted({p for p in requested if p not in known})
    if unknown:
        raise ValidationError(f"unknown provider {', '.join(unknown)}",
                              details={"providers": [f"unknown provider {p!r}; one of: {', '.join(known)}"
                                                     for p in unknown]})
    return tuple(dict.fromkeys(requested))  # each once, in the caller's order


def _item(session: ConnectSession) -> dict[str, Any]:
    item: dict[str, Any] = {
        "session_id": session.session_id, "account_id": session.account_id, "mode": session.mode,
        "end_user": {k: v for k, v in session.end_user.as_dict().items() if v is not None},
        "providers": list(session.providers), "redirect_url": session.redirect_url,
        "session_expires": session.expires_at, "status": session.status, "created_at": session.created_at,
    }
    if session.connection_id:
        item["connection_id"] = session.connection_id
    return item


def _from_item(item: dict[str, Any]) -> ConnectSession:
    return ConnectSession(
        session_id=item["session_id"], account_id=item["account_id"], mode=item["mode"],
        end_user=EndUser.from_dict(item.get("end_user")) or EndUser(""),
        providers=tuple(item.get("providers") or ()), redirect_url=item["redirect_url"],
        expires_at=int(item["session_expires"]), status=item["status"], csrf=item.get("csrf", ""),
        connection_id=item.get("connection_id"), created_at=item.get("created_at", ""),
    )


def create_session(account_id: str, mode: str, end_user: EndUser, providers: list[str] | tuple[str, ...] | None,
                   redirect_url: str, ttl_seconds: int = DEFAULT_TTL_SECONDS,
                   session_id: str | None = None) -> tuple[ConnectSession, str]:
    """Open a connect session; returns it and its raw token (shown once, stored only hashed).

    ``session_id`` is for fixed seed data only (``make dev``'s demo account); otherwise one is drawn.
    ``providers`` None allows every provider with a spec (expanded now, so the session never
    changes with later specs); unknown ids and a bad ``redirect_url`` are 400s.
    """
    if not 60 <= ttl_seconds <= MAX_TTL_SECONDS:
        raise ValidationError("ttl_seconds out of range", details={"ttl_seconds": [f"60..{MAX_TTL_SECONDS}"]})
    if not end_user.id:
        raise ValidationError("end_user.id is required", details={"end_user.id": ["this field is required"]})
    allowed = _allowed_providers(providers)
    _check_redirect(redirect_url, mode)
    raw = _TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_hash = hash_key(raw)
    session = ConnectSession(
        session_id=session_id or f"cs_{secrets.token_hex(12)}", account_id=account_id, mode=mode, end_user=end_user,
        providers=allowed, redirect_url=redirect_url, expires_at=int(time.time()) + ttl_seconds,
        status="open", csrf=secrets.token_urlsafe(24), created_at=_now_utc())
    # The account's copy first: a token item always has its account item to be found by.
    table().put_item(Item={**_account_key(account_id, session.session_id), **_item(session),
                           "token_hash": token_hash, "expires_at": session.expires_at + KEEP_AFTER_EXPIRY_SECONDS})
    table().put_item(Item={**_token_key(token_hash), **_item(session), "csrf": session.csrf,
                           "expires_at": session.expires_at},
                     ConditionExpression="attribute_not_exists(pk)")
    audit("connect_sessions.create", "created", "connect session created", account_id=account_id, mode=mode,
          connect_session_id=session.session_id, end_user_id=end_user.id, providers=list(allowed))
    return session, raw


def session_url(raw_token: str) -> str:
    """Where the hosted connect page of the session with ``raw_token`` is."""
    try:
        base = oauth.served_url()
    except LookupError:  # outside an API request (admin CLI, tests): APTURA_PUBLIC_URL or localhost
        base = oauth.public_base_url()
    return f"{base}/connect/{raw_token}"


def _gone(session: ConnectSession) -> AptError:
    if session.status != "open":
        return AptError("this connect link was already used; ask for a new one", code="gone", status=410,
                        details={"connect_session": ["already used"]})
    return AptError("this connect link has expired; ask for a new one", code="gone", status=410,
                    details={"connect_session": ["expired"]})


def _read(raw_token: str) -> tuple[str, ConnectSession]:
    if not raw_token.startswith(_TOKEN_PREFIX) or len(raw_token) > 200:
        raise NotFound("connect session not found")
    token_hash = hash_key(raw_token)
    item = table().get_item(Key=_token_key(token_hash), ConsistentRead=True).get("Item")
    if item is None:
        raise NotFound("connect session not found")
    return token_hash, _from_item(item)


def open_session(raw_token: str) -> ConnectSession:
    """The open session of ``raw_token``: NotFound when unknown, 410 ``gone`` when expired or used."""
    _, session = _read(raw_token)
    if session.status != "open" or session.expired:
        raise _gone(session)
    return session


def get_session(account_id: str, session_id: str) -> ConnectSession | None:
    """The account's session ``session_id`` (None, also for another account's id)."""
    item = table().get_item(Key=_account_key(account_id, session_id)).get("Item")
    return _from_item(item) if item else None


def list_sessions(account_id: str) -> list[ConnectSession]:
    """Every stored session of the account, oldest first (one Query on its partition)."""
    return sorted((_from_item(i) for i in account_items(account_id, "CONNECT_SESSION#")), key=lambda s: s.created_at)


def _claim(token_hash: str, session: ConnectSession, connection_id: str) -> None:
    """Mark the session used by ``connection_id``; 410 when another submission (or time) got there first."""
    try:
        table().update_item(
            Key=_token_key(token_hash),
            UpdateExpression="SET #status = :completed, connection_id = :conn",
            ConditionExpression="#status = :open AND session_expires > :now",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":completed": "completed", ":open": "open", ":conn": connection_id,
                                       ":now": int(time.time())})
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
            raise
        item = table().get_item(Key=_token_key(token_hash), ConsistentRead=True).get("Item")
        raise _gone(_from_item(item) if item else session) from exc


def _release(token_hash: str, connection_id: str) -> None:
    """Undo :func:`_claim` when the connection could not be stored, so the link can be used again."""
    try:
        table().update_item(
            Key=_token_key(token_hash), UpdateExpression="SET #status = :open REMOVE connection_id",
            ConditionExpression="connection_id = :conn", ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":open": "open", ":conn": connection_id})
    except ClientError:  # already released, or gone with its TTL: nothing to undo
        pass


def _record_completion(session: ConnectSession, connection_id: str) -> None:
    table().update_item(
        Key=_account_key(session.account_id, session.session_id),
        UpdateExpression="SET #status = :completed, connection_id = :conn, completed_at = :at",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":completed": "completed", ":conn": connection_id, ":at": _now_utc()})


def redirect_target(session: ConnectSession, **params: str) -> str:
    """The session's redirect_url with ``params`` (and ``connect_session_id``) added to its query."""
    parts = urlsplit(session.redirect_url)
    query = urlencode({**params, "connect_session_id": session.session_id})
    return urlunsplit(parts._replace(query=f"{parts.query}&{query}" if parts.query else query))


def _allowed(session: ConnectSession, provider: str) -> ProviderSpec:
    if provider not in session.providers:
        raise ConnectRefused("this connect link does not offer that provider", code="validation_error",
                             field_errors={"provider": [f"one of: {', '.join(session.providers)}"]})
    return load_spec(provider)


# -- connections ------------------------------------------------------------------------------


@contextmanager
def _runner(spec: ProviderSpec, connection: ProviderConnection) -> Iterator[Runner]:
    """The API's provider_runner inside a request; a plain Runner outside one (admin CLI, tests)."""
    try:
        current_event()
    except LookupError:
        app = oauth_app(spec.id, connection.mode) if isinstance(spec.auth, OAuth2Auth) else None
        yield Runner(spec, connection, oauth_app=app)
        return
    with provider_runner(spec, connection, VERIFY) as runner:
        yield runner


def _redact(text: str, credentials: dict[str, Any]) -> str:
    """``text`` with every credential value blanked: a provider may echo what it was sent."""
    for value in credentials.values():
        secret = str(value) if isinstance(value, (str, int, float)) and not isinstance(value, bool) else ""
        if len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text


def _verify(spec: ProviderSpec, connection: ProviderConnection) -> bool:
    """Check the connection with the provider; False when the spec declares no way to.

    Refused credentials are a 422 (the caller writes nothing); a provider that is down keeps
    its own 502/503/504. An OAuth refresh during the call updates ``connection.secrets`` in
    place, so the caller stores what the provider last issued.
    """
    if spec.operations.get(VERIFY) is None:  # type: ignore[call-overload]
        return False
    with _runner(spec, connection) as runner:
        try:
            runner.run(VERIFY, {})
        except AptError as exc:
            if exc.code not in _REFUSED:
                raise
            raise AptError(f"{spec.name} refused these credentials; nothing was saved", code="unprocessable",
                           details={"credentials": [f"refused by {spec.name}"], "provider": spec.id,
                                    "provider_error": exc.code,
                                    "provider_message": _redact(exc.message, connection.secrets)}) from exc
    return True


def spec_for(provider: str) -> ProviderSpec:
    """The spec of ``provider``, or a 400 naming the known ones."""
    try:
        return load_spec(provider)
    except NotFound as exc:
        known = ", ".join(sorted(all_specs()))
        raise ValidationError(f"unknown provider {provider!r}",
                              details={"provider": [f"unknown provider; one of: {known}"]}) from exc


@dataclass(frozen=True)
class _Checked:
    spec: ProviderSpec
    connection: ProviderConnection  # its secrets are what to store (an OAuth refresh may have replaced them)
    verified: bool


def _check(provider: str, mode: str, config: dict[str, Any], credentials: dict[str, Any]) -> _Checked:
    spec = spec_for(provider)
    clean_config, clean_secrets = validate_connection(spec.connection, config, credentials)
    pending = ProviderConnection(new_connection_id(), spec.id, mode, clean_config, clean_secrets)
    return _Checked(spec, pending, _verify(spec, pending))


def store_connection(account_id: str, spec: ProviderSpec, connection: ProviderConnection, *, verified: bool,
                     end_user: EndUser | None = None) -> ConnectionRecord:
    """Store a connection whose fields were validated and whose credentials were checked (or just issued).

    Every way a connection is made (API, connect page, OAuth) passes here, so ``connection.created`` is emitted
    here, once.
    """
    record = create_connection(
        account_id, spec.id, connection.mode, connection.config, connection.secrets, connection.id,
        status="active" if verified else "unverified", verified_at=_now_utc() if verified else None,
        end_user=end_user.as_dict() if end_user else None)
    events.emit_connection("connection.created", record)
    return record


def connect_provider(account_id: str, mode: str, provider: str, config: dict[str, Any],
                     credentials: dict[str, Any], end_user: EndUser | None = None) -> ConnectionRecord:
    """Validate the fields (400 per field), verify with the provider (422 when refused), then create.

    Nothing is stored unless every check passed. A spec without ``connection.verify`` gives an
    ``unverified`` connection.
    """
    checked = _check(provider, mode, config, credentials)
    return store_connection(account_id, checked.spec, checked.connection, verified=checked.verified,
                            end_user=end_user)


def rotate_connection(record: ConnectionRecord, config: dict[str, Any] | None = None,
                      credentials: dict[str, Any] | None = None) -> ConnectionRecord:
    """Merge new config and/or credentials into the connection's, verify, then update it.

    A ``None`` value removes an optional field. Refused credentials are a 422 and the old ones
    stay in use.
    """
    if credentials is None and config is None:
        raise ValidationError("nothing to change", details={"body": ["send credentials and/or config"]})
    spec = load_spec(record.provider)
    try:
        current = dict(read_credentials(record, force=True))
    except AptError:  # a missing secret: complete new credentials repair the connection
        current = {}
    merged_config = {k: v for k, v in {**record.config, **(config or {})}.items() if v is not None}
    merged_secrets = {k: v for k, v in {**current, **(credentials or {})}.items() if v is not None}
    clean_config, clean_secrets = validate_connection(spec.connection, merged_config, merged_secrets)
    checked = ProviderConnection(record.connection_id, spec.id, record.mode, clean_config, clean_secrets)
    verified = _verify(spec, checked)
    return update_connection(
        record, config=clean_config if clean_config != record.config else None,
        credentials=checked.secrets if checked.secrets != current else None,
        status="active" if verified else "unverified", verified_at=_now_utc() if verified else None)


def _field_errors(details: Any) -> dict[str, list[str]]:
    """Validation details keyed ``config.x``/``credentials.x`` -> keyed by the bare field name."""
    if not isinstance(details, dict):
        return {}
    return {str(k).split(".", 1)[-1]: list(v) if isinstance(v, list) else [str(v)] for k, v in details.items()}


def _finish(token_hash: str, session: ConnectSession, spec: ProviderSpec, connection: ProviderConnection,
            verified: bool, via: str) -> tuple[ConnectionRecord, str]:
    """Claim the session for ``connection``, store it, and say where the browser goes next."""
    _claim(token_hash, session, connection.id)
    try:
        record = store_connection(session.account_id, spec, connection, verified=verified, end_user=session.end_user)
    except BaseException:
        _release(token_hash, connection.id)
        raise
    _record_completion(session, record.connection_id)
    audit("connect_sessions.complete", "completed", "connect session completed", account_id=session.account_id,
          mode=session.mode, connect_session_id=session.session_id, connection_id=record.connection_id,
          provider=spec.id, end_user_id=session.end_user.id, via=via)
    return record, redirect_target(session, connection_id=record.connection_id)


def complete_session(raw_token: str, provider: str, config: dict[str, Any], credentials: dict[str, Any]
                     ) -> tuple[ConnectionRecord, str]:
    """Connect ``provider`` through the session: verify, use the session up, create; returns the
    connection and ``redirect_url?connection_id=…&connect_session_id=…``.

    Invalid fields or refused credentials raise :class:`ConnectRefused` (the session stays
    open, nothing is saved); an expired or used session raises :func:`open_session`'s errors.
    """
    token_hash, session = _read(raw_token)
    if session.status != "open" or session.expired:
        raise _gone(session)
    spec = _allowed(session, provider)
    try:
        checked = _check(spec.id, session.mode, config, credentials)
    except ValidationError as exc:
        raise ConnectRefused("some fields need attention; nothing was saved", code="validation_error",
                             field_errors=_field_errors(exc.details)) from exc
    except AptError as exc:
        if exc.code != "unprocessable":
            raise
        audit("connect_sessions.complete", "refused", "connect session refused", account_id=session.account_id,
              mode=session.mode, connect_session_id=session.session_id, provider=spec.id, error=exc.code)
        raise ConnectRefused(f"{spec.name} did not accept these credentials. Check them and try again; "
                             "nothing was saved.", details={"provider": spec.id}) from exc
    return _finish(token_hash, session, checked.spec, checked.connection, checked.verified, via="form")


def oauth_start(raw_token: str, provider: str, callback_url: str) -> str:
    """The provider consent URL for connecting ``provider`` through the session by OAuth.

    The signed state names the session; the OAuth callback then completes it (single use) and
    redirects to the session's redirect_url with ``connection_id`` and ``connect_session_id``.
    """
    session = open_session(raw_token)
    spec = _allowed(session, provider)
    return oauth.authorize_url(spec, session.account_id, session.mode, {}, None, callback_url,
                               oauth_app(spec.id, session.mode), connect_session=session.session_id)


def complete_oauth(spec: ProviderSpec, state: oauth.State, code: str, callback_url: str
                   ) -> tuple[ConnectionRecord, str | None]:
    """Exchange the code of an OAuth callback and create the connection; returns it and where to
    redirect (the state's redirect_uri, or the connect session's redirect_url; None for neither)."""
    app = oauth_app(spec.id, state.mode)
    if state.connect_session is None:
        pending = oauth.exchange(spec, state, code, callback_url, app, new_connection_id())
        record = store_connection(state.account_id, spec, pending, verified=True)
        target = f"{state.redirect_uri}?{urlencode({'connection_id': record.connection_id})}" \
            if state.redirect_uri else None
        return record, target
    item = table().get_item(Key=_account_key(state.account_id, state.connect_session)).get("Item")
    if item is None or item["mode"] != state.mode:
        raise NotFound("connect session not found")
    token_hash = str(item["token_hash"])
    token_item = table().get_item(Key=_token_key(token_hash), ConsistentRead=True).get("Item")
    # The token's item ends with its TTL; the account's copy then still says how the session ended.
    session = _from_item(token_item or item)
    if session.status != "open" or session.expired:
        raise _gone(session)
    pending = oauth.exchange(spec, state, code, callback_url, app, new_connection_id())
    return _finish(token_hash, session, spec, pending, verified=True, via="oauth")


def oauth_declined(state: oauth.State, error: str) -> str | None:
    """Where the browser goes when the provider did not grant access (None: answer with an error)."""
    if state.connect_session is None:
        return f"{state.redirect_uri}?{urlencode({'error': error})}" if state.redirect_uri else None
    session = get_session(state.account_id, state.connect_session)
    return redirect_target(session, error=error) if session is not None else None
