"""The broken corpus (tests/fixtures/broken/): each environment breaks one thing.

For every case: `validate` exits 1 and reports each finding the case's header
expects (severity, check id, key path, message fragment); `synth` exits 1,
prints the same findings on stderr and leaves dist/ byte for byte as it was.
"""

from __future__ import annotations

import json

import pytest
from checks.support import CORPUS, corpus_cases, corpus_project, expectations, read_tree, run_cli

CASES = corpus_cases()


def test_the_corpus_has_at_least_30_cases_and_each_expects_a_finding():
    assert len(CASES) >= 30
    for case in CASES:
        assert expectations(case), f"{case.name} has no '# expect:' line"


@pytest.fixture(scope="module")
def baseline_dist(tmp_path_factory) -> dict[str, bytes]:
    """A real dist/ (the corpus base itself, synthesized) to pre-fill each project with."""
    from meshc.synth import Project, synthesize

    project = Project(tmp_path_factory.mktemp("baseline"))
    project.environments.mkdir(parents=True)
    (project.environments / "_base.yaml").write_bytes((CORPUS / "_base.yaml").read_bytes())
    (project.environments / "baseline.yaml").write_text("extends: _base.yaml\n")
    synthesize(project, [])
    tree = read_tree(project.dist)
    assert tree
    return tree


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_validate_reports_the_expected_finding_and_exits_1(case, tmp_path, monkeypatch):
    project = corpus_project(tmp_path, case)
    result = run_cli(project, ["validate", "--env", case.stem, "--output", "json"], monkeypatch)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    for expected in expectations(case):
        assert any(expected.matches(f) for f in report["findings"]), (
            f"{case.name}: no finding {expected}\n" + "\n".join(
                f"  {f['severity']} {f['check']} {f['key_path']}: {f['message']}" for f in report["findings"]
            )
        )
    assert all(f["environment"] == case.stem and f["file"].startswith("environments/") for f in report["findings"])


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_synth_exits_1_names_the_key_and_leaves_dist_unchanged(case, tmp_path, monkeypatch, baseline_dist):
    project = corpus_project(tmp_path, case, dist=baseline_dist)
    result = run_cli(project, ["synth", "--env", case.stem], monkeypatch)
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert "nothing was written" in result.stderr
    for expected in expectations(case):
        assert f" {expected.key_path}: " in result.stderr
    assert read_tree(project.dist) == baseline_dist
