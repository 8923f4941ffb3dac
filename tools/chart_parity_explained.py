"""The runtime differences between the render modes that remain, each with why it is harmless.

The one list `tools/chart_parity.py` reads: a difference it finds is explained
when an entry here names its component kind and field and accepts its two
values; every other difference is unexplained and fails the run. Evidence is
cited from the real runtime meshc is tested against: the mcp-mesh-registry
binary (Go source at tag v3.6.0 of dhyansraj/mcp-mesh: src/core/config/config.go,
cmd/mcp-mesh-registry/main.go, src/core/registry/server.go), the SDK
(PyPI mcp-mesh 3.8.0: packages mesh, _mcp_mesh and the mcp_mesh_core
extension), and the 3.6.0 charts' templates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

NOTHING_READS = "the agent's runtime never reads it: SDK 3.8.0 does not name it (mesh, _mcp_mesh, nor the mcp_mesh_core extension)"
TOKEN = (
    "the chart mounts the ServiceAccount token (neither its pod spec nor its ServiceAccount sets "
    "automountServiceAccountToken, and no value key does); nothing in the pod uses it: {who}"
)
TRACING_OFF = (
    "read only by the registry's tracing manager, which it builds only when "
    "MCP_MESH_DISTRIBUTED_TRACING_ENABLED is 'true' (server.go); both modes set 'false'"
)
REFUSED = "meshc refuses this registry as a HelmRelease ({check}, constructs/meshc/checks/charts.py): {why}"


@dataclass(frozen=True)
class Difference:
    kind: str  # registry or agent
    field: str  # dotted path in tools/chart_parity.runtime_view
    manifests: Any
    chart: Any
    refused: frozenset[str]  # the charts checks that refuse this component as a HelmRelease


@dataclass(frozen=True)
class Explained:
    kind: str
    field: str  # this field or anything under it
    reason: str
    when: Callable[[Any, Any], bool] = lambda manifests, chart: True
    refused_by: str | None = None  # explained only where this check refuses the component

    def covers(self, difference: Difference) -> bool:
        return (
            difference.kind == self.kind
            and (difference.field == self.field or difference.field.startswith(self.field + "."))
            and (self.refused_by is None or self.refused_by in difference.refused)
            and self.when(difference.manifests, difference.chart)
        )


def chart_only(value: Any = None) -> Callable[[Any, Any], bool]:
    """Absent in manifests mode; set by the chart (to `value`, when given)."""
    return lambda manifests, chart: manifests is None and (value is None or chart == value)


def binary_default(name: str, value: str) -> Explained:
    return Explained(
        "registry", f"env.{name}",
        f"the registry reads it with default {value!r} (config.go / main.go): the chart's value is that default",
        chart_only(value),
    )


EXPLAINED: tuple[Explained, ...] = (
    # --- agents ------------------------------------------------------------------
    Explained("agent", "automountServiceAccountToken",
              TOKEN.format(who="the SDK has no Kubernetes client (no token or in-cluster config read)"),
              lambda manifests, chart: manifests is False and chart is True),
    Explained("agent", "env.MCP_MESH_TRACING_ENABLED", NOTHING_READS, chart_only()),
    Explained("agent", "env.MCP_MESH_METRICS_ENABLED", NOTHING_READS, chart_only()),
    Explained("agent", "env.TELEMETRY_ENDPOINT", NOTHING_READS, chart_only()),
    Explained("agent", "env.SERVICE_NAME",
              f"{NOTHING_READS}; the chart's own comment says so (mcp-mesh-agent deployment.yaml)", chart_only()),
    Explained("agent", "env.NAMESPACE",
              f"{NOTHING_READS}; the chart's own comment says so (mcp-mesh-agent deployment.yaml)", chart_only()),
    Explained("agent", "env.POD_NAMESPACE", f"{NOTHING_READS}; meshc's downward-API metadata for the agent's own code",
              lambda manifests, chart: manifests == "<field metadata.namespace>" and chart is None),
    Explained("agent", "env.REGISTRY_HOST",
              "the chart's ConfigMap key behind MCP_MESH_REGISTRY_HOST (a configMapKeyRef), which both modes set "
              "alike; the SDK reads only the MCP_MESH_ name", chart_only()),
    Explained("agent", "env.REGISTRY_PORT",
              "the chart's ConfigMap key behind MCP_MESH_REGISTRY_PORT (a configMapKeyRef), which both modes set "
              "alike; the SDK reads only the MCP_MESH_ name", chart_only()),
    Explained("agent", "env.MCP_MESH_REDIS_TRACE_PUBLISHING",
              "the SDK reads it with default 'true' (_mcp_mesh/engine/unified_mcp_proxy.py): the chart's value is "
              "that default", chart_only("true")),
    Explained("agent", "env.REDIS_URL",
              "the SDK's own default (_mcp_mesh/engine/http_wrapper.py), which meshc passes to the chart as "
              "agent.observability.distributedTracing.redisUrl and manifests mode gets by leaving it out",
              chart_only("redis://localhost:6379")),
    # --- registry ----------------------------------------------------------------
    Explained("registry", "automountServiceAccountToken",
              TOKEN.format(who="the registry calls the API only for the k8s-secrets trust backend (server.go), "
                               "which needs MCP_MESH_TRUST_BACKEND, set in neither mode"),
              lambda manifests, chart: manifests is False and chart is True),
    *(Explained("registry", f"env.{name}",
                "the chart's ConfigMap spells out the database for its wait-for-db init container; the binary "
                "reads only DATABASE_URL (config.go), equal in both modes", chart_only())
      for name in ("DATABASE_TYPE", "DATABASE_PATH", "DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USERNAME")),
    Explained("registry", "env.DATABASE_PASSWORD",
              "the chart's own Secret holds an empty password (meshc gives it none); the binary does not read "
              "DATABASE_PASSWORD, and both modes give it PGPASSWORD from the PostgreSQL release's Secret",
              chart_only("")),
    binary_default("DB_CONNECTION_TIMEOUT", "30"),
    binary_default("DB_MAX_OPEN_CONNECTIONS", "25"),
    binary_default("DB_MAX_IDLE_CONNECTIONS", "5"),
    binary_default("DB_CONN_MAX_LIFETIME", "300"),
    binary_default("MCP_MESH_TLS_MODE", "off"),
    Explained("registry", "env.MCP_MESH_TRUST_DIR",
              "read only by the filestore and localca trust backends (server.go), which need "
              "MCP_MESH_TRUST_BACKEND, set in neither mode", chart_only()),
    Explained("registry", "env.MCP_MESH_K8S_LABEL_SELECTOR",
              "read only by the k8s-secrets trust backend (server.go), which needs MCP_MESH_TRUST_BACKEND, "
              "set in neither mode", chart_only()),
    Explained("registry", "env.MCP_MESH_TRACE_RETENTION", TRACING_OFF, chart_only()),
    Explained("registry", "env.TRACE_EXPORTER_TYPE", TRACING_OFF, chart_only()),
    Explained("registry", "env.TELEMETRY_ENDPOINT", TRACING_OFF, chart_only()),
    Explained("registry", "ports",
              "the chart declares a containerPort 9090 `metrics` that nothing listens on (no 9090 in the registry's "
              "Go source; it serves /metrics on its http port); a containerPort opens nothing",
              lambda manifests, chart: sorted(map(tuple, chart)) == sorted([*map(tuple, manifests), (9090, "TCP")])),
    Explained("registry", "initContainers", REFUSED.format(
        check="charts.wait-for-db", why="the chart's wait-for-db would wait for a host meshc cannot name"),
        refused_by="charts.wait-for-db"),
    Explained("registry", "initContainers",
              "the chart's wait-for-db waits until meshc's PostgreSQL release accepts TCP; without it the manifests "
              "registry exits when the database does not answer ('Failed to initialize database', main.go) and the "
              "kubelet restarts it until it does: the same registry, started later. The quota check counts the "
              "init container's missing resources (constructs/meshc/checks/quota.py)",
              lambda manifests, chart: not manifests and [c["name"] for c in chart] == ["wait-for-db"]),
    Explained("registry", "strategy", REFUSED.format(
        check="charts.rollout", why="the chart's hard-coded RollingUpdate (maxSurge 1, maxUnavailable 0) could never "
        "finish with this volume or anti-affinity"), refused_by="charts.rollout"),
    Explained("registry", "strategy",
              "sqlite without persistence: the chart's surge pod opens its own emptyDir database instead of sharing "
              "a file, and agents re-register on their next heartbeat, so meshc accepts the chart's RollingUpdate "
              "(constructs/meshc/checks/charts.py) where its manifests replace the pod (Recreate)",
              lambda manifests, chart: manifests in (None, "Recreate")),
)


def explanation(difference: Difference) -> str | None:
    """Why `difference` is harmless, or None when nothing in EXPLAINED covers it."""
    return next((entry.reason for entry in EXPLAINED if entry.covers(difference)), None)
