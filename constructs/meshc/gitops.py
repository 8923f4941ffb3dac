"""`Delivery`: the Flux objects that apply one environment's dist/<env>/<layer> folders in order
(the order itself is `meshc.delivery`'s)."""

from __future__ import annotations

from meshc import model
from meshc.delivery import layer_dependencies
from meshc.imports.gitrepository.io.fluxcd.toolkit.source import (
    GitRepository,
    GitRepositorySpec,
    GitRepositorySpecRef,
    GitRepositorySpecSecretRef,
)
from meshc.imports.kustomization.io.fluxcd.toolkit import kustomize
from meshc.origin import Layer, Origin
from meshc.runtime import Construct, MeshChart


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
        layers: set[Layer],
        labels: dict[str, str],
    ):
        super().__init__(scope, id)
        source = f"meshc-{environment}"
        root = gitops.path or f"./dist/{environment}"
        chart = MeshChart.of(scope)
        repository = GitRepository(
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
        chart.add_typed(repository, Origin.delivery())
        for layer, needs in layer_dependencies(layers).items():
            kustomization = kustomize.Kustomization(
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
            chart.add_typed(kustomization, Origin.delivery())
