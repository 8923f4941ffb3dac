"""The runtime environment of the registry and agents: the same in both render modes.

Manifests mode writes it into meshc's ConfigMaps and env lists; helmrelease mode
passes the chart keys that make the mcp-mesh charts 3.6 render the same values
(checked by hand with `helm template`, see meshc.mesh_env).
"""

from __future__ import annotations

import pytest

from meshc import model
from meshc.mesh_env import AGENT_RUNTIME_DEFAULTS, PYTHON_RUNTIME_ENV, SDK_DEFAULT_REDIS_URL
from meshc.synth import Project, load_and_build

ENVIRONMENT = """
render: {render}
logLevel: {level}
global: {{namespace: mesh, sharedNamespace: true}}
registry:
  env: {{ACCESS_LOG: "false"}}
  envFrom: [{{configMap: registry-extra}}]
agents:
  python-agent:
    capabilities: [x]
    env: {{MODE: fast}}
    secretEnv:
      TOKEN: {{secret: tokens, key: token, optional: true}}
      REQUIRED: {{secret: tokens, key: required}}
    envFrom: [{{secret: whole, prefix: W_, optional: true}}, {{configMap: settings}}]
  go-agent:
    image: {{repository: acme/go-agent, tag: "1"}}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, dict[tuple[str, str], dict]]:
    root = tmp_path_factory.mktemp("mesh-env")
    (root / "environments").mkdir()
    for render in ("manifests", "helmrelease"):
        for level in ("INFO", "DEBUG"):
            text = ENVIRONMENT.format(render=render, level=level)
            (root / "environments" / f"{render}-{level.lower()}.yaml").write_text(text)
    return {b.name: {(m.kind, m.name): m.obj for m in b.manifests} for b in load_and_build(Project(root), [])}


def _config(built, env: str, name: str) -> dict[str, str]:
    return built[env][("ConfigMap", f"{name}-config")]["data"]


def _container(built, env: str, name: str) -> dict:
    return built[env][("Deployment", name)]["spec"]["template"]["spec"]["containers"][0]


def _values(built, env: str, name: str) -> dict:
    return built[env][("HelmRelease", name)]["spec"]["values"]


def test_python_images_get_the_python_runtime_env_as_the_agent_chart_gives_it(built):
    python = _config(built, "manifests-info", "python-agent")
    assert python["PYTHONUNBUFFERED"] == "1" and python["PYTHONPATH"] == "/app/lib:/app/agents"
    assert PYTHON_RUNTIME_ENV.items() <= python.items()
    assert not set(PYTHON_RUNTIME_ENV) & set(_config(built, "manifests-info", "go-agent"))


def test_agents_get_the_charts_heartbeat_interval_and_mesh_namespace(built):
    config = _config(built, "manifests-info", "go-agent")
    assert config["MCP_MESH_HEALTH_INTERVAL"] == "5" and config["MCP_MESH_NAMESPACE"] == "default"
    assert AGENT_RUNTIME_DEFAULTS.items() <= config.items()


@pytest.mark.parametrize("component", ["mcp-registry", "python-agent"])
def test_manifests_turn_tracing_off_and_log_at_the_mesh_level(built, component):
    assert _config(built, "manifests-info", component)["MCP_MESH_DISTRIBUTED_TRACING_ENABLED"] == "false"
    info, debug = _config(built, "manifests-info", component), _config(built, "manifests-debug", component)
    assert (info["MCP_MESH_LOG_LEVEL"], info["MCP_MESH_DEBUG_MODE"]) == ("INFO", "false")
    assert (debug["MCP_MESH_LOG_LEVEL"], debug["MCP_MESH_DEBUG_MODE"]) == ("DEBUG", "true")


def test_the_registry_release_sets_tracing_logging_and_name_with_the_charts_keys(built):
    registry = _values(built, "helmrelease-info", "mcp-registry")["registry"]
    assert registry["observability"] == {"distributedTracing": {"enabled": False}}
    # The chart writes `debug | default "true"`: only a string survives it.
    assert registry["logging"] == {"level": "INFO", "debug": "false"}
    assert _values(built, "helmrelease-debug", "mcp-registry")["registry"]["logging"] == {"level": "DEBUG", "debug": "true"}
    assert registry["name"] == _config(built, "manifests-info", "mcp-registry")["REGISTRY_NAME"]


def test_agent_releases_turn_tracing_off_with_a_string_and_log_at_the_mesh_level(built):
    values = _values(built, "helmrelease-info", "python-agent")
    # The chart writes `enabled | default true`: a boolean false would be read as unset.
    assert values["agent"]["observability"]["distributedTracing"]["enabled"] == "false"
    assert values["mesh"] == {"logLevel": "INFO", "debug": False}
    assert _values(built, "helmrelease-debug", "python-agent")["mesh"] == {"logLevel": "DEBUG", "debug": True}


def test_agent_releases_give_the_sdk_its_default_redis_url_not_the_umbrella_charts(built):
    # The chart always writes REDIS_URL (default: redis://mcp-core-mcp-mesh-redis:6379, a Service
    # that does not exist); manifests mode leaves it out and the SDK uses its default.
    values = _values(built, "helmrelease-info", "python-agent")
    assert values["agent"]["observability"]["distributedTracing"]["redisUrl"] == SDK_DEFAULT_REDIS_URL == "redis://localhost:6379"
    assert "REDIS_URL" not in _config(built, "manifests-info", "python-agent")


def _pod(built, env: str, name: str) -> dict:
    return built[env][("Deployment", name)]["spec"]["template"]["spec"]


def test_agent_releases_mount_the_scratch_tmp_that_manifests_mode_gives_every_pod(built):
    pod = _pod(built, "manifests-info", "python-agent")
    values = _values(built, "helmrelease-info", "python-agent")
    assert {"name": "tmp", "emptyDir": {}} in pod["volumes"] and values["extraVolumes"] == [{"name": "tmp", "emptyDir": {}}]
    assert {"name": "tmp", "mountPath": "/tmp"} in pod["containers"][0]["volumeMounts"]
    assert values["extraVolumeMounts"] == [{"name": "tmp", "mountPath": "/tmp"}]


def test_the_registry_release_leaves_placement_to_affinity_as_manifests_do(built):
    # The chart adds a zone and node spread of its own to more than one replica unless told not to.
    assert _values(built, "helmrelease-info", "mcp-registry")["defaultTopologySpread"] == {"enabled": False}
    assert "topologySpreadConstraints" not in _pod(built, "manifests-info", "mcp-registry")


def test_the_registry_takes_its_own_env_and_env_from_in_both_modes(built):
    container = _container(built, "manifests-info", "mcp-registry")
    values = _values(built, "helmrelease-info", "mcp-registry")
    assert {"name": "ACCESS_LOG", "value": "false"} in container["env"]
    assert values["env"][-1] == {"name": "ACCESS_LOG", "value": "false"}
    assert container["envFrom"][1:] == values["envFrom"] == [{"configMapRef": {"name": "registry-extra"}}]


def test_agents_get_the_same_env_optional_secrets_and_env_from_in_both_modes(built):
    container = _container(built, "manifests-info", "python-agent")
    values = _values(built, "helmrelease-info", "python-agent")
    own = [e for e in container["env"] if e["name"] in ("MODE", "REQUIRED", "TOKEN")]
    assert own == values["env"] == [
        {"name": "MODE", "value": "fast"},
        {"name": "REQUIRED", "valueFrom": {"secretKeyRef": {"name": "tokens", "key": "required"}}},
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "tokens", "key": "token", "optional": True}}},
    ]
    # meshc's own ConfigMap comes first, so the user's sources override its defaults, as in the chart.
    assert container["envFrom"][0] == {"configMapRef": {"name": "python-agent-config"}}
    assert container["envFrom"][1:] == values["envFrom"] == [
        {"secretRef": {"name": "whole", "optional": True}, "prefix": "W_"},
        {"configMapRef": {"name": "settings"}},
    ]


def test_env_from_names_exactly_one_source():
    with pytest.raises(ValueError, match="exactly one of secret and configMap"):
        model.EnvFrom(secret="a", config_map="b")
    with pytest.raises(ValueError, match="exactly one of secret and configMap"):
        model.EnvFrom()


@pytest.mark.parametrize("name", ["DATABASE_URL", "PGPASSWORD", "PORT", "HOST", "POD_NAME"])
def test_the_registry_env_cannot_override_what_meshc_wires(name):
    with pytest.raises(ValueError, match=f"{name} is set by meshc"):
        model.Registry(env={name: "x"})


def test_every_wired_variable_in_the_registry_env_is_named_at_once():
    with pytest.raises(ValueError, match="HOST, PGPASSWORD and PORT are set by meshc"):
        model.Registry(env={"HOST": "x", "PGPASSWORD": "y", "PORT": "1"})
