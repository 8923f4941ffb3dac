"""An MCP Mesh agent, wired to the registry of its environment."""

from __future__ import annotations

from meshc import model
from meshc.context import MeshContext
from meshc.mesh_env import agent_config, env_from, user_env
from meshc.naming import AGENT_CHART, component_identity
from meshc.registry import RegistryEndpoint
from meshc.origin import Origin
from meshc.runtime import Construct
from meshc.workload import DATA_VOLUME, Probe, Probes, Workload, downward_env, update_strategy

# The MCP Mesh 3.6 runtime's endpoints; /health is deliberately not probed.
AGENT_PROBES = Probes(
    startup=Probe("/startupz", initial_delay=5, period=10, timeout=5, failures=30),
    liveness=Probe("/livez", initial_delay=15, period=10, timeout=5, failures=3),
    readiness=Probe("/ready", initial_delay=10, period=5, timeout=3, failures=3),
)


class Agent(Workload):
    """Agent objects: ServiceAccount, ConfigMap, Service and Deployment; a PVC
    when persistent; HPA, PDB and Ingress when asked.

    name: the agent's key in `agents`: its release name and MCP_MESH_AGENT_NAME, which
    prefixes the agent's id (the name the registry shows comes from the agent's code).
    registry: the endpoint of the registry the agent registers with (`Registry.endpoint`).
    pod_annotations: extra annotations of its pods (Prometheus scraping). Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        name: str,
        spec: model.Agent,
        registry: RegistryEndpoint,
        context: MeshContext,
        pod_annotations: dict[str, str] | None = None,
    ):
        identity = component_identity(name, AGENT_CHART, context.naming, context.umbrella)
        super().__init__(
            scope,
            id,
            context=context,
            spec=spec,
            names=identity.names,
            chart=identity.name_label,
            component="agent",
            release=identity.instance,
            port=spec.http.port,
            origin=Origin.agent(name),
        )
        self.add_common_objects(
            agent_config(
                registry_url=registry.url,
                registry_host=registry.host,
                registry_port=registry.port,
                advertised_host=f"{self.names.base}.{context.namespace}",
                port=self.port,
                image=spec.image,
                log_level=context.log_level,
            )
        )
        env = [
            {"name": "MCP_MESH_AGENT_NAME", "value": name},
            downward_env("POD_NAMESPACE", "metadata.namespace"),
            downward_env("POD_IP", "status.podIP"),
            *user_env(spec.env, spec.secret_env),
        ]
        volumes, mounts = [], []
        if spec.persistence.enabled:
            volumes.append(self.data_volume())
            mounts.append({"name": DATA_VOLUME, "mountPath": model.DATA_MOUNT_PATH})
        self.add_deployment(
            # The chart's container name (its chart name, an alias under an umbrella), so a
            # Helm-installed Deployment is adopted: containers merge by name under server-side apply.
            container_name=identity.name_label,
            probes=AGENT_PROBES,
            env=env,
            env_from=env_from(spec.env_from),
            volumes=volumes,
            mounts=mounts,
            read_only_root=False,
            command=spec.command,
            strategy=update_strategy(spec),
            pod_annotations=pod_annotations or {},
        )
