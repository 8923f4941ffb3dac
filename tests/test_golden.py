"""Golden tests: environments -> dist/ trees, compared byte for byte.

Inputs are the fixture environments in tests/fixtures/environments/ (a seed-like
one, a helm-compatible one and a production-like one on PostgreSQL); the expected
output of `meshc.synth.synthesize` is committed in tests/golden/<env>/. The
committed dist/ is the golden output of the committed environments/.

After an intended change of the output, regenerate the golden trees and review
their diff like any other change:

    MESHC_UPDATE_GOLDEN=1 python -m pytest -q tests/test_golden.py
    git diff --stat tests/golden/

(dist/ itself is regenerated with `python main.py synth`.) Output must also be
deterministic: synthesizing twice, or under another PYTHONHASHSEED, gives the
same bytes.
"""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from meshc.loader import environment_names
from meshc.synth import Project, synthesize

TESTS = Path(__file__).resolve().parent
FIXTURE_ENVIRONMENTS = TESTS / "fixtures" / "environments"
GOLDEN = TESTS / "golden"
UPDATE = os.environ.get("MESHC_UPDATE_GOLDEN") == "1"
ENVIRONMENTS = environment_names(FIXTURE_ENVIRONMENTS)
HASH_SEEDS = ("0", "4242")
SYNTH_SCRIPT = "import sys, pathlib; from meshc.synth import Project, synthesize; synthesize(Project(pathlib.Path(sys.argv[1])), [])"


def fixture_project(root: Path) -> Project:
    shutil.copytree(FIXTURE_ENVIRONMENTS, root / "environments")
    return Project(root)


def assert_same_tree(actual: dict[str, bytes], expected: dict[str, bytes], shown: str) -> None:
    """Fail with the missing and extra files, and a unified diff of the first file that differs."""
    missing, extra = sorted(set(expected) - set(actual)), sorted(set(actual) - set(expected))
    differing = sorted(path for path in set(actual) & set(expected) if actual[path] != expected[path])
    if not (missing or extra or differing):
        return
    report = [f"{shown} differs from a fresh synth ({len(differing)} changed, {len(missing)} missing, {len(extra)} extra)"]
    report += [f"  missing: {path}" for path in missing] + [f"  extra:   {path}" for path in extra]
    if differing:
        first = differing[0]
        report += difflib.unified_diff(
            expected[first].decode().splitlines(),
            actual[first].decode().splitlines(),
            f"{shown}/{first} (expected)",
            f"{first} (synthesized)",
            lineterm="",
        )
    report.append("If the change is intended: MESHC_UPDATE_GOLDEN=1 python -m pytest -q tests/test_golden.py")
    pytest.fail("\n".join(report), pytrace=False)


def subtree(tree: dict[str, bytes], folder: str) -> dict[str, bytes]:
    return {path[len(folder) + 1:]: content for path, content in tree.items() if path.startswith(f"{folder}/")}


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory, read_tree) -> dict[str, bytes]:
    """dist/ of the fixture environments; with MESHC_UPDATE_GOLDEN=1 it also replaces tests/golden/."""
    project = fixture_project(tmp_path_factory.mktemp("golden"))
    synthesize(project, [])
    if UPDATE:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        shutil.copytree(project.dist, GOLDEN)
    return read_tree(project.dist)


def test_fixtures_cover_seed_helm_compatible_and_production_like_environments():
    assert ENVIRONMENTS == ["helm-adoption", "postgres-prod", "seed"]


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_synth_matches_the_golden_tree(synthesized, read_tree, environment):
    assert_same_tree(subtree(synthesized, environment), read_tree(GOLDEN / environment), f"tests/golden/{environment}")


def test_every_golden_tree_has_a_fixture_environment():
    assert sorted(p.name for p in GOLDEN.iterdir() if p.is_dir()) == ENVIRONMENTS


def test_committed_dist_is_a_fresh_synth_of_the_committed_environments(repo_root, tmp_path, read_tree):
    project = Project(tmp_path)
    shutil.copytree(repo_root / "environments", project.environments)
    synthesize(project, [])
    assert_same_tree(read_tree(project.dist), read_tree(repo_root / "dist"), "dist")


# --- determinism ---------------------------------------------------------------------------------


def test_synthesizing_twice_gives_identical_bytes(synthesized, tmp_path, read_tree):
    project = fixture_project(tmp_path)
    synthesize(project, [])
    synthesize(project, [])
    assert read_tree(project.dist) == synthesized


def test_python_hash_seed_does_not_change_a_byte(synthesized, tmp_path, read_tree, repo_root):
    roots = {seed: tmp_path / f"seed-{seed}" for seed in HASH_SEEDS}
    runs = {
        seed: subprocess.Popen(
            [sys.executable, "-c", SYNTH_SCRIPT, str(fixture_project(root).root)],
            env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(repo_root / "constructs")},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for seed, root in roots.items()
    }
    for seed, run in runs.items():
        _, stderr = run.communicate(timeout=120)
        assert run.returncode == 0, stderr
        assert_same_tree(read_tree(roots[seed] / "dist"), synthesized, f"PYTHONHASHSEED={seed}")
