"""The shared HTML toolkit of Aptura's own pages (hosted connect page, dashboard).

Plain server-rendered HTML5: one stylesheet under ``/static/``, no inline scripts or styles, so the strict
Content-Security-Policy every page answers with holds.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl

from aws_lambda_powertools.event_handler import Response

from aptura.api.app import current_event

_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "frame-ancestors 'none'; form-action 'self'")


@cache
def static_url(name: str) -> str:
    """``/static/<name>?v=<content hash>``: the static files are cached for a year, a change gets a new URL."""
    digest = hashlib.sha256((Path(__file__).parent / "static" / name).read_bytes()).hexdigest()[:12]
    return f"/static/{name}?v={digest}"


def esc(text: object) -> str:
    """``text`` escaped for HTML element content and quoted attribute values (``None`` is empty)."""
    return "" if text is None else html.escape(str(text), quote=True)


def mode_badge(mode: str) -> str:
    """The always-visible test/live indicator."""
    live = mode == "live"
    label = "Live mode" if live else "Test mode"
    hint = "real bookings" if live else "sandbox data, nothing real"
    return (f'<div class="badge badge-{"live" if live else "test"}" role="status">'
            f'<strong>{label}</strong> <span>{esc(hint)}</span></div>')


def page(title: str, body: str, *, mode: str | None = None, nav: str = "") -> str:
    """A full HTML5 document: ``body`` (trusted HTML) in a main landmark, the test/live badge when ``mode``."""
    badge = mode_badge(mode) if mode else ""
    return ("<!doctype html>\n"
            '<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)} · Aptura</title>"
            f'<link rel="stylesheet" href="{static_url("aptura.css")}">'
            "</head><body>"
            f'<header class="top"><span class="brand">Aptura</span>{badge}{nav}</header>'
            f'<main id="main">{body}</main>'
            "</body></html>")


def _origins(origins: Iterable[str]) -> str:
    # An origin goes into a header: anything that could end the directive or the header is dropped.
    return "".join(f" {o}" for o in origins if o and not any(c in o for c in " ;,\r\n'\""))


def _set_cookies(headers: dict[str, str | list[str]], cookies: Iterable[str]) -> None:
    lines = [c for c in cookies if c]
    if lines:
        headers["Set-Cookie"] = lines


def html_response(markup: str, status: int = 200, *, cookies: Iterable[str] = (),
                  form_action: Iterable[str] = ()) -> Response[str]:
    """``markup`` as a ``text/html`` answer with Aptura's security headers.

    ``form_action`` lists extra origins a form post may end at: Chromium applies CSP ``form-action`` to the
    redirect following a post too. ``cookies`` are complete ``Set-Cookie`` values.
    """
    headers: dict[str, str | list[str]] = {
        "Content-Security-Policy": _CSP + _origins(form_action),
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    _set_cookies(headers, cookies)
    return Response(status_code=status, content_type="text/html; charset=utf-8", body=markup, headers=headers)


def redirect(location: str, *, cookies: Iterable[str] = ()) -> Response[str]:
    """A 303 See Other to ``location`` (after a form post the browser follows it with a GET)."""
    headers: dict[str, str | list[str]] = {
        "Location": location, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
    }
    _set_cookies(headers, cookies)
    return Response(status_code=303, content_type="text/html; charset=utf-8", body="", headers=headers)


def form_body() -> dict[str, str]:
    """The current request's ``application/x-www-form-urlencoded`` body (last value of a repeated name)."""
    event = current_event()
    raw = event.decoded_body or ""
    return dict(parse_qsl(raw, keep_blank_values=True))
