"""Plain data -> YAML text, the same bytes on every machine: sorted keys, block style, no line
folding, and strings a YAML 1.2 reader would take for numbers quoted.

PyYAML writes it (libyaml's emitter when PyYAML has it); the node tree of plain JSON data is
built here directly, which takes half the time of PyYAML's representer for the same nodes.
"""

from __future__ import annotations

import io
import re

import yaml

try:
    _BaseDumper = yaml.CSafeDumper
except AttributeError:  # PyYAML built without libyaml
    _BaseDumper = yaml.SafeDumper

# PyYAML quotes only what YAML 1.1 would read as another type; kustomize and
# other YAML 1.2 readers also read `08540`, `1e3` or `0o17` as numbers.
_YAML12_NUMBER = re.compile(
    r"^[-+]?(0|[1-9][0-9_]*|0[0-9_]+|0o[0-7_]+|0x[0-9a-fA-F_]+)$"
    r"|^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$"
    r"|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$"
)


class _Dumper(_BaseDumper):
    # PyYAML's resolver, less what this dumper never uses: it has no path resolvers, so a tag
    # depends on the value alone and there is no path to track. The general versions cost a
    # third of a synth's emit.
    _implicit = {
        first: tuple(resolvers + _BaseDumper.yaml_implicit_resolvers.get(None, []))
        for first, resolvers in _BaseDumper.yaml_implicit_resolvers.items()
    }
    _wildcard = tuple(_BaseDumper.yaml_implicit_resolvers.get(None, []))

    def resolve(self, kind: type, value: object, implicit: tuple[bool, bool]) -> str:
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, pattern in self._implicit.get(value[:1], self._wildcard):
                    if pattern.match(value):
                        return tag
            return self.DEFAULT_SCALAR_TAG
        return self.DEFAULT_SEQUENCE_TAG if kind is yaml.SequenceNode else self.DEFAULT_MAPPING_TAG

    def descend_resolver(self, current_node: object, current_index: object) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if _YAML12_NUMBER.match(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_str)

_DUMP_OPTIONS = {"sort_keys": True, "default_flow_style": False, "width": 1_000_000, "allow_unicode": True}


def dump_yaml(obj: object) -> str:
    """One object as YAML: the node tree built directly for plain JSON data (PyYAML's
    representer, which looks every value's type up, was most of the emit), PyYAML's own
    representer for anything else."""
    try:
        node = _node(obj, set())
    except _NotPlain:
        return yaml.dump(obj, Dumper=_Dumper, **_DUMP_OPTIONS)
    stream = io.StringIO()
    dumper = _Dumper(stream, **_DUMP_OPTIONS)
    try:
        dumper.open()
        dumper.serialize(node)
        dumper.close()
    finally:
        dumper.dispose()
    return stream.getvalue()


class _NotPlain(Exception):
    """A value `_node` leaves to PyYAML's representer: another type, or a dict or list met
    twice (which PyYAML writes as an anchor and an alias)."""



def _node(value: object, seen: set[int]) -> yaml.Node:
    """The node PyYAML's safe representer (with `_represent_str`, sorted keys, block style) makes of `value`."""
    kind = type(value)
    if kind is str:
        return yaml.ScalarNode("tag:yaml.org,2002:str", value, style="'" if _YAML12_NUMBER.match(value) else None)
    if kind is dict or kind is list:
        if id(value) in seen:
            raise _NotPlain
        seen.add(id(value))
        if kind is list:
            return yaml.SequenceNode("tag:yaml.org,2002:seq", [_node(item, seen) for item in value], flow_style=False)
        if any(type(key) is not str for key in value):
            raise _NotPlain
        items = [(_node(key, seen), _node(item, seen)) for key, item in sorted(value.items())]
        return yaml.MappingNode("tag:yaml.org,2002:map", items, flow_style=False)
    if kind is bool:
        return yaml.ScalarNode("tag:yaml.org,2002:bool", "true" if value else "false")
    if kind is int:
        return yaml.ScalarNode("tag:yaml.org,2002:int", str(value))
    if value is None:
        return yaml.ScalarNode("tag:yaml.org,2002:null", "null")
    raise _NotPlain
