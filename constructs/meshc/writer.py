"""Kubernetes objects -> files under dist/, deterministically and atomically.

Layout: dist/<env>/<layer>/<kind>-<name>.yaml, one object per file, with a
kustomization.yaml in each layer folder and one at dist/<env> listing the
layers, so `kubectl apply -k dist/<env>` and Flux's kustomize-controller both
work. dist/<env>/flux/ holds the GitRepository and the Kustomizations that
make Flux apply the layers in order. Keys are sorted and files listed in a fixed order, so the same input
gives the same bytes on every machine and hash seed.

Nothing is written until every file has been rendered. Then, holding the lock
file `.dist.lock` beside dist/, the whole new dist/ is assembled in
`.dist.staging-<pid>` beside it (environments not being written are hard-linked
over) and exchanged with dist/ in one `renameat2(RENAME_EXCHANGE)`: at every
moment dist/ is entirely the old output or entirely the new. Where the kernel or
file system cannot exchange, two renames are used instead (dist/ -> `.dist.previous-<pid>`,
staging -> dist/), and a run killed between them leaves dist/ missing until the
next run, which puts the previous one back before doing anything else. Each run
first removes what a killed run left behind.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import io
import os
import re
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import yaml

from meshc.build import BuiltEnvironment, Manifest
from meshc.delivery import FLUX_LAYER, LAYERS
from meshc.errors import MeshcError

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

KUSTOMIZATION = "kustomization.yaml"
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


def file_name(manifest: Manifest) -> str:
    return f"{manifest.kind.lower()}-{manifest.name}.yaml"


def render_environment(built: BuiltEnvironment) -> dict[str, bytes]:
    """Relative path -> file content for one environment's folder."""
    files: dict[str, bytes] = {}
    by_layer: dict[str, list[str]] = {layer: [] for layer in (*LAYERS, FLUX_LAYER)}
    for manifest in built.manifests:
        path = f"{manifest.layer}/{file_name(manifest)}"
        header = f"# Generated by meshc from {built.environment.file} ({manifest.source_key}). Do not edit.\n"
        files[path] = (header + dump_yaml(manifest.obj)).encode()
        by_layer.setdefault(manifest.layer, []).append(file_name(manifest))
    layers = [layer for layer in by_layer if by_layer[layer]]
    for layer in layers:
        files[f"{layer}/{KUSTOMIZATION}"] = _kustomization(sorted(by_layer[layer]))
    # The flux folder is applied once by hand (or by flux bootstrap); the layers come through it.
    files[KUSTOMIZATION] = _kustomization([layer for layer in layers if layer != FLUX_LAYER])
    return dict(sorted(files.items()))


def _kustomization(resources: list[str]) -> bytes:
    return dump_yaml(
        {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": resources}
    ).encode()


@dataclass
class WriteSummary:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0


def read_tree(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


LOCK_FILE = ".dist.lock"
STAGING_PREFIX = ".dist.staging-"
PREVIOUS_PREFIX = ".dist.previous-"
# Older meshc versions staged inside dist/; their leftovers are removed too.
_LEGACY_LEFTOVERS = (".staging-", ".previous-")
# Writing takes well under a second; a synth that waits longer than this is stuck behind a hung one.
LOCK_WAIT_SECONDS = 60.0


class DistLockedError(MeshcError):
    """Another synth held dist/'s lock for the whole wait."""

    def __init__(self, lock: Path, waited: float):
        self.lock, self.waited = lock, waited
        super().__init__(str(self))

    def __str__(self) -> str:
        return (f"another meshc synth is writing dist/ (it holds {self.lock.name}); waited {self.waited:g} s. "
                "Run synth again once it has finished.")


class DistWriteError(MeshcError):
    """The file system refused a write (disk full, permissions); dist/ was left as it was."""

    def __init__(self, cause: OSError):
        self.cause = cause
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f" ({self.cause.filename})" if self.cause.filename else ""
        return f"cannot write dist/: {self.cause.strerror or self.cause}{where}; dist/ was left as it was."


def write_environments(dist: Path, trees: dict[str, dict[str, bytes]], *, remove_others: bool) -> WriteSummary:
    """Replace dist/<env> for each tree; with `remove_others`, drop folders of environments that no longer exist."""
    try:
        with dist_lock(dist):
            return _write_locked(dist, trees, remove_others)
    except OSError as error:
        raise DistWriteError(error) from None


def _write_locked(dist: Path, trees: dict[str, dict[str, bytes]], remove_others: bool) -> WriteSummary:
    recover(dist)
    stale = stale_environments(dist, trees) if remove_others else []
    summary = WriteSummary()
    for env, files in trees.items():
        _summarize(summary, env, read_tree(dist / env), files)
    for env in stale:
        summary.removed += [f"{env}/{path}" for path in read_tree(dist / env)]
    staging = dist.parent / f"{STAGING_PREFIX}{os.getpid()}"
    try:
        _assemble(staging, dist, trees, replaced={*trees, *stale})
        _swap_in(staging, dist)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # after the swap it holds the old dist/
    return summary


@contextmanager
def dist_lock(dist: Path, wait: float | None = None) -> Iterator[None]:
    """Hold `.dist.lock` beside dist/; wait up to `wait` seconds (default LOCK_WAIT_SECONDS) for another holder."""
    wait = LOCK_WAIT_SECONDS if wait is None else wait
    dist.parent.mkdir(parents=True, exist_ok=True)
    lock = dist.parent / LOCK_FILE
    # Never deleted: removing a lock file while another process waits on it would let a third one in.
    with open(lock, "a+b") as handle:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DistLockedError(lock, wait) from None
                time.sleep(0.02)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recover(dist: Path) -> None:
    """Undo what a killed run left: put a set-aside dist/ back, then remove scratch folders. Needs the lock."""
    parent = dist.parent
    previous = sorted(p for p in parent.glob(f"{PREVIOUS_PREFIX}*") if p.is_dir())
    if previous and not dist.exists():  # killed between the two renames of the fallback swap
        os.rename(previous[0], dist)
    leftovers = [*parent.glob(f"{STAGING_PREFIX}*"), *parent.glob(f"{PREVIOUS_PREFIX}*")]
    if dist.is_dir():
        leftovers += [p for prefix in _LEGACY_LEFTOVERS for p in dist.glob(f"{prefix}*")]
    for leftover in leftovers:
        shutil.rmtree(leftover, ignore_errors=True)


def _assemble(staging: Path, dist: Path, trees: dict[str, dict[str, bytes]], replaced: set[str]) -> None:
    """The complete new dist/ in `staging`: the new trees, plus everything else dist/ holds, hard-linked."""
    staging.mkdir()
    if dist.is_dir():
        for entry in sorted(dist.iterdir()):
            if entry.name in replaced or entry.name.startswith(_LEGACY_LEFTOVERS):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.copytree(entry, staging / entry.name, symlinks=True, copy_function=_link_or_copy)
            else:
                _link_or_copy(entry, staging / entry.name)
    for env, files in trees.items():
        for path, content in files.items():
            target = staging / env / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)


def _link_or_copy(source: Path | str, target: Path | str) -> None:
    if os.path.islink(source):
        os.symlink(os.readlink(source), target)
        return
    try:
        os.link(source, target)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(source, target)


def _swap_in(staging: Path, dist: Path) -> None:
    """Make `staging` dist/; afterwards `staging` holds the old dist/ (if any) for the caller to remove."""
    if not dist.exists():
        os.rename(staging, dist)
    elif not exchange(staging, dist):
        previous = dist.parent / f"{PREVIOUS_PREFIX}{os.getpid()}"
        os.rename(dist, previous)
        os.rename(staging, dist)
        os.rename(previous, staging)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
_CANNOT_EXCHANGE = {errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP}


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2(RENAME_EXCHANGE); False when this system cannot."""
    renameat2 = getattr(_libc(), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in _CANNOT_EXCHANGE:
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


@lru_cache(maxsize=1)
def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def stale_environments(dist: Path, trees: dict[str, dict[str, bytes]]) -> list[str]:
    """Folders of environments that no longer exist (hidden folders are not meshc's)."""
    if not dist.is_dir():
        return []
    return sorted(p.name for p in dist.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in trees)


def _summarize(summary: WriteSummary, env: str, old: dict[str, bytes], new: dict[str, bytes]) -> None:
    for path in sorted(set(old) | set(new)):
        shown = f"{env}/{path}"
        if path not in old:
            summary.added.append(shown)
        elif path not in new:
            summary.removed.append(shown)
        elif old[path] != new[path]:
            summary.changed.append(shown)
        else:
            summary.unchanged += 1


def mirror(dist: Path, environments: list[str], target: Path) -> None:
    """Hard-link the written folders into `target` (cdk8s-cli's output folder) so `cdk8s synth` lists them."""
    target.mkdir(parents=True, exist_ok=True)
    for env in environments:
        for source in sorted((dist / env).rglob("*.yaml")):
            link = target / env / source.relative_to(dist / env)
            link.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(source, link)
            except OSError:
                shutil.copyfile(source, link)
