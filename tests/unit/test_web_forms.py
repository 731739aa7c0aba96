"""The one form parser of Aptura's pages (aptura.web.html.Form / form_body): repeated names kept, blanks
kept, base64 bodies decoded, values never printed."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from aptura.web import html
from aptura.web.forms import FormField, split_values


def test_repeated_names_keep_every_value_in_order() -> None:
    form = html.Form.parse("csrf=t0k&scopes=catalog%3Aread&scopes=availability%3Aread&scopes=bookings%3Awrite")
    assert form.all("scopes") == ["catalog:read", "availability:read", "bookings:write"]
    assert form["scopes"] == "catalog:read"  # read as one value, a name answers its first
    assert form.get("csrf") == "t0k" and list(form) == ["csrf", "scopes"] and len(form) == 2


def test_blank_values_are_kept_and_missing_names_are_missing() -> None:
    form = html.Form.parse("name=&note=a+b%26c&flag=on")
    assert form["name"] == "" and "name" in form  # a cleared input posts "", which is not "absent"
    assert form["note"] == "a b&c" and "unchecked" not in form
    assert form.all("unchecked") == [] and form.get("unchecked", "x") == "x"
    with pytest.raises(KeyError):
        form["unchecked"]


def test_a_form_never_prints_its_values() -> None:
    form = html.Form.parse("username=owner&password=hunter2-correct-horse")
    assert "hunter2" not in repr(form) and "owner" not in repr(form) and "password" in repr(form)


def test_split_values_reads_a_form() -> None:
    fields = [FormField(name="site_id", group="config", label="Site", kind="number", required=True, integer=True),
              FormField(name="api_key", group="credentials", label="Key", kind="password", required=True),
              FormField(name="sandbox", group="config", label="Sandbox", kind="checkbox", required=False)]
    config, credentials = split_values(fields, html.Form.parse("site_id=+42+&api_key=k3y&sandbox=on"))
    assert config == {"site_id": 42, "sandbox": True} and credentials == {"api_key": "k3y"}
    config, _ = split_values(fields, html.Form.parse("site_id=&api_key=k3y"))
    assert config == {"site_id": "", "sandbox": False}  # required and empty: validation names it


def _event(body: str, *, encoded: bool) -> APIGatewayProxyEvent:
    return APIGatewayProxyEvent({"httpMethod": "POST", "path": "/dashboard/keys", "headers": {},
                                 "body": body, "isBase64Encoded": encoded})


@pytest.mark.parametrize(("body", "encoded", "scopes"), [
    ("scopes=catalog%3Aread&scopes=availability%3Aread", False, ["catalog:read", "availability:read"]),
    (base64.b64encode(b"scopes=catalog%3Aread&scopes=availability%3Aread").decode(), True,
     ["catalog:read", "availability:read"]),
    (base64.b64encode(b"scopes=caf\xe9").decode(), True, ["caf\ufffd"]),  # not UTF-8: replaced, not a 500
    ("%%%not-base64", True, []),
])
def test_form_body_reads_the_current_request(monkeypatch: pytest.MonkeyPatch, body: str, encoded: bool,
                                             scopes: list[str]) -> None:
    event = _event(body, encoded=encoded)

    def current() -> Any:
        return event

    monkeypatch.setattr(html, "current_event", current)
    assert html.form_body().all("scopes") == scopes
