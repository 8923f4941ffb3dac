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
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from meshc.environment_rules import broken_rules
from meshc.errors import InputError, InputProblem, NoEnvironmentsError, UnknownEnvironmentError
from meshc.kube_values import INT32_MAX
from meshc.kube import DNS1123_LABEL, DNS1123_SUBDOMAIN
from meshc.model import Environment, FieldRuleError, SecretKeyRef
from meshc.secret_names import NOT_SHOWN as _HIDDEN, conceals, describe as _describe
from meshc.yaml_source import KeyPath, SourceMap, dotted, parse_mapping, read_text
from meshc.importer.hints import chart_key_hint

BASE_PREFIX = "_"
MAX_EXTENDS = 16  # bases in one chain; far more than anyone layers, far less than Python's recursion limit


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
    """Load and validate the named environments (all when `names` is empty), reporting every problem.

    A problem in a base file says which of the loaded environments it affects, once."""
    available = environment_names(directory)
    if not available:
        raise NoEnvironmentsError(directory.name)
    for name in names or []:
        if name not in available:
            raise UnknownEnvironmentError(name, available, directory.name)
    outcomes: dict[str, LoadedEnvironment | list[InputProblem]] = {}
    for name in sorted(set(names or available)):
        try:
            outcomes[name] = load_environment(directory / f"{name}.yaml", root=directory.parent)
        except InputError as error:
            outcomes[name] = error.problems
    return combine_loads(directory, outcomes)


def combine_loads(directory: Path, outcomes: dict[str, LoadedEnvironment | list[InputProblem]]) -> list[LoadedEnvironment]:
    """The environments loaded one by one (here, or in synth's worker processes), checked together:
    each problem of a base file once, naming the environments it affects, and no two environments
    in one namespace. Raises InputError with every problem."""
    affected: dict[InputProblem, list[str]] = {}
    own_files = {_Display(directory.parent)(directory / f"{name}.yaml") for name in outcomes}
    loaded = []
    for name, outcome in outcomes.items():
        if isinstance(outcome, LoadedEnvironment):
            loaded.append(outcome)
            continue
        for problem in outcome:
            affected.setdefault(problem, []).append(name)
    problems = [p if p.file in own_files else _naming_environments(p, envs) for p, envs in affected.items()]
    problems += _shared_namespaces(loaded, _others(directory, environment_names(directory), set(outcomes)))
    if problems:
        raise InputError(problems)
    return loaded


def _naming_environments(problem: InputProblem, environments: list[str]) -> InputProblem:
    label = "environment" if len(environments) == 1 else "environments"
    return replace(problem, message=f"{problem.message} (affects {label} {', '.join(environments)})")


def _others(directory: Path, available: list[str], loaded: set[str]) -> list[LoadedEnvironment]:
    """The environments not asked for that load cleanly: a namespace clash with one of them matters
    as much as with one asked for (their own problems are theirs, reported when they are asked for)."""
    others = []
    for name in available:
        if name not in loaded:
            try:
                others.append(load_environment(directory / f"{name}.yaml", root=directory.parent))
            except InputError:
                continue
    return others


def _shared_namespaces(loaded: list[LoadedEnvironment], others: list[LoadedEnvironment]) -> list[InputProblem]:
    """Two environments in one namespace overwrite and prune each other's objects, unless each says
    `global.sharedNamespace: true` (they go to different clusters). Reported at an environment asked for."""
    problems = []
    first_in: dict[str, LoadedEnvironment] = {}
    asked = {id(environment) for environment in loaded}
    for environment in sorted([*loaded, *others], key=lambda e: (id(e) not in asked, e.name)):
        namespace = environment.model.global_.namespace
        first = first_in.setdefault(namespace, environment)
        if first is environment or (first.model.global_.shared_namespace and environment.model.global_.shared_namespace):
            continue
        if id(environment) not in asked:
            environment, first = first, environment
            if id(environment) not in asked:
                continue
        file, line = environment.source.locate(("global", "namespace"), environment.file)
        first_file, first_line = first.source.locate(("global", "namespace"), first.file)
        problems.append(InputProblem(
            file, line, "global.namespace",
            f"environments {first.name} and {environment.name} both write namespace {namespace!r} "
            f"({first_file}:{first_line or 1}), so each would overwrite and prune the other's objects; give each "
            "its own global.namespace, or set global.sharedNamespace: true in both if they deploy to different clusters",
        ))
    return problems


def load_environment(path: Path, root: Path | None = None) -> LoadedEnvironment:
    """Load one environment file; paths in messages are shown relative to `root`
    (default: the project root, one level above the environment file)."""
    display = _Display(root or Path(os.path.realpath(path.parent)).parent)
    problems: list[InputProblem] = []
    data, source = _read_with_extends(path, (), problems, display, home=path.parent)
    if not (DNS1123_LABEL.fullmatch(path.stem) and len(path.stem) <= 63):
        problems.append(InputProblem(display(path), None, "", f"the environment name {path.stem!r} (from the file name) "
                                     "must be a DNS-1123 label: lower-case letters, digits and '-'"))
    try:
        model = Environment.model_validate(data)
    except ValidationError as error:
        reported = [p.key_path for p in problems]
        problems += [
            problem for problem in (_problem(e, data, source, display(path)) for e in error.errors())
            if not any(_within(problem.key_path, earlier) for earlier in reported)
        ]
    else:
        problems += [_located(key, message, source, display(path)) for key, message in broken_rules(model)]
    if problems:
        raise InputError(problems)
    return LoadedEnvironment(name=path.stem, file=display(path), model=model, source=source)


def _within(key_path: str, reported: str) -> bool:
    """Whether a validation problem at `key_path` only repeats a reading problem at `reported`
    (the loader left that value out, so validation sees it missing or incomplete)."""
    return bool(reported) and (key_path == reported or key_path.startswith((f"{reported}.", f"{reported}[")))


# --- reading files and their extends chain ------------------------------------------------


@dataclass(frozen=True)
class _Display:
    """Shows paths as users see them in the repository (`environments/dev.yaml`), wherever meshc runs
    from. Symbolic links are not followed, so a link is named, not its target."""

    root: Path

    def __call__(self, path: Path) -> str:
        return os.path.relpath(os.path.join(os.path.realpath(path.parent), path.name), os.path.realpath(self.root))


def _read_with_extends(
    path: Path, chain: tuple[Path, ...], problems: list[InputProblem], display: _Display, home: Path
) -> tuple[dict, SourceMap]:
    """Read `path` and the files it extends (inside `home`, the environments folder); problems that
    leave usable data go to `problems` so validation still runs."""
    shown = display(path)
    data, source = parse_mapping(read_text(path, shown), shown, problems)
    base_name = data.get("extends")
    if base_name is None:
        return data, source
    line = source.locate(("extends",), shown)[1]
    if not isinstance(base_name, str) or not base_name.strip():
        raise InputError([InputProblem(shown, line, "extends", "must be a file name")])
    inside = os.path.normpath(os.path.join(os.path.relpath(os.path.realpath(path.parent), os.path.realpath(home)), base_name))
    if os.path.isabs(base_name) or inside == os.pardir or inside.startswith(os.pardir + os.sep):
        raise InputError([InputProblem(
            shown, line, "extends", f"must name a file inside {home.name}/, got {base_name!r}; copy the base into {home.name}/"
        )])
    base = path.parent / base_name
    here = (*chain, path)
    if len(here) > MAX_EXTENDS:
        raise InputError([InputProblem(shown, line, "extends", f"extends a chain of more than {MAX_EXTENDS} files; flatten some bases")])
    if os.path.realpath(base) in {os.path.realpath(p) for p in here}:
        cycle = " -> ".join(display(p) for p in (*here, base))
        raise InputError([InputProblem(shown, line, "extends", f"extends itself in a cycle: {cycle}")])
    if not base.is_file():
        raise InputError([InputProblem(shown, line, "extends", f"{display(base)} not found (got {base_name!r})")])
    base_data, base_source = _read_with_extends(base, here, problems, display, home)
    base_data.pop("extends", None)
    # Positions of keys the overlay replaced may linger, but no merged key path reaches them.
    return _merge(base_data, data), SourceMap({**base_source.positions, **source.positions})


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
    return _located(loc, _message(error, loc, cause, data), source, file)


def _located(loc: KeyPath, message: str, source: SourceMap, file: str) -> InputProblem:
    file_name, line = source.locate(loc, file)
    return InputProblem(file_name, line, dotted(loc), message)


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
    value = error["input"]
    hidden = conceals(loc, value) and not isinstance(value, (dict, list))
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
    if kind == "model_type" and hidden and any(issubclass(m, SecretKeyRef) for m in _models_at(loc, data)):
        return (f"expected a Secret reference {{secret: <name>, key: <key>}}, got {_describe(value, hidden)}; "
                "keep the value in a Secret and name it here")
    if kind in _EXPECTED:
        expected = _EXPECTED[kind]
        hint = "; quote it" if kind == "string_type" and isinstance(value, (int, float, bool)) else ""
        return f"expected {expected}, got {_describe(value, hidden)}{hint}"
    if kind == "less_than_equal" and error["ctx"]["le"] == INT32_MAX and not hidden:
        return f"{value} is more than Kubernetes stores here: a 32-bit integer, at most {INT32_MAX}"
    message = error["msg"]
    if kind in _BOUNDS:
        word, bound = _BOUNDS[kind]
        message = f"must be {word} {error['ctx'][bound]}"
    if kind == "string_pattern_mismatch":
        pattern = error["ctx"]["pattern"]
        message = _PATTERN_MESSAGES.get(pattern, f"must match {pattern}")
        if loc and loc[-1] == "host" and isinstance(value, str) and ":" in value:
            message += f"; give the port in {dotted((*loc[:-1], 'port'))}, not in the host"
    if isinstance(value, (dict, list)):
        return message
    return f"{message} ({_HIDDEN})" if hidden else f"{message} (got {value!r})"


_BOUNDS = {"less_than_equal": ("at most", "le"), "greater_than_equal": ("at least", "ge"),
           "less_than": ("less than", "lt"), "greater_than": ("more than", "gt")}
_PATTERN_MESSAGES = {
    DNS1123_LABEL.pattern: "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit",
    DNS1123_SUBDOMAIN.pattern: "must be a DNS name: lower-case letters, digits, '-' and '.', each part starting and "
                               "ending with a letter or digit",
}

_EXPECTED = {"string_type": "a string", "int_type": "a whole number", "bool_type": "true or false", "list_type": "a list",
             "dict_type": "a mapping", "model_type": "a mapping", "model_attributes_type": "a mapping"}


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
