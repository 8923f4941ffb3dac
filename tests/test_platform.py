"""`Platform`: one environment composed from a `model.Environment` built in Python:
which objects exist, how they are labelled and named, and the NetworkPolicies the
mesh needs."""

from __future__ import annotations

import re

import pytest

from meshc import model

LABEL_KEYS = {
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
    "meshc.io/environment",
}
DNS_1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
POSTGRES = model.PostgresDatabase(type="postgres", url_secret=model.SecretKeyRef(secret="registry-db", key="database-url"))


@pytest.fixture(scope="module")
def build_platform(render):
    """build_platform(environment=model.Environment, name="test") -> Objects of its Platform."""
    from meshc.platform import Platform

    def build(environment: model.Environment, name: str = "test"):
        return render(lambda chart: Platform(chart, "Platform", environment=name, spec=environment))

    return build


def environment(**fields) -> model.Environment:
    """An environment in namespace `mesh` with agents `a` and `b` unless `fields` say otherwise."""
    return model.Environment(**{"global_": model.Global(namespace="mesh"), "agents": {"a": model.Agent(), "b": model.Agent()}, **fields})


@pytest.fixture(scope="module")
def isolated(build_platform):
    """Network policies without blanket intra-namespace traffic: only the mesh's own paths."""
    return build_platform(
        environment(
            registry=model.Registry(name="central", service=model.RegistryService(port=9000)),
            agents={"a": model.Agent(http=model.AgentHttp(port=8081)), "b": model.Agent()},
            network_policies=model.NetworkPolicies(enabled=True, allow_intra_namespace=False, allowed_namespaces=["monitoring"]),
        )
    )


@pytest.fixture(scope="module")
def everything(build_platform):
    """Every optional object of the mesh at once, in helm-compatible naming."""
    return build_platform(
        environment(
            naming="helm-compatible",
            registry=model.Registry(
                database=POSTGRES,
                replicas=2,
                persistence=model.Persistence(enabled=True, access_mode="ReadWriteMany"),
                disruption_budget=model.DisruptionBudget(enabled=True),
                ingress=model.Ingress(enabled=True, host="registry.example.com"),
            ),
            agents={
                "weather-agent": model.Agent(
                    autoscaling=model.Autoscaling(enabled=True, min_replicas=2),
                    persistence=model.Persistence(enabled=True, access_mode="ReadWriteMany"),
                    disruption_budget=model.DisruptionBudget(enabled=True),
                    ingress=model.Ingress(enabled=True, host="weather.example.com"),
                )
            },
            resource_quota=model.ResourceQuota(enabled=True, hard={"pods": "20"}),
            network_policies=model.NetworkPolicies(enabled=True, allowed_namespaces=["monitoring"]),
        )
    )


def policy_names(objects) -> list[str]:
    return sorted(o["metadata"]["name"] for o in objects.of_kind("NetworkPolicy"))


# --- labels and names ------------------------------------------------------------------


def test_every_object_carries_the_common_labels(everything):
    for obj in everything:
        labels = obj["metadata"]["labels"]
        assert LABEL_KEYS <= set(labels), (obj["kind"], obj["metadata"]["name"])
        assert labels["app.kubernetes.io/managed-by"] == "meshc"
        assert labels["app.kubernetes.io/part-of"] == "mcp-mesh"


def test_every_object_is_labelled_with_its_environment(build_platform):
    objects = build_platform(environment(), name="staging")
    assert {obj["metadata"]["labels"]["meshc.io/environment"] for obj in objects} == {"staging"}


def test_every_name_is_a_dns_label_of_at_most_63_characters(everything):
    for _, name in everything.kinds():
        assert DNS_1123.match(name) and len(name) <= 63, name


def test_no_two_objects_share_kind_and_name(everything):
    kinds = everything.kinds()
    assert len(kinds) == len(set(kinds))


def test_helm_compatible_platform_uses_the_charts_names(everything):
    assert everything.one("Deployment", "mcp-registry-mcp-mesh-registry")
    assert everything.one("Deployment", "weather-agent-mcp-mesh-agent")
    assert everything.one("PersistentVolumeClaim", "weather-agent-mcp-mesh-agent-data")


def test_every_namespaced_object_is_in_the_environment_namespace(everything):
    namespaced = [o for o in everything if o["kind"] != "Namespace"]
    assert {o["metadata"]["namespace"] for o in namespaced} == {"mesh"}


# --- which objects --------------------------------------------------------------------


def test_namespace_is_created_by_default(build_platform):
    assert build_platform(environment()).one("Namespace", "mesh")


def test_namespace_is_left_out_when_create_namespace_is_false(build_platform):
    objects = build_platform(environment(global_=model.Global(namespace="mesh", create_namespace=False)))
    assert objects.of_kind("Namespace") == []


def test_quota_is_written_only_when_enabled(build_platform, everything):
    assert build_platform(environment()).of_kind("ResourceQuota") == []
    assert everything.one("ResourceQuota", "mcp-mesh-quota")["spec"]["hard"] == {"pods": "20"}


def test_disabled_agent_leaves_no_object(build_platform):
    objects = build_platform(environment(agents={"a": model.Agent(), "b": model.Agent(enabled=False)}))
    assert [name for _, name in objects.kinds() if name.startswith("b")] == []
    assert objects.one("Deployment", "a")


def test_disabled_registry_with_disabled_agents_writes_only_the_namespace(build_platform):
    objects = build_platform(environment(registry=model.Registry(enabled=False), agents={"a": model.Agent(enabled=False)}))
    assert objects.kinds() == [("Namespace", "mesh")]


def test_every_agent_is_wired_to_the_platform_registry(isolated):
    for agent in ("a", "b"):
        assert isolated.effective_env(agent)["MCP_MESH_REGISTRY_URL"] == "http://central:9000"


# --- network policies ------------------------------------------------------------------


def test_network_policies_are_absent_unless_enabled(build_platform):
    assert build_platform(environment()).of_kind("NetworkPolicy") == []


def test_intra_namespace_policy_replaces_the_mesh_paths(everything):
    assert policy_names(everything) == ["allow-dns-egress", "allow-from-namespaces", "allow-intra-namespace", "default-deny"]


def test_without_intra_namespace_traffic_agents_may_reach_the_registry_and_each_other(isolated):
    assert policy_names(isolated) == [
        "allow-agents-to-agents-egress",
        "allow-agents-to-agents-ingress",
        "allow-agents-to-registry-egress",
        "allow-agents-to-registry-ingress",
        "allow-dns-egress",
        "allow-from-namespaces",
        "default-deny",
    ]


def test_agents_reach_the_registry_on_its_service_port(isolated):
    egress = isolated.one("NetworkPolicy", "allow-agents-to-registry-egress")["spec"]
    assert egress["egress"][0]["ports"] == [{"port": 9000, "protocol": "TCP"}]
    assert egress["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "mcp-mesh-agent"}}
    (target,) = egress["egress"][0]["to"]
    registry_pods = isolated.one("Deployment", "central")["spec"]["template"]["metadata"]["labels"]
    assert set(target["podSelector"]["matchLabels"].items()) <= set(registry_pods.items())


def test_agents_reach_each_other_on_every_agent_port(isolated):
    ingress = isolated.one("NetworkPolicy", "allow-agents-to-agents-ingress")["spec"]
    assert ingress["ingress"][0]["ports"] == [{"port": 8080, "protocol": "TCP"}, {"port": 8081, "protocol": "TCP"}]


def test_network_policies_carry_the_platform_labels(isolated):
    for policy in isolated.of_kind("NetworkPolicy"):
        assert policy["metadata"]["labels"]["app.kubernetes.io/component"] == "platform"


def test_without_intra_namespace_traffic_the_registry_reaches_postgresql_and_grafana_prometheus(build_platform):
    objects = build_platform(
        environment(
            registry=model.Registry(database=model.PostgresDatabase(type="postgres"), replicas=2),
            postgresql=model.Postgresql(enabled=True, release="pg", auth=model.PostgresqlAuth(existing_secret="pg")),
            monitoring=model.Monitoring(
                prometheus=model.Prometheus(enabled=True),
                grafana=model.Grafana(enabled=True, admin_secret="grafana-admin"),
            ),
            network_policies=model.NetworkPolicies(
                enabled=True, allow_intra_namespace=False, api_server=model.ApiServer(cidr="10.0.0.0/28")
            ),
        )
    )
    database = objects.one("NetworkPolicy", "allow-registry-to-postgresql-egress")["spec"]["egress"][0]
    assert database["ports"] == [{"port": 5432, "protocol": "TCP"}]
    assert database["to"][0]["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "postgresql", "app.kubernetes.io/instance": "pg"}
    scrape = objects.one("NetworkPolicy", "allow-grafana-to-prometheus-ingress")["spec"]
    assert scrape["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": "prometheus", "app.kubernetes.io/instance": "prometheus"}
    assert scrape["ingress"][0]["ports"] == [{"port": 9090, "protocol": "TCP"}]
