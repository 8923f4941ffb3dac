"""Every meshc module imports on its own, in a fresh interpreter, silently.

A fresh interpreter per module catches import cycles that a warm test process
hides, and modules that only work after another one set something up (meshc puts
the project's Node first on PATH before jsii starts; the interpreters here get a
PATH without it, so an import that starts jsii too early shows Node's end-of-life
banner). It also guards the `constructs` name trap: constructs/ is a source root,
never a package, or it would shadow the `constructs` library cdk8s imports.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

SOURCE_ROOT = Path(__file__).resolve().parents[1] / "constructs"


def module_names() -> list[str]:
    """Every module and package under constructs/meshc; jsii's generated `_jsii` internals
    are imported through their package."""
    names = []
    for path in sorted((SOURCE_ROOT / "meshc").rglob("*.py")):
        if "_jsii" in path.parts:
            continue
        parts = path.relative_to(SOURCE_ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = module_names()


def fresh_env() -> dict[str, str]:
    """The test's environment with constructs/ importable and no project Node on PATH."""
    path = [entry for entry in os.environ.get("PATH", "").split(os.pathsep) if "node_modules" not in entry]
    return {**os.environ, "PATH": os.pathsep.join(path), "PYTHONPATH": str(SOURCE_ROOT)}


@pytest.fixture(scope="module")
def imports() -> dict[str, subprocess.CompletedProcess]:
    """module -> the result of `python -c "import <module>"`, all run concurrently."""

    def run(module: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-c", f"import {module}"], env=fresh_env(), capture_output=True, text=True, timeout=120
        )

    with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 2)) as pool:
        return dict(zip(MODULES, pool.map(run, MODULES)))


def test_the_package_and_its_core_modules_are_found():
    assert {"meshc", "meshc.model", "meshc.loader", "meshc.synth", "meshc.writer", "meshc.runtime"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_on_its_own_without_a_word(imports, module):
    result = imports[module]
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_constructs_folder_is_not_a_package():
    assert not (SOURCE_ROOT / "__init__.py").exists()


@pytest.mark.parametrize(
    ("cwd", "pythonpath"),
    [(SOURCE_ROOT.parent, ""), (SOURCE_ROOT.parent, str(SOURCE_ROOT))],
    ids=["from-the-project-root", "with-constructs-on-the-path"],
)
def test_import_constructs_is_the_library_from_site_packages(cwd, pythonpath):
    result = subprocess.run(
        [sys.executable, "-c", "import constructs; print(constructs.__file__)"],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": pythonpath},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_relative_to(sysconfig.get_paths()["purelib"])
