"""HTML forms generated from a provider spec's connection fields (hosted connect page, dashboard).

Every input's ``name`` is the field's own name, config and credentials alike; :class:`FormField` keeps the
group so a submit handler can split the posted values back (:func:`split_values`). Secret values are never
rendered back into a page.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from aptura.spec.models import FieldSpec, ProviderSpec
from aptura.web.html import esc

Kind = Literal["text", "password", "select", "checkbox", "number", "url"]
Group = Literal["config", "credentials"]


@dataclass(frozen=True)
class FormField:
    """One input of a connection form."""

    name: str
    group: Group
    label: str
    kind: Kind
    required: bool
    description: str = ""
    pattern: str | None = None
    options: tuple[str, ...] = ()
    help: str | None = None
    help_url: str | None = None
    example: str | None = None
    default: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    integer: bool = False

    @property
    def secret(self) -> bool:
        """Whether the value is a credential (never shown back)."""
        return self.group == "credentials"


def readable(name: str) -> str:
    """``siteId``/``api_token`` -> ``Site id``/``Api token``: a label for a field without one."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name).replace("_", " ").replace("-", " ").split()
    text = " ".join(w.lower() for w in words)
    return text[:1].upper() + text[1:] if text else name


def _kind(spec: FieldSpec, secret: bool) -> Kind:
    if spec.enum:
        return "select"
    if spec.type == "boolean":
        return "checkbox"
    if secret:
        return "password"
    if spec.type in ("integer", "number"):
        return "number"
    if spec.type == "url":
        return "url"
    return "text"


def _field(name: str, spec: FieldSpec, group: Group) -> FormField:
    def text(value: object) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    secret = group == "credentials"
    return FormField(
        name=name, group=group, label=spec.label or readable(name), kind=_kind(spec, secret),
        required=spec.required and spec.default is None, description=spec.description, pattern=spec.pattern,
        options=tuple(spec.enum or ()), help=spec.help, help_url=spec.help_url,
        example=None if secret else text(spec.example), default=None if secret else text(spec.default),
        minimum=spec.minimum, maximum=spec.maximum, min_length=spec.min_length, max_length=spec.max_length,
        integer=spec.type == "integer")


def fields_for(spec: ProviderSpec) -> list[FormField]:
    """The form fields of ``spec``'s connection: config then credentials, each group in spec order, then
    sorted by ``order`` (fields without one keep their place after those with one)."""
    listed = ([(name, f, "config") for name, f in spec.connection.config.items()]
              + [(name, f, "credentials") for name, f in spec.connection.secrets.items()])
    ranked = sorted(enumerate(listed), key=lambda p: (p[1][1].order is None, p[1][1].order or 0, p[0]))
    return [_field(name, f, group) for _, (name, f, group) in ranked]  # type: ignore[arg-type]


def split_values(fields: list[FormField], posted: Mapping[str, str]) -> tuple[dict[str, object], dict[str, object]]:
    """``(config, credentials)`` from a posted form: empty optional fields are left out, numbers and
    booleans converted where they parse (validation reports the rest by field)."""
    config: dict[str, object] = {}
    credentials: dict[str, object] = {}
    for f in fields:
        target = credentials if f.secret else config
        if f.kind == "checkbox":
            target[f.name] = f.name in posted
            continue
        raw = posted.get(f.name, "").strip()
        if raw == "":
            if f.required:
                target[f.name] = ""  # so validation names it as missing
            continue
        value: object = raw
        if f.kind == "number":
            try:
                value = int(raw) if f.integer else float(raw)
            except ValueError:
                value = raw
        target[f.name] = value
    return config, credentials


# HTML pattern attributes are compiled with JavaScript's "v" flag, where a hyphen first or last in a class
# is a syntax error (the browser would ignore the pattern): escape those.
_CLASS = re.compile(r"\[(\^?)((?:\\.|[^\]\\])*)\]")


def html_pattern(pattern: str) -> str:
    """``pattern`` (a Python regular expression, matched whole) as an HTML ``pattern`` attribute value."""
    def fix(m: re.Match[str]) -> str:
        body = m.group(2)
        if body.startswith("-"):
            body = "\\" + body
        if body.endswith("-") and not body.endswith("\\-"):
            body = body[:-1] + "\\-"
        return f"[{m.group(1)}{body}]"
    return _CLASS.sub(fix, pattern)


def _attr(name: str, value: object) -> str:
    return f' {name}="{esc(value)}"'


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _input(f: FormField, value: str, described: str, invalid: bool) -> str:
    ident = f"f-{f.name}"
    common = _attr("id", ident) + _attr("name", f.name)
    if described:
        common += _attr("aria-describedby", described)
    if invalid:
        common += ' aria-invalid="true"'
    if f.kind == "checkbox":
        checked = value.lower() in ("true", "on", "1", "yes")
        return f'<input type="checkbox" value="true"{common}{" checked" if checked else ""}>'
    if f.kind == "select":
        opts = [] if f.required else ['<option value="">(none)</option>']
        if f.required and not value:
            opts.append('<option value="" disabled selected>Choose…</option>')
        opts += [f'<option{_attr("value", o)}{" selected" if o == value else ""}>{esc(o)}</option>'
                 for o in f.options]
        return f'<select{common}{" required" if f.required else ""}>{"".join(opts)}</select>'
    extra = " required" if f.required else ""
    if f.pattern and f.kind in ("text", "password"):
        extra += _attr("pattern", html_pattern(f.pattern))
    if f.min_length is not None:
        extra += _attr("minlength", f.min_length)
    if f.max_length is not None:
        extra += _attr("maxlength", f.max_length)
    if f.kind == "number":
        extra += _attr("step", "1" if f.integer else "any")
        if f.minimum is not None:
            extra += _attr("min", _num(f.minimum))
        if f.maximum is not None:
            extra += _attr("max", _num(f.maximum))
    if f.kind == "password":
        # A secret is never rendered back, even after a refused submission.
        return f'<input type="password" autocomplete="off" spellcheck="false"{common}{extra}>'
    if f.example:
        extra += _attr("placeholder", f"e.g. {f.example}")
    return (f'<input type="{f.kind}" autocomplete="off" spellcheck="false"{common}{_attr("value", value)}'
            f'{extra}>')


def render_fields(fields: list[FormField], values: dict[str, str] | None = None,
                  errors: dict[str, list[str]] | None = None) -> str:
    """The inputs of ``fields`` (HTML): each labelled, with its description, help and help link, the
    values typed so far (``values``; never a secret's) and ``errors`` by field name."""
    values = values or {}
    errors = errors or {}
    out = []
    for f in fields:
        ident = f"f-{f.name}"
        value = "" if f.secret else values.get(f.name, f.default or "")
        notes = []
        if f.description and f.description != f.label:
            notes.append(f'<span class="desc" id="{esc(ident)}-desc">{esc(f.description)}</span>')
        if f.help or f.help_url:
            link = (f' <a href="{esc(f.help_url)}" target="_blank" rel="noopener noreferrer">'
                    f'Where to find this<span class="visually-hidden"> ({esc(f.label)})</span></a>'
                    if f.help_url else "")
            notes.append(f'<span class="help" id="{esc(ident)}-help">{esc(f.help or "")}{link}</span>')
        field_errors = errors.get(f.name, [])
        if field_errors:
            notes.append(f'<span class="error-text" id="{esc(ident)}-err">'
                         f'{esc("; ".join(field_errors))}</span>')
        described = " ".join(i for i, on in ((f"{ident}-desc", f.description and f.description != f.label),
                                             (f"{ident}-help", f.help or f.help_url),
                                             (f"{ident}-err", field_errors)) if on)
        optional = "" if f.required or f.kind == "checkbox" else ' <span class="muted">(optional)</span>'
        label = f'<label for="{esc(ident)}">{esc(f.label)}{optional}</label>'
        control = _input(f, value, described, bool(field_errors))
        classes = "field" + (" checkbox" if f.kind == "checkbox" else "") + (" field-error" if field_errors else "")
        inner = f"{control}{label}" if f.kind == "checkbox" else f"{label}{control}"
        out.append(f'<div class="{classes}">{inner}{"".join(notes)}</div>')
    return "".join(out)
