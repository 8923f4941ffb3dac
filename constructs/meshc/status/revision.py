"""Which commit of dist/<env> Flux should have applied, and whether it has.

Flux records the commit of the whole branch (`main@sha1:<commit>`), and every commit moves the
branch, so "applied == HEAD" would call an environment stale after an unrelated README commit.
What matters is the last commit that changed dist/<env>: an applied commit that has it as an
ancestor (or is it) carries the environment's current output.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DistRevision:
    """commit: the last commit touching dist/<env> (None outside git or before the first commit).
    dirty: dist/<env> has changes no commit holds, which Flux cannot have applied."""

    folder: str
    commit: str | None
    dirty: bool

    def describe(self) -> str:
        if self.commit is None:
            return f"{self.folder}: not in a git commit; applied revisions cannot be compared"
        note = " (plus uncommitted changes, which Flux cannot apply)" if self.dirty else ""
        return f"{self.folder}: last changed in commit {self.commit[:12]}{note}"


def dist_revision(root: Path, environment: str) -> DistRevision:
    folder = f"dist/{environment}"
    commit = _git(root, "log", "-1", "--format=%H", "--", folder)
    dirty = bool(_git(root, "status", "--porcelain", "--", folder)) if commit is not None else False
    return DistRevision(folder, commit or None, dirty)


def applied_commit(revision: str) -> str | None:
    """The commit of a Flux revision: `main@sha1:abc...` (Flux v2) or `main/abc...` (older)."""
    for separator in ("@sha1:", "@sha256:", "/"):
        if separator in revision:
            return revision.rsplit(separator, 1)[1] or None
    return None


def contains(root: Path, applied: str, wanted: str) -> bool | None:
    """Whether commit `applied` includes commit `wanted`; None when `applied` is not in the local repository."""
    if _git(root, "cat-file", "-e", f"{applied}^{{commit}}") is None:
        return None
    return _git(root, "merge-base", "--is-ancestor", wanted, applied) is not None


def _git(root: Path, *args: str) -> str | None:
    """stdout of a git command in `root`, or None when it fails (no git, not a repository, false)."""
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 else None
