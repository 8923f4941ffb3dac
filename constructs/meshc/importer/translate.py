"""One release's values -> its component in the draft environment.

Each leaf the user wrote goes through its rule (rules.py): copied, reported as
ignored or replaced, or handed to the handler below that knows the shape.
Handlers get every leaf of their kind at once, so related keys (the database,
the ingress) are read together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from meshc.importer.database import database
from meshc.importer.draft import DERIVED, IGNORED, NOT_PLACED, Draft, Finding
from meshc.importer.log_level import log_level
from meshc.importer.rules import CAPABILITIES_NOTE, RULES, TRACING_SWITCH, Derived, Ignored, Special, To, rule_for
from meshc.importer.values import CHART_KEYS, Leaf, Release
from meshc.importer.variables import env, env_sources
from meshc.model import Agent, Registry
from meshc.naming import AGENT_CHART, REGISTRY_CHART, ComponentIdentity

# meshc's own defaults of each component, by the keys environment files use.
_MESHC_DEFAULTS = {
    REGISTRY_CHART: Registry().model_dump(by_alias=True),
    AGENT_CHART: Agent().model_dump(by_alias=True),
}


@dataclass
class Target:
    """Where one release lands: its component's key path and the names its objects have."""

    release: Release
    path: tuple  # ("registry",) or ("agents", name)
    identity: ComponentIdentity

    def put(self, draft: Draft, key: str, value: Any, comment: str | None = None) -> None:
        path = tuple(key[1:].split(".")) if key.startswith("/") else (*self.path, *key.split("."))
        draft.put(path, value, comment)

    @property
    def path_name(self) -> str:
        """The component's name in meshc: the registry's `name`, or the agent's key."""
        return self.path[-1] if not self.is_registry else self.release.name

    @property
    def is_registry(self) -> bool:
        return self.release.chart == REGISTRY_CHART


def translate(target: Target, draft: Draft) -> None:
    release = target.release
    grouped: dict[str, list[Leaf]] = {}
    for leaf in sorted(release.leaves.values(), key=lambda leaf: (leaf.line or 0, leaf.key)):
        rule = rule_for(release.chart, leaf.key)
        shown = release.shown(leaf.key)
        if isinstance(rule, To):
            with draft.from_leaves(release, [leaf]):
                target.put(draft, rule.key, leaf.value, rule.note)
            draft.translated += 1
        elif isinstance(rule, Ignored):
            draft.add(IGNORED, leaf, shown, rule.reason)
        elif isinstance(rule, Derived):
            _derived(draft, leaf, shown, rule)
        elif isinstance(rule, Special):
            grouped.setdefault(rule.handler, []).append(leaf)
        elif leaf.value == CHART_KEYS[release.chart].get(leaf.key, {}).get("default"):
            draft.add(DERIVED, leaf, shown, "the chart's default; meshc writes its own equivalent")
        else:
            draft.add(NOT_PLACED, leaf, shown, "the chart reads it, but meshc has no setting for it")
    if target.is_registry:
        grouped.setdefault("database", [])  # the chart's default is postgres, written or not
    grouped.setdefault("log_level", [])  # the charts' defaults log at DEBUG, written or not
    grouped.setdefault("tracing", [])  # and trace, written or not
    if target.is_registry:
        grouped.setdefault("disruption_budget", [])  # the registry chart's budget is on unless switched off
    _chart_defaults(target, draft)
    # In the table's order, which puts the handlers that share a key after each other.
    for handler, run in HANDLERS.items():
        if handler in grouped:
            with draft.from_leaves(release, grouped[handler]):
                run(target, draft, grouped[handler])


def _derived(draft: Draft, leaf: Leaf, shown: str, rule: Derived) -> None:
    if rule.same is None or leaf.value == rule.same:
        draft.add(DERIVED, leaf, shown, rule.reason)
    else:
        draft.add(NOT_PLACED, leaf, shown, f"{rule.reason}, not {leaf.value!r}")


# --- handlers ------------------------------------------------------------------------


def _image_tag(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    (leaf,) = leaves
    note = None if isinstance(leaf.value, str) else f"quoted: the chart read the number {leaf.value!r} as this tag"
    target.put(draft, "image.tag", str(leaf.value), note)
    draft.translated += 1


def _image_registry(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    (leaf,) = leaves
    if leaf.value:
        target.put(draft, "image.registry", leaf.value)
        draft.translated += 1


def _global_image_registry(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    (leaf,) = leaves
    if leaf.value:
        draft.put(("global", "imageRegistry"), leaf.value)
        draft.translated += 1


def _pull_secrets(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    names = list(draft.get(("global", "imagePullSecrets"), []))
    for leaf in leaves:
        for entry in leaf.value or []:
            name = entry.get("name") if isinstance(entry, dict) else entry
            if name not in names:
                names.append(name)
        draft.translated += 1
    if names:
        draft.put(("global", "imagePullSecrets"), sorted(names), "every chart's imagePullSecrets, merged: meshc gives every pod one list")


def _resources(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    (leaf,) = leaves
    written = leaf.value or {}
    chart_default = CHART_KEYS[target.release.chart]["resources"]["default"]
    filled = False
    for part in ("requests", "limits"):
        # Helm merges the values over the chart's: an amount left out keeps the chart's (an explicit null drops it).
        own = written.get(part) or {}
        amounts = {**({} if part in written and written[part] is None else chart_default.get(part, {})), **own}
        filled |= set(amounts) != set(own)
        for name, amount in amounts.items():
            if name in ("cpu", "memory"):
                target.put(draft, f"resources.{part}.{name}", str(amount))
            else:
                draft.add(NOT_PLACED, leaf, f"{target.release.shown(leaf.key)}.{part}.{name}", "meshc sets only cpu and memory")
    if filled:
        draft.comments[(*target.path, "resources")] = "with the chart's default amounts where the values set none (Helm merges them)"
    extra = sorted(set(written) - {"requests", "limits"})
    for name in extra:
        draft.add(NOT_PLACED, leaf, f"{target.release.shown(leaf.key)}.{name}", "meshc sets only requests and limits")
    draft.translated += 1


def _chart_defaults(target: Target, draft: Draft) -> None:
    """Where the chart's default differs from meshc's, a key the values left out gets the chart's (it is what runs)."""
    release = target.release
    meshc = _MESHC_DEFAULTS[release.chart]
    for key, rule in RULES[release.chart].items():
        if not isinstance(rule, To) or key in release.leaves or key not in CHART_KEYS[release.chart]:
            continue
        switch = f"{key.rsplit('.', 1)[0]}.enabled"
        if switch != key and switch in CHART_KEYS[release.chart] and not release.get(switch, CHART_KEYS[release.chart][switch]["default"]):
            continue  # only matters when the block is switched on
        chart_value, meshc_value = CHART_KEYS[release.chart][key]["default"], _lookup(meshc, rule.key)
        if chart_value != meshc_value:
            target.put(draft, rule.key, chart_value, f"the chart's default, which the values left as is (meshc's is {meshc_value})")
    if any(key.startswith("image.") for key in release.leaves):
        # meshc's image is written whole (its default is replaced, not merged, as Helm merges the chart's).
        for key in ("image.repository", "image.tag"):
            if key not in release.leaves:
                target.put(draft, key, CHART_KEYS[release.chart][key]["default"], "the chart's default, which the values left as is")


def _lookup(data: dict, dotted: str) -> Any:
    for part in dotted.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _storage_class(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    (leaf,) = leaves
    if leaf.value:
        target.put(draft, "persistence.storageClass", leaf.value)
        draft.translated += 1


def _node_selector(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    (leaf,) = leaves
    if leaf.value:
        target.put(draft, "affinity.nodeSelector", {k: str(v) for k, v in leaf.value.items()})
        draft.translated += 1


def _disruption_budget(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    release = target.release
    enabled = release.get("podDisruptionBudget.enabled", target.is_registry)
    scaling = release.get("autoscaling.enabled", False)
    fewest = release.get("autoscaling.minReplicas", 1) if scaling else release.get("replicaCount", 1)
    # The registry chart guards its budget: it renders only when more than one pod is guaranteed.
    rendered = enabled and (not target.is_registry or fewest > 1)
    minimum = release.get("podDisruptionBudget.minAvailable", 1)
    if rendered and isinstance(minimum, int):
        # Unwritten, the registry chart's budget is on (`enabled: true`) and renders with more than one pod.
        note = None if leaves else "the chart's default budget, rendered because more than one registry pod is guaranteed"
        target.put(draft, "disruptionBudget", {"enabled": True, "minAvailable": minimum}, note)
    for leaf in leaves:
        shown = release.shown(leaf.key)
        if not rendered:
            draft.add(IGNORED, leaf, shown, "the chart renders no PodDisruptionBudget here (disabled, or a single replica)")
        elif not isinstance(minimum, int):
            draft.add(NOT_PLACED, leaf, shown, "meshc's minAvailable is a number of pods")
        else:
            draft.translated += 1


def _memory_metric(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    (leaf,) = leaves
    shown = target.release.shown(leaf.key)
    if not target.release.get("autoscaling.enabled", False):
        draft.add(IGNORED, leaf, shown, "autoscaling is off: the chart renders no HPA")
    elif not leaf.value:  # the chart adds the memory metric only for a percentage that is set
        draft.add(DERIVED, leaf, shown, "the chart's HPA had no memory metric; meshc's scales on CPU only, alike")
    else:
        draft.add(DERIVED, leaf, shown, f"the chart's HPA also scaled on memory ({leaf.value}%); meshc's scales on CPU only")


def _tracing(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    """Distributed tracing: meshc turns it off in both render modes (the environment runs no Tempo or Redis for it)."""
    release = target.release
    value = release.get(TRACING_SWITCH[release.chart])
    if target.is_registry:  # `hasKey enabled | ternary enabled true`: a false is kept
        on = value is None or str(value).lower() not in ("false", "0", "f")
    else:  # `enabled | default true`: only a string "false" turns it off
        on = not (isinstance(value, str) and value.lower() in ("false", "0", "no"))
    if not on:
        message = "meshc turns distributed tracing off too"
    else:
        endpoint = release.get("registry.observability.telemetryEndpoint" if target.is_registry else "agent.observability.telemetryEndpoint")
        message = (f"the chart traced (MCP_MESH_DISTRIBUTED_TRACING_ENABLED=true{f', to {endpoint}' if endpoint else ''}); "
                   "meshc turns tracing off, the environment runs no Tempo or Redis for it")
    for leaf in leaves:
        draft.add(DERIVED, leaf, release.shown(leaf.key), message)
    if not leaves and on:
        draft.findings.append(Finding(DERIVED, release.file, None, f"{target.path_name} (distributed tracing)", message))


def _ingress(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    release = target.release
    if not release.get("ingress.enabled", False):
        for leaf in leaves:
            draft.add(IGNORED, leaf, release.shown(leaf.key), "the ingress is disabled")
        return
    hosts = release.get("ingress.hosts") or [{"host": "mcp-agent.local", "paths": [{"path": "/"}]}]
    tls = release.get("ingress.tls") or []
    paths = hosts[0].get("paths") or [{"path": "/"}]
    ingress = {"enabled": True, "host": hosts[0].get("host"), "path": paths[0].get("path", "/")}
    if release.get("ingress.className"):
        ingress["className"] = release.get("ingress.className")
    if tls and tls[0].get("secretName"):
        ingress["tlsSecretName"] = tls[0]["secretName"]
    target.put(draft, "ingress", ingress)
    draft.translated += 1
    if len(hosts) > 1 or len(paths) > 1 or len(tls) > 1:
        leaf = release.leaves.get("ingress.hosts") or leaves[0]
        draft.add(NOT_PLACED, leaf, release.shown(leaf.key), "meshc's ingress serves one host and one path")


def _agent_name(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    (leaf,) = leaves
    shown = target.release.shown(leaf.key)
    if leaf.value == target.path[-1]:
        draft.add(DERIVED, leaf, shown, "the agent's key under agents; meshc sets MCP_MESH_AGENT_NAME from it")
    else:
        draft.add(NOT_PLACED, leaf, shown, f"meshc names the agent after its release {target.path[-1]!r}, not {leaf.value!r}")


def _command(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    (leaf,) = leaves
    if leaf.value:
        target.put(draft, "command", [str(part) for part in leaf.value])
        draft.translated += 1


def _capabilities(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    for leaf in leaves:
        names = [entry.get("name") if isinstance(entry, dict) else entry for entry in leaf.value or []]
        field = leaf.key.split(".")[-1]
        if names:
            target.put(draft, field, [str(n) for n in names], "the chart ignored it; meshc checks it")
        draft.add(DERIVED, leaf, target.release.shown(leaf.key), CAPABILITIES_NOTE)


def _one_port(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    (leaf,) = leaves
    own = "service.port" if target.is_registry else "http.port"
    port = draft.get((*target.path, *own.split(".")), 8000 if target.is_registry else 8080)
    shown = target.release.shown(leaf.key)
    if int(leaf.value) == port:
        draft.add(DERIVED, leaf, shown, f"meshc uses {own} ({port}) for the container, the Service and the wiring")
    else:
        draft.add(NOT_PLACED, leaf, shown, f"meshc uses one port ({own}: {port}) for the container and the Service")


def _registry_name(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    (leaf,) = leaves
    shown = target.release.shown(leaf.key)
    if leaf.value == target.path_name:
        draft.add(DERIVED, leaf, shown, "meshc sets REGISTRY_NAME to the registry's name")
    else:
        draft.add(NOT_PLACED, leaf, shown, f"meshc sets REGISTRY_NAME to the registry's name {target.path_name!r}")


HANDLERS: dict[str, Callable[[Target, Draft, list[Leaf]], None]] = {
    "image_tag": _image_tag,
    "image_registry": _image_registry,
    "global_image_registry": _global_image_registry,
    "pull_secrets": _pull_secrets,
    "resources": _resources,
    "storage_class": _storage_class,
    "node_selector": _node_selector,
    "disruption_budget": _disruption_budget,
    "ingress": _ingress,
    "tracing": _tracing,
    "memory_metric": _memory_metric,
    "env_sources": env_sources,
    "env": env,  # after env_sources: a registry's literal secret is read through the last envFrom entry
    "agent_name": _agent_name,
    "command": _command,
    "capabilities": _capabilities,
    "log_level": log_level,
    "one_port": _one_port,
    "registry_name": _registry_name,
    "database": database,
}
