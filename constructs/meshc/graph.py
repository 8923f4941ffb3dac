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


def cycles(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """One cycle per group of agents that depend on each other: [a, b, ..., a], starting at the smallest name."""
    found = []
    for group in _strongly_connected(edges):
        if len(group) > 1:
            found.append(_shortest_cycle(edges, min(group), set(group)))
    return sorted(found)


def _strongly_connected(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative, in a deterministic order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)

    for root in sorted(edges):
        if root in index:
            continue
        visit(root)
        work = [(root, iter(sorted(edges.get(root, ()))))]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    visit(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    groups.append(sorted(group))
    return groups


def _shortest_cycle(edges: Mapping[str, Iterable[str]], start: str, members: set[str]) -> list[str]:
    previous: dict[str, str] = {}
    frontier, seen = [start], {start}
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(edges.get(node, ())):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child in members and child not in seen:
                    seen.add(child)
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover - a group of two always has one
