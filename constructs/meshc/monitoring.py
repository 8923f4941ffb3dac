"""Prometheus and Grafana, installed by Flux from pinned charts."""

from __future__ import annotations

from meshc import model
from meshc.helm_release import ChartRelease, ChartSources, SecretValue, persistence_values
from meshc.runtime import Construct

# The Prometheus server's container port (its Service maps port 80 to it).
PROMETHEUS_PORT = 9090


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
        common = {"namespace": namespace, "labels": labels, "sources": sources, "flux": flux}
        prometheus = spec.prometheus
        if prometheus.enabled:
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
                **common,
            )
        grafana = spec.grafana
        if grafana.enabled:
            values = {
                "fullnameOverride": grafana.release,
                "persistence": persistence_values(grafana.persistence, storage_class_key="storageClassName"),
            }
            if prometheus.enabled:
                values["datasources"] = {
                    "datasources.yaml": {
                        "apiVersion": 1,
                        "datasources": [
                            {
                                "name": "Prometheus",
                                "type": "prometheus",
                                "access": "proxy",
                                "isDefault": True,
                                "url": f"http://{prometheus.release}-server.{namespace}.svc",
                            }
                        ],
                    }
                }
            ChartRelease(
                self,
                "Grafana",
                release=grafana.release,
                chart=grafana.chart,
                values=values,
                secret_values=(
                    SecretValue(grafana.admin_secret, "admin-user", "adminUser"),
                    SecretValue(grafana.admin_secret, "admin-password", "adminPassword"),
                ),
                depends_on=(prometheus.release,) if prometheus.enabled else (),
                **common,
            )
