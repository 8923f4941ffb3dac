"""`python main.py validate` and the checks inside `synth`, through click's CliRunner.

validate: results on stdout (text or --output json), a summary on stderr;
exit 0 without errors (warnings allowed), 1 with errors, 2 for unusable input.
"""

from __future__ import annotations

import json
import os

import pytest
from checks.support import SHARED_CRDS, read_tree, run_cli, write_tree

from meshc.synth import Project

CLEAN = "global: {namespace: mesh-clean}\nagents:\n  echo-agent: {capabilities: [echo]}\n"
WARNS = "global: {namespace: mesh-warns}\nagents:\n  lonely: {dependencies: [nobody]}\n"
BROKEN = "global: {namespace: mesh-broken}\nagents:\n  greedy:\n    resources: {requests: {cpu: '2'}, limits: {cpu: '1'}}\n"
FLUX = "global: {namespace: mesh-flux}\ngitops: {url: 'https://example.com/repo.git'}\nagents:\n  echo-agent: {}\n"


@pytest.fixture
def project(tmp_path):
    project = Project(tmp_path / "project")
    write_tree(project.environments, {"clean.yaml": CLEAN, "warns.yaml": WARNS, "broken.yaml": BROKEN, "flux.yaml": FLUX})
    return project


def test_validate_clean_exits_0(project, monkeypatch):
    result = run_cli(project, ["validate", "--env", "clean"], monkeypatch)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "no findings in 1 environment"
    assert result.stderr.strip() == "validate: no findings in 1 environment"


def test_validate_with_only_warnings_exits_0(project, monkeypatch):
    result = run_cli(project, ["validate", "--env", "warns"], monkeypatch)
    assert result.exit_code == 0
    assert "warning environments/warns.yaml:3 agents.lonely.dependencies: depends on 'nobody'" in result.stdout


def test_validate_with_an_error_exits_1_and_lists_every_environment(project, monkeypatch):
    result = run_cli(project, ["validate"], monkeypatch)
    assert result.exit_code == 1
    assert "error   environments/broken.yaml:4 agents.greedy.resources.requests.cpu: requests 2 cpu but its limit is 1" in result.stdout
    assert result.stdout.splitlines()[-1] == "1 error, 2 warnings in 4 environments"


def test_validate_json_is_sorted_and_stable(project, monkeypatch):
    first = run_cli(project, ["validate", "--output", "json"], monkeypatch)
    second = run_cli(project, ["validate", "--output", "json"], monkeypatch)
    assert first.exit_code == 1 and first.stdout == second.stdout
    document = json.loads(first.stdout)
    assert document["environments"] == ["broken", "clean", "flux", "warns"]
    assert [f["environment"] for f in document["findings"]] == sorted(f["environment"] for f in document["findings"])


def test_custom_kinds_without_crds_warn_and_with_crds_pass(project, monkeypatch):
    without = run_cli(project, ["validate", "--env", "flux", "--output", "json"], monkeypatch)
    assert {f["check"] for f in json.loads(without.stdout)["findings"]} == {"schema.unchecked"}
    with_crds = run_cli(project, ["validate", "--env", "flux", "--crd-dir", str(SHARED_CRDS)], monkeypatch)
    assert with_crds.exit_code == 0 and with_crds.stdout.strip() == "no findings in 1 environment"


def test_meshc_crd_dirs_is_read_like_path(project, monkeypatch, tmp_path):
    monkeypatch.setenv("MESHC_CRD_DIRS", os.pathsep.join([str(tmp_path), str(SHARED_CRDS)]))
    result = run_cli(project, ["validate", "--env", "flux"], monkeypatch)
    assert result.exit_code == 0 and "no findings" in result.stdout


def test_a_missing_crd_dir_is_a_usage_error(project, monkeypatch, tmp_path):
    result = run_cli(project, ["validate", "--crd-dir", str(tmp_path / "nope")], monkeypatch)
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_a_broken_crd_file_is_an_input_error(project, monkeypatch, tmp_path):
    (tmp_path / "crds").mkdir()
    (tmp_path / "crds" / "bad.yaml").write_text("spec: [\n")
    result = run_cli(project, ["validate", "--crd-dir", str(tmp_path / "crds")], monkeypatch)
    assert result.exit_code == 2 and "not valid YAML" in result.stderr and "Traceback" not in result.output


def test_unusable_environments_exit_2(project, monkeypatch):
    assert run_cli(project, ["validate", "--env", "nope"], monkeypatch).exit_code == 2
    write_tree(project.environments, {"typo.yaml": "agentz: {}\n"})
    result = run_cli(project, ["validate", "--env", "typo"], monkeypatch)
    assert result.exit_code == 2 and "did you mean 'agents'?" in result.stderr


def test_an_unsupported_kubernetes_version_is_an_input_error(project, monkeypatch):
    write_tree(project.environments, {"old.yaml": "validation: {kubernetesVersion: '1.19'}\n", "float.yaml": "validation: {kubernetesVersion: 1.33}\n"})
    old = run_cli(project, ["validate", "--env", "old"], monkeypatch)
    assert old.exit_code == 2 and "validation.kubernetesVersion: no API schema for Kubernetes 1.19; choose one of 1.25 to" in old.stderr
    unquoted = run_cli(project, ["validate", "--env", "float"], monkeypatch)
    assert unquoted.exit_code == 2 and "quote it" in unquoted.stderr


def test_synth_prints_warnings_on_stderr_and_writes(project, monkeypatch):
    result = run_cli(project, ["synth", "--env", "warns"], monkeypatch)
    assert result.exit_code == 0 and result.stdout == ""
    assert "warning environments/warns.yaml:3 agents.lonely.dependencies" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("synth: ")
    assert read_tree(project.dist / "warns")


def test_synth_with_an_error_exits_1_and_writes_nothing(project, monkeypatch):
    result = run_cli(project, ["synth"], monkeypatch)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: the checks found 1 error; nothing was written:")
    assert not project.dist.exists() or read_tree(project.dist) == {}


def test_the_bare_command_cdk8s_runs_checks_too(project, monkeypatch):
    result = run_cli(project, [], monkeypatch)
    assert result.exit_code == 1 and "agents.greedy.resources.requests.cpu" in result.stderr
