"""Fixtures shared by meshc's tests.

- `repo_root`: where the project lives.
- `read_tree`: a folder as {relative path: bytes}, the unit every dist/ comparison uses.
- `make_project`, `minimal_environment`: a throw-away meshc project (environments/ plus
  an optional dist/) and a small valid environment file for it.
- `valid_dist`: the bytes of a real synthesized dist/, to pre-populate projects with.
- `use_project`: points `main.cli` at a throw-away project for CliRunner tests.
- `render`, `context`, `build_mesh`: constructs built from plain Python into a cdk8s
  Chart, read back through `Chart.to_json()` as `Objects`.

jsii starts a Node process once per pytest process (about half a second); every
fixture that synthesizes shares it, so build objects in module- or session-scoped
fixtures wherever a test only reads them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

# `main.py` lives at the repository root, outside the configured pythonpath.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from trees import read_tree as read_tree_of, write_tree  # noqa: E402

pytest_plugins = ["fakeapi.plugin"]


@pytest.fixture(autouse=True)
def _no_ambient_crd_dirs(monkeypatch):
    """`make` exports MESHC_CRD_DIRS; tests pass CRD folders explicitly so they behave the same everywhere."""
    monkeypatch.delenv("MESHC_CRD_DIRS", raising=False)

SCHEMA_COMMENT = "# yaml-language-server: $schema=./meshc-environment.schema.json"
MINIMAL_ENVIRONMENT = f"{SCHEMA_COMMENT}\nglobal: {{namespace: mesh-{{name}}}}\nagents:\n  echo-agent: {{}}\n"




@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def read_tree() -> Callable[[Path], dict[str, bytes]]:
    """Every file under a folder, as {posix relative path: bytes}; {} when the folder is missing."""
    return read_tree_of


def _minimal_environment(name: str) -> str:
    return MINIMAL_ENVIRONMENT.replace("{name}", name)


@pytest.fixture(scope="session")
def minimal_environment() -> Callable[[str], str]:
    """minimal_environment(name) -> the text of a small valid environment file (registry defaults, one agent)."""
    return _minimal_environment


@pytest.fixture
def make_project(tmp_path: Path):
    """make_project(environments={file: text}, dist={relative path: bytes}) -> meshc Project.

    Files go under <tmp>/project/environments and <tmp>/project/dist."""
    from meshc.synth import Project

    def make(environments: dict[str, str], dist: dict[str, bytes] | None = None) -> Project:
        project = Project(tmp_path / "project")
        write_tree(project.environments, environments)
        if dist is not None:
            write_tree(project.dist, dist)
        return project

    return make


@pytest.fixture(scope="session")
def valid_dist(tmp_path_factory) -> dict[str, bytes]:
    """dist/ bytes of two small valid environments, `alpha` and `beta`, as a real synth wrote them."""
    from meshc.synth import Project, synthesize

    project = Project(tmp_path_factory.mktemp("valid-dist"))
    write_tree(project.environments, {f"{n}.yaml": _minimal_environment(n) for n in ("alpha", "beta")})
    synthesize(project, [])
    return read_tree_of(project.dist)


@pytest.fixture
def use_project(monkeypatch):
    """use_project(project): make `main.cli` read and write that project instead of the repository."""
    import main

    def use(project) -> None:
        monkeypatch.setattr(main, "PROJECT", project)

    return use


@pytest.fixture(scope="session")
def cli_runner():
    from click.testing import CliRunner

    return CliRunner()


# --- constructs from plain Python ---------------------------------------------------


@dataclass(frozen=True)
class Objects:
    """The Kubernetes objects of one Chart, as plain dicts, with lookups by kind and name."""

    items: tuple[dict, ...]

    def __iter__(self) -> Iterator[dict]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def kinds(self) -> list[tuple[str, str]]:
        """Sorted (kind, name) of every object."""
        return sorted((o["kind"], o["metadata"]["name"]) for o in self.items)

    def of_kind(self, kind: str) -> list[dict]:
        return [o for o in self.items if o["kind"] == kind]

    def one(self, kind: str, name: str | None = None) -> dict:
        found = [o for o in self.of_kind(kind) if name is None or o["metadata"]["name"] == name]
        assert len(found) == 1, f"expected one {kind} {name or ''}, found {[o['metadata']['name'] for o in found]}"
        return found[0]

    def container(self, deployment: str | None = None) -> dict:
        (container,) = self.one("Deployment", deployment)["spec"]["template"]["spec"]["containers"]
        return container

    def effective_env(self, deployment: str | None = None) -> dict[str, object]:
        """What the container sees: ConfigMap data from envFrom, overridden by env entries
        (a plain value, or the valueFrom mapping)."""
        container = self.container(deployment)
        env: dict[str, object] = {}
        for source in container.get("envFrom", []):
            env.update(self.one("ConfigMap", source["configMapRef"]["name"]).get("data", {}))
        for entry in container.get("env", []):
            env[entry["name"]] = entry.get("value", entry.get("valueFrom"))
        return env


@pytest.fixture(scope="session")
def render() -> Callable[[Callable], Objects]:
    """render(build) -> Objects: call build(chart) on a fresh cdk8s Chart and read chart.to_json()."""
    from meshc.runtime import MeshChart, cdk8s

    def run(build: Callable) -> Objects:
        app = cdk8s.App()
        chart = MeshChart(app, "test", disable_resource_name_hashes=True)
        build(chart)
        return Objects(tuple(chart.to_json()))

    return run


@pytest.fixture(scope="session")
def context():
    """context(**overrides) -> MeshContext for environment `test` in namespace `mesh`."""
    from meshc.context import MeshContext

    def make(**overrides) -> MeshContext:
        return MeshContext(**{"environment": "test", "namespace": "mesh", **overrides})

    return make


@pytest.fixture(scope="session")
def build_mesh(render, context):
    """build_mesh(registry=model.Registry, agents={name: model.Agent}, **context) -> Objects.

    A Registry construct and one Agent construct per entry, each agent wired to that
    registry exactly as Platform wires it."""
    from meshc import model
    from meshc.agent import Agent
    from meshc.registry import Registry
    from meshc.workload_plan import plan_agent, plan_registry

    def build(registry: model.Registry | None = None, agents: dict | None = None, **context_overrides) -> Objects:
        mesh_context = context(**context_overrides)

        def compose(chart) -> None:
            central = Registry(chart, "Registry", plan=plan_registry(registry or model.Registry(), mesh_context))
            for name, spec in sorted((agents or {}).items()):
                Agent(chart, f"Agent-{name}", plan=plan_agent(name, spec, mesh_context, registry=central.endpoint))

        return render(compose)

    return build
