"""Synth speed: 3 environments x N agents, whole-process, against the floor measured in the same run.

meshc: `python main.py synth` in a scratch project (its main.py, its constructs/
linked to this checkout), as a user runs it: a full synth (no dist/, no cache),
then a synth with nothing changed, then one with one environment changed.
floor: a Python process that writes the same objects as plain dicts (read from
a pickle), one file per object, sorted keys, PyYAML's C emitter.
Rounds interleave meshc and the floor; the table shows medians. Peak MiB is
the summed PSS of the synth's whole process tree (Python, its workers and
jsii's Node), sampled every 100 ms during one more full synth before the rounds,
which is not timed: reading the PSS of seven processes costs CPU of its own,
so the timed runs are only waited for.

Then, in one process: the time of each step and of each check, against the
YAML emit of the same objects (no check should cost more than the emit).

Prints figures; it is not a test. Usage: python bench/bench_synth.py [N ...] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CHECKOUT / "constructs"))

from meshc import checks  # noqa: E402
from meshc.build import build  # noqa: E402
from meshc.loader import load_environments  # noqa: E402
from meshc.writer import render_environment  # noqa: E402

ENVIRONMENTS = ("dev", "staging", "prod")
FLOOR = """
import pickle, sys, yaml
from pathlib import Path
objects = pickle.loads(Path(sys.argv[1]).read_bytes())
out = Path(sys.argv[2])
out.mkdir()
for index, obj in enumerate(objects):
    text = yaml.dump(obj, Dumper=yaml.CSafeDumper, sort_keys=True, default_flow_style=False)
    (out / f"{index}.yaml").write_text(text)
"""


def write_project(root: Path, agents: int) -> Path:
    (root / "environments").mkdir(parents=True)
    for env in ENVIRONMENTS:
        lines = [f"global: {{namespace: mesh-{env}}}", "agents:"]
        for i in range(agents):
            lines += [
                f"  agent-{i:04d}:",
                f"    capabilities: [cap-{i}]",
                f"    dependencies: [cap-{(i + 1) % agents}]",
                "    env: {LOG_LEVEL: info}",
                "    autoscaling: {enabled: true, minReplicas: 1, maxReplicas: 4}" if i % 2 else "    replicas: 2",
            ]
        (root / "environments" / f"{env}.yaml").write_text("\n".join(lines) + "\n")
    shutil.copy(CHECKOUT / "main.py", root / "main.py")
    (root / "constructs").symlink_to(CHECKOUT / "constructs")
    return root


def _descendants(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                pending += [int(c) for c in Path(f"/proc/{current}/task/{task}/children").read_text().split()]
        except OSError:
            pass
    return found


def _pss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def run(command: list[str], cwd: Path, *, sample_memory: bool = False) -> tuple[float, float]:
    """Wall seconds and, when sampled, peak PSS MiB of the command's process tree."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors)
        peak = 0.0
        while sample_memory and process.poll() is None:
            peak = max(peak, _pss_mib(_descendants(process.pid)))
            time.sleep(0.1)
        process.wait()
        elapsed = time.perf_counter() - start
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed:\n{errors.read().decode()}")
    return elapsed, peak


def synth(project: Path, *, sample_memory: bool = False) -> tuple[float, float]:
    return run([sys.executable, "main.py", "synth"], project, sample_memory=sample_memory)


def floor(objects_file: Path, scratch: Path) -> float:
    shutil.rmtree(scratch, ignore_errors=True)
    return run([sys.executable, "-c", FLOOR, str(objects_file), str(scratch)], scratch.parent)[0]


def whole_process(agents: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = write_project(Path(tmp) / "project", agents)
        objects_file = Path(tmp) / "objects.pickle"
        peak = synth(project, sample_memory=True)[1]
        objects = [yaml.load(p.read_text(), Loader=yaml.CSafeLoader)
                   for p in sorted((project / "dist").rglob("*.yaml")) if p.name != "kustomization.yaml"]
        objects_file.write_bytes(pickle.dumps(objects))
        full, floors, noop, one = [], [], [], []
        for round_ in range(rounds):
            shutil.rmtree(project / "dist", ignore_errors=True)
            shutil.rmtree(project / ".meshc-cache", ignore_errors=True)
            full.append(synth(project)[0])
            floors.append(floor(objects_file, Path(tmp) / "floor"))
            noop.append(synth(project)[0])
            staging = project / "environments" / "staging.yaml"
            text = staging.read_text().split("\n")
            text[6] = f"    replicas: {3 + round_}"  # agent-0000's: its Deployment changes
            staging.write_text("\n".join(text))
            one.append(synth(project)[0])
        count = len(pickle.loads(objects_file.read_bytes()))
        ratio = statistics.median(full) / statistics.median(floors)
        print(f"{'agents':>7} {'objects':>8} {'floor s':>8} {'meshc s':>8} {'ratio':>6} {'no-op s':>8} "
              f"{'1 env changed s':>16} {'peak MiB':>9}")
        print(f"{f'3x{agents}':>7} {count:>8} {statistics.median(floors):>8.2f} {statistics.median(full):>8.2f} "
              f"{ratio:>6.2f} {statistics.median(noop):>8.2f} {statistics.median(one):>16.2f} {peak:>9.0f}")
        print(f"  per round: meshc {' '.join(f'{s:.2f}' for s in full)}; floor {' '.join(f'{s:.2f}' for s in floors)}")


def timed(step):
    start = time.perf_counter()
    result = step()
    return result, time.perf_counter() - start


def in_process(agents: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        project = write_project(Path(tmp) / "project", agents)
        loaded, t_load = timed(lambda: load_environments(project / "environments", []))
        built, t_build = timed(lambda: build(loaded))
        _, t_render = timed(lambda: [render_environment(b) for b in built])
        crds = checks.load_crds([])
        costs: dict[str, float] = {}
        for module in (checks.schema, checks.graph, checks.quota, checks.workload, checks.names, checks.secrets,
                       checks.charts):
            name = module.__name__.rsplit(".", 1)[-1]
            scopes = [checks.Scope(b) for b in built]
            start = time.perf_counter()
            for scope in scopes:
                if module is checks.schema:
                    module.check(scope, crds)
                else:
                    module.check(scope)
            costs[name] = time.perf_counter() - start
        print(f"  one process, {agents * len(ENVIRONMENTS)} agents: load {t_load:.2f} s, build {t_build:.2f} s, "
              f"render (YAML emit) {t_render:.2f} s")
        print("  checks: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in costs.items()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("agents", nargs="*", type=int, default=[100, 500])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start")
    for agents in args.agents:
        whole_process(agents, args.rounds)
        in_process(agents)
    print(f"load average {os.getloadavg()[0]:.1f} at end")


if __name__ == "__main__":
    main()
