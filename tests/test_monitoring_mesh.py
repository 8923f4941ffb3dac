"""Monitoring that watches the mesh: agents scraped on their real port and path, Prometheus let
through the NetworkPolicies (to the agents and to the API server), the dashboard provisioned."""

from __future__ import annotations

import json

import pytest

from meshc.synth import Project, load_and_build

SCRAPED = """
global: {namespace: watch}
agents:
  echo-agent: {http: {port: 9000}}
  chart-agent: {render: helmrelease}
monitoring:
  prometheus: {enabled: true}
  grafana: {enabled: true, adminSecret: grafana-admin}
networkPolicies:
  enabled: true
  allowIntraNamespace: false
  apiServer: {cidr: 10.0.0.0/28}
"""
OPERATOR = """
global: {namespace: watch}
agents:
  echo-agent: {}
monitoring:
  prometheusOperator:
    enabled: true
    namespace: observability
    serviceMonitorLabels: {release: kube-prometheus-stack}
networkPolicies: {enabled: true, allowIntraNamespace: false}
"""
UNWATCHED = "global: {namespace: watch}\nagents:\n  echo-agent: {}\nnetworkPolicies: {enabled: true}\n"


def build(tmp_path_factory, text: str):
    root = tmp_path_factory.mktemp("watch")
    (root / "environments").mkdir()
    (root / "environments" / "watch.yaml").write_text(text)
    [built] = load_and_build(Project(root), [])
    return built


def one(built, kind: str, name: str) -> dict:
    (found,) = [m.obj for m in built.manifests if m.kind == kind and m.name == name]
    return found


@pytest.fixture(scope="module")
def scraped(tmp_path_factory):
    return build(tmp_path_factory, SCRAPED)


@pytest.fixture(scope="module")
def operator(tmp_path_factory):
    return build(tmp_path_factory, OPERATOR)


def pod_annotations(deployment: dict) -> dict:
    return deployment["spec"]["template"]["metadata"].get("annotations") or {}


def test_agent_pods_carry_the_annotations_the_prometheus_chart_scrapes_by(scraped):
    annotations = pod_annotations(one(scraped, "Deployment", "echo-agent"))
    assert {k: v for k, v in annotations.items() if k.startswith("prometheus.io/")} == {
        "prometheus.io/scrape": "true", "prometheus.io/port": "9000", "prometheus.io/path": "/metrics"}


def test_an_agent_rendered_by_the_chart_gets_them_through_pod_annotations(scraped):
    values = one(scraped, "HelmRelease", "chart-agent")["spec"]["values"]
    assert values["podAnnotations"] == {
        "prometheus.io/scrape": "true", "prometheus.io/port": "8080", "prometheus.io/path": "/metrics"}


def test_the_registry_serves_no_metrics_and_is_not_scraped(scraped):
    assert not any(k.startswith("prometheus.io/") for k in pod_annotations(one(scraped, "Deployment", "mcp-registry")))


def test_only_prometheus_may_reach_the_agents_metrics_ports(scraped):
    ingress = one(scraped, "NetworkPolicy", "allow-prometheus-to-agents-ingress")["spec"]
    assert ingress["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "mcp-mesh-agent"}}
    (rule,) = ingress["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {
        "app.kubernetes.io/instance": "prometheus", "app.kubernetes.io/name": "prometheus"}}}]
    assert [p["port"] for p in rule["ports"]] == [8080, 9000]
    egress = one(scraped, "NetworkPolicy", "allow-prometheus-to-agents-egress")["spec"]
    assert egress["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "prometheus"


def test_prometheus_may_reach_the_api_server_for_discovery(scraped):
    policy = one(scraped, "NetworkPolicy", "allow-prometheus-to-apiserver-egress")["spec"]
    (rule,) = policy["egress"]
    assert rule["to"] == [{"ipBlock": {"cidr": "10.0.0.0/28"}}]
    assert [p["port"] for p in rule["ports"]] == [443, 6443]
    assert policy["podSelector"]["matchLabels"] == {"app.kubernetes.io/instance": "prometheus", "app.kubernetes.io/name": "prometheus"}


def test_grafana_mounts_the_dashboard_configmap_where_its_provider_reads(scraped):
    values = one(scraped, "HelmRelease", "grafana")["spec"]["values"]
    (provider,) = values["dashboardProviders"]["dashboardproviders.yaml"]["providers"]
    (configmap_name,) = values["dashboardsConfigMaps"].values()
    # The chart mounts each dashboardsConfigMaps entry at /var/lib/grafana/dashboards/<key>.
    (key,) = values["dashboardsConfigMaps"]
    assert provider["options"]["path"] == f"/var/lib/grafana/dashboards/{key}" and provider["type"] == "file"
    dashboard = json.loads(one(scraped, "ConfigMap", configmap_name)["data"]["mcp-mesh.json"])
    assert dashboard["title"] == "MCP Mesh (watch)"
    layer = {m.layer for m in scraped.manifests if m.kind == "ConfigMap" and m.name == configmap_name}
    assert layer == {"monitoring"}


def test_an_operator_prometheus_gets_a_service_monitor_for_every_agent(operator):
    monitor = one(operator, "ServiceMonitor", "mcp-mesh-agents")
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    assert monitor["spec"]["selector"] == {"matchLabels": {"app.kubernetes.io/name": "mcp-mesh-agent"}}
    assert monitor["spec"]["endpoints"] == [{"interval": "30s", "path": "/metrics", "port": "http"}]
    service_ports = one(operator, "Service", "echo-agent")["spec"]["ports"]
    assert [p["name"] for p in service_ports] == ["http"]


def test_an_operator_prometheus_may_reach_the_agents_from_its_namespace(operator):
    (rule,) = one(operator, "NetworkPolicy", "allow-prometheus-operator-to-agents-ingress")["spec"]["ingress"]
    assert rule["from"] == [{
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}},
        "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
    }]
    assert not any(k.startswith("prometheus.io/") for k in pod_annotations(one(operator, "Deployment", "echo-agent")))


def test_without_monitoring_nothing_is_scraped_or_opened(tmp_path_factory):
    built = build(tmp_path_factory, UNWATCHED)
    assert not any("prometheus" in m.name for m in built.manifests)
    assert not any(k.startswith("prometheus.io/") for k in pod_annotations(one(built, "Deployment", "echo-agent")))


def test_prometheus_behind_default_deny_needs_the_api_server_range(make_project, use_project, cli_runner):
    import main

    project = make_project({"watch.yaml": "global: {namespace: watch}\nmonitoring:\n  prometheus: {enabled: true}\n"
                                          "networkPolicies:\n  enabled: true\n"})
    use_project(project)
    result = cli_runner.invoke(main.cli, ["validate", "--env", "watch"])
    assert result.exit_code == 2
    assert "environments/watch.yaml:4 networkPolicies.apiServer: Prometheus finds the agents to scrape" in result.stderr
