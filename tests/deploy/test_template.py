"""template.yaml is deployable as it is: lint-clean, buildable without a container, a
layer that matches the runtime, carries no boto3/botocore and imports from the build."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from local.template import load_yaml
from tests.support import ROOT

SAM = os.environ.get("SAM_CLI") or str(ROOT / ".sam-venv" / "bin" / "sam")
# sam build needs the runtime's interpreter on PATH; pyenv's shims find 3.13 only when PYENV_VERSION names it.
ENV = {"PYENV_VERSION": "3.11.7:3.12.1:3.13.0", **os.environ, "SAM_CLI_TELEMETRY": "0"}
pytestmark = pytest.mark.xdist_group("sam")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=300)


def test_sam_validate_lint_is_clean() -> None:
    assert Path(SAM).exists(), "run `make test` (it installs aws-sam-cli into .sam-venv)"
    result = run(SAM, "validate", "--lint")
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_is_clean() -> None:
    result = run(str(Path(sys.executable).parent / "cfn-lint"), "template.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_layer_build_method_matches_the_function_runtime() -> None:
    template = load_yaml(ROOT / "template.yaml")
    runtime = template["Globals"]["Function"]["Runtime"]
    layers = {k: v for k, v in template["Resources"].items() if v["Type"] == "AWS::Serverless::LayerVersion"}
    python_layers = [v for v in layers.values() if "BuildMethod" in (v.get("Metadata") or {})]
    assert python_layers and all(v["Metadata"]["BuildMethod"] == runtime for v in python_layers)
    assert all(runtime in v["Properties"]["CompatibleRuntimes"] for v in layers.values())
    lines = (ROOT / "layer" / "requirements.txt").read_text().lower().splitlines()
    packages = [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    assert packages and not [p for p in packages if p.startswith(("boto3", "botocore", "aws-lambda-powertools[tracer"))]


def test_least_privilege_policies() -> None:
    template = yaml.safe_load((ROOT / "template.yaml").read_text().replace("!", ""))  # tags as plain text
    for name, res in template["Resources"].items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        text = repr(res["Properties"].get("Policies", []))
        assert "secretsmanager:*" not in text and "'*'" not in text, name
        if "secretsmanager" in text:  # functions that read no secrets get no secrets statement at all
            assert "Resource" in text and "aptura/" in text, f"{name}: secrets scoped to Aptura's prefix"
        if name in ("DocsFunction",):  # serves only the API description: no data access
            assert text == "[]", name


def _runtime_python(runtime: str) -> str:
    """An interpreter of the functions' runtime version: this one, or pyenv's (tooling.md: PYENV_VERSION)."""
    version = runtime.removeprefix("python")
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    found = shutil.which(f"python{version}", path=ENV.get("PATH"))
    assert found, f"no python{version} on PATH: install it (pyenv) to build and import the {runtime} artifact"
    return found


def _sam_build(template: Path, build: Path, *resources: str) -> None:
    result = run(SAM, "build", "--template-file", str(template), "--base-dir", str(ROOT), "--build-dir", str(build),
                 *resources)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_sam_build_without_a_container_and_import_from_the_artifact(tmp_path: Path) -> None:
    from bench.coldstart import runtime_dir

    template = load_yaml(ROOT / "template.yaml")
    runtime = template["Globals"]["Function"]["Runtime"]
    [arch] = template["Globals"]["Function"]["Architectures"]
    python = _runtime_python(runtime)
    tag = runtime.removeprefix("python").replace(".", "")
    build = tmp_path / "build"
    _sam_build(ROOT / "template.yaml", build)
    layer = build / "EngineLayer" / "python"
    assert (layer / "aptura" / "engine" / "runner.py").is_file()
    assert not (layer / "botocore").exists() and not (layer / "boto3").exists(), "boto3 comes from the runtime"
    machine = {"arm64": "aarch64", "x86_64": "x86_64"}[arch]
    assert list(layer.glob(f"pydantic_core/*.cpython-{tag}-{machine}-linux-gnu.so")), "wheels of the runtime and arch"
    if platform.machine() != machine:
        # This machine cannot load the deployed architecture's extensions: import from the same layer built for
        # its own architecture (only the compiled wheels differ).
        native = tmp_path / "template.yaml"
        native.write_text((ROOT / "template.yaml").read_text().replace(arch, platform.machine()))
        _sam_build(native, tmp_path / "native", "EngineLayer")
        layer = tmp_path / "native" / "EngineLayer" / "python"
    compiled = subprocess.run([python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode",
                               "unchecked-hash", str(layer)], capture_output=True, text=True, env=ENV)
    assert compiled.returncode == 0, compiled.stderr
    assert list((layer / "aptura" / "engine" / "__pycache__").glob(f"runner.cpython-{tag}*.pyc"))
    stand_in = runtime_dir(tmp_path)  # boto3 and botocore, as the Lambda runtime provides them
    for fn in ("AvailabilityFunction", "AppointmentsFunction"):
        code = (f"import sys; sys.path[:0] = [{str(build / fn)!r}, {str(layer)!r}, {str(stand_in)!r}]; import app; "
                "assert app.lambda_handler and 'aptura' in sys.modules; "
                f"assert sys.modules['aptura'].__file__.startswith({str(layer)!r})")
        imported = subprocess.run([python, "-I", "-S", "-c", code], capture_output=True, text=True,
                                  env={**ENV, "AWS_DEFAULT_REGION": "us-east-1", "APTURA_TABLE": "t"})
        assert imported.returncode == 0, imported.stderr


def test_functions_run_python_3_13_on_arm64_with_snapstart() -> None:
    """SnapStart needs Python 3.12 or later and applies to published versions: every function has an alias."""
    template = load_yaml(ROOT / "template.yaml")
    glob = template["Globals"]["Function"]
    assert glob["Runtime"] == "python3.13" and glob["Architectures"] == ["arm64"]
    assert glob["SnapStart"] == {"ApplyOn": "PublishedVersions"} and glob["AutoPublishAlias"]
    for name, fn in template["Resources"].items():
        if fn["Type"] == "AWS::Serverless::Function":
            props = fn["Properties"]
            assert {"Runtime", "Architectures", "SnapStart", "AutoPublishAlias"}.isdisjoint(props), name
        if fn["Type"] == "AWS::Serverless::LayerVersion":
            assert fn["Properties"]["CompatibleArchitectures"] == ["arm64"], name
            if "BuildMethod" in (fn.get("Metadata") or {}):
                assert fn["Metadata"]["BuildArchitecture"] == "arm64", name


def test_api_gateways_own_answers_are_in_aptura_error_format() -> None:
    from aptura.errors import ERROR_STATUS

    responses = load_yaml(ROOT / "template.yaml")["Resources"]["Api"]["Properties"]["GatewayResponses"]
    assert {"MISSING_AUTHENTICATION_TOKEN", "RESOURCE_NOT_FOUND", "THROTTLED", "QUOTA_EXCEEDED", "REQUEST_TOO_LARGE",
            "UNAUTHORIZED", "ACCESS_DENIED", "BAD_REQUEST_BODY", "BAD_REQUEST_PARAMETERS", "UNSUPPORTED_MEDIA_TYPE",
            "INTEGRATION_TIMEOUT", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(responses)
    assert responses["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == "404"  # an unknown route, not 403
    for name, response in responses.items():
        body = json.loads(response["ResponseTemplates"]["application/json"])
        assert set(body) == {"error", "message", "details"} and body["error"] in ERROR_STATUS, name
        # Every answer names its request, as the functions' answers do (API Gateway fills these in).
        assert body["details"] == {"request_id": "$context.requestId"}, name
        assert response["ResponseParameters"]["Headers"]["X-Request-Id"] == "context.requestId", name
        # An explicit status everywhere: otherwise API Gateway's own (403, 415, 502...) would disagree with the code.
        status = int(response["StatusCode"])
        assert ERROR_STATUS[body["error"]] == status or (name, status) == ("REQUEST_TOO_LARGE", 413), name
        if status in (429, 503, 504):
            assert int(response["ResponseParameters"]["Headers"]["Retry-After"].strip("'")) > 0, name


# -- operations (issue 16): tables, logs, access log, throttling, alarms --------------------------------------

def _resources() -> dict[str, Any]:
    return load_yaml(ROOT / "template.yaml")["Resources"]


def _functions() -> dict[str, Any]:
    return {k: v for k, v in _resources().items() if v["Type"] == "AWS::Serverless::Function"}


def test_tables_keep_point_in_time_recovery_and_survive_the_stack() -> None:
    tables = {k: v for k, v in _resources().items() if v["Type"] == "AWS::DynamoDB::Table"}
    assert set(tables) >= {"AppTable", "IdempotencyTable"}
    for name, table in tables.items():
        assert table["DeletionPolicy"] == "Retain" and table["UpdateReplacePolicy"] == "Retain", name
        assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, name


def test_every_function_logs_to_its_own_group_with_a_retention() -> None:
    resources = _resources()
    groups = []
    for name, fn in _functions().items():
        group = fn["Properties"].get("LoggingConfig", {}).get("LogGroup", {}).get("Ref")
        assert group, f"{name}: LoggingConfig.LogGroup (see the log groups in template.yaml)"
        assert resources[group]["Type"] == "AWS::Logs::LogGroup", name
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name
        groups.append(group)
    assert len(groups) == len(set(groups)), "one group per function"


def test_access_log_names_the_route_never_the_path_the_query_or_a_key() -> None:
    props = _resources()["Api"]["Properties"]
    fmt = props["AccessLogSetting"]["Format"]
    # JSON once API Gateway fills the variables in (unquoted ones are numbers, or messageString's quoted text).
    assert json.loads(re.sub(r"\$context\.[A-Za-z.]+", "1", fmt)) and "$context.resourcePath" in fmt
    for leaky in ("$context.path", "$context.identity.apiKey", "$input", "$method.request", "querystring",
                  "$context.authorizer", "$context.requestOverride"):
        assert leaky.lower() not in fmt.lower(), leaky
    logs = _resources()[props["AccessLogSetting"]["DestinationArn"]["Fn::GetAtt"][0]]
    assert logs["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    [stage] = props["MethodSettings"]
    assert stage["ResourcePath"] == "/*" and stage["HttpMethod"] == "*"
    assert stage["ThrottlingRateLimit"] == {"Ref": "ApiRateLimit"}
    assert stage["ThrottlingBurstLimit"] == {"Ref": "ApiBurstLimit"}
    # Execution logs and data traces would record whole requests, query strings included.
    assert stage["LoggingLevel"] == "OFF" and stage["DataTraceEnabled"] is False


def _slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    return "-".join("".join(c for c in heading.lower() if c.isalnum() or c in " -").split())


def test_alarms_notify_the_topic_and_each_has_a_runbook_entry() -> None:
    alarms = {k: v for k, v in _resources().items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    assert set(alarms) == {"ApiServerErrorRateAlarm", "ProviderErrorRateAlarm", "ProviderThrottleAlarm",
                           "ApiThrottleAlarm", "FunctionThrottleAlarm", "WebhookDeadLetterAlarm"}
    text = (ROOT / "template.yaml").read_text()
    runbook = (ROOT / "docs" / "operations.md").read_text()
    anchors = {_slug(h) for h in re.findall(r"^### (.+)$", runbook, re.MULTILINE)}
    for name, alarm in alarms.items():
        props = alarm["Properties"]
        assert props["AlarmActions"] == [{"Ref": "AlarmTopic"}] and props["OKActions"] == [{"Ref": "AlarmTopic"}], name
        assert props["TreatMissingData"] == "notBreaching", name  # no traffic is not an incident
        [anchor] = re.findall(rf"^  {name}:  # runbook: docs/operations\.md#([a-z0-9-]+)$", text, re.MULTILINE)
        assert anchor in anchors, f"{name}: no '### ' heading for #{anchor} in docs/operations.md"
        assert f"`{name}`" in runbook, name


def test_alarmed_aptura_metrics_are_the_ones_emitted() -> None:
    """An alarm on a metric nothing writes would never fire: the names must match aptura.observability's."""
    from aptura import observability

    emitted = set(observability.outcome_counts(503, None)) | set(observability.outcome_counts(None, TimeoutError()))
    emitted |= {"ProviderLatency"}
    resources = _resources()
    filtered = {t["MetricName"] for r in resources.values() if r["Type"] == "AWS::Logs::MetricFilter"
                for t in r["Properties"]["MetricTransformations"] if t["MetricNamespace"] == "Aptura"}
    for name, alarm in resources.items():
        props = alarm["Properties"]
        if alarm["Type"] == "AWS::CloudWatch::Alarm" and props.get("Namespace") == "Aptura":
            assert props["MetricName"] in emitted | filtered, name
            if props["MetricName"] in emitted:  # the fleet-wide dimension set observability writes
                assert props["Dimensions"] == [{"Name": "service", "Value": "aptura"}], name


def test_function_throttle_alarm_covers_every_function_but_the_poller() -> None:
    alarm = _resources()["FunctionThrottleAlarm"]["Properties"]
    watched = {m["MetricStat"]["Metric"]["Dimensions"][0]["Value"]["Ref"]
               for m in alarm["Metrics"] if "MetricStat" in m}
    assert watched == set(_functions()) - {"PollerFunction"}, "add a new function's Throttles to FunctionThrottleAlarm"
    assert [m["Expression"] for m in alarm["Metrics"] if m.get("ReturnData")] == ["SUM(METRICS())"]


def test_dead_letter_alarm_watches_the_webhook_dead_letter_queue() -> None:
    props = _resources()["WebhookDeadLetterAlarm"]["Properties"]
    queue = {"Fn::GetAtt": ["WebhookDeadLetterQueue", "QueueName"]}
    assert props["Dimensions"] == [{"Name": "QueueName", "Value": queue}]
    assert props["Threshold"] == 0 and props["ComparisonOperator"] == "GreaterThanThreshold"


# -- least privilege: the pattern of template.yaml's comment above AvailabilityFunction ----------------------

SECRET_ARN = "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:aptura/${AWS::StackName}/"


def _statements(fn: dict[str, Any]) -> list[dict[str, Any]]:
    return [st for p in fn["Properties"].get("Policies", []) if "Statement" in p for st in p["Statement"]]


def _route_modules_text(fn: dict[str, Any]) -> str:
    """The source of the handler and of every aptura module it imports directly (its routes)."""
    app = (ROOT / fn["Properties"]["CodeUri"] / "app.py").read_text()
    texts = [app]
    for package, names in re.findall(r"^from (aptura(?:\.\w+)*) import ([\w, ]+)$", app, re.MULTILINE):
        for name in (n.strip() for n in names.split(",")):
            module = ROOT / "layer" / Path(*package.split(".")) / f"{name}.py"
            if module.is_file():
                texts.append(module.read_text())
    return "\n".join(texts)


def test_each_function_gets_only_its_tables_actions_and_secret_prefixes() -> None:
    for name, fn in _functions().items():
        policies = fn["Properties"].get("Policies", [])
        # SAM's DynamoDB/Secrets Manager templates grant Scan, DescribeTable, every index or a whole prefix.
        assert [kind for p in policies for kind in p] == ["SQSSendMessagePolicy"] * (len(policies) - 1) + [
            "Statement"] or not policies, f"{name}: SQSSendMessagePolicy per queue, then one Statement"
        statements = _statements(fn)
        sids = [st["Sid"] for st in statements]
        assert len(sids) == len(set(sids)), name
        for st in statements:
            sid, actions = st["Sid"], st["Action"]
            assert st["Effect"] == "Allow" and not [a for a in actions if "*" in a], f"{name} {sid}"
            if sid in ("AppTable", "IdempotencyTable"):
                assert st["Resource"] == {"Fn::GetAtt": [sid, "Arn"]}, f"{name} {sid}: the table, not its indexes"
                assert all(a.startswith("dynamodb:") for a in actions) and "dynamodb:DescribeTable" not in actions
                assert ("dynamodb:Scan" in actions) == (name == "PollerFunction"), f"{name}: only the poller scans"
            else:
                prefix = sid.removesuffix("Secrets").lower()
                assert sid.endswith("Secrets") and prefix in ("connections", "platform", "webhooks"), f"{name} {sid}"
                assert st["Resource"] == {"Fn::Sub": f"{SECRET_ARN}{prefix}/*"}, f"{name} {sid}"
                assert all(a.startswith("secretsmanager:") for a in actions), f"{name} {sid}"
                if prefix == "platform":  # operators create these (OAuth apps, the state key): functions only read
                    assert actions == ["secretsmanager:GetSecretValue"], name
                if prefix == "webhooks":  # signing secrets: registered by one function, read by the deliverer
                    assert name in ("WebhooksFunction", "DeliveryFunction"), name
        uses_idempotency = "aptura.api.idempotency" in _route_modules_text(fn)
        assert ("IdempotencyTable" in sids) == uses_idempotency, f"{name}: IdempotencyTable iff Idempotency-Key"


def test_functions_that_call_providers_can_refresh_tokens_and_report_broken_connections() -> None:
    """A provider call may refresh an OAuth token (connections/ write, platform/ OAuth apps) and, when the
    provider refuses the credentials, emits connection.error to the webhook queue (aptura.api.app)."""
    callers = []
    for name, fn in _functions().items():
        by_sid = {st["Sid"]: st["Action"] for st in _statements(fn)}
        if "secretsmanager:GetSecretValue" not in by_sid.get("ConnectionsSecrets", []):
            continue
        callers.append(name)
        assert "secretsmanager:PutSecretValue" in by_sid["ConnectionsSecrets"], name
        assert by_sid.get("PlatformSecrets") == ["secretsmanager:GetSecretValue"], name
        queues = [p["SQSSendMessagePolicy"]["QueueName"] for p in fn["Properties"]["Policies"]
                  if "SQSSendMessagePolicy" in p]
        assert {"Fn::GetAtt": ["WebhookQueue", "QueueName"]} in queues, name
        # The provider quota's shared ledger and the shared circuit are items read, written and dropped.
        assert {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"} <= set(by_sid["AppTable"]), name
    assert {"AvailabilityFunction", "AppointmentsFunction", "CatalogFunction", "ClientsFunction",
            "PollerFunction", "InboundFunction"} <= set(callers)
    for name, fn in _functions().items():  # an event is stored, queued, and its outbox entry dropped
        if name == "DeliveryFunction":  # sends only retries of queued events to the queue: stores none
            continue
        sends_events = any(p.get("SQSSendMessagePolicy", {}).get("QueueName") == {"Fn::GetAtt": ["WebhookQueue",
                           "QueueName"]} for p in fn["Properties"].get("Policies", []))
        actions = {st["Sid"]: st["Action"] for st in _statements(fn)}.get("AppTable", [])
        assert not sends_events or {"dynamodb:PutItem", "dynamodb:DeleteItem"} <= set(actions), name
    delivery = {st["Sid"]: st["Action"] for st in _statements(_functions()["DeliveryFunction"])}
    assert delivery["WebhooksSecrets"] == ["secretsmanager:GetSecretValue"] and "ConnectionsSecrets" not in delivery


def test_functions_that_touch_no_data_get_no_policy() -> None:
    functions = _functions()
    for name in ("DocsFunction", "HealthFunction", "StaticFunction"):
        assert "Policies" not in functions[name]["Properties"], name
