"""The mesh's capability graph: who provides what, who waits for whom. Pure functions over names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def providers_by_capability(capabilities: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    """capability -> the agents that provide it, sorted."""
    index: dict[str, list[str]] = {}
    for agent, provided in sorted(capabilities.items()):
        for capability in provided:
            index.setdefault(capability, []).append(agent)
    return index


def consumer_edges(
    capabilities: Mapping[str, Iterable[str]], dependencies: Mapping[str, Iterable[str]]
) -> dict[str, list[str]]:
    """agent -> the other agents providing something it depends on (self-provision excluded)."""
    index = providers_by_capability(capabilities)
    return {
        agent: sorted({p for capability in needed for p in index.get(capability, []) if p != agent})
        for agent, needed in sorted(dependencies.items())
    }


def find_cycle(edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle as [a, b, ..., a], or None. Deterministic: nodes are visited in sorted order."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None
