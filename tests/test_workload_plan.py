"""One plan, two renders: for an agent and a registry with every option on, the manifests
constructs and the HelmRelease constructs take every shared decision from the same
`WorkloadPlan`, so the two render modes cannot drift apart.

Where the charts pass a value through verbatim (resources, affinity, nodeSelector, the
agent's strategy, env, envFrom), the Deployment's field equals the HelmRelease value;
elsewhere both equal what the plan says."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from meshc import model
from meshc.monitoring import scrape_annotations
from meshc.workload_plan import RegistryEndpoint, WorkloadPlan, plan_agent, plan_registry

EVERY_OPTION = dict(
    replicas=2,
    resources=model.Resources(
        requests=model.ResourceAmounts(cpu="50m", memory="128Mi"), limits=model.ResourceAmounts(cpu="1", memory="1Gi")
    ),
    persistence=model.Persistence(enabled=True, size="2Gi", storage_class="fast", access_mode="ReadWriteMany"),
    disruption_budget=model.DisruptionBudget(enabled=True, min_available=1),
    env_from=[model.EnvFrom(secret="extra", prefix="X_"), model.EnvFrom(config_map="settings", optional=True)],
)
AGENT = model.Agent(
    **EVERY_OPTION,
    image=model.Image(repository="acme/weather", tag="1.2", registry="own.example", pull_policy="Always"),
    command=["python", "/app/agents/weather.py"],
    http=model.AgentHttp(port=9090),
    autoscaling=model.Autoscaling(enabled=True, min_replicas=2, max_replicas=6, target_cpu_utilization_percentage=70),
    affinity=model.Affinity(pod_anti_affinity=model.PodAntiAffinity(mode="required"), node_selector={"disk": "ssd"}),
    ingress=model.Ingress(enabled=True, host="weather.example.com", path="/mcp", class_name="nginx", tls_secret_name="weather-tls"),
    env={"CACHE_TTL": "300"},
    secret_env={"API_KEY": model.SecretEnvRef(secret="weather-api", key="api-key", optional=True)},
)
REGISTRY = model.Registry(
    **EVERY_OPTION,
    name="central",
    service=model.RegistryService(port=9000),
    database=model.PostgresDatabase(
        type="postgres", host="db.example", database="mesh", username="mesh",
        password_secret=model.SecretKeyRef(secret="db", key="password"),
    ),
    affinity=model.Affinity(pod_anti_affinity=model.PodAntiAffinity(mode="preferred", topology_key="zone"), node_selector={"pool": "core"}),
    ingress=model.Ingress(enabled=True, host="registry.example.com"),
    env={"LOG_FORMAT": "json"},
)


@dataclass(frozen=True)
class Rendered:
    """One component's plan and what each renderer made of it."""

    plan: WorkloadPlan
    objects: dict[tuple[str, str], tuple[object, dict]]  # (kind, name) -> (origin, object)

    def manifest(self, kind: str, name: str | None = None) -> dict:
        return self.objects[(kind, name or self.plan.names.base)][1]

    @property
    def container(self) -> dict:
        (container,) = self.manifest("Deployment")["spec"]["template"]["spec"]["containers"]
        return container

    @property
    def pod(self) -> dict:
        return self.manifest("Deployment")["spec"]["template"]["spec"]

    @property
    def values(self) -> dict:
        return self.objects[("HelmRelease", self.plan.release)][1]["spec"]["values"]


@pytest.fixture(scope="module")
def rendered(context) -> dict[str, Rendered]:
    """Each plan rendered both ways, side by side in one chart."""
    from meshc.agent import Agent
    from meshc.helm_release import ChartSources
    from meshc.mesh_releases import AgentRelease, RegistryRelease
    from meshc.registry import Registry
    from meshc.runtime import MeshChart, cdk8s

    mesh_context = context(image_registry="mirror.example", image_pull_secrets=("pull",), log_level="DEBUG")
    registry = plan_registry(REGISTRY, mesh_context)
    agent = plan_agent("weather-agent", AGENT, mesh_context, registry=registry.endpoint, pod_annotations=scrape_annotations(9090))
    chart = MeshChart(cdk8s.App(), "test", disable_resource_name_hashes=True)
    releases = dict(charts=model.MeshCharts(), sources=ChartSources(chart, "Sources", namespace="mesh", labels={}, interval="10m"),
                    flux=model.Flux())
    Registry(chart, "Registry", plan=registry)
    Agent(chart, "Agent", plan=agent)
    RegistryRelease(chart, "RegistryRelease", plan=registry, **releases)
    AgentRelease(chart, "AgentRelease", plan=agent, **releases)
    return {
        plan.release: Rendered(plan, {(o["kind"], o["metadata"]["name"]): (origin, o) for origin, o in chart.origins()
                                      if origin == plan.origin})
        for plan in (registry, agent)
    }


@pytest.fixture(params=["central", "weather-agent"])
def component(request, rendered) -> Rendered:
    return rendered[request.param]


def test_resources_affinity_and_node_selector_pass_verbatim_into_both(component):
    assert component.container["resources"] == component.values["resources"] == component.plan.resources
    assert component.pod["affinity"] == component.values["affinity"] == component.plan.affinity != {}
    assert component.pod["nodeSelector"] == component.values["nodeSelector"] == component.plan.node_selector != {}


def test_the_agents_update_strategy_is_the_same_in_both(rendered):
    agent = rendered["weather-agent"]
    assert agent.manifest("Deployment")["spec"]["strategy"] == agent.values["strategy"] == agent.plan.strategy


def test_the_components_own_env_and_env_sources_are_the_same_in_both(rendered):
    agent = rendered["weather-agent"]
    assert agent.container["env"][len(agent.plan.pod_env):] == agent.values["env"] == agent.plan.env
    registry = rendered["central"]
    # For postgres the registry chart composes DATABASE_URL itself from `registry.database`.
    written = [e for e in registry.container["env"][len(registry.plan.pod_env):] if e["name"] != "DATABASE_URL"]
    assert written == registry.values["env"]
    assert {"LOG_FORMAT", "PGPASSWORD"} <= {e["name"] for e in written}


def test_env_sources_follow_meshcs_config_map_in_manifests_and_are_the_charts_env_from(component):
    config_map, *own = component.container["envFrom"]
    assert config_map == {"configMapRef": {"name": component.plan.names.config}}
    assert own == component.values["envFrom"] == component.plan.env_from != []


def test_both_pull_the_same_image_with_the_same_secrets(component):
    image = component.values["image"]
    assert component.container["image"] == f"{image['registry']}/{image['repository']}:{image['tag']}"
    assert component.container["imagePullPolicy"] == image["pullPolicy"]
    assert component.pod["imagePullSecrets"] == component.values["imagePullSecrets"] == [{"name": "pull"}]


def test_both_name_and_label_the_component_alike(component):
    deployment = component.manifest("Deployment")
    assert deployment["metadata"]["name"] == component.values["fullnameOverride"]
    release = component.objects[("HelmRelease", component.plan.release)][1]
    assert release["metadata"]["labels"] == deployment["metadata"]["labels"] == component.plan.labels


def test_every_object_of_both_renders_carries_the_plans_origin(rendered):
    for component in rendered.values():
        kinds = {kind for kind, _ in component.objects}
        assert {"Deployment", "Service", "ConfigMap", "HelmRelease"} <= kinds
        assert all(origin is component.plan.origin for origin, _ in component.objects.values())


def test_scaling_is_the_same_in_both(rendered):
    agent = rendered["weather-agent"]
    autoscaler, scaling = agent.manifest("HorizontalPodAutoscaler")["spec"], agent.values["autoscaling"]
    assert scaling["enabled"] and "replicas" not in agent.manifest("Deployment")["spec"]
    assert (autoscaler["minReplicas"], autoscaler["maxReplicas"]) == (scaling["minReplicas"], scaling["maxReplicas"]) == (2, 6)
    target = autoscaler["metrics"][0]["resource"]["target"]["averageUtilization"]
    assert target == scaling["targetCPUUtilizationPercentage"] == 70
    registry = rendered["central"]
    assert registry.manifest("Deployment")["spec"]["replicas"] == registry.values["replicaCount"] == 2


def test_port_volume_budget_and_ingress_are_the_same_in_both(component):
    plan, values = component.plan, component.values
    assert component.manifest("Service")["spec"]["ports"][0]["port"] == values["service"]["port"] == plan.port
    claim = component.manifest("PersistentVolumeClaim", plan.names.data)["spec"]
    persistence = values["persistence"]
    assert (claim["resources"]["requests"]["storage"], claim["storageClassName"], claim["accessModes"]) == (
        persistence["size"], persistence["storageClass"], [persistence["accessMode"]])
    assert component.manifest("PodDisruptionBudget")["spec"]["minAvailable"] == values["podDisruptionBudget"]["minAvailable"]
    rule = component.manifest("Ingress")["spec"]["rules"][0]
    assert [rule["host"]] == [host["host"] for host in values["ingress"]["hosts"]] == [plan.ingress.host]


def test_the_agents_wiring_is_the_same_in_both(rendered):
    agent = rendered["weather-agent"]
    config = agent.manifest("ConfigMap", agent.plan.names.config)["data"]
    registry = agent.values["registry"]
    assert config["MCP_MESH_REGISTRY_URL"] == f"http://{registry['host']}:{registry['port']}" == RegistryEndpoint("central", 9000).url
    assert agent.container["command"] == agent.values["agent"]["command"] == AGENT.command
    assert agent.container["ports"][0]["containerPort"] == agent.values["agent"]["http"]["port"] == 9090
    annotations = agent.manifest("Deployment")["spec"]["template"]["metadata"]["annotations"]
    assert agent.values["podAnnotations"].items() <= annotations.items()
