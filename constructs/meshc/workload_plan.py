"""One plan per mesh component: every decision about the registry or an agent, made once.

Both render modes are produced from the same plan. The manifests constructs
(`meshc.workload`, `meshc.agent`, `meshc.registry`) turn it into Kubernetes
objects; the HelmRelease constructs (`meshc.mesh_releases`) turn it into values
of the upstream mcp-mesh charts. Neither reads the model again, so the two modes
cannot drift apart. A plan is plain data: making one costs no jsii call.

`plan_registry` and `plan_agent` make the plans from the validated model and
the environment's `MeshContext`.
"""

from __future__ import annotations

from dataclasses import dataclass

from meshc import model
from meshc.context import MeshContext, selector_labels
from meshc.mesh_env import (
    PostgresConnection,
    agent_config,
    downward_env,
    env_from,
    registry_config,
    registry_database_connection,
    registry_database_env,
    user_env,
    value_env,
)
from meshc.naming import AGENT_CHART, REGISTRY_CHART, ComponentIdentity, ComponentNames, component_identity
from meshc.origin import Origin

HTTP_PORT_NAME = "http"
DATA_VOLUME = "data"
# Named apart from the PVC volume on purpose: switching persistence on or off
# must change the volume name, or a server-side apply merges an emptyDir and a
# PVC into one volume and the API server rejects it (the charts' issue #1461).
EPHEMERAL_DATA_VOLUME = "data-ephemeral"
# Every pod's scratch space, so a read-only root filesystem still has a writable /tmp.
SCRATCH_VOLUME = {"name": "tmp", "emptyDir": {}}
SCRATCH_MOUNT = {"name": "tmp", "mountPath": "/tmp"}


@dataclass(frozen=True)
class RegistryEndpoint:
    """Where agents reach the registry: its Service name and port, in the same namespace."""

    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class Probe:
    """An HTTP probe on the component's port (the charts bring probes of their own)."""

    path: str
    initial_delay: int
    period: int
    timeout: int
    failures: int


@dataclass(frozen=True)
class Probes:
    startup: Probe
    liveness: Probe
    readiness: Probe


# The MCP Mesh 3.6 runtime's endpoints; /health is deliberately not probed.
AGENT_PROBES = Probes(
    startup=Probe("/startupz", initial_delay=5, period=10, timeout=5, failures=30),
    liveness=Probe("/livez", initial_delay=15, period=10, timeout=5, failures=3),
    readiness=Probe("/ready", initial_delay=10, period=5, timeout=3, failures=3),
)
# The registry answers only /health; the charts probe it the same way.
REGISTRY_PROBES = Probes(
    startup=Probe("/health", initial_delay=5, period=10, timeout=5, failures=30),
    liveness=Probe("/health", initial_delay=30, period=10, timeout=5, failures=3),
    readiness=Probe("/health", initial_delay=10, period=5, timeout=3, failures=3),
)


@dataclass(frozen=True)
class PlannedImage:
    """The image a component runs: `reference` for a container, the parts for a chart's `image` values.

    registry: the prefix it is pulled from, its own or the environment's; empty when none."""

    reference: str
    registry: str
    repository: str
    tag: str
    pull_policy: str


@dataclass(frozen=True)
class WorkloadPlan:
    """What the registry and an agent both decide; the renderers only spell it.

    release: the component's name (the registry's `name`, the agent's key), its Helm release name.
    names, labels, selector: its object names, every object's labels, the immutable pod selector.
    replicas: the pods when not autoscaled (an enabled `autoscaling` owns the count).
    resources: {"requests": {...}, "limits": {...}}, only the amounts given; either may be empty.
    affinity, node_selector: pod placement; {} when none.
    strategy: the Deployment's update strategy.
    config: the component's ConfigMap data.
    pod_env: env entries the charts write on their own (pod fields, the agent's name).
    env: env entries both modes write: the registry's database, then the component's own.
    env_from: the component's own whole Secrets and ConfigMaps, in the order given.
    data_volume: the volume mounted at /data, or None when the component keeps no data.
    pod_annotations: annotations of the pods besides meshc's config hash (Prometheus scraping).
    """

    origin: Origin
    release: str
    namespace: str
    names: ComponentNames
    labels: dict[str, str]
    selector: dict[str, str]
    container_name: str
    image: PlannedImage
    image_pull_secrets: tuple[str, ...]
    port: int
    replicas: int
    autoscaling: model.Autoscaling
    resources: dict
    affinity: dict
    node_selector: dict[str, str]
    strategy: dict
    config: dict[str, str]
    pod_env: list[dict]
    env: list[dict]
    env_from: list[dict]
    data_volume: dict | None
    probes: Probes
    read_only_root: bool
    command: list[str] | None
    pod_annotations: dict[str, str]
    persistence: model.Persistence
    disruption_budget: model.DisruptionBudget
    ingress: model.Ingress
    log_level: model.LogLevel


@dataclass(frozen=True)
class AgentPlan(WorkloadPlan):
    """An agent's plan. registry: the endpoint of the registry it registers with."""

    registry: RegistryEndpoint


@dataclass(frozen=True)
class RegistryPlan(WorkloadPlan):
    """The registry's plan.

    endpoint: where agents reach it. database: the chosen database; database_connection:
    the PostgreSQL it logs in to when known field by field (not sqlite, not a urlSecret).
    """

    endpoint: RegistryEndpoint
    database: model.SqliteDatabase | model.PostgresDatabase
    database_connection: PostgresConnection | None


def plan_registry(spec: model.Registry, context: MeshContext, *, postgres: PostgresConnection | None = None) -> RegistryPlan:
    """The registry's plan. postgres: the environment's own PostgreSQL release, used when
    `spec.database` is postgres without an external host. Default: none."""
    identity = component_identity(spec.name, REGISTRY_CHART, context.naming, context.umbrella)
    connection = registry_database_connection(spec.database, postgres)
    # sqlite keeps its file on the data volume, persistent or not.
    keeps_data = isinstance(spec.database, model.SqliteDatabase) or spec.persistence.enabled
    return RegistryPlan(
        **_workload_decisions(spec, context, identity, component="registry", port=spec.service.port),
        origin=Origin.registry(),
        release=spec.name,
        container_name="registry",
        strategy=_registry_update_strategy(spec),
        config=registry_config(spec.name, spec.service.port, context.log_level),
        pod_env=[
            downward_env("POD_NAME", "metadata.name"),
            downward_env("POD_NAMESPACE", "metadata.namespace"),
            downward_env("POD_IP", "status.podIP"),
            downward_env("REGISTRY_INSTANCE_ID", "metadata.name"),
        ],
        env=[*registry_database_env(spec.database, connection), *user_env(spec.env)],
        data_volume=_data_volume(spec.persistence, identity.names) if keeps_data else None,
        probes=REGISTRY_PROBES,
        read_only_root=True,
        command=None,
        pod_annotations={},
        endpoint=RegistryEndpoint(identity.names.base, spec.service.port),
        database=spec.database,
        database_connection=connection,
    )


def plan_agent(
    name: str,
    spec: model.Agent,
    context: MeshContext,
    *,
    registry: RegistryEndpoint,
    pod_annotations: dict[str, str] | None = None,
) -> AgentPlan:
    """An agent's plan.

    name: the agent's key in `agents`: its release name and MCP_MESH_AGENT_NAME, which
    prefixes the agent's id (the name the registry shows comes from the agent's code).
    registry: the endpoint of the registry the agent registers with (`RegistryPlan.endpoint`).
    pod_annotations: extra annotations of its pods (Prometheus scraping). Default: none.
    """
    identity = component_identity(name, AGENT_CHART, context.naming, context.umbrella)
    config = agent_config(
        registry_url=registry.url,
        registry_host=registry.host,
        registry_port=registry.port,
        advertised_host=f"{identity.names.base}.{context.namespace}",
        port=spec.http.port,
        image=spec.image,
        log_level=context.log_level,
    )
    return AgentPlan(
        **_workload_decisions(spec, context, identity, component="agent", port=spec.http.port),
        origin=Origin.agent(name),
        release=name,
        # The chart's container name (its chart name, an alias under an umbrella), so a
        # Helm-installed Deployment is adopted: containers merge by name under server-side apply.
        container_name=identity.name_label,
        strategy=_update_strategy(spec),
        config=config,
        pod_env=[
            value_env("MCP_MESH_AGENT_NAME", name),
            downward_env("POD_NAMESPACE", "metadata.namespace"),
            downward_env("POD_IP", "status.podIP"),
        ],
        env=user_env(spec.env, spec.secret_env),
        data_volume=_data_volume(spec.persistence, identity.names) if spec.persistence.enabled else None,
        probes=AGENT_PROBES,
        read_only_root=False,
        command=spec.command,
        pod_annotations=dict(pod_annotations or {}),
        registry=registry,
    )


def _workload_decisions(
    spec: model.Workload, context: MeshContext, identity: ComponentIdentity, *, component: str, port: int
) -> dict:
    """The plan fields the registry and agents decide alike."""
    labels = context.labels(name=identity.name_label, instance=identity.instance, component=component, version=spec.image.tag)
    selector = selector_labels(labels)
    return {
        "namespace": context.namespace,
        "names": identity.names,
        "labels": labels,
        "selector": selector,
        "image": PlannedImage(
            reference=context.image(spec.image),
            registry=context.registry_of(spec.image),
            repository=spec.image.repository,
            tag=spec.image.tag,
            pull_policy=spec.image.pull_policy,
        ),
        "image_pull_secrets": context.image_pull_secrets,
        "port": port,
        "replicas": spec.replicas,
        "autoscaling": spec.autoscaling,
        "resources": {"requests": _amounts(spec.resources.requests), "limits": _amounts(spec.resources.limits)},
        "affinity": _affinity(spec.affinity, selector),
        "node_selector": dict(spec.affinity.node_selector),
        "env_from": env_from(spec.env_from),
        "persistence": spec.persistence,
        "disruption_budget": spec.disruption_budget,
        "ingress": spec.ingress,
        "log_level": context.log_level,
    }


def _amounts(given: model.ResourceAmounts) -> dict[str, str]:
    return {key: value for key, value in (("cpu", given.cpu), ("memory", given.memory)) if value is not None}


def _affinity(affinity: model.Affinity, selector: dict[str, str]) -> dict:
    """Pod anti-affinity among the component's own pods; {} when none is asked."""
    anti = affinity.pod_anti_affinity
    if anti is None:
        return {}
    term = {"labelSelector": {"matchLabels": selector}, "topologyKey": anti.topology_key}
    if anti.mode == "required":
        return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}
    return {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": term}]}}


def _data_volume(persistence: model.Persistence, names: ComponentNames) -> dict:
    if persistence.enabled:
        return {"name": DATA_VOLUME, "persistentVolumeClaim": {"claimName": names.data}}
    return {"name": EPHEMERAL_DATA_VOLUME, "emptyDir": {}}


def _update_strategy(spec: model.Workload) -> dict:
    """How pods are replaced (a Deployment `strategy`), chosen so a rollout can always finish."""
    volume = spec.persistence
    if volume.enabled and volume.access_mode != "ReadWriteMany":
        # The claim attaches to one node: a surge pod elsewhere would wait for it forever.
        return {"type": "Recreate"}
    anti = spec.affinity.pod_anti_affinity
    if anti is not None and anti.mode == "required":
        # One pod per node: with exactly as many nodes as replicas a surge pod never schedules.
        return {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    # Surge one pod, never drop below the desired count while rolling.
    return {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}


def _registry_update_strategy(spec: model.Registry) -> dict:
    """How registry pods are replaced. sqlite allows one writer at a time: a surge pod
    would open the same file (or wait forever for a ReadWriteOnce volume)."""
    if isinstance(spec.database, model.SqliteDatabase):
        return {"type": "Recreate"}
    return _update_strategy(spec)
