"""Integration fixtures: AWS's DynamoDB Local and moto's server, as the local stack uses them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from local.resources import create_tables
from local.services import moto_endpoint, start_dynamodb_local, start_moto
from tests.support import ROOT, WORKER_LOG_HOOKS, reset_caches

# Lambda runs many execution environments at once; eight is enough for requests to overlap at the provider.
GATEWAY_WORKERS = 8


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


@pytest.fixture(scope="session")
def gateway(local_aws: dict[str, str], sandboxes: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The functions in Lambda-like worker processes behind the local API Gateway, on the same
    DynamoDB Local, moto server and sandboxes as the in-process tests: the way to send requests
    that are really handled at once (``tests.support.call_gateway``)."""
    from local.gateway import Gateway

    env = {
        **local_aws,
        "AWS_ACCESS_KEY_ID": os.environ["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": os.environ["AWS_SECRET_ACCESS_KEY"],
        "APTURA_SECRET_PREFIX": os.environ["APTURA_SECRET_PREFIX"],  # the template's prefix names a stack
        "APTURA_SPECS_DIR": str(ROOT / "specs"),  # the template says /opt (the specs layer)
        "APTURA_SANDBOX_URL": sandboxes.url,
    }
    log_path = tmp_path_factory.mktemp("gateway") / "workers.log"
    with log_path.open("w") as log:
        gw = Gateway(ROOT / "template.yaml", env_overrides={"Parameters": env},
                     parameter_overrides={"SandboxUrl": sandboxes.url}, host="127.0.0.1", port=0,
                     max_workers=GATEWAY_WORKERS, log=log)
        url = gw.start()
        try:
            yield url
        finally:
            gw.stop()
    for line in log_path.read_text().splitlines():
        for hook in WORKER_LOG_HOOKS:
            hook(line)
