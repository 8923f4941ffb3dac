"""Mesh components rendered as HelmReleases of the upstream mcp-mesh charts.

The values use only keys the 3.6 charts read (see
reference/mcp-mesh-charts.md §7): `registry.host`/`registry.port` instead of
the ignored `agent.registryUrl`, `env` as a list, no `agent.script`,
`agent.capabilities` or `agent.dependencies`. `fullnameOverride` keeps object
names identical to the manifests render, so switching modes keeps names.
Chart defaults that would differ from the manifests render are pinned where the
charts offer a key: no memory autoscaling metric, the registry's Redis (which
points at the umbrella chart's `mcp-core-*` address) off, tracing off, the log
level, the registry's name and DATABASE_URL, the agents' rollout strategy. The
runtime environment both modes share comes from `meshc.mesh_env`. What the
charts still render differently, and why each is harmless, is listed by
tools/chart_parity_explained.py (docs/chart-behaviour.md).
What the charts cannot render the way meshc's manifests do is refused by the
`charts` check.
"""

from __future__ import annotations

from meshc import model
from meshc.context import MeshContext, selector_labels
from meshc.helm_release import ChartRelease, ChartSources, persistence_values
from meshc.mesh_env import (
    PostgresConnection,
    agent_chart_values,
    env_from,
    registry_chart_values,
    registry_database_connection,
    registry_database_env,
    user_env,
)
from meshc.origin import Origin
from meshc.naming import AGENT_CHART, REGISTRY_CHART, component_names
from meshc.registry import RegistryEndpoint, registry_endpoint
from meshc.runtime import Construct
from meshc.workload import update_strategy


def _image(image: model.Image, context: MeshContext) -> dict:
    registry = context.registry_of(image)
    values = {"repository": image.repository, "tag": image.tag, "pullPolicy": image.pull_policy}
    return {**values, "registry": registry} if registry else values


def _resources(resources: model.Resources) -> dict:
    def amounts(given: model.ResourceAmounts) -> dict:
        return {key: value for key, value in (("cpu", given.cpu), ("memory", given.memory)) if value is not None}

    return {"requests": amounts(resources.requests), "limits": amounts(resources.limits)}


def _affinity(affinity: model.Affinity, selector: dict[str, str]) -> dict:
    anti = affinity.pod_anti_affinity
    if anti is None:
        return {}
    term = {"labelSelector": {"matchLabels": selector}, "topologyKey": anti.topology_key}
    if anti.mode == "required":
        return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}
    return {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": term}]}}


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


def _workload_values(spec: model.Workload, context: MeshContext, names_base: str, selector: dict[str, str]) -> dict:
    """Values both charts read the same way."""
    scaling = spec.autoscaling
    values = {
        "fullnameOverride": names_base,
        "image": _image(spec.image, context),
        "replicaCount": spec.replicas,
        "autoscaling": {
            "enabled": scaling.enabled,
            "minReplicas": scaling.min_replicas,
            "maxReplicas": scaling.max_replicas,
            "targetCPUUtilizationPercentage": scaling.target_cpu_utilization_percentage,
            # The charts add an 80% memory metric unless it is zeroed.
            "targetMemoryUtilizationPercentage": 0,
        },
        "resources": _resources(spec.resources),
        "persistence": persistence_values(spec.persistence, access_mode_key="accessMode"),
        "podDisruptionBudget": {"enabled": spec.disruption_budget.enabled, "minAvailable": spec.disruption_budget.min_available},
        "ingress": _ingress(spec.ingress),
        "affinity": _affinity(spec.affinity, selector),
        "nodeSelector": dict(spec.affinity.node_selector),
    }
    if context.image_pull_secrets:
        values["imagePullSecrets"] = [{"name": name} for name in context.image_pull_secrets]
    if spec.env_from:
        values["envFrom"] = env_from(spec.env_from)
    return values


class RegistryRelease(Construct):
    """The registry as a HelmRelease of `mcp-mesh-registry`; same `endpoint` as the manifests render."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: model.Registry,
        context: MeshContext,
        charts: model.MeshCharts,
        sources: ChartSources,
        flux: model.Flux,
        labels: dict[str, str],
        postgres: PostgresConnection | None = None,
        postgres_release: str | None = None,
    ):
        super().__init__(scope, id)
        self.endpoint = registry_endpoint(spec, context)
        self.release = spec.name
        names = component_names(spec.name, REGISTRY_CHART, context.naming)
        values = _workload_values(spec, context, names.base, selector_labels(labels))
        values["service"] = {"port": spec.service.port}
        # The chart adds a zone and node spread of its own to more than one replica; meshc's
        # placement is `affinity`, as in manifests mode.
        values["defaultTopologySpread"] = {"enabled": False}
        values["registry"] = {
            **registry_chart_values(spec, context.log_level),
            "database": self._database(spec.database, postgres),
            # The chart defaults to a Redis at the umbrella chart's address, which does not exist here.
            "redis": {"enabled": False},
        }
        # For postgres the chart renders DATABASE_URL itself (from urlSecret, or from its
        # own Secret, composed without a password); the rest is meshc's, as in manifests.
        database_env = registry_database_env(spec.database, postgres)
        if isinstance(spec.database, model.PostgresDatabase):
            database_env = [entry for entry in database_env if entry["name"] != "DATABASE_URL"]
        env = database_env + user_env(spec.env)
        if env:
            values["env"] = env
        ChartRelease(
            self,
            "Release",
            release=spec.name,
            namespace=context.namespace,
            labels=labels,
            chart=charts.source(REGISTRY_CHART),
            sources=sources,
            flux=flux,
            values=values,
            origin=Origin.registry(),
            depends_on=(postgres_release,) if postgres_release else (),
        )

    @staticmethod
    def _database(database: model.SqliteDatabase | model.PostgresDatabase, postgres: PostgresConnection | None) -> dict:
        if isinstance(database, model.SqliteDatabase):
            return {"type": "sqlite", "path": database.path}
        if database.url_secret is not None:
            return {"type": "postgres", "existingSecret": database.url_secret.secret, "existingSecretUrlKey": database.url_secret.key}
        # No existingSecret: the chart then keeps a Secret of its own whose URL has an empty
        # password, and the registry reads the password from PGPASSWORD (meshc.mesh_env).
        # The host is also where the chart's wait-for-db init container waits.
        connection = registry_database_connection(database, postgres)
        return {
            "type": "postgres",
            "host": connection.host,
            "port": connection.port,
            "name": connection.database,
            "username": connection.username,
            "sslmode": connection.sslmode,
        }


class AgentRelease(Construct):
    """An agent as a HelmRelease of `mcp-mesh-agent`, wired to `registry` like the manifests render."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        spec: model.Agent,
        registry: RegistryEndpoint,
        context: MeshContext,
        charts: model.MeshCharts,
        sources: ChartSources,
        flux: model.Flux,
        labels: dict[str, str],
        depends_on: tuple[str, ...] = (),
        pod_annotations: dict[str, str] | None = None,
    ):
        super().__init__(scope, id)
        self.release = name
        names = component_names(name, AGENT_CHART, context.naming)
        values = _workload_values(spec, context, names.base, selector_labels(labels))
        values["service"] = {"port": spec.http.port}
        values["strategy"] = update_strategy(spec)
        if pod_annotations:
            values["podAnnotations"] = pod_annotations  # the agent chart adds none of its own
        runtime = agent_chart_values(context.log_level)
        values["agent"] = {
            "name": name,
            "http": {"port": spec.http.port},
            "observability": runtime["observability"],
        } | ({"command": list(spec.command)} if spec.command else {})
        values["mesh"] = runtime["mesh"]
        # The chart's real keys: `agent.registryUrl` and `mesh.registryUrl` are ignored.
        values["registry"] = {"host": registry.host, "port": str(registry.port)}
        values["env"] = user_env(spec.env, spec.secret_env)
        # The scratch emptyDir at /tmp that every manifests-mode pod gets (meshc.workload);
        # the registry chart mounts one itself, the agent chart does not.
        values["extraVolumes"] = [{"name": "tmp", "emptyDir": {}}]
        values["extraVolumeMounts"] = [{"name": "tmp", "mountPath": "/tmp"}]
        ChartRelease(
            self,
            "Release",
            release=name,
            namespace=context.namespace,
            labels=labels,
            chart=charts.source(AGENT_CHART),
            sources=sources,
            flux=flux,
            values=values,
            origin=Origin.agent(name),
            depends_on=depends_on,
        )
