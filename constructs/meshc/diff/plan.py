"""The pure step of every diff: two sides of each object in, typed entries out. No I/O.

Every mode (dry-run, read-only, a file, another environment, a git revision) gathers its
"before" and "after" sides its own way, then hands them here: `assess` normalizes a pair and
lets `changeset.make_entry` decide the action; `prune_entries` lists what Flux would prune.
"""

from __future__ import annotations

from meshc.build import BuiltEnvironment
from meshc.context import labelled_component
from meshc.diff.changeset import Entry, ObjectRef, make_entry
from meshc.diff.listkeys import schema_of
from meshc.diff.normalize import (
    align_quantities,
    drop_hpa_replicas,
    hpa_targets,
    project_onto,
    secret_string_data,
    strip_bookkeeping,
)

# Every kind meshc writes, listed for prune detection even when the current output has none of
# that kind: removing the last Ingress must still find it. Secrets are not here: meshc writes
# none, and reading them needs rights a read-only role rarely has; they are read only when the
# desired objects include one. Prune candidates are limited to these kinds (plus the desired
# ones) in every mode, so --live-from and the cluster agree.
OWNED_KINDS = (
    ("v1", "Namespace"),
    ("v1", "ResourceQuota"),
    ("v1", "ServiceAccount"),
    ("v1", "ConfigMap"),
    ("v1", "Service"),
    ("v1", "PersistentVolumeClaim"),
    ("apps/v1", "Deployment"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("policy/v1", "PodDisruptionBudget"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("networking.k8s.io/v1", "Ingress"),
    ("helm.toolkit.fluxcd.io/v2", "HelmRelease"),
    ("source.toolkit.fluxcd.io/v1", "HelmRepository"),
    ("source.toolkit.fluxcd.io/v1", "OCIRepository"),
    ("source.toolkit.fluxcd.io/v1", "GitRepository"),
    ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
)
UNLABELLED_NOTE = "live object lacks meshc's ownership labels"
NEW_NAMESPACE_NOTE = "new namespace: not dry-run"


def assess(ref: ObjectRef, component: str, before: dict | None, after: dict | None, *,
           fields_meshc_sets: bool, autoscaler: str | None = None, notes: tuple[str, ...] = ()) -> Entry:
    """Normalize one object's two sides, then let `make_entry` decide, mask and list fields."""
    before = strip_bookkeeping(before) if before is not None else None
    after = strip_bookkeeping(after) if after is not None else None
    if fields_meshc_sets and after is not None:
        after = secret_string_data(after)
        if before is not None:
            before = align_quantities(project_onto(before, after, schema_of(ref.api_version, ref.kind)), after)
    if autoscaler and before is not None and after is not None:
        live_replicas = (before.get("spec") or {}).get("replicas")
        if live_replicas != (after.get("spec") or {}).get("replicas"):
            notes = (*notes, f"spec.replicas ({live_replicas} live) is left to {autoscaler}")
        before, after = drop_hpa_replicas(before), drop_hpa_replicas(after)
    return make_entry(ref, component, before, after, notes)


def dry_run_entry(ref: ObjectRef, component: str, *, live: dict | None, result: dict, autoscaler: str | None,
                  labelled: bool) -> Entry:
    """The entry of one dry-run: a result without resourceVersion is an object the apply would create."""
    if not (result.get("metadata") or {}).get("resourceVersion"):
        return assess(ref, component, None, result, fields_meshc_sets=False)
    notes = () if labelled else (UNLABELLED_NOTE,)
    return assess(ref, component, live, result, fields_meshc_sets=False, autoscaler=autoscaler, notes=notes)


def unapplied_entry(ref: ObjectRef, component: str, obj: dict) -> Entry:
    """An object in a namespace this change creates: shown as meshc writes it, without a dry-run."""
    return assess(ref, component, None, obj, fields_meshc_sets=False, notes=(NEW_NAMESPACE_NOTE,))


def owned_by(obj: dict, selector: dict[str, str]) -> bool:
    """Carries meshc's ownership labels for the environment, and is not a controller's child."""
    metadata = obj.get("metadata") or {}
    labels = metadata.get("labels") or {}
    if any(labels.get(key) != value for key, value in selector.items()):
        return False
    # A ReplicaSet-like child copies its parent's labels, but Flux never applied it and never prunes it.
    return not any(owner.get("controller") for owner in metadata.get("ownerReferences") or [])


def prune_entries(live: dict[tuple, dict], desired_keys: set[tuple]) -> list[Entry]:
    return [make_entry(ObjectRef.of(obj), labelled_component(obj), strip_bookkeeping(obj), None)
            for key, obj in sorted(live.items()) if key not in desired_keys]


def prune_kinds(desired: BuiltEnvironment) -> set[str]:
    return {kind for _, kind in OWNED_KINDS} | {m.kind for m in desired.manifests}


def autoscalers(objects: list[dict]) -> dict[tuple[str, str, str], str]:
    """(kind, namespace, name) of each scaled workload -> the HPA subject that scales it."""
    owners = {}
    for obj in objects:
        for target in hpa_targets([obj]):
            owners[target] = ObjectRef.of(obj).subject
    return owners


def workload_key(obj: dict) -> tuple[str, str, str]:
    return (obj["kind"], obj["metadata"].get("namespace") or "", obj["metadata"]["name"])
