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


REFERENCE_FILE = "docs/environment-reference.md"


def write_schema(project_root: Path) -> list[Path]:
    """Regenerate the schema next to the environment files and the Markdown reference."""
    targets = {
        project_root / "environments" / SCHEMA_FILE: environment_schema(),
        project_root / REFERENCE_FILE: environment_reference(),
    }
    for target, text in targets.items():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return list(targets)


def environment_reference() -> str:
    """A Markdown table of every key an environment file accepts, generated from the model."""
    schema = json.loads(environment_schema())
    rows: list[tuple[str, str, str]] = []
    _walk(schema, schema, "", rows)
    lines = [
        "# Environment file reference",
        "",
        "Generated from the model by `python main.py schema`; do not edit by hand.",
        "Every key is optional unless marked **required**. Unknown keys are errors.",
        "",
        "| Key | Type | Meaning |",
        "| --- | --- | --- |",
    ]
    merged: dict[str, tuple[str, str]] = {}
    for key, kind, text in rows:  # a key shared by union members (database.type) is listed once
        if key in merged:
            kind = merged[key][0] if kind in merged[key][0] else f"{merged[key][0]} or {kind}"
        merged[key] = (kind, text or merged.get(key, ("", ""))[1])
    lines += [f"| `{key}` | {kind} | {text} |" for key, (kind, text) in merged.items()]
    return "\n".join(lines) + "\n"


def _resolve(node: dict, root: dict) -> dict:
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def _map_values(node: dict, root: dict) -> list[dict]:
    """The schema of a map's values (pydantic writes keyed maps as patternProperties)."""
    node = _resolve(node, root)
    values = [node["additionalProperties"]] if isinstance(node.get("additionalProperties"), dict) else []
    return values + list(node.get("patternProperties", {}).values())


def _type_of(node: dict, root: dict) -> str:
    node = _resolve(node, root)
    if "discriminator" in node:
        tags = sorted(node["discriminator"]["mapping"])
        return f"one of {', '.join(f'`{t}`' for t in tags)} (chosen by `{node['discriminator']['propertyName']}`)"
    if "enum" in node or "const" in node:
        return " \\| ".join(f"`{v}`" for v in node.get("enum", [node.get("const")]))
    if "anyOf" in node or "oneOf" in node:
        options = [_type_of(option, root) for option in node.get("anyOf", node.get("oneOf"))]
        return " or ".join(o for o in options if o != "null") or "null"
    if node.get("type") == "array":
        return f"list of {_type_of(node.get('items', {}), root)}"
    if node.get("type") == "object" and "properties" not in node:
        values = _map_values(node, root)
        return f"map of {_type_of(values[0], root) if values else 'any'}"
    return node.get("type", "object")


def _walk(node: dict, root: dict, prefix: str, rows: list[tuple[str, str, str]]) -> None:
    node = _resolve(node, root)
    required = set(node.get("required", []))
    for name, field in sorted(node.get("properties", {}).items()):
        key = f"{prefix}{name}"
        text = (field.get("description") or _resolve(field, root).get("description") or "").replace("|", "\\|").replace("\n", " ")
        rows.append((key, _type_of(field, root), ("**required.** " if name in required else "") + text))
        for child in _children(field, root):
            _walk(child, root, f"{key}.", rows)
        for values in _map_values(field, root):
            if "properties" in _resolve(values, root):
                _walk(values, root, f"{key}.<name>.", rows)


def _children(field: dict, root: dict) -> list[dict]:
    node = _resolve(field, root)
    if "properties" in node:
        return [node]
    options = node.get("anyOf", node.get("oneOf", []))
    return [option for option in options if "properties" in _resolve(option, root)]
