"""Synth speed: 3 environments x N agents through cdk8s/jsii, against the floor of
writing the same objects as plain dicts with PyYAML's C emitter.

Stages are load (YAML + model), build (constructs through jsii + Chart.to_json)
and render+write (YAML files, atomic swap). The checks of synth are not timed
here. Peak MiB is the Python heap (tracemalloc, measured in a separate pass);
the jsii Node process is not included.

Prints figures; it is not a test. Usage: python bench/bench_synth.py [N ...]
"""

from __future__ import annotations

import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "constructs"))

from meshc.build import build  # noqa: E402
from meshc.loader import load_environments  # noqa: E402
from meshc.synth import Project  # noqa: E402
from meshc.writer import dump_yaml, render_environment, write_environments  # noqa: E402

ENVIRONMENTS = ("dev", "staging", "prod")


def write_project(root: Path, agents: int) -> Project:
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
    return Project(root)


def timed(step):
    start = time.perf_counter()
    result = step()
    return result, time.perf_counter() - start


def main(sizes: list[int]) -> None:
    print(f"{'agents':>7} {'objects':>8} {'load':>7} {'build':>7} {'render+write':>13} {'meshc total':>12} {'dicts+C yaml':>13} {'ratio':>6} {'peak MiB':>9}")
    for agents in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            project = write_project(Path(tmp), agents)
            loaded, t_load = timed(lambda: load_environments(project.environments, []))
            built, t_build = timed(lambda: build(loaded))
            _, t_write = timed(
                lambda: write_environments(project.dist, {b.name: render_environment(b) for b in built}, remove_others=True)
            )
            # Memory in a second pass: tracemalloc slows Python down several times over.
            tracemalloc.start()
            build(load_environments(project.environments, []))
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
            objects = [m.obj for b in built for m in b.manifests]
            floor_dir = Path(tmp) / "floor"

            def plain_dicts() -> None:
                for index, obj in enumerate(objects):
                    path = floor_dir / f"{index}.yaml"
                    path.parent.mkdir(exist_ok=True)
                    path.write_text(dump_yaml(obj))

            _, t_floor = timed(plain_dicts)
            total = t_load + t_build + t_write
            print(
                f"{agents:>7} {len(objects):>8} {t_load:>7.2f} {t_build:>7.2f} {t_write:>13.2f} {total:>12.2f} "
                f"{t_floor:>13.2f} {total / t_floor:>6.1f} {peak:>9.0f}"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [100, 500])
