"""Processes the contract test starts, and stops again by their process id.

Each process is the leader of a new session, so stopping it also reaches
anything it spawned (the registry or an agent never outlives the test):
SIGTERM to its process group, SIGKILL after a grace period. Output goes to a
log file that the assertions and failure messages read.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

GRACE_SECONDS = 5.0


@dataclass
class Started:
    name: str
    process: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def running(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class ProcessGroup:
    """Everything one test session started; `stop_all` is its finalizer."""

    logs: Path
    started: list[Started] = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict[str, str], cwd: Path | None = None, **popen) -> Started:
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, **popen,
            )
        started = Started(name, process, log)
        self.started.append(started)
        return started

    def stop_all(self) -> None:
        for started in reversed(self.started):
            _signal_group(started.pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for started in reversed(self.started):
            try:
                started.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            _signal_group(started.pid, signal.SIGKILL)
            started.process.wait()


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
