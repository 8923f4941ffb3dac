"""`import-helm` for the chart keys that meet meshc's logLevel, tracing, env, secretEnv and envFrom,
and for the chart defaults that differ from meshc's.

Each test appends chart keys to the seed's per-chart values files and imports
them: the value lands where the charts put it (../shared/reference/mcp-mesh-charts.md
§3.2, §4.2), or it is listed as not placed and the exit is 1.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from meshc.importer.run import ImportRequest, import_helm
from meshc.loader import load_environment

HELM = Path(__file__).resolve().parent / "fixtures" / "helm" / "per-chart"
FILES = {"mcp-registry": "values-registry.yaml", "system-agent": "values-system.yaml", "weather-agent": "values-weather.yaml"}
NOT_PLACED = "not placed (the environment does not reproduce these)"
SECRETS = "literal secrets, now Secret references"


def imported(tmp_path: Path, **extra: str):
    """Import the seed's registry, system-agent and weather-agent, each values file with `extra[release]` appended."""
    (tmp_path / "helm").mkdir()
    releases = []
    for release, file in FILES.items():
        path = tmp_path / "helm" / file
        shutil.copy(HELM / file, path)
        text, added = path.read_text(), extra.get(release.replace("-", "_"), "")
        block = added.split("\n", 1)[0] + "\n"
        if added and f"\n{block}" in text:  # into the seed's own block (`registry:`, `agent:`), at its top
            text, added = text.replace(f"\n{block}", f"\n{added}", 1), ""
        path.write_text(text + added)
        releases.append((release, path))
    result = import_helm(tmp_path, ImportRequest("adopted", releases=tuple(releases)))
    written = tmp_path / "environments" / "adopted.yaml"
    return result, written.read_text(), yaml.safe_load(written.read_text())


def section(report: str, title: str) -> list[str]:
    match = re.search(rf"^{re.escape(title)} \(\d+\):\n((?:  .*\n)+)", report, re.MULTILINE)
    return [line.strip() for line in match.group(1).splitlines()] if match else []


def keys(report: str, title: str) -> list[str]:
    return [line.split(": ", 1)[0] for line in section(report, title)]


def validates(tmp_path: Path) -> None:
    load_environment(tmp_path / "environments" / "adopted.yaml")


# --- the log level -------------------------------------------------------------------------------


def test_the_charts_default_debug_logging_is_kept_as_the_mesh_log_level(tmp_path):
    result, text, data = imported(tmp_path)
    assert result.exit_code == 0, result.report
    assert data["logLevel"] == "DEBUG"
    assert "# every component logged at DEBUG (MCP_MESH_LOG_LEVEL=DEBUG, MCP_MESH_DEBUG_MODE=true); meshc's default is INFO\nlogLevel: DEBUG\n" in text


def test_one_level_written_for_every_component_becomes_the_mesh_log_level(tmp_path):
    agent = "mesh:\n  logLevel: info\n  debug: false\n"
    result, _, data = imported(
        tmp_path, mcp_registry="registry:\n  logging:\n    level: INFO\n    debug: 'false'\n", system_agent=agent, weather_agent=agent
    )
    assert result.exit_code == 0, result.report
    assert data["logLevel"] == "INFO"
    validates(tmp_path)


def test_debug_mode_forces_debug_whatever_the_level_says(tmp_path):
    agent = "mesh:\n  logLevel: INFO\n  debug: true\n"
    result, text, data = imported(tmp_path, mcp_registry="registry:\n  logging:\n    level: INFO\n", system_agent=agent, weather_agent=agent)
    assert result.exit_code == 0, result.report
    assert data["logLevel"] == "DEBUG"
    assert "meshc renders MCP_MESH_LOG_LEVEL=DEBUG, MCP_MESH_DEBUG_MODE=true, which the runtimes read alike" in text


def test_a_boolean_false_registry_debug_is_eaten_by_the_charts_default(tmp_path):
    agent = "mesh:\n  logLevel: INFO\n  debug: false\n"
    registry = "registry:\n  logging:\n    level: INFO\n    debug: false\n"  # `debug | default "true"` renders "true"
    result, _, data = imported(tmp_path, mcp_registry=registry, system_agent=agent, weather_agent=agent)
    assert result.exit_code == 1
    assert "logLevel" not in data
    assert "mcp-registry at DEBUG" in result.report and "system-agent at INFO" in result.report


def test_components_logging_at_different_levels_are_listed_and_no_level_is_written(tmp_path):
    result, _, data = imported(tmp_path, system_agent="mesh:\n  logLevel: WARNING\n  debug: false\n")
    assert result.exit_code == 1
    assert "logLevel" not in data
    assert keys(result.report, NOT_PLACED) == [
        "helm/values-registry.yaml registry.logging.level",
        "helm/values-system.yaml:25 mesh.logLevel",
        "helm/values-system.yaml:26 mesh.debug",
        "helm/values-weather.yaml mesh.logLevel",
    ]
    assert "meshc has one logLevel for the whole mesh: choose one" in result.report
    assert "not set, the chart's default;" in result.report


def test_a_level_meshc_has_no_value_for_is_listed(tmp_path):
    result, _, data = imported(tmp_path, weather_agent="mesh:\n  logLevel: TRACE\n")
    assert result.exit_code == 1
    assert "helm/values-weather.yaml:37 mesh.logLevel: MCP_MESH_LOG_LEVEL=TRACE, MCP_MESH_DEBUG_MODE=true: meshc has no TRACE level" in result.report
    assert data["logLevel"] == "DEBUG"  # what the other components log at


# --- env, secretEnv, envFrom -----------------------------------------------------------------------


def test_the_registrys_plain_env_becomes_registry_env(tmp_path):
    result, _, data = imported(tmp_path, mcp_registry="env:\n  - {name: ENVIRONMENT, value: production}\n  - {name: RETRIES, value: 3}\n")
    assert result.exit_code == 0, result.report
    assert data["registry"]["env"] == {"ENVIRONMENT": "production", "RETRIES": "3"}
    validates(tmp_path)


def test_a_registry_variable_meshc_wires_is_listed(tmp_path):
    result, _, data = imported(tmp_path, mcp_registry="env:\n  - {name: PORT, value: '9000'}\n")
    assert result.exit_code == 1
    assert section(result.report, NOT_PLACED) == [
        "helm/values-registry.yaml:31 env.PORT: meshc sets it from the environment's wiring and does not let env override it"
    ]
    assert "env" not in data["registry"]


def test_a_literal_secret_in_the_registrys_env_is_read_from_a_new_secret_whole(tmp_path):
    result, text, data = imported(tmp_path, mcp_registry="env:\n  - {name: ADMIN_TOKEN, value: hunter2-literal}\n")
    assert result.exit_code == 0, result.report
    assert data["registry"]["envFrom"] == [{"secret": "mcp-registry-secrets"}]
    assert "helm/values-registry.yaml:31 env.ADMIN_TOKEN" in keys(result.report, SECRETS)
    assert "kubectl create secret generic mcp-registry-secrets -n mcp-mesh --from-literal=ADMIN_TOKEN=" in result.report
    assert "hunter2-literal" not in result.report + text
    validates(tmp_path)


def test_a_secret_key_reference_in_the_registrys_env_is_listed(tmp_path):
    result, _, _ = imported(tmp_path, mcp_registry="env:\n  - name: TOKEN\n    valueFrom: {secretKeyRef: {name: ops, key: token}}\n")
    assert result.exit_code == 1
    assert "helm/values-registry.yaml:31 env.TOKEN: meshc's registry reads Secrets only whole" in result.report


def test_an_optional_secret_key_reference_stays_optional(tmp_path):
    reference = "env:\n  - name: SLACK_TOKEN\n    valueFrom: {secretKeyRef: {name: slack, key: token, optional: true}}\n"
    result, _, data = imported(tmp_path, system_agent=reference)
    assert result.exit_code == 0, result.report
    assert data["agents"]["system-agent"]["secretEnv"] == {"SLACK_TOKEN": {"secret": "slack", "key": "token", "optional": True}}
    validates(tmp_path)


def test_envfrom_entries_keep_their_order_prefix_and_optional(tmp_path):
    sources = "envFrom:\n  - configMapRef: {name: shared}\n    prefix: APP_\n  - secretRef: {name: extras, optional: true}\n"
    result, _, data = imported(tmp_path, mcp_registry=sources, weather_agent=sources)
    assert result.exit_code == 0, result.report
    expected = [{"configMap": "shared", "prefix": "APP_"}, {"secret": "extras", "optional": True}]
    assert data["registry"]["envFrom"] == expected
    assert data["agents"]["weather-agent"]["envFrom"] == expected
    validates(tmp_path)


def test_an_envfrom_entry_of_another_shape_is_listed(tmp_path):
    result, _, data = imported(tmp_path, system_agent="envFrom:\n  - configMapRef: {name: a}\n    secretRef: {name: b}\n")
    assert result.exit_code == 1
    assert keys(result.report, NOT_PLACED) == ["helm/values-system.yaml:25 envFrom[0]"]
    assert "envFrom" not in data["agents"]["system-agent"]


def test_the_charts_secrets_map_is_read_whole_from_the_secret_the_chart_made(tmp_path):
    result, text, data = imported(tmp_path, system_agent="secrets:\n  OPS_TOKEN: hunter2-literal\nenvFrom:\n  - secretRef: {name: extras}\n")
    assert result.exit_code == 0, result.report
    # The chart's order: its Secret, then envFrom.
    assert data["agents"]["system-agent"]["envFrom"] == [{"secret": "system-agent-mcp-mesh-agent-secret"}, {"secret": "extras"}]
    assert (
        "helm/values-system.yaml:25 secrets.OPS_TOKEN: read from Secret system-agent-mcp-mesh-agent-secret, which the chart "
        "made from this map (envFrom, as the chart did); keep that Secret when Helm lets go, meshc never holds the value"
    ) in section(result.report, SECRETS)
    assert "system-agent-mcp-mesh-agent-secret -n" not in result.report  # it exists: no command to create it
    assert "hunter2-literal" not in result.report + text
    validates(tmp_path)


def test_an_existing_secret_is_read_whole_and_the_secrets_map_beside_it_is_ignored(tmp_path):
    result, _, data = imported(tmp_path, weather_agent="existingSecret: weather-keys\nsecrets:\n  UNUSED: hunter2-literal\n")
    assert result.exit_code == 0, result.report
    assert data["agents"]["weather-agent"]["envFrom"] == [{"secret": "weather-keys"}]
    assert "helm/values-weather.yaml:38 secrets.UNUSED: the chart reads existingSecret 'weather-keys' instead" in result.report
    assert "hunter2-literal" not in result.report
    validates(tmp_path)


# --- chart defaults that differ from meshc's ------------------------------------------------------


def test_a_switched_on_block_keeps_the_chart_defaults_it_did_not_write(tmp_path):
    result, text, data = imported(tmp_path, system_agent="autoscaling:\n  enabled: true\n")
    assert result.exit_code == 0, result.report
    assert data["agents"]["system-agent"]["autoscaling"]["maxReplicas"] == 10
    assert "      # the chart's default, which the values left as is (meshc's is 3)\n      maxReplicas: 10\n" in text
    assert "persistence" not in data["agents"]["system-agent"]  # switched off: nothing to keep


def test_an_agent_volume_keeps_the_charts_default_size(tmp_path):
    result, _, data = imported(tmp_path, system_agent="persistence:\n  enabled: true\n")
    assert result.exit_code == 0, result.report
    assert data["agents"]["system-agent"]["persistence"]["size"] == "1Gi"  # meshc's is 5Gi, and a bound claim cannot shrink


def test_the_registry_volume_keeps_the_charts_default_size(tmp_path):
    result, _, data = imported(tmp_path)
    assert data["registry"]["persistence"]["size"] == "5Gi"  # written in the seed
    values = tmp_path / "helm" / "values-registry.yaml"
    values.write_text(values.read_text().replace("  size: 5Gi\n", ""))
    import_helm(tmp_path, ImportRequest("again", releases=(("mcp-registry", values),)))
    again = yaml.safe_load((tmp_path / "environments" / "again.yaml").read_text())
    assert again["registry"]["persistence"]["size"] == "10Gi"


def test_resources_written_in_part_keep_the_charts_other_amounts(tmp_path):
    values = HELM / "values-system.yaml"
    partial = values.read_text().split("resources:")[0] + "resources:\n  requests:\n    cpu: 250m\n"
    (tmp_path / "helm").mkdir()
    (tmp_path / "helm" / "system.yaml").write_text(partial)
    (tmp_path / "helm" / "registry.yaml").write_text((HELM / "values-registry.yaml").read_text())
    releases = (("mcp-registry", tmp_path / "helm" / "registry.yaml"), ("system-agent", tmp_path / "helm" / "system.yaml"))
    result = import_helm(tmp_path, ImportRequest("adopted", releases=releases))
    assert result.exit_code == 0, result.report
    data = yaml.safe_load((tmp_path / "environments" / "adopted.yaml").read_text())
    assert data["agents"]["system-agent"]["resources"] == {
        "requests": {"cpu": "250m", "memory": "256Mi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }


def test_a_partly_written_image_keeps_the_charts_repository_and_tag(tmp_path):
    values = HELM / "values-system.yaml"
    (tmp_path / "helm").mkdir()
    (tmp_path / "helm" / "system.yaml").write_text("image:\n  pullPolicy: Always\n")
    (tmp_path / "helm" / "registry.yaml").write_text(values.with_name("values-registry.yaml").read_text())
    releases = (("mcp-registry", tmp_path / "helm" / "registry.yaml"), ("system-agent", tmp_path / "helm" / "system.yaml"))
    result = import_helm(tmp_path, ImportRequest("adopted", releases=releases))
    assert result.exit_code == 0, result.report
    data = yaml.safe_load((tmp_path / "environments" / "adopted.yaml").read_text())
    assert data["agents"]["system-agent"]["image"] == {"pullPolicy": "Always", "repository": "mcpmesh/python-runtime", "tag": "3.6"}
    validates(tmp_path)


def test_a_registry_with_more_than_one_pod_keeps_the_charts_default_budget(tmp_path):
    postgres = "registry:\n  database:\n    type: postgres\n    existingSecret: db\n    existingSecretUrlKey: url\n"
    result, _, data = imported(tmp_path, mcp_registry="")
    assert "disruptionBudget" not in data["registry"]  # one pod: the chart renders none
    values = tmp_path / "helm" / "values-registry.yaml"
    values.write_text(
        values.read_text().replace("replicaCount: 1", "replicaCount: 2").replace("persistence:\n  enabled: true", "persistence:\n  enabled: false")
        .replace("registry:\n  host: \"0.0.0.0\"\n  port: 8000\n  database:\n    type: sqlite\n    path: /data/registry.db\n", postgres)
    )
    again = import_helm(tmp_path, ImportRequest("again", releases=(("mcp-registry", values),)))
    assert again.exit_code == 0, again.report
    registry = yaml.safe_load((tmp_path / "environments" / "again.yaml").read_text())["registry"]
    assert registry["disruptionBudget"] == {"enabled": True, "minAvailable": 1}


# --- distributed tracing --------------------------------------------------------------------------


def test_the_charts_default_tracing_is_reported_as_turned_off(tmp_path):
    result, _, _ = imported(tmp_path)
    assert result.exit_code == 0, result.report
    assert (
        "helm/values-system.yaml system-agent (distributed tracing): the chart traced (MCP_MESH_DISTRIBUTED_TRACING_ENABLED=true); "
        "meshc turns tracing off, the environment runs no Tempo or Redis for it"
    ) in result.report


def test_the_agents_tracing_switch_is_read_as_the_string_the_chart_needs(tmp_path):
    off = "agent:\n  observability:\n    distributedTracing:\n      enabled: 'false'\n"
    eaten = off.replace("'false'", "false")  # a boolean false is eaten by `| default true`
    result, _, _ = imported(tmp_path, system_agent=off, weather_agent=eaten)
    assert result.exit_code == 0, result.report
    assert "helm/values-system.yaml:5 agent.observability.distributedTracing.enabled: meshc turns distributed tracing off too" in result.report
    assert "helm/values-weather.yaml:5 agent.observability.distributedTracing.enabled: the chart traced" in result.report


def test_the_registrys_tracing_switch_off_is_what_meshc_does(tmp_path):
    result, _, _ = imported(tmp_path, mcp_registry="registry:\n  observability:\n    distributedTracing:\n      enabled: false\n")
    assert result.exit_code == 0, result.report
    assert "registry.observability.distributedTracing.enabled: meshc turns distributed tracing off too" in result.report


# --- keys meshc's own choices match ----------------------------------------------------------------


def test_an_hpa_without_a_memory_metric_is_what_meshc_scales_alike(tmp_path):
    result, _, _ = imported(tmp_path, weather_agent="")
    values = tmp_path / "helm" / "values-weather.yaml"
    values.write_text(values.read_text().replace("  targetCPUUtilizationPercentage: 70\n", "  targetCPUUtilizationPercentage: 70\n  targetMemoryUtilizationPercentage: 0\n"))
    registry = tmp_path / "helm" / "values-registry.yaml"
    again = import_helm(tmp_path, ImportRequest("again", releases=(("mcp-registry", registry), ("weather-agent", values))))
    assert again.exit_code == 0, again.report
    assert "values-weather.yaml:28 autoscaling.targetMemoryUtilizationPercentage: the chart's HPA had no memory metric" in again.report
    assert "also scaled on memory" not in again.report
    assert "also scaled on memory (80% unless set)" in result.report  # unwritten, the chart's 80% applied


def test_a_registry_without_redis_is_what_meshc_runs(tmp_path):
    result, _, _ = imported(tmp_path, mcp_registry="registry:\n  redis:\n    enabled: false\n")
    assert result.exit_code == 0, result.report
    assert "registry.redis.enabled: meshc's registry gets no REDIS_URL" in result.report


def test_a_sqlite_file_named_in_the_registrys_env_is_the_database_path(tmp_path):
    result, _, data = imported(tmp_path, mcp_registry="env:\n  - {name: DATABASE_URL, value: /data/registry.db}\n")
    assert result.exit_code == 0, result.report
    assert data["registry"]["database"] == {"type": "sqlite", "path": "/data/registry.db"}
    assert "env.DATABASE_URL: the sqlite file the registry used" in result.report
    validates(tmp_path)
