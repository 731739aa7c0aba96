"""Integration fixtures: AWS's DynamoDB Local and moto's server, as the local stack uses them."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from local.resources import create_tables
from local.services import moto_endpoint, start_dynamodb_local, start_moto
from tests.support import ROOT, reset_caches


@pytest.fixture(scope="session")
def local_aws() -> Iterator[dict[str, str]]:
    """DynamoDB Local (-sharedDb, in memory) + moto server; endpoints set in the environment."""
    ddb = start_dynamodb_local()
    moto = start_moto()
    endpoints = {"AWS_ENDPOINT_URL_DYNAMODB": ddb.endpoint, "AWS_ENDPOINT_URL_SECRETS_MANAGER": moto_endpoint(moto)}
    mp = pytest.MonkeyPatch()
    for name, value in endpoints.items():
        mp.setenv(name, value)
    create_tables(boto3.client("dynamodb"), ROOT / "template.yaml")
    yield endpoints
    mp.undo()
    moto.stop()
    ddb.stop()


@pytest.fixture()
def aws(local_aws: dict[str, str]) -> Iterator[dict[str, str]]:
    reset_caches()
    yield local_aws
    reset_caches()
