"""Run main.py on a pseudo-terminal, as a user's shell does, and read what it printed."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_on_a_terminal(project_root: Path, args: list[str], env: dict[str, str] | None = None) -> tuple[int, str]:
    """(exit code, everything printed) of `main.py ARGS` against the project at `project_root`."""
    script = (f"import sys, main, pathlib; from meshc.synth import Project; "
              f"main.PROJECT = Project(pathlib.Path({str(project_root)!r})); sys.argv = ['main.py', *{args!r}]; main.cli()")
    leader, follower = pty.openpty()
    environment = {**(os.environ if env is None else env), "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "constructs")])}
    process = subprocess.Popen([sys.executable, "-c", script], stdout=follower, stderr=follower, env=environment)
    os.close(follower)
    chunks = []
    while select.select([leader], [], [], 60)[0]:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    code = process.wait(timeout=60)
    os.close(leader)
    return code, b"".join(chunks).decode()
