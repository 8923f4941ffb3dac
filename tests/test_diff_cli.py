"""`python main.py diff`: exit codes, messages and output formats, through click's CliRunner."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from fakeapi import write_kubeconfig
from terminal import run_on_a_terminal
from test_diff_support import (  # noqa: F401  (fixtures)
    ENVIRONMENT,
    KUSTOMIZE_CONTROLLER,
    LIVE,
    NAMESPACE,
    RETIRED_TOKEN,
    applied,
    built,
    desired,
    environment_text,
    project,
    seeded,
)


@pytest.fixture
def run(cli_runner, use_project, project):
    """run(*args) -> click Result of `main.py diff --env diffdemo *args` on the diffdemo project."""
    import main

    use_project(project)

    def invoke(*args: str):
        return cli_runner.invoke(main.cli, ["diff", "--env", ENVIRONMENT, *args])

    return invoke


def drift(seeded, built) -> None:
    previous = applied(built, "Deployment", "hello-agent")
    previous["spec"]["template"]["spec"]["containers"][0]["image"] = "mcpmesh/python-runtime:3.5"
    seeded.seed([previous], field_manager=KUSTOMIZE_CONTROLLER)


def test_exit_0_when_the_cluster_matches(run, seeded, kubeconfig):
    result = run("--kubeconfig", str(kubeconfig))
    assert result.exit_code == 0, result.output
    assert "Summary: 0 to create, 0 to change, 0 deleted by Flux prune, 27 unchanged." in result.stdout
    assert result.stderr == ""


def test_exit_1_when_there_are_differences(run, seeded, built, kubeconfig):
    drift(seeded, built)
    result = run("--kubeconfig", str(kubeconfig))
    assert result.exit_code == 1
    assert f"  ~ Deployment/{NAMESPACE}/hello-agent  [change]" in result.stdout
    assert "\033[" not in result.stdout  # not a terminal: plain text


def test_exit_2_for_a_forbidden_dry_run_with_the_read_only_hint(run, seeded, kubeconfig):
    seeded.fail(method="PATCH", status=403, message="cannot patch")
    result = run("--kubeconfig", str(kubeconfig))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: 27 dry-runs forbidden (403)") and "--read-only" in result.stderr
    assert "Not compared (27):" in result.stdout  # the partial result is still printed
    assert "Traceback" not in result.output


def test_exit_2_for_a_server_error_even_with_differences(run, seeded, built, kubeconfig):
    drift(seeded, built)
    seeded.fail(method="PATCH", path_prefix=f"/api/v1/namespaces/{NAMESPACE}/services/hello-agent", status=500)
    result = run("--kubeconfig", str(kubeconfig))
    assert result.exit_code == 2
    assert "error: 1 request failed on the API server (Service/mesh-demo/hello-agent: 500 InternalError" \
           in result.stderr
    assert f"Deployment/{NAMESPACE}/hello-agent" in result.stdout


def test_exit_2_with_one_message_when_the_cluster_is_unreachable(run, tmp_path):
    path = write_kubeconfig(tmp_path / "config", {"gone": ("http://127.0.0.1:9", None)}, "gone")
    result = run("--kubeconfig", str(path))
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("error: cannot reach the API server at http://127.0.0.1:9:")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "text",
    [
        "apiVersion: v1\nclusters: 5\n",
        "clusters: [{name: a, cluster: 7}]\ncontexts: [{name: c, context: {cluster: a, user: u}}]\n"
        "current-context: c\nusers: [{name: u, user: 3}]\n",
        "- just\n- a list\n",
    ],
    ids=["clusters-a-number", "entries-of-the-wrong-type", "a-list"],
)
def test_exit_2_for_a_kubeconfig_of_the_wrong_shape(run, tmp_path, text):
    path = tmp_path / "config"
    path.write_text(text)
    result = run("--kubeconfig", str(path))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"error: cannot use kubeconfig {path}")


def test_exit_2_for_a_live_file_that_is_not_text(run, tmp_path):
    path = tmp_path / "live.yaml"
    path.write_bytes(b"kind: List\n\x8d\xff\x00binary")
    result = run("--live-from", str(path))
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "is not UTF-8 text (byte 0x8d at offset 11)" in result.stderr


def test_exit_2_at_once_for_an_alias_bomb_in_a_live_file(run, tmp_path):
    layers = ["a: &a [x, x, x, x, x, x, x, x, x, x]"] + [
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]" for i in range(8)
    ]
    path = tmp_path / "live.yaml"
    path.write_text("kind: ConfigMap\napiVersion: v1\nmetadata: {name: x}\ndata:\n" + "".join(f"  {line}\n" for line in layers))
    result = run("--live-from", str(path))
    assert result.exit_code == 2 and "an alias (*name), which kubectl never writes" in result.stderr


def test_read_only_mode_is_labelled_less_accurate(run, seeded, built, kubeconfig):
    drift(seeded, built)
    result = run("--kubeconfig", str(kubeconfig), "--read-only")
    assert result.exit_code == 1
    assert "mode: read-only: GET/LIST only" in result.stdout and "less accurate" in result.stdout


def test_json_output(run, seeded, built, kubeconfig):
    drift(seeded, built)
    result = run("--kubeconfig", str(kubeconfig), "--output", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert (document["environment"], document["mode"], document["accurate"], document["hasChanges"]) == (
        ENVIRONMENT, "dry-run", True, True)
    assert document["summary"] == {"create": 0, "change": 1, "delete": 0, "unchanged": 26, "failed": 0}
    (agent,) = [c for c in document["components"] if c["component"] == "agent/hello-agent"]
    (change,) = agent["changes"]
    assert change["fields"] == [{"path": "spec.template.spec.containers[name=mcp-mesh-agent].image",
                                 "old": "mcpmesh/python-runtime:3.5", "new": "mcpmesh/python-runtime:3.6"}]
    assert document["notes"] == ["HelmRelease objects are compared as objects: the chart they render is not part "
                                 "of this diff (Flux renders it in the cluster)."]


def test_markdown_output(run, seeded, built, kubeconfig):
    drift(seeded, built)
    result = run("--kubeconfig", str(kubeconfig), "--output", "markdown")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "### meshc diff `diffdemo`: 0 to create, 1 to change, 0 deleted by Flux prune, 26 unchanged"
    assert "| agent/hello-agent | 0 | 1 | 0 | 3 |" in lines and "#### agent/hello-agent" in lines


def test_live_from_a_kubectl_dump(run):
    result = run("--live-from", str(LIVE / "diffdemo.yaml"))
    assert result.exit_code == 1
    assert "mode: offline, live state from a file" in result.stdout
    assert f"  - ConfigMap/{NAMESPACE}/retired-agent-config  [deleted by Flux prune]" in result.stdout
    assert "Secret" not in result.stdout and RETIRED_TOKEN not in result.stdout  # meshc writes no Secrets


def test_against_env_shows_only_what_promotion_changes(cli_runner, use_project, make_project):
    import main

    use_project(make_project({
        "diffdemo.yaml": environment_text(),
        "next.yaml": environment_text(**{"namespace: mesh-demo": "namespace: mesh-next", "env: {GREETING: hello}":
                                         "env: {GREETING: hi}"}),
        "twin.yaml": environment_text(**{"namespace: mesh-demo": "namespace: mesh-twin"}),
    }))
    same = cli_runner.invoke(main.cli, ["diff", "--env", "twin", "--against-env", ENVIRONMENT])
    assert same.exit_code == 0, same.stdout
    promoted = cli_runner.invoke(main.cli, ["diff", "--env", "next", "--against-env", ENVIRONMENT, "--output", "json"])
    assert promoted.exit_code == 1
    document = json.loads(promoted.stdout)
    (agent,) = [c for c in document["components"] if c["changes"]]
    assert [(f["path"], f["old"], f["new"]) for change in agent["changes"] for f in change["fields"]] == [
        ("spec.template.spec.containers[name=mcp-mesh-agent].env[name=GREETING].value", "hello", "hi")]
    assert agent["changes"][0]["subject"] == f"Deployment/{NAMESPACE}/hello-agent"  # in diffdemo's namespace


def test_against_git_compares_with_the_committed_dist(cli_runner, use_project, make_project):
    import main
    from meshc.synth import load_and_build
    from meshc.writer import render_environment, write_environments

    project = make_project({f"{ENVIRONMENT}.yaml": environment_text()})
    (environment,) = load_and_build(project, [ENVIRONMENT])  # synth's writer, without synth's checks
    write_environments(project.dist, {ENVIRONMENT: render_environment(environment)}, remove_others=False)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "first"]):
        subprocess.run([*git, *command], cwd=project.root, check=True, capture_output=True)
    (project.environments / f"{ENVIRONMENT}.yaml").write_text(environment_text(**{
        "maxReplicas: 4": "maxReplicas: 6"}))
    use_project(project)
    result = cli_runner.invoke(main.cli, ["diff", "--env", ENVIRONMENT, "--against-git", "HEAD"])
    assert result.exit_code == 1, result.output
    assert f"  ~ HorizontalPodAutoscaler/{NAMESPACE}/weather-agent  [change]\n      spec.maxReplicas: 4 → 6" \
        in result.stdout
    assert "Summary: 0 to create, 1 to change, 0 deleted by Flux prune, 26 unchanged." in result.stdout
    unknown = cli_runner.invoke(main.cli, ["diff", "--env", ENVIRONMENT, "--against-git", "no-such-ref"])
    assert unknown.exit_code == 2
    assert unknown.stderr == "error: --against-git no-such-ref: is not a commit in this repository " \
                             "(try a branch, tag or commit id)\n"


@pytest.mark.parametrize("args, message", [
    (["--live-from", "x.yaml", "--kubeconfig", "k"], "error: diff: --live-from compares offline, so --kubeconfig"),
    (["--against-env", "diffdemo"], "error: diff: --against-env diffdemo is the environment itself"),
])
def test_conflicting_options_exit_2(run, args, message):
    result = run(*args)
    assert result.exit_code == 2 and result.stderr.startswith(message)


def test_an_unknown_environment_exits_2(cli_runner, use_project, project):
    import main

    use_project(project)
    result = cli_runner.invoke(main.cli, ["diff", "--env", "nope", "--live-from", "x.yaml"])
    assert result.exit_code == 2 and result.stderr.startswith("error: environment 'nope' not found")


# --- a real terminal ------------------------------------------------------------------------------


def on_a_terminal(project, no_color: bool) -> str:
    """Run `main.py diff --live-from` on a pseudo-terminal and return what it printed."""
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    env.update({"NO_COLOR": "1"} if no_color else {})
    _, printed = run_on_a_terminal(project.root, ["diff", "--env", ENVIRONMENT, "--live-from", str(LIVE / "diffdemo.yaml")], env)
    return printed


def test_color_on_a_terminal_unless_no_color(project):
    colored = on_a_terminal(project, no_color=False)
    assert "\033[31m  - ConfigMap/mesh-demo/retired-agent-config\033[0m" in colored
    plain = on_a_terminal(project, no_color=True)
    assert "  - ConfigMap/mesh-demo/retired-agent-config  [deleted by Flux prune]" in plain and "\033[" not in plain


def test_field_manager_names_who_the_dry_run_applies_as(run, seeded, kubeconfig):
    result = run("--kubeconfig", str(kubeconfig), "--field-manager", "ops-tool")
    assert "mode: server-side apply dry-run as field manager ops-tool" in result.stdout
    patches = [r for r in seeded.requests if r.method == "PATCH"]
    assert patches and {r.query["fieldManager"] for r in patches} == {"ops-tool"}


def test_field_manager_with_read_only_is_refused(run, kubeconfig):
    result = run("--kubeconfig", str(kubeconfig), "--read-only", "--field-manager", "ops-tool")
    assert result.exit_code == 2
    assert "--read-only sends no dry-run, so --field-manager would have no effect" in result.stderr
