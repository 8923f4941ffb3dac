"""Everything `status` reads from the cluster, in one pass of GETs and LISTs.

Requests go through `meshc.diff.cluster`, the one door to the API (it refuses any write that
is not a dry-run, and `status` sends no dry-run either). One LIST per kind and namespace, and
one GET per referenced Secret. A Secret's answer holds its values: `secret_keys` keeps only
the key names and drops the rest at once, so no value is ever kept, printed or logged.
"""

from __future__ import annotations

from dataclasses import dataclass

from meshc.diff.cluster import Cluster
from meshc.diff.errors import ApiFailure
from meshc.errors import MeshcError
from meshc.status.targets import Targets

# (apiVersion, kind) of everything listed in the environment's namespace.
NAMESPACE_KINDS = (
    ("apps/v1", "Deployment"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("policy/v1", "PodDisruptionBudget"),
    ("v1", "Pod"),
    ("v1", "ResourceQuota"),
    ("helm.toolkit.fluxcd.io/v2", "HelmRelease"),
)
KUSTOMIZATION = ("kustomize.toolkit.fluxcd.io/v1", "Kustomization")


class StatusReadError(MeshcError):
    """The API server refused a read `status` needs (RBAC, a server error)."""

    def __init__(self, what: str, failure: ApiFailure):
        super().__init__(f"status: cannot read {what}: {failure}. `status` needs get and list on these kinds "
                         "and get on the referenced Secrets.")


@dataclass(frozen=True)
class Live:
    """What the cluster holds. `objects[kind]` is None when the cluster does not serve the kind
    (a missing CRD); `secret_keys[(namespace, name)]` is None when the Secret does not exist."""

    objects: dict[str, list[dict] | None]
    secret_keys: dict[tuple[str, str], frozenset[str] | None]

    def named(self, kind: str, name: str) -> dict | None:
        return next((o for o in self.objects.get(kind) or [] if o["metadata"]["name"] == name), None)


def read(cluster: Cluster, targets: Targets) -> Live:
    objects: dict[str, list[dict] | None] = {}
    for api_version, kind in NAMESPACE_KINDS:
        objects[kind] = _list(cluster, api_version, kind, targets.namespace)
    if targets.kustomizations:
        objects[KUSTOMIZATION[1]] = _list(cluster, *KUSTOMIZATION, targets.flux_namespace)
    secrets = cluster.resource("v1", "Secret")
    keys = {
        (reference.namespace, reference.name): secret_keys(cluster, secrets, reference.namespace, reference.name)
        for _, reference in targets.secrets
    }
    return Live(objects, keys)


def secret_keys(cluster: Cluster, secrets, namespace: str, name: str) -> frozenset[str] | None:
    """The key names of a Secret, or None when it does not exist. Values are dropped unread."""
    try:
        found = cluster.get(secrets, namespace, name)
    except ApiFailure as failure:
        raise StatusReadError(f"Secret/{namespace}/{name}", failure) from None
    if found is None:
        return None
    return frozenset(found.get("data") or {}) | frozenset(found.get("stringData") or {})


def _list(cluster: Cluster, api_version: str, kind: str, namespace: str) -> list[dict] | None:
    try:
        resource = cluster.resource(api_version, kind)
        return None if resource is None else cluster.list(resource, namespace)
    except ApiFailure as failure:
        raise StatusReadError(f"{kind} in namespace {namespace}", failure) from None
