"""`synth`: environment files -> dist/. The core of `python main.py synth` and `cdk8s synth`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from meshc.build import BuiltEnvironment, build
from meshc.checks import ChecksFailed, Report, check
from meshc.loader import LoadedEnvironment, load_environments
from meshc.writer import WriteSummary, mirror, render_environment, write_environments


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
    built = load_and_build(project, names)
    report = check(built, crd_dirs)
    if report.errors:
        raise ChecksFailed(report)
    trees = {b.name: render_environment(b) for b in built}
    written = write_environments(project.dist, trees, remove_others=not names)
    if mirror_to is not None and mirror_to.resolve() != project.dist.resolve():
        mirror(project.dist, list(trees), mirror_to)
    return SynthResult(written, report)
