"""The environment being imported, and what the import says about every key it read."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

# Kinds of finding, in the order the report lists them.
IGNORED = "ignored by the charts"
DERIVED = "replaced by meshc"
SECRET = "literal secrets, now Secret references"
NOT_PLACED = "not placed (the environment does not reproduce these)"
KINDS = (IGNORED, DERIVED, SECRET, NOT_PLACED)


@dataclass(frozen=True)
class Finding:
    kind: str
    file: str
    line: int | None
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where} {self.key}: {self.message}"


@dataclass
class Draft:
    """The environment's data (in the order it is written), comments by key path, and the findings."""

    data: dict = field(default_factory=dict)
    comments: dict[tuple, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    # Secret name -> [(key, placeholder)] for the `kubectl create secret` commands.
    secrets: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    translated: int = 0
    # Each component's effective log level (log_level.ComponentLevel), settled once all are read.
    log_levels: list = field(default_factory=list)
    # Key path -> [(release, leaf)] it was made from (several for a list merged from every release),
    # so a value meshc refuses is told at its values line.
    origins: dict[tuple, list[tuple]] = field(default_factory=dict)
    reading: list[tuple] = field(default_factory=list)  # the (release, leaf) pairs being translated now

    @contextmanager
    def from_leaves(self, release, leaves) -> Iterator[None]:
        """Whatever is put inside the block was made from `leaves` of `release`."""
        self.reading = [(release, leaf) for leaf in leaves]
        try:
            yield
        finally:
            self.reading = []

    def put(self, path: tuple, value: Any, comment: str | None = None) -> None:
        node = self.data
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
        known = self.origins.setdefault(path, []) if self.reading else []
        known += [(release, leaf) for release, leaf in self.reading if not any(leaf is other for _, other in known)]
        if comment:
            self.comments[path] = comment

    def get(self, path: tuple, default: Any = None) -> Any:
        node: Any = self.data
        for part in path:
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def add(self, kind: str, leaf, key: str, message: str) -> None:
        self.findings.append(Finding(kind, leaf.file, leaf.line, key, message))

    def secret(self, name: str, key: str, placeholder: str) -> None:
        entries = self.secrets.setdefault(name, [])
        if (key, placeholder) not in entries:
            entries.append((key, placeholder))

    @property
    def not_placed(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == NOT_PLACED]
