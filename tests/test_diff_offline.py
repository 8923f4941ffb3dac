"""offline.py: a kubectl dump, another environment, a git revision."""

from __future__ import annotations

import copy
import subprocess
from pathlib import Path

import pytest
import yaml

from meshc.diff.errors import GitRevisionError, LiveFileError
from meshc.diff.offline import Identity, read_git_dist, read_live_file, retarget
from test_diff_support import LIVE, environment_text


# --- --live-from ------------------------------------------------------------------------------


def test_a_kubectl_list_dump_is_read_whole():
    objects = read_live_file(str(LIVE / "diffdemo.yaml"))
    assert len(objects) == 31 and all(o["kind"] and o["apiVersion"] for o in objects)


def test_typed_lists_and_plain_documents_are_read_too(tmp_path):
    dump = tmp_path / "live.yaml"
    dump.write_text(yaml.safe_dump_all([
        {"apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "apps/v1", "kind": "DeploymentList", "items": [{"metadata": {"name": "web"}}]}]},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}},
        None,
    ]))
    assert [(o["apiVersion"], o["kind"], o["metadata"]["name"]) for o in read_live_file(str(dump))] == [
        ("apps/v1", "Deployment", "web"), ("v1", "ConfigMap", "c")]


@pytest.mark.parametrize("content, problem", [
    ("a: [", "line 1: not valid YAML"),
    ("- just\n- a list\n", "document 1 is not a mapping"),
    ("kind: List\nitems:\n- metadata: {name: x}\n", "document 1 item 0 has no kind, apiVersion or metadata.name"),
])
def test_a_bad_dump_names_the_problem(tmp_path, content, problem):
    dump = tmp_path / "live.yaml"
    dump.write_text(content)
    with pytest.raises(LiveFileError, match=f"live_from {dump}: {problem}"):
        read_live_file(str(dump))


def test_a_missing_dump_is_an_error(tmp_path):
    with pytest.raises(LiveFileError, match="No such file or directory"):
        read_live_file(str(tmp_path / "absent.yaml"))


# --- --against-env ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def twins(tmp_path_factory):
    """diffdemo and `twin`: the same configuration in namespace mesh-twin, with its own Flux path."""
    from meshc.synth import Project, load_and_build

    project = Project(tmp_path_factory.mktemp("twins"))
    project.environments.mkdir()
    (project.environments / "diffdemo.yaml").write_text(environment_text())
    (project.environments / "twin.yaml").write_text(environment_text(**{
        "namespace: mesh-demo": "namespace: mesh-twin",
        "url: https://github.com/example-org/mcp-mesh-gitops": "url: https://github.com/example-org/mcp-mesh-gitops"
                                                               "\n  path: ./clusters/twin"}))
    return {b.name: b for b in load_and_build(project, ["diffdemo", "twin"])}


def test_the_same_configuration_under_another_identity_retargets_exactly(twins):
    source, target = twins["diffdemo"], twins["twin"]
    moved = retarget([m.obj for m in source.manifests], Identity.of(source.environment), Identity.of(target.environment))
    assert moved == [m.obj for m in target.manifests]


def test_retargeting_translates_identity_and_nothing_else(twins):
    source, target = twins["diffdemo"], twins["twin"]
    by_name = {(m.kind, m.name): m.obj for m in source.manifests}
    ks, config = by_name[("Kustomization", "meshc-diffdemo-agents")], by_name[("ConfigMap", "hello-agent-config")]
    (moved_ks, moved_config) = retarget([ks, config], Identity.of(source.environment), Identity.of(target.environment))
    assert moved_ks["metadata"]["name"] == "meshc-twin-agents"
    assert moved_ks["spec"]["path"] == "./clusters/twin/agents" and moved_ks["spec"]["sourceRef"]["name"] == "meshc-twin"
    assert moved_ks["metadata"]["labels"]["meshc.io/environment"] == "twin"
    assert moved_config["metadata"]["namespace"] == "mesh-twin"
    assert moved_config["data"]["MCP_MESH_HTTP_HOST"] == "hello-agent.mesh-twin"
    assert moved_config["data"]["MCP_MESH_REGISTRY_HOST"] == "mcp-registry"


def test_a_namespace_named_like_a_label_value_leaves_that_label_alone():
    source = Identity("prod", "mcp-mesh", "flux-system", "./dist/prod")
    target = Identity("next", "mcp-mesh-next", "flux-system", "./dist/next")
    obj = {"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": "c", "namespace": "mcp-mesh",
                        "labels": {"app.kubernetes.io/part-of": "mcp-mesh", "app.kubernetes.io/instance": "mcp-mesh"}},
           "data": {"URL": "http://mcp-registry.mcp-mesh:8000", "CHART": "mcp-mesh", "IMAGE": "x.io/mcp-mesh/a:1"}}
    (moved,) = retarget([copy.deepcopy(obj)], source, target)
    assert moved["metadata"]["labels"] == {"app.kubernetes.io/part-of": "mcp-mesh",
                                           "app.kubernetes.io/instance": "mcp-mesh-next"}
    assert moved["data"] == {"URL": "http://mcp-registry.mcp-mesh-next:8000", "CHART": "mcp-mesh",
                             "IMAGE": "x.io/mcp-mesh/a:1"}


# --- --against-git ----------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "init.defaultBranch=main",
                           *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@pytest.fixture
def repository(tmp_path) -> Path:
    """A git repository whose meshc project lives in a subfolder, with one commit of dist/diffdemo."""
    root = tmp_path / "repo"
    project = root / "deploy"
    (project / "dist" / "diffdemo" / "platform").mkdir(parents=True)
    (project / "dist" / "diffdemo" / "platform" / "configmap-a.yaml").write_text(
        "# Generated by meshc\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: mesh}\ndata: {k: v1}\n")
    (project / "dist" / "diffdemo" / "platform" / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [configmap-a.yaml]\n")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "one")
    return project


def test_the_committed_objects_are_read_and_kustomize_files_skipped(repository):
    (repository / "dist" / "diffdemo" / "platform" / "configmap-a.yaml").write_text("changed in the work tree")
    objects = read_git_dist(repository, repository / "dist", "diffdemo", "HEAD")
    assert objects == [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "mesh"},
                        "data": {"k": "v1"}}]


def test_an_environment_absent_at_the_revision_has_no_objects(repository):
    assert read_git_dist(repository, repository / "dist", "other", "HEAD") == []


def test_an_unknown_revision_is_an_error(repository):
    with pytest.raises(GitRevisionError, match="against_git v9: is not a commit in this repository"):
        read_git_dist(repository, repository / "dist", "diffdemo", "v9")


def test_a_project_outside_git_is_an_error(tmp_path):
    with pytest.raises(GitRevisionError, match="not a git repository"):
        read_git_dist(tmp_path, tmp_path / "dist", "diffdemo", "HEAD")
