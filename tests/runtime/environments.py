"""What the contract test boots and what meshc predicts about it, read from the committed project.

The environments are those whose registry dist/ renders as manifests (a
Deployment); HelmRelease environments are compared by tools/chart_parity.py.
Capabilities and dependencies are not in the Kubernetes objects: they come
from the environment model through meshc's own loader, and the prediction of
which dependencies stay unresolved from meshc's own graph check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from meshc.build import BuiltEnvironment
from meshc.checks import graph
from meshc.checks.report import Scope
from meshc.loader import load_environment
from meshc.graph import providers_by_capability
from runtime.boot import AgentPlan, deployments
from runtime.pod_spec import main_container, read_objects

# URL-hostile, as generated passwords are: '/', '@', ':', '?', '#' and '%' all mean something in a URL.
TEST_PASSWORD = "s3cr/t@pw:x?y#z%1"
_UNRESOLVED = re.compile(r"depends on '([^']+)'")


@dataclass(frozen=True)
class Expectation:
    """One environment as meshc describes it."""

    name: str
    agents: dict[str, AgentPlan]
    unresolved: dict[str, set[str]]  # agent -> dependencies the graph check reports as unresolved
    providers: dict[str, list[str]]  # capability -> enabled agents providing it
    agent_name_variable: dict[str, str]  # agent -> its container's MCP_MESH_AGENT_NAME (when set)
    probes: list[tuple[str, str]]  # (workload, probe kind) of the registry and every agent
    on_postgresql: bool
    database_tls: bool  # the registry's DATABASE_URL asks for TLS (an external database by host)


def manifest_environments(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "dist").iterdir() if p.is_dir() and deployments(read_objects(p), "registry"))


def expectation(root: Path, name: str) -> Expectation:
    loaded = load_environment(root / "environments" / f"{name}.yaml", root=root)
    enabled = loaded.model.enabled_agents()
    objects = read_objects(root / "dist" / name)
    agent_deployments = {d["metadata"]["labels"]["app.kubernetes.io/instance"]: d for d in deployments(objects, "agent")}
    plans = {n: AgentPlan(n, tuple(a.capabilities), tuple(a.dependencies)) for n, a in enabled.items() if n in agent_deployments}
    unresolved: dict[str, set[str]] = {n: set() for n in plans}
    for finding in graph.check(Scope(BuiltEnvironment(loaded, ()))):
        if finding.check == "graph.unresolved":
            unresolved[finding.component.removeprefix("agent/")].add(_UNRESOLVED.search(finding.message).group(1))
    registry = deployments(objects, "registry")[0]
    return Expectation(
        name=name,
        agents=plans,
        unresolved=unresolved,
        providers=providers_by_capability({n: a.capabilities for n, a in enabled.items()}),
        agent_name_variable={n: v for n, d in agent_deployments.items() if (v := _literal_env(d, "MCP_MESH_AGENT_NAME"))},
        probes=[(w, kind) for w, d in [("registry", registry), *agent_deployments.items()]
                for kind in ("liveness", "readiness", "startup") if f"{kind}Probe" in main_container(d)],
        on_postgresql=_on_postgresql(registry),
        database_tls="sslmode=require" in (_database_url(registry) or {}).get("value", ""),
    )


def _literal_env(deployment: dict, name: str) -> str | None:
    return next((e.get("value") for e in main_container(deployment).get("env", []) if e["name"] == name), None)


def _database_url(registry: dict) -> dict | None:
    return next((e for e in main_container(registry).get("env", []) if e["name"] == "DATABASE_URL"), None)


def _on_postgresql(registry: dict) -> bool:
    entry = _database_url(registry)
    return entry is not None and ("valueFrom" in entry or entry["value"].startswith(("postgres://", "postgresql://")))

