"""Environment files -> validated `Environment` models, or every problem at once.

YAML is read node by node so each key keeps the file and line it came from;
`extends` chains are deep-merged (maps merge, lists replace) and the merged
value remembers which file set each key. Validation errors are mapped back
to that file and line: `environments/dev.yaml:12 agents.weather.replicas: ...`.
"""

from __future__ import annotations

import difflib
import os
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from meshc.errors import InputError, InputProblem, UnknownEnvironmentError
from meshc.importer.hints import chart_key_hint
from meshc.model import Environment, FieldRuleError

KeyPath = tuple[str | int, ...]
BASE_PREFIX = "_"


@dataclass
class SourceMap:
    """Where each key path of a merged environment was written: (file, line)."""

    positions: dict[KeyPath, tuple[str, int]] = field(default_factory=dict)

    def locate(self, path: KeyPath, fallback_file: str) -> tuple[str, int | None]:
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return fallback_file, None


@dataclass(frozen=True)
class LoadedEnvironment:
    name: str
    file: str
    model: Environment
    source: SourceMap


def environment_names(directory: Path) -> list[str]:
    """Environments are the `*.yaml` files; names starting with `_` are bases to extend."""
    return sorted(p.stem for p in directory.glob("*.yaml") if not p.name.startswith(BASE_PREFIX))


def load_environments(directory: Path, names: list[str] | None = None) -> list[LoadedEnvironment]:
    """Load and validate the named environments (all when `names` is empty), reporting every problem."""
    available = environment_names(directory)
    for name in names or []:
        if name not in available:
            raise UnknownEnvironmentError(name, available, directory.name)
    problems: list[InputProblem] = []
    loaded = []
    for name in sorted(set(names or available)):
        try:
            loaded.append(load_environment(directory / f"{name}.yaml", root=directory.parent))
        except InputError as error:
            problems.extend(error.problems)
    if problems:
        raise InputError(problems)
    return loaded


def load_environment(path: Path, root: Path | None = None) -> LoadedEnvironment:
    """Load one environment file; paths in messages are shown relative to `root`
    (default: the project root, one level above the environment file)."""
    display = _Display(root or path.resolve().parent.parent)
    problems: list[InputProblem] = []
    data, source = _read_with_extends(path, (), problems, display)
    try:
        model = Environment.model_validate(data)
    except ValidationError as error:
        problems += [_problem(e, data, source, display(path)) for e in error.errors()]
    if problems:
        raise InputError(problems)
    return LoadedEnvironment(name=path.stem, file=display(path), model=model, source=source)


# --- reading YAML with positions ------------------------------------------------


@dataclass(frozen=True)
class _Display:
    """Shows paths as users see them in the repository (`environments/dev.yaml`), wherever meshc runs from."""

    root: Path

    def __call__(self, path: Path) -> str:
        return os.path.relpath(path.resolve(), self.root.resolve())


def _read_with_extends(
    path: Path, chain: tuple[Path, ...], problems: list[InputProblem], display: _Display
) -> tuple[dict, SourceMap]:
    """Read `path` and the files it extends; duplicate keys go to `problems` so validation still runs."""
    shown = display(path)
    if not path.is_file():
        raise InputError([InputProblem(shown, None, "", "file not found")])
    data, source = _parse(path.read_text(encoding="utf-8"), shown, problems)
    base_name = data.get("extends")
    if base_name is None:
        return data, source
    line = source.locate(("extends",), shown)[1]
    if not isinstance(base_name, str):
        raise InputError([InputProblem(shown, line, "extends", "must be a file name")])
    base = path.parent / base_name
    here = (*chain, path.resolve())
    if base.resolve() in here:
        cycle = " -> ".join(display(p) for p in (*here, base.resolve()))
        raise InputError([InputProblem(shown, line, "extends", f"extends itself in a cycle: {cycle}")])
    if not base.is_file():
        raise InputError([InputProblem(shown, line, "extends", f"{display(base)} not found (got {base_name!r})")])
    base_data, base_source = _read_with_extends(base, here, problems, display)
    base_data.pop("extends", None)
    # Positions of keys the overlay replaced may linger, but no merged key path reaches them.
    return _merge(base_data, data), SourceMap({**base_source.positions, **source.positions})


def _parse(text: str, file: str, problems: list[InputProblem]) -> tuple[dict, SourceMap]:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        if mark is not None and mark.index >= len(text):
            # An error found at the end of the stream (an unclosed quote) started where the context began.
            mark = getattr(error, "context_mark", None) or mark
        line = mark.line + 1 if mark else None
        reason = getattr(error, "problem", None) or str(error)
        raise InputError([InputProblem(file, line, "", f"malformed YAML: {reason}")]) from None
    finally:
        loader.dispose()
    if node is None:
        raise InputError([InputProblem(file, None, "", "the file is empty; an environment needs at least a mapping")])
    if not isinstance(node, yaml.MappingNode):
        raise InputError([InputProblem(file, node.start_mark.line + 1, "", "the top level must be a mapping of keys")])
    source = SourceMap()
    try:
        return _build(node, (), file, source, problems, loader), source
    except RecursionError:
        raise InputError([InputProblem(file, None, "", "malformed YAML: an alias refers to itself (recursive anchor)")]) from None


def _build(node: yaml.Node, path: KeyPath, file: str, source: SourceMap, problems: list, loader) -> Any:
    source.positions[path] = (file, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        own = sum(1 for key_node, _ in node.value if key_node.tag != "tag:yaml.org,2002:merge")
        loader.flatten_mapping(node)  # puts the pairs of `<<: *anchor` first, the mapping's own pairs last
        merged, own_pairs = node.value[: len(node.value) - own], node.value[len(node.value) - own :]
        own_keys = {str(loader.construct_object(k, deep=True)) for k, _ in own_pairs}
        result: dict = {}
        for index, (key_node, value_node) in enumerate(node.value):
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if index < len(merged) and (key in own_keys or key in result):
                continue  # a mapping's own keys override what a merge key brought in
            if key in result:
                problems.append(
                    InputProblem(file, key_node.start_mark.line + 1, _dotted((*path, key)),
                                 f"duplicate key; {key!r} is already set on line {source.positions[(*path, key)][1]}")
                )
                continue
            result[key] = _build(value_node, (*path, key), file, source, problems, loader)
            source.positions[(*path, key)] = (file, key_node.start_mark.line + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), file, source, problems, loader) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def _merge(base: Any, overlay: Any) -> Any:
    """Overlay wins; maps merge key by key, everything else (lists included) is replaced."""
    if not (isinstance(base, dict) and isinstance(overlay, dict)):
        return overlay
    return {**base, **{key: _merge(base[key], value) if key in base else value for key, value in overlay.items()}}


# --- validation errors -> problems ----------------------------------------------


def _problem(error: dict, data: dict, source: SourceMap, file: str) -> InputProblem:
    loc = _data_path(error["loc"], data)
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, FieldRuleError):
        loc = (*loc, *cause.field.split("."))
    file_name, line = source.locate(loc, file)
    return InputProblem(file_name, line, _dotted(loc), _message(error, loc, cause, data))


def _data_path(loc: tuple, data: Any) -> KeyPath:
    """Drop the discriminator tags pydantic puts in `loc` (registry.database.postgres.x)."""
    path: list[str | int] = []
    current = data
    for segment in loc:
        if segment == "[key]":  # pydantic's marker for "the key itself is invalid"
            continue
        if isinstance(current, dict) and segment not in current and current.get("type") == segment:
            continue
        path.append(segment)
        current = current.get(segment) if isinstance(current, dict) else (
            current[segment] if isinstance(current, list) and isinstance(segment, int) and segment < len(current) else None
        )
    return tuple(path)


def _message(error: dict, loc: KeyPath, cause: Exception | None, data: dict) -> str:
    kind = error["type"]
    if isinstance(cause, ValueError):
        return str(cause)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1], data)
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        chart_key = chart_key_hint(loc)
        hint = f"; {chart_key}" if chart_key else f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown key{hint} (allowed: {', '.join(sorted(allowed))})"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        return f"unknown type {error['ctx']['tag']!r}; expected one of {error['ctx']['expected_tags']}"
    if kind == "union_tag_not_found":
        tags = sorted(typing.get_args(m.model_fields["type"].annotation)[0] for m in _models_at(loc, data))
        return f"needs a 'type' key, one of {', '.join(repr(t) for t in tags)}"
    if kind in {"string_type", "int_type", "bool_type", "list_type", "dict_type", "model_type"}:
        expected = {"string_type": "a string", "int_type": "a whole number", "bool_type": "true or false",
                    "list_type": "a list", "dict_type": "a mapping", "model_type": "a mapping"}[kind]
        hint = "; quote it" if kind == "string_type" and isinstance(error["input"], (int, float, bool)) else ""
        return f"expected {expected}, got {_describe(error['input'])}{hint}"
    message = error["msg"]
    if kind in {"string_pattern_mismatch"} and "DnsLabel" not in message:
        pattern = error["ctx"]["pattern"]
        message = (
            "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit"
            if "a-z0-9" in pattern and "[-a-z0-9]" in pattern
            else f"must match {pattern}"
        )
    return f"{message} (got {error['input']!r})" if not isinstance(error["input"], (dict, list)) else message


def _describe(value: Any) -> str:
    kinds = {bool: "a boolean", int: "a number", float: "a number", str: "a string",
             list: "a list", dict: "a mapping", type(None): "nothing (null)"}
    kind = kinds.get(type(value), type(value).__name__)
    return kind if isinstance(value, (list, dict, type(None))) else f"{kind} {value!r}"


def _allowed_keys(loc: KeyPath, data: dict) -> list[str]:
    """The keys a model accepts at `loc`, found by walking the model's field types."""
    return [f.alias or name for model in _models_at(loc, data) for name, f in model.model_fields.items()]


def _models_at(loc: KeyPath, data: dict) -> list[type[BaseModel]]:
    """The models that may stand at `loc` (several for a union whose tag is missing)."""
    annotation: Any = Environment
    value: Any = data
    for segment in loc:
        if typing.get_origin(annotation) in (dict, list):
            annotation = typing.get_args(annotation)[-1]
        else:
            annotation = _field_annotation(_models_in(annotation, value), segment)
        value = value.get(segment) if isinstance(value, dict) else None
    return _models_in(annotation, value)


def _field_annotation(models: list[type[BaseModel]], segment: str | int) -> Any:
    for model in models:
        for name, info in model.model_fields.items():
            if (info.alias or name) == segment:
                return info.annotation
    return None


def _models_in(annotation: Any, value: Any) -> list[type[BaseModel]]:
    """The models an annotation allows for `value`: a map's values, or the union member its `type` picks."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) is dict:
        return []
    found = [m for arg in typing.get_args(annotation) for m in _models_in(arg, value)]
    tag = value.get("type") if isinstance(value, dict) else None
    tagged = [m for m in found if "type" in m.model_fields and typing.get_args(m.model_fields["type"].annotation) == (tag,)]
    return tagged or found


def _dotted(path: KeyPath) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path).replace(".[", "[")
