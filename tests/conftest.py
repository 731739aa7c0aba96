"""Shared fixtures: fake AWS (moto in-process), the provider sandboxes, provisioning."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.support import ROOT, configure_aws_env, reset_caches

configure_aws_env()
# Fails the session if any secret the suite uses reaches a log line or an API answer.
pytest_plugins = ["tests.secret_scan"]


@pytest.fixture()
def moto_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """DynamoDB and Secrets Manager faked in-process, tables created from template.yaml."""
    from moto import mock_aws

    from local.resources import create_queues, create_tables

    for var in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SECRETS_MANAGER",
                "AWS_ENDPOINT_URL_SQS"):
        monkeypatch.delenv(var, raising=False)
    with mock_aws():
        reset_caches()
        create_tables(boto3.client("dynamodb"), ROOT / "template.yaml")
        queues = create_queues(boto3.client("sqs"), ROOT / "template.yaml")  # the webhook queue and its DLQ
        monkeypatch.setenv("APTURA_WEBHOOK_QUEUE_URL", queues["WebhookQueue"][0])
        monkeypatch.setenv("APTURA_WEBHOOK_DLQ_URL", queues["WebhookDeadLetterQueue"][0])
        yield
    reset_caches()


@pytest.fixture(scope="session")
def sandboxes() -> Iterator[Any]:
    """Every provider sandbox on one local port (APTURA_SANDBOX_URL points at it)."""
    from sandboxes.server import start

    only = [n for n in os.environ.get("APTURA_TEST_SANDBOXES", "").split(",") if n]  # a dev shortcut
    running = start(names=only or None)
    mp = pytest.MonkeyPatch()
    mp.setenv("APTURA_SANDBOX_URL", running.url)
    yield running
    mp.undo()
    running.stop()
