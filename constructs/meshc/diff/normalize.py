"""Named steps that make two views of one object comparable.

Each step returns a new object and never changes its input; results may share unchanged
nested values with the input (copying every Deployment several times was a tenth of a diff's
CPU time), so nothing downstream may change them in place.

Accurate mode compares the live object with the server's own dry-run result, so server
defaults appear on both sides and cancel out; only bookkeeping has to go
(`strip_bookkeeping`). The other steps serve the modes that have no dry-run:
- `project_onto`: keep only the fields meshc sets (read-only mode, --live-from);
- `align_quantities`: `1Gi` and `1024Mi` are the same quantity;
- `secret_string_data`: the server moves Secret `stringData` into base64 `data`;
- `drop_hpa_replicas`: an autoscaler, not meshc, decides `spec.replicas`.
"""

from __future__ import annotations

import base64
import copy
from decimal import Decimal
from typing import Any

from meshc.diff.listkeys import ATOMIC, SchemaNode
from meshc.kube import QuantityError, parse_quantity

# Set by the API server or its controllers on every object; never meshc's intent.
BOOKKEEPING_METADATA = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink")
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
LAST_APPLIED_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
BOOKKEEPING_ANNOTATIONS = (REVISION_ANNOTATION, LAST_APPLIED_ANNOTATION)

_SCALED_KINDS = {"Deployment", "StatefulSet", "ReplicaSet"}
_QUANTITY_PARENTS = {"limits", "requests", "hard", "capacity"}


def strip_bookkeeping(obj: dict) -> dict:
    """Drop what the server keeps for itself: uid, resourceVersion, managedFields, generation,
    creationTimestamp, status, the Deployment revision and last-applied annotations.

    Fixture: tests/fixtures/live/ objects carry all of these; in sync they compare equal.
    """
    result = dict(obj)
    result.pop("status", None)
    if not isinstance(result.get("metadata"), dict):
        return result
    metadata = result["metadata"] = dict(result["metadata"])
    for name in BOOKKEEPING_METADATA:
        metadata.pop(name, None)
    annotations = metadata.get("annotations")
    if isinstance(annotations, dict) and any(name in annotations for name in BOOKKEEPING_ANNOTATIONS):
        metadata["annotations"] = {k: v for k, v in annotations.items() if k not in BOOKKEEPING_ANNOTATIONS}
    for name in ("annotations", "labels"):
        if name in metadata and not metadata[name]:
            del metadata[name]  # `annotations: {}` left by the steps above is not a difference
    return result


def drop_hpa_replicas(obj: dict) -> dict:
    """Without `spec.replicas`: for a workload an autoscaler scales, replicas are the HPA's call.

    Fixture: a live Deployment at 7 replicas with an HPA targeting it compares equal to
    meshc's Deployment, which sets no replicas (or a different number).
    """
    if obj.get("kind") not in _SCALED_KINDS or not isinstance(obj.get("spec"), dict):
        return obj
    result = dict(obj)
    result["spec"] = {key: value for key, value in obj["spec"].items() if key != "replicas"}
    return result


def hpa_targets(objects: list[dict]) -> set[tuple[str, str, str]]:
    """(kind, namespace, name) of every workload an autoscaler in `objects` scales."""
    targets = set()
    for obj in objects:
        if obj.get("kind") != "HorizontalPodAutoscaler":
            continue
        ref = (obj.get("spec") or {}).get("scaleTargetRef") or {}
        if ref.get("kind") and ref.get("name"):
            targets.add((ref["kind"], obj["metadata"].get("namespace") or "", ref["name"]))
    return targets


def project_onto(live: Any, desired: Any, schema: SchemaNode = ATOMIC) -> Any:
    """`live` cut down to the fields `desired` sets (read-only comparison).

    Maps keep only desired's keys; lists the kind's schema keys (containers and env by name,
    ports by containerPort and protocol: meshc.diff.listkeys) are matched on the keys desired's
    item has, other lists item by item. A field meshc dropped locally is therefore invisible
    here, which is why read-only mode is labelled less accurate.
    Fixture: a live Deployment with every server default projects onto meshc's Deployment
    without `imagePullPolicy`, `terminationMessagePath` or `dnsPolicy`.
    """
    if isinstance(live, dict) and isinstance(desired, dict):
        return {key: project_onto(live[key], desired[key], schema.child(key)) for key in desired if key in live}
    if isinstance(live, list) and isinstance(desired, list):
        keys, item_schema = schema.list_keys(), schema.item()
        if keys and all(isinstance(item, dict) for item in live + desired):
            return [_project_keyed(item, desired, keys, item_schema) for item in live]
        return [project_onto(item, desired[index], item_schema) if index < len(desired) else item
                for index, item in enumerate(live)]
    return copy.deepcopy(live)


def _project_keyed(item: dict, desired: list[dict], keys: tuple[str, ...], schema: SchemaNode) -> dict:
    """A live item of a keyed list, projected onto desired's item with the same keys (a key the
    server defaults, such as a port's protocol, may be missing from desired's item)."""
    for wanted in desired:
        given = [key for key in keys if key in wanted]
        if given and all(item.get(key) == wanted[key] for key in given):
            return project_onto(item, wanted, schema)
    return item


def align_quantities(live: Any, desired: Any, quantities: bool = False) -> Any:
    """`live` with each resource quantity written as `desired` writes it, where both are equal.

    The server stores quantities canonically (`1024Mi` -> `1Gi`, `0.5` -> `500m`); without a
    dry-run, meshc's spelling and the server's must not count as a change. Quantities are the
    values of `limits`, `requests`, `hard` and `capacity` maps.
    """
    if isinstance(live, dict) and isinstance(desired, dict):
        return {key: align_quantities(value, desired[key], quantities or key in _QUANTITY_PARENTS) if key in desired
                else copy.deepcopy(value) for key, value in live.items()}
    if isinstance(live, list) and isinstance(desired, list):
        return [align_quantities(item, desired[index]) if index < len(desired) else copy.deepcopy(item)
                for index, item in enumerate(live)]
    if quantities and live != desired:
        live_value = quantity_value(live)
        if live_value is not None and live_value == quantity_value(desired):
            return desired
    return copy.deepcopy(live)


def quantity_value(value: Any) -> Decimal | None:
    """The number a Kubernetes quantity stands for, or None if `value` is not one."""
    if not isinstance(value, (str, int, float)):
        return None
    try:
        return parse_quantity(value)
    except QuantityError:
        return None


def secret_string_data(obj: dict) -> dict:
    """A Secret as the server stores it: `stringData` merged into `data`, base64-encoded."""
    if obj.get("kind") != "Secret" or not obj.get("stringData"):
        return obj
    result = copy.deepcopy(obj)
    data = dict(result.get("data") or {})
    for key, value in result.pop("stringData").items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    result["data"] = data
    return result
