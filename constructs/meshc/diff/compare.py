"""Field-by-field comparison of two plain Kubernetes objects. Pure: dicts in, values out.

Maps are compared key by key; lists whose items all carry a unique `name` (containers, env,
ports, volumes) are matched by name, as server-side apply merges them; other lists are compared
item by item when their lengths agree, and whole otherwise. Paths read like the API's own
field paths: `spec.template.spec.containers[name=app].image`, `metadata.labels["app.kubernetes.io/name"]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


class _Absent:
    """The value of a field that one side does not have."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "(absent)"

    def __reduce__(self):
        return (_Absent, ())


ABSENT: Any = _Absent()
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class FieldChange:
    """One field that differs: its path, the value before and the value after (ABSENT if missing)."""

    path: str
    old: Any
    new: Any


def compare(before: Any, after: Any) -> tuple[FieldChange, ...]:
    """Every field that differs between `before` and `after`, in a stable order."""
    changes: list[FieldChange] = []
    _walk(before, after, (), changes)
    return tuple(changes)


def format_path(path: tuple) -> str:
    """('spec', ('name', 'app'), 'image') -> 'spec[name=app].image'; indexes as [0]."""
    text = ""
    for step in path:
        if isinstance(step, tuple):
            text += f"[name={step[1]}]"
        elif isinstance(step, int):
            text += f"[{step}]"
        elif _PLAIN_KEY.match(step):
            text += f".{step}" if text else step
        else:
            text += f'["{step}"]'
    return text or "(object)"


def _walk(before: Any, after: Any, path: tuple, changes: list[FieldChange]) -> None:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=str):
            _walk(before.get(key, ABSENT), after.get(key, ABSENT), (*path, key), changes)
        return
    if _named(before) and _named(after):
        _walk_named(before, after, path, changes)
        return
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        for index, (old, new) in enumerate(zip(before, after)):
            _walk(old, new, (*path, index), changes)
        return
    changes.append(FieldChange(format_path(path), before, after))


def _walk_named(before: list, after: list, path: tuple, changes: list[FieldChange]) -> None:
    old = {item["name"]: item for item in before}
    new = {item["name"]: item for item in after}
    for name in [*new, *(name for name in old if name not in new)]:
        _walk(old.get(name, ABSENT), new.get(name, ABSENT), (*path, ("name", name)), changes)
    common_old = [name for name in old if name in new]
    common_new = [name for name in new if name in old]
    if common_old != common_new:
        changes.append(FieldChange(format_path(path) + " (order)", common_old, common_new))


def _named(value: Any) -> bool:
    if not isinstance(value, list) or not value:
        return False
    if not all(isinstance(item, dict) and isinstance(item.get("name"), str) for item in value):
        return False
    return len({item["name"] for item in value}) == len(value)
