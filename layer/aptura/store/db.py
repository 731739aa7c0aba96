"""The single DynamoDB table and the Secrets Manager client, created lazily once per container.

Key design (tenant isolation lives in the keys, not in remembered filters):

=====================  ===========================  =============================================
item                   pk                           sk
=====================  ===========================  =============================================
API key                ``APIKEY#<sha256(key)>``     ``APIKEY``
connection             ``ACCOUNT#<account_id>``     ``CONNECTION#<connection_id>``
write of unknown fate  ``ACCOUNT#<account_id>``     ``UNCERTAIN#<connection_id>#<reference>``
=====================  ===========================  =============================================

A connection can only be read through the account that owns it: there is no other key
that leads to it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import boto3


@lru_cache(maxsize=1)
def table() -> Any:
    """The app table (``APTURA_TABLE``)."""
    return boto3.resource("dynamodb").Table(os.environ["APTURA_TABLE"])


@lru_cache(maxsize=1)
def secrets_client() -> Any:
    """The Secrets Manager client (endpoint from ``AWS_ENDPOINT_URL_SECRETS_MANAGER`` locally)."""
    return boto3.client("secretsmanager")


def items(operation: str = "query", **request: Any) -> Iterator[dict[str, Any]]:
    """Every item a ``query`` (or ``scan``) of the table returns, page after page, fetched as iterated.

    DynamoDB answers at most 1 MB a call; stopping early (``itertools.islice``) reads no further pages.
    """
    call = getattr(table(), operation)
    while True:
        page = call(**request)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        request = {**request, "ExclusiveStartKey": page["LastEvaluatedKey"]}


def account_items(account_id: str, sk_prefix: str, **request: Any) -> Iterator[dict[str, Any]]:
    """:func:`items` of the account's own partition whose sort key starts with ``sk_prefix``."""
    return items(KeyConditionExpression="pk = :pk AND begins_with(sk, :sk)",
                 ExpressionAttributeValues={":pk": f"ACCOUNT#{account_id}", ":sk": sk_prefix}, **request)


def reset_clients() -> None:
    """Forget cached clients (tests switch endpoints between suites)."""
    table.cache_clear()
    secrets_client.cache_clear()
