"""The MCP Mesh registry: the one service every agent registers with."""

from __future__ import annotations

from dataclasses import dataclass

from meshc import model
from meshc.context import MeshContext
from meshc.naming import REGISTRY_CHART, component_identity, component_names
from meshc.runtime import Construct, k8s
from meshc.workload import Probe, Probes, Workload, downward_env, secret_env

# The registry answers only /health; the charts probe it the same way.
REGISTRY_PROBES = Probes(
    startup=Probe("/health", initial_delay=5, period=10, timeout=5, failures=30),
    liveness=Probe("/health", initial_delay=30, period=10, timeout=5, failures=3),
    readiness=Probe("/health", initial_delay=10, period=5, timeout=3, failures=3),
)
# Heartbeat timing agents rely on (MCP Mesh 3.6 defaults): stale after 20 s,
# evicted after 60 s, checked every 10 s.
REGISTRY_CONFIG = {
    "HOST": "0.0.0.0",
    "DEFAULT_TIMEOUT_THRESHOLD": "20",
    "DEFAULT_EVICTION_THRESHOLD": "60",
    "HEALTH_CHECK_INTERVAL": "10",
    "MCP_MESH_LOG_LEVEL": "INFO",
}


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


@dataclass(frozen=True)
class PostgresConnection:
    """A PostgreSQL database served by another release of the same environment."""

    host: str
    port: int
    database: str
    username: str
    password: model.SecretKeyRef

    @property
    def url(self) -> str:
        # Kubernetes expands $(DATABASE_PASSWORD) from the env var defined before this one.
        return f"postgres://{self.username}:$(DATABASE_PASSWORD)@{self.host}:{self.port}/{self.database}?sslmode=disable"


class Registry(Workload):
    """Registry objects: ServiceAccount, ConfigMap, Service, headless Service and
    Deployment; a PVC when persistent; HPA, PDB and Ingress when asked.

    Agents read `endpoint` from here, never from a typed string.

    postgres: the database release to use when `spec.database` is postgres without
    its own urlSecret. Default: none.
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
        )
        self.endpoint = registry_endpoint(spec, context)
        self.postgres = postgres
        self.add_common_objects({**REGISTRY_CONFIG, "PORT": str(self.port), "REGISTRY_NAME": spec.name})
        self.add_service("HeadlessService", self.names.headless, headless=True)
        self._add_registry_deployment(spec)

    def _add_registry_deployment(self, spec: model.Registry) -> None:
        env = [
            downward_env("POD_NAME", "metadata.name"),
            downward_env("POD_NAMESPACE", "metadata.namespace"),
            downward_env("POD_IP", "status.podIP"),
            downward_env("REGISTRY_INSTANCE_ID", "metadata.name"),
        ]
        volumes, mounts = [], []
        if isinstance(spec.database, model.SqliteDatabase):
            # The registry binary reads only DATABASE_URL; a file path selects sqlite.
            env.append(k8s.EnvVar(name="DATABASE_URL", value=spec.database.path))
            # One writer at a time: a surge pod would open the same sqlite file
            # (or wait forever for a ReadWriteOnce volume).
            strategy = k8s.DeploymentStrategy(type="Recreate")
        else:
            env += database_env(spec.database, self.postgres)
            strategy = self.update_strategy()
        if isinstance(spec.database, model.SqliteDatabase) or spec.persistence.enabled:
            volume = self.data_volume()
            volumes.append(volume)
            mounts.append(k8s.VolumeMount(name=volume.name, mount_path=model.DATA_MOUNT_PATH))
        self.add_deployment(
            container_name="registry",
            probes=REGISTRY_PROBES,
            env=env,
            volumes=volumes,
            mounts=mounts,
            read_only_root=True,
            strategy=strategy,
        )



def database_env(database: model.PostgresDatabase, postgres: PostgresConnection | None) -> list[k8s.EnvVar]:
    """DATABASE_URL from the user's Secret, or composed from the environment's PostgreSQL release."""
    if database.url_secret is not None:
        return [secret_env("DATABASE_URL", database.url_secret)]
    if postgres is None:
        raise ValueError("a postgres registry without urlSecret needs the environment's PostgreSQL release")
    return [secret_env("DATABASE_PASSWORD", postgres.password), k8s.EnvVar(name="DATABASE_URL", value=postgres.url)]
