"""Diff speed: `python main.py diff` against the real `kubectl diff --server-side`, same fake API server.

    .venv/bin/python bench/bench_diff.py [--agents N] [--environments E] [--rounds R] [--concurrency C]
                                         [--kubectl PATH] [--kubectl-concurrency K ...] [--latency S]
    defaults: 500 agents, 1 environment, 3 rounds, meshc's default concurrency (8), kubectl from PATH at
    its default --concurrency (1), 2 ms latency per request

A scratch project (its own main.py, constructs/ linked to this checkout) gets E environments of N
agents and `python main.py synth` writes their dist/ (not timed). A FakeKubeAPIServer (tests/fakeapi,
real HTTP, in its own process) is seeded with every object as Flux's kustomize-controller applied it,
plus drift: 1% of the agents run an older image, 1% of their Services are missing, and each
environment has a leftover ConfigMap with meshc's labels. Then each round runs, one environment at a
time and whole-process as a user runs them (start-up included):

- meshc: `python main.py diff --env E --kubeconfig K`: load and build the environment, discovery,
  one labelled LIST per kind and namespace, a server-side apply dry-run per object as
  kustomize-controller on C workers, compare, print the text report (creates, changes, Flux prune);
- kubectl: `kubectl diff --server-side --field-manager=kustomize-controller -R -f <view>/E`, where
  the view holds dist/E's object files (not kustomization.yaml) with the two labels kustomize-controller
  puts on what it applies (kustomize.toolkit.fluxcd.io/name and /namespace) added on the layers it
  applies, as meshc's dry-run adds them; the bench writes it from dist/ before timing. So both
  dry-run the same objects as the same manager and see the same drift. kubectl GETs each object,
  dry-runs it, and runs `diff -u -N` once over the two trees; it does no prune (no --prune), so the
  leftover ConfigMap is meshc's alone. kubectl's input is ready-made: its time holds no build, and
  no kustomize either (`kubectl diff -k dist/E` would add a kustomize build, most of its time at this
  size), while meshc's holds its own build from the environment file.

Rounds interleave the two; the table shows medians and ranges. Client CPU is the whole process
tree's (meshc's Node for jsii, kubectl's `diff`); peak RSS is its largest process. The server
reports its own requests and CPU. Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(CHECKOUT / "constructs"), str(CHECKOUT / "tests")]

ENVIRONMENTS = ("bench-a", "bench-b", "bench-c")
FIELD_MANAGER = "kustomize-controller"
LATENCY = 0.002
DRIFT_EVERY = 100  # every 100th agent has drifted, and every 100th Service is missing


# --- the project ------------------------------------------------------------------------------


def write_project(root: Path, agents: int, environments: tuple[str, ...]) -> None:
    (root / "environments").mkdir(parents=True)
    shutil.copy(CHECKOUT / "main.py", root / "main.py")
    (root / "constructs").symlink_to(CHECKOUT / "constructs")
    for env in environments:
        lines = [f"global: {{namespace: mesh-{env}}}", "gitops: {url: https://github.com/example-org/gitops}",
                 "networkPolicies: {enabled: true}", "agents:"]
        for i in range(agents):
            lines += [f"  agent-{i:04d}:", f"    capabilities: [cap-{i}]", "    env: {LOG_LEVEL: info}",
                      "    resources: {requests: {cpu: 50m, memory: 64Mi}, limits: {cpu: 100m, memory: 128Mi}}"]
            if i % 10 == 0:
                lines += ["    autoscaling: {enabled: true, minReplicas: 2, maxReplicas: 4}",
                          "    disruptionBudget: {enabled: true}"]
        (root / "environments" / f"{env}.yaml").write_text("\n".join(lines) + "\n")


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


def write_kubectl_view(root: Path, environment) -> Path:
    """dist/<env>'s object files as kustomize-controller applies them: with its two labels on each layer it applies.

    Written before timing, so kubectl's time holds no kustomize build (`kubectl diff -k` spends most of
    its time there at this size)."""
    import yaml

    from meshc.diff.owner import FLUX_NAME_LABEL, FLUX_NAMESPACE_LABEL, Applier

    kustomizations = Applier.of(environment).kustomizations
    view = root / "kubectl-view" / environment.name
    for layer in sorted(path for path in (root / "dist" / environment.name).iterdir() if path.is_dir()):
        (view / layer.name).mkdir(parents=True)
        for file in sorted(layer.glob("*.yaml")):
            if file.name == "kustomization.yaml":
                continue  # kustomize's own file, not an object
            obj = yaml.load(file.read_text(), Loader=yaml.CSafeLoader)
            if layer.name in kustomizations:
                name, namespace = kustomizations[layer.name]
                obj["metadata"].setdefault("labels", {}).update({FLUX_NAME_LABEL: name, FLUX_NAMESPACE_LABEL: namespace})
            (view / layer.name / file.name).write_text(yaml.dump(obj, Dumper=yaml.CSafeDumper, sort_keys=False))
    return view


# --- the fake server, in its own process ------------------------------------------------------------


def serve(seed_file: str, latency: float) -> None:
    """Child: run the fake, answer 'reset' / 'stats' / 'quit' on stdin."""
    from fakeapi import FakeKubeAPIServer
    fake = FakeKubeAPIServer(latency=0.0)
    fake.seed(json.loads(Path(seed_file).read_text()), field_manager=FIELD_MANAGER)
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
            lists = Counter((r.path, r.query["labelSelector"]) for r in requests if r.query.get("labelSelector"))
            print(json.dumps({
                "requests": len(requests),
                "by_method": dict(Counter(r.method for r in requests)),
                "lists": sum(lists.values()),
                "max_lists_per_kind_and_namespace": max(lists.values(), default=0),
                # /api/v1/namespaces/NAME and deeper; discovery paths (/api/v1, /apis/G/V) are shorter
                "gets_by_name": sum(1 for r in requests if r.method == "GET" and not r.query
                                    and len(r.path.split("/")) >= 5),
                "server_cpu_seconds": time.process_time() - cpu,
                "clients": sorted({r.headers.get("user-agent", "?").split(" ")[0] for r in requests}),
            }), flush=True)
        elif command == "quit":
            break
    fake.stop()


class Server:
    """The fake in a child process, so server and clients never share a GIL."""

    def __init__(self, seed: Path, latency: float):
        self.process = subprocess.Popen([sys.executable, __file__, "--serve", str(seed), "--latency", str(latency)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.url = self.process.stdout.readline().strip()

    def ask(self, command: str) -> str:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline()

    def close(self) -> None:
        self.process.stdin.write("quit\n")
        self.process.stdin.flush()
        self.process.wait(timeout=60)


# --- one timed run --------------------------------------------------------------------------------


def timed(command: list[str], cwd: Path, env: dict) -> dict:
    """Wall time, exit code, CPU and peak RSS of the process tree of `command`, and its output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"seconds": seconds, "exit": process.returncode, "cpu": usage.ru_utime + usage.ru_stime,
                "rss_mib": usage.ru_maxrss / 1024, "stdout": out.read().decode(), "stderr": err.read().decode()}


def meshc_command(environment: str, kubeconfig: Path, concurrency: int) -> list[str]:
    return [sys.executable, "main.py", "diff", "--env", environment, "--kubeconfig", str(kubeconfig),
            "--concurrency", str(concurrency)]


def kubectl_command(kubectl: str, view: Path, kubeconfig: Path, cache: Path, concurrency: int) -> list[str]:
    return [kubectl, "diff", "--server-side", f"--field-manager={FIELD_MANAGER}", "-R", "-f", str(view),
            f"--concurrency={concurrency}", f"--kubeconfig={kubeconfig}", f"--cache-dir={cache}"]


def found(tool: str, stdout: str) -> str:
    """What the run reported: meshc's summary line; for kubectl, how many objects differ."""
    if tool == "meshc":
        summary = re.search(r"^Summary: (.*)$", stdout, re.MULTILINE)
        return summary.group(1) if summary else "no summary"
    return f"{len(re.findall(r'^diff -u -N ', stdout, re.MULTILINE))} objects differ"


def run_once(server: Server, command: list[str], cwd: Path, tool: str) -> dict:
    server.ask("reset")
    result = timed(command, cwd, {**os.environ, "NO_COLOR": "1"})
    if result["exit"] != 1:  # both exit 1 when they find differences, and the seed has some
        sys.exit(f"bench: {tool} exited {result['exit']}, expected 1 (differences):\n{result['stderr'][-2000:]}")
    return {**result, **json.loads(server.ask("stats")), "found": found(tool, result["stdout"])}


# --- the parent -------------------------------------------------------------------------------


def measure(args: argparse.Namespace, kubectl: str) -> dict:
    from fakeapi import write_kubeconfig
    from meshc.synth import Project, load_and_build

    environments = ENVIRONMENTS[:args.environments]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "project"
        write_project(root, args.agents, environments)
        subprocess.run([sys.executable, "main.py", "synth"], cwd=root, check=True, capture_output=True)
        built = load_and_build(Project(root), list(environments))
        views = {environment.name: write_kubectl_view(root, environment) for environment in built}
        seed = Path(folder) / "seed.json"
        seed.write_text(json.dumps(live_objects(built)))
        figures = {"objects": sum(len(environment.manifests) for environment in built), "runs": {}}
        del built
        server = Server(seed, args.latency)
        try:
            kubeconfig = write_kubeconfig(Path(folder) / "kubeconfig", {"bench": (server.url, None)}, "bench")
            tools = {f"meshc diff, c={args.concurrency}": ("meshc", lambda env: meshc_command(
                env, kubeconfig, args.concurrency))}
            for concurrency in args.kubectl_concurrency:
                tools[f"kubectl diff, c={concurrency}"] = ("kubectl", lambda env, c=concurrency: kubectl_command(
                    kubectl, views[env], kubeconfig, Path(folder) / "kube-cache", c))
            for _ in range(args.rounds):
                for label, (tool, command) in tools.items():
                    runs = [run_once(server, command(env), root, tool) for env in environments]
                    figures["runs"].setdefault(label, []).append(runs)
        finally:
            server.close()
    return figures


def report(figures: dict, args: argparse.Namespace) -> None:
    runs = figures["runs"]
    print(f"\n{args.environments} environment(s) x {args.agents} agents = {figures['objects']} objects, "
          f"latency {args.latency * 1000:.0f} ms/request, {args.rounds} round(s); figures per round summed over "
          f"environments, median [min-max]")
    wall = {label: [sum(r["seconds"] for r in rounds) for rounds in per_round] for label, per_round in runs.items()}
    meshc_label = next(iter(runs))
    rows = [
        ("wall time (s)", lambda label: _spread(wall[label])),
        ("client CPU (s)", lambda label: _spread(_summed(runs[label], "cpu"))),
        ("peak RSS of one process (MiB)", lambda label: f"{max(r['rss_mib'] for rounds in runs[label] for r in rounds):.0f}"),
        ("requests (first round)", lambda label: sum(r["requests"] for r in runs[label][0])),
        ("  by method", lambda label: _methods(runs[label][0])),
        ("  LISTs (max per kind+namespace)", lambda label: "{} ({})".format(
            sum(r["lists"] for r in runs[label][0]), max(r["max_lists_per_kind_and_namespace"] for r in runs[label][0]))),
        ("  GETs by name", lambda label: sum(r["gets_by_name"] for r in runs[label][0])),
        ("fake server CPU (s)", lambda label: _spread(_summed(runs[label], "server_cpu_seconds"))),
    ]
    width = max(len(name) for name, _ in rows)
    column = max(22, *(len(label) for label in runs))
    print(f"{'':{width}}" + "".join(f"  {label:>{column}}" for label in runs))
    for name, cell in rows:
        print(f"{name:{width}}" + "".join(f"  {str(cell(label)):>{column}}" for label in runs))
    for label in runs:
        print(f"{label} sent User-Agent {', '.join(runs[label][0][0]['clients'])}")
    for label in runs:
        print(f"{label} found in {ENVIRONMENTS[0]}: {runs[label][0][0]['found']}")
    meshc = statistics.median(wall[meshc_label])
    for label in list(runs)[1:]:
        kubectl = statistics.median(wall[label])
        print(f"{label} {kubectl:.2f} s / {meshc_label} {meshc:.2f} s = {kubectl / meshc:.2f} "
              f"(above 1: meshc is faster; the target is at least 2)")
    for label in list(runs)[1:]:
        warnings = sorted({line for rounds in runs[label] for r in rounds for line in r["stderr"].splitlines()})
        if warnings:
            print(f"{label} said on stderr: " + " | ".join(warnings[:5]))


def _summed(per_round: list, key: str) -> list[float]:
    return [sum(r[key] for r in rounds) for rounds in per_round]


def _spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def _methods(rounds: list) -> str:
    counts = Counter()
    for run in rounds:
        counts.update(run["by_method"])
    return " ".join(f"{method}={count}" for method, count in sorted(counts.items()))


def kubectl_version(kubectl: str) -> str:
    done = subprocess.run([kubectl, "version", "--client", "-o", "json"], capture_output=True, text=True)
    try:
        return json.loads(done.stdout)["clientVersion"]["gitVersion"]
    except (ValueError, KeyError):
        return "unknown version"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--environments", type=int, choices=range(1, len(ENVIRONMENTS) + 1), default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8, help="meshc diff's --concurrency")
    parser.add_argument("--kubectl", help="the kubectl binary (default: kubectl on PATH)")
    parser.add_argument("--kubectl-concurrency", type=int, nargs="+", default=[1],
                        help="kubectl diff's --concurrency, one run per value (kubectl's default: 1)")
    parser.add_argument("--latency", type=float, default=LATENCY)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.latency)
        return
    kubectl = shutil.which(args.kubectl or "kubectl")
    if kubectl is None:
        sys.exit(f"bench: {args.kubectl or 'kubectl'} not found{'' if args.kubectl else ' on PATH'}; this bench "
                 "compares meshc diff with the real `kubectl diff --server-side`: install kubectl or pass --kubectl PATH")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start; "
          f"{kubectl} ({kubectl_version(kubectl)})")
    figures = measure(args, kubectl)
    report(figures, args)
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
