"""What `import-helm` tells the user: the file's header and the report.

Secret values are never printed: the `kubectl create secret` commands carry a
placeholder naming where the value is, for the user to paste.
"""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

from meshc.importer.draft import DERIVED, KINDS, Draft, Finding

if TYPE_CHECKING:
    from meshc.importer.run import ImportRequest
    from meshc.importer.translate import Target
    from meshc.importer.umbrella import Umbrella


def wiring_notes(draft: Draft, targets: list[Target]) -> None:
    """What changes for each agent although nobody wrote it: the registry address, the name, the HPA's memory metric."""
    registry = next(t for t in targets if t.is_registry)
    port = draft.get(("registry", "service", "port"), 8000)
    derived = f"http://{registry.identity.names.base}:{port}"
    for target in targets:
        release = target.release
        if target.is_registry:
            continue
        host = release.get("registry.host") or f"{release.get('global.coreReleaseName') or 'mcp-core'}-mcp-mesh-registry"
        used = f"http://{host}:{release.get('registry.port') or 8000}"
        leaf = release.leaves.get("agent.registryUrl") or release.leaves.get("registry.host")
        where = (leaf.file, leaf.line) if leaf else (release.file, None)
        key = release.shown(leaf.key) if leaf else f"{target.path[-1]} (registry address)"
        if used != derived:
            message = f"the chart pointed this agent at {used}; meshc wires it to {derived}, the imported registry (its ConfigMap changes)"
            draft.findings.append(Finding(DERIVED, *where, key, message))
        if "agent.name" not in release.leaves:
            draft.findings.append(Finding(DERIVED, release.file, None, f"{target.path[-1]} (agent name)",
                                          f"meshc sets MCP_MESH_AGENT_NAME={target.path[-1]}; the chart left the name to the code"))
        memory_written = "autoscaling.targetMemoryUtilizationPercentage" in release.leaves  # reported at its own line
        if release.get("autoscaling.enabled") and not memory_written and release.get("autoscaling.targetMemoryUtilizationPercentage", 80):
            scaling = release.leaves["autoscaling.enabled"]
            draft.findings.append(Finding(DERIVED, scaling.file, scaling.line, release.shown("autoscaling"),
                                          "the chart's HPA also scaled on memory (80% unless set); meshc's scales on CPU only"))


def file_header(request: ImportRequest, targets: list[Target], umbrella: Umbrella | None, base: str | None, refused: list[str]) -> list[str]:
    lines = [f"Imported with `python main.py import-helm --env {request.env}` from the Helm values of:"]
    if umbrella:
        lines.append(f"  umbrella release {umbrella.release} (chart {umbrella.chart}): {targets[0].release.file}")
    for target in targets:
        chart = target.release.chart
        lines.append(f"  {'subchart' if umbrella else 'release'} {target.release.name} ({chart}): objects {target.identity.names.base}"
                     + ("" if umbrella else f", values {target.release.file}"))
    lines.append("The report of that run lists every key the charts ignored and what meshc does instead.")
    if base:
        lines.append(f"extends {base}: everything it sets is set here too, or is delivery configuration.")
    elif refused:
        lines += ["No base is extended; a base must not add what the Helm install does not run:", *(f"  {r}" for r in refused)]
    return lines


def report_text(draft: Draft, shown_target: str) -> str:
    findings = sorted(set(draft.findings), key=lambda f: (KINDS.index(f.kind), f.file, f.line or 0, f.key, f.message))
    lines = [f"import-helm: wrote {shown_target} ({draft.translated} values translated)"]
    for kind in KINDS:
        group = [f for f in findings if f.kind == kind]
        if not group:
            continue
        lines += ["", f"{kind} ({len(group)}):", *(f"  {f}" for f in group)]
    if draft.secrets:
        namespace = draft.get(("global", "namespace"))
        lines += ["", "Create these Secrets before Flux applies the environment (paste each value; it is not shown here):"]
        for name, entries in sorted(draft.secrets.items()):
            literals = " ".join(f"--from-literal={key}={shlex.quote(placeholder)}" for key, placeholder in entries)
            lines.append(f"  kubectl create secret generic {name} -n {namespace} {literals}")
    status = (
        f"{len(draft.not_placed)} value(s) not placed: edit {shown_target} or the cluster before adopting (exit 1)"
        if draft.not_placed
        else "every value placed"
    )
    lines += ["", f"{status}. Next: python main.py validate --env {shown_target.split('/')[-1][:-5]}, then diff (README: Moving a Helm install to meshc)."]
    return "\n".join(lines) + "\n"
