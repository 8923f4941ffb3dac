"""CustomResourceDefinitions read from `--crd-dir` folders, as strict JSON Schemas.

A CRD's `openAPIV3Schema` is OpenAPI 3 with Kubernetes extensions. It becomes
a JSON Schema in which an object accepts only the properties it declares
(the API server prunes or rejects the rest), unless the CRD says
`x-kubernetes-preserve-unknown-fields` or gives `additionalProperties`.
meshc never ships CRD files: the user points at them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from meshc.checks.shapes import ShapeValidator, enum_strings
from meshc.errors import OptionsError

CRD_SUFFIXES = (".yaml", ".yml", ".json")
# Keywords that mean the same in OpenAPI 3 and JSON Schema.
_KEYWORDS = (
    "type", "enum", "required", "minimum", "maximum", "minLength", "maxLength", "pattern",
    "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "multipleOf",
)


class CrdError(OptionsError):
    """A CRD folder (--crd-dir) that cannot be used: missing, or holding a file that is not valid YAML."""

    def __init__(self, path: str, reason: str):
        self.path = path
        super().__init__("{crd_dirs} {path}: {reason}; pass a folder of CustomResourceDefinition YAML files",
                         path=path, reason=reason)


@dataclass(frozen=True)
class CrdVersion:
    name: str
    served: bool
    schema: dict | None  # strict JSON Schema; None when the CRD gives none
    source: str  # the file it came from


class CrdCatalog:
    """Every CRD version found, by (group, kind), with one compiled validator per version."""

    def __init__(self, versions: dict[tuple[str, str], dict[str, CrdVersion]] | None = None):
        self.versions = versions or {}
        self._validators: dict[tuple[str, str, str], Any] = {}

    def lookup(self, group: str, kind: str) -> dict[str, CrdVersion] | None:
        return self.versions.get((group, kind))

    def validator(self, group: str, kind: str, version: str) -> ShapeValidator | None:
        key = (group, kind, version)
        if key not in self._validators:
            found = (self.lookup(group, kind) or {}).get(version)
            schema = found.schema if found is not None else None
            self._validators[key] = (
                ShapeValidator(jsonschema.Draft202012Validator(schema), enum_strings([schema])) if schema is not None else None
            )
        return self._validators[key]


def load_crds(directories: list[Path] | tuple[Path, ...]) -> CrdCatalog:
    """Every CRD under the folders (recursively); the same folders give the same, cached catalog."""
    return _load(tuple(Path(d).resolve() for d in directories))


@lru_cache(maxsize=16)
def _load(directories: tuple[Path, ...]) -> CrdCatalog:
    versions: dict[tuple[str, str], dict[str, CrdVersion]] = {}
    for directory in directories:
        if not directory.is_dir():
            raise CrdError(str(directory), "no such folder")
        for path in sorted(p for p in directory.rglob("*") if p.suffix in CRD_SUFFIXES and p.is_file()):
            for document in _documents(path):
                try:
                    _add(versions, document, str(path))
                except (AttributeError, TypeError, RecursionError, jsonschema.SchemaError):
                    # A file the user pointed at, of any shape: one clear error, not a traceback.
                    raise CrdError(str(path), "holds a CustomResourceDefinition whose spec or schema is not of the shape Kubernetes defines") from None
    return CrdCatalog(versions)


def _documents(path: Path) -> list[Any]:
    try:
        return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise CrdError(str(path), f"not valid YAML ({str(error).splitlines()[0]})") from None


def _add(versions: dict, document: Any, source: str) -> None:
    if not isinstance(document, dict) or document.get("kind") != "CustomResourceDefinition":
        return
    spec = document.get("spec") or {}
    group, kind = spec.get("group"), (spec.get("names") or {}).get("kind")
    if not group or not kind:
        return
    by_version = versions.setdefault((group, kind), {})
    for entry in spec.get("versions") or []:
        if not isinstance(entry, dict) or "name" not in entry:
            continue
        raw = (entry.get("schema") or {}).get("openAPIV3Schema")
        schema = to_json_schema(raw, root=True) if isinstance(raw, dict) else None
        if schema is not None:
            jsonschema.Draft202012Validator.check_schema(schema)
        by_version.setdefault(entry["name"], CrdVersion(entry["name"], bool(entry.get("served", True)), schema, source))


def to_json_schema(node: dict, *, root: bool = False) -> dict:
    """OpenAPI 3 (structural, with x-kubernetes-* extensions) -> a strict JSON Schema (2020-12)."""
    out: dict[str, Any] = {key: node[key] for key in _KEYWORDS if key in node}
    if node.get("exclusiveMinimum") is True and "minimum" in out:
        out["exclusiveMinimum"] = out.pop("minimum")
    if node.get("exclusiveMaximum") is True and "maximum" in out:
        out["exclusiveMaximum"] = out.pop("maximum")
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    for combinator in ("allOf", "anyOf", "oneOf"):
        if combinator in node:
            out[combinator] = [*out.get(combinator, []), *(to_json_schema(n) for n in node[combinator])]
    if "not" in node:
        out["not"] = to_json_schema(node["not"])
    if isinstance(node.get("items"), dict):
        out["items"] = to_json_schema(node["items"])
    embedded = root or node.get("x-kubernetes-embedded-resource")
    properties = {key: to_json_schema(value) for key, value in (node.get("properties") or {}).items()}
    if embedded:
        # The API server checks metadata itself (ObjectMeta); CRDs only sketch it.
        properties["metadata"] = {"type": "object"}
        properties.setdefault("apiVersion", {"type": "string"})
        properties.setdefault("kind", {"type": "string"})
    if properties:
        out["properties"] = properties
    additional = node.get("additionalProperties")
    if isinstance(additional, dict):
        out["additionalProperties"] = to_json_schema(additional)
    elif isinstance(additional, bool):
        out["additionalProperties"] = additional
    elif (node.get("type") == "object" or embedded) and not node.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out
