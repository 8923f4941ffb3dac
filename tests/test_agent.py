"""The `Agent` construct, built from plain Python next to a `Registry` construct:
its objects, names, probes, hardening, and the runtime contract that wires it to
the registry of its environment (issue 2, §3)."""

from __future__ import annotations

import pytest

from meshc import model

WEATHER = model.Agent(
    image=model.Image(repository="mcpmesh/python-runtime", tag="3.6"),
    command=["python", "/app/agents/weather_agent.py"],
    http=model.AgentHttp(port=9090),
    capabilities=["weather_forecast"],
    dependencies=["location_service"],
    env={"CACHE_TTL": "300"},
    secret_env={"WEATHER_API_KEY": model.SecretEnvRef(secret="weather-api", key="api-key")},
)
SCALED = model.Agent(
    persistence=model.Persistence(enabled=True, size="1Gi", access_mode="ReadWriteMany"),
    autoscaling=model.Autoscaling(enabled=True, min_replicas=2, max_replicas=10, target_cpu_utilization_percentage=70),
    disruption_budget=model.DisruptionBudget(enabled=True),
    ingress=model.Ingress(enabled=True, host="scaled.example.com", path="/mcp"),
)
SELECTOR_KEYS = {"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component"}


@pytest.fixture(scope="module")
def mesh(build_mesh):
    """The default registry with two agents: `weather-agent` (custom port, env, secrets)
    and `scaled-agent` (PVC, HPA, PDB, Ingress)."""
    return build_mesh(agents={"weather-agent": WEATHER, "scaled-agent": SCALED})


@pytest.fixture(scope="module")
def weather_env(mesh):
    return mesh.effective_env("weather-agent")


def agent_objects(objects, name: str) -> list[tuple[str, str]]:
    return [(kind, n) for kind, n in objects.kinds() if n.startswith(name)]


# --- wired to the registry ------------------------------------------------------------


def test_registry_url_host_and_port_come_from_the_registry_construct(weather_env):
    assert weather_env["MCP_MESH_REGISTRY_URL"] == "http://mcp-registry:8000"
    assert weather_env["MCP_MESH_REGISTRY_HOST"] == "mcp-registry"
    assert weather_env["MCP_MESH_REGISTRY_PORT"] == "8000"


def test_agents_follow_a_renamed_registry_on_another_port(build_mesh):
    registry = model.Registry(name="central", service=model.RegistryService(port=9000))
    objects = build_mesh(registry, {"a": model.Agent(), "b": model.Agent()})
    for agent in ("a", "b"):
        env = objects.effective_env(agent)
        assert (env["MCP_MESH_REGISTRY_URL"], env["MCP_MESH_REGISTRY_HOST"], env["MCP_MESH_REGISTRY_PORT"]) == (
            "http://central:9000", "central", "9000"
        )
    assert objects.one("Service", "central")["spec"]["ports"][0]["port"] == 9000


def test_helm_compatible_agents_reach_the_charts_registry_service(build_mesh):
    objects = build_mesh(agents={"weather-agent": model.Agent()}, naming="helm-compatible")
    env = objects.effective_env("weather-agent-mcp-mesh-agent")
    assert env["MCP_MESH_REGISTRY_URL"] == "http://mcp-registry-mcp-mesh-registry:8000"
    assert objects.one("Service", env["MCP_MESH_REGISTRY_HOST"])["spec"]["ports"][0]["port"] == 8000


def test_agent_name_is_set(weather_env):
    assert weather_env["MCP_MESH_AGENT_NAME"] == "weather-agent"


def test_advertised_host_is_the_agent_service_in_its_namespace(weather_env, mesh):
    assert weather_env["MCP_MESH_HTTP_HOST"] == "weather-agent.mesh"
    assert mesh.one("Service", "weather-agent")["metadata"]["namespace"] == "mesh"


def test_advertised_port_is_the_container_and_service_port(weather_env, mesh):
    assert weather_env["MCP_MESH_HTTP_PORT"] == "9090"
    assert mesh.container("weather-agent")["ports"] == [{"containerPort": 9090, "name": "http", "protocol": "TCP"}]
    assert mesh.one("Service", "weather-agent")["spec"]["ports"] == [
        {"name": "http", "port": 9090, "protocol": "TCP", "targetPort": "http"}
    ]


def test_plain_env_vars_are_set_and_secret_env_vars_are_secret_references(weather_env):
    assert weather_env["CACHE_TTL"] == "300"
    assert weather_env["WEATHER_API_KEY"] == {"secretKeyRef": {"name": "weather-api", "key": "api-key"}}


def test_command_replaces_the_image_entrypoint(mesh):
    assert mesh.container("weather-agent")["command"] == ["python", "/app/agents/weather_agent.py"]


def test_without_command_the_image_entrypoint_runs(mesh):
    assert "command" not in mesh.container("scaled-agent")


def test_container_keeps_the_charts_name(mesh):
    assert mesh.container("weather-agent")["name"] == "mcp-mesh-agent"


# --- probes and hardening ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("probe", "path"), [("startupProbe", "/startupz"), ("livenessProbe", "/livez"), ("readinessProbe", "/ready")]
)
def test_probes_use_the_runtime_endpoints_on_the_http_port(mesh, probe, path):
    assert mesh.container("weather-agent")[probe]["httpGet"] == {"path": path, "port": "http"}


def test_container_drops_every_capability_and_runs_as_non_root(mesh):
    context = mesh.container("weather-agent")["securityContext"]
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["allowPrivilegeEscalation"] is False
    assert context["runAsNonRoot"] is True
    # The Python runtime writes next to its code, as under the charts.
    assert context["readOnlyRootFilesystem"] is False


def test_pod_uses_the_runtime_default_seccomp_profile(mesh):
    pod = mesh.one("Deployment", "weather-agent")["spec"]["template"]["spec"]
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["serviceAccountName"] == "weather-agent"


def test_default_resources_are_the_charts(build_mesh):
    objects = build_mesh(agents={"a": model.Agent()})
    assert objects.container("a")["resources"] == {
        "requests": {"cpu": "100m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }


# --- objects ------------------------------------------------------------------------------


def test_agent_is_service_account_config_map_service_and_deployment(mesh):
    assert agent_objects(mesh, "weather-agent") == [
        ("ConfigMap", "weather-agent-config"),
        ("Deployment", "weather-agent"),
        ("Service", "weather-agent"),
        ("ServiceAccount", "weather-agent"),
    ]


def test_persistence_autoscaling_budget_and_ingress_each_add_their_object(mesh):
    assert agent_objects(mesh, "scaled-agent") == [
        ("ConfigMap", "scaled-agent-config"),
        ("Deployment", "scaled-agent"),
        ("HorizontalPodAutoscaler", "scaled-agent"),
        ("Ingress", "scaled-agent"),
        ("PersistentVolumeClaim", "scaled-agent-data"),
        ("PodDisruptionBudget", "scaled-agent"),
        ("Service", "scaled-agent"),
        ("ServiceAccount", "scaled-agent"),
    ]


def test_agents_never_get_a_headless_service(mesh):
    assert not [name for kind, name in mesh.kinds() if kind == "Service" and "agent" in name and "headless" in name]


def test_autoscaled_agent_leaves_replicas_to_the_autoscaler(mesh):
    assert "replicas" not in mesh.one("Deployment", "scaled-agent")["spec"]
    spec = mesh.one("HorizontalPodAutoscaler", "scaled-agent")["spec"]
    assert spec["scaleTargetRef"]["name"] == "scaled-agent"
    assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 10)
    assert spec["metrics"][0]["resource"]["target"]["averageUtilization"] == 70


def test_agent_without_autoscaler_sets_replicas(build_mesh):
    objects = build_mesh(agents={"a": model.Agent(replicas=4)})
    assert objects.one("Deployment", "a")["spec"]["replicas"] == 4


def test_persistent_agent_mounts_its_claim_at_data(mesh):
    pod = mesh.one("Deployment", "scaled-agent")["spec"]["template"]["spec"]
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "scaled-agent-data"}} in pod["volumes"]
    assert {"name": "data", "mountPath": "/data"} in mesh.container("scaled-agent")["volumeMounts"]


def test_agent_without_persistence_has_no_data_volume(mesh):
    pod = mesh.one("Deployment", "weather-agent")["spec"]["template"]["spec"]
    assert [v["name"] for v in pod["volumes"]] == ["tmp"]


def test_ingress_routes_the_path_to_the_agent_service(mesh):
    (rule,) = mesh.one("Ingress", "scaled-agent")["spec"]["rules"]
    assert rule["host"] == "scaled.example.com"
    assert rule["http"]["paths"][0]["path"] == "/mcp"
    assert rule["http"]["paths"][0]["backend"]["service"] == {"name": "scaled-agent", "port": {"name": "http"}}


def test_disruption_budget_selects_only_this_agent(mesh):
    selector = mesh.one("PodDisruptionBudget", "scaled-agent")["spec"]["selector"]["matchLabels"]
    assert selector["app.kubernetes.io/instance"] == "scaled-agent"
    assert set(selector) == SELECTOR_KEYS


# --- names and labels -------------------------------------------------------------------------


def test_helm_compatible_names_reproduce_the_chart(build_mesh):
    objects = build_mesh(agents={"weather-agent": SCALED}, naming="helm-compatible")
    assert agent_objects(objects, "weather-agent") == [
        ("ConfigMap", "weather-agent-mcp-mesh-agent-config"),
        ("Deployment", "weather-agent-mcp-mesh-agent"),
        ("HorizontalPodAutoscaler", "weather-agent-mcp-mesh-agent"),
        ("Ingress", "weather-agent-mcp-mesh-agent"),
        ("PersistentVolumeClaim", "weather-agent-mcp-mesh-agent-data"),
        ("PodDisruptionBudget", "weather-agent-mcp-mesh-agent"),
        ("Service", "weather-agent-mcp-mesh-agent"),
        ("ServiceAccount", "weather-agent-mcp-mesh-agent"),
    ]


def test_helm_compatible_advertised_host_is_the_charts_service(build_mesh):
    objects = build_mesh(agents={"weather-agent": model.Agent()}, naming="helm-compatible")
    env = objects.effective_env("weather-agent-mcp-mesh-agent")
    assert env["MCP_MESH_HTTP_HOST"] == "weather-agent-mcp-mesh-agent.mesh"
    assert env["MCP_MESH_AGENT_NAME"] == "weather-agent"


def test_helm_compatible_agent_whose_name_contains_the_chart_name_keeps_it(build_mesh):
    objects = build_mesh(agents={"billing-mcp-mesh-agent": model.Agent()}, naming="helm-compatible")
    assert objects.one("Deployment", "billing-mcp-mesh-agent")


def test_every_agent_object_carries_the_agent_labels(mesh):
    for kind, name in agent_objects(mesh, "scaled-agent"):
        assert mesh.one(kind, name)["metadata"]["labels"] == {
            "app.kubernetes.io/name": "mcp-mesh-agent",
            "app.kubernetes.io/instance": "scaled-agent",
            "app.kubernetes.io/component": "agent",
            "app.kubernetes.io/part-of": "mcp-mesh",
            "app.kubernetes.io/version": "3.6",
            "app.kubernetes.io/managed-by": "meshc",
            "meshc.io/environment": "test",
        }, kind


def test_deployment_and_service_select_only_name_instance_and_component(mesh):
    deployment = mesh.one("Deployment", "weather-agent")["spec"]
    assert set(deployment["selector"]["matchLabels"]) == SELECTOR_KEYS
    assert mesh.one("Service", "weather-agent")["spec"]["selector"] == deployment["selector"]["matchLabels"]



@pytest.mark.parametrize(
    ("agent", "strategy"),
    [
        (model.Agent(), {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}),
        (model.Agent(persistence=model.Persistence(enabled=True)), {"type": "Recreate"}),
        (
            model.Agent(replicas=3, affinity=model.Affinity(pod_anti_affinity=model.PodAntiAffinity(mode="required"))),
            {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}},
        ),
    ],
    ids=["surge-one", "single-node-claim-recreates", "one-per-node-replaces-in-place"],
)
def test_rollouts_can_always_finish(build_mesh, agent, strategy):
    deployment = build_mesh(agents={"roll-agent": agent}).one("Deployment", "roll-agent")
    assert deployment["spec"]["strategy"] == strategy
