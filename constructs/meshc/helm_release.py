"""Charts Flux installs: a HelmRelease per release, one source object per chart.

An oci:// chart gets an OCIRepository pinned to the chart version (referenced
through `chartRef`); an https:// chart gets a HelmRepository and the version is
pinned in the HelmRelease's chart template. Install and upgrade remediation
(retries, then rollback) stands in for `helm --atomic`. Secrets reach a
release only through `valuesFrom` Secret references.
"""

from __future__ import annotations

from dataclasses import dataclass

from meshc import model
from meshc.imports.helmrelease.io.fluxcd.toolkit import helm
from meshc.imports.helmrepository.io.fluxcd.toolkit.source import (
    HelmRepository,
    HelmRepositorySpec,
)
from meshc.imports.ocirepository.io.fluxcd.toolkit.source import (
    OciRepository,
    OciRepositorySpec,
    OciRepositorySpecRef,
)
from meshc.origin import Origin
from meshc.runtime import Construct, MeshChart


def persistence_values(
    persistence: model.Persistence, *, storage_class_key: str = "storageClass", access_mode_key: str = "accessModes"
) -> dict:
    """A chart's persistence block. Charts spell the keys differently, and a misspelt
    key is silently ignored, so each caller names its chart's keys."""
    mode = [persistence.access_mode] if access_mode_key == "accessModes" else persistence.access_mode
    values = {"enabled": persistence.enabled, "size": persistence.size, access_mode_key: mode}
    if persistence.storage_class:
        values[storage_class_key] = persistence.storage_class
    return values


@dataclass(frozen=True)
class SecretValue:
    """One Helm value read from a Secret key at install time (`valuesFrom` with `targetPath`)."""

    secret: str
    key: str
    target_path: str


class ChartSources(Construct):
    """The source objects of an environment's charts, each created once however many releases use it."""

    def __init__(self, scope: Construct, id: str, *, namespace: str, labels: dict[str, str], interval: str):
        super().__init__(scope, id)
        self.namespace = namespace
        self.labels = labels
        self.interval = interval
        self.created: set[tuple[str, str]] = set()  # (kind, chart) of the sources made so far
        self._chart = MeshChart.of(scope)

    def chart_of(self, source: model.ChartSource) -> dict:
        """The HelmRelease `chart`/`chartRef` settings for `source`, creating its source object on first use."""
        metadata = {"name": source.chart, "namespace": self.namespace, "labels": self.labels}
        if source.url.startswith("oci://"):
            if ("oci", source.chart) not in self.created:
                oci_repository = OciRepository(
                    self,
                    f"OCIRepository-{source.chart}",
                    metadata=metadata,
                    spec=OciRepositorySpec(
                        url=f"{source.url.rstrip('/')}/{source.chart}",
                        ref=OciRepositorySpecRef(tag=source.version),
                        interval=self.interval,
                    ),
                )
                self._chart.add_typed(oci_repository, Origin.platform())
                self.created.add(("oci", source.chart))
            return {
                "chart_ref": helm.HelmReleaseSpecChartRef(
                    kind=helm.HelmReleaseSpecChartRefKind.OCI_REPOSITORY, name=source.chart, namespace=self.namespace
                )
            }
        if ("helm", source.chart) not in self.created:
            helm_repository = HelmRepository(
                self,
                f"HelmRepository-{source.chart}",
                metadata=metadata,
                spec=HelmRepositorySpec(url=source.url, interval=self.interval),
            )
            self._chart.add_typed(helm_repository, Origin.platform())
            self.created.add(("helm", source.chart))
        return {
            "chart": helm.HelmReleaseSpecChart(
                spec=helm.HelmReleaseSpecChartSpec(
                    chart=source.chart,
                    version=source.version,
                    source_ref=helm.HelmReleaseSpecChartSpecSourceRef(
                        kind=helm.HelmReleaseSpecChartSpecSourceRefKind.HELM_REPOSITORY,
                        name=source.chart,
                        namespace=self.namespace,
                    ),
                )
            )
        }


class ChartRelease(Construct):
    """A Flux HelmRelease of a pinned chart.

    release: the Helm release name (also the HelmRelease's name).
    values: chart values; must hold no secret.
    secret_values: values read from Secrets at install time. Default: none.
    origin: where the release comes from (its component and environment key).
    depends_on: names of HelmReleases in the same namespace to wait for. Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        release: str,
        namespace: str,
        labels: dict[str, str],
        chart: model.ChartSource,
        sources: ChartSources,
        flux: model.Flux,
        values: dict,
        origin: Origin,
        secret_values: tuple[SecretValue, ...] = (),
        depends_on: tuple[str, ...] = (),
    ):
        super().__init__(scope, id)
        self.release = release
        remediation = {"retries": flux.retries}
        helm_release = helm.HelmRelease(
            self,
            "HelmRelease",
            metadata={"name": release, "namespace": namespace, "labels": labels},
            spec=helm.HelmReleaseSpec(
                release_name=release,
                interval=flux.interval,
                timeout=flux.timeout,
                **sources.chart_of(chart),
                install=helm.HelmReleaseSpecInstall(
                    remediation=helm.HelmReleaseSpecInstallRemediation(**remediation)
                ),
                upgrade=helm.HelmReleaseSpecUpgrade(
                    cleanup_on_fail=True,
                    remediation=helm.HelmReleaseSpecUpgradeRemediation(
                        **remediation,
                        remediate_last_failure=True,
                        strategy=helm.HelmReleaseSpecUpgradeRemediationStrategy.ROLLBACK,
                    ),
                ),
                values=values,
                values_from=[
                    helm.HelmReleaseSpecValuesFrom(
                        kind=helm.HelmReleaseSpecValuesFromKind.SECRET,
                        name=value.secret,
                        values_key=value.key,
                        target_path=value.target_path,
                    )
                    for value in secret_values
                ]
                or None,
                depends_on=[helm.HelmReleaseSpecDependsOn(name=name) for name in sorted(depends_on)] or None,
            ),
        )
        MeshChart.of(scope).add_typed(helm_release, origin)
