"""The identity of a Kubernetes object: what decides whether Flux adopts it or creates a twin.

Names, labels, immutable selectors, the labels the selector must match, the
claim and ServiceAccount a pod uses, container names (server-side apply merges
containers by name) and an HPA's target. tools/render_helm_references.py
projects the charts' renders this way into tests/fixtures/helm/rendered/; the
adoption tests project meshc's objects the same way and compare.
"""

from __future__ import annotations

from typing import Any


def identity(obj: dict[str, Any]) -> dict[str, Any]:
    spec = obj.get("spec") or {}
    selector = spec.get("selector")
    template = spec.get("template") or {}
    pod = template.get("spec") or {}
    found = {
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "labels": dict(sorted((obj["metadata"].get("labels") or {}).items())),
        "selector": selector.get("matchLabels", selector) if isinstance(selector, dict) else None,
        "podLabels": (template.get("metadata") or {}).get("labels"),
        "serviceAccount": pod.get("serviceAccountName"),
        "containers": [c["name"] for c in pod.get("containers") or []] or None,
        "claims": [v["persistentVolumeClaim"]["claimName"] for v in pod.get("volumes") or [] if v.get("persistentVolumeClaim")] or None,
        "scaleTarget": (spec.get("scaleTargetRef") or {}).get("name"),
    }
    return {key: value for key, value in found.items() if value is not None}


def identities(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((identity(o) for o in objects if o), key=lambda i: (i["kind"], i["name"]))
