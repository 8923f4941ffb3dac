"""The charts' log settings -> meshc's one `logLevel` for the whole mesh.

Each chart renders two variables: MCP_MESH_LOG_LEVEL and MCP_MESH_DEBUG_MODE
(registry: `registry.logging.level | default "DEBUG"` and `registry.logging.debug
| default "true"`, a string, so a boolean false still renders "true"; agent:
`mesh.logLevel | default "INFO"` and `mesh.debug | default false`; the values
files' own defaults are DEBUG and true). The runtimes upper-case the level, and a
true debug mode forces DEBUG (Go registry: `config.go`, strconv.ParseBool; Python
SDK: `logging_config.py`, "true"/"1"/"yes"). So each component logs at one
effective level, and meshc's `logLevel: X` (MCP_MESH_LOG_LEVEL=X,
MCP_MESH_DEBUG_MODE=X==DEBUG) reproduces it. One level for all components is
placed; components that disagree, or a level meshc has no value for (TRACE,
CRITICAL, a word the runtime refuses), are listed as not placed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from meshc.importer.draft import NOT_PLACED, Draft, Finding
from meshc.importer.values import Leaf, Release
from meshc.naming import REGISTRY_CHART

if TYPE_CHECKING:
    from meshc.importer.translate import Target

MESHC_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
MESHC_DEFAULT = "INFO"
_GO_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_PYTHON_TRUE = {"true", "1", "yes"}


@dataclass(frozen=True)
class Keys:
    level: str
    debug: str


REGISTRY_KEYS = Keys("registry.logging.level", "registry.logging.debug")
AGENT_KEYS = Keys("mesh.logLevel", "mesh.debug")


@dataclass(frozen=True)
class ComponentLevel:
    """What one component logs at (None: no meshc level gives it), why, and the values that say so."""

    component: str
    level: str | None
    reason: str
    leaves: tuple[Leaf, ...]
    release: Release


def log_level(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    """Work out the component's effective level; `settle` decides once every component is read."""
    release = target.release
    keys = REGISTRY_KEYS if target.is_registry else AGENT_KEYS
    level_text, debug_text = _rendered(release, keys, target.is_registry)
    level, reason = _effective(level_text, debug_text, target.is_registry)
    draft.log_levels.append(ComponentLevel(target.path_name, level, reason, tuple(leaves), release))


def _rendered(release: Release, keys: Keys, registry: bool) -> tuple[str, str]:
    """(MCP_MESH_LOG_LEVEL, MCP_MESH_DEBUG_MODE) as the chart's ConfigMap holds them."""
    level = release.get(keys.level, "DEBUG")
    debug = release.get(keys.debug, "true" if registry else True)
    # Helm's `default` treats "", null and false as unset.
    level = str(level) if level not in (None, "", False) else ("DEBUG" if registry else "INFO")
    if debug in (None, "", False):
        debug = "true" if registry else "false"
    return level, str(debug).lower() if isinstance(debug, bool) else str(debug)


def _effective(level: str, debug: str, registry: bool) -> tuple[str | None, str]:
    shown = f"MCP_MESH_LOG_LEVEL={level}, MCP_MESH_DEBUG_MODE={debug}"
    upper = level.upper()
    if upper == "TRACE":
        return None, f"{shown}: meshc has no TRACE level"
    debug_on = debug in _GO_TRUE if registry else debug.lower() in _PYTHON_TRUE
    if debug_on:
        return "DEBUG", shown
    if not registry and upper == "WARN":
        upper = "WARNING"  # the Python SDK's alias; the registry refuses WARN
    if upper in MESHC_LEVELS:
        return upper, shown
    return None, f"{shown}: meshc's levels are {', '.join(MESHC_LEVELS)}"


def settle(draft: Draft) -> None:
    """Place the one level every component logs at, or list why it cannot be placed."""
    components = draft.log_levels
    if not components:
        return
    levels = sorted({c.level for c in components if c.level})
    unplaceable = [c for c in components if c.level is None]
    for component in unplaceable:
        _not_placed(draft, component, component.reason)
    if len(levels) > 1:
        said = "; ".join(f"{c.component} at {c.level}" for c in components if c.level)
        why = f"the components log at different levels ({said}); meshc has one logLevel for the whole mesh: choose one"
        for component in components:
            if component.level:
                _not_placed(draft, component, why)
        return
    if levels:
        draft.put(("logLevel",), levels[0], _comment(components, levels[0]))
        # Next to the other mesh-wide settings, before the components.
        draft.data = {key: draft.data[key] for key in sorted(draft.data, key=lambda key: key in ("registry", "agents"))}
        draft.translated += sum(len(c.leaves) for c in components if c.level)


def _comment(components: list[ComponentLevel], level: str) -> str:
    rendered = sorted({c.reason for c in components if c.level})
    meshc = f"MCP_MESH_LOG_LEVEL={level}, MCP_MESH_DEBUG_MODE={str(level == 'DEBUG').lower()}"
    same = rendered == [meshc]
    return (
        f"every component logged at {level} ({'; '.join(rendered)}"
        f"{'' if same else f'; meshc renders {meshc}, which the runtimes read alike'}); meshc's default is {MESHC_DEFAULT}"
    )


def _not_placed(draft: Draft, component: ComponentLevel, why: str) -> None:
    release = component.release
    if component.leaves:
        for leaf in component.leaves:
            draft.add(NOT_PLACED, leaf, release.shown(leaf.key), why)
        return
    key = release.shown(REGISTRY_KEYS.level if release.chart == REGISTRY_CHART else AGENT_KEYS.level)
    draft.findings.append(Finding(NOT_PLACED, release.file, None, key, f"not set, the chart's default; {why}"))
