"""The typed model of one environment: what `environments/<env>.yaml` may say.

Every model is strict, frozen and rejects unknown keys, so a typo is an error
at its key path instead of a setting that is silently ignored (the charts'
worst habit). YAML keys are camelCase, like Helm values. Each default lives on
its field and nowhere else.

Cross-field rules raise `FieldRuleError`, a ValueError that names the field it
is about, so the error points at the key the user has to change.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any, Literal, Union

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)
from pydantic.alias_generators import to_camel

from meshc.graph import consumer_edges, cycles
from meshc.kube_values import INT32_MAX, Cidr, ImageRegistry, ImageRepository, ImageTag, RepositoryPath, strict_subnet
from meshc.quantities import INPUT_QUANTITY, LEADING_ZERO
from meshc.naming import AGENT_CHART, MAX_NAME_LENGTH, REGISTRY_CHART, component_names, too_long


def _wired_message(wired: list[str]) -> str:
    # One message naming them all: a validator stops at its first error, and the user should fix all at once.
    names, verb = (wired[0], "is") if len(wired) == 1 else (f"{', '.join(wired[:-1])} and {wired[-1]}", "are")
    return f"{names} {verb} set by meshc from the environment's wiring and cannot be overridden"


class FieldRuleError(ValueError):
    """A rule across fields, reported at `field` (a camelCase key) of the model that raised it."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class MeshcModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        alias_generator=to_camel,
        populate_by_name=True,
        validate_default=False,
    )


# --- value types --------------------------------------------------------------

_DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS_LABEL = re.compile(_DNS_LABEL)
_ENV_NAME = r"^[-._a-zA-Z][-._a-zA-Z0-9]*$"

DnsLabel = Annotated[
    str,
    Field(
        pattern=_DNS_LABEL,
        max_length=63,
        description="A DNS-1123 label: lower-case letters, digits and '-', at most 63 characters.",
    ),
]
EnvVarName = Annotated[str, Field(pattern=_ENV_NAME, description="An environment variable name.")]


def _quantity_from_yaml(value: Any) -> Any:
    # YAML reads `cpu: 1` and `cpu: 0.5` as numbers; Kubernetes accepts both.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format(value, ".15g") if isinstance(value, float) else str(value)
    return value


def _check_quantity(value: str) -> str:
    if LEADING_ZERO.match(value):
        raise ValueError(f"{value!r} starts with a zero, which tools read differently (as octal or decimal); write it without the leading zero")
    if not INPUT_QUANTITY.match(value):
        raise ValueError(f"{value!r} is not a Kubernetes quantity (for example 500m, 1, 256Mi, 10Gi)")
    return value


Quantity = Annotated[
    str,
    BeforeValidator(_quantity_from_yaml),
    AfterValidator(_check_quantity),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": INPUT_QUANTITY.pattern}, {"type": "number", "minimum": 0}]}),
    Field(description="A Kubernetes quantity such as 500m, 2, 256Mi or 10Gi."),
]
Port = Annotated[int, Field(ge=1, le=65535)]
Replicas = Annotated[int, Field(ge=0, le=INT32_MAX, description="Number of pods.")]
Duration = Annotated[str, Field(pattern=r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$", description="A Go duration such as 30s, 5m or 1h.")]
RenderMode = Literal["manifests", "helmrelease"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]


# --- shared parts ---------------------------------------------------------------


class Image(MeshcModel):
    """A container image. The registry prefix comes from `global.imageRegistry` unless set here."""

    repository: ImageRepository = Field(description="Image repository, e.g. mcpmesh/registry.")
    tag: ImageTag = Field(description="Image tag, optionally pinned to a digest (3.6@sha256:...). Quote numeric tags: \"0.5\".")
    registry: ImageRegistry | None = Field(default=None, description="Registry prefix for this image, without a scheme. Default: global.imageRegistry.")
    pull_policy: Literal["Always", "IfNotPresent", "Never"] = Field(
        default="IfNotPresent", description="Kubernetes imagePullPolicy. Default: IfNotPresent."
    )


class ResourceAmounts(MeshcModel):
    cpu: Quantity | None = Field(default=None, description="CPU, e.g. 100m. Default: unset.")
    memory: Quantity | None = Field(default=None, description="Memory, e.g. 256Mi. Default: unset.")


class Resources(MeshcModel):
    """Container requests and limits."""

    requests: ResourceAmounts = Field(default_factory=ResourceAmounts, description="Requests. Default: none.")
    limits: ResourceAmounts = Field(default_factory=ResourceAmounts, description="Limits. Default: none.")


class Autoscaling(MeshcModel):
    """A HorizontalPodAutoscaler on CPU utilization. When enabled, it owns the replica count."""

    enabled: bool = Field(default=False, description="Create an HPA. Default: false.")
    min_replicas: int = Field(default=1, ge=1, le=INT32_MAX, description="HPA minimum. Default: 1.")
    max_replicas: int = Field(default=3, ge=1, le=INT32_MAX, description="HPA maximum. Default: 3.")
    target_cpu_utilization_percentage: int = Field(
        default=80,
        ge=1,
        le=100,
        alias="targetCPUUtilizationPercentage",
        description="Average CPU utilization the HPA aims for, in percent of requests. Default: 80.",
    )


class DisruptionBudget(MeshcModel):
    enabled: bool = Field(default=False, description="Create a PodDisruptionBudget. Default: false.")
    min_available: int = Field(default=1, ge=0, le=INT32_MAX, description="Pods that must stay available. Default: 1.")


class Ingress(MeshcModel):
    enabled: bool = Field(default=False, description="Create an Ingress. Default: false.")
    host: str | None = Field(default=None, description="Host name the Ingress serves. Required when enabled.")
    path: str = Field(default="/", pattern=r"^/", description="Path prefix. Default: /.")
    class_name: str | None = Field(default=None, description="ingressClassName. Default: the cluster default.")
    tls_secret_name: DnsLabel | None = Field(default=None, description="Secret with the TLS certificate. Default: no TLS.")

    @model_validator(mode="after")
    def _host_when_enabled(self) -> Ingress:
        if self.enabled and not self.host:
            raise FieldRuleError("host", "an enabled ingress needs a host")
        return self


class Persistence(MeshcModel):
    enabled: bool = Field(default=False, description="Mount a PersistentVolumeClaim at /data. Default: false.")
    size: Quantity = Field(default="5Gi", description="Requested storage. Default: 5Gi.")
    storage_class: str | None = Field(default=None, description="storageClassName. Default: the cluster default.")
    access_mode: Literal["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany"] = Field(
        default="ReadWriteOnce",
        description="Volume access mode; replicas on several nodes sharing one claim need ReadWriteMany. Default: ReadWriteOnce.",
    )


class SecretKeyRef(MeshcModel):
    """A reference to one key of a Secret that exists in the namespace. meshc never sees the value."""

    secret: DnsLabel = Field(description="Secret name.")
    key: str = Field(min_length=1, pattern=r"^[-._a-zA-Z0-9]+$", description="Key inside the Secret.")


class SecretEnvRef(SecretKeyRef):
    """A Secret key read into one environment variable."""

    optional: bool = Field(
        default=False,
        description="Start the pod even when the Secret or the key is missing; the variable is then unset. Default: false.",
    )


class EnvFrom(MeshcModel):
    """Every key of one Secret or ConfigMap as environment variables. Variables meshc sets
    one by one win over its keys; its keys win over the defaults in meshc's own ConfigMap."""

    secret: DnsLabel | None = Field(default=None, description="Name of a Secret in the namespace. Give this or configMap.")
    config_map: DnsLabel | None = Field(default=None, description="Name of a ConfigMap in the namespace. Give this or secret.")
    prefix: str | None = Field(
        default=None, pattern=_ENV_NAME, description="Put before every key to make the variable name. Default: none."
    )
    optional: bool = Field(default=False, description="Start the pod even when the object is missing. Default: false.")

    @model_validator(mode="after")
    def _one_source(self) -> EnvFrom:
        if (self.secret is None) == (self.config_map is None):
            raise FieldRuleError("secret", "give exactly one of secret and configMap")
        return self


class PodAntiAffinity(MeshcModel):
    """Spread this component's pods apart; the label selector is derived from the component."""

    mode: Literal["required", "preferred"] = Field(description="required: never co-locate; preferred: avoid it.")
    topology_key: str = Field(default="kubernetes.io/hostname", description="Default: kubernetes.io/hostname.")


class Affinity(MeshcModel):
    pod_anti_affinity: PodAntiAffinity | None = Field(default=None, description="Default: none.")
    node_selector: dict[str, str] = Field(default_factory=dict, description="Node labels pods require. Default: none.")


class ChartSource(MeshcModel):
    """A Helm chart at a pinned version. oci:// URLs become an OCIRepository, https:// a HelmRepository."""

    url: str = Field(pattern=r"^(oci|https)://", description="Repository URL without the chart name.")
    chart: str = Field(min_length=1, description="Chart name.")
    version: str = Field(
        pattern=r"^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$",
        description="Exact chart version; ranges are refused so every render is reproducible.",
    )


# --- global ---------------------------------------------------------------------


def _pull_secret_name(entry: Any) -> Any:
    # The charts' (and Kubernetes') shape `- name: regcred` says the same as `- regcred`.
    return entry["name"] if isinstance(entry, dict) and set(entry) == {"name"} else entry


PullSecretName = Annotated[
    DnsLabel,
    BeforeValidator(_pull_secret_name),
    WithJsonSchema({
        "anyOf": [
            {"type": "string", "pattern": _DNS_LABEL, "maxLength": 63},
            {"type": "object", "properties": {"name": {"type": "string", "pattern": _DNS_LABEL, "maxLength": 63}},
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
_DATABASE_HOST = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
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
        pattern=_DATABASE_HOST,
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


# --- platform -------------------------------------------------------------------

_QUOTA_RESOURCES = (
    "requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "cpu", "memory",
    "pods", "services", "persistentvolumeclaims", "requests.storage", "configmaps", "secrets",
    "services.loadbalancers", "services.nodeports", "requests.ephemeral-storage", "limits.ephemeral-storage",
)


def _check_quota_keys(hard: dict[str, str]) -> dict[str, str]:
    import difflib

    for key in hard:
        if key not in _QUOTA_RESOURCES and not key.startswith("count/"):
            close = difflib.get_close_matches(key, _QUOTA_RESOURCES, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"{key!r} is not a ResourceQuota resource name{hint}")
    return hard


class ResourceQuota(MeshcModel):
    enabled: bool = Field(default=False, description="Emit a ResourceQuota for the namespace. Default: false.")
    hard: Annotated[dict[str, Quantity], AfterValidator(_check_quota_keys)] = Field(
        default_factory=dict,
        description="Hard limits, e.g. requests.cpu, limits.memory, pods, services, persistentvolumeclaims.",
    )


class EgressRule(MeshcModel):
    """Traffic leaving the namespace to addresses outside the cluster."""

    cidr: Cidr = Field(description="Destination range, e.g. 10.20.0.0/16 or 0.0.0.0/0.")
    except_: list[Cidr] = Field(default_factory=list, alias="except", description="Ranges inside cidr to keep closed. Default: none.")
    ports: list[Port] = Field(default_factory=list, description="TCP ports; empty means every port. Default: every port.")

    @model_validator(mode="after")
    def _exceptions_inside_the_range(self) -> EgressRule:
        outside = [c for c in self.except_ if not strict_subnet(c, self.cidr)]
        if outside:
            raise FieldRuleError("except", f"{outside[0]!r} is not inside cidr {self.cidr!r}, as Kubernetes requires of ipBlock.except")
        return self

    def opens(self, host: str, port: int) -> bool:
        """Whether this rule lets a pod reach host:port. A host name may resolve anywhere:
        only its port can be checked."""
        if self.ports and port not in self.ports:
            return False
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return True
        return address in ipaddress.ip_network(self.cidr) and not any(address in ipaddress.ip_network(c) for c in self.except_)


class ApiServer(MeshcModel):
    """Where the Kubernetes API server answers, as NetworkPolicies see it: its endpoint
    addresses and ports (`kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes`),
    not the `kubernetes` Service's cluster IP, which policies never match."""

    cidr: Cidr = Field(description="Address range of the API server endpoints, e.g. 10.0.0.0/28.")
    ports: list[Port] = Field(default_factory=lambda: [443, 6443], min_length=1, description="TCP ports it listens on. Default: 443 and 6443.")


class NetworkPolicies(MeshcModel):
    enabled: bool = Field(default=False, description="Default-deny the namespace, then allow what the mesh needs. Default: false.")
    allow_intra_namespace: bool = Field(default=True, description="Allow all traffic between pods of the namespace. Default: true.")
    allowed_namespaces: list[DnsLabel] = Field(
        default_factory=list, description="Namespaces whose pods may connect in. Default: none."
    )
    allowed_egress: list[EgressRule] = Field(
        default_factory=list,
        description=(
            "Destinations outside the cluster pods may reach (an external database, a public API). "
            "Default: none, so default-deny blocks them."
        ),
    )
    api_server: ApiServer | None = Field(
        default=None,
        description=(
            "The API server's endpoints. Required when Prometheus is enabled: it discovers the pods to "
            "scrape through the API, which default-deny blocks otherwise. Default: none."
        ),
    )


class PostgresqlAuth(MeshcModel):
    existing_secret: DnsLabel = Field(
        description="Secret with keys postgres-password and password; meshc never writes a password."
    )
    database: DnsLabel = Field(default="mcpmesh", description="Database name. Default: mcpmesh.")
    username: DnsLabel = Field(default="mcpmesh", description="Application user. Default: mcpmesh.")


class Postgresql(MeshcModel):
    enabled: bool = Field(default=False, description="Install PostgreSQL through Flux. Default: false.")
    release: DnsLabel = Field(default="postgresql", description="Release name, also its Service name. Default: postgresql.")
    chart: ChartSource = Field(
        default=ChartSource(url="oci://registry-1.docker.io/bitnamicharts", chart="postgresql", version="16.7.27"),
        description="Default: bitnami postgresql 16.7.27 (OCI).",
    )
    auth: PostgresqlAuth | None = Field(default=None, description="Credentials by Secret reference. Required when enabled.")
    persistence: Persistence = Field(default_factory=lambda: Persistence(enabled=True, size="8Gi"), description="Default: 8Gi.")
    metrics: bool = Field(default=False, description="Enable the metrics exporter. Default: false.")

    @model_validator(mode="after")
    def _auth_when_enabled(self) -> Postgresql:
        if self.enabled and self.auth is None:
            raise FieldRuleError("auth", "PostgreSQL needs auth.existingSecret; meshc never generates passwords")
        return self


class Prometheus(MeshcModel):
    enabled: bool = Field(default=False, description="Install Prometheus through Flux. Default: false.")
    release: DnsLabel = Field(default="prometheus", description="Release name. Default: prometheus.")
    chart: ChartSource = Field(
        default=ChartSource(url="https://prometheus-community.github.io/helm-charts", chart="prometheus", version="27.45.0"),
        description="Default: prometheus-community prometheus 27.45.0.",
    )
    retention: str = Field(default="15d", pattern=r"^[0-9]+(ms|s|m|h|d|w|y)$", description="TSDB retention. Default: 15d.")
    persistence: Persistence = Field(default_factory=lambda: Persistence(enabled=True, size="8Gi"), description="Default: 8Gi.")


class Grafana(MeshcModel):
    enabled: bool = Field(default=False, description="Install Grafana through Flux. Default: false.")
    release: DnsLabel = Field(default="grafana", description="Release name. Default: grafana.")
    chart: ChartSource = Field(
        default=ChartSource(url="https://grafana.github.io/helm-charts", chart="grafana", version="10.1.4"),
        description="Default: grafana 10.1.4.",
    )
    admin_secret: DnsLabel | None = Field(
        default=None, description="Secret with keys admin-user and admin-password. Required when enabled."
    )
    persistence: Persistence = Field(default_factory=Persistence, description="Default: no PVC.")

    @model_validator(mode="after")
    def _admin_secret_when_enabled(self) -> Grafana:
        if self.enabled and self.admin_secret is None:
            raise FieldRuleError("adminSecret", "Grafana needs adminSecret; meshc never generates passwords")
        return self


class PrometheusOperator(MeshcModel):
    """A Prometheus that the Prometheus operator runs outside this namespace; it finds the
    agents through ServiceMonitors (monitoring.coreos.com/v1), which meshc then writes."""

    enabled: bool = Field(default=False, description="Write a ServiceMonitor for every agent. Default: false.")
    namespace: DnsLabel = Field(default="monitoring", description="Namespace that Prometheus runs in. Default: monitoring.")
    pod_labels: dict[str, str] = Field(
        default_factory=lambda: {"app.kubernetes.io/name": "prometheus"},
        min_length=1,
        description="Labels of the Prometheus pods, which alone may scrape the agents. Default: app.kubernetes.io/name: prometheus.",
    )
    service_monitor_labels: dict[str, str] = Field(
        default_factory=dict,
        description="Labels the Prometheus resource's serviceMonitorSelector matches, e.g. release: kube-prometheus-stack. Default: none.",
    )


class Monitoring(MeshcModel):
    prometheus: Prometheus = Field(default_factory=Prometheus, description="Default: disabled.")
    grafana: Grafana = Field(default_factory=Grafana, description="Default: disabled.")
    prometheus_operator: PrometheusOperator = Field(
        default_factory=PrometheusOperator, description="Default: disabled (no ServiceMonitors)."
    )


class MeshCharts(MeshcModel):
    """The upstream mcp-mesh charts, used for components rendered as HelmReleases."""

    url: str = Field(default="oci://ghcr.io/dhyansraj/mcp-mesh", pattern=r"^(oci|https)://", description="Default: oci://ghcr.io/dhyansraj/mcp-mesh.")
    version: str = Field(
        default="3.6.0",
        pattern=r"^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$",
        description="Exact version of mcp-mesh-registry and mcp-mesh-agent. Default: 3.6.0.",
    )

    def source(self, chart: str) -> ChartSource:
        return ChartSource(url=self.url, chart=chart, version=self.version)


_URL_CREDENTIALS = re.compile(r"^[a-z]+://[^/@]*:[^/@]*@")


class Flux(MeshcModel):
    """How Flux reconciles what meshc writes."""

    namespace: DnsLabel = Field(default="flux-system", description="Namespace of the Kustomizations and the GitRepository. Default: flux-system.")
    interval: Duration = Field(default="10m", description="Reconcile interval of every Flux object. Default: 10m.")
    timeout: Duration = Field(default="5m", description="How long a layer or release may take to become ready. Default: 5m.")
    retries: int = Field(
        default=3, ge=0, le=INT32_MAX, description="Helm install/upgrade retries; a failed upgrade then rolls back (helm --atomic). Default: 3."
    )


class GitOps(MeshcModel):
    """Where Flux finds the repository that holds dist/."""

    url: str = Field(
        pattern=r"^(https|ssh|http)://",
        description="Git URL of the repository holding dist/, without credentials (use secretRef).",
    )
    branch: str = Field(default="main", min_length=1, description="Branch Flux follows. Default: main.")
    path: RepositoryPath | None = Field(
        default=None, description="Folder of this environment's output, inside the repository. Default: ./dist/<env>."
    )
    secret_ref: DnsLabel | None = Field(default=None, description="Secret with Git credentials. Default: none (public).")

    @model_validator(mode="after")
    def _no_credentials_in_the_url(self) -> GitOps:
        if _URL_CREDENTIALS.match(self.url):
            raise FieldRuleError(
                "url", "holds credentials, which would be written to dist/; put them in the Secret named by secretRef"
            )
        return self


class Validation(MeshcModel):
    """The checks every synth and `validate` run (docs/validate.md)."""

    kubernetes_version: str = Field(
        default="1.33",
        pattern=r"^1\.[0-9]+$",
        description='Kubernetes minor version whose API schema every object must match, quoted ("1.33"). Default: "1.33".',
    )
    strict_dependencies: bool = Field(
        default=False,
        description="Make an unresolved agent dependency or a dependency cycle an error, not a warning. Default: false.",
    )
    allow_literal_secrets: bool = Field(
        default=False,
        description="Allow secret-looking env vars (API_KEY, ...) with literal values; for development only. Default: false.",
    )

    @model_validator(mode="after")
    def _schemas_exist(self) -> Validation:
        from kubernetes_validate.utils import all_versions, major_minor

        shipped = sorted({major_minor(v) for v in all_versions()}, key=lambda v: int(v.split(".")[1]))
        if self.kubernetes_version not in shipped:
            raise FieldRuleError(
                "kubernetesVersion",
                f"no API schema for Kubernetes {self.kubernetes_version}; choose one of {shipped[0]} to {shipped[-1]}",
            )
        return self


class HelmUmbrella(MeshcModel):
    """An umbrella Helm release whose subcharts are the mcp-mesh charts (agents under aliases).

    With `naming: helm-compatible`, objects are named `<release>-<subchart>`, where the
    subchart is the registry's `name` and each agent's key (its alias), so Flux adopts them."""

    release: DnsLabel = Field(description="The umbrella's release name, e.g. mcp-platform.")
    chart: DnsLabel = Field(description="The umbrella chart's name; it becomes the app.kubernetes.io/part-of label.")


# --- the environment ----------------------------------------------------------------


class Environment(MeshcModel):
    """One environment file, after `extends` has been merged in."""

    extends: str | None = Field(
        default=None,
        description="A base file (relative path) this one extends: maps deep-merge, lists replace.",
    )
    naming: Literal["default", "helm-compatible"] = Field(
        default="default",
        description=(
            "default: short names; helm-compatible: the mcp-mesh charts' names "
            "(<release>-mcp-mesh-registry, <agent>-mcp-mesh-agent) so Flux can adopt a Helm install."
        ),
    )
    log_level: LogLevel = Field(
        default="INFO",
        description=(
            "Log level of the registry and every agent (MCP_MESH_LOG_LEVEL; DEBUG also sets "
            "MCP_MESH_DEBUG_MODE), the same in both render modes. Default: INFO."
        ),
    )
    helm_umbrella: HelmUmbrella | None = Field(
        default=None,
        description="The umbrella Helm release this environment adopts (needs naming: helm-compatible). Default: none.",
    )
    render: RenderMode = Field(
        default="manifests",
        description=(
            "How mesh components are delivered: manifests (meshc's own objects) or helmrelease "
            "(Flux HelmReleases of the mcp-mesh charts). Each component may override it."
        ),
    )
    flux: Flux = Field(default_factory=Flux, description="Flux reconcile settings.")
    gitops: GitOps | None = Field(
        default=None, description="The Git source Flux reads. Default: none, and no dist/<env>/flux folder."
    )
    mesh_charts: MeshCharts = Field(default_factory=MeshCharts, description="Default: mcp-mesh charts 3.6.0.")
    global_: Global = Field(default_factory=Global, alias="global", description="Settings shared by every component.")
    registry: Registry = Field(default_factory=Registry, description="The MCP Mesh registry.")
    agents: dict[DnsLabel, Agent] = Field(
        default_factory=dict,
        description=(
            "Agents by key. The key names the agent's objects and release and becomes MCP_MESH_AGENT_NAME, "
            "which only prefixes the agent's id; the name the registry shows comes from the agent's code."
        ),
    )
    resource_quota: ResourceQuota = Field(default_factory=ResourceQuota, description="Default: disabled.")
    network_policies: NetworkPolicies = Field(default_factory=NetworkPolicies, description="Default: disabled.")
    postgresql: Postgresql = Field(default_factory=Postgresql, description="Default: disabled.")
    monitoring: Monitoring = Field(default_factory=Monitoring, description="Default: disabled.")
    validation: Validation = Field(default_factory=Validation, description="Settings of the checks run on every synth and validate.")

    @model_validator(mode="after")
    def _prometheus_can_reach_the_api_server(self) -> Environment:
        if self.monitoring.prometheus.enabled and self.network_policies.enabled and self.network_policies.api_server is None:
            raise FieldRuleError(
                "networkPolicies.apiServer",
                "Prometheus finds the agents to scrape through the Kubernetes API, and default-deny blocks it; "
                "set networkPolicies.apiServer.cidr to the API server's endpoint addresses "
                "(kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes)",
            )
        return self

    @model_validator(mode="after")
    def _database_has_a_source(self) -> Environment:
        database = self.registry.database
        if isinstance(database, PostgresDatabase) and not database.is_external and not self.postgresql.enabled:
            raise FieldRuleError(
                "registry.database.host",
                "postgres needs an external database (host, database, username, passwordSecret) "
                "or postgresql.enabled: true",
            )
        return self

    @model_validator(mode="after")
    def _default_deny_lets_the_registry_reach_its_database(self) -> Environment:
        database, policies = self.registry.database, self.network_policies
        if not (self.registry.enabled and policies.enabled and isinstance(database, PostgresDatabase) and database.host):
            return self
        if not any(rule.opens(database.host, database.port) for rule in policies.allowed_egress):
            raise FieldRuleError(
                "networkPolicies.allowedEgress",
                f"default-deny keeps the registry from its database at {database.host}:{database.port}; "
                f"add a rule for the database's address range with ports: [{database.port}]",
            )
        return self

    def render_of(self, component: Registry | Agent) -> RenderMode:
        return component.render or self.render

    def enabled_agents(self) -> dict[str, Agent]:
        return {name: agent for name, agent in sorted(self.agents.items()) if agent.enabled}

    def release_order(self) -> dict[str, list[str]]:
        """agent -> agent HelmReleases it waits for: its providers, when both are HelmReleases."""
        released = {n: a for n, a in self.enabled_agents().items() if self.render_of(a) == "helmrelease"}
        return consumer_edges(
            {n: a.capabilities for n, a in released.items()}, {n: a.dependencies for n, a in released.items()}
        )

    @model_validator(mode="after")
    def _release_order_is_acyclic(self) -> Environment:
        found = cycles(self.release_order())
        if found:
            cycle = found[0]
            raise FieldRuleError(
                f"agents.{cycle[0]}.dependencies",
                f"the HelmRelease order has a cycle ({' -> '.join(cycle)}), so Flux would wait forever; "
                "render one of these agents as manifests (render: manifests) or drop a dependency",
            )
        return self

    @model_validator(mode="after")
    def _agents_need_a_registry(self) -> Environment:
        if not self.registry.enabled and any(agent.enabled for agent in self.agents.values()):
            raise FieldRuleError("registry", "agents are enabled but the registry is disabled; agents need a registry")
        return self

    @model_validator(mode="after")
    def _derived_names_fit(self) -> Environment:
        registry = self.registry
        releases = [("registry.name", registry.name, REGISTRY_CHART, ("config", "headless") + ("data",) * registry.persistence.enabled)]
        releases += [
            (f"agents.{name}", name, AGENT_CHART, ("config",) + ("data",) * agent.persistence.enabled)
            for name, agent in self.agents.items()
        ]
        for key_path, release, chart, suffixes in releases:
            umbrella = self.helm_umbrella.release if self.helm_umbrella else None
            overlong = too_long(component_names(release, chart, self.naming, umbrella), suffixes)
            if overlong:
                raise FieldRuleError(
                    key_path,
                    f"derived name {overlong[0]!r} is {len(overlong[0])} characters, "
                    f"over the Kubernetes limit of {MAX_NAME_LENGTH}; choose a shorter name",
                )
        return self

    @model_validator(mode="after")
    def _umbrella_needs_helm_naming(self) -> Environment:
        if self.helm_umbrella is None:
            return self
        if self.naming != "helm-compatible":
            raise FieldRuleError("naming", "helmUmbrella adopts a Helm install; it needs naming: helm-compatible")
        components = {"registry": self.registry, **{f"agents.{n}": a for n, a in self.agents.items()}}
        released = [key for key, component in components.items() if self.render_of(component) == "helmrelease"]
        if released:
            raise FieldRuleError(
                "helmUmbrella",
                f"{released[0]} renders as a HelmRelease of its own chart, which cannot keep the umbrella's names; "
                "use render: manifests",
            )
        return self
