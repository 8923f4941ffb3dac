"""The MCP Mesh registry: the one service every agent registers with."""

from __future__ import annotations

from dataclasses import dataclass

from meshc import model
from meshc.context import MeshContext
from meshc.mesh_env import PostgresConnection, env_from, registry_config, registry_database_env, user_env
from meshc.naming import REGISTRY_CHART, component_identity, component_names
from meshc.origin import Origin
from meshc.runtime import Construct
from meshc.workload import Probe, Probes, Workload, downward_env, update_strategy

# The registry answers only /health; the charts probe it the same way.
REGISTRY_PROBES = Probes(
    startup=Probe("/health", initial_delay=5, period=10, timeout=5, failures=30),
    liveness=Probe("/health", initial_delay=30, period=10, timeout=5, failures=3),
    readiness=Probe("/health", initial_delay=10, period=5, timeout=3, failures=3),
)


@dataclass(frozen=True)
class RegistryEndpoint:
    """Where agents reach the registry: its Service name and port, in the same namespace."""

    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def registry_endpoint(spec: model.Registry, context: MeshContext) -> RegistryEndpoint:
    """The registry's address, the same whether it is rendered as manifests or as a HelmRelease."""
    return RegistryEndpoint(component_names(spec.name, REGISTRY_CHART, context.naming, context.umbrella).base, spec.service.port)


class Registry(Workload):
    """Registry objects: ServiceAccount, ConfigMap, Service, headless Service and
    Deployment; a PVC when persistent; HPA, PDB and Ingress when asked.

    Agents read `endpoint` from here, never from a typed string.

    postgres: the database release to use when `spec.database` is postgres without
    an external database. Default: none.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: model.Registry,
        context: MeshContext,
        postgres: PostgresConnection | None = None,
    ):
        identity = component_identity(spec.name, REGISTRY_CHART, context.naming, context.umbrella)
        super().__init__(
            scope,
            id,
            context=context,
            spec=spec,
            names=identity.names,
            chart=identity.name_label,
            component="registry",
            release=identity.instance,
            port=spec.service.port,
            origin=Origin.registry(),
        )
        self.endpoint = registry_endpoint(spec, context)
        self.postgres = postgres
        self.add_common_objects(registry_config(spec, context.log_level))
        self.add_service(self.names.headless, headless=True)
        self._add_registry_deployment(spec)

    def _add_registry_deployment(self, spec: model.Registry) -> None:
        env = [
            downward_env("POD_NAME", "metadata.name"),
            downward_env("POD_NAMESPACE", "metadata.namespace"),
            downward_env("POD_IP", "status.podIP"),
            downward_env("REGISTRY_INSTANCE_ID", "metadata.name"),
            *registry_database_env(spec.database, self.postgres),
            *user_env(spec.env),
        ]
        volumes, mounts = [], []
        if isinstance(spec.database, model.SqliteDatabase) or spec.persistence.enabled:
            volume = self.data_volume()
            volumes.append(volume)
            mounts.append({"name": volume["name"], "mountPath": model.DATA_MOUNT_PATH})
        self.add_deployment(
            container_name="registry",
            probes=REGISTRY_PROBES,
            env=env,
            env_from=env_from(spec.env_from),
            volumes=volumes,
            mounts=mounts,
            read_only_root=True,
            strategy=registry_update_strategy(spec),
        )


def registry_update_strategy(spec: model.Registry) -> dict:
    """How registry pods are replaced. sqlite allows one writer at a time: a surge pod
    would open the same file (or wait forever for a ReadWriteOnce volume)."""
    if isinstance(spec.database, model.SqliteDatabase):
        return {"type": "Recreate"}
    return update_strategy(spec)
