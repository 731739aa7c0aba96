"""Who may act for an account: membership records linking a Cognito user to accounts.

Two items per membership, written together: ``MEMBER#<sub>`` / ``ACCOUNT#<id>`` answers
"which accounts may this person open" at sign-in, and ``ACCOUNT#<id>`` / ``MEMBER#<sub>``
lists an account's members, so an account can have several members later without a migration.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from aptura.store.db import table

ROLES = ("owner",)


@dataclass(frozen=True)
class Membership:
    """``user_sub`` acts for ``account_id`` with ``role``."""

    user_sub: str
    account_id: str
    role: str


def add_member(user_sub: str, account_id: str, role: str = "owner") -> Membership:
    """Record that ``user_sub`` belongs to ``account_id`` (both items, in one transaction)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    fields = {"user_sub": user_sub, "account_id": account_id, "role": role, "created_at": int(time.time())}
    name = table().name
    table().meta.client.transact_write_items(TransactItems=[
        {"Put": {"TableName": name, "Item": {"pk": f"MEMBER#{user_sub}", "sk": f"ACCOUNT#{account_id}", **fields}}},
        {"Put": {"TableName": name, "Item": {"pk": f"ACCOUNT#{account_id}", "sk": f"MEMBER#{user_sub}", **fields}}},
    ])
    return Membership(user_sub, account_id, role)


def memberships_of(user_sub: str) -> list[Membership]:
    """Every account ``user_sub`` belongs to, ordered by account id."""
    items = table().query(KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
                          ExpressionAttributeValues={":pk": f"MEMBER#{user_sub}", ":sk": "ACCOUNT#"},
                          ConsistentRead=True)["Items"]
    return [Membership(str(i["user_sub"]), str(i["account_id"]), str(i["role"])) for i in items]


def members_of(account_id: str) -> list[Membership]:
    """Every member of ``account_id``."""
    items = table().query(KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
                          ExpressionAttributeValues={":pk": f"ACCOUNT#{account_id}", ":sk": "MEMBER#"},
                          ConsistentRead=True)["Items"]
    return [Membership(str(i["user_sub"]), str(i["account_id"]), str(i["role"])) for i in items]
