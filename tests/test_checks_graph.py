"""meshc.checks.graph: dependencies against capabilities, cycles, ambiguity, self-dependency.

The seed's own case: the weather agent depends on location_service, which
nothing provides. By default that is a warning (MCP Mesh injects the
dependency as absent) and synth writes; with strictDependencies it is an
error and synth writes nothing.
"""

from __future__ import annotations

import json
import shutil

import pytest
from checks.support import REPO_ROOT, read_tree, run_cli, scope_of

from meshc.checks import graph
from meshc.model import Agent, Environment, Validation
from meshc.synth import Project


@pytest.fixture
def seed_project(tmp_path):
    """A copy of the committed environments plus dev-strict (dev with strict dependencies) and a real dist/."""
    project = Project(tmp_path / "project")
    shutil.copytree(REPO_ROOT / "environments", project.environments)
    (project.environments / "dev-strict.yaml").write_text(
        "extends: dev.yaml\nglobal: {namespace: mcp-mesh-dev-strict}\nvalidation:\n  strictDependencies: true\n"
    )
    shutil.copytree(REPO_ROOT / "dist", project.dist)
    return project


def test_seed_location_service_is_a_warning_and_synth_writes(seed_project, monkeypatch):
    result = run_cli(seed_project, ["validate", "--env", "dev", "--output", "json"], monkeypatch)
    assert result.exit_code == 0, result.output
    (finding,) = [f for f in json.loads(result.stdout)["findings"] if f["check"] == "graph.unresolved"]
    assert finding["severity"] == "warning"
    assert finding["key_path"] == "agents.weather-agent.dependencies"
    assert (finding["file"], finding["line"]) == ("environments/_base.yaml", 47)
    assert "'location_service', which no enabled agent of dev provides" in finding["message"]
    assert "injects it as absent" in finding["message"]

    synth = run_cli(seed_project, ["synth", "--env", "dev"], monkeypatch)
    assert synth.exit_code == 0, synth.output
    assert "warning environments/_base.yaml:47 agents.weather-agent.dependencies:" in synth.stderr


def test_seed_location_service_under_strict_dependencies_is_an_error_and_synth_writes_nothing(seed_project, monkeypatch):
    result = run_cli(seed_project, ["validate", "--env", "dev-strict"], monkeypatch)
    assert result.exit_code == 1, result.output
    assert "error   environments/_base.yaml:47 agents.weather-agent.dependencies: depends on 'location_service'" in result.stdout

    before = read_tree(seed_project.dist)
    synth = run_cli(seed_project, ["synth", "--env", "dev-strict"], monkeypatch)
    assert synth.exit_code == 1
    assert "agents.weather-agent.dependencies: depends on 'location_service'" in synth.stderr
    assert read_tree(seed_project.dist) == before


def findings(agents: dict[str, Agent], strict: bool = False):
    model = Environment(agents=agents, validation=Validation(strict_dependencies=strict))
    return graph.check(scope_of([], model=model))


def test_a_resolved_graph_has_no_findings():
    assert findings({"a": Agent(capabilities=["x"]), "b": Agent(dependencies=["x"])}) == []


def test_a_provider_that_is_disabled_here_is_named():
    (finding,) = findings({"a": Agent(enabled=False, capabilities=["x"]), "b": Agent(dependencies=["x"])})
    assert (finding.severity, finding.check) == ("warning", "graph.unresolved")
    assert "a provides it but is disabled" in finding.message
    assert finding.fix.startswith("enable agents.a")


def test_a_disabled_consumer_is_not_checked():
    assert findings({"b": Agent(enabled=False, dependencies=["nowhere"])}) == []


def test_two_providers_are_an_ambiguity_warning_naming_both():
    agents = {"a": Agent(capabilities=["x"]), "b": Agent(capabilities=["x"]), "c": Agent(dependencies=["x"])}
    (finding,) = findings(agents, strict=True)
    assert (finding.severity, finding.check, finding.key_path) == ("warning", "graph.ambiguous", "agents.c.dependencies")
    assert "2 agents provide (a, b)" in finding.message


def test_depending_on_its_own_capability_is_an_error_even_when_lenient():
    (finding,) = findings({"a": Agent(capabilities=["x"], dependencies=["x"])})
    assert (finding.severity, finding.check) == ("error", "graph.self-dependency")


def test_a_cycle_is_a_warning_by_default_and_names_every_step():
    agents = {"a": Agent(capabilities=["x"], dependencies=["y"]), "b": Agent(capabilities=["y"], dependencies=["x"])}
    (finding,) = findings(agents)
    assert (finding.severity, finding.check, finding.key_path) == ("warning", "graph.cycle", "agents.a.dependencies")
    assert finding.message == "dependency cycle: a -[y]-> b -[x]-> a"
    (strict,) = findings(agents, strict=True)
    assert strict.severity == "error"


def test_each_separate_cycle_is_reported_once():
    edges = {"a": {"b": "1"}, "b": {"a": "2"}, "c": {"d": "3"}, "d": {"e": "4"}, "e": {"c": "5"}, "f": {"a": "6"}}
    assert graph.cycles(edges) == [["a", "b", "a"], ["c", "d", "e", "c"]]


def test_the_shortest_cycle_through_the_first_agent_is_named():
    edges = {"a": {"b": "1", "c": "2"}, "b": {"c": "3"}, "c": {"a": "4"}}
    assert graph.cycles(edges) == [["a", "c", "a"]]
