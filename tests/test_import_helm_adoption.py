"""Adoption: the environment imported from Helm values keeps what Flux needs to adopt the running objects.

For both install shapes of the seed (four per-chart releases; the umbrella
release mcp-platform with aliased agents), the objects meshc synthesizes from
the imported environment are compared with the objects the real mcp-mesh 3.6.0
charts render for the same values (tests/fixtures/helm/rendered/, made by
tools/render_helm_references.py with Helm v4). Names, immutable selectors,
pod labels, claims, ServiceAccounts, container names and HPA targets must be
equal; labels may differ only in the keys meshc owns. `diff --live-from` with
the whole rendered objects as the live side shows the same: every object is a
change, none a create, and no selector moves.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from helm_identity import identities

from meshc.diff import DiffOptions, run_diff
from meshc.diff.changeset import Action
from meshc.importer.run import ImportRequest, import_helm
from meshc.synth import Project, load_and_build

HELM = Path(__file__).resolve().parent / "fixtures" / "helm"
PER_CHART = ImportRequest(
    "seed-helm",
    releases=(
        ("mcp-registry", HELM / "per-chart" / "values-registry.yaml"),
        ("hello-world-agent", HELM / "per-chart" / "values-hello-world.yaml"),
        ("system-agent", HELM / "per-chart" / "values-system.yaml"),
        ("weather-agent", HELM / "per-chart" / "values-weather.yaml"),
    ),
)
UMBRELLA = ImportRequest("seed-umbrella", umbrella=("mcp-platform", HELM / "umbrella" / "values.yaml"))
# Labels that say who manages an object: meshc's differ from Helm's, and nothing selects by them.
EXPECTED_LABEL_CHANGES = {
    "helm.sh/chart",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/version",
    "app.kubernetes.io/part-of",
    "meshc.io/environment",
}
LABEL_PATH = re.compile(r'(?:spec\.template\.)?metadata\.labels\["([^"]+)"\]')
# Kinds meshc never writes: a Secret the chart made stays in the cluster and is referenced by name.
HELM_ONLY_KINDS = {"Secret"}


def synthesized(tmp_path: Path, request: ImportRequest) -> list[dict]:
    project = Project(tmp_path)
    import_helm(tmp_path, request)
    (built,) = load_and_build(project, [request.env])
    return [m.obj for m in built.manifests if m.component == "registry" or m.component.startswith("agent/")]


def rendered(shape: str) -> dict[tuple[str, str], dict]:
    found = yaml.safe_load((HELM / "rendered" / f"{shape}.yaml").read_text())
    return {(i["kind"], i["name"]): i for i in found}


@pytest.fixture(scope="module", params=[("per-chart", PER_CHART), ("umbrella", UMBRELLA)], ids=["per-chart", "umbrella"])
def shapes(request, tmp_path_factory):
    shape, import_request = request.param
    meshc = {(i["kind"], i["name"]): i for i in identities(synthesized(tmp_path_factory.mktemp(shape), import_request))}
    return rendered(shape), meshc


def test_meshc_writes_exactly_the_objects_helm_installed(shapes):
    helm, meshc = shapes
    assert sorted(meshc) == sorted(key for key in helm if key[0] not in HELM_ONLY_KINDS)


@pytest.mark.parametrize("field", ["selector", "podLabels", "serviceAccount", "containers", "claims", "scaleTarget"])
def test_every_object_keeps_what_adoption_depends_on(shapes, field):
    helm, meshc = shapes
    for key, ours in meshc.items():
        theirs = helm[key]
        if field == "podLabels" and "podLabels" in theirs:
            # The pod may carry more labels; those the immutable selector matches must be the chart's.
            assert {k: ours[field].get(k) for k in theirs["selector"]} == theirs["selector"], key
        else:
            assert ours.get(field) == theirs.get(field), (key, field)


def test_labels_change_only_where_meshc_says_who_manages_the_object(shapes):
    helm, meshc = shapes
    for key, ours in meshc.items():
        theirs = helm[key]["labels"]
        changed = {k for k in set(theirs) | set(ours["labels"]) if theirs.get(k) != ours["labels"].get(k)}
        assert changed <= EXPECTED_LABEL_CHANGES, (key, changed - EXPECTED_LABEL_CHANGES)


def test_the_umbrella_install_is_labelled_part_of_the_umbrella_chart(shapes):
    helm, meshc = shapes
    part_of = {ours["labels"]["app.kubernetes.io/part-of"] for ours in meshc.values()}
    assert part_of == ({"mcp-mesh-platform"} if ("Deployment", "mcp-platform-weather-agent") in helm else {"mcp-mesh"})


# --- the same through diff, against the installed objects ------------------------------------------


@pytest.fixture(scope="module", params=[("per-chart", PER_CHART), ("umbrella", UMBRELLA)], ids=["per-chart", "umbrella"])
def diffed(request, tmp_path_factory):
    shape, import_request = request.param
    root = tmp_path_factory.mktemp(f"{shape}-diff")
    import_helm(root, import_request)
    live = str(HELM / "rendered" / f"{shape}-objects.yaml")
    return run_diff(Project(root), DiffOptions(environment=import_request.env, live_from=live)).changeset


def test_diff_against_the_helm_install_changes_objects_and_creates_none(diffed):
    actions = {entry.subject: entry.action for entry in diffed.entries}
    assert actions and set(actions.values()) == {Action.CHANGE}, actions


def test_diff_against_the_helm_install_moves_no_selector_and_only_meshcs_labels(diffed):
    paths = [change.path for entry in diffed.entries for change in entry.fields]
    assert not [p for p in paths if p.startswith("spec.selector")]
    labels = {match.group(1) for p in paths if (match := LABEL_PATH.fullmatch(p))}
    assert labels == EXPECTED_LABEL_CHANGES - {"helm.sh/chart"}  # the chart label is not meshc's, so it stays


@pytest.mark.parametrize("request_", [PER_CHART, UMBRELLA], ids=["per-chart", "umbrella"])
def test_status_watches_the_deployments_helm_installed(tmp_path, request_):
    from meshc.status.targets import targets_of

    import_helm(tmp_path, request_)
    (built,) = load_and_build(Project(tmp_path), [request_.env])
    shape = "per-chart" if request_ is PER_CHART else "umbrella"
    installed = sorted(name for kind, name in rendered(shape) if kind == "Deployment")
    assert sorted(target.name for target in targets_of(built).workloads) == installed
