"""Mesh components as HelmReleases of the upstream charts: same model, same wiring as manifests."""

from __future__ import annotations

from pathlib import Path

import pytest

from meshc.errors import InputError
from meshc.synth import Project, load_and_build

ENVIRONMENT = """
global: {{namespace: mesh, sharedNamespace: true, imageRegistry: registry.example}}
render: {render}
registry:
  name: core
  service: {{port: 9000}}
agents:
  weather-agent:
    image: {{repository: acme/weather, tag: "1.2"}}
    http: {{port: 8081}}
    capabilities: [weather]
    dependencies: [location]
    resources:
      requests: {{cpu: 50m, memory: 128Mi}}
      limits: {{cpu: 200m, memory: 512Mi}}
  location-agent:
    capabilities: [location]
"""


def _project(tmp_path: Path, environments: dict[str, str]) -> Project:
    (tmp_path / "environments").mkdir()
    for name, text in environments.items():
        (tmp_path / "environments" / f"{name}.yaml").write_text(text)
    return Project(tmp_path)


@pytest.fixture(scope="module")
def both_modes(tmp_path_factory) -> dict[str, list]:
    project = _project(
        tmp_path_factory.mktemp("modes"),
        {mode: ENVIRONMENT.format(render=mode) for mode in ("manifests", "helmrelease")},
    )
    return {built.name: [m.obj for m in built.manifests] for built in load_and_build(project, [])}


def _by(objects: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def _agent_contract_from_manifests(objects: list[dict]) -> dict[str, tuple]:
    config = _by(objects, "ConfigMap")
    contract = {}
    for name, deployment in _by(objects, "Deployment").items():
        if deployment["metadata"]["labels"]["app.kubernetes.io/component"] != "agent":
            continue
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        contract[name] = (
            config[f"{name}-config"]["data"]["MCP_MESH_REGISTRY_URL"],
            container["image"],
            container["ports"][0]["containerPort"],
            container["resources"],
        )
    return contract


def _agent_contract_from_releases(objects: list[dict]) -> dict[str, tuple]:
    contract = {}
    for name, release in _by(objects, "HelmRelease").items():
        if release["metadata"]["labels"]["app.kubernetes.io/component"] != "agent":
            continue
        values = release["spec"]["values"]
        image = values["image"]
        contract[name] = (
            f"http://{values['registry']['host']}:{values['registry']['port']}",
            f"{image['registry']}/{image['repository']}:{image['tag']}",
            values["agent"]["http"]["port"],
            values["resources"],
        )
    return contract


def test_both_render_modes_give_agents_the_same_registry_image_port_and_resources(both_modes):
    from_manifests = _agent_contract_from_manifests(both_modes["manifests"])
    from_releases = _agent_contract_from_releases(both_modes["helmrelease"])
    assert set(from_manifests) == {"weather-agent", "location-agent"}
    assert from_releases == from_manifests
    assert from_manifests["weather-agent"][0] == "http://core:9000"


def test_release_values_use_only_keys_the_charts_read(both_modes):
    values = _by(both_modes["helmrelease"], "HelmRelease")["weather-agent"]["spec"]["values"]
    assert "registryUrl" not in values["agent"] and "script" not in values["agent"]
    assert "capabilities" not in values["agent"] and "dependencies" not in values["agent"]
    assert values["fullnameOverride"] == "weather-agent"
    assert values["autoscaling"]["targetMemoryUtilizationPercentage"] == 0


def test_agent_releases_wait_for_the_registry_and_their_providers(both_modes):
    releases = _by(both_modes["helmrelease"], "HelmRelease")
    assert releases["weather-agent"]["spec"]["dependsOn"] == [{"name": "core"}, {"name": "location-agent"}]
    assert releases["location-agent"]["spec"]["dependsOn"] == [{"name": "core"}]


def test_mesh_charts_come_from_pinned_oci_sources(both_modes):
    sources = _by(both_modes["helmrelease"], "OCIRepository")
    assert sources["mcp-mesh-agent"]["spec"]["url"] == "oci://ghcr.io/dhyansraj/mcp-mesh/mcp-mesh-agent"
    assert sources["mcp-mesh-agent"]["spec"]["ref"] == {"tag": "3.6.0"}
    release = _by(both_modes["helmrelease"], "HelmRelease")["core"]
    assert release["spec"]["chartRef"]["name"] == "mcp-mesh-registry"
    assert release["spec"]["upgrade"]["remediation"]["strategy"] == "rollback"


def test_a_cycle_between_agent_releases_is_an_input_error_naming_it(tmp_path):
    cyclic = """
render: helmrelease
agents:
  a-agent: {capabilities: [a], dependencies: [b]}
  b-agent: {capabilities: [b], dependencies: [a]}
"""
    with pytest.raises(InputError) as error:
        load_and_build(_project(tmp_path, {"loop": cyclic}), [])
    assert "a-agent -> b-agent -> a-agent" in str(error.value)
    assert "agents.a-agent.dependencies" in str(error.value)


def test_the_same_cycle_is_fine_when_the_agents_are_manifests(tmp_path):
    cyclic = """
agents:
  a-agent: {capabilities: [a], dependencies: [b]}
  b-agent: {capabilities: [b], dependencies: [a]}
"""
    [built] = load_and_build(_project(tmp_path, {"loop": cyclic}), [])
    assert {m.name for m in built.manifests if m.kind == "Deployment"} == {"a-agent", "b-agent", "mcp-registry"}


def test_release_images_use_the_registry_prefix_as_manifests_do():
    from meshc.context import MeshContext
    from meshc.mesh_releases import image_values
    from meshc.model import Agent, Image
    from meshc.workload_plan import RegistryEndpoint, plan_agent

    context = MeshContext(environment="e", namespace="n", image_registry="registry.example/")
    image = Image(repository="acme/weather", tag="1.2")
    plan = plan_agent("weather", Agent(image=image), context, registry=RegistryEndpoint("core", 9000))
    values = image_values(plan.image)
    assert f"{values['registry']}/{values['repository']}:{values['tag']}" == plan.image.reference == "registry.example/acme/weather:1.2"
