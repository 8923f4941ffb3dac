"""The `shop` environment of tests/fixtures/status, a git repository holding its dist/, and a
fake cluster where Flux applied it and everything is healthy. Failure fixtures
(tests/fixtures/status/*.yaml) then change parts of that cluster the way controllers would."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
import yaml

from trees import read_tree, write_tree

FIXTURES = Path(__file__).parent / "fixtures" / "status"
ENVIRONMENT = "shop"
NAMESPACE = "shop"
# A Secret value that must never reach any output.
SECRET_VALUE = "s3cr3t-value-never-printed"
POD_TEMPLATE_HASH = "5f7c9d8b6"


@pytest.fixture(scope="session")
def shop_files(tmp_path_factory) -> dict[str, bytes]:
    """environments/ and dist/ of the shop project, as a real synth wrote them."""
    from meshc.synth import Project, synthesize

    project = Project(tmp_path_factory.mktemp("shop"))
    write_tree(project.environments, {p.name: p.read_bytes() for p in (FIXTURES / "environments").iterdir()})
    synthesize(project, [ENVIRONMENT])
    return read_tree(project.root)


@pytest.fixture(scope="session")
def shop_built(shop_files, tmp_path_factory):
    from meshc.synth import Project, load_and_build

    project = Project(tmp_path_factory.mktemp("shop-built"))
    write_tree(project.root, shop_files)
    (built,) = load_and_build(project, [ENVIRONMENT])
    return built


@pytest.fixture
def shop(tmp_path, shop_files):
    """A meshc project for `shop` in a git repository with dist/ committed; `.revision` is that commit."""
    from meshc.synth import Project

    project = Project(tmp_path / "shop")
    write_tree(project.root, shop_files)
    git(project.root, "init", "-q", "-b", "main")
    commit_all(project.root, "shop: first output")
    return project


def git(root: Path, *args: str) -> str:
    command = ["git", "-C", str(root), "-c", "user.name=test", "-c", "user.email=test@example.org", *args]
    return subprocess.run(command, check=True, capture_output=True, text=True).stdout.strip()


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


def head(root: Path) -> str:
    return git(root, "rev-parse", "HEAD")


def seed_healthy(fake, built, revision: str) -> None:
    """Everything the build holds, as Flux applied it at `revision`, with healthy controller status."""
    objects = [dict(manifest.obj) for manifest in built.manifests]
    fake.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "flux-system"}}])
    for obj in objects:
        fake.seed([{**obj, "status": _healthy_status(obj, revision)}] if obj["kind"] in _STATUS_OF else [obj])
    # What the agent chart renders for the HelmRelease-rendered agent.
    chart_labels = {"app.kubernetes.io/name": "mcp-mesh-agent", "app.kubernetes.io/instance": "pricing-agent"}
    fake.seed([
        _deployment("pricing-agent", chart_labels, 2),
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "pricing-agent", "namespace": NAMESPACE},
         "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "pricing-agent"}, "minReplicas": 2, "maxReplicas": 4},
         "status": {"currentReplicas": 2, "desiredReplicas": 2, "conditions": [
             {"type": "ScalingActive", "status": "True", "reason": "ValidMetricFound", "message": "the HPA was able to compute the replica count"}]}},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "pricing-agent", "namespace": NAMESPACE},
         "spec": {"minAvailable": 1, "selector": {"matchLabels": chart_labels}},
         "status": {"currentHealthy": 2, "desiredHealthy": 1, "disruptionsAllowed": 1, "expectedPods": 2, "observedGeneration": 1}},
    ])
    deployments = [o for o in objects if o["kind"] == "Deployment"] + [fake.live("Deployment", "pricing-agent", NAMESPACE)]
    for deployment in deployments:
        selector = deployment["spec"]["selector"]["matchLabels"]
        fake.seed([_running_pod(f"{deployment['metadata']['name']}-{POD_TEMPLATE_HASH}-{i}", selector)
                   for i in range(deployment["spec"].get("replicas", 1))])
    from meshc.secret_refs import referenced_secrets

    fake.seed([{"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": {"name": reference.name, "namespace": reference.namespace},
                "data": {key: base64.b64encode(SECRET_VALUE.encode()).decode() for key in reference.keys}}
               for reference in referenced_secrets(built.environment.model) if not reference.optional])


def apply_fixture(fake, name: str, revision: str = "") -> None:
    """Lay a fixture over the live cluster: objects with only a status change that status; others are stored whole."""
    text = (FIXTURES / name).read_text().replace("{revision}", revision)
    for document in yaml.safe_load_all(text):
        metadata = document["metadata"]
        live = fake.live(document["kind"], metadata["name"], metadata.get("namespace"))
        if live is not None and set(document) == {"apiVersion", "kind", "metadata", "status"}:
            live["status"] = document["status"]
            fake.seed([live])
        else:
            fake.seed([document])


def _deployment(name: str, labels: dict, replicas: int) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "mcp-mesh-agent", "image": "mcpmesh/python-runtime:3.6"}]}}}}


def _running_pod(name: str, labels: dict) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
            "spec": {"containers": [{"name": "main", "image": "example"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "main", "ready": True, "restartCount": 0, "state": {"running": {"startedAt": "2026-11-20T10:00:00Z"}}}]}}


def _ready(reason: str, message: str) -> dict:
    return {"observedGeneration": 1, "conditions": [
        {"type": "Ready", "status": "True", "reason": reason, "message": message, "lastTransitionTime": "2026-11-20T10:00:00Z"}]}


def _healthy_status(obj: dict, revision: str) -> dict:
    return _STATUS_OF[obj["kind"]](obj, revision)


_STATUS_OF = {
    "Kustomization": lambda obj, revision: {
        **_ready("ReconciliationSucceeded", f"Applied revision: main@sha1:{revision}"),
        "lastAppliedRevision": f"main@sha1:{revision}", "lastAttemptedRevision": f"main@sha1:{revision}"},
    "HelmRelease": lambda obj, revision: {
        **_ready("UpgradeSucceeded", f"Helm upgrade succeeded for release shop/{obj['metadata']['name']}"),
        "history": [{"chartName": "mcp-mesh-agent", "chartVersion": "3.6.0", "status": "deployed", "version": 2}]},
    "ResourceQuota": lambda obj, revision: {
        "hard": dict(obj["spec"]["hard"]), "used": {"pods": "7", "requests.cpu": "1200m"}},
}
