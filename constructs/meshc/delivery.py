"""Flux delivery of one environment: a GitRepository and one Kustomization per layer.

Layers are applied in the seed's order, postgresql -> registry -> agents:
platform (namespace, quota, policies, chart sources) first, then data
(PostgreSQL), monitoring, registry and agents. Each Kustomization prunes,
waits for its objects to be ready, and depends on the nearest layers below
it that exist in this environment.
"""

from __future__ import annotations

from meshc import model
from meshc.imports.gitrepository.io.fluxcd.toolkit.source import (
    GitRepository,
    GitRepositorySpec,
    GitRepositorySpecRef,
    GitRepositorySpecSecretRef,
)
from meshc.imports.kustomization.io.fluxcd.toolkit import kustomize
from meshc.runtime import Construct

LAYERS = ("platform", "data", "monitoring", "registry", "agents")
FLUX_LAYER = "flux"
# What each layer needs before it can start; absent layers are skipped over.
LAYER_NEEDS = {"platform": (), "data": ("platform",), "monitoring": ("platform",), "registry": ("data",), "agents": ("registry",)}


def layer_dependencies(present: set[str]) -> dict[str, list[str]]:
    """layer -> the present layers it directly depends on."""

    def nearest(layer: str) -> set[str]:
        found: set[str] = set()
        for needed in LAYER_NEEDS[layer]:
            found |= {needed} if needed in present else nearest(needed)
        return found

    return {layer: sorted(nearest(layer), key=LAYERS.index) for layer in LAYERS if layer in present}


class Delivery(Construct):
    """The GitRepository and Kustomizations that make Flux apply dist/<env>/<layer> in order."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        environment: str,
        gitops: model.GitOps,
        flux: model.Flux,
        layers: set[str],
        labels: dict[str, str],
    ):
        super().__init__(scope, id)
        source = f"meshc-{environment}"
        root = gitops.path or f"./dist/{environment}"
        GitRepository(
            self,
            "GitRepository",
            metadata={"name": source, "namespace": flux.namespace, "labels": labels},
            spec=GitRepositorySpec(
                url=gitops.url,
                ref=GitRepositorySpecRef(branch=gitops.branch),
                interval=flux.interval,
                secret_ref=GitRepositorySpecSecretRef(name=gitops.secret_ref) if gitops.secret_ref else None,
            ),
        )
        for layer, needs in layer_dependencies(layers).items():
            kustomize.Kustomization(
                self,
                f"Kustomization-{layer}",
                metadata={"name": f"{source}-{layer}", "namespace": flux.namespace, "labels": labels},
                spec=kustomize.KustomizationSpec(
                    interval=flux.interval,
                    path=f"{root}/{layer}",
                    prune=True,
                    wait=True,
                    timeout=flux.timeout,
                    source_ref=kustomize.KustomizationSpecSourceRef(
                        kind=kustomize.KustomizationSpecSourceRefKind.GIT_REPOSITORY, name=source
                    ),
                    depends_on=[kustomize.KustomizationSpecDependsOn(name=f"{source}-{n}") for n in needs] or None,
                ),
            )
