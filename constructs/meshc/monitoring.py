"""Prometheus and Grafana, installed by Flux from pinned charts, and how they watch the mesh.

Agents serve Prometheus metrics on /metrics on their HTTP port; the registry serves none and
is never scraped. The Prometheus chart meshc installs finds targets by the `prometheus.io/*`
pod annotations (its `kubernetes-pods` job, through Kubernetes service discovery), so
`scrape_by_annotations` puts them on each agent's pods. A Prometheus run by the Prometheus
operator finds targets through ServiceMonitors instead (`AgentServiceMonitor`). Grafana loads
the mesh dashboard from a ConfigMap mounted through the chart's `dashboardProviders` and
`dashboardsConfigMaps` values: file provisioning, which needs no access to the API server
(the chart's dashboard sidecar would, through default-deny).
"""

from __future__ import annotations

from meshc import model
from meshc.context import NAME_LABEL
from meshc.dashboard import dashboard_json
from meshc.helm_release import ChartRelease, ChartSources, SecretValue, persistence_values
from meshc.imports.servicemonitor.com.coreos.monitoring import (
    ServiceMonitor,
    ServiceMonitorSpec,
    ServiceMonitorSpecEndpoints,
    ServiceMonitorSpecSelector,
)
from meshc.naming import AGENT_CHART
from meshc.origin import Origin
from meshc.runtime import Construct, MeshChart, k8s
# The Service port name of every agent, in both render modes (meshc.workload and the agent chart).
from meshc.workload_plan import HTTP_PORT_NAME

# The Prometheus server's container port (its Service maps port 80 to it).
PROMETHEUS_PORT = 9090
METRICS_PATH = "/metrics"
GRAFANA_ADMIN_USER_KEY = "admin-user"
GRAFANA_ADMIN_PASSWORD_KEY = "admin-password"
DASHBOARDS_CONFIGMAP = "mcp-mesh-dashboards"
DASHBOARD_PROVIDER = "mcp-mesh"
DASHBOARD_FILE = "mcp-mesh.json"


def scrape_annotations(port: int) -> dict[str, str]:
    """What the Prometheus chart's `kubernetes-pods` job reads from a pod."""
    return {"prometheus.io/scrape": "true", "prometheus.io/port": str(port), "prometheus.io/path": METRICS_PATH}


class AgentServiceMonitor(Construct):
    """One ServiceMonitor for every agent Service of the namespace, on the port both render modes name `http`."""

    def __init__(self, scope: Construct, id: str, *, namespace: str, labels: dict[str, str], operator: model.PrometheusOperator):
        super().__init__(scope, id)
        monitor = ServiceMonitor(
            self,
            "ServiceMonitor",
            metadata={"name": "mcp-mesh-agents", "namespace": namespace, "labels": {**labels, **operator.service_monitor_labels}},
            spec=ServiceMonitorSpec(
                selector=ServiceMonitorSpecSelector(match_labels={NAME_LABEL: AGENT_CHART}),
                endpoints=[ServiceMonitorSpecEndpoints(port=HTTP_PORT_NAME, path=METRICS_PATH, interval="30s")],
            ),
        )
        MeshChart.of(scope).add_typed(monitor, Origin.monitoring())


class Monitoring(Construct):
    """HelmReleases for the monitoring the environment enables; Grafana reads Prometheus when both run."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: model.Monitoring,
        namespace: str,
        labels: dict[str, str],
        sources: ChartSources,
        flux: model.Flux,
    ):
        super().__init__(scope, id)
        self.namespace = namespace
        self.labels = labels
        self._release_settings = {"namespace": namespace, "labels": labels, "sources": sources, "flux": flux,
                                  "origin": Origin.monitoring()}
        if spec.prometheus.enabled:
            self._add_prometheus(spec.prometheus)
        if spec.grafana.enabled:
            self._add_grafana(spec.grafana, spec.prometheus)

    def _add_prometheus(self, prometheus: model.Prometheus) -> None:
        ChartRelease(
            self,
            "Prometheus",
            release=prometheus.release,
            chart=prometheus.chart,
            values={
                # The mesh needs the server only. The chart's other parts are cluster-wide
                # (a node-exporter DaemonSet on host port 9100, kube-state-metrics) and would
                # collide with any monitoring the cluster already runs.
                "alertmanager": {"enabled": False},
                "kube-state-metrics": {"enabled": False},
                "prometheus-node-exporter": {"enabled": False},
                "prometheus-pushgateway": {"enabled": False},
                "server": {
                    "fullnameOverride": f"{prometheus.release}-server",
                    "retention": prometheus.retention,
                    "persistentVolume": persistence_values(prometheus.persistence),
                }
            },
            **self._release_settings,
        )

    def _add_grafana(self, grafana: model.Grafana, prometheus: model.Prometheus) -> None:
        values = {
            "fullnameOverride": grafana.release,
            "persistence": persistence_values(grafana.persistence, storage_class_key="storageClassName"),
        }
        if prometheus.enabled:
            values.update(self._dashboard())
            datasource = {
                "name": "Prometheus",
                "type": "prometheus",
                "access": "proxy",
                "isDefault": True,
                "url": f"http://{prometheus.release}-server.{self.namespace}.svc",
            }
            values["datasources"] = {"datasources.yaml": {"apiVersion": 1, "datasources": [datasource]}}
        ChartRelease(
            self,
            "Grafana",
            release=grafana.release,
            chart=grafana.chart,
            values=values,
            secret_values=(
                SecretValue(grafana.admin_secret, GRAFANA_ADMIN_USER_KEY, "adminUser"),
                SecretValue(grafana.admin_secret, GRAFANA_ADMIN_PASSWORD_KEY, "adminPassword"),
            ),
            depends_on=(prometheus.release,) if prometheus.enabled else (),
            **self._release_settings,
        )

    def _dashboard(self) -> dict:
        """The mesh dashboard's ConfigMap, and the Grafana values that mount and provision it."""
        config_map = k8s.KubeConfigMap(
            self,
            "Dashboards",
            metadata=k8s.ObjectMeta(name=DASHBOARDS_CONFIGMAP, namespace=self.namespace, labels=self.labels),
            data={DASHBOARD_FILE: dashboard_json(self.namespace)},
        )
        MeshChart.of(self).add_typed(config_map, Origin.monitoring())
        provider = {
            "name": DASHBOARD_PROVIDER,
            "orgId": 1,
            "folder": "MCP Mesh",
            "type": "file",
            "disableDeletion": True,
            "editable": False,
            "options": {"path": f"/var/lib/grafana/dashboards/{DASHBOARD_PROVIDER}"},
        }
        return {
            "dashboardProviders": {"dashboardproviders.yaml": {"apiVersion": 1, "providers": [provider]}},
            "dashboardsConfigMaps": {DASHBOARD_PROVIDER: DASHBOARDS_CONFIGMAP},
        }
