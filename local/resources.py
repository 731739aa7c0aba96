"""Create template.yaml's DynamoDB tables on a local endpoint (DynamoDB Local or moto),
exactly as CloudFormation would from the same properties."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from local.template import Resolver, load_yaml


def table_definitions(
    template_path: str | Path, parameter_overrides: dict[str, str] | None = None
) -> dict[str, dict[str, Any]]:
    """``{table name: create_table kwargs}`` for every ``AWS::DynamoDB::Table`` in the template.

    A table without ``TableName`` is named as ``!Ref`` resolves it locally (its logical
    id), which is also what the functions' environment receives.
    """
    template = load_yaml(template_path)
    resolver = Resolver(template, parameter_overrides)
    out: dict[str, dict[str, Any]] = {}
    for logical_id, resource in (template.get("Resources") or {}).items():
        if resource.get("Type") != "AWS::DynamoDB::Table":
            continue
        props = resolver.resolve(resource.get("Properties") or {})
        name = str(props.get("TableName") or resolver.ref(logical_id))
        kwargs: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": props.get("BillingMode", "PROVISIONED"),
        }
        if kwargs["BillingMode"] == "PROVISIONED":
            kwargs["ProvisionedThroughput"] = props.get(
                "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
            )
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(key):
                kwargs[key] = props[key]
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            kwargs["_ttl_attribute"] = ttl["AttributeName"]
        out[name] = kwargs
    return out


def create_tables(
    client: Any, template_path: str | Path, parameter_overrides: dict[str, str] | None = None
) -> list[str]:
    """Create (or keep, when present) every table of the template; returns their names."""
    existing = set(client.list_tables().get("TableNames", []))
    names = []
    for name, kwargs in table_definitions(template_path, parameter_overrides).items():
        names.append(name)
        if name in existing:
            continue
        kwargs = dict(kwargs)
        ttl_attribute = kwargs.pop("_ttl_attribute", None)
        client.create_table(**kwargs)
        client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
        if ttl_attribute:
            client.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl_attribute}
            )
    return names


def create_queues(client: Any, template_path: str | Path) -> dict[str, tuple[str, str]]:
    """Create every ``AWS::SQS::Queue`` of the template (moto locally); returns ``{logical id: (url, arn)}``.

    Queues are named by logical id, as ``!Ref`` resolves locally; a redrive policy's ``!GetAtt X.Arn`` is
    the ARN of queue X as created here, so the queues without one are created first.
    """
    template = load_yaml(template_path)
    queues = {rid: dict(res.get("Properties") or {}) for rid, res in (template.get("Resources") or {}).items()
              if res.get("Type") == "AWS::SQS::Queue"}
    out: dict[str, tuple[str, str]] = {}
    for rid in sorted(queues, key=lambda r: "RedrivePolicy" in queues[r]):
        props = queues[rid]
        attributes = {k: str(v) for k, v in props.items()
                      if k in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds")}
        redrive = props.get("RedrivePolicy")
        if redrive:
            target = redrive["deadLetterTargetArn"]
            target_id = target["Fn::GetAtt"][0] if isinstance(target, dict) else str(target)
            attributes["RedrivePolicy"] = json.dumps({"deadLetterTargetArn": out[target_id][1],
                                                      "maxReceiveCount": int(redrive["maxReceiveCount"])})
        url = client.create_queue(QueueName=rid, Attributes=attributes)["QueueUrl"]
        arn = client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        out[rid] = (url, arn)
    return out
