"""People's accounts: sign-up, confirmation and sign-in through Cognito.

Cognito holds the person (email as username) and their password; Aptura keeps only the
membership ``sub -> account`` (:mod:`aptura.web.members`) and a server-side web session.
A new account gets one test secret key, whose text is returned once and never stored.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from aptura.api.audit import audit
from aptura.errors import AptError
from aptura.store.keys import create_api_key
from aptura.web import members, sessions

# One message for wrong password, unknown email and unconfirmed person alike: nothing tells which.
SIGN_IN_REFUSED = "That email and password do not match an account."


class AccountRefused(AptError):
    """Sign-up or sign-in refused; ``message`` is fit to show the person."""

    code = "validation_error"


@dataclass(frozen=True)
class SignUpResult:
    """A sign-up: the Cognito ``sub``, and whether the emailed code is still to be entered."""

    user_sub: str
    confirmed: bool


@dataclass(frozen=True)
class NewAccount:
    """An account made at the first sign-in: its id and its first test secret key (shown once)."""

    account_id: str
    api_key: str
    key_id: str


def _pool() -> tuple[str, str]:
    return os.environ["APTURA_USER_POOL_ID"], os.environ["APTURA_USER_POOL_CLIENT_ID"]


def _idp() -> Any:
    return boto3.client("cognito-idp")


def auto_confirm() -> bool:
    """Whether sign-ups are confirmed at once (the local dev stack, where no email is sent)."""
    return os.environ.get("APTURA_DEV_AUTO_CONFIRM") == "1"


def new_account_id() -> str:
    """A fresh account id of the admin CLI's form (``acct_`` + lowercase hex)."""
    return f"acct_{secrets.token_hex(8)}"


def sign_up(email: str, password: str) -> SignUpResult:
    """Create the person in Cognito; in dev they are confirmed at once, else Cognito emails a code."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountRefused("Enter a valid email address.", details={"email": ["not an email address"]})
    pool_id, client_id = _pool()
    try:
        made = _idp().sign_up(ClientId=client_id, Username=email, Password=password,
                              UserAttributes=[{"Name": "email", "Value": email}])
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        if code == "InvalidPasswordException":
            raise AccountRefused("Choose a password of at least 12 characters with upper and lower case "
                                 "letters and a number.", details={"password": ["too weak"]}) from exc
        if code == "UsernameExistsException":
            raise AccountRefused("An account with that email exists already: sign in instead.",
                                 details={"email": ["already signed up"]}) from exc
        if code == "InvalidParameterException":
            raise AccountRefused("Enter a valid email address and password.") from exc
        raise
    confirmed = bool(made.get("UserConfirmed"))
    if not confirmed and auto_confirm():
        _idp().admin_confirm_sign_up(UserPoolId=pool_id, Username=email)
        confirmed = True
    return SignUpResult(str(made["UserSub"]), confirmed)


def confirm(email: str, code: str) -> None:
    """Enter the code Cognito emailed at sign-up."""
    _, client_id = _pool()
    try:
        _idp().confirm_sign_up(ClientId=client_id, Username=email.strip().lower(), ConfirmationCode=code.strip())
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("CodeMismatchException", "ExpiredCodeException",
                                             "UserNotFoundException", "InvalidParameterException"):
            raise AccountRefused("That code is not right or has expired.", details={"code": ["not accepted"]}) \
                from exc
        raise


def authenticate(email: str, password: str) -> str:
    """The Cognito ``sub`` of the person signing in; :class:`AccountRefused` with one generic message."""
    _, client_id = _pool()
    idp = _idp()
    try:
        tokens = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": email.strip().lower(), "PASSWORD": password})
        access = tokens["AuthenticationResult"]["AccessToken"]
        user = idp.get_user(AccessToken=access)
    except (ClientError, KeyError) as exc:
        raise AccountRefused(SIGN_IN_REFUSED) from exc
    attrs = {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}
    sub = attrs.get("sub")
    if not sub:
        raise AccountRefused(SIGN_IN_REFUSED)
    return str(sub)


def open_account(user_sub: str) -> tuple[str, NewAccount | None]:
    """The account ``user_sub`` acts for; made (owner membership, first test key) when they have none."""
    existing = members.memberships_of(user_sub)
    if existing:
        return existing[0].account_id, None
    account_id = new_account_id()
    members.add_member(user_sub, account_id, "owner")
    raw, record = create_api_key(account_id, "test", name="First test key")
    audit("account.create", "created", account_id=account_id, user_sub=user_sub)
    audit("api_key.create", "created", account_id=account_id, key_id=record.key_id, mode="test")
    return account_id, NewAccount(account_id, raw, record.key_id)


def sign_in(email: str, password: str) -> tuple[str, sessions.WebSession, NewAccount | None]:
    """Check the password with Cognito and start a web session; returns (raw cookie id, session, new account)."""
    if not email or not password:
        raise AccountRefused(SIGN_IN_REFUSED)
    try:
        sub = authenticate(email, password)
    except AccountRefused:
        audit("sign_in", "refused")  # no account is known: logged, not stored in any account's activity
        raise
    account_id, made = open_account(sub)
    raw, session = sessions.start(sub, account_id, "test")
    audit("sign_in", "succeeded", account_id=account_id, user_sub=sub)
    return raw, session, made


def sign_out(raw: str | None) -> None:
    """End the web session whose cookie id is ``raw`` (its account's activity records it)."""
    session = sessions.load(raw)
    sessions.end(raw)
    if session is not None:
        audit("sign_out", "succeeded", account_id=session.account_id, user_sub=session.user_sub)

