"""Export the spec JSON Schema: ``python -m aptura.spec.schema > specs/schema.json``."""

from __future__ import annotations

import json

from aptura.spec.models import ProviderSpec


def spec_json_schema() -> str:
    """The JSON Schema of a provider spec, as committed in ``specs/schema.json``."""
    schema = ProviderSpec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Aptura provider spec"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(spec_json_schema(), end="")
