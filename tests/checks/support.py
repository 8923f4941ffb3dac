"""Shared by the checks tests: throw-away projects, the broken corpus and in-process CLI runs.

Every run stays in this pytest process, so jsii's Node process starts once and
every synth shares it.
"""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from trees import read_tree, write_tree  # noqa: F401  (used by the test modules)

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = REPO_ROOT / "tests" / "fixtures" / "broken"
# Tests may read the shared reference material; the project never copies it.
SHARED_CRDS = REPO_ROOT.parent / "shared" / "crds"

if str(REPO_ROOT) not in sys.path:  # main.py lives outside the configured pythonpath
    sys.path.insert(0, str(REPO_ROOT))

_EXPECT = re.compile(r"^# expect: (?P<severity>error|warning) (?P<check>\S+) (?P<key>\S+) :: (?P<fragment>.+)$")


@dataclass(frozen=True)
class Expected:
    severity: str
    check: str
    key_path: str
    fragment: str

    def matches(self, finding: dict) -> bool:
        return (
            finding["severity"] == self.severity
            and finding["check"] == self.check
            and finding["key_path"] == self.key_path
            and self.fragment in finding["message"]
        )


def expectations(case: Path) -> list[Expected]:
    found = []
    for line in case.read_text(encoding="utf-8").splitlines():
        match = _EXPECT.match(line)
        if match:
            found.append(Expected(match["severity"], match["check"], match["key"], match["fragment"].strip()))
    return found


def corpus_cases() -> list[Path]:
    return sorted(p for p in CORPUS.glob("*.yaml") if not p.name.startswith("_"))




def corpus_project(root: Path, case: Path, dist: dict[str, bytes] | None = None):
    """A project whose environments/ holds the corpus base and one case; dist/ pre-filled when given."""
    from meshc.synth import Project

    project = Project(root)
    project.environments.mkdir(parents=True, exist_ok=True)
    shutil.copy(CORPUS / "_base.yaml", project.environments / "_base.yaml")
    shutil.copy(case, project.environments / case.name)
    if dist:
        write_tree(project.dist, dist)
    return project


def run_cli(project, args: list[str], monkeypatch):
    """Run main.cli in this process against `project`; returns click's Result (stdout and stderr apart)."""
    from click.testing import CliRunner

    import main

    monkeypatch.setattr(main, "PROJECT", project)
    return CliRunner().invoke(main.cli, args, catch_exceptions=True)


def scope_of(objects: list[tuple[str, str, dict]], model=None, name: str = "test"):
    """A Scope over hand-written objects: [(component, source_key, obj)], for checks of shapes YAML cannot reach."""
    from meshc.build import BuiltEnvironment, Manifest
    from meshc.checks.report import Scope
    from meshc.loader import LoadedEnvironment, SourceMap
    from meshc.model import Environment

    environment = LoadedEnvironment(name, f"environments/{name}.yaml", model or Environment(), SourceMap())
    manifests = tuple(Manifest(origin_of(component, key), obj) for component, key, obj in objects)
    return Scope(BuiltEnvironment(environment, manifests))


def origin_of(component: str, key: str):
    """The origin meshc's constructs give an object of `component` made from environment key `key`."""
    from meshc.origin import Origin

    if component.startswith("agent/"):
        origin = Origin.agent(component.removeprefix("agent/"))
    elif component == "platform":
        origin = Origin.quota() if key == "resourceQuota" else Origin.platform(key)
    else:
        origin = {"registry": Origin.registry, "database": Origin.database, "monitoring": Origin.monitoring,
                  "delivery": Origin.delivery}[component]()
    assert origin.source_key == key, f"{component} objects come from {origin.source_key}, not {key}"
    return origin


def deployment(name: str, *, namespace: str = "mesh", replicas: int | None = 1, containers=None, init=None,
               strategy: dict | None = None, labels: dict | None = None) -> dict:
    """A small valid Deployment; containers default to one with requests, limits, a port and probes."""
    labels = labels or {"app": name}
    probe = {"httpGet": {"path": "/ready", "port": "http"}}
    container = {
        "name": "main", "image": "example/app:1",
        "ports": [{"name": "http", "containerPort": 8080}],
        "livenessProbe": probe, "readinessProbe": probe,
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "200m", "memory": "256Mi"}},
    }
    spec: dict = {
        "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": {"containers": containers or [container]}},
    }
    if init:
        spec["template"]["spec"]["initContainers"] = init
    if replicas is not None:
        spec["replicas"] = replicas
    if strategy is not None:
        spec["strategy"] = strategy
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def quota(hard: dict, *, namespace: str = "mesh") -> dict:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "mcp-mesh-quota", "namespace": namespace},
            "spec": {"hard": hard}}
