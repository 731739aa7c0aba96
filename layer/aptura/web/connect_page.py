"""The hosted connect page: a business opens a connect session's ``url`` and connects its booking platform.

``GET /connect/{token}`` lists the session's providers (straight to the form when there is one),
``GET|POST /connect/{token}/{provider}`` shows and submits the form generated from the provider's spec,
``GET /connect/{token}/{provider}/oauth`` starts the provider's OAuth consent. Every answer is HTML.
"""

from __future__ import annotations

import hmac
from urllib.parse import quote, urlsplit

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import Router

from aptura import connect
from aptura.api import oauth
from aptura.errors import AptError, NotFound
from aptura.spec.models import OAuth2Auth, ProviderSpec
from aptura.web.forms import fields_for, render_fields, split_values
from aptura.web.html import esc, form_body, html_response, page, redirect

router = Router()


def _message(title: str, text: str, status: int, mode: str | None = None) -> Response[str]:
    body = f'<div class="card"><h1>{esc(title)}</h1><p>{esc(text)}</p></div>'
    return html_response(page(title, body, mode=mode), status)


def _open(token: str) -> connect.ConnectSession | Response[str]:
    """The open session of ``token``, or the friendly page saying why there is none."""
    try:
        return connect.open_session(token)
    except NotFound:
        return _message("Link not found", "This connect link does not exist. Check that you copied all of it, "
                        "or ask the business that sent it for a new one.", 404)
    except AptError as exc:
        if exc.status == 410:
            return _message("This link can no longer be used",
                            "Connect links work once and for a limited time. " + exc.message.capitalize()
                            + ".", 410)
        raise


def _who(session: connect.ConnectSession) -> str:
    user = session.end_user
    name = user.name or user.email or user.id
    extra = f" ({user.email})" if user.email and user.name else ""
    return (f'<p class="muted">For <strong>{esc(name)}</strong>{esc(extra)} · account '
            f'<code>{esc(session.account_id)}</code></p>')


def _base(token: str) -> str:
    return f"/connect/{quote(token, safe='')}"


def _spec(session: connect.ConnectSession, provider: str) -> ProviderSpec | None:
    if provider not in session.providers:
        return None
    try:
        return connect.spec_for(provider)
    except AptError:
        return None


def _offers_oauth(spec: ProviderSpec) -> bool:
    return isinstance(spec.auth, OAuth2Auth) and spec.auth.authorize is not None


def _form_page(token: str, session: connect.ConnectSession, spec: ProviderSpec, *,
               values: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None,
               message: str | None = None, status: int = 200) -> Response[str]:
    base = _base(token)
    parts = [f"<h1>Connect {esc(spec.name)}</h1>", _who(session)]
    if message:
        parts.append(f'<div class="alert" role="alert" id="form-error"><p>{esc(message)}</p></div>')
    if _offers_oauth(spec):
        parts.append(f'<p><a class="button" id="oauth" href="{esc(base)}/{esc(spec.id)}/oauth">'
                     f"Connect with {esc(spec.name)}</a></p><p class=\"muted\">Or enter the details by hand:</p>")
    parts.append(f'<form method="post" action="{esc(base)}/{esc(spec.id)}">'
                 f'<input type="hidden" name="csrf" value="{esc(session.csrf)}">'
                 f"{render_fields(fields_for(spec), values, errors)}"
                 f'<button type="submit">Connect {esc(spec.name)}</button></form>')
    if len(session.providers) > 1:
        parts.append(f'<p><a href="{esc(base)}">Choose another platform</a></p>')
    body = f'<div class="card">{"".join(parts)}</div>'
    # Chromium applies this page's CSP form-action to the redirect after the post too: list its origin.
    target = urlsplit(session.redirect_url)
    return html_response(page(f"Connect {spec.name}", body, mode=session.mode), status,
                         form_action=[f"{target.scheme}://{target.netloc}"])


@router.get("/connect/<token>")
def start(token: str) -> Response[str]:
    """The session's providers to choose from; the form at once when it offers only one."""
    session = _open(token)
    if isinstance(session, Response):
        return session
    if len(session.providers) == 1:
        spec = _spec(session, session.providers[0])
        if spec is not None:
            return _form_page(token, session, spec)
    items = []
    for provider in session.providers:
        spec = _spec(session, provider)
        if spec is not None:
            items.append(f'<li><a href="{esc(_base(token))}/{esc(spec.id)}">{esc(spec.name)}</a></li>')
    body = (f'<div class="card"><h1>Connect your booking platform</h1>{_who(session)}'
            f'<p>Choose the platform your business books appointments on.</p>'
            f'<ul class="providers">{"".join(items)}</ul></div>')
    return html_response(page("Connect your booking platform", body, mode=session.mode))


@router.get("/connect/<token>/<provider>")
def form(token: str, provider: str) -> Response[str]:
    """The connection form of ``provider``."""
    session = _open(token)
    if isinstance(session, Response):
        return session
    spec = _spec(session, provider)
    if spec is None:
        return _message("Platform not offered", "This connect link does not offer that platform.", 404, session.mode)
    return _form_page(token, session, spec)


@router.post("/connect/<token>/<provider>")
def submit(token: str, provider: str) -> Response[str]:
    """Verify and save the connection, then send the browser to the business's redirect target."""
    session = _open(token)
    if isinstance(session, Response):
        return session
    spec = _spec(session, provider)
    if spec is None:
        return _message("Platform not offered", "This connect link does not offer that platform.", 404, session.mode)
    posted = form_body()
    if not hmac.compare_digest(posted.get("csrf", "").encode(), session.csrf.encode()):
        return _message("Please try again", "This form expired or did not come from this page. Reload the page "
                        "and submit it again.", 403, session.mode)
    fields = fields_for(spec)
    config, credentials = split_values(fields, posted)
    try:
        _, target = connect.complete_session(token, spec.id, config, credentials)
    except connect.ConnectRefused as exc:
        kept = {f.name: posted.get(f.name, "") for f in fields if not f.secret}
        return _form_page(token, session, spec, values=kept, errors=exc.field_errors, message=exc.message,
                          status=422 if exc.status == 422 else 400)
    except AptError as exc:
        if exc.status == 410:
            return _message("This link can no longer be used", exc.message.capitalize() + ".", 410, session.mode)
        raise
    return redirect(target)


@router.get("/connect/<token>/<provider>/oauth")
def oauth_start(token: str, provider: str) -> Response[str]:
    """Off to the provider's consent page; its callback completes the session."""
    session = _open(token)
    if isinstance(session, Response):
        return session
    spec = _spec(session, provider)
    if spec is None or not _offers_oauth(spec):
        return _message("Platform not offered", "This connect link cannot connect that platform by sign-in.", 404,
                        session.mode)
    url = connect.oauth_start(token, spec.id, oauth.callback_url(spec.id))
    return redirect(url)
