"""Mesh graph check: who provides each capability an agent depends on.

Built from the model (agents' `capabilities` and `dependencies`); the
Kubernetes objects do not carry them. Agents are matched as the registry
matches them: a dependency resolves to whichever agent registers the
capability, never by name (the name the registry shows is the one the agent's
code gives in `@mesh.agent(name=...)`; meshc's key for it only names its
objects and prefixes its id through MCP_MESH_AGENT_NAME), so findings name
agents by their key in `agents`. MCP Mesh starts an agent whose
dependency nobody provides and injects it as absent, so an unresolved
dependency is a warning, or an error with `validation.strictDependencies`.
Dependency cycles follow the same rule. An agent that depends on its own
capability is always an error; two providers of one capability are a warning.
"""

from __future__ import annotations

from meshc.checks.report import Finding, Scope
from meshc.graph import cycles, providers_by_capability


def check(scope: Scope) -> list[Finding]:
    agents = scope.model.agents
    strict = scope.model.validation.strict_dependencies
    severity = "error" if strict else "warning"
    providers = providers_by_capability({n: a.capabilities for n, a in agents.items() if a.enabled})
    disabled = providers_by_capability({n: a.capabilities for n, a in agents.items() if not a.enabled})

    findings: list[Finding] = []
    edges: dict[str, dict[str, str]] = {}  # consumer -> provider -> capability
    for name, agent in sorted(agents.items()):
        if not agent.enabled:
            continue
        edges[name] = {}
        component, key = f"agent/{name}", ("agents", name, "dependencies")
        for index, capability in enumerate(agent.dependencies):
            item = (*key, index)
            found = [p for p in providers.get(capability, []) if p != name]
            if name in providers.get(capability, []):
                findings.append(scope.finding(
                    "error", "graph.self-dependency", component, key,
                    f"depends on {capability!r}, which it provides itself",
                    f"remove {capability!r} from agents.{name}.dependencies; an agent calls its own tools directly",
                    locate=item,
                ))
                continue
            if not found:
                off = disabled.get(capability, [])
                note = f"; {', '.join(off)} provide{'s' if len(off) == 1 else ''} it but {'is' if len(off) == 1 else 'are'} disabled" if off else ""
                runtime = "" if strict else "; MCP Mesh starts the agent and injects it as absent"
                findings.append(scope.finding(
                    severity, "graph.unresolved", component, key,
                    f"depends on {capability!r}, which no enabled agent of {scope.name} provides{note}{runtime}",
                    (f"enable agents.{off[0]}" if off else f"add an agent that lists {capability!r} in its capabilities")
                    + f", or remove {capability!r} from agents.{name}.dependencies",
                    locate=item,
                ))
                continue
            if len(found) > 1:
                findings.append(scope.finding(
                    "warning", "graph.ambiguous", component, key,
                    f"depends on {capability!r}, which {len(found)} agents provide ({', '.join(found)}); "
                    "the registry picks one of them at runtime",
                    f"keep {capability!r} in one agent's capabilities, or give the providers distinct capability names",
                    locate=item,
                ))
            for provider in found:
                edges[name].setdefault(provider, capability)

    for cycle in cycles(edges):
        first = cycle[0]
        steps = "".join(f" -[{edges[a][b]}]-> {b}" for a, b in zip(cycle, cycle[1:]))
        findings.append(scope.finding(
            severity, "graph.cycle", f"agent/{first}", ("agents", first, "dependencies"),
            f"dependency cycle: {first}{steps}",
            "remove one of these dependencies; agents in a cycle wait on each other whenever one restarts",
        ))
    return findings
