"""Which lists Kubernetes merges item by item, and on which keys: read from the API's own schemas.

Server-side apply matches the items of a list marked `x-kubernetes-list-type: map` by its
`x-kubernetes-list-map-keys` (containers by name, container ports by containerPort and protocol,
volume mounts by mountPath); older lists carry only a strategic-merge `x-kubernetes-patch-merge-key`.
Every other list is one atomic value. The markers come from the OpenAPI schemas that
`kubernetes-validate` ships (the same package the schema check uses); each kind's schema is read
once per process. Kinds without a shipped schema (custom resources) have only atomic lists, which
is also how a CRD without list markers behaves.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from kubernetes_validate import utils as kv

Schema = dict[str, Any]
# Lists marked "map" whose keys the real server lets default (a port's protocol) are still
# matched on every key: both sides of a diff come from the server, or neither does.
_MAP_KEYS = "x-kubernetes-list-map-keys"
_PATCH_MERGE_KEY = "x-kubernetes-patch-merge-key"


class SchemaNode:
    """A position in one kind's schema; `child`, `item` and `list_keys` walk it along an object."""

    def __init__(self, schema: Schema | None, definitions: dict[str, Schema]):
        self._markers = schema if isinstance(schema, dict) else {}  # list markers sit beside a $ref
        self._schema = _resolve(schema, definitions)
        self._definitions = definitions

    def child(self, key: str) -> SchemaNode:
        """The schema of field `key` of an object (or of any value of a map)."""
        schema = self._schema
        if schema is None:
            return self
        properties = schema.get("properties") or {}
        if key in properties:
            return SchemaNode(properties[key], self._definitions)
        extra = schema.get("additionalProperties")
        return SchemaNode(extra if isinstance(extra, dict) else None, self._definitions)

    def item(self) -> SchemaNode:
        """The schema of the items of a list."""
        return SchemaNode((self._schema or {}).get("items"), self._definitions)

    def list_keys(self) -> tuple[str, ...]:
        """The keys this list's items are merged on; () for an atomic list (or no schema)."""
        for schema in (self._markers, self._schema or {}):
            if schema.get(_MAP_KEYS):
                return tuple(schema[_MAP_KEYS])
            if schema.get(_PATCH_MERGE_KEY):
                return (schema[_PATCH_MERGE_KEY],)
        return ()



def schema_of(api_version: str, kind: str) -> SchemaNode:
    """The root of a kind's schema; without one in kubernetes-validate, a node where every list is atomic."""
    folder, definitions = _definitions()
    # kubernetes-validate's file names: apps/v1 -> apps-v1, networking.k8s.io/v1 -> networking-v1
    suffix = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    schema = _kind_schema(folder, f"{kind.lower()}-{suffix}.json")
    return ATOMIC if schema is None else SchemaNode(schema, definitions)


@lru_cache(maxsize=1)
def _definitions() -> tuple[str, dict[str, Schema]]:
    # List markers do not change between minor versions for the kinds meshc writes: the newest will do.
    version = kv.latest_version()
    folder = f"kubernetes-json-schema/v{version}-local"
    return folder, kv.schema_contents(f"{folder}/_definitions.json", version)["$defs"]


@lru_cache(maxsize=None)
def _kind_schema(folder: str, file: str) -> Schema | None:
    try:
        return kv.schema_contents(f"{folder}/{file}", kv.latest_version())
    except FileNotFoundError:
        return None


def _resolve(schema: Schema | None, definitions: dict[str, Schema]) -> Schema | None:
    """Follow `$ref`s ("#/$defs/X" or "/api/_definitions.json#/$defs/X") and single-entry allOf wrappers."""
    while isinstance(schema, dict):
        if "$ref" in schema:
            schema = definitions.get(schema["$ref"].rpartition("/")[2])
        elif len(schema.get("allOf") or ()) == 1:
            schema = schema["allOf"][0]
        else:
            return schema
    return None


ATOMIC = SchemaNode(None, {})  # no schema: every list atomic
