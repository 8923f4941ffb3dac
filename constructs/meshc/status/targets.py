"""What `status` looks at in the cluster, derived from the same build synth writes dist/ from.

Names come from the built objects (Kustomizations, HelmReleases, the ResourceQuota) and from
the naming rule (each component's Deployment, HPA and PDB carry its base name in both render
modes), so `status` asks for exactly what this environment deploys.
"""

from __future__ import annotations

from dataclasses import dataclass

from meshc import model
from meshc.build import BuiltEnvironment
from meshc.context import labelled_component
from meshc.origin import component_rank
from meshc.naming import AGENT_CHART, REGISTRY_CHART, component_names
from meshc.secret_refs import SecretReference, referenced_secrets

# Status calls the database component's group "data", after its delivery layer.
_COMPONENT_OF_GROUP = {"data": "database"}
# component label of a HelmRelease -> its group
_GROUP_OF_COMPONENT = {"database": "data", "monitoring": "monitoring", "registry": "registry"}
# the first word of an environment key -> the group a Secret it names belongs to
_GROUP_OF_KEY = {"global": "platform", "gitops": "delivery", "postgresql": "data", "monitoring": "monitoring", "registry": "registry"}


@dataclass(frozen=True)
class WorkloadTarget:
    """The registry or one agent: its Deployment and, when enabled, HPA and PDB (all one name)."""

    group: str
    name: str
    autoscaled: bool
    disruption_budget: bool


@dataclass(frozen=True)
class Targets:
    environment: str
    namespace: str
    flux_namespace: str
    kustomizations: tuple[str, ...]
    helm_releases: tuple[tuple[str, str], ...]  # (group, name)
    workloads: tuple[WorkloadTarget, ...]
    quota: str | None
    secrets: tuple[tuple[str, SecretReference], ...]  # (group, reference)


def group_rank(group: str) -> tuple[int, int, str]:
    return component_rank(_COMPONENT_OF_GROUP.get(group, group))


def targets_of(built: BuiltEnvironment) -> Targets:
    spec: model.Environment = built.environment.model
    objects = [manifest.obj for manifest in built.manifests]

    def names_of(kind: str) -> list[str]:
        return sorted(o["metadata"]["name"] for o in objects if o["kind"] == kind)

    releases = sorted(
        (_group_of_component(labelled_component(o)), o["metadata"]["name"]) for o in objects if o["kind"] == "HelmRelease"
    )
    umbrella = spec.umbrella_release()
    workloads = []
    if spec.registry.enabled:
        workloads.append(_workload("registry", spec.registry.name, REGISTRY_CHART, spec.registry, spec.naming, umbrella))
    for name, agent in spec.enabled_agents().items():
        workloads.append(_workload(f"agent/{name}", name, AGENT_CHART, agent, spec.naming, umbrella))
    quotas = names_of("ResourceQuota")
    return Targets(
        environment=built.name,
        namespace=spec.global_.namespace,
        flux_namespace=spec.flux.namespace,
        kustomizations=tuple(names_of("Kustomization")),
        helm_releases=tuple(releases),
        workloads=tuple(workloads),
        quota=quotas[0] if quotas else None,
        secrets=tuple((_group_of_secret(reference), reference) for reference in referenced_secrets(spec)),
    )


def _workload(group: str, release: str, chart: str, spec: model.Workload, naming, umbrella: str | None) -> WorkloadTarget:
    return WorkloadTarget(
        group=group,
        name=component_names(release, chart, naming, umbrella).base,
        autoscaled=spec.autoscaling.enabled,
        disruption_budget=spec.disruption_budget.enabled,
    )


def _group_of_component(component: str) -> str:
    return component if component.startswith("agent/") else _GROUP_OF_COMPONENT.get(component, "platform")


def _group_of_secret(reference: SecretReference) -> str:
    first = reference.used_by[0]
    if first.startswith("agents."):
        return f"agent/{first.split('.')[1]}"
    return _GROUP_OF_KEY.get(first.split(".")[0], "platform")
