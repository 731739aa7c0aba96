"""The shared HTML toolkit of Aptura's own pages (hosted connect page, dashboard).

Plain server-rendered HTML5: one stylesheet under ``/static/``, no inline scripts or styles, so the strict
Content-Security-Policy every page answers with holds.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs

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


class Form(Mapping[str, str]):
    """A posted HTML form: every value of every name, in the order the browser sent them.

    As a mapping it answers a name's first value, which is what a single input posts; checkbox groups
    and multiple selects post one name many times (the dashboard's API-key scopes), read with
    :meth:`all`. A name that was not posted is missing, one posted empty is ``""``: an unchecked checkbox
    posts nothing, so ``name in form`` is how a checkbox is read.
    """

    def __init__(self, values: Mapping[str, list[str]] | None = None) -> None:
        self._values: dict[str, list[str]] = {k: list(v) for k, v in (values or {}).items() if v}

    @classmethod
    def parse(cls, body: str) -> Form:
        """The fields of an ``application/x-www-form-urlencoded`` body (blank values kept: a cleared input
        must read as empty, not as absent)."""
        return cls(parse_qs(body, keep_blank_values=True))

    def __getitem__(self, name: str) -> str:
        return self._values[name][0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def all(self, name: str) -> list[str]:
        """Every value posted under ``name``, in order (``[]`` when none was)."""
        return list(self._values.get(name, ()))

    def __repr__(self) -> str:
        # Forms carry passwords and credentials: never print their values.
        return f"Form({sorted(self._values)})"


def form_body() -> Form:
    """The current request's form body; a base64-encoded body (API Gateway's for binary media types) is
    decoded first, and bytes that are not UTF-8 become U+FFFD rather than a 500."""
    event = current_event()
    raw = event.body or ""
    if event.is_base64_encoded:
        try:
            raw = base64.b64decode(raw).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            raw = ""  # not base64 after all: nothing usable was posted
    return Form.parse(raw)
