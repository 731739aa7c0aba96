"""/v1/api-keys: create (shown once), list and revoke an account's API keys."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from aptura.api.app import ERROR_RESPONSES, require_key, success
from aptura.api.audit import audit
from aptura.api.models import ApiKeyCreate, ApiKeyCreated, ApiKeyList
from aptura.errors import Forbidden, NotFound, ValidationError
from aptura.store.connections import get_connection
from aptura.store.keys import MAX_ACTIVE_KEYS, PUBLISHABLE_SCOPES, ApiKey, create_api_key, list_api_keys, revoke_api_key

router = Router()


@router.post(
    "/v1/api-keys",
    operation_id="createApiKey",
    summary="Create an API key",
    description=("The key is in this response only. It has the calling key's mode, and at most its scopes. "
                 "`kind: publishable` makes a browser-safe key (see the README's \"Browser-safe keys\"). "
                 f"An account has at most {MAX_ACTIVE_KEYS} active keys per mode "
                 "(409 `conflict` beyond: revoke one first)."),
    tags=["API keys"],
    responses={201: success(ApiKeyCreated, "The new key, shown once"), **ERROR_RESPONSES},
)
def create_key(body: ApiKeyCreate) -> tuple[dict[str, Any], int]:
    caller = require_key("keys:manage")
    publishable = body.kind == "publishable"
    scopes: tuple[str, ...]
    if body.scopes:
        scopes = tuple(dict.fromkeys(body.scopes))
    else:
        scopes = tuple(s for s in caller.scopes if s in PUBLISHABLE_SCOPES) if publishable else caller.scopes
    beyond = sorted(set(scopes) - set(caller.scopes))
    if beyond:  # a key must not mint a stronger one
        raise Forbidden(f"this API key cannot grant scopes it lacks: {', '.join(beyond)}",
                        details={"scopes": beyond})
    if not publishable and (body.allowed_origins or body.connections):
        raise ValidationError("allowed_origins and connections are for publishable keys only",
                              details={k: ["only with kind publishable"]
                                       for k in ("allowed_origins", "connections") if getattr(body, k)})
    connections = tuple(dict.fromkeys(body.connections or ()))
    _check_connections(caller, connections)
    raw, key = create_api_key(caller.account_id, caller.mode, scopes, name=body.name, kind=body.kind,
                              allowed_origins=tuple(body.allowed_origins or ()), connections=connections)
    audit("api_keys.create", "created", key_id=key.key_id, scopes=list(key.scopes), kind=key.kind,
          allowed_origins=list(key.allowed_origins))
    return {"id": key.key_id, "prefix": key.prefix, "mode": key.mode, "kind": key.kind, "scopes": list(key.scopes),
            "allowed_origins": list(key.allowed_origins), "connections": list(key.connections), "name": key.name,
            "created_at": key.created_at, "last_used_at": None, "key": raw}, 201


def _check_connections(caller: ApiKey, connections: tuple[str, ...]) -> None:
    """Every listed connection is the caller's account's, in its mode (400 naming the others)."""
    unknown = [c for c in connections
               if (record := get_connection(caller.account_id, c)) is None or record.mode != caller.mode]
    if unknown:
        raise ValidationError(f"no {caller.mode} connection {', '.join(unknown)} in this account",
                              details={"connections": [f"{c}: not found" for c in unknown]})


@router.get(
    "/v1/api-keys",
    operation_id="listApiKeys",
    summary="List API keys",
    description="Keys of the calling key's mode: prefix, scopes, created and last used; never the keys.",
    tags=["API keys"],
    responses={200: success(ApiKeyList, "The account's keys"), **ERROR_RESPONSES},
)
def list_keys() -> dict[str, Any]:
    caller = require_key("keys:manage")
    return {"data": list_api_keys(caller.account_id, caller.mode)}


@router.delete(
    "/v1/api-keys/<key_id>",
    operation_id="revokeApiKey",
    summary="Revoke an API key",
    description="Takes effect on the key's next request, in every region and container.",
    tags=["API keys"],
    responses={204: {"description": "Revoked", "content": {}}, **ERROR_RESPONSES},
)
def revoke_key(key_id: Annotated[str, Path(pattern=r"^key_[0-9a-f]{16}$", examples=["key_5f0c2a7e9b1d3c4a"])],
               ) -> tuple[str, int]:
    caller = require_key("keys:manage")
    if revoke_api_key(caller.account_id, key_id, caller.mode) is None:
        raise NotFound(f"API key {key_id} not found")
    audit("api_keys.revoke", "revoked", key_id=key_id)
    return "", 204
