"""One environment file -> plain data that remembers the file and line of every key.

Whatever bytes a file holds, reading it ends in data or in `InputProblem`s that
name the user's own file and line, within a bounded time: the file must be a
regular UTF-8 file of at most `MAX_FILE_BYTES`; its YAML may nest at most
`MAX_DEPTH` levels and expand (through aliases and merge keys) to at most
`MAX_VALUES` values and `MAX_EXPANDED_CHARACTERS` characters, so an alias bomb is
refused instead of expanded.

Only plain YAML is read: maps, lists, strings, numbers, booleans and null.
Scalars that YAML 1.1 and YAML 1.2 tools read differently (`yes`, `on`, `0755`,
`1_000`, `1:30`) are refused with the value as written, because meshc cannot
know which one was meant; keys are names and must be strings.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from meshc.errors import InputError, InputProblem
from meshc.secret_names import conceals

KeyPath = tuple[str | int, ...]

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 50_000  # an environment of 3,000 agents; PyYAML composes about 20,000 values a second
MAX_EXPANDED_CHARACTERS = 4 * MAX_FILE_BYTES

_CORE = "tag:yaml.org,2002:"
MERGE_TAG = _CORE + "merge"
_SCALAR_TAGS = {_CORE + t for t in ("str", "int", "float", "bool", "null", "timestamp")}
# The text of booleans, whole numbers and decimals that YAML 1.1 and YAML 1.2 read alike.
_PORTABLE = {
    _CORE + "bool": re.compile(r"true|True|TRUE|false|False|FALSE"),
    _CORE + "int": re.compile(r"[-+]?(0|[1-9][0-9]*)|0x[0-9a-fA-F]+"),
    _CORE + "float": re.compile(r"[^_:]*"),
}
_KIND = {yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list", yaml.ScalarNode: "a single value"}
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass
class SourceMap:
    """Where each key path of a merged environment was written: (file, line)."""

    positions: dict[KeyPath, tuple[str, int]] = field(default_factory=dict)

    def locate(self, path: KeyPath, fallback_file: str) -> tuple[str, int | None]:
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return fallback_file, None


def read_text(path: Path, shown: str, too_large: str = "the limit for an environment file; split it with extends") -> str:
    """The text of an environment file, or an InputError naming `shown` (the path as the user wrote it);
    `too_large` says what the size limit is and what to do."""
    try:
        status = os.stat(path)
    except OSError as error:
        raise InputError([InputProblem(shown, None, "", _unreadable(path, error))]) from None
    if stat.S_ISDIR(status.st_mode):
        raise InputError([InputProblem(shown, None, "", "is a folder, not a file")])
    if not stat.S_ISREG(status.st_mode):
        raise InputError([InputProblem(shown, None, "", "is not a regular file")])
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise InputError([InputProblem(shown, None, "", _unreadable(path, error))]) from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError([InputProblem(
            shown, None, "", f"is larger than {MAX_FILE_BYTES // 1024} KiB, {too_large}"
        )])
    return _decode(data, shown)


def _unreadable(path: Path, error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "is a symbolic link that loops back on itself"
    if error.errno == errno.ENOENT:
        return "is a symbolic link to a file that does not exist" if os.path.islink(path) else "file not found"
    return f"cannot be read: {error.strerror}"


def _decode(data: bytes, shown: str) -> str:
    if data.startswith(_UTF16_BOMS) or data.startswith(b"\x00\x00\xfe\xff"):
        raise InputError([InputProblem(shown, None, "", "is UTF-16 or UTF-32 text; save it as UTF-8")])
    if len(data) > 1 and (data[1::2].count(0) > len(data) // 4 or data[0::2].count(0) > len(data) // 4):
        raise InputError([InputProblem(shown, None, "", "looks like UTF-16 text (NUL bytes between the letters); save it as UTF-8")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        undecoded = error.object  # without the byte-order mark, where `start` counts
        line = undecoded.count(b"\n", 0, error.start) + 1
        raise InputError([InputProblem(
            shown, line, "", f"is not UTF-8 text: byte 0x{undecoded[error.start]:02X} cannot be decoded; save the file as UTF-8"
        )]) from None
    control = yaml.reader.Reader.NON_PRINTABLE.search(text)
    if control:
        line = text.count("\n", 0, control.start()) + 1
        raise InputError([InputProblem(
            shown, line, "", f"holds the control character U+{ord(control.group()):04X}, which YAML does not allow; remove it"
        )])
    return text


def parse_mapping(text: str, file: str, problems: list[InputProblem]) -> tuple[dict, SourceMap]:
    """The top-level mapping of `text`. Problems that still leave usable data go to `problems`;
    the others raise InputError."""
    loader, node = _compose(text, file)
    if node is None:
        raise InputError([InputProblem(file, None, "", "the file is empty; an environment needs at least a mapping")])
    if not isinstance(node, yaml.MappingNode):
        raise InputError([InputProblem(file, node.start_mark.line + 1, "", "the top level must be a mapping of keys")])
    if node.tag != _CORE + "map":
        raise InputError([InputProblem(file, node.start_mark.line + 1, "", f"unknown tag {node.tag!r}; meshc reads plain YAML, so remove the tag")])
    too_big = _expansion_problem(node)
    if too_big:
        raise InputError([InputProblem(file, None, "", too_big)])
    builder = _Builder(file, loader, problems)
    return builder.build(node, ()), builder.source


def _compose(text: str, file: str) -> tuple[Any, yaml.Node | None]:
    """The loader and the root node of the file's one document. libyaml composes it when the text
    is well-formed and within the limits (in a tenth of the time, into the same nodes); otherwise
    PyYAML's Python composer does, and its errors and refusals are the ones reported."""
    composed = _compose_with_libyaml(text)
    if composed is not None:
        return composed
    loader = _BoundedLoader(text)
    try:
        return loader, loader.get_single_node()
    except yaml.YAMLError as error:
        raise InputError([_yaml_problem(error, text, file)]) from None
    finally:
        loader.dispose()


_LibyamlLoader = getattr(yaml, "CSafeLoader", None)  # None when PyYAML was built without libyaml


def _compose_with_libyaml(text: str) -> tuple[Any, yaml.Node | None] | None:
    if _LibyamlLoader is None:
        return None
    try:
        if not _within_limits(_LibyamlLoader(text)):
            return None
        loader = _LibyamlLoader(text)
        return loader, loader.get_single_node()
    except yaml.YAMLError:
        return None


def _within_limits(events: Any) -> bool:
    """Whether the text's nodes nest at most MAX_DEPTH deep and number at most MAX_VALUES,
    counted from its events as `_BoundedLoader` counts them (aliases included), without composing."""
    open_collections = values = 0
    while not events.check_event(yaml.StreamEndEvent):
        event = events.get_event()
        if isinstance(event, yaml.CollectionEndEvent):
            open_collections -= 1
        elif isinstance(event, yaml.NodeEvent):
            values += 1
            if values > MAX_VALUES or open_collections + 1 > MAX_DEPTH:
                return False
            if isinstance(event, yaml.CollectionStartEvent):
                open_collections += 1
    return True


class _BoundedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing to compose nodes deeper than MAX_DEPTH (its composer recurses)
    or more than MAX_VALUES of them (so a file of tiny values stops early, in bounded time)."""

    def __init__(self, text: str):
        super().__init__(text)
        self._depth = 0
        self._composed = 0

    def compose_node(self, parent, index):
        self._depth += 1
        self._composed += 1
        try:
            if self._depth > MAX_DEPTH:
                raise self._refusal(f"nested more than {MAX_DEPTH} levels deep")
            if self._composed > MAX_VALUES:
                raise self._refusal(f"holds more than {MAX_VALUES} values, the limit for an environment file; split it with extends")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def _refusal(self, problem: str) -> _Refusal:
        return _Refusal(None, None, problem, self.peek_event().start_mark)


class _Refusal(yaml.MarkedYAMLError):
    """Well-formed YAML that is over a limit: not reported as malformed."""


def _yaml_problem(error: yaml.YAMLError, text: str, file: str) -> InputProblem:
    # Only PyYAML's one-line `problem`: its str() quotes the offending line, which may hold a secret.
    mark = getattr(error, "problem_mark", None)
    if mark is not None and mark.index >= len(text):
        # An error found at the end of the stream (an unclosed quote) started where the context began.
        mark = getattr(error, "context_mark", None) or mark
    line = mark.line + 1 if mark else None
    reason = getattr(error, "problem", None) or "the text is not YAML"
    if reason.startswith("but ") and getattr(error, "context", None):
        reason = f"{error.context}, {reason}"  # "expected a single document in the stream, but found another document"
    return InputProblem(file, line, "", reason if isinstance(error, _Refusal) else f"malformed YAML: {reason}")


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _expansion_problem(root: yaml.Node) -> str | None:
    """Why the tree behind `root`, with every alias expanded, is too big to read; None when it is not.

    Measured on the node graph without expanding it (each node once, iteratively), so an alias
    bomb costs no more than its own text."""
    sizes: dict[int, int] = {}
    characters: dict[int, int] = {}
    depths: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            characters[key] = len(node.value) if isinstance(node, yaml.ScalarNode) else sum(characters[id(c)] for c in children)
            depths[key] = 1 + max((depths[id(child)] for child in children), default=0)
            open_nodes.discard(key)
            if sizes[key] > MAX_VALUES:
                return f"holds more than {MAX_VALUES} values once its aliases are expanded (an alias bomb?); write the values out"
            if characters[key] > MAX_EXPANDED_CHARACTERS:
                return f"holds more than {MAX_EXPANDED_CHARACTERS} characters once its aliases are expanded (an alias bomb?); write the values out"
            if depths[key] > MAX_DEPTH:
                return f"nests values more than {MAX_DEPTH} levels deep once its aliases are expanded"
        elif key in open_nodes:
            return "malformed YAML: an alias refers to itself (recursive anchor)"
        elif key not in sizes:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
    return None


_DROPPED = object()  # a value already reported as a problem; its key is left out of the data


class _Builder:
    """Nodes -> dicts, lists and scalars, recording each key's line and each problem once per node."""

    def __init__(self, file: str, loader: Any, problems: list[InputProblem]):
        self.file = file
        self.loader = loader
        self.problems = problems
        self.source = SourceMap()
        self._pairs: dict[int, list[tuple[str, yaml.Node, yaml.Node]]] = {}
        self._reported: set[int] = set()

    def report(self, node: yaml.Node, path: KeyPath, message: str) -> None:
        if id(node) not in self._reported:
            self._reported.add(id(node))
            self.problems.append(InputProblem(self.file, node.start_mark.line + 1, dotted(path), message))

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.source.positions[path] = (self.file, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            if node.tag != _CORE + "map":
                return self._unknown_tag(node, path)
            result = {}
            for key, key_node, value_node in self.pairs(node, path):
                value = self.build(value_node, (*path, key))
                self.source.positions[(*path, key)] = (self.file, key_node.start_mark.line + 1)
                if value is not _DROPPED:
                    result[key] = value
            return result
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _CORE + "seq":
                return self._unknown_tag(node, path)
            items = [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            return _DROPPED if _DROPPED in items else items
        return self._scalar(node, path)

    def _unknown_tag(self, node: yaml.Node, path: KeyPath) -> object:
        self.report(node, path, f"unknown tag {node.tag!r}; meshc reads plain YAML, so remove the tag")
        return _DROPPED

    def _scalar(self, node: yaml.ScalarNode, path: KeyPath) -> Any:
        if node.tag not in _SCALAR_TAGS:
            return self._unknown_tag(node, path)
        if node.tag == _CORE + "timestamp":
            return node.value  # a date in YAML 1.1, text in YAML 1.2; every key of meshc that takes one wants text
        value = self.loader.construct_object(node, deep=True)
        portable = _PORTABLE.get(node.tag)
        if portable and not portable.fullmatch(node.value):
            self.report(node, path, _not_portable(node, value, path))
            return _DROPPED
        if isinstance(value, str) and yaml.reader.Reader.NON_PRINTABLE.search(value):
            self.report(node, path, "holds a control character, which Kubernetes objects cannot carry; remove it")
            return _DROPPED
        return value

    def pairs(self, node: yaml.MappingNode, path: KeyPath) -> list[tuple[str, yaml.Node, yaml.Node]]:
        """(key, key node, value node) of a mapping: its own keys, then what its merge keys (`<<`) bring
        that it does not set itself (earlier merged mappings win, as YAML says). Computed once per node."""
        if id(node) in self._pairs:
            return self._pairs[id(node)]
        own: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        merged: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            if key_node.tag == MERGE_TAG:
                for source in self._merge_sources(key_node, value_node, path):
                    for key, merged_key, merged_value in self.pairs(source, path):
                        merged.setdefault(key, (merged_key, merged_value))
                continue
            key = self._key(key_node, path)
            if key is None:
                continue
            if key in own:
                self.report(key_node, (*path, key),
                            f"duplicate key; {key!r} is already set on line {own[key][0].start_mark.line + 1}")
                continue
            own[key] = (key_node, value_node)
        pairs = [(k, kn, vn) for k, (kn, vn) in own.items()]
        pairs += [(k, kn, vn) for k, (kn, vn) in merged.items() if k not in own]
        self._pairs[id(node)] = pairs
        return pairs

    def _merge_sources(self, key_node: yaml.Node, value_node: yaml.Node, path: KeyPath) -> list[yaml.MappingNode]:
        if isinstance(value_node, yaml.MappingNode):
            return [value_node]
        if isinstance(value_node, yaml.SequenceNode) and all(isinstance(n, yaml.MappingNode) for n in value_node.value):
            return list(value_node.value)
        self.report(key_node, (*path, "<<"), f"a merge key (<<) takes a mapping or a list of mappings, such as *defaults; "
                    f"got {_KIND[type(value_node)]}")
        return []

    def _key(self, key_node: yaml.Node, path: KeyPath) -> str | None:
        """A key as written; None (reported) when it is not a plain string."""
        if not isinstance(key_node, yaml.ScalarNode):
            self.report(key_node, path, f"a key must be a name, not {_KIND[type(key_node)]}")
            return None
        key = key_node.value
        if key_node.tag != _CORE + "str":
            self.report(key_node, (*path, key), f"the key {key} is not a string in YAML; quote it (\"{key}\") to use it as a name")
            return None
        if yaml.reader.Reader.NON_PRINTABLE.search(key):
            self.report(key_node, (*path, key), "the key holds a control character; remove it")
            return None
        return key


def _not_portable(node: yaml.ScalarNode, value: Any, path: KeyPath) -> str:
    hint = {
        _CORE + "bool": "write true or false",
        _CORE + "int": "write the number in plain decimal digits",
        _CORE + "float": "write the number without '_' or ':'",
    }[node.tag]
    if conceals(path, node.value):
        return f"YAML 1.1 and YAML 1.2 tools read this value differently (not shown: it may be a secret); {hint}, or quote it"
    reading = str(value).lower() if isinstance(value, bool) else value
    return (f"YAML 1.1 tools read {node.value} as {reading}, YAML 1.2 tools do not; "
            f"{hint}, or quote it (\"{node.value}\") if you mean text")


def dotted(path: KeyPath) -> str:
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in path).replace(".[", "[")
