"""The imported environment as YAML text: comments where a value was translated, and an `extends` where a base fits.

A base (`environments/_*.yaml`) fits when everything it sets is also set by the
import (the import's value wins) or is delivery configuration (gitops, flux,
validation, meshCharts), which a Helm install does not have. Anything else a
base would add (an agent, a NetworkPolicy, a command) is not running in the
cluster, so extending that base would create it; such a base is not used.
Among the bases that fit, the one leaving the shortest file wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from meshc.loader import BASE_PREFIX

SCHEMA_COMMENT = "# yaml-language-server: $schema=./meshc-environment.schema.json"
DELIVERY_KEYS = frozenset({"gitops", "flux", "validation", "meshCharts"})


def choose_base(directory: Path, data: dict) -> tuple[str | None, dict, list[str]]:
    """(base file name or None, the data to write over it, why each other base was refused)."""
    best: tuple[str | None, dict] = (None, data)
    refused = []
    for path in sorted(directory.glob(f"{BASE_PREFIX}*.yaml")):
        base = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        extra = _added_by(base, data, ())
        if extra or "extends" in base:
            refused.append(f"{path.name} would add {extra[0] if extra else 'its own base'}")
            continue
        overlay = _overlay(base, data)
        if best[0] is None or len(_leaves(overlay)) < len(_leaves(best[1])):
            best = (path.name, overlay)
    return best[0], best[1], refused


def _added_by(base: Any, data: Any, path: tuple) -> list[str]:
    """Key paths the base sets that the import does not."""
    if not isinstance(base, dict):
        return []
    found = []
    for key, value in base.items():
        here = (*path, key)
        if not path and key in DELIVERY_KEYS:
            continue
        if not isinstance(data, dict) or key not in data:
            found.append(".".join(map(str, here)))
        elif isinstance(value, dict) and isinstance(data[key], dict):
            found += _added_by(value, data[key], here)
    return found


def _overlay(base: dict, data: dict) -> dict:
    """What to write over `base` so the merge gives `data` (maps merge, everything else replaces)."""
    overlay = {}
    for key, value in data.items():
        if key not in base:
            overlay[key] = value
        elif isinstance(value, dict) and isinstance(base[key], dict):
            inner = _overlay(base[key], value)
            if inner:
                overlay[key] = inner
        elif base[key] != value:
            overlay[key] = value
    return overlay


def _leaves(data: Any) -> list:
    return [leaf for value in data.values() for leaf in _leaves(value)] if isinstance(data, dict) and data else [data]


# --- YAML with comments -------------------------------------------------------------------


def render(header: list[str], data: dict, comments: dict[tuple, str]) -> str:
    lines = [SCHEMA_COMMENT, *(f"# {line}" if line else "#" for line in header), ""]
    _emit(data, (), 0, comments, lines)
    return "\n".join(lines) + "\n"


def _emit(node: dict, path: tuple, indent: int, comments: dict[tuple, str], lines: list[str]) -> None:
    pad = " " * indent
    for key, value in node.items():
        here = (*path, key)
        block = isinstance(value, dict) and value and not _inline(value, here, comments)
        if not path and (block or here in comments) and lines[-1] != "":
            lines.append("")
        if here in comments:
            lines.append(f"{pad}# {comments[here]}")
        if block:
            lines.append(f"{pad}{_scalar(key)}:")
            _emit(value, here, indent + 2, comments, lines)
        else:
            lines.append(f"{pad}{_scalar(key)}: {_flow(value)}")


def _inline(value: dict, path: tuple, comments: dict[tuple, str]) -> bool:
    """Small maps of plain values read best on one line, unless one of their keys carries a comment."""
    plain = all(not isinstance(v, (dict, list)) for v in value.values())
    commented = any(p[: len(path)] == path and len(p) > len(path) for p in comments)
    return plain and len(value) <= 3 and not commented and len(path) > 2


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(k)}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _scalar(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=1 << 20).strip()
    return text[: -len("...")].strip() if text.endswith("...") else text
