"""The drafted environment is validated before it is written, and every problem is told where the
user can fix it: the values file, line and key the refused setting came from.

The draft is loaded exactly as `validate` loads an environment file (so the
messages, and what they keep hidden, are the loader's), from a temporary
folder; each problem's key path is then traced back through the draft's
origins to the values leaf that made it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from meshc.errors import InputError, InputProblem
from meshc.importer.document import render
from meshc.importer.draft import Draft
from meshc.importer.values import Leaf, Release
from meshc.loader import load_environment
from meshc.yaml_source import dotted


def draft_problems(draft: Draft, env: str, components: dict[tuple, Release]) -> list[InputProblem]:
    """What meshc refuses in the draft; `components` maps each component's key path to its release."""
    with tempfile.TemporaryDirectory(prefix="meshc-import-") as folder:
        path = Path(folder) / "environments" / f"{env}.yaml"
        path.parent.mkdir()
        path.write_text(render([], draft.data, {}), encoding="utf-8")
        try:
            load_environment(path, root=Path(folder))
        except InputError as error:
            return [_at_values(problem, draft, components) for problem in error.problems]
    return []


def _at_values(problem: InputProblem, draft: Draft, components: dict[tuple, Release]) -> InputProblem:
    message = f"{problem.message} (meshc's {problem.key_path})" if problem.key_path else problem.message
    origin = _longest(problem.key_path, {path: pairs for path, pairs in draft.origins.items() if pairs})
    if origin:
        made, pairs = origin
        refused = _value_at(draft.data, _remainder(problem.key_path, ()))
        release, leaf = _closest(pairs, _remainder(problem.key_path, made), refused)
        component = next(path for path, owner in components.items() if owner is release)
        below = _below(leaf, _remainder(problem.key_path, component), _remainder(problem.key_path, made))
        inside = _inside(leaf.value, below, refused)
        line = release.line_of(leaf.key, *inside) if inside else leaf.line
        return InputProblem(leaf.file, line, dotted((release.shown(leaf.key), *inside)), message)
    component = _longest(problem.key_path, components)
    if component:
        release = component[1]
        return InputProblem(release.file, None, release.name, message)
    return InputProblem("import-helm", None, "", message)


def _longest(key_path: str, table: dict[tuple, Any]) -> tuple[tuple, Any] | None:
    """The entry of `table` whose key path is the longest prefix of `key_path`."""
    found = [(path, value) for path, value in table.items() if _remainder(key_path, path) is not None]
    return max(found, key=lambda entry: len(entry[0]), default=None)


def _remainder(key_path: str, path: tuple) -> list[str] | None:
    """The segments of `key_path` after `path`, or None when `path` is not a prefix of it."""
    prefix = dotted(path)
    if not path:
        return key_path.replace("[", ".").replace("]", "").split(".")
    if key_path == prefix:
        return []
    if key_path.startswith(f"{prefix}."):
        return key_path[len(prefix) + 1:].replace("[", ".").replace("]", "").split(".")
    if key_path.startswith(f"{prefix}["):
        return key_path[len(prefix):].replace("[", ".").replace("]", "").split(".")[1:]
    return None


def _closest(pairs: list[tuple[Release, Leaf]], remainder: list[str], refused: Any) -> tuple[Release, Leaf]:
    """Of the leaves one setting was made from, the one holding the refused value (a merged list),
    else the one named like the refused part (ingress.host <- ingress.hosts)."""
    holding = [pair for pair in pairs if _holds(pair[1].value, refused)]
    named = [pair for pair in pairs if remainder and remainder[0] in pair[1].key.split(".")[-1]]
    return (holding or named or pairs)[0]


def _holds(value: Any, refused: Any) -> bool:
    """Whether `value` is the refused scalar, or lists it (as an entry or an entry's field)."""
    if refused is None or isinstance(refused, (dict, list)):
        return False
    entries = value if isinstance(value, list) else [value]
    return any(entry == refused or isinstance(entry, dict) and refused in entry.values() for entry in entries)


def _value_at(data: Any, segments: list[str]) -> Any:
    for part in segments:
        if isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        elif isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return None
    return data


def _below(leaf: Leaf, in_component: list[str] | None, in_setting: list[str]) -> list[str]:
    """The refused part below the leaf: meshc's keys under the component repeat the chart's where they
    were copied whole (resources.requests.cpu), else only what lies below the setting the leaf made
    (which may sit outside the component: global.imagePullSecrets)."""
    parts = leaf.key.split(".")
    return in_component[len(parts):] if in_component and in_component[:len(parts)] == parts else in_setting


def _inside(value: Any, remainder: list[str], refused: Any) -> list[str | int]:
    """As much of `remainder` as the values themselves spell out below the leaf; in a list, the
    entry holding the refused value (meshc may have merged and sorted the list)."""
    inside: list[str | int] = []
    for part in remainder:
        if isinstance(value, list):
            holding = [index for index, entry in enumerate(value) if _holds(entry, refused)]
            key: str | int = holding[0] if holding else int(part) if part.isdigit() else part
        else:
            key = part
        if isinstance(value, dict) and key in value or isinstance(value, list) and isinstance(key, int) and key < len(value):
            inside.append(key)
            value = value[key]
        else:
            break
    return inside
