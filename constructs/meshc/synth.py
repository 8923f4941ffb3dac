"""`synth`: environment files -> dist/. The core of `python main.py synth` and `cdk8s synth`.

An environment whose inputs and code are unchanged since the last synth comes
from the synth cache (`meshc.synth_cache`); the others are loaded, built,
checked and rendered, one environment per worker process when there are
cores to spare (each worker runs its own jsii).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from meshc.build import BuiltEnvironment, build
from meshc.checks import ChecksFailed, Finding, Report, check, check_environment, load_crds
from meshc.errors import InputError, InputProblem, NoEnvironmentsError
from meshc.loader import LoadedEnvironment, combine_loads, environment_names, load_environment, load_environments
from meshc.synth_cache import SynthCache
from meshc.writer import WriteSummary, mirror, read_tree, render_environment, stale_environments, write_environments


@dataclass(frozen=True)
class Project:
    """Where a meshc project keeps its inputs and its output."""

    root: Path

    @property
    def environments(self) -> Path:
        return self.root / "environments"

    @property
    def dist(self) -> Path:
        return self.root / "dist"


def load_and_build(project: Project, names: list[str]) -> list[BuiltEnvironment]:
    """The objects of the named environments (all when empty): what synth writes and diff compares."""
    environments: list[LoadedEnvironment] = load_environments(project.environments, names)
    return build(environments)


@dataclass(frozen=True)
class SynthResult:
    """What synth wrote, and the report of the checks it passed (warnings only)."""

    written: WriteSummary
    report: Report


def validate(project: Project, names: list[str], crd_dirs: list[Path] | tuple[Path, ...] = ()) -> Report:
    """The checks of `synth`, without writing: the core of `python main.py validate`."""
    return check(load_and_build(project, names), crd_dirs)


def synthesize(
    project: Project, names: list[str], mirror_to: Path | None = None, crd_dirs: list[Path] | tuple[Path, ...] = ()
) -> SynthResult:
    """Check, then write. Raises ChecksFailed (exit 1) before writing anything when a check finds an error."""
    cache = SynthCache(project.root, crd_dirs)
    available = environment_names(project.environments)
    if not available:
        raise NoEnvironmentsError(project.environments.name)  # writing nothing would delete every environment
    selected = sorted(set(names)) if names else available
    keys = {name: cache.key(project.environments / f"{name}.yaml") if name in available else None for name in selected}
    trees: dict[str, dict[str, bytes]] = {}
    findings: list[Finding] = []
    for name, key in keys.items():
        entry = cache.get(name, key)
        if entry is not None:
            trees[name] = entry.files
            findings += [Finding(**finding) for finding in entry.findings]

    stale = [name for name in selected if name not in trees]
    if stale:
        fresh = _synthesize_environments(project, stale, crd_dirs, all_exist=set(stale) <= set(available))
        findings += [finding for found, _ in fresh.values() for finding in found]
        report = Report.of(selected, findings)
        if report.errors:
            raise ChecksFailed(report)
        for name, (found, files) in fresh.items():
            cache.put(name, keys[name], files, found)
            trees[name] = files
    trees = dict(sorted(trees.items()))
    written = _write(project.dist, trees, remove_others=not names)
    if mirror_to is not None and mirror_to.resolve() != project.dist.resolve():
        mirror(project.dist, list(trees), mirror_to)
    return SynthResult(written, Report.of(selected, findings))


def _synthesize_environments(
    project: Project, names: list[str], crd_dirs: list[Path] | tuple[Path, ...], *, all_exist: bool
) -> dict[str, tuple[list[Finding], dict[str, bytes]]]:
    """Each environment's findings and rendered files: loaded, built, checked and rendered
    one environment per worker process when there are cores to spare, else here (and
    always here when a name is unknown, which the loader reports with the names there are)."""
    load_crds(crd_dirs)  # here first: a bad --crd-dir is an input error, not a worker's crash
    workers = min(len(names), os.cpu_count() or 1)
    # Workers start their own jsii. Forking a process that already runs threads (jsii's,
    # in a test session or a library user) can deadlock the child, so such a process has none.
    if not all_exist or workers < 2 or threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return check_and_render(load_and_build(project, names), crd_dirs)
    tasks = [(project.environments / f"{name}.yaml", tuple(crd_dirs)) for name in names]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        results = dict(zip(names, pool.map(_synthesize_one, tasks, chunksize=1)))
        pool.close()
        pool.join()
    # The rules across environments (base-file problems once, one namespace each) as a serial load applies them.
    combine_loads(project.environments, {name: r if isinstance(r, list) else r[0] for name, r in results.items()})
    return {name: (findings, files) for name, (_, findings, files) in results.items()}


def _synthesize_one(
    task: tuple[Path, tuple[Path, ...]],
) -> tuple[LoadedEnvironment, list[Finding], dict[str, bytes]] | list[InputProblem]:
    """One environment in a worker: what was loaded, its findings and files; or the problems of its input."""
    path, crd_dirs = task
    try:
        loaded = load_environment(path, root=path.parent.parent)
    except InputError as error:
        return error.problems
    (built,) = build([loaded])
    return loaded, check_environment(built, load_crds(crd_dirs)), render_environment(built)


def check_and_render(
    built: list[BuiltEnvironment], crd_dirs: list[Path] | tuple[Path, ...] = ()
) -> dict[str, tuple[list[Finding], dict[str, bytes]]]:
    """Each built environment's findings and rendered files."""
    crds = load_crds(crd_dirs)
    return {b.name: (check_environment(b, crds), render_environment(b)) for b in built}


def _write(dist: Path, trees: dict[str, dict[str, bytes]], *, remove_others: bool) -> WriteSummary:
    """Write the environments whose folder differs from its tree; leave the others' folders alone."""
    differ = {name: files for name, files in trees.items() if read_tree(dist / name) != files}
    if remove_others and stale_environments(dist, trees):
        return write_environments(dist, trees, remove_others=True)
    written = write_environments(dist, differ, remove_others=False) if differ else WriteSummary()
    written.unchanged += sum(len(files) for name, files in trees.items() if name not in differ)
    return written

