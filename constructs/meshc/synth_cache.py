"""The synth cache: one environment's rendered files and check findings, keyed on
everything that decides them, so a synth with nothing changed builds nothing.

The key of an environment is a SHA-256 over
- its name and every file of its `extends` chain (path and bytes);
- every file of the CRD folders the checks read (path and bytes);
- the code version: every file of the meshc package (its sources and the
  jsii assemblies of its imports), the name and version of every installed
  Python distribution (cdk8s, cdk8s-plus, jsii, PyYAML, ...: the names of
  their .dist-info folders), the package-lock.json of meshc's checkout when
  there is one, and the Python version.
So an entry can only be served for exactly the inputs and the code that made
it. Only environments that passed the checks are stored. Entries live in
`.meshc-cache/` (gitignored), one JSON file per environment, written
atomically; an entry that cannot be read or does not match is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import yaml

import meshc

CACHE_DIR = ".meshc-cache"
_FORMAT = 1
_PACKAGE = Path(meshc.__file__).resolve().parent


@dataclass(frozen=True)
class CachedEnvironment:
    """files: dist/<env>/ as relative path -> bytes; findings: the checks' findings as dicts (warnings only)."""

    files: dict[str, bytes]
    findings: list[dict]


@lru_cache(maxsize=None)
def code_version(package: Path = _PACKAGE) -> str:
    """A digest of the code that turns inputs into output: meshc's files and pinned dependencies."""
    digest = hashlib.sha256(f"{_FORMAT} {sys.version}".encode())
    _add_files(digest, package, sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts))
    lock = package.parents[1] / "package-lock.json"
    if lock.is_file():
        _add_files(digest, lock.parent, [lock])
    digest.update("\n".join(_installed_distributions()).encode())
    return digest.hexdigest()


def _installed_distributions() -> list[str]:
    """`name-version.dist-info` of every installed distribution: read from folder names, not
    from each distribution's metadata file, which costs a tenth of a second."""
    found = set()
    for entry in sys.path:
        if os.path.isdir(entry):
            found |= {name for name in os.listdir(entry) if name.endswith((".dist-info", ".egg-info"))}
    return sorted(found)


def extends_chain(environment_file: Path) -> list[Path] | None:
    """The file and the files it extends, or None when that cannot be read cheaply
    (the loader then reports the problem on the uncached path)."""
    chain: list[Path] = []
    path = environment_file
    while path not in chain:
        try:
            text = path.read_bytes()
            chain.append(path)
            # Without the word (or an escape that could spell it) there is no `extends` key to read.
            if b"extends" not in text and b"\\" not in text:
                return chain
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except (OSError, yaml.YAMLError):
            return None
        base = data.get("extends") if isinstance(data, dict) else None
        if base is None:
            return chain
        if not isinstance(base, str):
            return None
        path = path.parent / base
    return None  # a cycle


class SynthCache:
    """Entries of one project's environments, for one set of CRD folders."""

    def __init__(self, root: Path, crd_dirs: list[Path] | tuple[Path, ...] = ()):
        self.folder = root / CACHE_DIR
        self.root = root
        digest = hashlib.sha256(code_version().encode())
        for directory in sorted(Path(d).resolve() for d in crd_dirs):
            digest.update(f"crd-dir {directory}\n".encode())
            if directory.is_dir():
                _add_files(digest, directory, sorted(p for p in directory.rglob("*") if p.is_file()))
        self._base = digest.hexdigest()

    def key(self, environment_file: Path) -> str | None:
        chain = extends_chain(environment_file)
        if chain is None:
            return None
        digest = hashlib.sha256(f"{self._base} {environment_file.stem}\n".encode())
        _add_files(digest, self.root, chain)
        return digest.hexdigest()

    def get(self, name: str, key: str | None) -> CachedEnvironment | None:
        if key is None:
            return None
        try:
            entry = json.loads((self.folder / f"{name}.json").read_text(encoding="utf-8"))
            if entry["key"] != key:
                return None
            files = {path: text.encode() for path, text in entry["files"].items()}
            return CachedEnvironment(files, list(entry["findings"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # absent or corrupt: a miss

    def put(self, name: str, key: str | None, files: dict[str, bytes], findings: list) -> None:
        if key is None:
            return
        entry = {
            "key": key,
            "files": {path: content.decode() for path, content in files.items()},
            "findings": [asdict(f) for f in findings],
        }
        self.folder.mkdir(exist_ok=True)
        (self.folder / ".gitignore").write_text("*\n")
        handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                json.dump(entry, file)
            os.replace(temporary, self.folder / f"{name}.json")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _add_files(digest, root: Path, files: list[Path]) -> None:
    for path in files:
        try:
            shown = path.resolve().relative_to(root.resolve())
        except ValueError:
            shown = path.resolve()
        content = path.read_bytes()
        digest.update(f"{shown}\n{len(content)}\n".encode())
        digest.update(content)
