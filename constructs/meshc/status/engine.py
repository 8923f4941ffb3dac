"""`status`: is the environment applied and healthy? Reads only; `--wait` polls until it is.

One poll = one pass of reads (meshc.status.reads) judged against the environment's own build
(meshc.status.targets) and the git revision of its dist/ folder (meshc.status.revision).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable

from meshc.diff.cluster import connect
from meshc.diff.errors import ClusterUnreachableError, NoClusterConfigError
from meshc.errors import OptionsError
from meshc.status.assess import assess
from meshc.status.reads import read
from meshc.status.render import FORMATS, StatusReport, render
from meshc.status.revision import dist_revision
from meshc.status.targets import targets_of
from meshc.synth import Project, load_and_build

# Seconds between two polls of --wait: Flux itself reconciles on a scale of seconds to minutes.
POLL_SECONDS = 5.0
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}

Progress = Callable[[StatusReport, float], None]  # (the poll's report, seconds left)


class StatusOptionsError(OptionsError):
    def __init__(self, problem: str, **values: object):
        super().__init__(f"status: {problem}", **values)


class StatusUnreachableError(OptionsError):
    """diff's wording for this suggests its offline modes; status has none."""

    def __init__(self, server: str):
        super().__init__("status: cannot reach the API server at {server}; check the kubeconfig context "
                         "({context}) and the network. Nothing was read.", server=server)


def parse_duration(text: str) -> float:
    """Seconds in a Go-style duration: 90s, 5m, 1h30m."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(number + unit for number, unit in parts) != text:
        raise StatusOptionsError("{wait} {given!r} is not a duration such as 30s, 5m or 1h30m", given=text)
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in parts)


@dataclass(frozen=True)
class StatusOptions:
    environment: str
    kubeconfig: str | None = None
    context: str | None = None
    wait: str | None = None
    output: str = "text"


@dataclass(frozen=True)
class StatusResult:
    report: StatusReport
    rendered: str
    polls: int

    @property
    def exit_code(self) -> int:
        return 0 if self.report.ready else 1


def run_status(project: Project, options: StatusOptions, progress: Progress | None = None,
               sleep: Callable[[float], None] = time.sleep) -> StatusResult:
    """Read the cluster once, or with --wait until everything is ready or the time is up.
    Raises MeshcError (exit 2) for bad options, a bad kubeconfig or an unreachable cluster."""
    if options.output not in FORMATS:
        raise StatusOptionsError("{output} must be one of {formats} (got {given!r})", formats=", ".join(FORMATS),
                                 given=options.output)
    budget = parse_duration(options.wait) if options.wait else 0.0
    (built,) = load_and_build(project, [options.environment])
    targets = targets_of(built)
    try:
        cluster = connect(options.kubeconfig, options.context, 4)
    except NoClusterConfigError:
        raise StatusOptionsError("no cluster to read: no kubeconfig ({kubeconfig}, $KUBECONFIG, ~/.kube/config) "
                                 "and not running in a pod") from None
    deadline = time.monotonic() + budget
    polls = 0
    try:
        while True:
            try:
                reads = read(cluster, targets)
            except ClusterUnreachableError as error:
                raise StatusUnreachableError(error.server) from None
            revision = dist_revision(project.root, options.environment)
            items = assess(targets, reads, revision, project.root)
            report = StatusReport(options.environment, cluster.context, cluster.server, revision.describe(), tuple(items))
            polls += 1
            left = deadline - time.monotonic()
            if report.ready or left <= 0:
                break
            if progress is not None:
                progress(report, left)
            sleep(min(POLL_SECONDS, left))
    finally:
        cluster.close()
    return StatusResult(report, render(report, options.output), polls)
