"""Folders as {relative path: bytes}: the unit every dist/ comparison in the tests uses."""

from __future__ import annotations

from pathlib import Path

from meshc.writer import read_tree

__all__ = ["read_tree", "write_tree"]


def write_tree(folder: Path, files: dict[str, bytes | str]) -> None:
    for relative, content in files.items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode() if isinstance(content, str) else content)
