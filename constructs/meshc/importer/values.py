"""Helm values files -> the releases to import, each value with the file and line it came from.

A values file is checked against the keys the charts really accept
(`chart_keys.json`, made by tools/chart_keys.py from the charts): a key the
chart does not know, and that is not a known removed key, is a typo; a value of
the wrong shape is an error. Both are input errors (exit 2) with file, line and
key, and a did-you-mean when a chart key is close.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meshc.errors import InputError, InputProblem
from meshc.importer.rules import KNOWN_REMOVED_KEYS, QUOTED_SWITCHES
from meshc.kube import DNS1123_LABEL
from meshc.naming import AGENT_CHART, REGISTRY_CHART
from meshc.secret_names import conceals, describe
from meshc.yaml_source import SourceMap, parse_mapping, read_text

class ValuesError(InputError):
    """Problems in the Helm values (or the umbrella's Chart.yaml): exit 2, nothing written."""

    inputs = "the Helm values"


# chart -> dotted key -> {"type": ..., "default": ...}
CHART_KEYS: dict[str, dict[str, dict]] = json.loads((Path(__file__).parent / "chart_keys.json").read_text())


@dataclass
class Leaf:
    """One value the user wrote: its dotted key inside the chart's values, where, and what."""

    key: str
    value: Any
    file: str
    line: int | None


@dataclass
class Release:
    """One installed chart: a per-chart release, or a subchart of an umbrella release."""

    name: str  # the release name, or the subchart's name/alias inside an umbrella
    chart: str
    file: str
    leaves: dict[str, Leaf] = field(default_factory=dict)
    prefix: str = ""  # the key of this subchart's block in the umbrella's values ("" for a release)
    source: SourceMap = field(default_factory=SourceMap)

    def line_of(self, key: str, *inside: str | int) -> int | None:
        """The line of `key` (a leaf's dotted key) or of an entry `inside` its value."""
        block = tuple(self.prefix.rstrip(".").split(".")) if self.prefix and not key.startswith("global.") else ()
        return self.source.locate((*block, *key.split("."), *inside), self.file)[1]

    def shown(self, key: str) -> str:
        # An umbrella's globals are written at its top, not in the subchart's block.
        return key if key.startswith("global.") else f"{self.prefix}{key}"

    def get(self, key: str, default: Any = None) -> Any:
        leaf = self.leaves.get(key)
        return default if leaf is None else leaf.value


# What `helm get values` prints for a release installed without values, and an empty file: no values.
_NO_VALUES = {"", "null", "~", "{}"}


def read_values(path: Path, shown: str) -> tuple[dict, SourceMap]:
    problems: list[InputProblem] = []
    try:
        text = read_text(path, shown, "the limit for a values file meshc reads")
        if "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")).strip() in _NO_VALUES:
            return {}, SourceMap()
        data, source = parse_mapping(text, shown, problems)
    except InputError as error:
        raise ValuesError(error.problems) from None
    if problems:
        raise ValuesError(problems)
    return data, source


def collect(release: Release, values: dict, source: SourceMap, path: tuple = (), problems: list | None = None) -> list[InputProblem]:
    """Fill `release.leaves` from `values` (found at `path` of the file), checking every key against the chart."""
    problems = [] if problems is None else problems
    schema = CHART_KEYS[release.chart]
    for key, value in values.items():
        dotted = ".".join([*release_key_path(release, path), str(key)])
        where = source.locate((*path, key), release.file)[1]
        if dotted == "global" and isinstance(value, dict):
            # Globals are shared by every chart of an install; each chart reads the ones it knows.
            for name, inner in value.items():
                line = source.locate((*path, key, name), release.file)[1]
                release.leaves[f"global.{name}"] = Leaf(f"global.{name}", inner, release.file, line)
            continue
        kind = schema[dotted]["type"] if dotted in schema else None
        if kind is None and any(k.startswith(f"{dotted}.") for k in schema):
            if isinstance(value, dict):
                collect(release, value, source, (*path, key), problems)
            else:
                problems.append(InputProblem(release.file, where, release.shown(dotted), f"expected a mapping, got {_describe(dotted, value)}"))
            continue
        if kind is None and dotted in KNOWN_REMOVED_KEYS:
            kind = "any"
        if kind is None:
            problems.append(InputProblem(release.file, where, release.shown(dotted), _unknown_key(dotted, schema, release.chart)))
            continue
        wrong = _wrong_type(kind, dotted, value)
        if wrong:
            problems.append(InputProblem(release.file, where, release.shown(dotted), wrong))
            continue
        release.leaves[dotted] = Leaf(dotted, value, release.file, where)
    return problems


def release_key_path(release: Release, path: tuple) -> list[str]:
    """The key path inside the chart's own values (an umbrella's subchart block is dropped)."""
    depth = release.prefix.count(".")
    return [str(p) for p in path[depth:]]


def _unknown_key(dotted: str, schema: dict[str, dict], chart: str) -> str:
    close = difflib.get_close_matches(dotted, list(schema) + list(KNOWN_REMOVED_KEYS), n=1, cutoff=0.75)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key: the {chart} chart has no such value{hint}"


def _wrong_type(kind: str, key: str, value: Any) -> str | None:
    if kind == "any" or value is None:
        return None
    if kind == "bool" and key in QUOTED_SWITCHES and str(value).lower() in ("true", "false"):
        return None  # the template quotes it, and only the string "false" turns it off
    if kind == "bool" and not isinstance(value, bool):
        return f"expected true or false, got {_describe(key, value)}"
    if kind in ("int", "number") and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"expected a number, got {_describe(key, value)}"
    if kind == "string" and isinstance(value, (dict, list)):
        return f"expected a single value, got {_describe(key, value)}"
    if kind == "list" and not isinstance(value, list) and not (key == "env" and isinstance(value, dict)):
        return f"expected a list, got {_describe(key, value)}"
    if kind == "map" and not isinstance(value, dict):
        return f"expected a mapping, got {_describe(key, value)}"
    return None


def _describe(key: str, value: Any) -> str:
    """The value's kind, and the value unless it may be a secret: under a secret-looking key, or in
    `env`, whose entries (`API_KEY=...`) carry whatever the pod is given."""
    path = tuple(key.split("."))
    return describe(value, hidden=conceals(path, value) or path[-1] in ("env", "envFrom"))


# --- per-chart releases and umbrellas -------------------------------------------------


def per_chart_release(name: str, path: Path, shown: str) -> tuple[Release, list[InputProblem]]:
    """A `helm install NAME <chart> -f FILE` release; the chart is told by the values' keys."""
    values, source = read_values(path, shown)
    release = Release(name=name, chart=chart_of(name, values), file=shown, source=source)
    return release, collect(release, values, source)


def chart_of(release: str, values: dict) -> str:
    """The chart whose own keys the values use more (agent, mesh vs registry.database, ...);
    on a tie, the release's name decides (a registry release names itself so)."""
    written = _dotted_keys(values)

    def score(chart: str) -> int:
        other = CHART_KEYS[AGENT_CHART if chart == REGISTRY_CHART else REGISTRY_CHART]
        own = CHART_KEYS[chart]
        return sum(1 for key in written if _known(key, own) and not _known(key, other))

    registry, agent = score(REGISTRY_CHART), score(AGENT_CHART)
    if registry != agent:
        return REGISTRY_CHART if registry > agent else AGENT_CHART
    return REGISTRY_CHART if "registry" in release else AGENT_CHART


def _dotted_keys(values: dict, prefix: str = "") -> list[str]:
    keys = []
    for key, value in values.items():
        dotted = f"{prefix}{key}"
        keys += _dotted_keys(value, f"{dotted}.") if isinstance(value, dict) and value else [dotted]
    return keys


def _known(key: str, schema: dict) -> bool:
    parts = key.split(".")
    return any(".".join(parts[:end]) in schema for end in range(len(parts), 0, -1)) or key in KNOWN_REMOVED_KEYS


@dataclass(frozen=True)
class Subchart:
    chart: str
    key: str  # the alias, else the chart name: the key of its values block and its name inside the umbrella
    condition: str | None


def umbrella_subcharts(chart_file: Path, shown: str) -> tuple[str, list[Subchart]]:
    """The umbrella chart's name and its mcp-mesh dependencies (Chart.yaml next to the values file)."""
    if not chart_file.is_file():
        raise ValuesError([InputProblem(shown, None, "", "not found: the umbrella's Chart.yaml must sit next to its values file")])
    data, source = read_values(chart_file, shown)
    dependencies = data.get("dependencies") or []
    if not isinstance(dependencies, list):
        line = source.locate(("dependencies",), shown)[1]
        raise ValuesError([InputProblem(shown, line, "dependencies", f"expected a list of charts, got {describe(dependencies)}")])
    problems: list[InputProblem] = []
    found = [
        (index, subchart) for index, dependency in enumerate(dependencies)
        if (subchart := _subchart(dependency, ("dependencies", index), source, shown, problems))
    ]
    subcharts = [subchart for _, subchart in found]
    if not isinstance(data.get("name"), str) or not data["name"]:
        problems.append(InputProblem(shown, source.locate(("name",), shown)[1], "name", f"expected the chart's name, got {describe(data.get('name'))}"))
    keys = [subchart.key for subchart in subcharts]
    problems += [
        InputProblem(shown, source.locate(("dependencies", index), shown)[1], f"dependencies[{index}]",
                     f"a second subchart named {subchart.key!r}: each needs its own alias")
        for position, (index, subchart) in enumerate(found) if subchart.key in keys[:position]
    ]
    if problems:
        raise ValuesError(problems)
    if not subcharts:
        raise ValuesError([InputProblem(shown, None, "dependencies", "lists no mcp-mesh-registry or mcp-mesh-agent chart")])
    return data["name"], subcharts


def _subchart(dependency: Any, path: tuple, source: SourceMap, shown: str, problems: list[InputProblem]) -> Subchart | None:
    """One mcp-mesh dependency of the umbrella, or None for another chart (or a problem, added to `problems`)."""
    key = f"dependencies[{path[-1]}]"
    if not isinstance(dependency, dict):
        problems.append(InputProblem(shown, source.locate(path, shown)[1], key, f"expected a mapping, got {describe(dependency)}"))
        return None
    if dependency.get("name") not in (REGISTRY_CHART, AGENT_CHART):
        return None
    for field_name in ("alias", "condition"):
        value = dependency.get(field_name)
        if value is not None and not isinstance(value, str):
            line = source.locate((*path, field_name), shown)[1]
            problems.append(InputProblem(shown, line, f"{key}.{field_name}", f"expected a string, got {describe(value)}"))
            return None
    alias = dependency.get("alias")
    if alias is not None and not is_release_name(alias):
        problems.append(InputProblem(shown, source.locate((*path, "alias"), shown)[1], f"{key}.alias", not_a_name(alias)))
        return None
    return Subchart(dependency["name"], alias or dependency["name"], dependency.get("condition"))


HELM_NAME_LIMIT = 53  # Helm refuses longer release names: its objects' names append suffixes


def is_release_name(name: str) -> bool:
    return bool(DNS1123_LABEL.fullmatch(name)) and len(name) <= HELM_NAME_LIMIT


def not_a_name(name: str) -> str:
    return (f"{name!r} is not a Helm release name: a DNS-1123 label of lower-case letters, digits and '-', "
            f"starting and ending with a letter or digit, at most {HELM_NAME_LIMIT} characters")
