"""Read a SAM ``template.yaml`` (source or ``.aws-sam/build``) into the functions and routes the local gateway serves.

Only what local emulation needs is modelled: intrinsic functions are resolved the way ``sam local`` resolves
them (a resource's ``!Ref`` is its logical id, pseudo parameters get fixed local values), ``Globals`` are merged
with SAM's rules (scalars: the function wins; maps: merged; lists: concatenated), and each function gets the
directories that would be on its ``sys.path`` in Lambda.
"""

from __future__ import annotations

import base64
import os
import re
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

API_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")  # what ANY expands to
_NO_VALUE = object()  # AWS::NoValue: drops the enclosing key or list item
# GetAtt <Resource>.Arn: resource type -> (service, resource part); anything else gets a generic ARN.
_ARN_PARTS = {
    "AWS::Serverless::Function": ("lambda", "function:{}"),
    "AWS::Lambda::Function": ("lambda", "function:{}"),
    "AWS::DynamoDB::Table": ("dynamodb", "table/{}"),
    "AWS::SecretsManager::Secret": ("secretsmanager", "secret:{}"),
    "AWS::SQS::Queue": ("sqs", "{}"),
    "AWS::SNS::Topic": ("sns", "{}"),
}


class _CfnLoader(yaml.SafeLoader):
    """SafeLoader that turns CloudFormation short tags (``!Ref x``) into their long form (``{"Ref": x}``)."""


def _construct_tag(loader: _CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM template (YAML or JSON) with its short-form tags."""
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_CfnLoader) or {}  # noqa: S506 - _CfnLoader is a SafeLoader


def merge_globals(global_props: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """Merge ``Globals`` into resource properties with SAM's rules."""
    merged = dict(global_props)
    for key, value in props.items():
        old = merged.get(key)
        if isinstance(old, dict) and isinstance(value, dict) and not _is_intrinsic(value):
            merged[key] = merge_globals(old, value)
        elif isinstance(old, list) and isinstance(value, list):
            merged[key] = old + value
        else:
            merged[key] = value
    return merged


def _is_intrinsic(node: Any) -> bool:
    if not isinstance(node, dict) or len(node) != 1:
        return False
    key = str(next(iter(node)))
    return key in ("Ref", "Condition") or key.startswith("Fn::")


class Resolver:
    """Evaluate intrinsic functions against parameters, pseudo parameters, resources and conditions."""

    def __init__(self, template: dict[str, Any], overrides: dict[str, str] | None = None) -> None:
        overrides = dict(overrides or {})
        # The developer's configured region (as boto3 in the functions will use it) unless overridden.
        region = overrides.get("AWS::Region") or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        region = region or "us-east-1"
        self.resources: dict[str, Any] = template.get("Resources") or {}
        self.mappings: dict[str, Any] = template.get("Mappings") or {}
        self.conditions: dict[str, Any] = template.get("Conditions") or {}
        # Same values as `sam local`, so env vars built from them match what developers see there;
        # each can be overridden like a parameter (e.g. AWS::StackName=aptura-dev).
        self.values: dict[str, Any] = {
            "AWS::Region": region,
            "AWS::AccountId": "123456789012",
            "AWS::StackName": "local",
            "AWS::StackId": f"arn:aws:cloudformation:{region}:123456789012:stack/local/local",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NotificationARNs": [],
        }
        for name, spec in (template.get("Parameters") or {}).items():
            if "Default" in (spec or {}):
                default = spec["Default"]
                self.values[name] = ",".join(map(str, default)) if isinstance(default, list) else str(default)
        self.values.update({k: str(v) for k, v in overrides.items()})

    def resolve(self, node: Any) -> Any:
        """Return ``node`` with every intrinsic function evaluated (``AWS::NoValue`` entries removed)."""
        if isinstance(node, list):
            return [v for v in (self.resolve(item) for item in node) if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if _is_intrinsic(node):
            ((name, arg),) = node.items()
            return self._intrinsic(name, arg)
        return {k: v for k, v in ((k, self.resolve(v)) for k, v in node.items()) if v is not _NO_VALUE}

    def _intrinsic(self, name: str, arg: Any) -> Any:
        if name == "Ref":
            return self.ref(arg)
        if name == "Condition":
            return self.condition(arg)
        if name == "Fn::Sub":
            text, variables = (arg[0], self.resolve(arg[1])) if isinstance(arg, list) else (arg, {})
            return re.sub(r"\$\{([^}]+)\}", lambda m: self._sub_var(m.group(1), variables), text)
        if name == "Fn::GetAtt":
            target, attr = arg if isinstance(arg, list) else str(arg).split(".", 1)
            return self.get_att(self.resolve(target), self.resolve(attr))
        arg = self.resolve(arg)
        if name == "Fn::Join":
            return str(arg[0]).join(str(item) for item in arg[1])
        if name == "Fn::If":
            return arg[1] if self.condition(arg[0]) else arg[2]
        if name == "Fn::Select":
            return arg[1][int(arg[0])]
        if name == "Fn::Split":
            return str(arg[1]).split(arg[0])
        if name == "Fn::FindInMap":
            return self.mappings[arg[0]][arg[1]][arg[2]]
        if name == "Fn::Base64":
            return base64.b64encode(str(arg).encode()).decode()
        if name == "Fn::Equals":
            return str(arg[0]) == str(arg[1])
        if name == "Fn::Not":
            return not arg[0]
        if name == "Fn::And":
            return all(arg)
        if name == "Fn::Or":
            return any(arg)
        return {name: arg}  # not emulated (Fn::ImportValue, Fn::GetAZs...): left visible rather than guessed

    def ref(self, name: str) -> Any:
        """``!Ref``: a parameter or pseudo parameter value, else a resource's logical id (as ``sam local`` does)."""
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.values:
            return self.values[name]
        return name

    def get_att(self, resource: str, attr: str) -> str:
        """``!GetAtt``: a plausible ARN for ``Arn``, the logical id for every other attribute."""
        if attr != "Arn":
            return resource
        rtype = (self.resources.get(resource) or {}).get("Type", "")
        service, part = _ARN_PARTS.get(rtype, (rtype.split("::")[1].lower() if "::" in rtype else "local", "{}"))
        return f"arn:aws:{service}:{self.values['AWS::Region']}:123456789012:{part.format(resource)}"

    def condition(self, name: str) -> bool:
        """Evaluate a named entry of the template's ``Conditions``."""
        return bool(self.resolve(self.conditions[name]))

    def _sub_var(self, name: str, variables: dict[str, Any]) -> str:
        if name.startswith("!"):  # ${!Literal} is an escaped, literal ${Literal}
            return "${" + name[1:] + "}"
        if name in variables:
            return str(variables[name])
        if "." in name and name not in self.values:
            return self.get_att(*name.split(".", 1))
        return str(self.ref(name))


@dataclass
class Route:
    """One API event of a function: how a request reaches it and which event shape it receives."""

    function_id: str
    event_name: str
    kind: str  # "Api" (REST) or "HttpApi"
    method: str  # upper-case, or "ANY"
    path: str  # template path, e.g. /v1/items/{id} or /{proxy+}
    stage: str
    api_id: str
    payload_version: str  # "1.0" or "2.0"
    route_key: str  # v2 routeKey: "GET /path" or "$default"
    binary_media_types: tuple[str, ...] = ()

    @property
    def methods(self) -> tuple[str, ...]:
        """The concrete methods this route answers."""
        return API_METHODS if self.method == "ANY" else (self.method,)

    @cached_property
    def _pattern(self) -> tuple[re.Pattern[str], list[str]]:
        names, parts = [], []
        for seg in self.path.strip("/").split("/"):
            if seg.startswith("{") and seg.endswith("}"):
                greedy = seg.endswith("+}")
                names.append(seg[1:-2] if greedy else seg[1:-1])
                parts.append(f"(?P<g{len(names)}>{'.+' if greedy else '[^/]+'})")
            else:
                parts.append(re.escape(seg))
        return re.compile("/" + "/".join(parts)), names

    def match(self, raw_path: str) -> dict[str, str] | None:
        """URL-decoded path parameters if ``raw_path`` (percent-encoded) fits the path template, else None."""
        regex, names = self._pattern
        found = regex.fullmatch(raw_path)
        if not found:
            return None
        return {name: unquote(found.group(f"g{i}")) for i, name in enumerate(names, 1)}

    @property
    def specificity(self) -> tuple[int, ...]:
        """Sort key: API Gateway prefers literal segments over ``{param}`` over ``{proxy+}``, left to right."""
        return tuple(0 if s.endswith("+}") else 1 if s.startswith("{") else 2 for s in self.path.split("/"))


@dataclass
class Function:
    """A Python function resource, resolved and merged with ``Globals``."""

    logical_id: str
    name: str
    handler: str
    runtime: str
    code_dir: Path
    timeout: int
    memory_mb: int
    environment: dict[str, str]
    python_path: list[Path]  # CodeUri first, then each layer's directories, in Lambda's order
    routes: list[Route] = field(default_factory=list)


@dataclass
class Stack:
    """Everything the gateway and the event generator need from one template."""

    path: Path
    region: str
    functions: dict[str, Function]
    resolver: Resolver

    @property
    def routes(self) -> list[Route]:
        """All routes of all functions, in template order."""
        return [route for fn in self.functions.values() for route in fn.routes]


def _warn(message: str) -> None:
    print(f"[template] {message}", file=sys.stderr)


def _layer_dirs(props: dict[str, Any], metadata: dict[str, Any], base: Path) -> list[Path]:
    """Directories a layer adds to ``sys.path``: ``<ContentUri>/python`` (Lambda's /opt/python) when present,
    plus ``<ContentUri>`` itself for a source layer built by ``sam build`` (BuildMethod python*), whose
    packages sit directly in ContentUri and only move into ``python/`` at build time. A data layer without
    BuildMethod adds nothing else: in Lambda its files are under /opt, which is not on ``sys.path``."""
    content = props.get("ContentUri")
    if not isinstance(content, str):
        return []
    root = (base / content).resolve()
    dirs = [root / "python"] if (root / "python").is_dir() else []
    if str(metadata.get("BuildMethod", "")).startswith("python"):
        dirs.append(root)
    return dirs


def load_stack(template_path: str | Path, parameter_overrides: dict[str, str] | None = None) -> Stack:
    """Load ``template_path`` and return its Python functions with their routes, fully resolved."""
    path = Path(template_path).resolve()
    base = path.parent
    template = load_yaml(path)
    resolver = Resolver(template, parameter_overrides)
    region = str(resolver.values["AWS::Region"])
    resources: dict[str, Any] = template.get("Resources") or {}
    glob = template.get("Globals") or {}
    globals_by_type = {
        "AWS::Serverless::Function": glob.get("Function") or {},
        "AWS::Serverless::Api": glob.get("Api") or {},
        "AWS::Serverless::HttpApi": glob.get("HttpApi") or {},
    }
    props_of: dict[str, dict[str, Any]] = {}
    for rid, res in resources.items():
        raw = merge_globals(globals_by_type.get(res.get("Type", ""), {}), res.get("Properties") or {})
        props_of[rid] = resolver.resolve(raw)

    functions: dict[str, Function] = {}
    for rid, res in resources.items():
        if res.get("Type") != "AWS::Serverless::Function":
            continue
        props = props_of[rid]
        runtime = str(props.get("Runtime", ""))
        if not runtime.startswith("python") or not isinstance(props.get("CodeUri"), str):
            _warn(f"skipping {rid}: only Python functions with a local CodeUri can run locally")
            continue
        python_path = [(base / props["CodeUri"]).resolve()]
        for layer in props.get("Layers") or []:
            layer_res = resources.get(str(layer))
            if layer_res and layer_res.get("Type") in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
                python_path += _layer_dirs(props_of[str(layer)], layer_res.get("Metadata") or {}, base)
            else:
                _warn(f"{rid}: layer {layer} is not defined in the template; not available locally")
        variables = (props.get("Environment") or {}).get("Variables") or {}
        fn = Function(
            logical_id=rid,
            name=str(props.get("FunctionName") or rid),
            handler=str(props["Handler"]),
            runtime=runtime,
            code_dir=python_path[0],
            timeout=int(props.get("Timeout", 3)),  # SAM's default
            memory_mb=int(props.get("MemorySize", 128)),
            environment={k: _env_str(v) for k, v in variables.items()},
            python_path=python_path,
        )
        for event_name, event in (props.get("Events") or {}).items():
            route = _route(rid, event_name, event, props_of, resources)
            if route:
                fn.routes.append(route)
        functions[rid] = fn
    return Stack(path=path, region=region, functions=functions, resolver=resolver)


def _route(
    fid: str, name: str, event: dict[str, Any], props_of: dict[str, dict[str, Any]], resources: dict[str, Any]
) -> Route | None:
    etype, props = event.get("Type"), event.get("Properties") or {}
    if etype == "Api":
        api_id = str(props.get("RestApiId") or "ServerlessRestApi")  # SAM's implicit API and its stage
        stage = str(props_of.get(api_id, {}).get("StageName", "Prod"))
        method, path = str(props["Method"]).upper(), str(props["Path"])
        binary = tuple(t.replace("~1", "/") for t in props_of.get(api_id, {}).get("BinaryMediaTypes") or [])
        return Route(fid, name, "Api", method, path, stage, api_id, "1.0", f"{method} {path}", binary)
    if etype == "HttpApi":
        api_id = str(props.get("ApiId") or "ServerlessHttpApi")
        api_props = props_of.get(api_id, {})
        stage = str(api_props.get("StageName", "$default"))
        version = str(props.get("PayloadFormatVersion", "2.0"))
        path = str(props.get("Path", "$default"))
        if path == "$default":  # the catch-all route of an HTTP API
            return Route(fid, name, "HttpApi", "ANY", "/{proxy+}", stage, api_id, version, "$default")
        method = str(props.get("Method", "ANY")).upper()
        return Route(fid, name, "HttpApi", method, path, stage, api_id, version, f"{method} {path}")
    return None


def _env_str(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    return "" if value is None else str(value)
