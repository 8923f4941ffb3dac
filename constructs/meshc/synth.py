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
from typing import Callable
from pathlib import Path

from meshc.build import BuiltEnvironment, build
from meshc.checks import ChecksFailed, Finding, Report, check, check_environment, load_crds
from meshc.errors import InputError, InputProblem, NoEnvironmentsError
from meshc.loader import LoadedEnvironment, combine_loads, environment_names, load_environment, load_environments
from meshc.synth_cache import SynthCache
from meshc.writer import WriteSummary, mirror, render_environment, staged_dist


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
    with staged_dist(project.dist) as staged:
        if stale:
            fresh = _synthesize_environments(
                project, stale, crd_dirs, all_exist=set(stale) <= set(available), stage=staged.stage
            )
            findings += [finding for found, _ in fresh.values() for finding in found]
            report = Report.of(selected, findings)
            if report.errors:
                raise ChecksFailed(report)  # the staged environments are discarded; dist/ is untouched
            for name, (found, files) in fresh.items():
                cache.put(name, keys[name], files, found)
                trees[name] = files
        written = staged.commit(dict(sorted(trees.items())), remove_others=not names)
    if mirror_to is not None and mirror_to.resolve() != project.dist.resolve():
        mirror(project.dist, sorted(trees), mirror_to)
    return SynthResult(written, Report.of(selected, findings))


def _synthesize_environments(
    project: Project, names: list[str], crd_dirs: list[Path] | tuple[Path, ...], *, all_exist: bool,
    stage: Callable[[str, dict[str, bytes]], None],
) -> dict[str, tuple[list[Finding], dict[str, bytes]]]:
    """Each environment's findings and rendered files: loaded, built, checked and rendered
    one environment per worker process when there are cores to spare, else here (and
    always here when a name is unknown, which the loader reports with the names there are).
    Each environment's files go to `stage` as soon as they are rendered."""
    load_crds(crd_dirs)  # here first: a bad --crd-dir is an input error, not a worker's crash
    workers = min(len(names), os.cpu_count() or 1)
    # Workers start their own jsii. Forking a process that already runs threads (jsii's,
    # in a test session or a library user) can deadlock the child, so such a process has none.
    if not all_exist or workers < 2 or threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        fresh = check_and_render(load_and_build(project, names), crd_dirs)
        for name, (_, files) in fresh.items():
            stage(name, files)
        return fresh
    tasks = [(project.environments / f"{name}.yaml", tuple(crd_dirs)) for name in names]
    arrived = {}
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        # This process writes each environment out while the workers build the others.
        for name, result in pool.imap_unordered(_synthesize_one, tasks):
            arrived[name] = result
            if not isinstance(result, list):
                stage(name, result[2])
        pool.close()
        pool.join()
    results = {name: arrived[name] for name in names}
    # The rules across environments (base-file problems once, one namespace each) as a serial load applies them.
    combine_loads(project.environments, {name: r if isinstance(r, list) else r[0] for name, r in results.items()})
    return {name: (findings, files) for name, (_, findings, files) in results.items()}


def _synthesize_one(
    task: tuple[Path, tuple[Path, ...]],
) -> tuple[str, tuple[LoadedEnvironment, list[Finding], dict[str, bytes]] | list[InputProblem]]:
    """One environment in a worker: its name, and what was loaded, its findings and files;
    or the problems of its input."""
    path, crd_dirs = task
    try:
        loaded = load_environment(path, root=path.parent.parent)
    except InputError as error:
        return path.stem, error.problems
    (built,) = build([loaded])
    return path.stem, (loaded, check_environment(built, load_crds(crd_dirs)), render_environment(built))


def check_and_render(
    built: list[BuiltEnvironment], crd_dirs: list[Path] | tuple[Path, ...] = ()
) -> dict[str, tuple[list[Finding], dict[str, bytes]]]:
    """Each built environment's findings and rendered files."""
    crds = load_crds(crd_dirs)
    return {b.name: (check_environment(b, crds), render_environment(b)) for b in built}
