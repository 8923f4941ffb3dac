"""`diff`: what applying an environment would change, against the cluster or offline.

The objects always come from `meshc.synth.load_and_build`, the same call synth writes dist/
from. The "before" side depends on the mode:

- dry-run (default): the live cluster. One labelled LIST per kind and namespace reads every
  object meshc owns for the environment (ownership_selector); each desired object gets a
  server-side apply dry-run as the field manager that applies dist/ (meshc.diff.owner); the
  dry-run result is compared with the live object, so server defaults and admission appear on
  both sides and cancel out. See meshc.diff.live.
- read-only (--read-only): the same LISTs, plus a GET for a desired object the LISTs did not
  show (it may exist without meshc's labels); only the fields meshc sets are compared.
- --live-from FILE, --against-env OTHER, --against-git REF: see meshc.diff.against.

Objects in a namespace that this same diff creates are reported as "create" without a
dry-run: the API server rejects even a dry-run into a namespace that does not exist yet
(Tanka does the same). They are shown as meshc writes them, and a note says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from meshc.diff import cluster as kube
from meshc.diff.against import against_environment, against_file, against_git
from meshc.diff.changeset import ChangeSet
from meshc.diff.errors import DiffOptionsError, summarize
from meshc.diff.live import LiveDiff, Progress
from meshc.diff.owner import Applier
from meshc.diff.render import FORMATS, render
from meshc.synth import Project, load_and_build

DEFAULT_CONCURRENCY = 8


@dataclass(frozen=True, kw_only=True)
class DiffOptions:
    """What `python main.py diff` was asked. Defaults: a dry-run against the kubeconfig's current context."""

    environment: str
    kubeconfig: str | None = None
    context: str | None = None
    read_only: bool = False
    concurrency: int = DEFAULT_CONCURRENCY
    output: str = "text"
    color: bool = False
    live_from: str | None = None
    against_env: str | None = None
    against_git: str | None = None
    field_manager: str | None = None  # default: the manager that applies dist/ (meshc.diff.owner)

    def check(self) -> None:
        """Refuse combinations of options that contradict each other, naming the options (`{live_from}`)."""
        offline = [name for name in ("live_from", "against_env", "against_git") if getattr(self, name)]
        if len(offline) > 1:
            raise DiffOptionsError(" and ".join(f"{{{name}}}" for name in offline) + " are different comparisons; choose one")
        if offline:
            cluster = [name for name in ("kubeconfig", "context", "read_only", "field_manager") if getattr(self, name)]
            if cluster:
                raise DiffOptionsError(f"{{{offline[0]}}} compares offline, so " + ", ".join(f"{{{name}}}" for name in cluster)
                                       + " would have no effect; drop one or the other")
        if self.read_only and self.field_manager:
            raise DiffOptionsError("{read_only} sends no dry-run, so {field_manager} would have no effect; "
                                   "drop one or the other")
        if self.against_env == self.environment:
            raise DiffOptionsError("{against_env} {environment_name} is the environment itself; "
                                   "name the environment to promote onto", environment_name=self.environment)
        if self.concurrency < 1:
            raise DiffOptionsError("{concurrency} must be at least 1 (got {given})", given=self.concurrency)
        if self.output not in FORMATS:
            raise DiffOptionsError("{output} must be one of {formats} (got {given!r})",
                                   formats=", ".join(FORMATS), given=self.output)


@dataclass(frozen=True, kw_only=True)
class DiffResult:
    changeset: ChangeSet
    rendered: str  # the report in the requested format, for stdout
    errors: tuple[str, ...]  # one line per cause of failure, with the next step, for stderr


def run_diff(project: Project, options: DiffOptions, progress: Progress | None = None) -> DiffResult:
    """Compare one environment with the cluster, a file, another environment or a git revision."""
    options.check()
    names = [options.environment, *([options.against_env] if options.against_env else [])]
    built = {environment.name: environment for environment in load_and_build(project, names)}
    desired = built[options.environment]
    if options.live_from:
        changeset = against_file(desired, options.live_from)
    elif options.against_env:
        changeset = against_environment(desired, built[options.against_env])
    elif options.against_git:
        changeset = against_git(project, desired, options.against_git)
    else:
        applier = Applier.of(desired, options.field_manager)
        connection = kube.connect(options.kubeconfig, options.context, options.concurrency + 2,
                                  field_manager=applier.field_manager)
        try:
            changeset = LiveDiff(connection, desired, applier=applier, read_only=options.read_only,
                                 concurrency=options.concurrency, progress=progress).run()
        finally:
            connection.close()
    return DiffResult(changeset=changeset, rendered=render(changeset, options.output, color=options.color),
                      errors=tuple(summarize(changeset.failures)))
