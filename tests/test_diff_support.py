"""Fixtures shared by the test_diff_* modules, and the tests that keep the live fixtures honest.

The `diffdemo` environment (tests/fixtures/live/diffdemo.env.yaml) is built with meshc's real
build; tests/fixtures/live/diffdemo.yaml is its live state as `kubectl get -o yaml` shows it
(regenerate.py). Other modules import the fixtures they use from here.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from fakeapi import write_kubeconfig

LIVE = Path(__file__).resolve().parent / "fixtures" / "live"
ENVIRONMENT = "diffdemo"
NAMESPACE = "mesh-demo"
FLUX_NAMESPACE = "flux-system"
KUSTOMIZE_CONTROLLER = "kustomize-controller"  # the field manager Flux applies dist/ as
REGENERATE = "run `.venv/bin/python tests/fixtures/live/regenerate.py` and commit the result"
# base64 of the retired token in the live fixture, and its plain text: must never be printed.
RETIRED_TOKEN = "cmV0aXJlZC10b2tlbi12YWx1ZQ=="
RETIRED_TOKEN_TEXT = "retired-token-value"


def environment_text(**replacements: str) -> str:
    text = (LIVE / f"{ENVIRONMENT}.env.yaml").read_text()
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.fixture(scope="session")
def live_items() -> list[dict]:
    """The objects of tests/fixtures/live/diffdemo.yaml (a fresh copy per use is the caller's job)."""
    return yaml.safe_load((LIVE / f"{ENVIRONMENT}.yaml").read_text())["items"]


@pytest.fixture
def project(make_project):
    """A throw-away meshc project whose only environment is diffdemo."""
    return make_project({f"{ENVIRONMENT}.yaml": environment_text()})


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The BuiltEnvironment of diffdemo, built once per session."""
    from meshc.synth import Project, load_and_build

    project = Project(tmp_path_factory.mktemp("diffdemo"))
    project.environments.mkdir()
    (project.environments / f"{ENVIRONMENT}.yaml").write_text(environment_text())
    (environment,) = load_and_build(project, [ENVIRONMENT])
    return environment


def desired(built, kind: str, name: str) -> dict:
    return copy.deepcopy(next(m.obj for m in built.manifests if (m.kind, m.name) == (kind, name)))


def applied(built, kind: str, name: str) -> dict:
    """The object as Flux applies it today: edit it, then seed it as an earlier apply by KUSTOMIZE_CONTROLLER."""
    (obj,) = flux_applied(built, [m for m in built.manifests if (m.kind, m.name) == (kind, name)])
    return copy.deepcopy(obj)


def flux_applied(built, manifests=None) -> list[dict]:
    """The objects as Flux's kustomize-controller applies them (with its Kustomization labels)."""
    from meshc.diff.owner import Applier

    applier = Applier.of(built)
    return [applier.as_applied(m) for m in (built.manifests if manifests is None else manifests)]


@pytest.fixture
def seeded(fake_api, built):
    """The fake API server holding diffdemo exactly as Flux applied it (server defaults added by the fake)."""
    fake_api.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": FLUX_NAMESPACE}}],
                  field_manager="flux", operation="Update")
    fake_api.seed(flux_applied(built), field_manager=KUSTOMIZE_CONTROLLER)
    return fake_api


@pytest.fixture
def options(kubeconfig):
    """options(**overrides) -> DiffOptions for diffdemo against the fake's kubeconfig."""
    from meshc.diff import DiffOptions

    def make(**overrides) -> DiffOptions:
        return DiffOptions(**{"environment": ENVIRONMENT, "kubeconfig": str(kubeconfig), "concurrency": 4,
                              **overrides})

    return make


def entries(changeset) -> dict[str, object]:
    """subject -> Entry of a ChangeSet."""
    return {entry.subject: entry for entry in changeset.entries}


def changed(changeset) -> dict[str, str]:
    """subject -> action, for every entry that is not unchanged."""
    return {entry.subject: entry.action.value for entry in changeset.entries if entry.action.value != "unchanged"}


def fields(entry) -> dict[str, tuple]:
    return {change.path: (change.old, change.new) for change in entry.fields}


def two_cluster_kubeconfig(path, first, second) -> Path:
    """A kubeconfig with contexts "staging" (current) and "prod", one per fake server."""
    return write_kubeconfig(path, {"staging": (first.url, first.token), "prod": (second.url, second.token)}, "staging")


# --- the fixtures themselves ---------------------------------------------------------------


def test_live_fixture_is_diffdemo_as_built_today(built, live_items):
    """Every object meshc builds is in the live fixture with the same intent, or the fixture is stale."""
    from meshc.diff.normalize import project_onto

    live = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): o for o in live_items}
    stale = []
    for manifest in built.manifests:
        found = live.get((manifest.kind, manifest.namespace, manifest.name))
        if found is None or project_onto(found, manifest.obj) != manifest.obj:
            stale.append(f"{manifest.kind}/{manifest.name}")
    assert not stale, f"tests/fixtures/live/diffdemo.yaml is stale for {stale}: {REGENERATE}"


def test_live_fixture_carries_what_a_real_server_adds(live_items):
    live = {(o["kind"], o["metadata"]["name"]): o for o in live_items}
    deployment = live[("Deployment", "hello-agent")]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert deployment["metadata"]["managedFields"][0]["manager"] == KUSTOMIZE_CONTROLLER
    assert deployment["spec"]["revisionHistoryLimit"] == 10 and deployment["status"]["readyReplicas"] == 1
    assert (container["imagePullPolicy"], container["terminationMessagePolicy"]) == ("IfNotPresent", "File")
    service = live[("Service", "hello-agent")]["spec"]
    assert service["clusterIP"].startswith("10.96.") and service["ipFamilies"] == ["IPv4"]
    assert live[("Namespace", NAMESPACE)]["metadata"]["labels"]["kubernetes.io/metadata.name"] == NAMESPACE
    assert live[("HelmRelease", "postgresql")]["status"] == {"observedGeneration": -1}
    assert live[("Deployment", "weather-agent")]["spec"]["replicas"] == 3  # the autoscaler's doing


def test_live_fixture_has_a_secret_with_its_value_in_last_applied(live_items):
    (secret,) = [o for o in live_items if o["metadata"]["name"] == "retired-agent-token"]
    assert secret["data"] == {"token": RETIRED_TOKEN}
    assert RETIRED_TOKEN in secret["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
