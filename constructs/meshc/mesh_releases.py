"""Mesh components rendered as HelmReleases of the upstream mcp-mesh charts.

The values use only keys the 3.6 charts read (see
reference/mcp-mesh-charts.md §7): `registry.host`/`registry.port` instead of
the ignored `agent.registryUrl`, `env` as a list, no `agent.script`,
`agent.capabilities` or `agent.dependencies`. `fullnameOverride` keeps object
names identical to the manifests render, so switching modes keeps names.
Chart defaults that would differ from the manifests render are pinned where the
charts offer a key: no memory autoscaling metric, the registry's Redis (which
points at the umbrella chart's `mcp-core-*` address) off, tracing off, the log
level, the registry's name and DATABASE_URL, the agents' rollout strategy. Every
decision comes from the component's plan (`meshc.workload_plan`), the same plan the
manifests render spells. What the charts still render differently, and why each is
harmless, is listed by tools/chart_parity_explained.py (docs/chart-behaviour.md).
What the charts cannot render the way meshc's manifests do is refused by the
`charts` check.
"""

from __future__ import annotations

from meshc import model
from meshc.helm_release import ChartRelease, ChartSources, persistence_values
from meshc.mesh_env import agent_chart_values, registry_chart_values
from meshc.naming import AGENT_CHART, REGISTRY_CHART
from meshc.runtime import Construct
from meshc.workload_plan import SCRATCH_MOUNT, SCRATCH_VOLUME, AgentPlan, PlannedImage, RegistryPlan, WorkloadPlan


def image_values(image: PlannedImage) -> dict:
    """The charts' `image` values: they join registry, repository and tag as the container's reference."""
    values = {"repository": image.repository, "tag": image.tag, "pullPolicy": image.pull_policy}
    return {**values, "registry": image.registry} if image.registry else values


def _ingress(ingress: model.Ingress) -> dict:
    if not ingress.enabled:
        return {"enabled": False}
    values = {
        "enabled": True,
        "className": ingress.class_name or "",
        "hosts": [{"host": ingress.host, "paths": [{"path": ingress.path, "pathType": "Prefix"}]}],
    }
    if ingress.tls_secret_name:
        values["tls"] = [{"secretName": ingress.tls_secret_name, "hosts": [ingress.host]}]
    return values


def _workload_values(plan: WorkloadPlan) -> dict:
    """Values both charts read the same way."""
    scaling = plan.autoscaling
    values = {
        "fullnameOverride": plan.names.base,
        "image": image_values(plan.image),
        "replicaCount": plan.replicas,
        "autoscaling": {
            "enabled": scaling.enabled,
            "minReplicas": scaling.min_replicas,
            "maxReplicas": scaling.max_replicas,
            "targetCPUUtilizationPercentage": scaling.target_cpu_utilization_percentage,
            # The charts add an 80% memory metric unless it is zeroed.
            "targetMemoryUtilizationPercentage": 0,
        },
        "resources": plan.resources,
        "persistence": persistence_values(plan.persistence, access_mode_key="accessMode"),
        "podDisruptionBudget": {"enabled": plan.disruption_budget.enabled, "minAvailable": plan.disruption_budget.min_available},
        "ingress": _ingress(plan.ingress),
        "affinity": plan.affinity,
        "nodeSelector": plan.node_selector,
        "service": {"port": plan.port},
    }
    if plan.image_pull_secrets:
        values["imagePullSecrets"] = [{"name": name} for name in plan.image_pull_secrets]
    if plan.env_from:
        values["envFrom"] = plan.env_from
    return values


def _chart_release(
    scope: Construct, plan: WorkloadPlan, chart: model.ChartSource, values: dict, *,
    sources: ChartSources, flux: model.Flux, depends_on: tuple[str, ...],
) -> ChartRelease:
    """The component's HelmRelease: named and labelled as the plan says, with the plan's origin."""
    return ChartRelease(
        scope,
        "Release",
        release=plan.release,
        namespace=plan.namespace,
        labels=plan.labels,
        chart=chart,
        sources=sources,
        flux=flux,
        values=values,
        origin=plan.origin,
        depends_on=depends_on,
    )


class RegistryRelease(Construct):
    """The registry as a HelmRelease of `mcp-mesh-registry`; same `endpoint` as the manifests render.

    plan: the registry's plan (`meshc.workload_plan.plan_registry`).
    charts, sources, flux: where the chart comes from and how Flux installs it.
    postgres_release: the environment's PostgreSQL HelmRelease to wait for. Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        plan: RegistryPlan,
        charts: model.MeshCharts,
        sources: ChartSources,
        flux: model.Flux,
        postgres_release: str | None = None,
    ):
        super().__init__(scope, id)
        self.endpoint = plan.endpoint
        self.release = plan.release
        values = _workload_values(plan)
        # The chart adds a zone and node spread of its own to more than one replica; meshc's
        # placement is `affinity`, as in manifests mode.
        values["defaultTopologySpread"] = {"enabled": False}
        values["registry"] = {
            **registry_chart_values(plan.release, plan.port, plan.log_level),
            "database": self._database(plan),
            # The chart defaults to a Redis at the umbrella chart's address, which does not exist here.
            "redis": {"enabled": False},
        }
        env = plan.env
        if isinstance(plan.database, model.PostgresDatabase):
            # The chart renders DATABASE_URL itself (from urlSecret, or from its own Secret,
            # composed without a password); the rest is meshc's, as in manifests.
            env = [entry for entry in env if entry["name"] != "DATABASE_URL"]
        if env:
            values["env"] = env
        _chart_release(self, plan, charts.source(REGISTRY_CHART), values, sources=sources, flux=flux,
                       depends_on=(postgres_release,) if postgres_release else ())

    @staticmethod
    def _database(plan: RegistryPlan) -> dict:
        database, connection = plan.database, plan.database_connection
        if isinstance(database, model.SqliteDatabase):
            return {"type": "sqlite", "path": database.path}
        if database.url_secret is not None:
            return {"type": "postgres", "existingSecret": database.url_secret.secret, "existingSecretUrlKey": database.url_secret.key}
        # No existingSecret: the chart then keeps a Secret of its own whose URL has an empty
        # password, and the registry reads the password from PGPASSWORD (meshc.mesh_env).
        # The host is also where the chart's wait-for-db init container waits.
        return {
            "type": "postgres",
            "host": connection.host,
            "port": connection.port,
            "name": connection.database,
            "username": connection.username,
            "sslmode": connection.sslmode,
        }


class AgentRelease(Construct):
    """An agent as a HelmRelease of `mcp-mesh-agent`, wired to its registry like the manifests render.

    plan: the agent's plan (`meshc.workload_plan.plan_agent`).
    charts, sources, flux: where the chart comes from and how Flux installs it.
    depends_on: HelmReleases to wait for (the registry's, its providers'). Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        plan: AgentPlan,
        charts: model.MeshCharts,
        sources: ChartSources,
        flux: model.Flux,
        depends_on: tuple[str, ...] = (),
    ):
        super().__init__(scope, id)
        self.release = plan.release
        values = _workload_values(plan)
        values["strategy"] = plan.strategy
        if plan.pod_annotations:
            values["podAnnotations"] = plan.pod_annotations  # the agent chart adds none of its own
        runtime = agent_chart_values(plan.log_level)
        values["agent"] = {
            "name": plan.release,
            "http": {"port": plan.port},
            "observability": runtime["observability"],
        } | ({"command": list(plan.command)} if plan.command else {})
        values["mesh"] = runtime["mesh"]
        # The chart's real keys: `agent.registryUrl` and `mesh.registryUrl` are ignored.
        values["registry"] = {"host": plan.registry.host, "port": str(plan.registry.port)}
        values["env"] = plan.env
        # The scratch emptyDir at /tmp that every manifests-mode pod gets;
        # the registry chart mounts one itself, the agent chart does not.
        values["extraVolumes"] = [SCRATCH_VOLUME]
        values["extraVolumeMounts"] = [SCRATCH_MOUNT]
        _chart_release(self, plan, charts.source(AGENT_CHART), values, sources=sources, flux=flux, depends_on=depends_on)
