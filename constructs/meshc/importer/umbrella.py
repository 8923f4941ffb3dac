"""An umbrella release: one chart whose dependencies are mcp-mesh-registry and mcp-mesh-agent (agents under aliases).

The umbrella's Chart.yaml, next to its values file, tells which block of the
values belongs to which subchart and which condition switches it. Each enabled
subchart becomes a Release named by its alias (or chart name); the umbrella's
`global` block reaches every subchart, as Helm passes it down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from meshc.errors import InputProblem
from meshc.importer.draft import DERIVED, IGNORED, NOT_PLACED, Finding
from meshc.importer.values import Release, Subchart, collect, read_values, umbrella_subcharts


@dataclass(frozen=True)
class Umbrella:
    release: str
    chart: str
    findings: tuple[Finding, ...] = field(default=())


def umbrella_releases(
    release: str, path: Path, shown: Callable[[Path], str]
) -> tuple[Umbrella, list[Release], list[InputProblem]]:
    values_file = path / "values.yaml" if path.is_dir() else path
    chart_name, subcharts = umbrella_subcharts(values_file.parent / "Chart.yaml", shown(values_file.parent / "Chart.yaml"))
    file = shown(values_file)
    values, source = read_values(values_file, file)
    findings: list[Finding] = []
    releases: list[Release] = []
    problems: list[InputProblem] = []
    for subchart in subcharts:
        enabled = _condition(values, subchart, source, file, findings)
        block = values.get(subchart.key) or {}
        if not enabled:
            continue
        member = Release(name=subchart.key, chart=subchart.chart, file=file, prefix=f"{subchart.key}.", source=source)
        problems += collect(member, {"global": values.get("global") or {}}, source)
        if not isinstance(block, dict):
            problems.append(InputProblem(file, source.locate((subchart.key,), file)[1], subchart.key, "expected a mapping"))
            continue
        problems += collect(member, block, source, (subchart.key,))
        releases.append(member)
    findings += _umbrella_keys(values, subcharts, source, file)
    return Umbrella(release, chart_name, tuple(findings)), releases, problems


def _condition(values: dict, subchart: Subchart, source, file: str, findings: list[Finding]) -> bool:
    if not subchart.condition:
        return True
    node: object = values
    for part in subchart.condition.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    line = source.locate(tuple(subchart.condition.split(".")), file)[1]
    if node is False:
        findings.append(Finding(IGNORED, file, line, subchart.condition, f"false: Helm renders nothing of {subchart.key}, so nothing is imported"))
        return False
    findings.append(Finding(DERIVED, file, line, subchart.condition, f"the umbrella's switch for {subchart.key}; meshc's components are enabled by default"))
    return True


def _umbrella_keys(values: dict, subcharts: list[Subchart], source, file: str) -> list[Finding]:
    """The umbrella's own keys: conditions and globals are read above; everything else reaches no subchart."""
    blocks = {s.key for s in subcharts}
    conditions = {s.condition for s in subcharts if s.condition}
    findings = []
    for key, value in values.items():
        if key in blocks or key == "global":
            continue
        for leaf_path in _paths(value, (key,)):
            dotted = ".".join(leaf_path)
            if dotted in conditions:
                continue
            line = source.locate(leaf_path, file)[1]
            if any(c.startswith(f"{key}.") for c in conditions):
                findings.append(Finding(IGNORED, file, line, dotted, "next to a subchart switch, outside every subchart's block: no chart reads it"))
            else:
                findings.append(Finding(NOT_PLACED, file, line, dotted, "only the umbrella's own templates could read it; meshc does not carry it"))
    return findings


def _paths(value: object, path: tuple) -> list[tuple]:
    if isinstance(value, dict) and value:
        return [p for key, inner in value.items() for p in _paths(inner, (*path, str(key)))]
    return [path]
