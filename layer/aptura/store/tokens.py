"""Exactly one OAuth refresh per connection, however many containers find the token
stale at once: a lease taken with a DynamoDB conditional write (not an in-memory lock,
which only one container would see).

Lease item: ``pk = CONNECTION#<id>``, ``sk = OAUTH_LEASE``, ``lease_until`` (epoch s),
``owner``; TTL ``expires_at`` cleans up leases of crashed holders.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from aptura.errors import AptError
from aptura.store.connections import ConnectionRecord, read_credentials, write_credentials
from aptura.store.db import table

LEASE_SECONDS = 20
WAIT_SECONDS = 20.0


class DynamoTokenStore:
    """The :class:`~aptura.engine.auth.TokenStore` for a stored connection."""

    def __init__(self, record: ConnectionRecord) -> None:
        self.record = record
        self.key = {"pk": f"CONNECTION#{record.connection_id}", "sk": "OAUTH_LEASE"}

    def _acquire(self, owner: str) -> bool:
        now = int(time.time())
        try:
            table().put_item(
                Item={**self.key, "owner": owner, "lease_until": now + LEASE_SECONDS, "expires_at": now + 3600},
                ConditionExpression="attribute_not_exists(pk) OR lease_until < :now",
                ExpressionAttributeValues={":now": now},
            )
            return True
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise

    def _release(self, owner: str) -> None:
        try:
            table().delete_item(Key=self.key, ConditionExpression="#o = :me",
                                ExpressionAttributeNames={"#o": "owner"}, ExpressionAttributeValues={":me": owner})
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ConditionalCheckFailedException":
                raise

    def _held(self) -> bool:
        item = table().get_item(Key=self.key, ConsistentRead=True).get("Item")
        return bool(item) and int(item["lease_until"]) >= int(time.time())

    def refresh_once(self, stale: Callable[[dict[str, Any]], bool],
                     refresh: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        """Fresh credentials; ``refresh`` runs only in the caller holding the lease."""
        owner = uuid.uuid4().hex
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            creds = read_credentials(self.record, force=True)
            if not stale(creds):
                return creds
            if self._acquire(owner):
                try:
                    creds = read_credentials(self.record, force=True)  # someone may have just finished
                    if not stale(creds):
                        return creds
                    fresh = refresh(creds)
                    write_credentials(self.record, fresh)
                    return fresh
                finally:
                    self._release(owner)
            while self._held() and time.monotonic() < deadline:  # another caller is refreshing
                time.sleep(0.05 + random.random() * 0.05)
        raise AptError("the connection's token refresh did not finish in time", code="provider_unavailable",
                       retry_after=1)
