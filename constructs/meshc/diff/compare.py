"""Field-by-field comparison of two plain Kubernetes objects. Pure: dicts in, values out.

The walk is deepdiff's. Before it runs, every list the kind's schema merges by key
(`x-kubernetes-list-map-keys`, see meshc.diff.listkeys) becomes a mapping from each item's
key to the item, so containers, env, ports or volume mounts are matched the way server-side
apply merges them, whatever their position; a reorder of such a list is one "(order)" change.
Every other list is atomic: compared item by item when the lengths agree, and whole otherwise.
Paths read like the API's own field paths: `spec.template.spec.containers[name=app].image`,
`spec.ports[port=80,protocol=TCP].targetPort`, `metadata.labels["app.kubernetes.io/name"]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from deepdiff import DeepDiff
from deepdiff.model import CUSTOM_FIELD
from deepdiff.operator import BaseOperator

from meshc.diff.listkeys import ATOMIC, SchemaNode, schema_of


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
_ORDER = "(order)"


@dataclass(frozen=True, kw_only=True)
class FieldChange:
    """One field that differs: its path, the value before and the value after (ABSENT if missing)."""

    path: str
    old: Any
    new: Any


@dataclass(frozen=True)
class ItemKey:
    """The identity of one item of a keyed list: ((key, value), ...), e.g. (("name", "app"),)."""

    fields: tuple[tuple[str, Any], ...]

    def __str__(self) -> str:
        return ",".join(f"{key}={value}" for key, value in self.fields)

    @property
    def shown(self) -> Any:
        """What an order change lists for this item: the value of a single key, else the whole key."""
        return self.fields[0][1] if len(self.fields) == 1 else str(self)


class KeyedList(dict):
    """A keyed list as deepdiff walks it: ItemKey -> item, in the list's order."""


def compare(before: Any, after: Any, schema: SchemaNode | None = None) -> tuple[FieldChange, ...]:
    """Every field that differs between `before` and `after`, in a stable order.

    `schema` says which lists are keyed; with none, every list is atomic."""
    schema = schema or ATOMIC
    positions: dict[tuple, tuple[int, int]] = {}
    new = _keyed(after, schema, (), positions, side=0)  # first: an item's place in the new list wins
    old = _keyed(before, schema, (), positions, side=1)
    tree = DeepDiff(old, new, view="tree", ignore_numeric_type_changes=True,
                    custom_operators=[_KeyedListOrder(), _AtomicListLength()])
    changes = [_change(level, report) for report, levels in tree.items() for level in levels]
    changes.sort(key=lambda change: _sort_key(change[0], positions))
    return tuple(FieldChange(path=format_path(path), old=old_value, new=new_value)
                 for path, old_value, new_value in changes)


def compare_object(before: dict, after: dict, api_version: str, kind: str) -> tuple[FieldChange, ...]:
    """`compare` with the list keys of the kind's API schema."""
    return compare(before, after, schema_of(api_version, kind))


def format_path(path: tuple) -> str:
    """('spec', ItemKey((('name', 'app'),)), 'image') -> 'spec[name=app].image'; indexes as [0]."""
    text = ""
    for step in path:
        if step == _ORDER:
            text += f" {_ORDER}"
        elif isinstance(step, ItemKey):
            text += f"[{step}]"
        elif isinstance(step, tuple):  # ("name", "app"): one key, written by hand
            text += f"[{step[0]}={step[1]}]"
        elif isinstance(step, int):
            text += f"[{step}]"
        elif _PLAIN_KEY.match(step):
            text += f".{step}" if text else step
        else:
            text += f'["{step}"]'
    return text or "(object)"


# --- before deepdiff: keyed lists become mappings -------------------------------------------------


def _keyed(value: Any, schema: SchemaNode, path: tuple, positions: dict, *, side: int) -> Any:
    """`value` with each keyed list as a KeyedList; records each item's position (for the output order)."""
    if isinstance(value, dict):
        return {key: _keyed(child, schema.child(key), (*path, key), positions, side=side)
                for key, child in value.items()}
    if not isinstance(value, list):
        return value
    item_schema = schema.item()
    keys = _item_keys(value, schema.list_keys())
    if keys is None:
        return [_keyed(item, item_schema, (*path, index), positions, side=side) for index, item in enumerate(value)]
    keyed = KeyedList()
    for index, (key, item) in enumerate(zip(keys, value)):
        positions.setdefault((*path, key), (side, index))  # the "after" side (0) is recorded first
        keyed[key] = _keyed(item, item_schema, (*path, key), positions, side=side)
    return keyed


def _item_keys(items: list, list_keys: tuple[str, ...]) -> list[ItemKey] | None:
    """Each item's key, or None when the list is atomic (or its items do not form a valid map)."""
    if not list_keys or not all(isinstance(item, dict) for item in items):
        return None
    keys = [ItemKey(tuple((name, item[name]) for name in list_keys if name in item)) for item in items]
    scalar = all(isinstance(value, (str, int, float, bool)) for key in keys for _, value in key.fields)
    return keys if scalar and all(key.fields for key in keys) and len(set(keys)) == len(keys) else None


def _plain(value: Any) -> Any:
    """A keyed value back in its own shape, for showing."""
    if isinstance(value, KeyedList):
        return [_plain(item) for item in value.values()]
    if isinstance(value, dict):
        return {key: _plain(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


# --- deepdiff's findings as (path, old, new) ------------------------------------------------------------


class _KeyedListOrder(BaseOperator):
    """A keyed list whose common items changed order: one "(order)" change; the items are still compared."""

    def match(self, level) -> bool:
        return isinstance(level.t1, KeyedList) and isinstance(level.t2, KeyedList)

    def give_up_diffing(self, level, diff_instance) -> bool:
        old = [key for key in level.t1 if key in level.t2]
        new = [key for key in level.t2 if key in level.t1]
        if old != new:
            diff_instance.custom_report_result("order_changed", level, {"old": old, "new": new})
        return False


class _AtomicListLength(BaseOperator):
    """An atomic list whose length changed is one change of the whole list, not a change per index."""

    def match(self, level) -> bool:
        return isinstance(level.t1, list) and isinstance(level.t2, list) and len(level.t1) != len(level.t2)

    def give_up_diffing(self, level, diff_instance) -> bool:
        diff_instance.custom_report_result("list_replaced", level)
        return True


def _change(level, report: str) -> tuple[tuple, Any, Any]:
    path = tuple(level.path(output_format="list"))
    if report == "order_changed":
        order = level.additional[CUSTOM_FIELD]
        return (*path, _ORDER), [key.shown for key in order["old"]], [key.shown for key in order["new"]]
    old = ABSENT if report.endswith("_added") else _plain(level.t1)
    new = ABSENT if report.endswith("_removed") else _plain(level.t2)
    return path, old, new


def _sort_key(path: tuple, positions: dict) -> tuple:
    """Map keys sorted as text; keyed items in the new order, then the removed ones; order changes last."""
    steps = []
    for depth, step in enumerate(path):
        if step == _ORDER and depth == len(path) - 1:
            steps.append((9, 0, ""))
        elif isinstance(step, ItemKey):
            side, index = positions.get((*path[:depth], step), (1, 0))
            steps.append((1 + side, index, ""))
        elif isinstance(step, int):
            steps.append((0, step, ""))
        else:
            steps.append((0, 0, str(step)))
    return tuple(steps)

