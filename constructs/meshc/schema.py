"""The JSON Schema of environment files, generated from the model.

Each environment file names it in a `yaml-language-server` comment, so
editors complete keys and flag typos before meshc ever runs.
"""

from __future__ import annotations

import json
from pathlib import Path

from meshc.model import Environment

SCHEMA_FILE = "meshc-environment.schema.json"


def environment_schema() -> str:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **Environment.model_json_schema(by_alias=True, mode="validation"),
    }
    schema["title"] = "meshc environment"
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_schema(environments: Path) -> Path:
    target = environments / SCHEMA_FILE
    target.write_text(environment_schema(), encoding="utf-8")
    return target
