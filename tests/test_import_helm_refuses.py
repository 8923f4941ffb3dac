"""`import-helm` refuses unusable input with exit 2: every problem at the values file, line and key
(or the argument) it comes from, no traceback, no secret value shown, nothing written."""

from __future__ import annotations

import os

import pytest
from test_import_helm import PER_CHART_ARGS, project, run  # noqa: F401  (fixtures)

from meshc.synth import validate

REGISTRY = "mcp-registry=helm/per-chart/values-registry.yaml"
HELLO = "helm/per-chart/values-hello-world.yaml"


def refused(result, *expected: str) -> str:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    for line in expected:
        assert line in result.output
    return result.output


def no_environment_written(project) -> bool:  # noqa: F811
    return list(project.environments.iterdir()) == []


# --- secret values are never printed ------------------------------------------------------------


def test_a_literal_secret_of_the_wrong_shape_is_refused_without_showing_it(project, run):  # noqa: F811
    (project.root / "helm" / "echo.yaml").write_text(
        'agent: {name: echo}\nsecrets: "MyLiteralSecretString99"\nenv: "API_KEY=TopSecretEnv77"\n'
    )
    output = refused(
        run("--env", "adopted", "--release", REGISTRY, "--release", "echo=helm/echo.yaml"),
        "helm/echo.yaml:2 secrets: expected a mapping, got a string (value not shown: it may be a secret)",
        "helm/echo.yaml:3 env: expected a list, got a string (value not shown: it may be a secret)",
    )
    assert "MyLiteralSecretString99" not in output and "TopSecretEnv77" not in output


# --- the umbrella's Chart.yaml ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dependencies", "expected"),
    [
        ("dependencies: 5\n", "helm/umbrella/Chart.yaml:3 dependencies: expected a list of charts, got a number 5"),
        ("dependencies: [{name: mcp-mesh-agent, alias: [x]}]\n",
         "helm/umbrella/Chart.yaml:3 dependencies[0].alias: expected a string, got a list"),
        ("dependencies: [7]\n", "helm/umbrella/Chart.yaml:3 dependencies[0]: expected a mapping, got a number 7"),
        ("dependencies:\n  - {name: mcp-mesh-registry}\n  - {name: mcp-mesh-agent, alias: Hello_World}\n",
         "helm/umbrella/Chart.yaml:5 dependencies[1].alias: 'Hello_World' is not a Helm release name"),
        ("dependencies:\n  - {name: redis}\n  - {name: mcp-mesh-registry}\n  - {name: mcp-mesh-agent, alias: a}\n  - {name: mcp-mesh-agent, alias: a}\n",
         "helm/umbrella/Chart.yaml:7 dependencies[3]: a second subchart named 'a'"),
        ("name: [x]\ndependencies: [{name: mcp-mesh-registry}]\n", "helm/umbrella/Chart.yaml:2 name: expected the chart's name, got a list"),
    ],
    ids=["not-a-list", "alias-list", "entry-not-a-mapping", "alias-not-a-label", "alias-twice", "name-not-a-string"],
)
def test_an_umbrella_chart_of_the_wrong_shape_is_refused_at_its_line(project, run, dependencies, expected):  # noqa: F811
    name = "" if dependencies.startswith("name:") else "name: x\n"
    (project.root / "helm" / "umbrella" / "Chart.yaml").write_text(f"apiVersion: v2\n{name}{dependencies}")
    refused(run("--env", "adopted", "--umbrella", "mcp-platform=helm/umbrella/values.yaml"), expected)
    assert no_environment_written(project)


def test_an_umbrella_needs_its_release_name(project, run):  # noqa: F811
    refused(run("--env", "adopted", "--umbrella", "helm/umbrella/values.yaml"), "is not NAME=FILE", "helm list -A")
    assert no_environment_written(project)


# --- release names --------------------------------------------------------------------------------


def test_a_release_given_twice_is_refused(project, run):  # noqa: F811
    refused(
        run("--env", "adopted", "--release", REGISTRY, "--release", f"hw={HELLO}",
            "--release", "hw=helm/per-chart/values-system.yaml"),
        "--release hw given twice",
    )
    assert no_environment_written(project)


@pytest.mark.parametrize("name", ["Bad_Name", "hello world", "a" * 54])
def test_a_release_name_helm_would_refuse_is_refused(project, run, name):  # noqa: F811
    refused(run("--env", "adopted", "--release", REGISTRY, "--release", f"{name}={HELLO}"), f"{name!r} is not a Helm release name")
    assert no_environment_written(project)


def test_an_umbrella_release_name_helm_would_refuse_is_refused(project, run):  # noqa: F811
    refused(run("--env", "adopted", "--umbrella", "Bad_Rel=helm/umbrella/values.yaml"), "'Bad_Rel' is not a Helm release name")


# --- values meshc refuses are told at the values' line ------------------------------------------


def test_values_meshc_refuses_are_told_at_the_values_file_line_and_key(project, run):  # noqa: F811
    (project.root / "helm" / "typo.yaml").write_text(
        "agent:\n  name: typo\n  http: {port: 99999}\n"
        "image:\n  repository: Mcp Mesh\n  tag: '1'\n"
        "resources:\n  requests: {cpu: lots, memory: 1Gi}\n"
        "persistence: {enabled: true, size: -5Gi}\n"
    )
    output = refused(
        run("--env", "adopted", "--release", REGISTRY, "--release", "typo=helm/typo.yaml"),
        "helm/typo.yaml:3 agent.http.port:",
        "helm/typo.yaml:5 image.repository:",
        "helm/typo.yaml:8 resources.requests.cpu:",
        "helm/typo.yaml:9 persistence.size:",
    )
    assert "environments/adopted.yaml" not in output and "Value error" not in output
    assert no_environment_written(project)


def test_an_import_that_is_written_validates(project, run):  # noqa: F811
    assert run("--env", "adopted", *PER_CHART_ARGS).exit_code == 0
    assert not validate(project, ["adopted"]).errors


# --- the file written, and the files read ---------------------------------------------------------


def test_an_environment_that_is_a_symbolic_link_is_not_written_through(project, run, tmp_path_factory):  # noqa: F811
    outside = tmp_path_factory.mktemp("outside") / "evil.yaml"
    (project.environments / "adopted.yaml").symlink_to(outside)
    refused(run("--env", "adopted", "--force", *PER_CHART_ARGS), "environments/adopted.yaml is a symbolic link")
    assert not outside.exists()


def test_the_environment_is_written_whole_with_no_temporary_file_left(project, run):  # noqa: F811
    assert run("--env", "adopted", *PER_CHART_ARGS).exit_code == 0
    assert sorted(os.listdir(project.environments)) == ["adopted.yaml"]
    assert oct((project.environments / "adopted.yaml").stat().st_mode & 0o777) != oct(0o600)


def test_a_folder_given_as_a_values_file_is_called_a_folder(project, run):  # noqa: F811
    refused(run("--env", "adopted", "--release", REGISTRY, "--release", "hw=helm/per-chart"), "helm/per-chart is a folder, not a file")


def test_a_values_file_too_large_is_not_told_to_use_extends(project, run):  # noqa: F811
    (project.root / "helm" / "huge.yaml").write_text("agent: {name: huge}\n" + "# padding\n" * 120_000)
    output = refused(run("--env", "adopted", "--release", REGISTRY, "--release", "huge=helm/huge.yaml"), "the limit for a values file")
    assert "extends" not in output


def test_a_refused_entry_of_a_list_merged_from_every_release_is_told_at_its_own_line(project, run):  # noqa: F811
    (project.root / "helm" / "pull.yaml").write_text("agent: {name: pull}\nimagePullSecrets:\n  - {name: zeta}\n  - {name: Bad Name}\n")
    refused(
        run("--env", "adopted", *PER_CHART_ARGS, "--release", "pull=helm/pull.yaml"),
        "helm/pull.yaml:4 imagePullSecrets[1]: must be a DNS-1123 label",
    )


def test_a_value_meshc_refuses_inside_an_umbrella_block_names_the_block(project, run):  # noqa: F811
    values = project.root / "helm" / "umbrella" / "values.yaml"
    values.write_text(values.read_text().replace("  replicaCount: 1", "  replicaCount: -3", 1))
    refused(run("--env", "adopted", "--umbrella", "mcp-platform=helm/umbrella/values.yaml"),
            "helm/umbrella/values.yaml:12 mcp-mesh-registry.replicaCount: ", "(meshc's registry.replicas)")
    assert no_environment_written(project)


@pytest.mark.parametrize("text", ["null\n", "", "# nothing set\n"], ids=["helm-get-values-null", "empty", "comment"])
def test_a_release_installed_without_values_imports_with_the_charts_defaults(project, run, text):  # noqa: F811
    (project.root / "helm" / "plain.yaml").write_text(text)
    result = run("--env", "adopted", *PER_CHART_ARGS, "--release", "plain-agent=helm/plain.yaml")
    assert result.exit_code in (0, 1), result.output
    assert "\n  plain-agent:" in (project.environments / "adopted.yaml").read_text()
