"""`meshc.yaml_emit`: the node tree it builds for plain data is the one PyYAML's own
representer builds, so the bytes are the same; anything else is left to PyYAML."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import yaml

from meshc import yaml_emit
from meshc.yaml_emit import dump_yaml

REPOSITORY = Path(__file__).resolve().parents[1]


class _PyYamlOnly(yaml_emit._BaseDumper):
    """PyYAML's own representer and resolver, with meshc's one rule for strings: the emit before the fast path."""


_PyYamlOnly.add_representer(str, yaml_emit._represent_str)


def pyyaml_dump(obj: object) -> str:
    return yaml.dump(obj, Dumper=_PyYamlOnly, **yaml_emit._DUMP_OPTIONS)


def committed_objects() -> list[object]:
    files = sorted((REPOSITORY / "dist").rglob("*.yaml"))
    assert files, "the repository's dist/ is committed"
    return [yaml.safe_load(path.read_text()) for path in files]


def test_every_committed_object_is_written_as_pyyaml_writes_it():
    for obj in committed_objects():
        assert dump_yaml(obj) == pyyaml_dump(obj)


SHARED = {"a": 1}


@pytest.mark.parametrize("value", [
    {"text": ["", " lead", "trail ", "a: b", "- x", "#", "multi\nline\n", "tab\there", "'quoted'", "\"dq\"", "ünï", "\u2028"]},
    {"types": [True, False, None, 0, -7, 10**20, "true", "yes", "null", "~", "0755", "1_000", "1:30", "=", "<<"]},
    {"floats": [1.5, 1e17, float("inf"), -float("inf"), float("nan")]},
    {"shared": [SHARED, SHARED]},
    {1: "a key that is not a string", "b": 2},
    {"z": {}, "a": [], "m": [[], [{}], {"k": [1, [2, [3]]]}]},
    {"long key " * 20: "v"},
    {"k" * 128: "at the longest simple key", "l" * 129: "one longer"},
    {"a:b": "a:b", "a:": "a:", "-a": "-a", "a-": "a-", "/p": "/p", "_x": "_x", "@x": "@x", "a@b": "a@b"},
    {"x=y": "a#b", "a #b": "a: b", "Yes": "NULL", "n": "y", "on": "Off", "é": "ünï", "8080": "0.5"},
    {"nested": [[1, [2, []]], [{}], [{"a": [{"b": {"c": [None]}}]}], {"d": [[{"e": "f"}]]}]},
    ["a top-level list", {"of": "mappings"}, ["and", "lists"]],
    [],
    {},
])
def test_any_value_is_written_as_pyyaml_writes_it(value):
    assert dump_yaml(value) == pyyaml_dump(value)


# Names, YAML indicators, quotes, spaces, digits and a few non-ASCII letters: what decides quoting.
_TEXT = st.text(alphabet=st.sampled_from(list("aZy_/.-:=+@#&*!|>%'\"` ,[]{}?~01789eEnN\tü\u00a0\n")), max_size=12)
_SCALARS = st.one_of(_TEXT, st.integers(-10**6, 10**6), st.booleans(), st.none())
_DATA = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_TEXT, inner, max_size=4)),
                     max_leaves=20)


@settings(max_examples=400, derandomize=True, deadline=None)
@given(_DATA)
def test_generated_data_is_written_as_pyyaml_writes_it(value):
    assert dump_yaml(value) == pyyaml_dump(value)
