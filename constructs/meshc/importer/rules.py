"""What becomes of each values key of the mcp-mesh charts in meshc.

One table per chart, keyed by the chart's own dotted key. A key is translated
(`To`), ignored by the charts themselves (`Ignored`), or replaced by something
meshc derives (`Derived`, which is only safe when the value is what meshc
derives anyway). Keys handled by code (env, envFrom, secrets, log levels, the
database, names) are `Special`. A chart key in none of these cannot be placed unless it holds the
chart's default.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class To:
    """Copied to `key` of the component; a key starting with '/' is from the environment's top."""

    key: str
    note: str | None = None


@dataclass(frozen=True)
class Ignored:
    reason: str


@dataclass(frozen=True)
class Derived:
    """meshc sets this itself; `same` is the value that makes dropping the key lose nothing."""

    reason: str
    same: object = None


@dataclass(frozen=True)
class Special:
    handler: str


Rule = To | Ignored | Derived | Special

CAPABILITIES_NOTE = (
    "the chart ignores it (capabilities come from the code's decorators); in meshc it is a model field "
    "that drives the dependency checks and the release order"
)

# Keys the charts no longer read but users still write (the multi-agent guide, older docs).
KNOWN_REMOVED_KEYS = {
    "agent.script": Ignored(
        "removed from the chart in v0.9.7; the container ran the image's own command. "
        "To run a script, set command: [python, /path/in/image.py]"
    ),
    "agent.registryUrl": Ignored(
        "the chart never reads it; agents used registry.host (default mcp-core-mcp-mesh-registry). "
        "meshc derives MCP_MESH_REGISTRY_URL from the environment's registry"
    ),
    "mesh.registryUrl": Ignored("the chart never reads it; meshc derives MCP_MESH_REGISTRY_URL from the environment's registry"),
}

# Each chart's switch for MCP_MESH_DISTRIBUTED_TRACING_ENABLED. The agent's is read `| default true`, so a
# boolean false still traces and users write the string "false" (meshc's helmrelease values do too).
TRACING_SWITCH = {
    "mcp-mesh-registry": "registry.observability.distributedTracing.enabled",
    "mcp-mesh-agent": "agent.observability.distributedTracing.enabled",
}
QUOTED_SWITCHES = frozenset(TRACING_SWITCH.values())

_SHARED: dict[str, Rule] = {
    "replicaCount": To("replicas"),
    "image.repository": To("image.repository"),
    "image.tag": Special("image_tag"),
    "image.pullPolicy": To("image.pullPolicy"),
    "image.registry": Special("image_registry"),
    "imagePullSecrets": Special("pull_secrets"),
    "global.imagePullSecrets": Special("pull_secrets"),
    "global.imageRegistry": Special("global_image_registry"),
    "global.namespace": Ignored("no mcp-mesh chart reads it (the namespace is helm's -n); meshc's is global.namespace"),
    "resources": Special("resources"),
    "autoscaling.enabled": To("autoscaling.enabled"),
    "autoscaling.minReplicas": To("autoscaling.minReplicas"),
    "autoscaling.maxReplicas": To("autoscaling.maxReplicas"),
    "autoscaling.targetCPUUtilizationPercentage": To("autoscaling.targetCPUUtilizationPercentage"),
    "autoscaling.targetMemoryUtilizationPercentage": Special("memory_metric"),
    "persistence.enabled": To("persistence.enabled"),
    "persistence.size": To("persistence.size"),
    "persistence.storageClass": Special("storage_class"),
    "persistence.accessMode": To("persistence.accessMode"),
    "persistence.mountPath": Derived("meshc mounts the data volume at /data", "/data"),
    "nodeSelector": Special("node_selector"),
    "podDisruptionBudget.enabled": Special("disruption_budget"),
    "podDisruptionBudget.minAvailable": Special("disruption_budget"),
    "ingress.enabled": Special("ingress"),
    "ingress.className": Special("ingress"),
    "ingress.hosts": Special("ingress"),
    "ingress.tls": Special("ingress"),
    "env": Special("env"),
    # Chart envFrom entries ({secretRef|configMapRef: {name, optional}, prefix}) -> envFrom ({secret|configMap, ...}).
    "envFrom": Special("env_sources"),
    "serviceAccount.create": Derived("meshc always creates the ServiceAccount", True),
    "service.type": Derived("meshc's Services are ClusterIP", "ClusterIP"),
    "service.targetPort": Ignored("no template reads it; the Service targets the named port http"),
    "podMonitor": Ignored("no template renders a PodMonitor"),
    "nameOverride": Derived("meshc cannot rename the objects this way", ""),
    "fullnameOverride": Derived("meshc cannot rename the objects this way", ""),
}

REGISTRY_RULES: dict[str, Rule] = {
    **_SHARED,
    "service.port": To("service.port"),
    "registry.port": Special("one_port"),
    "registry.host": Derived("meshc sets HOST=0.0.0.0", "0.0.0.0"),
    "registry.name": Special("registry_name"),
    "registry.database": Special("database"),
    # registry.database.* > global.postgres.* > the chart's default, field by field (database.py).
    "global.postgres": Special("database"),
    "registry.database.path": Ignored(
        "the registry binary reads only DATABASE_URL, which the image sets to /data/mcp_mesh_registry.db; "
        "meshc keeps using that file on the data volume"
    ),
    "registry.performance.timeoutThreshold": Derived("meshc sets DEFAULT_TIMEOUT_THRESHOLD=20", 20),
    "registry.performance.healthCheckInterval": Derived("meshc sets HEALTH_CHECK_INTERVAL=10", 10),
    "registry.performance.evictionThreshold": Derived("meshc sets DEFAULT_EVICTION_THRESHOLD=60", 60),
    "workloadType": Ignored("no template reads it; the registry is always a Deployment"),
    "livenessProbe": Ignored("the registry's probes are fixed in the template (meshc probes /health alike)"),
    "readinessProbe": Ignored("the registry's probes are fixed in the template (meshc probes /health alike)"),
    # MCP_MESH_LOG_LEVEL and MCP_MESH_DEBUG_MODE -> the environment's one logLevel (log_level.py).
    "registry.logging.level": Special("log_level"),
    "registry.logging.debug": Special("log_level"),
    "registry.logging.format": Ignored("no template reads it"),
    "registry.redis.enabled": Derived(
        "meshc's registry gets no REDIS_URL: Redis carried only trace publishing, which meshc turns off"
    ),
    TRACING_SWITCH["mcp-mesh-registry"]: Special("tracing"),
    "registry.healthCheck": Ignored("no template reads it"),
    "registry.performance.maxConnections": Ignored("no template reads it"),
    "registry.performance.connectionTimeout": Ignored("no template reads it"),
    "registry.performance.requestTimeout": Ignored("no template reads it"),
}

AGENT_RULES: dict[str, Rule] = {
    **_SHARED,
    **KNOWN_REMOVED_KEYS,
    "service.port": Special("one_port"),
    "agent.http.port": To("http.port"),
    "agent.name": Special("agent_name"),
    "agent.command": Special("command"),
    "agent.capabilities": Special("capabilities"),
    "agent.dependencies": Special("capabilities"),
    # The chart reads one Secret whole: existingSecret, else the one it makes from `secrets` -> envFrom.
    "secrets": Special("env_sources"),
    "existingSecret": Special("env_sources"),
    "registry.host": Derived("meshc derives the registry address from the environment's registry"),
    "registry.port": Derived("meshc derives the registry address from the environment's registry"),
    "global.coreReleaseName": Derived("meshc derives the registry address from the environment's registry"),
    "global.postgres": Ignored("the agent chart has no database; the registry's is imported from it"),
    # MCP_MESH_LOG_LEVEL and MCP_MESH_DEBUG_MODE -> the environment's one logLevel (log_level.py).
    "mesh.logLevel": Special("log_level"),
    "mesh.debug": Special("log_level"),
    TRACING_SWITCH["mcp-mesh-agent"]: Special("tracing"),
    "agent.http.enabled": Ignored("the chart renders MCP_MESH_HTTP_ENABLED=true whatever it says (| default true)"),
    "mesh.enabled": Ignored("the chart renders MCP_MESH_ENABLED=true whatever it says (| default true)"),
    "agent.version": Ignored("no template reads it"),
    "agent.description": Ignored("no template reads it"),
    "agent.healthCheck": Ignored("no template reads it"),
    "agent.retry": Ignored("no template reads it"),
    "agent.performance": Ignored("no template reads it"),
    "agent.http.host": Ignored("no template reads it; the chart sets HOST=0.0.0.0 (so does meshc)"),
    "agent.http.cors": Ignored("no template reads it"),
    "mesh.tracingEnabled": Ignored("no template reads it"),
    "mesh.metricsEnabled": Ignored("no template reads it"),
}

RULES = {"mcp-mesh-registry": REGISTRY_RULES, "mcp-mesh-agent": AGENT_RULES}


def rule_for(chart: str, key: str) -> Rule | None:
    """The rule of `key` or of the nearest parent key that has one."""
    rules = RULES[chart]
    parts = key.split(".")
    for end in range(len(parts), 0, -1):
        rule = rules.get(".".join(parts[:end]))
        if rule is not None:
            return rule
    return None
