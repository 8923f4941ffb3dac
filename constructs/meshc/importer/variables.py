"""A release's environment variables -> the component's `env`, `secretEnv` and `envFrom`.

Both charts put the user's `env` list after their own variables (so it wins over
them and over every envFrom source) and list `envFrom` after their ConfigMap; the
agent chart puts its Secret (`existingSecret`, else `<fullname>-secret` made from
the `secrets` map) between the two (../shared/reference/mcp-mesh-charts.md §3.2,
§4.2). meshc orders them alike, so the same key wins in both. A literal secret is
never written: it becomes a Secret reference, and the report says where the value is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from meshc.checks.secrets import is_literal_secret
from meshc.importer.database import env_database_file
from meshc.importer.draft import DERIVED, IGNORED, NOT_PLACED, SECRET, Draft
from meshc.importer.values import Leaf
from meshc.model import WIRED_AGENT_ENV, WIRED_REGISTRY_ENV

if TYPE_CHECKING:
    from meshc.importer.translate import Target

_REF_KINDS = {"secretRef": "secret", "configMapRef": "configMap"}


def env(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    (leaf,) = leaves
    shown = target.release.shown(leaf.key)
    entries = leaf.value or []
    written_as_map = isinstance(entries, dict)
    if written_as_map:
        draft.add(DERIVED, leaf, shown, "a mapping where the chart expects a list: Helm drops it (umbrella) or fails "
                  "to render (helm template), so running pods may lack these variables; imported as NAME: value pairs")
        entries = [{"name": name, "value": value} for name, value in entries.items()]
    wired = WIRED_REGISTRY_ENV if target.is_registry else WIRED_AGENT_ENV
    for index, entry in enumerate(entries):
        name = entry.get("name") if isinstance(entry, dict) else None
        key = f"{shown}.{name}"
        # Each variable is reported at its own line.
        at = Leaf(leaf.key, None, leaf.file, target.release.line_of(leaf.key, name if written_as_map else index))
        if not isinstance(name, str):
            draft.add(NOT_PLACED, at, key, "not a name/value entry")
        elif target.is_registry and name == "DATABASE_URL" and env_database_file(target.release):
            draft.add(DERIVED, at, key, "the sqlite file the registry used; meshc sets DATABASE_URL from registry.database.path")
        elif name in wired:
            # The chart let the user's entry win over its own; meshc does not let env override its wiring.
            draft.add(NOT_PLACED, at, key, "meshc sets it from the environment's wiring and does not let env override it")
        elif "valueFrom" in entry:
            _reference(target, draft, at, key, name, entry["valueFrom"])
        else:
            _plain_or_secret(target, draft, at, key, name, entry.get("value"))


def _reference(target: Target, draft: Draft, leaf: Leaf, key: str, name: str, source: Any) -> None:
    ref = source.get("secretKeyRef") if isinstance(source, dict) else None
    if not (isinstance(ref, dict) and ref.get("name") and ref.get("key")):
        draft.add(NOT_PLACED, leaf, key, "meshc reads variables only from Secret keys (secretEnv)")
    elif target.is_registry:
        draft.add(NOT_PLACED, leaf, key, "meshc's registry reads Secrets only whole (registry.envFrom), not one key of one")
    else:
        # secretKeyRef.optional: the pod starts without the Secret or key, and the variable is unset.
        optional = {"optional": True} if ref.get("optional") is True else {}
        target.put(draft, f"secretEnv.{name}", {"secret": ref["name"], "key": ref["key"], **optional})
        draft.translated += 1


def _plain_or_secret(target: Target, draft: Draft, leaf: Leaf, key: str, name: str, value: Any) -> None:
    value = "" if value is None else str(value)
    if not is_literal_secret(name, value):
        target.put(draft, f"env.{name}", value)
        draft.translated += 1
        return
    secret = f"{target.path_name}-secrets"
    if target.is_registry:
        # The registry has no secretEnv: its Secret is read whole, after every other source, as env beat them all.
        _append_env_from(target, draft, {"secret": secret}, "a Secret holding the registry's literal env values")
        where = f"now read from Secret {secret} (registry.envFrom), key {name}"
    else:
        target.put(draft, f"secretEnv.{name}", {"secret": secret, "key": name}, "was a literal value in the Helm values")
        where = f"now read from Secret {secret}, key {name}"
    draft.secret(secret, name, f"<value of {key} in {leaf.file}>")
    draft.add(SECRET, leaf, key, f"{where} (create it with the command below)")


def env_sources(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    """The agent chart's Secret, then the chart's `envFrom` entries, in the chart's order."""
    notes = [] if target.is_registry else _chart_secret(target, draft)
    envfrom = target.release.leaves.get("envFrom")
    for index, entry in enumerate((envfrom.value if envfrom else None) or []):
        source = _source(entry)
        at = Leaf(envfrom.key, None, envfrom.file, target.release.line_of(envfrom.key, index))
        if source is None:
            draft.add(NOT_PLACED, at, f"{target.release.shown(envfrom.key)}[{index}]",
                      "meshc reads {secretRef|configMapRef: {name, optional}, prefix} entries only")
        else:
            _append_env_from(target, draft, source, None)
            draft.translated += 1
    if notes:
        draft.comments[(*target.path, "envFrom")] = "; ".join(notes)


def _chart_secret(target: Target, draft: Draft) -> list[str]:
    """The Secret the agent chart reads whole: existingSecret, else the one it made from `secrets`."""
    release = target.release
    existing = release.get("existingSecret")
    secrets = release.get("secrets") or {}
    for name in sorted(secrets):
        at = Leaf("secrets", None, release.file, release.line_of("secrets", name))
        key = f"{release.shown('secrets')}.{name}"
        if existing:
            draft.add(IGNORED, at, key, f"the chart reads existingSecret {existing!r} instead: this value reaches no pod")
        else:
            made = f"{target.identity.names.base}-secret"
            draft.add(SECRET, at, key, f"read from Secret {made}, which the chart made from this map (envFrom, as the chart "
                      "did); keep that Secret when Helm lets go, meshc never holds the value")
    if existing:
        _append_env_from(target, draft, {"secret": str(existing)}, None)
        draft.translated += 1
        return [f"the chart's existingSecret {existing}: every key a variable, as the chart read it"]
    if secrets:
        _append_env_from(target, draft, {"secret": f"{target.identity.names.base}-secret"}, None)
        return ["the Secret the chart made from its secrets map (keep it when Helm lets go); later sources win"]
    return []


def _source(entry: Any) -> dict | None:
    """A Kubernetes envFrom entry -> meshc's {secret|configMap, prefix, optional}, or None if it has no such shape."""
    if not isinstance(entry, dict) or set(entry) - {*_REF_KINDS, "prefix"}:
        return None
    refs = [(kind, ref) for kind, ref in entry.items() if kind in _REF_KINDS]
    if len(refs) != 1 or not isinstance(refs[0][1], dict) or set(refs[0][1]) - {"name", "optional"} or not refs[0][1].get("name"):
        return None
    kind, ref = refs[0]
    source = {_REF_KINDS[kind]: str(ref["name"])}
    if entry.get("prefix"):
        source["prefix"] = str(entry["prefix"])
    if ref.get("optional") is True:
        source["optional"] = True
    return source


def _append_env_from(target: Target, draft: Draft, source: dict, comment: str | None) -> None:
    path = (*target.path, "envFrom")
    sources = list(draft.get(path, []))
    if source not in sources:
        sources.append(source)
    draft.put(path, sources, comment)
