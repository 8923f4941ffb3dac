"""Prometheus and Grafana as HelmReleases: only what the mesh needs, passwords by reference."""

from __future__ import annotations

import pytest

from meshc.synth import Project, load_and_build

ENVIRONMENT = """
global: {namespace: watch}
monitoring:
  prometheus: {enabled: true, retention: 30d}
  grafana: {enabled: true, adminSecret: grafana-admin, persistence: {enabled: true, storageClass: fast}}
"""


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("monitoring")
    (root / "environments").mkdir()
    (root / "environments" / "watch.yaml").write_text(ENVIRONMENT)
    [built] = load_and_build(Project(root), [])
    return {m.name: m.obj["spec"] for m in built.manifests if m.kind == "HelmRelease"}


def test_prometheus_installs_only_its_server(releases):
    values = releases["prometheus"]["values"]
    for part in ("alertmanager", "kube-state-metrics", "prometheus-node-exporter", "prometheus-pushgateway"):
        assert values[part] == {"enabled": False}
    assert values["server"]["retention"] == "30d"


def test_grafana_reads_prometheus_and_its_admin_password_by_reference(releases):
    grafana = releases["grafana"]
    datasource = grafana["values"]["datasources"]["datasources.yaml"]["datasources"][0]
    assert datasource["url"] == "http://prometheus-server.watch.svc"
    assert grafana["values"]["persistence"]["storageClassName"] == "fast"
    assert {v["targetPath"] for v in grafana["valuesFrom"]} == {"adminUser", "adminPassword"}
    assert grafana["dependsOn"] == [{"name": "prometheus"}]
