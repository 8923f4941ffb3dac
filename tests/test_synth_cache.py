"""The synth cache: a synth with nothing changed builds nothing, a changed input or a
changed code file always rebuilds, and a broken cache is only a miss."""

from __future__ import annotations

import json
import shutil

import pytest

import meshc.synth
import meshc.synth_cache
from meshc.checks import ChecksFailed
from meshc.synth import synthesize
from meshc.synth_cache import CACHE_DIR, SynthCache, code_version

AGENT_LINE = "agents:\n  echo-agent: {}\n"


@pytest.fixture
def project(make_project, minimal_environment):
    """Environments `alpha` and `beta`, synthesized once (the cache holds both)."""
    made = make_project({f"{name}.yaml": minimal_environment(name) for name in ("alpha", "beta")})
    synthesize(made, [])
    return made


@pytest.fixture
def builds(monkeypatch) -> list[list[str]]:
    """The environment names of every build synth runs from now on."""
    calls: list[list[str]] = []
    real = meshc.synth.load_and_build

    def recording(project, names):
        calls.append(list(names))
        return real(project, names)

    monkeypatch.setattr(meshc.synth, "load_and_build", recording)
    return calls


def test_a_synth_with_nothing_changed_builds_nothing_and_writes_nothing(project, builds, read_tree):
    before = read_tree(project.dist)
    written = synthesize(project, []).written
    assert builds == []
    assert (written.added, written.changed, written.removed, written.unchanged) == ([], [], [], len(before))
    assert read_tree(project.dist) == before


def test_a_changed_environment_is_the_only_one_rebuilt_and_rewritten(project, builds, read_tree):
    alpha = read_tree(project.dist / "alpha")
    alpha_files = {p: p.stat().st_ino for p in (project.dist / "alpha").rglob("*") if p.is_file()}
    beta_file = project.environments / "beta.yaml"
    beta_file.write_text(beta_file.read_text().replace("echo-agent", "other-agent"))
    synthesize(project, [])
    assert builds == [["beta"]]
    assert read_tree(project.dist / "alpha") == alpha
    # The new dist/ is swapped in whole (writer.py); alpha's files are the same files, linked over.
    assert {p: p.stat().st_ino for p in (project.dist / "alpha").rglob("*") if p.is_file()} == alpha_files
    assert any("other-agent" in path for path in read_tree(project.dist / "beta"))


def test_a_changed_base_rebuilds_the_environment_that_extends_it(make_project, builds, read_tree):
    project = make_project({"_base.yaml": AGENT_LINE, "alpha.yaml": "extends: _base.yaml\n"})
    synthesize(project, [])
    (project.environments / "_base.yaml").write_text(AGENT_LINE.replace("echo-agent", "other-agent"))
    synthesize(project, [])
    assert builds == [["alpha"], ["alpha"]]
    assert any("other-agent" in path for path in read_tree(project.dist / "alpha"))


def test_changed_code_never_gets_the_output_of_the_old_code(project, monkeypatch, read_tree):
    fresh = read_tree(project.dist)
    entry_file = project.root / CACHE_DIR / "alpha.json"
    entry = json.loads(entry_file.read_text())
    entry["files"] = {path: "written by the old code\n" for path in entry["files"]}
    entry_file.write_text(json.dumps(entry))
    monkeypatch.setattr(meshc.synth_cache, "code_version", lambda: "the next version of meshc")
    shutil.rmtree(project.dist)
    synthesize(project, [])
    assert read_tree(project.dist) == fresh


def test_the_code_version_changes_with_any_file_of_the_package(tmp_path):
    package = tmp_path / "meshc"
    package.mkdir()
    (package / "build.py").write_text("A = 1\n")
    before = code_version.__wrapped__(package)
    (package / "build.py").write_text("A = 2\n")
    assert code_version.__wrapped__(package) != before


def test_the_crd_folders_are_part_of_the_key(tmp_path, make_project, minimal_environment):
    project = make_project({"alpha.yaml": minimal_environment("alpha")})
    crds = tmp_path / "crds"
    crds.mkdir()
    (crds / "a.yaml").write_text("kind: CustomResourceDefinition\n")
    environment = project.environments / "alpha.yaml"
    with_crds = SynthCache(project.root, [crds]).key(environment)
    assert SynthCache(project.root, []).key(environment) != with_crds
    (crds / "a.yaml").write_text("kind: CustomResourceDefinition # changed\n")
    assert SynthCache(project.root, [crds]).key(environment) != with_crds


@pytest.mark.parametrize("content", ["", "{not json", '{"key": 1}', "[]", '{"key": null, "files": 3}'])
def test_a_corrupt_entry_is_a_miss(project, builds, read_tree, content):
    fresh = read_tree(project.dist)
    (project.root / CACHE_DIR / "alpha.json").write_text(content)
    synthesize(project, [])
    assert builds == [["alpha"]]
    assert read_tree(project.dist) == fresh


def test_an_environment_that_fails_its_checks_is_never_cached(make_project, builds):
    project = make_project({"alpha.yaml": AGENT_LINE + "resourceQuota: {enabled: true, hard: {pods: '1'}}\n"})
    for _ in range(2):
        with pytest.raises(ChecksFailed):
            synthesize(project, [])
    assert builds == [["alpha"], ["alpha"]]


def test_dist_edited_by_hand_is_rewritten_from_the_cache(project, builds, read_tree):
    fresh = read_tree(project.dist)
    edited = next(path for path in fresh if path.endswith(".yaml") and "/agents/" in f"/{path}")
    (project.dist / edited).write_text("edited by hand\n")
    written = synthesize(project, []).written
    assert builds == []
    assert written.changed == [edited]
    assert read_tree(project.dist) == fresh
