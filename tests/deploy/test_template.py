"""template.yaml is deployable as it is: lint-clean, buildable without a container, a
layer that matches the runtime, carries no boto3/botocore and imports from the build."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from local.template import load_yaml
from tests.support import ROOT

SAM = os.environ.get("SAM_CLI") or str(ROOT / ".sam-venv" / "bin" / "sam")
ENV = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
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


def test_sam_build_without_a_container_and_import_from_the_artifact(tmp_path: Path) -> None:
    build = tmp_path / "build"
    result = run(SAM, "build", "--build-dir", str(build))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    layer = build / "EngineLayer" / "python"
    assert (layer / "aptura" / "engine" / "runner.py").is_file()
    assert not (layer / "botocore").exists() and not (layer / "boto3").exists(), "boto3 comes from the runtime"
    compiled = subprocess.run([sys.executable, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode",
                               "unchecked-hash", str(layer)], capture_output=True, text=True)
    assert compiled.returncode == 0, compiled.stderr
    assert list((layer / "aptura" / "engine" / "__pycache__").glob("runner.cpython-311*.pyc"))
    for fn in ("AvailabilityFunction", "AppointmentsFunction"):
        code = (f"import sys; sys.path[:0] = [{str(build / fn)!r}, {str(layer)!r}]; import app; "
                "assert app.lambda_handler and 'aptura' in sys.modules; "
                f"assert sys.modules['aptura'].__file__.startswith({str(layer)!r})")
        imported = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, text=True,
                                  env={**ENV, "AWS_DEFAULT_REGION": "us-east-1", "APTURA_TABLE": "t"})
        assert imported.returncode == 0, imported.stderr
    shutil.rmtree(build, ignore_errors=True)


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
