"""The command line: `main.cli` through click's CliRunner (exit codes and messages),
and one real `cdk8s synth` in a copy of the project.

Bad environment files are covered case by case in test_bad_input.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field

import pytest

import main
from meshc.schema import SCHEMA_FILE, environment_schema

EOL_BANNER = "end-of-life"


@pytest.fixture
def project(make_project, minimal_environment, use_project):
    """`main.cli` pointed at a project with environments `alpha` and `beta` and no dist/ yet."""
    project = make_project({f"{name}.yaml": minimal_environment(name) for name in ("alpha", "beta")})
    use_project(project)
    return project


@pytest.fixture
def invoke(cli_runner):
    def run(*args: str, **kwargs):
        return cli_runner.invoke(main.cli, list(args), **kwargs)

    return run


# --- synth -----------------------------------------------------------------------------------


def test_synth_writes_every_environment_and_exits_0(project, invoke, read_tree):
    result = invoke("synth")
    assert result.exit_code == 0, result.stderr
    tree = read_tree(project.dist)
    assert {path.split("/", 1)[0] for path in tree} == {"alpha", "beta"}
    assert result.stderr.splitlines()[-1] == f"synth: {len(tree)} added, 0 changed, 0 removed, 0 unchanged"


def test_synth_lists_every_added_file_on_stderr(project, invoke):
    result = invoke("synth")
    assert "  added    dist/alpha/agents/deployment-echo-agent.yaml" in result.stderr.splitlines()


def test_synth_prints_nothing_on_stdout(project, invoke):
    assert invoke("synth").stdout == ""


def test_second_synth_reports_every_file_unchanged(project, invoke, read_tree):
    invoke("synth")
    result = invoke("synth")
    assert result.exit_code == 0
    assert result.stderr == f"synth: 0 added, 0 changed, 0 removed, {len(read_tree(project.dist))} unchanged\n"


def test_synth_env_writes_only_that_environment(project, invoke):
    result = invoke("synth", "--env", "beta")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in project.dist.iterdir()) == ["beta"]


def test_synth_env_may_be_repeated(project, invoke):
    assert invoke("synth", "--env", "alpha", "--env", "beta").exit_code == 0
    assert sorted(p.name for p in project.dist.iterdir()) == ["alpha", "beta"]


def test_unknown_env_exits_2_naming_the_available_environments(project, invoke):
    result = invoke("synth", "--env", "nope")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: environment 'nope' not found: there is no environments/nope.yaml (available: alpha, beta)\n"
    )
    assert not project.dist.exists()


def test_a_base_file_is_not_an_environment_to_synthesize(make_project, minimal_environment, use_project, invoke):
    use_project(make_project({"alpha.yaml": minimal_environment("alpha"), "_base.yaml": "{}\n"}))
    result = invoke("synth", "--env", "_base")
    assert result.exit_code == 2
    assert "environment '_base' not found" in result.stderr


def test_unknown_option_is_a_usage_error_with_exit_2(project, invoke):
    result = invoke("synth", "--environment", "alpha")
    assert result.exit_code == 2
    assert "No such option '--environment'" in result.stderr


# --- the no-argument run (what `cdk8s synth` starts) -----------------------------------------------


def test_no_argument_run_synthesizes_every_environment_like_synth(project, invoke, read_tree):
    result = invoke()
    assert result.exit_code == 0, result.stderr
    without_arguments = read_tree(project.dist)
    shutil.rmtree(project.dist)
    invoke("synth")
    assert without_arguments == read_tree(project.dist)


def test_no_argument_run_mirrors_dist_into_CDK8S_OUTDIR(project, invoke, read_tree, tmp_path):
    outdir = tmp_path / "cdk8s.out"
    result = invoke(env={"CDK8S_OUTDIR": str(outdir)})
    assert result.exit_code == 0, result.stderr
    assert read_tree(outdir) == read_tree(project.dist)


def test_no_argument_run_with_bad_input_exits_2(project, invoke):
    (project.environments / "beta.yaml").write_text("agentz: {}\n")
    result = invoke()
    assert result.exit_code == 2
    assert "environments/beta.yaml:1 agentz: unknown key; did you mean 'agents'?" in result.stderr
    assert not project.dist.exists()


# --- schema -------------------------------------------------------------------------------------


def test_schema_command_writes_the_schema_the_model_generates(project, invoke):
    result = invoke("schema")
    assert result.exit_code == 0
    assert f"wrote environments/{SCHEMA_FILE}" in result.stderr.splitlines()
    assert (project.environments / SCHEMA_FILE).read_text(encoding="utf-8") == environment_schema()


# --- one real `cdk8s synth` --------------------------------------------------------------------------


@dataclass
class Run:
    returncode: int
    output: str  # stdout and stderr
    stderr: str
    dist: dict[str, bytes] = field(repr=False)


@dataclass
class RealRuns:
    """`cdk8s synth` (with the PATH `make synth` sets), then `python main.py synth` from an
    empty dist/ (with a PATH that lacks the project's Node), then `cdk8s synth` with a broken
    environment file, all in one copy of the project."""

    cdk8s: Run
    cdk8s_outdir: dict[str, bytes] = field(repr=False)
    python: Run | None = None
    broken: Run | None = None


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory, repo_root, read_tree) -> RealRuns:
    root = tmp_path_factory.mktemp("cdk8s") / "meshc"
    root.mkdir()
    for name in ("main.py", "cdk8s.yaml"):
        shutil.copy2(repo_root / name, root / name)
    shutil.copytree(repo_root / "constructs", root / "constructs", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(repo_root / "environments", root / "environments")
    for name in ("node_modules", ".venv"):
        (root / name).symlink_to(repo_root / name)
    # A shell's PATH without the project's tools: `python main.py` must find the pinned Node by itself.
    plain_path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if "node_modules" not in p and ".venv" not in p)
    make_path = os.pathsep.join([str(root / ".venv" / "bin"), str(root / "node_modules" / ".bin"), plain_path])

    def run(*args: str, path: str = make_path) -> Run:
        # CDK8S_CHECK_UPGRADE: cdk8s-cli's npm upgrade check needs the network and says nothing about meshc.
        env = {**os.environ, "PATH": path, "CDK8S_CHECK_UPGRADE": "false"}
        done = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=300)
        return Run(done.returncode, done.stdout + done.stderr, done.stderr, read_tree(root / "dist"))

    runs = RealRuns(cdk8s=run("cdk8s", "synth"), cdk8s_outdir=read_tree(root / ".cdk8s.out"))
    shutil.rmtree(root / "dist")
    runs.python = run(str(root / ".venv" / "bin" / "python"), "main.py", "synth", path=plain_path)
    with (root / "environments" / "dev.yaml").open("a", encoding="utf-8") as broken:
        broken.write("agentz: {}\n")
    runs.broken = run("cdk8s", "synth")
    return runs


def test_cdk8s_synth_exits_0_and_writes_dist_for_every_environment(real_runs, repo_root):
    assert real_runs.cdk8s.returncode == 0, real_runs.cdk8s.output
    environments = sorted(p.stem for p in (repo_root / "environments").glob("*.yaml") if not p.name.startswith("_"))
    assert sorted({path.split("/", 1)[0] for path in real_runs.cdk8s.dist}) == environments


def test_cdk8s_synth_and_python_main_py_synth_write_the_same_dist(real_runs):
    assert real_runs.python.returncode == 0, real_runs.python.output
    assert real_runs.python.dist == real_runs.cdk8s.dist


def test_cdk8s_synth_lists_the_same_files_in_its_output_folder(real_runs):
    assert real_runs.cdk8s_outdir == real_runs.cdk8s.dist
    assert "  - .cdk8s.out/dev/kustomization.yaml" in real_runs.cdk8s.output.splitlines()


def test_failing_cdk8s_synth_exits_non_zero_and_leaves_dist_byte_identical(real_runs):
    assert real_runs.broken.returncode != 0
    assert real_runs.broken.dist == real_runs.python.dist


def test_failing_cdk8s_synth_shows_the_input_error(real_runs):
    assert "environments/dev.yaml:" in real_runs.broken.output
    assert "agentz: unknown key; did you mean 'agents'?" in real_runs.broken.output


def test_jsii_never_runs_on_an_end_of_life_node(real_runs):
    for run in (real_runs.cdk8s, real_runs.python, real_runs.broken):
        assert EOL_BANNER not in run.stderr


def test_synth_in_worker_processes_still_refuses_two_environments_in_one_namespace(tmp_path, repo_root):
    """A fresh process builds stale environments in parallel workers (a test session, with jsii's
    threads running, builds them serially): the rules across environments must hold there too."""
    (tmp_path / "environments").mkdir()
    for name in ("a", "b"):
        (tmp_path / "environments" / f"{name}.yaml").write_text("global: {namespace: same}\n")
    (tmp_path / "main.py").write_bytes((repo_root / "main.py").read_bytes())  # it finds the project beside itself
    (tmp_path / "constructs").symlink_to(repo_root / "constructs")
    done = subprocess.run([sys.executable, "main.py", "synth"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stderr
    assert "environments a and b both write namespace 'same'" in done.stderr
    assert not (tmp_path / "dist").exists()
