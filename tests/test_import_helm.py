"""`python main.py import-helm`: Helm values -> an environment, a complete report, and honest exit codes.

The inputs are the seed's four per-chart values files and its umbrella chart,
written by hand into tests/fixtures/helm/. Exit 0: every value placed; 1: some
value could not be placed (listed); 2: unusable input (file, line and key).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

import main
from meshc.synth import Project, synthesize, validate

HELM = Path(__file__).resolve().parent / "fixtures" / "helm"
SEED_RELEASES = {
    "mcp-registry": "values-registry.yaml",
    "hello-world-agent": "values-hello-world.yaml",
    "system-agent": "values-system.yaml",
    "weather-agent": "values-weather.yaml",
}
PER_CHART_ARGS = [arg for name, file in SEED_RELEASES.items() for arg in ("--release", f"{name}=helm/per-chart/{file}")]
UMBRELLA_ARGS = ["--umbrella", "mcp-platform=helm/umbrella/values.yaml"]
SEED_SECRET = "your-api-key"


@pytest.fixture
def project(tmp_path, use_project, monkeypatch):
    """A project with no environments yet and the seed's Helm values under helm/; the CLI runs from its root."""
    shutil.copytree(HELM, tmp_path / "helm", ignore=shutil.ignore_patterns("rendered"))
    (tmp_path / "environments").mkdir()
    project = Project(tmp_path)
    use_project(project)
    monkeypatch.chdir(tmp_path)
    return project


@pytest.fixture
def run(cli_runner):
    def invoke(*args: str):
        return cli_runner.invoke(main.cli, ["import-helm", *args])

    return invoke


def section(report: str, title: str) -> list[str]:
    """The `file:line key` of every entry of one report section."""
    match = re.search(rf"^{re.escape(title)} \(\d+\):\n((?:  .*\n)+)", report, re.MULTILINE)
    return [line.split(": ", 1)[0].strip() for line in match.group(1).splitlines()] if match else []


# --- both install shapes import into environments that synthesize --------------------------


@pytest.mark.parametrize("args", [PER_CHART_ARGS, UMBRELLA_ARGS], ids=["per-chart", "umbrella"])
def test_the_seed_imports_into_an_environment_that_validates_and_synthesizes(project, run, args):
    result = run("--env", "adopted", *args)
    assert result.exit_code == 0, result.output
    assert not validate(project, ["adopted"]).errors
    assert synthesize(project, ["adopted"]).written.added


def test_the_environment_starts_with_the_schema_comment_and_says_where_it_came_from(project, run):
    run("--env", "adopted", *PER_CHART_ARGS)
    text = (project.environments / "adopted.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=./meshc-environment.schema.json\n")
    assert "#   release weather-agent (mcp-mesh-agent): objects weather-agent-mcp-mesh-agent, values helm/per-chart/values-weather.yaml" in text


def test_translated_values_carry_a_comment_saying_what_they_were(project, run):
    run("--env", "adopted", *PER_CHART_ARGS)
    text = (project.environments / "adopted.yaml").read_text()
    assert "    # was a literal value in the Helm values\n      WEATHER_API_KEY: {secret: weather-agent-secrets, key: WEATHER_API_KEY}" in text
    assert "    # the chart ignored it; meshc checks it\n    dependencies: [location_service]" in text


# --- the report -------------------------------------------------------------------------------


def test_the_report_lists_exactly_the_keys_the_per_chart_releases_ignore(project, run):
    report = run("--env", "adopted", *PER_CHART_ARGS).output
    agents = [f"helm/per-chart/{file}" for file in ("values-hello-world.yaml", "values-system.yaml", "values-weather.yaml")]
    expected = {f"{file}:{line} {key}" for file in agents for line, key in ((4, "agent.script"), (7, "agent.registryUrl"))}
    assert set(section(report, "ignored by the charts")) == expected | {"helm/per-chart/values-registry.yaml:17 registry.database.path"}


def test_the_report_lists_exactly_the_keys_the_umbrella_ignores(project, run):
    report = run("--env", "adopted", *UMBRELLA_ARGS).output
    expected = {"helm/umbrella/values.yaml:5 global.namespace"} | {
        f"helm/umbrella/values.yaml:{line} {agent}.agent.{key}"
        for agent, first in (("hello-world-agent", 35), ("system-agent", 48), ("weather-agent", 61))
        for line, key in ((first, "script"), (first + 1, "registryUrl"))
    }
    assert set(section(report, "ignored by the charts")) == expected


def test_capabilities_and_dependencies_become_model_fields(project, run):
    report = run("--env", "adopted", *PER_CHART_ARGS).output
    assert "values-weather.yaml:11 agent.dependencies: the chart ignores it" in report
    assert "in meshc it is a model field that drives the dependency checks" in report


def test_the_report_says_the_registry_url_is_derived_and_where_agents_pointed_before(project, run):
    report = run("--env", "adopted", *PER_CHART_ARGS).output
    assert (
        "values-hello-world.yaml:7 agent.registryUrl: the chart pointed this agent at http://mcp-core-mcp-mesh-registry:8000; "
        "meshc wires it to http://mcp-registry-mcp-mesh-registry:8000" in report
    )


def test_a_literal_secret_becomes_a_reference_and_a_kubectl_command_never_the_value(project, run):
    result = run("--env", "adopted", *PER_CHART_ARGS)
    assert section(result.output, "literal secrets, now Secret references") == [
        "helm/per-chart/values-weather.yaml:20 env.WEATHER_API_KEY"
    ]
    assert (
        "kubectl create secret generic weather-agent-secrets -n mcp-mesh "
        "--from-literal=WEATHER_API_KEY='<value of env.WEATHER_API_KEY in helm/per-chart/values-weather.yaml>'"
    ) in result.output
    assert SEED_SECRET not in result.output
    assert SEED_SECRET not in (project.environments / "adopted.yaml").read_text()


def test_a_literal_database_password_becomes_a_password_secret_and_a_command(project, run):
    values = project.root / "helm" / "per-chart" / "values-registry.yaml"
    values.write_text(values.read_text().replace("type: sqlite\n    path: /data/registry.db", "type: postgres\n    host: db.internal\n    password: hunter2-literal"))
    result = run("--env", "adopted", *PER_CHART_ARGS)
    text = (project.environments / "adopted.yaml").read_text()
    assert "passwordSecret: {secret: mcp-registry-mcp-mesh-registry-database, key: password}" in text
    assert (
        "--from-literal=password='<value of registry.database.password in helm/per-chart/values-registry.yaml>'"
        in result.output
    )
    assert "hunter2-literal" not in result.output + text


def test_the_umbrella_registry_reads_the_password_from_the_secret_the_chart_made(project, run):
    run("--env", "adopted", *UMBRELLA_ARGS)
    text = (project.environments / "adopted.yaml").read_text()
    assert "passwordSecret: {secret: mcp-platform-mcp-mesh-registry-secret, key: database-password}" in text
    assert "host: mcp-mesh-postgres" in text and "urlSecret" not in text


def test_a_value_meshc_cannot_place_is_listed_and_exits_1(project, run):
    values = project.root / "helm" / "per-chart" / "values-system.yaml"
    values.write_text(values.read_text() + "tolerations:\n  - {key: gpu, operator: Exists}\n")
    result = run("--env", "adopted", *PER_CHART_ARGS)
    assert result.exit_code == 1
    assert section(result.output, "not placed (the environment does not reproduce these)") == [
        "helm/per-chart/values-system.yaml:24 tolerations"
    ]


# --- files: determinism, overwriting --------------------------------------------------------------


def test_importing_twice_gives_byte_identical_output(project, run):
    run("--env", "adopted", *UMBRELLA_ARGS)
    first = (project.environments / "adopted.yaml").read_bytes()
    assert run("--env", "adopted", "--force", *UMBRELLA_ARGS).exit_code == 0
    assert (project.environments / "adopted.yaml").read_bytes() == first


def test_an_existing_environment_is_replaced_only_with_force(project, run):
    (project.environments / "adopted.yaml").write_text("# mine\n")
    result = run("--env", "adopted", *PER_CHART_ARGS)
    assert result.exit_code == 2
    assert "environments/adopted.yaml exists; import-helm replaces it only with --force" in result.output
    assert (project.environments / "adopted.yaml").read_text() == "# mine\n"


def test_a_base_that_adds_only_delivery_settings_is_extended(project, run):
    (project.environments / "_delivery.yaml").write_text("gitops: {url: https://example.org/mesh.git}\n")
    run("--env", "adopted", *PER_CHART_ARGS)
    assert "\nextends: _delivery.yaml\n" in (project.environments / "adopted.yaml").read_text()
    assert not validate(project, ["adopted"]).errors


def test_a_base_that_would_add_an_agent_is_not_extended(project, run):
    (project.environments / "_base.yaml").write_text("agents:\n  billing-agent: {}\n")
    run("--env", "adopted", *PER_CHART_ARGS)
    text = (project.environments / "adopted.yaml").read_text()
    assert "extends:" not in text
    assert "#   _base.yaml would add agents.billing-agent" in text


# --- bad values: exit 2 with file, line and key ---------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (("agent:\n  name:", "agent:\n  nmae:"), "helm/per-chart/values-weather.yaml:3 agent.nmae: unknown key: the mcp-mesh-agent chart has no such value; did you mean 'agent.name'?"),
        (("minReplicas: 2", "minReplicas: two"), "helm/per-chart/values-weather.yaml:25 autoscaling.minReplicas: expected a number, got a string 'two'"),
        (("autoscaling:\n  enabled: true", "autoscaling:\n  enabled: yes please"), "helm/per-chart/values-weather.yaml:24 autoscaling.enabled: expected true or false"),
    ],
    ids=["typo", "number", "boolean"],
)
def test_a_typo_or_a_wrong_type_exits_2_naming_file_line_and_key(project, run, edit, expected):
    values = project.root / "helm" / "per-chart" / "values-weather.yaml"
    values.write_text(values.read_text().replace(*edit))
    result = run("--env", "adopted", *PER_CHART_ARGS)
    assert result.exit_code == 2
    assert "1 problem in the Helm values; nothing was written:" in result.output
    assert expected in result.output
    assert not (project.environments / "adopted.yaml").exists()


def test_a_typo_inside_an_umbrella_block_names_the_block(project, run):
    values = project.root / "helm" / "umbrella" / "values.yaml"
    values.write_text(values.read_text().replace("  replicaCount: 1", "  replicaCont: 1"))
    result = run("--env", "adopted", *UMBRELLA_ARGS)
    assert result.exit_code == 2
    assert "helm/umbrella/values.yaml:12 mcp-mesh-registry.replicaCont: unknown key" in result.output
    assert "did you mean 'replicaCount'?" in result.output


def test_an_agent_release_is_told_from_its_keys_even_without_an_agent_block(project, run):
    (project.root / "helm" / "billing.yaml").write_text("image: {repository: acme/billing, tag: '1.2'}\nsecrets: {}\n")
    result = run("--env", "adopted", *PER_CHART_ARGS, "--release", "billing=helm/billing.yaml")
    assert result.exit_code == 0, result.output
    assert "\n  billing:\n    image: {repository: acme/billing, tag: '1.2'}\n" in (project.environments / "adopted.yaml").read_text()


@pytest.mark.parametrize("name", ["../outside", "_base", "Prod"])
def test_an_environment_name_that_is_not_one_is_refused(project, run, name):
    result = run("--env", name, *PER_CHART_ARGS)
    assert result.exit_code == 2
    assert "is not an environment name" in result.output
    assert list(project.environments.iterdir()) == []


def test_a_release_argument_without_a_name_is_refused(project, run):
    result = run("--env", "adopted", "--release", "helm/per-chart/values-registry.yaml")
    assert result.exit_code == 2
    assert "is not NAME=FILE" in result.output
