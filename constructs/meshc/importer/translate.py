"""One release's values -> its component in the draft environment.

Each leaf the user wrote goes through its rule (rules.py): copied, reported as
ignored or replaced, or handed to the handler below that knows the shape.
Handlers get every leaf of their kind at once, so related keys (the database,
the ingress) are read together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from meshc.checks.secrets import is_literal_secret
from meshc.importer.database import database
from meshc.importer.draft import DERIVED, IGNORED, NOT_PLACED, SECRET, Draft
from meshc.importer.rules import CAPABILITIES_NOTE, Derived, Ignored, Special, To, rule_for
from meshc.importer.values import CHART_KEYS, Leaf, Release
from meshc.model import WIRED_AGENT_ENV
from meshc.naming import REGISTRY_CHART, ComponentIdentity


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
            value = leaf.value
            target.put(draft, rule.key, str(value) if rule.key.startswith("env.") else value, rule.note)
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
    for handler, leaves in grouped.items():
        HANDLERS[handler](target, draft, leaves)


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
    for part in ("requests", "limits"):
        amounts = (leaf.value or {}).get(part) or {}
        for name, amount in amounts.items():
            if name in ("cpu", "memory"):
                target.put(draft, f"resources.{part}.{name}", str(amount))
            else:
                draft.add(NOT_PLACED, leaf, f"{target.release.shown(leaf.key)}.{part}.{name}", "meshc sets only cpu and memory")
    extra = sorted(set(leaf.value or {}) - {"requests", "limits"})
    for name in extra:
        draft.add(NOT_PLACED, leaf, f"{target.release.shown(leaf.key)}.{name}", "meshc sets only requests and limits")
    draft.translated += 1


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
    for leaf in leaves:
        shown = release.shown(leaf.key)
        if not rendered:
            draft.add(IGNORED, leaf, shown, "the chart renders no PodDisruptionBudget here (disabled, or a single replica)")
        elif not isinstance(minimum, int):
            draft.add(NOT_PLACED, leaf, shown, "meshc's minAvailable is a number of pods")
        else:
            target.put(draft, "disruptionBudget", {"enabled": True, "minAvailable": minimum})
            draft.translated += 1


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


def _env(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    (leaf,) = leaves
    shown = target.release.shown(leaf.key)
    entries = leaf.value or []
    written_as_map = isinstance(entries, dict)
    if written_as_map:
        draft.add(DERIVED, leaf, shown, "a mapping where the chart expects a list: Helm drops it (umbrella) or fails "
                  "to render (helm template), so running pods may lack these variables; imported as NAME: value pairs")
        entries = [{"name": name, "value": value} for name, value in entries.items()]
    for index, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        key = f"{shown}.{name}"
        # Each variable is reported at its own line.
        at = Leaf(leaf.key, None, leaf.file, target.release.line_of(leaf.key, name if written_as_map else index))
        if target.is_registry or not isinstance(name, str):
            draft.add(NOT_PLACED, at, key, "meshc sets the registry's variables itself" if target.is_registry else "not a name/value entry")
        elif name in WIRED_AGENT_ENV:
            draft.add(DERIVED, at, key, "meshc sets it from the environment's wiring")
        elif "valueFrom" in entry:
            _env_from_reference(target, draft, at, key, name, entry["valueFrom"])
        else:
            _plain_or_secret(target, draft, at, key, name, entry.get("value"))


def _env_from_reference(target: Target, draft: Draft, leaf: Leaf, key: str, name: str, source: Any) -> None:
    ref = source.get("secretKeyRef") if isinstance(source, dict) else None
    if isinstance(ref, dict) and ref.get("name") and ref.get("key"):
        target.put(draft, f"secretEnv.{name}", {"secret": ref["name"], "key": ref["key"]})
        draft.translated += 1
    else:
        draft.add(NOT_PLACED, leaf, key, "meshc reads variables only from Secret keys (secretEnv)")


def _plain_or_secret(target: Target, draft: Draft, leaf: Leaf, key: str, name: str, value: Any) -> None:
    value = "" if value is None else str(value)
    if not is_literal_secret(name, value):
        target.put(draft, f"env.{name}", value)
        draft.translated += 1
        return
    secret = f"{target.path[-1]}-secrets"
    target.put(draft, f"secretEnv.{name}", {"secret": secret, "key": name}, "was a literal value in the Helm values")
    draft.secret(secret, name, f"<value of {key} in {leaf.file}>")
    draft.add(SECRET, leaf, key, f"now read from Secret {secret}, key {name} (create it with the command below)")


def _secrets(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    (leaf,) = leaves
    for name in sorted(leaf.value or {}):
        secret = f"{target.path[-1]}-secrets"
        key = f"{target.release.shown(leaf.key)}.{name}"
        at = Leaf(leaf.key, None, leaf.file, target.release.line_of(leaf.key, name))
        target.put(draft, f"secretEnv.{name}", {"secret": secret, "key": name}, "was in the chart's secrets map")
        draft.secret(secret, name, f"<value of {key} in {leaf.file}>")
        draft.add(SECRET, at, key, f"now read from Secret {secret}, key {name} (create it with the command below)")


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


def _debug_mode(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    (leaf,) = leaves
    target.put(draft, "env.MCP_MESH_DEBUG_MODE", str(bool(leaf.value)).lower(), "the chart's mesh.debug, as the variable it sets")
    draft.translated += 1


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
    "env": _env,
    "secrets": _secrets,
    "agent_name": _agent_name,
    "command": _command,
    "capabilities": _capabilities,
    "debug_mode": _debug_mode,
    "one_port": _one_port,
    "registry_name": _registry_name,
    "database": database,
}
