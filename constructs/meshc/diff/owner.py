"""Who applies dist/, so the dry-run can apply as they do (after fluxcd/pkg ssa's Owner).

Server-side apply removes a field only when the applying field manager owned it and no other
manager does. A dry-run as any other manager would keep every field dist/ no longer sets. So
the dry-run applies as the manager that really applies the environment: Flux's
`kustomize-controller` when the environment is delivered by Flux (it has a GitRepository and
Kustomizations), else `meshc`; `--field-manager` overrides either.

kustomize-controller also labels every object it applies with the Kustomization that applied
it; the dry-run adds the same two labels, or it would report them as removed from every object.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from meshc.build import BuiltEnvironment, Manifest
from meshc.context import MANAGED_BY
from meshc.delivery import FLUX_LAYER

KUSTOMIZE_CONTROLLER = "kustomize-controller"
FLUX_NAME_LABEL = "kustomize.toolkit.fluxcd.io/name"
FLUX_NAMESPACE_LABEL = "kustomize.toolkit.fluxcd.io/namespace"


@dataclass(frozen=True, kw_only=True)
class Applier:
    """The field manager the dry-run applies as, and the Kustomization (name, namespace) of each layer."""

    field_manager: str
    kustomizations: dict[str, tuple[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, desired: BuiltEnvironment, field_manager: str | None = None) -> Applier:
        kustomizations = flux_kustomizations(desired)
        default = KUSTOMIZE_CONTROLLER if kustomizations else MANAGED_BY
        return cls(field_manager=field_manager or default, kustomizations=kustomizations)

    def as_applied(self, manifest: Manifest) -> dict:
        """The object as this applier sends it: with Flux's labels when Flux applies its layer."""
        kustomization = self.kustomizations.get(manifest.layer)
        if self.field_manager != KUSTOMIZE_CONTROLLER or kustomization is None:
            return manifest.obj
        name, namespace = kustomization
        metadata = manifest.obj["metadata"]
        labels = {**(metadata.get("labels") or {}), FLUX_NAME_LABEL: name, FLUX_NAMESPACE_LABEL: namespace}
        return {**manifest.obj, "metadata": {**metadata, "labels": labels}}  # the build's object stays as it is


def flux_kustomizations(desired: BuiltEnvironment) -> dict[str, tuple[str, str]]:
    """layer -> (name, namespace) of the Kustomization that applies dist/<env>/<layer>; {} without Flux."""
    found = {}
    for manifest in desired.manifests:
        if manifest.layer == FLUX_LAYER and manifest.kind == "Kustomization":
            layer = str(manifest.obj["spec"]["path"]).rstrip("/").rpartition("/")[2]
            found[layer] = (manifest.name, manifest.namespace or "")
    return found
