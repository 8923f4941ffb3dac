"""What surrounds the mesh: quota, network policies, data, monitoring, charts, delivery and checks."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from meshc.kube_values import INT32_MAX, Cidr, RepositoryPath, strict_subnet
from meshc.model.base import DnsLabel, Duration, FieldRuleError, MeshcModel, Port, Quantity
from meshc.model.parts import ChartSource, Persistence


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


class HelmUmbrella(MeshcModel):
    """An umbrella Helm release whose subcharts are the mcp-mesh charts (agents under aliases).

    With `naming: helm-compatible`, objects are named `<release>-<subchart>`, where the
    subchart is the registry's `name` and each agent's key (its alias), so Flux adopts them."""

    release: DnsLabel = Field(description="The umbrella's release name, e.g. mcp-platform.")
    chart: DnsLabel = Field(description="The umbrella chart's name; it becomes the app.kubernetes.io/part-of label.")
