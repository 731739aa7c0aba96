"""The dashboard: server-rendered pages where a person signs up, signs in and manages their account
(API keys, connections, webhook endpoints and their deliveries, activity).

Every page but sign-up/sign-in needs a live web session and acts only for the session's
account and mode; ids of another account answer 404. Every POST carries the session's CSRF
token. Sign-up, confirm and sign-in have no session yet: a browser's post to them must come from
this host (its ``Origin``), so another site cannot sign a visitor in to an account of its own, and
success always starts a fresh session.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlencode, urlsplit

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from aptura import connect, events
from aptura.api import oauth
from aptura.api.audit import activity, audit
from aptura.errors import AptError
from aptura.spec.loader import load_spec
from aptura.store import connections as store
from aptura.store import webhooks
from aptura.store.keys import ALL_SCOPES, PUBLISHABLE_SCOPES, create_api_key, list_api_keys, revoke_api_key
from aptura.web import accounts, html, sessions
from aptura.web.forms import FormField, fields_for, render_fields, split_values
from aptura.web.html import esc

router = Router()
BASE = "/dashboard"


def _secure() -> bool:
    # The scheme as the browser used it (API Gateway says https; the local gateway serves plain http).
    parts = urlsplit(oauth.served_url())
    return sessions.is_secure(parts.netloc, parts.scheme)


def _raw_session() -> str | None:
    headers = {k.lower(): v for k, v in (router.current_event.headers or {}).items()}
    return sessions.cookie_value(headers.get("cookie"))


def page(title: str, body: str, *, session: sessions.WebSession | None = None, status: int = 200,
         cookies: tuple[str, ...] = ()) -> Response[str]:
    """A full HTML page; signed in, it shows the navigation and the always-visible test/live indicator."""
    nav = ""
    if session is not None:
        other = "live" if session.mode == "test" else "test"
        nav = (f'<nav aria-label="Dashboard"><a href="{BASE}/keys">API keys</a> '
               f'<a href="{BASE}/connections">Connections</a> <a href="{BASE}/webhooks">Webhooks</a> '
               f'<a href="{BASE}/activity">Activity</a></nav>'
               f'<form method="post" action="{BASE}/mode">{_csrf(session)}'
               f'<input type="hidden" name="mode" value="{other}">'
               f'<button type="submit">Switch to {other} mode</button></form>'
               f'<form method="post" action="{BASE}/sign-out">{_csrf(session)}'
               f'<button type="submit">Sign out</button></form>')
    doc = html.page(title, f"<h1>{esc(title)}</h1>{body}", mode=session.mode if session else None, nav=nav)
    return html.html_response(doc, status, cookies=cookies)


def redirect(location: str, *, cookies: tuple[str, ...] = (), form_action: tuple[str, ...] = ()) -> Response[str]:
    """A 303 to ``location``; ``form_action`` origins join the CSP (Chromium checks the redirect after a post)."""
    answer = html.redirect(location, cookies=cookies)
    if form_action:
        policy = html.html_response("", form_action=form_action).headers["Content-Security-Policy"]
        answer.headers["Content-Security-Policy"] = policy
    return answer


def _csrf(session: sessions.WebSession) -> str:
    return f'<input type="hidden" name="csrf" value="{esc(session.csrf)}">'


def _error(message: str | None) -> str:
    return f'<div class="alert" role="alert"><p>{esc(message)}</p></div>' if message else ""


def _signed_in() -> sessions.WebSession | None:
    return sessions.load(_raw_session())


def signed_in(*, post: bool) -> Callable[[Callable[..., Response[str]]], Callable[..., Response[str]]]:
    """A page for signed-in people: the handler gets the session first (and, for a POST, the form whose CSRF
    token was checked); without a session the answer is the sign-in page, a POST without its token is 403."""

    def decorate(handler: Callable[..., Response[str]]) -> Callable[..., Response[str]]:
        def run(**path: str) -> Response[str]:
            session = _signed_in()
            if session is None:
                return redirect(f"{BASE}/sign-in")
            if not post:
                return handler(session, **path)
            form = html.form_body()
            if not sessions.csrf_ok(session, form.get("csrf", "")):
                return page("Request refused", _error("This form expired; go back, reload and try again."),
                            status=403)
            return handler(session, form, **path)

        # The router reads the path parameters (and validates them) from the signature: the page's own,
        # without the session and form this wrapper supplies.
        signature = inspect.signature(handler)
        run.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=list(signature.parameters.values())[2 if post else 1:])
        run.__name__, run.__doc__, run.__module__ = handler.__name__, handler.__doc__, handler.__module__
        return run

    return decorate


# -- sign-up, sign-in, sign-out ----------------------------------------------------------------------------


def _cross_site() -> Response[str] | None:
    """A 403 page when a browser posted this form from another site (login CSRF), else None."""
    headers = {k.lower(): v for k, v in (router.current_event.headers or {}).items()}
    # Browsers say where a request comes from in Sec-Fetch-Site; the pages' Referrer-Policy no-referrer makes
    # their own posts carry "Origin: null", so Origin is only checked when it names a real origin.
    fetch_site = headers.get("sec-fetch-site")
    origin = headers.get("origin")
    foreign = fetch_site not in (None, "same-origin", "none") or (
        origin not in (None, "null") and urlsplit(origin).netloc.lower() != (headers.get("host") or "").lower())
    if not foreign:
        return None
    return page("Request refused", _error("This form was sent from another site. Open the dashboard and try "
                                          "again."), status=403)


def _credentials_form(action: str, button: str, email: str = "", *, code: bool = False) -> str:
    code_field = ('<label for="code">Code from the email</label>'
                  '<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code" required>'
                  if code else "")
    return (f'<form method="post" action="{BASE}/{action}">'
            f'<label for="email">Email</label><input id="email" name="email" type="email" autocomplete="email" '
            f'value="{esc(email)}" required>'
            f'<label for="password">Password</label><input id="password" name="password" type="password" '
            f'autocomplete="{"new-password" if action == "sign-up" else "current-password"}" required>'
            f'{code_field}<button type="submit">{esc(button)}</button></form>')


def _sign_up_page(message: str | None = None, email: str = "", status: int = 200) -> Response[str]:
    note = ("<p>Development stack: your email is confirmed at once; no email is sent.</p>"
            if accounts.auto_confirm() else "<p>We email you a code to confirm the address.</p>")
    body = (f"{_error(message)}{note}{_credentials_form('sign-up', 'Create account', email)}"
            f'<p>Have an account? <a href="{BASE}/sign-in">Sign in</a></p>')
    return page("Create your Aptura account", body, status=status)


def _sign_in_page(message: str | None = None, email: str = "", status: int = 200) -> Response[str]:
    body = (f"{_error(message)}{_credentials_form('sign-in', 'Sign in', email)}"
            f'<p>New to Aptura? <a href="{BASE}/sign-up">Create an account</a></p>')
    return page("Sign in", body, status=status)


def _welcome(raw: str, session: sessions.WebSession, made: accounts.NewAccount | None) -> Response[str]:
    cookie = sessions.set_cookie(raw, secure=_secure())
    if made is None:
        return redirect(f"{BASE}/keys", cookies=(cookie,))
    body = (f"<p>Your account <code>{esc(made.account_id)}</code> is ready. This is its first test secret key. "
            "It is shown only now: copy it somewhere safe.</p>"
            f'<p><label for="new-key">Test secret key</label>'
            f'<input id="new-key" class="secret" readonly value="{esc(made.api_key)}"></p>'
            f'<p><a href="{BASE}/keys">Continue to your API keys</a></p>')
    return page("Welcome to Aptura", body, session=session, cookies=(cookie,))


@router.get(BASE)
def home() -> Response[str]:
    """Signed in: the keys page; otherwise sign-in."""
    return redirect(f"{BASE}/keys" if _signed_in() else f"{BASE}/sign-in")


@router.get(f"{BASE}/sign-up")
def sign_up_form() -> Response[str]:
    """The sign-up form."""
    return _sign_up_page()


@router.post(f"{BASE}/sign-up")
def sign_up() -> Response[str]:
    """Create the person (Cognito); confirmed -> signed in with the first key shown, else ask the code."""
    refused = _cross_site()
    if refused is not None:
        return refused
    form = html.form_body()
    email, password = form.get("email", ""), form.get("password", "")
    try:
        made = accounts.sign_up(email, password)
    except accounts.AccountRefused as exc:
        return _sign_up_page(exc.message, email, 400)
    if not made.confirmed:
        body = (f"<p>We sent a code to {esc(email)}. Enter it with your password.</p>"
                f"{_credentials_form('confirm', 'Confirm and sign in', email, code=True)}")
        return page("Confirm your email", body)
    raw, session, new = accounts.sign_in(email, password)
    audit("sign_up", "succeeded", account_id=session.account_id, user_sub=session.user_sub)
    return _welcome(raw, session, new)


@router.post(f"{BASE}/confirm")
def confirm() -> Response[str]:
    """Enter the emailed code, then sign in (which makes the account and shows its first key)."""
    refused = _cross_site()
    if refused is not None:
        return refused
    form = html.form_body()
    email, password, code = form.get("email", ""), form.get("password", ""), form.get("code", "")
    try:
        accounts.confirm(email, code)
        raw, session, new = accounts.sign_in(email, password)
    except accounts.AccountRefused as exc:
        body = f"{_error(exc.message)}{_credentials_form('confirm', 'Confirm and sign in', email, code=True)}"
        return page("Confirm your email", body, status=400)
    audit("sign_up", "succeeded", account_id=session.account_id, user_sub=session.user_sub)
    return _welcome(raw, session, new)


@router.get(f"{BASE}/sign-in")
def sign_in_form() -> Response[str]:
    """The sign-in form."""
    return _sign_in_page()


@router.post(f"{BASE}/sign-in")
def sign_in() -> Response[str]:
    """Check the password with Cognito and start a web session."""
    refused = _cross_site()
    if refused is not None:
        return refused
    form = html.form_body()
    email = form.get("email", "")
    try:
        raw, session, new = accounts.sign_in(email, form.get("password", ""))
    except accounts.AccountRefused as exc:
        return _sign_in_page(exc.message, email, 401)
    return _welcome(raw, session, new)


@router.post(f"{BASE}/sign-out")
@signed_in(post=True)
def sign_out(session: sessions.WebSession, form: html.Form) -> Response[str]:
    """End the session (CSRF-checked, so no other site can sign a person out)."""
    accounts.sign_out(_raw_session())
    return redirect(f"{BASE}/sign-in", cookies=(sessions.clear_cookie(secure=_secure()),))


@router.post(f"{BASE}/mode")
@signed_in(post=True)
def switch_mode(session: sessions.WebSession, form: html.Form) -> Response[str]:
    """Show test or live data (stored on the web session)."""
    mode = form.get("mode", "")
    if mode not in ("test", "live"):
        return page("Request refused", _error("Unknown mode."), session=session, status=400)
    raw = _raw_session()
    sessions.end(raw)
    new_raw, _ = sessions.start(session.user_sub, session.account_id, mode)
    return redirect(f"{BASE}/keys", cookies=(sessions.set_cookie(new_raw, secure=_secure()),))


# -- API keys ----------------------------------------------------------------------------------------------


def _kind(key: dict[str, object]) -> str:
    origins = key.get("allowed_origins") or ()
    listed = ", ".join(str(o) for o in origins) if isinstance(origins, (list, tuple)) else ""
    return esc(key.get("kind")) + (f"<br><small>origins: {esc(listed)}</small>" if listed else "")


def _keys_page(session: sessions.WebSession, *, message: str | None = None, shown: str | None = None,
               status: int = 200) -> Response[str]:
    # One card per key, not a table: seven columns do not fit the 40rem page, let alone a phone.
    cards = "".join(
        f'<section class="card" aria-label="Key {esc(k.get("name") or k["prefix"])}">'
        f"<h3>{esc(k.get('name') or '-')}</h3>"
        f"<p><code>{esc(k['prefix'])}…</code> · {_kind(k)}</p>"
        f"<p>Scopes: {esc(', '.join(k['scopes']))}</p>"
        f"<p>Created {_at(k['created_at'])} · last used {_at(k.get('last_used_at'), 'never')}</p>"
        f'<form method="post" action="{BASE}/keys/{esc(k["id"])}/revoke">{_csrf(session)}'
        f'<button type="submit" aria-label="Revoke key {esc(k.get("name") or k["prefix"])}">Revoke</button>'
        f"</form></section>"
        for k in list_api_keys(session.account_id, session.mode))
    table = cards or "<p>No keys in this mode yet.</p>"
    new = (f'<p class="notice" role="status">Your new key is shown only now: copy it.</p>'
           f'<p><label for="new-key">New key</label><input id="new-key" class="secret" readonly '
           f'value="{esc(shown)}"></p>') if shown else ""
    scopes = "".join(f'<label><input type="checkbox" name="scopes" value="{esc(s)}"'
                     f'{" checked" if s in PUBLISHABLE_SCOPES else ""}> {esc(s)}</label>' for s in ALL_SCOPES)
    live = ('<p><label><input type="checkbox" name="confirm_live" value="yes"> I understand this live key acts on '
            "real bookings</label></p>") if session.mode == "live" else ""
    create = (f'<h2>Create a key</h2><form method="post" action="{BASE}/keys">{_csrf(session)}'
              '<label for="key-name">Name</label><input id="key-name" name="name" type="text" maxlength="80">'
              '<fieldset><legend>Kind</legend>'
              '<label><input type="radio" name="kind" value="secret" checked> Secret (server side)</label>'
              '<label><input type="radio" name="kind" value="publishable"> Publishable (browser)</label>'
              '</fieldset>'
              '<label for="origins">Allowed origins (publishable keys; one per line)</label>'
              '<textarea id="origins" name="allowed_origins" rows="2"></textarea>'
              f'<fieldset><legend>Scopes</legend>{scopes}</fieldset>{live}'
              '<button type="submit">Create key</button></form>')
    return page("API keys", f"{_error(message)}{new}{table}{create}", session=session, status=status)


@router.get(f"{BASE}/keys")
@signed_in(post=False)
def keys(session: sessions.WebSession) -> Response[str]:
    """The account's keys of the session's mode."""
    return _keys_page(session)


@router.post(f"{BASE}/keys")
@signed_in(post=True)
def create_key(session: sessions.WebSession, form: html.Form) -> Response[str]:
    """Create a key; its text is shown once. Live keys need the explicit confirmation."""
    if session.mode == "live" and form.get("confirm_live", "") != "yes":
        return _keys_page(session, message="Tick the confirmation to create a live key.", status=400)
    kind = form.get("kind", "") or "secret"
    scopes = tuple(s for s in form.all("scopes") if s in ALL_SCOPES)
    if not scopes:
        return _keys_page(session, message="Choose at least one scope.", status=400)
    origins = tuple(o.strip() for o in form.get("allowed_origins", "").splitlines() if o.strip())
    try:
        raw, record = create_api_key(session.account_id, session.mode, scopes, name=form.get("name", "") or None,
                                     kind=kind, allowed_origins=origins if kind == "publishable" else ())
    except AptError as exc:
        return _keys_page(session, message=exc.message, status=exc.status)
    except ValueError as exc:
        return _keys_page(session, message=str(exc), status=400)
    audit("api_key.create", "created", account_id=session.account_id, key_id=record.key_id, mode=session.mode,
          kind=kind, via="dashboard")
    return _keys_page(session, shown=raw)


@router.post(f"{BASE}/keys/<key_id>/revoke")
@signed_in(post=True)
def revoke_key(session: sessions.WebSession, form: html.Form, key_id: str) -> Response[str]:
    """Revoke one of the session's account's keys; any other id is 404."""
    if revoke_api_key(session.account_id, key_id, session.mode) is None:
        return page("Not found", _error("No such key."), session=session, status=404)
    audit("api_key.revoke", "revoked", account_id=session.account_id, key_id=key_id, mode=session.mode,
          via="dashboard")
    return redirect(f"{BASE}/keys")


# -- connections -------------------------------------------------------------------------------------------


def _base_url() -> str:
    try:
        return oauth.served_url()
    except LookupError:
        return oauth.public_base_url()


def _end_user(record: store.ConnectionRecord) -> str:
    who = record.end_user or {}
    return str(who.get("name") or who.get("id") or "No end user")


def _last_error(record: store.ConnectionRecord) -> str:
    return str((record.last_error or {}).get("message") or "")


def _connections_page(session: sessions.WebSession, *, message: str | None = None, status: int = 200) -> Response[str]:
    mine = [c for c in store.list_connections(session.account_id) if c.mode == session.mode]
    cards = "".join(
        f'<section class="card" aria-label="Connection {esc(c.provider)} of {esc(_end_user(c))}">'
        f"<h3>{esc(_end_user(c))}</h3><p>{esc(c.provider)} · status <strong>{esc(c.status)}</strong></p>"
        + (f"<p>Last error: {esc(_last_error(c))}</p>" if _last_error(c) else "")
        + f'<p><a href="{BASE}/connections/{esc(c.connection_id)}/rotate">Rotate credentials</a> · '
        f'<a href="{BASE}/connections/{esc(c.connection_id)}/delete">Delete</a></p></section>'
        for c in mine)
    table = cards or "<p>No connections in this mode yet.</p>"
    start = (f'<h2>Connect a provider</h2><form method="post" action="{BASE}/connections">{_csrf(session)}'
             '<label for="end-user">End user (the business this connection belongs to)</label>'
             '<input id="end-user" name="end_user" type="text" required maxlength="120">'
             '<button type="submit">Connect a provider</button></form>')
    return page("Connections", f"{_error(message)}{table}{start}", session=session, status=status)


@router.get(f"{BASE}/connections")
@signed_in(post=False)
def connections_list(session: sessions.WebSession) -> Response[str]:
    """The account's connections of the session's mode."""
    return _connections_page(session)


@router.post(f"{BASE}/connections")
@signed_in(post=True)
def connections_start(session: sessions.WebSession, form: html.Form) -> Response[str]:
    """Open a connect session for the typed end user and send the browser to the hosted page."""
    name = form.get("end_user", "").strip()
    if not name:
        return _connections_page(session, message="Enter the end user.", status=400)
    end_user = connect.EndUser(id=name, name=name)
    try:
        _, raw = connect.create_session(session.account_id, session.mode, end_user, None,
                                        f"{_base_url()}{BASE}/connections")
    except AptError as exc:
        return _connections_page(session, message=exc.message, status=400)
    target = connect.session_url(raw)
    parts = urlsplit(target)
    return redirect(target, form_action=(f"{parts.scheme}://{parts.netloc}",))


def _mine(session: sessions.WebSession, connection_id: str) -> store.ConnectionRecord | None:
    """The session's account's connection of the session's mode, else None (answered as 404)."""
    record = store.get_connection(session.account_id, connection_id)
    return record if record is not None and record.mode == session.mode else None


def _rotation_fields(record: store.ConnectionRecord) -> list[FormField]:
    # Secrets are optional here: left empty, the stored one stays (they are never shown, so asking all again
    # would make a one-secret rotation retype every other).
    return [dataclasses.replace(f, required=False) if f.secret else f for f in fields_for(load_spec(record.provider))]


def _rotate_page(session: sessions.WebSession, record: store.ConnectionRecord, *, values: dict[str, str] | None = None,
                 errors: dict[str, list[str]] | None = None, message: str | None = None,
                 status: int = 200) -> Response[str]:
    fields = _rotation_fields(record)
    shown = values if values is not None else {k: str(v) for k, v in record.config.items()}
    body = (f"{_error(message)}<p>New credentials for the {esc(record.provider)} connection of "
            f"{esc((record.end_user or {}).get('name') or '-')}. Aptura checks them with the provider before "
            "saving; a secret left empty keeps the current one.</p>"
            f'<form method="post" action="{BASE}/connections/{esc(record.connection_id)}/rotate">{_csrf(session)}'
            f'{render_fields(fields, shown, errors)}<button type="submit">Save new credentials</button></form>'
            f'<p><a href="{BASE}/connections">Cancel</a></p>')
    return page("Rotate credentials", body, session=session, status=status)


@router.get(f"{BASE}/connections/<connection_id>/rotate")
@signed_in(post=False)
def connection_rotate_form(session: sessions.WebSession, connection_id: str) -> Response[str]:
    """The connection's fields (config filled in, secrets never) to replace its credentials."""
    record = _mine(session, connection_id)
    if record is None:
        return page("Not found", _error("No such connection."), session=session, status=404)
    return _rotate_page(session, record)


@router.post(f"{BASE}/connections/<connection_id>/rotate")
@signed_in(post=True)
def connection_rotate(session: sessions.WebSession, form: html.Form, connection_id: str) -> Response[str]:
    """Verify the new credentials with the provider, then save them; refused, nothing changes."""
    record = _mine(session, connection_id)
    if record is None:
        return page("Not found", _error("No such connection."), session=session, status=404)
    fields = _rotation_fields(record)
    config, credentials = split_values(fields, form)
    kept = {f.name: form.get(f.name, "") for f in fields if not f.secret}
    try:
        connect.rotate_connection(record, config, credentials or None)
    except AptError as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        errors = {str(k).split(".", 1)[-1]: [str(m) for m in (v if isinstance(v, list) else [v])]
                  for k, v in details.items()}
        audit("connections.update", "refused", account_id=session.account_id, connection_id=connection_id,
              provider=record.provider, via="dashboard")
        return _rotate_page(session, record, values=kept, errors=errors, message=exc.message,
                            status=422 if exc.status == 422 else 400)
    audit("connections.update", "updated", account_id=session.account_id, connection_id=connection_id,
          provider=record.provider, via="dashboard")
    return redirect(f"{BASE}/connections")


@router.get(f"{BASE}/connections/<connection_id>/delete")
@signed_in(post=False)
def connection_delete_confirm(session: sessions.WebSession, connection_id: str) -> Response[str]:
    """The confirmation step before a connection is deleted."""
    record = _mine(session, connection_id)
    if record is None:
        return page("Not found", _error("No such connection."), session=session, status=404)
    body = (f"<p>Delete the {esc(record.provider)} connection of "
            f"{esc((record.end_user or {}).get('name') or '-')}? Its credentials are erased.</p>"
            f'<form method="post" action="{BASE}/connections/{esc(connection_id)}/delete">{_csrf(session)}'
            '<button type="submit">Delete the connection</button></form>'
            f'<p><a href="{BASE}/connections">Cancel</a></p>')
    return page("Delete connection", body, session=session)


@router.post(f"{BASE}/connections/<connection_id>/delete")
@signed_in(post=True)
def connection_delete(session: sessions.WebSession, form: html.Form, connection_id: str) -> Response[str]:
    """Delete one of the account's connections; another account's id is 404."""
    record = _mine(session, connection_id)
    if record is None:
        return page("Not found", _error("No such connection."), session=session, status=404)
    store.delete_connection(record)
    audit("connections.delete", "deleted", account_id=session.account_id, connection_id=connection_id,
          provider=record.provider, via="dashboard")
    events.emit_connection("connection.deleted", record)
    return redirect(f"{BASE}/connections")


# -- activity ----------------------------------------------------------------------------------------------


def _when(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None
    except ValueError:
        return None


# What an entry says about its subject, shown in the activity table: identifiers and labels only (an entry
# never holds a secret, and these fields could not be one anyway).
_DETAILS = ("mode", "provider", "connection_id", "key_id", "webhook_endpoint_id", "kind", "via", "error")


def _details(entry: dict[str, object]) -> str:
    shown = [f"{name}: <code>{esc(entry[name])}</code>" for name in _DETAILS if entry.get(name) not in (None, "")]
    return ", ".join(shown) or "-"


def _at(stamp: object, missing: str = "-") -> str:
    # "2026-12-07T09:20:10.400531Z" reads as "2026-12-07 09:20:10"; the machine-readable value stays whole.
    text = str(stamp or "")
    return f'<time datetime="{esc(text)}">{esc(text[:19].replace("T", " "))}</time>' if text else esc(missing)


# Suggestions for the filters (any other value still filters exactly).
_OPERATIONS = ("sign_up", "sign_in", "sign_out", "account.create", "api_key.create", "api_key.revoke",
               "connect_sessions.create", "connect_sessions.complete", "connections.create", "connections.update",
               "connections.delete", "webhook_endpoints.create", "webhook_endpoints.test",
               "webhook_endpoints.delete")
_OUTCOMES = ("succeeded", "created", "completed", "updated", "revoked", "deleted", "refused", "failed")


def _datalist(ident: str, options: tuple[str, ...]) -> str:
    return f'<datalist id="{ident}">' + "".join(f'<option value="{esc(o)}">' for o in options) + "</datalist>"


@router.get(f"{BASE}/activity")
@signed_in(post=False)
def activity_page(session: sessions.WebSession) -> Response[str]:
    """The account's audit entries, filterable by operation, outcome and time."""
    query = router.current_event.query_string_parameters or {}
    operation, outcome = query.get("operation") or None, query.get("outcome") or None
    since, until = _when(query.get("since") or ""), _when(query.get("until") or "")
    entries = activity(session.account_id, operation=operation, outcome=outcome, since=since, until=until,
                       limit=100)
    # Each cell carries its column's name: on a phone the stylesheet stacks a row into a card that labels
    # every value, since four columns in 375 px break "api_key.create" and the time mid-word.
    rows = "".join(f'<tr><td data-label="When (UTC)">{_at(e.get("at"))}</td>'
                   f'<td data-label="Operation">{esc(e.get("operation"))}</td>'
                   f'<td data-label="Outcome">{esc(e.get("outcome"))}</td>'
                   f'<td data-label="Details">{_details(e)}</td></tr>' for e in entries)
    table = ('<div class="table-wrap"><table class="entries"><thead><tr><th scope="col">When (UTC)</th>'
             '<th scope="col">Operation</th><th scope="col">Outcome</th><th scope="col">Details</th></tr></thead>'
             f"<tbody>{rows}</tbody></table></div>") if rows else "<p>No activity matches.</p>"
    values = {"operation": operation or "", "outcome": outcome or "", "since": query.get("since") or "",
              "until": query.get("until") or ""}
    filters = (f'<form method="get" action="{BASE}/activity" class="filters">'
               f'<div><label for="operation">Operation</label><input id="operation" name="operation" type="text" '
               f'list="operations" value="{esc(values["operation"])}">{_datalist("operations", _OPERATIONS)}</div>'
               f'<div><label for="outcome">Outcome</label><input id="outcome" name="outcome" type="text" '
               f'list="outcomes" value="{esc(values["outcome"])}">{_datalist("outcomes", _OUTCOMES)}</div>'
               f'<div><label for="since">From (UTC)</label><input id="since" name="since" type="datetime-local" '
               f'value="{esc(values["since"])}"></div>'
               f'<div><label for="until">Until (UTC)</label><input id="until" name="until" type="datetime-local" '
               f'value="{esc(values["until"])}"></div>'
               '<button type="submit">Filter</button></form>')
    link = urlencode({k: v for k, v in values.items() if v})
    return page("Activity", f"{filters}{table}" + (f'<p><a href="{BASE}/activity">Clear filters</a></p>'
                                                   if link else ""), session=session)


# -- webhook endpoints -------------------------------------------------------------------------------------

# How many of an endpoint's attempts its page shows: the API (GET /v1/webhook-endpoints/{id}/deliveries)
# pages through all 30 days of them.
RECENT_DELIVERIES = 50


def _endpoint_of(session: sessions.WebSession, endpoint_id: str) -> webhooks.Endpoint | None:
    """The session's account's endpoint of the session's mode, else None (answered as 404)."""
    endpoint = webhooks.get_endpoint(session.account_id, endpoint_id)
    return endpoint if endpoint is not None and endpoint.mode == session.mode else None


def _problems(exc: AptError) -> str:
    details = exc.details if isinstance(exc.details, dict) else {}
    lines = [str(m) for v in details.values() for m in (v if isinstance(v, list) else [v])]
    return exc.message + (": " + "; ".join(lines) if lines else "")


def _webhooks_page(session: sessions.WebSession, *, message: str | None = None, notice: str | None = None,
                   secret: str | None = None, url: str = "", chosen: tuple[str, ...] = (webhooks.ALL_EVENTS,),
                   status: int = 200) -> Response[str]:
    endpoints = sorted(webhooks.list_endpoints(session.account_id, session.mode), key=lambda e: e.created_at,
                       reverse=True)
    cards = "".join(
        f'<section class="card" aria-label="Endpoint {esc(e.url)}">'
        f'<h3 class="url">{esc(e.url)}</h3>'
        + (f"<p>{esc(e.description)}</p>" if e.description else "") +
        f"<p>Events: {esc(', '.join('all' if t == webhooks.ALL_EVENTS else t for t in e.event_types))}</p>"
        f"<p>Status <strong>{esc(e.status)}</strong>"
        + (f" · failing since {_at(e.failing_since)}" if e.failing_since else "")
        + (f" · {esc(e.disabled_reason)}" if e.disabled_reason else "") + "</p>"
        f'<form method="post" action="{BASE}/webhooks/{esc(e.endpoint_id)}/test">{_csrf(session)}'
        f'<button type="submit" aria-label="Send test event to {esc(e.url)}">Send test event</button></form>'
        f'<p><a href="{BASE}/webhooks/{esc(e.endpoint_id)}">Deliveries</a> · '
        f'<a href="{BASE}/webhooks/{esc(e.endpoint_id)}/delete" aria-label="Delete endpoint {esc(e.url)}">Delete</a>'
        "</p></section>"
        for e in endpoints)
    listed = cards or "<p>No webhook endpoints in this mode yet.</p>"
    shown = (f'<p class="notice" role="status">The signing secret is shown only now: copy it.</p>'
             f'<p><label for="new-secret">Signing secret</label><input id="new-secret" class="secret" '
             f'type="text" readonly value="{esc(secret)}"></p>') if secret else ""
    told = f'<p class="notice" role="status">{esc(notice)}</p>' if notice else ""
    options = (webhooks.ALL_EVENTS, *webhooks.EVENT_TYPES)
    types = "".join(f'<label><input type="checkbox" name="event_types" value="{esc(t)}"'
                    f'{" checked" if t in chosen else ""}> {"All events" if t == webhooks.ALL_EVENTS else esc(t)}'
                    "</label>" for t in options)
    hint = ("https, on a public address" if session.mode == "live"
            else "https, or http on localhost while Aptura runs locally")
    create = (f'<h2>Add an endpoint</h2><form method="post" action="{BASE}/webhooks">{_csrf(session)}'
              f'<label for="webhook-url">URL ({esc(hint)})</label>'
              f'<input id="webhook-url" name="url" type="url" required maxlength="{webhooks.MAX_URL_LENGTH}" '
              f'value="{esc(url)}">'
              '<label for="webhook-description">Description</label>'
              '<input id="webhook-description" name="description" type="text" maxlength="200">'
              f'<fieldset><legend>Event types</legend>{types}</fieldset>'
              '<button type="submit">Add endpoint</button></form>')
    body = f"{_error(message)}{told}{shown}{listed}{create}"
    return page("Webhooks", body, session=session, status=status)


@router.get(f"{BASE}/webhooks")
@signed_in(post=False)
def webhooks_list(session: sessions.WebSession) -> Response[str]:
    """The account's webhook endpoints of the session's mode, and the form to add one."""
    return _webhooks_page(session)


@router.post(f"{BASE}/webhooks")
@signed_in(post=True)
def webhooks_create(session: sessions.WebSession, form: html.Form) -> Response[str]:
    """Register an endpoint; its signing secret is shown once, on the answer to this post."""
    url, chosen = form.get("url", "").strip(), tuple(form.all("event_types"))
    try:
        endpoint, secret = webhooks.create_endpoint(session.account_id, session.mode, url, list(chosen),
                                                    description=form.get("description", "").strip() or None)
    except AptError as exc:
        return _webhooks_page(session, message=_problems(exc), url=url, chosen=chosen, status=exc.status)
    audit("webhook_endpoints.create", "created", account_id=session.account_id,
          webhook_endpoint_id=endpoint.endpoint_id, mode=session.mode, via="dashboard")
    return _webhooks_page(session, secret=secret)


def _missing(session: sessions.WebSession) -> Response[str]:
    return page("Not found", _error("No such webhook endpoint."), session=session, status=404)


@router.get(f"{BASE}/webhooks/<endpoint_id>")
@signed_in(post=False)
def webhook_deliveries(session: sessions.WebSession, endpoint_id: str) -> Response[str]:
    """One endpoint and its most recent delivery attempts."""
    endpoint = _endpoint_of(session, endpoint_id)
    if endpoint is None:
        return _missing(session)
    attempts = webhooks.list_attempts(endpoint)[:RECENT_DELIVERIES]
    # data-label on every cell: on a phone the stylesheet stacks each row into a labelled card (as Activity).
    rows = "".join(f'<tr><td data-label="When (UTC)">{_at(a.get("at"))}</td>'
                   f'<td data-label="Event">{esc(a.get("event_type"))}<br><small><code>{esc(a.get("event_id"))}'
                   "</code></small></td>"
                   f'<td data-label="Attempt">{esc(a.get("attempt"))}</td>'
                   f'<td data-label="Outcome">{esc(a.get("outcome"))}'
                   + (f" ({esc(a.get('error'))})" if a.get("error") else "") + "</td>"
                   f'<td data-label="Status">{esc(a.get("response_status") or "-")}</td></tr>' for a in attempts)
    table = ('<div class="table-wrap"><table class="entries"><thead><tr><th scope="col">When (UTC)</th>'
             '<th scope="col">Event</th><th scope="col">Attempt</th><th scope="col">Outcome</th>'
             f'<th scope="col">Status</th></tr></thead><tbody>{rows}</tbody></table></div>'
             ) if rows else "<p>No deliveries yet.</p>"
    body = (f'<p class="url"><code>{esc(endpoint.url)}</code> · status <strong>{esc(endpoint.status)}</strong></p>'
            f'<form method="post" action="{BASE}/webhooks/{esc(endpoint_id)}/test">{_csrf(session)}'
            '<button type="submit">Send test event</button></form>'
            f"<h2>Recent deliveries</h2>{table}"
            f'<p><a href="{BASE}/webhooks">Back to webhooks</a></p>')
    return page("Webhook deliveries", body, session=session)


@router.post(f"{BASE}/webhooks/<endpoint_id>/test")
@signed_in(post=True)
def webhook_test(session: sessions.WebSession, form: html.Form, endpoint_id: str) -> Response[str]:
    """Queue a signed ``webhook.test`` event for this endpoint only."""
    endpoint = _endpoint_of(session, endpoint_id)
    if endpoint is None:
        return _missing(session)
    try:
        event = events.send_test(endpoint)
    except Exception:  # noqa: BLE001 - a queue fault is told to the person, who can try again
        return _webhooks_page(session, message="The test event could not be queued; try again.", status=503)
    audit("webhook_endpoints.test", "queued", account_id=session.account_id, webhook_endpoint_id=endpoint_id,
          mode=session.mode, event_id=event["id"], via="dashboard")
    return _webhooks_page(session, notice=f"Test event {event['id']} queued for {endpoint.url}: see its "
                                          "deliveries in a few seconds.")


@router.get(f"{BASE}/webhooks/<endpoint_id>/delete")
@signed_in(post=False)
def webhook_delete_confirm(session: sessions.WebSession, endpoint_id: str) -> Response[str]:
    """The confirmation step before an endpoint is deleted."""
    endpoint = _endpoint_of(session, endpoint_id)
    if endpoint is None:
        return _missing(session)
    body = (f'<p class="url">Delete the endpoint <code>{esc(endpoint.url)}</code>? It receives no more events, '
            "and its signing secret is erased.</p>"
            f'<form method="post" action="{BASE}/webhooks/{esc(endpoint_id)}/delete">{_csrf(session)}'
            '<button type="submit">Delete the endpoint</button></form>'
            f'<p><a href="{BASE}/webhooks">Cancel</a></p>')
    return page("Delete webhook endpoint", body, session=session)


@router.post(f"{BASE}/webhooks/<endpoint_id>/delete")
@signed_in(post=True)
def webhook_delete(session: sessions.WebSession, form: html.Form, endpoint_id: str) -> Response[str]:
    """Delete one of the account's endpoints; another account's id is 404."""
    endpoint = _endpoint_of(session, endpoint_id)
    if endpoint is None:
        return _missing(session)
    webhooks.delete_endpoint(endpoint)
    audit("webhook_endpoints.delete", "deleted", account_id=session.account_id, webhook_endpoint_id=endpoint_id,
          mode=session.mode, via="dashboard")
    return redirect(f"{BASE}/webhooks")
