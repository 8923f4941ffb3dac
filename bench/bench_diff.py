"""Diff speed: 3 environments x N agents against the fake API server, meshc diff vs one by one.

    .venv/bin/python bench/bench_diff.py [N ...] [--concurrency C ...] [--latency S]
                                                        (defaults: 100 500, 8 16, 0.002)

For each N it writes 3 environment files, builds them with meshc's real build, and seeds a
FakeKubeAPIServer (tests/fakeapi, 2 ms latency per request) with every object as Flux's
kustomize-controller applied it, plus some drift: 1% of the agents run an older image, 1% of the Services are missing, and
each environment has a leftover ConfigMap for prune. Then, per environment:

- meshc diff: what `python main.py diff` does after building (meshc.diff.live.LiveDiff): discovery, one
  labelled LIST per kind and namespace, a dry-run per object on --concurrency workers (8, the
  default, and 16);
- one by one: what `kubectl diff --server-side` does: a GET and a dry-run PATCH per object,
  sequentially, through the same client and the same comparison code.

Each side runs in its own fresh process (so peak RSS is its own) and the fake server in a third,
so server and client do not share a GIL; the server reports its own CPU time, which shows when it
is the bottleneck. Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "constructs"), str(ROOT / "tests")]

ENVIRONMENTS = ("bench-a", "bench-b", "bench-c")
LATENCY = 0.002
DRIFT_EVERY = 100  # every 100th agent has drifted, and every 100th Service is missing


# --- the project ------------------------------------------------------------------------------


def write_project(root: Path, agents: int) -> None:
    (root / "environments").mkdir(parents=True)
    for env in ENVIRONMENTS:
        lines = [f"global: {{namespace: mesh-{env}}}", "gitops: {url: https://github.com/example-org/gitops}",
                 "networkPolicies: {enabled: true}", "agents:"]
        for i in range(agents):
            lines += [f"  agent-{i:04d}:", f"    capabilities: [cap-{i}]", "    env: {LOG_LEVEL: info}",
                      "    resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {cpu: 100m, memory: 128Mi}}"]
            if i % 10 == 0:
                lines += ["    autoscaling: {enabled: true, minReplicas: 2, maxReplicas: 4}",
                          "    disruptionBudget: {enabled: true}"]
        (root / "environments" / f"{env}.yaml").write_text("\n".join(lines) + "\n")


def build(root: Path) -> list:
    from meshc.synth import Project, load_and_build

    return load_and_build(Project(root), list(ENVIRONMENTS))


def live_objects(built: list) -> list[dict]:
    """What the cluster holds: meshc's objects as Flux applied them, with drift."""
    import copy

    from meshc.diff.owner import Applier

    objects = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "flux-system"}}]
    for environment in built:
        applier = Applier.of(environment)
        for manifest in environment.manifests:
            obj = copy.deepcopy(applier.as_applied(manifest))
            agent = manifest.component.removeprefix("agent/agent-")
            drifted = manifest.component.startswith("agent/") and int(agent) % DRIFT_EVERY == 1
            if drifted and manifest.kind == "Service":
                continue  # deleted by hand: diff shows "create"
            if drifted and manifest.kind == "Deployment":
                obj["spec"]["template"]["spec"]["containers"][0]["image"] = "mcpmesh/python-runtime:0.9"
            objects.append(obj)
        objects.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
            "name": "retired-config", "namespace": f"mesh-{environment.name}",
            "labels": {"app.kubernetes.io/managed-by": "meshc", "meshc.io/environment": environment.name}}})
    return objects


# --- the fake server, in its own process ------------------------------------------------------------


def serve(seed_file: str, latency: float) -> None:
    """Child: run the fake, answer 'reset' / 'stats' / 'quit' on stdin."""
    from fakeapi import FakeKubeAPIServer
    fake = FakeKubeAPIServer(latency=0.0)
    fake.seed(json.loads(Path(seed_file).read_text()), field_manager="kustomize-controller")
    fake.latency = latency
    fake.start()
    print(fake.url, flush=True)
    offset, cpu = 0, time.process_time()
    for command in sys.stdin:
        command = command.strip()
        if command == "reset":
            offset, cpu = len(fake.requests), time.process_time()
            print("ok", flush=True)
        elif command == "stats":
            requests = fake.requests[offset:]
            lists = Counter((r.path, r.query.get("labelSelector")) for r in requests if r.query.get("labelSelector"))
            print(json.dumps({
                "requests": len(requests),
                "by_method": dict(Counter(r.method for r in requests)),
                "lists": sum(lists.values()),
                "max_lists_per_kind_and_namespace": max(lists.values(), default=0),
                # /api/v1/namespaces/NAME and deeper; discovery paths (/api/v1, /apis/G/V) are shorter
                "gets_by_name": sum(1 for r in requests if r.method == "GET" and not r.query
                                    and len(r.path.split("/")) >= 5),
                "server_cpu_seconds": round(time.process_time() - cpu, 2),
            }), flush=True)
        elif command == "quit":
            break
    fake.stop()


# --- the two clients, each in its own process ------------------------------------------------------


def client(method: str, project: str, kubeconfig: str, concurrency: int) -> None:
    """Child: build, then diff every environment with `method`; print one JSON line."""
    started = time.perf_counter()
    built = build(Path(project))
    build_seconds = time.perf_counter() - started
    rss_after_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    from meshc.diff import cluster as kube
    from meshc.diff.changeset import ChangeSet, Mode
    from meshc.diff.live import LiveDiff
    from meshc.diff.owner import Applier
    from meshc.diff.render import render

    started = time.perf_counter()
    counts: Counter = Counter()
    for environment in built:
        applier = Applier.of(environment)
        connection = kube.connect(kubeconfig, None, concurrency + 2, field_manager=applier.field_manager)
        if method == "meshc":
            changeset = LiveDiff(connection, environment, applier=applier, concurrency=concurrency).run()
        else:
            changeset = ChangeSet(environment=environment.name, mode=Mode.DRY_RUN, source="bench", before_label="live",
                                  after_label="after", entries=tuple(one_by_one(connection, environment, applier)),
                                  field_manager=applier.field_manager)
        render(changeset, "text")
        connection.close()
        counts.update(changeset.counts())
    print(json.dumps({"seconds": time.perf_counter() - started, "build_seconds": build_seconds,
                      "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                      "rss_after_build_mib": rss_after_build / 1024, "counts": dict(counts)}), flush=True)


def one_by_one(connection, environment, applier) -> list:
    """kubectl diff --server-side: per object, GET the live object, then a dry-run PATCH. No prune."""
    from meshc.diff.changeset import ObjectRef
    from meshc.diff.plan import assess

    entries = []
    for manifest in environment.manifests:
        resource_kind = connection.resource(manifest.obj["apiVersion"], manifest.kind)
        live = connection.get(resource_kind, manifest.namespace, manifest.name)
        result = connection.dry_run_apply(resource_kind, applier.as_applied(manifest))
        created = not (result.get("metadata") or {}).get("resourceVersion")
        entries.append(assess(ObjectRef.of(manifest.obj), manifest.component, None if created else live,
                              result, fields_meshc_sets=False))
    return entries


# --- the parent -------------------------------------------------------------------------------


def measure(agents: int, concurrencies: list[int], latency: float) -> dict:
    from fakeapi import write_kubeconfig

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write_project(root / "project", agents)
        built = build(root / "project")
        objects = sum(len(b.manifests) for b in built)
        seed = root / "seed.json"
        seed.write_text(json.dumps(live_objects(built)))
        del built
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(seed), "--latency", str(latency)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            url = server.stdout.readline().strip()
            kubeconfig = write_kubeconfig(root / "kubeconfig", {"bench": (url, None)}, "bench")
            figures = {"agents": agents, "objects": objects, "runs": {}}
            for method, concurrency in [*(("meshc", c) for c in concurrencies), ("one-by-one", 1)]:
                server.stdin.write("reset\n")
                server.stdin.flush()
                server.stdout.readline()
                done = subprocess.run([sys.executable, __file__, "--client", method, "--project", str(root / "project"),
                                       "--kubeconfig", str(kubeconfig), "--concurrency", str(concurrency)],
                                      capture_output=True, text=True, check=True)
                server.stdin.write("stats\n")
                server.stdin.flush()
                label = f"meshc diff, c={concurrency}" if method == "meshc" else "one by one"
                figures["runs"][label] = {**json.loads(done.stdout.strip().splitlines()[-1]),
                                          **json.loads(server.stdout.readline())}
        finally:
            server.stdin.write("quit\n")
            server.stdin.flush()
            server.wait(timeout=60)
    return figures


def report(figures: dict, latency: float) -> None:
    runs = figures["runs"]
    baseline = runs["one by one"]
    print(f"\n{figures['agents']} agents x {len(ENVIRONMENTS)} environments = {figures['objects']} objects "
          f"(latency {latency * 1000:.0f} ms/request)")
    rows = [
        ("wall time, diff (s)", lambda r: f"{r['seconds']:.2f}"),
        ("speed-up vs one by one", lambda r: f"{baseline['seconds'] / r['seconds']:.1f}x"),
        ("requests", lambda r: r["requests"]),
        ("  by method", _methods),
        ("  LISTs (max per kind+namespace)", lambda r: f"{r['lists']} ({r['max_lists_per_kind_and_namespace']})"),
        ("  GETs by name", lambda r: r["gets_by_name"]),
        ("fake server CPU (s)", lambda r: r["server_cpu_seconds"]),
        ("  busy share of wall time", lambda r: f"{r['server_cpu_seconds'] / r['seconds']:.0%}"),
        ("peak RSS (MiB)", lambda r: f"{r['peak_rss_mib']:.0f}"),
        ("  of which after build (MiB)", lambda r: f"{r['rss_after_build_mib']:.0f}"),
        ("build, not in wall time (s)", lambda r: f"{r['build_seconds']:.2f}"),
        ("found", lambda r: _counts(r["counts"])),
    ]
    width = max(len(label) for label, _ in rows)
    print(f"{'':{width}}" + "".join(f"  {label:>22}" for label in runs))
    for label, cell in rows:
        print(f"{label:{width}}" + "".join(f"  {str(cell(run)):>22}" for run in runs.values()))
    best = min(r["server_cpu_seconds"] for label, r in runs.items() if label != "one by one")
    print(f"The fake serializes requests under one lock; its CPU time for the dry-runs ({best:.2f} s) bounds "
          f"meshc diff here: {baseline['seconds'] / best:.1f}x at best against this server.")


def _methods(figures: dict) -> str:
    return " ".join(f"{method}={count}" for method, count in sorted(figures["by_method"].items()))


def _counts(counts: dict) -> str:
    return "/".join(str(counts.get(action, 0)) for action in ("create", "change", "delete", "unchanged"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("agents", nargs="*", type=int, default=[100, 500])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 16])
    parser.add_argument("--latency", type=float, default=LATENCY)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--project", help=argparse.SUPPRESS)
    parser.add_argument("--kubeconfig", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.latency)
    elif args.client:
        client(args.client, args.project, args.kubeconfig, args.concurrency[0])
    else:
        print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; found = create/change/delete/unchanged")
        for agents in args.agents:
            report(measure(agents, args.concurrency, args.latency), args.latency)


if __name__ == "__main__":
    main()
