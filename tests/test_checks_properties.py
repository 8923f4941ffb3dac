"""Property tests (hypothesis) for the checks inside synth and validate.

Generated valid environments (agents whose capabilities form an acyclic,
resolved, unambiguous graph; requests <= limits; a quota computed here, by an
independent oracle, to fit the worst case exactly) synthesize and validate
with no finding at all. One mutation of such an environment (a key typo, a
wrong type, a negative number, requests above limits, an HPA minimum above
its maximum, a quota one unit too small) always ends in a finding or an
input error: exit 1 or 2, never a traceback, never a changed dist/.

Every example runs in this process (one jsii Node process for all of them);
example counts stay small because each synth costs real jsii time.
"""

from __future__ import annotations

import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from checks.support import read_tree
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import main
from meshc.errors import MeshcError
from meshc.model import Environment
from meshc.synth import Project, synthesize, validate

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NAMES = ["alpha", "beta", "gamma", "delta"]
# Maps whose keys are the user's own (agent names, env vars, quota resources): a "typo" there is a new entry.
FREE_MAPS = {"agents", "env", "secretEnv", "hard", "nodeSelector"}


def _aliases(model: type[BaseModel], found: set[str]) -> set[str]:
    for name, field in model.model_fields.items():
        found.add(field.alias or name)
        for candidate in _models(field.annotation):
            if candidate not in found:
                _aliases(candidate, found)
    return found


def _models(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models(arg)]


MODEL_KEYS = _aliases(Environment, set())


@st.composite
def resources(draw) -> dict:
    cpu = draw(st.integers(10, 500))
    memory = draw(st.integers(32, 512))
    return {
        "requests": {"cpu": f"{cpu}m", "memory": f"{memory}Mi"},
        "limits": {"cpu": f"{cpu + draw(st.integers(0, 500))}m", "memory": f"{memory + draw(st.integers(0, 512))}Mi"},
    }


@st.composite
def environments(draw) -> dict:
    """A valid environment as plain data, with its quota set to the exact worst case."""
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    agents: dict[str, dict] = {}
    offered: list[str] = []
    for name in names:  # an agent depends only on capabilities of agents before it: acyclic
        capabilities = [f"{name}_{i}" for i in range(draw(st.integers(1, 2)))]
        agent: dict = {
            "capabilities": capabilities,
            "dependencies": draw(st.lists(st.sampled_from(offered), unique=True)) if offered else [],
            "replicas": draw(st.integers(0, 3)),
            "resources": draw(resources()),
            "http": {"port": draw(st.integers(1024, 9999))},
            "env": {"LOG_LEVEL": draw(st.sampled_from(["debug", "info"]))},
        }
        if draw(st.booleans()):
            low = draw(st.integers(1, 3))
            agent["autoscaling"] = {"enabled": True, "minReplicas": low, "maxReplicas": draw(st.integers(low, 6))}
        agents[name] = agent
        offered += capabilities
    registry: dict = {"resources": draw(resources())}
    if draw(st.booleans()):
        registry.update(replicas=draw(st.integers(1, 3)), database={
            "type": "postgres", "host": "db.internal.example", "database": "mesh", "username": "mesh",
            "passwordSecret": {"secret": "db", "key": "password"},
        })
    environment = {"global": {"namespace": "mesh-prop"}, "registry": registry, "agents": agents}
    environment["resourceQuota"] = {"enabled": True, "hard": worst_case(environment)}
    return environment


def worst_case(environment: dict) -> dict[str, str]:
    """The oracle: what the environment needs at worst, computed from the inputs, not from the objects."""
    def pods(replicas: int, surge: int) -> int:
        return replicas + min(surge, replicas)

    registry = environment["registry"]
    postgres = registry.get("database", {}).get("type") == "postgres"
    workloads = [(pods(registry.get("replicas", 1), 1 if postgres else 0), registry["resources"])]
    for agent in environment["agents"].values():
        scaling = agent.get("autoscaling", {})
        replicas = scaling["maxReplicas"] if scaling.get("enabled") else agent["replicas"]
        workloads.append((pods(replicas, 1), agent["resources"]))

    def total(kind: str, name: str, unit: str) -> str:
        amount = sum((Decimal(r[kind][name].rstrip(unit)) * n for n, r in workloads), Decimal(0))
        return f"{amount}{unit}"

    agents = len(environment["agents"])
    return {
        "requests.cpu": total("requests", "cpu", "m"), "limits.cpu": total("limits", "cpu", "m"),
        "requests.memory": total("requests", "memory", "Mi"), "limits.memory": total("limits", "memory", "Mi"),
        "pods": str(sum(n for n, _ in workloads)), "services": str(2 + agents), "configmaps": str(2 + agents),
    }


class Workspace:
    """A throw-away project holding one environment, `prop`."""

    def __init__(self):
        self.root = Path(tempfile.mkdtemp(prefix="meshc-prop-"))
        self.project = Project(self.root)
        self.project.environments.mkdir(parents=True)

    def write(self, environment: dict) -> None:
        (self.project.environments / "prop.yaml").write_text(yaml.safe_dump(environment, sort_keys=False))

    def cli(self, *args: str):
        from click.testing import CliRunner

        saved, main.PROJECT = main.PROJECT, self.project
        try:
            return CliRunner().invoke(main.cli, list(args))
        finally:
            main.PROJECT = saved

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="module")
def workspace_factory():
    made: list[Workspace] = []

    def make() -> Workspace:
        made.append(Workspace())
        return made[-1]

    yield make
    for workspace in made:
        workspace.close()


@SETTINGS
@given(environment=environments())
def test_generated_valid_environments_synthesize_and_validate_clean(environment, workspace_factory):
    workspace = workspace_factory()
    workspace.write(environment)
    summary = synthesize(workspace.project, ["prop"])
    assert summary.report is not None and summary.report.findings == ()
    assert read_tree(workspace.project.dist / "prop")
    assert validate(workspace.project, ["prop"]).findings == ()


# --- mutations ----------------------------------------------------------------------------


def _paths(value, path=()):
    """Every (path, value) below `value`, with whether the last key is a model key (not a free map's)."""
    if isinstance(value, dict):
        for key, child in value.items():
            model_key = not (path and path[-1] in FREE_MAPS)
            yield (*path, key), child, model_key
            yield from _paths(child, (*path, key))


def _set(environment: dict, path: tuple, value) -> None:
    for key in path[:-1]:
        environment = environment[key]
    environment[path[-1]] = value


@st.composite
def mutations(draw):
    """(environment, mutated copy, the exit codes the mutation may give)."""
    import copy

    environment = draw(environments())
    mutated = copy.deepcopy(environment)
    kind = draw(st.sampled_from(["typo", "wrong-type", "negative", "requests-over-limits", "min-over-max", "quota-too-small"]))
    agent = draw(st.sampled_from(sorted(mutated["agents"])))
    if kind == "typo":
        keys = [p for p, _, model_key in _paths(mutated) if model_key and p[0] != "resourceQuota"]
        path = draw(st.sampled_from(keys))
        position = draw(st.integers(0, len(str(path[-1]))))
        typo = str(path[-1])[:position] + draw(st.sampled_from("qxzj")) + str(path[-1])[position:]
        assume(typo not in MODEL_KEYS)
        parent = mutated
        for key in path[:-1]:
            parent = parent[key]
        parent[typo] = parent.pop(path[-1])
        return environment, mutated, {2}
    if kind == "wrong-type":
        leaves = [p for p, v, _ in _paths(mutated) if not isinstance(v, (dict, list))]
        _set(mutated, draw(st.sampled_from(leaves)), draw(st.sampled_from([[1, 2], {"nested": True}])))
        return environment, mutated, {2}
    if kind == "negative":
        numbers = [p for p, v, _ in _paths(mutated) if isinstance(v, int) and not isinstance(v, bool)]
        _set(mutated, draw(st.sampled_from(numbers)), -draw(st.integers(1, 5)))
        return environment, mutated, {2}
    if kind == "requests-over-limits":
        resources = mutated["agents"][agent]["resources"]
        resources["requests"]["cpu"] = f"{int(resources['limits']['cpu'][:-1]) + draw(st.integers(1, 100))}m"
        return environment, mutated, {1}
    if kind == "min-over-max":
        high = draw(st.integers(1, 5))
        mutated["agents"][agent]["autoscaling"] = {"enabled": True, "minReplicas": high + draw(st.integers(1, 3)), "maxReplicas": high}
        return environment, mutated, {1}
    hard = mutated["resourceQuota"]["hard"]
    resource = draw(st.sampled_from(sorted(hard)))
    value = hard[resource]
    unit = "m" if value.endswith("m") else "Mi" if value.endswith("Mi") else ""
    hard[resource] = f"{Decimal(value[: len(value) - len(unit)]) - 1}{unit}"
    return environment, mutated, {1}


@SETTINGS
@given(case=mutations())
def test_mutations_give_a_finding_or_an_input_error_never_a_traceback_or_a_changed_dist(case, workspace_factory):
    environment, mutated, codes = case
    workspace = workspace_factory()
    workspace.write(environment)
    synthesize(workspace.project, ["prop"])
    before = read_tree(workspace.project.dist)

    workspace.write(mutated)
    checked = workspace.cli("validate")
    written = workspace.cli("synth")
    for result in (checked, written):
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code in codes, result.output
        assert "Traceback" not in result.output
    with pytest.raises(MeshcError) as caught:
        synthesize(workspace.project, ["prop"])
    assert caught.value.exit_code in codes
    assert read_tree(workspace.project.dist) == before
