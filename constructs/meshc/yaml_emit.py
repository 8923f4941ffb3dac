"""Plain data -> YAML text, the same bytes on every machine: sorted keys, block style, no line
folding, and strings a YAML 1.2 reader would take for numbers quoted.

The text is PyYAML's (libyaml's emitter when PyYAML has it) byte for byte. Objects made of
mappings, lists, names and numbers, nearly all of a synth's, are written here directly, a tenth
of the time PyYAML takes; any text that is not a plain name is written by PyYAML once and
remembered. Anything else goes through PyYAML, from a node tree built here when it is plain
JSON data (half the time of PyYAML's representer).
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
    """One object as YAML, the text PyYAML writes for it.

    Kubernetes objects are mostly mappings of short names, so most are written here as text
    directly (`_block`); an object holding anything `_block` does not write exactly as PyYAML
    would is emitted by PyYAML from a node tree built here (its representer, which looks every
    value's type up, took half the time), and anything else by PyYAML alone."""
    try:
        return "".join(_block(obj, set()))
    except _NotPlain:
        pass
    try:
        node = _node(obj, set())
    except _NotPlain:
        return yaml.dump(obj, Dumper=_Dumper, **_DUMP_OPTIONS)
    return _emit(node)


def _emit(node: yaml.Node) -> str:
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
    """A value left to PyYAML: another type, or a dict or list met twice (which PyYAML writes
    as an anchor and an alias); for `_block`, also a text PyYAML would spread over several lines."""


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


# Text PyYAML writes as it is, as a key or a value: a name that starts with a letter, `_` or `/`
# and holds no space, no YAML indicator and no `:` at its end. (It is still quoted when a
# YAML 1.1 reader would take it for a boolean or null: `_plain` asks the resolver.)
_NAME = re.compile(r"[A-Za-z_/][A-Za-z0-9_./@=+-]*(?::[A-Za-z0-9_./@=+-]+)*")
_LONGEST_SIMPLE_KEY = 128  # libyaml writes a longer key as `? key`
_LONGEST_TEXT = 100_000  # far from the line width, so no text is folded wherever it is indented
_texts: dict[bool, dict[str, str]] = {True: {}, False: {}}  # as a key?, text -> as written


def _block(value: object, seen: set[int], indent: int = 0) -> list[str]:
    """The lines of a non-empty mapping or list in block style, as PyYAML writes them."""
    if id(value) in seen:
        raise _NotPlain
    seen.add(id(value))
    pad = " " * indent
    lines: list[str] = []
    if type(value) is dict and value:
        if any(type(key) is not str for key in value):
            raise _NotPlain
        for key in sorted(value):
            lines += _entry(f"{pad}{_text(key, as_key=True)}:", value[key], seen, indent, nested=indent + 2)
    elif type(value) is list and value:
        for item in value:
            entry = _entry(f"{pad}-", item, seen, indent, nested=indent + 2)
            if len(entry) > 1 and entry[0] == f"{pad}-\n":  # a nested block starts on the dash's line
                entry = [f"{pad}- {entry[1][indent + 2:]}", *entry[2:]]
            lines += entry
    else:
        raise _NotPlain
    return lines


def _entry(head: str, value: object, seen: set[int], indent: int, nested: int) -> list[str]:
    kind = type(value)
    if kind is dict or kind is list:
        if not value:
            return [f"{head} {{}}\n" if kind is dict else f"{head} []\n"]
        # A list in a mapping is not indented further: `key:` then `- item` below it.
        inner = indent if kind is list and not head.endswith("-") else nested
        return [f"{head}\n", *_block(value, seen, inner)]
    return [f"{head} {_scalar(value)}\n"]


def _scalar(value: object) -> str:
    kind = type(value)
    if kind is str:
        return _text(value, as_key=False)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if value is None:
        return "null"
    raise _NotPlain


def _text(text: str, *, as_key: bool) -> str:
    """A string as PyYAML writes it on one line, as a mapping key or as a value (remembered:
    an environment repeats the same names and labels thousands of times)."""
    written = _texts[as_key].get(text)
    if written is None:
        if len(text) > _LONGEST_TEXT:
            raise _NotPlain
        if _NAME.fullmatch(text) and (not as_key or len(text) <= _LONGEST_SIMPLE_KEY) and _plain(text):
            written = text
        else:
            written = _text_by_pyyaml(text, as_key)
        if len(_texts[as_key]) > 100_000:
            _texts[as_key].clear()
        _texts[as_key][text] = written
    return written


def _plain(text: str) -> bool:
    """Whether a YAML 1.1 reader takes the unquoted text for a string (not `true`, `null`, ...)."""
    return not any(pattern.match(text) for _, pattern in _Dumper._implicit.get(text[:1], _Dumper._wildcard))


def _text_by_pyyaml(text: str, as_key: bool) -> str:
    """What PyYAML writes for the text as a key (of `{text: 0}`) or a value (of `{"k": text}`)."""
    node = yaml.ScalarNode("tag:yaml.org,2002:str", text, style="'" if _YAML12_NUMBER.match(text) else None)
    if as_key:
        written = _emit(yaml.MappingNode("tag:yaml.org,2002:map", [(node, _node(0, set()))], flow_style=False))
        if written.startswith("? ") or written.count("\n") != 1 or not written.endswith(": 0\n"):
            raise _NotPlain
        return written[: -len(": 0\n")]
    written = _emit(yaml.MappingNode("tag:yaml.org,2002:map", [(_node("k", set()), node)], flow_style=False))
    if written.count("\n") != 1 or not written.startswith("k: "):
        raise _NotPlain
    return written[len("k: "):-1]
