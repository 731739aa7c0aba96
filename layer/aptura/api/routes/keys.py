"""/v1/api-keys: create (shown once), list and revoke an account's API keys."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.openapi.params import Path

from aptura.api.app import ERROR_RESPONSES, require_key, success
from aptura.api.audit import audit
from aptura.api.models import ApiKeyCreate, ApiKeyCreated, ApiKeyList
from aptura.errors import Forbidden, NotFound
from aptura.store.keys import create_api_key, list_api_keys, revoke_api_key

router = Router()


@router.post(
    "/v1/api-keys",
    summary="Create an API key",
    description="The key is in this response only. It has the calling key's mode, and at most its scopes.",
    tags=["API keys"],
    responses={201: success(ApiKeyCreated, "The new key, shown once"), **ERROR_RESPONSES},
)
def create_key(body: ApiKeyCreate) -> tuple[dict[str, Any], int]:
    caller = require_key("keys:manage")
    scopes = tuple(dict.fromkeys(body.scopes)) if body.scopes else caller.scopes
    beyond = sorted(set(scopes) - set(caller.scopes))
    if beyond:  # a key must not mint a stronger one
        raise Forbidden(f"this API key cannot grant scopes it lacks: {', '.join(beyond)}",
                        details={"scopes": beyond})
    raw, key = create_api_key(caller.account_id, caller.mode, scopes, name=body.name)
    audit("api_keys.create", "created", key_id=key.key_id, scopes=list(key.scopes))
    return {"id": key.key_id, "prefix": key.prefix, "mode": key.mode, "scopes": list(key.scopes), "name": key.name,
            "created_at": key.created_at, "last_used_at": None, "key": raw}, 201


@router.get(
    "/v1/api-keys",
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
