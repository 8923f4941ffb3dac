"""The environment's global settings, its registry and its agents."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import BeforeValidator, Field, WithJsonSchema, model_validator
from pydantic.alias_generators import to_camel

from meshc.kube import DNS1123_LABEL, DNS1123_SUBDOMAIN
from meshc.kube_values import ImageRegistry
from meshc.model.base import DnsLabel, EnvVarName, FieldRuleError, MeshcModel, Port, RenderMode, Replicas, _wired_message
from meshc.model.parts import Affinity, Autoscaling, DisruptionBudget, EnvFrom, Image, Ingress, Persistence, ResourceAmounts, Resources, SecretEnvRef, SecretKeyRef


# --- global ---------------------------------------------------------------------


def _pull_secret_name(entry: Any) -> Any:
    # The charts' (and Kubernetes') shape `- name: regcred` says the same as `- regcred`.
    return entry["name"] if isinstance(entry, dict) and set(entry) == {"name"} else entry


PullSecretName = Annotated[
    DnsLabel,
    BeforeValidator(_pull_secret_name),
    WithJsonSchema({
        "anyOf": [
            {"type": "string", "pattern": DNS1123_LABEL.pattern, "maxLength": 63},
            {"type": "object", "properties": {"name": {"type": "string", "pattern": DNS1123_LABEL.pattern, "maxLength": 63}},
             "required": ["name"], "additionalProperties": False},
        ],
        "description": "A pull Secret's name, or {name: ...} as the charts write it.",
    }),
]


class Global(MeshcModel):
    image_registry: ImageRegistry = Field(
        default="", description="Registry prefix, without a scheme, for every image without its own. Default: none (Docker Hub)."
    )
    image_pull_secrets: list[PullSecretName] = Field(
        default_factory=list, description="Pull Secrets for every pod: names, or {name: ...} entries. Default: none."
    )
    namespace: DnsLabel = Field(default="mcp-mesh", description="Namespace of the environment. Default: mcp-mesh.")
    create_namespace: bool = Field(default=True, description="Emit the Namespace object. Default: true.")
    shared_namespace: bool = Field(
        default=False,
        description=(
            "Allow another environment to use the same namespace (they deploy to different clusters). "
            "Every environment sharing it must say so. Default: false."
        ),
    )


# --- registry -------------------------------------------------------------------

DATA_MOUNT_PATH = "/data"


class SqliteDatabase(MeshcModel):
    type: Literal["sqlite"]
    path: str = Field(
        default=f"{DATA_MOUNT_PATH}/mcp_mesh_registry.db",
        pattern=rf"^{DATA_MOUNT_PATH}/[^/]+$",
        description="Database file on the data volume. Default: /data/mcp_mesh_registry.db.",
    )


# A host name (RFC 1123) or an IPv4 address, as a URL's host and `nc -z` take it.
# Characters a URL carries unescaped, so the user and database name never need encoding.
_DATABASE_NAME = r"^[A-Za-z0-9_][-A-Za-z0-9_.]{0,62}$"
SslMode = Literal["disable", "require", "verify-ca", "verify-full"]
EXTERNAL_DATABASE_KEYS = ("port", "database", "username", "password_secret", "sslmode")


class PostgresDatabase(MeshcModel):
    """The registry's PostgreSQL: the environment's own release, or an external database
    given by `host` (preferred) or by `urlSecret`."""

    type: Literal["postgres"]
    host: str | None = Field(
        default=None,
        max_length=253,
        pattern=DNS1123_SUBDOMAIN.pattern,
        description=(
            "Host name or IPv4 address of an external database. The registry gets a DATABASE_URL "
            "without the password and the password as PGPASSWORD from passwordSecret, so the "
            "password never reaches its log. Default: none."
        ),
    )
    port: Port = Field(default=5432, description="Port of the external database. Default: 5432.")
    database: str | None = Field(
        default=None, pattern=_DATABASE_NAME, description="Database name. Required with host."
    )
    username: str | None = Field(
        default=None, pattern=_DATABASE_NAME, description="Login user. Required with host."
    )
    password_secret: SecretKeyRef | None = Field(
        default=None, description="Secret key holding the login password. Required with host."
    )
    sslmode: SslMode = Field(
        default="require",
        description=(
            "TLS to the external database (lib/pq's sslmode): disable, require (encrypted, "
            "certificate not checked), verify-ca or verify-full (checked against the image's CA "
            "certificates). Default: require."
        ),
    )
    url_secret: SecretKeyRef | None = Field(
        default=None,
        description=(
            "Secret key holding the full postgres:// DATABASE_URL of an external database. The "
            "registry logs DATABASE_URL at INFO, so a password inside it lands in the log: prefer "
            "host and passwordSecret. Default: the PostgreSQL release of this environment "
            "(postgresql.enabled)."
        ),
    )

    @model_validator(mode="after")
    def _external_database_is_complete(self) -> PostgresDatabase:
        if self.host is not None and self.url_secret is not None:
            raise FieldRuleError("urlSecret", "give the external database either as host (preferred) or as urlSecret, not both")
        if self.host is not None:
            for key in ("database", "username", "password_secret"):
                if getattr(self, key) is None:
                    raise FieldRuleError(to_camel(key), "an external database given by host needs database, username and passwordSecret")
            return self
        stray = [key for key in EXTERNAL_DATABASE_KEYS if key in self.model_fields_set]
        if stray:
            raise FieldRuleError(to_camel(stray[0]), "describes an external database; set host too")
        return self

    @property
    def is_external(self) -> bool:
        return self.host is not None or self.url_secret is not None


Database = Annotated[Union[SqliteDatabase, PostgresDatabase], Field(discriminator="type")]


class RegistryService(MeshcModel):
    port: Port = Field(default=8000, description="Service and container port. Default: 8000.")


class Workload(MeshcModel):
    """What the registry and every agent share: switches, image, scaling, volume, placement,
    exposure. Each component gives `image` and `resources` its own defaults."""

    enabled: bool = Field(default=True, description="Deploy this component. Default: true.")
    render: RenderMode | None = Field(default=None, description="Override the environment's render mode for this component.")
    image: Image = Field(description="The container image.")
    resources: Resources = Field(description="Container requests and limits.")
    replicas: Replicas = Field(default=1, description="Pods when not autoscaled. Default: 1.")
    autoscaling: Autoscaling = Field(default_factory=Autoscaling, description="Default: disabled.")
    persistence: Persistence = Field(default_factory=Persistence, description="Default: no PVC.")
    affinity: Affinity = Field(default_factory=Affinity, description="Default: none.")
    disruption_budget: DisruptionBudget = Field(default_factory=DisruptionBudget, description="Default: disabled.")
    ingress: Ingress = Field(default_factory=Ingress, description="Default: disabled.")
    env_from: list[EnvFrom] = Field(
        default_factory=list,
        description=(
            "Whole Secrets and ConfigMaps read as environment variables, each "
            "{secret: NAME} or {configMap: NAME}, with an optional prefix and optional: true. Their keys "
            "override meshc's ConfigMap defaults but not the variables meshc sets one by one. Default: none."
        ),
    )

    def replica_range(self) -> tuple[int, int]:
        """(fewest, most) pods this component runs outside a rollout."""
        if self.autoscaling.enabled:
            return self.autoscaling.min_replicas, self.autoscaling.max_replicas
        return self.replicas, self.replicas

    @model_validator(mode="after")
    def _volume_and_budget_fit_the_replicas(self) -> Workload:
        fewest, most = self.replica_range()
        volume = self.persistence
        if volume.enabled and volume.access_mode != "ReadWriteMany" and most > 1:
            raise FieldRuleError(
                "persistence.accessMode",
                f"up to {most} pods cannot share one {volume.access_mode} claim (they land on different nodes); "
                "use ReadWriteMany with a storage class that offers it, or run one replica",
            )
        budget = self.disruption_budget
        if budget.enabled and budget.min_available >= fewest:
            raise FieldRuleError(
                "disruptionBudget.minAvailable",
                f"minAvailable {budget.min_available} with as few as {fewest} pod(s) blocks every node drain; "
                f"set it below {fewest} or run more replicas",
            )
        return self


# Variables meshc sets for the registry: its address (the Service targets it), its
# database, and the pod's identity. The log level comes from `logLevel`.
WIRED_REGISTRY_ENV = frozenset({
    "HOST", "PORT", "DATABASE_URL", "DATABASE_PASSWORD", "PGPASSWORD",
    "POD_NAME", "POD_NAMESPACE", "POD_IP", "REGISTRY_INSTANCE_ID",
})


class Registry(Workload):
    """The MCP Mesh registry: one per environment; every agent is wired to it."""

    name: DnsLabel = Field(
        default="mcp-registry",
        description="Release name; object names derive from it. Default: mcp-registry.",
    )
    image: Image = Field(
        default=Image(repository="mcpmesh/registry", tag="3.6"),
        description="Default: mcpmesh/registry:3.6.",
    )
    service: RegistryService = Field(default_factory=RegistryService, description="Default: port 8000.")
    database: Database = Field(default=SqliteDatabase(type="sqlite"), description="Default: sqlite on the data volume.")
    resources: Resources = Field(
        default=Resources(
            requests=ResourceAmounts(cpu="100m", memory="128Mi"),
            limits=ResourceAmounts(cpu="500m", memory="512Mi"),
        ),
        description="Default: requests 100m/128Mi, limits 500m/512Mi.",
    )
    env: dict[EnvVarName, str] = Field(
        default_factory=dict, description="Plain environment variables of the registry (no secrets). Default: none."
    )

    @model_validator(mode="after")
    def _env_leaves_the_wiring_alone(self) -> Registry:
        wired = sorted(WIRED_REGISTRY_ENV & set(self.env))
        if wired:
            raise FieldRuleError(f"env.{wired[0]}", _wired_message(wired))
        return self

    @model_validator(mode="after")
    def _sqlite_is_single_writer(self) -> Registry:
        if self.database.type != "sqlite":
            return self
        if self.replicas > 1:
            raise FieldRuleError(
                "replicas",
                f"sqlite allows only one registry replica, got {self.replicas}; "
                "use database.type postgres to run more",
            )
        if self.autoscaling.enabled:
            raise FieldRuleError("autoscaling", "sqlite cannot autoscale the registry; use database.type postgres")
        return self


# --- agents ---------------------------------------------------------------------


# Variables meshc derives for every agent; an agent's own env must not set them,
# or a hand-typed MCP_MESH_REGISTRY_URL would win over the wiring.
WIRED_AGENT_ENV = frozenset({
    "MCP_MESH_REGISTRY_URL", "MCP_MESH_REGISTRY_HOST", "MCP_MESH_REGISTRY_PORT", "MCP_MESH_AGENT_NAME",
    "MCP_MESH_HTTP_ENABLED", "MCP_MESH_HTTP_HOST", "MCP_MESH_HTTP_PORT", "HOST", "POD_IP", "POD_NAMESPACE",
})


class AgentHttp(MeshcModel):
    port: Port = Field(default=8080, description="Container, Service and advertised port. Default: 8080.")


class Agent(Workload):
    """One MCP Mesh agent. Its key in `agents` names its objects and release and is passed as
    MCP_MESH_AGENT_NAME, which only prefixes the agent's id: the name the registry shows is
    the agent code's own (`@mesh.agent(name=...)`), and the registry matches agents by the
    capabilities they register."""

    image: Image = Field(
        default=Image(repository="mcpmesh/python-runtime", tag="3.6"),
        description="Default: mcpmesh/python-runtime:3.6.",
    )
    command: list[str] | None = Field(
        default=None,
        min_length=1,
        description="Container command (replaces the image entrypoint). Default: the image's own.",
    )
    http: AgentHttp = Field(default_factory=AgentHttp, description="Default: port 8080.")
    capabilities: list[str] = Field(
        default_factory=list,
        description="Capabilities this agent's code registers; meshc checks the dependency graph with them (the code declares them, not meshc).",
    )
    dependencies: list[str] = Field(
        default_factory=list, description="Capabilities this agent's code consumes (declared in its code, checked by meshc)."
    )
    env: dict[EnvVarName, str] = Field(default_factory=dict, description="Plain environment variables (no secrets).")
    secret_env: dict[EnvVarName, SecretEnvRef] = Field(
        default_factory=dict, description="Environment variables read from Secret keys."
    )
    resources: Resources = Field(
        default=Resources(
            requests=ResourceAmounts(cpu="100m", memory="256Mi"),
            limits=ResourceAmounts(cpu="1", memory="1Gi"),
        ),
        description="Default: requests 100m/256Mi, limits 1/1Gi.",
    )

    @model_validator(mode="after")
    def _distinct_lists(self) -> Agent:
        for field in ("capabilities", "dependencies"):
            values = getattr(self, field)
            repeated = sorted({v for v in values if values.count(v) > 1})
            if repeated:
                raise FieldRuleError(field, f"lists {', '.join(repeated)} more than once")
        both = sorted(set(self.env) & set(self.secret_env))
        if both:
            raise FieldRuleError("secretEnv", f"{', '.join(both)} is set in both env and secretEnv")
        for field, names in (("env", self.env), ("secretEnv", self.secret_env)):
            wired = sorted(WIRED_AGENT_ENV & set(names))
            if wired:
                raise FieldRuleError(f"{field}.{wired[0]}", _wired_message(wired))
        return self
