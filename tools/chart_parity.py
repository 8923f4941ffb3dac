"""Both render modes, compared on what the kubelet runs.

    python tools/chart_parity.py CHART_DIR --helm HELM [--env NAME]...

For every environment (all by default) meshc builds the environment twice from
the same model: once with every mesh component rendered as manifests, once as
HelmReleases of the mcp-mesh charts. Each mesh HelmRelease's values are rendered
with the real chart (`helm template`, charts from CHART_DIR, e.g. the
mcp-mesh-registry and mcp-mesh-agent folders of the upstream repository at the
chart version the environment pins), and its Deployment is compared with the
manifests-mode Deployment of the same component on every runtime field: the
image, command and args, the environment after Kubernetes' resolution (envFrom
ConfigMaps merged in, `$(VAR)` expanded, Secret and field references named
symbolically), ports, probes, resources, rollout strategy, volumes by mount
path, init containers and security contexts. Names of objects are not runtime
fields and are ignored. `valuesFrom` Secret values are given placeholders.

Every difference is either explained, by an entry of the one table in
tools/chart_parity_explained.py (what reads the field and why the difference
is harmless, or which meshc check refuses the combination), or unexplained.
Exit code 0 when no difference is unexplained, 1 when some are, 2 on bad input.
Not part of the test suite: it needs the charts and a helm binary.
"""

from __future__ import annotations

import argparse
import base64
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "constructs"), str(ROOT / "tests")]

from meshc.build import build  # noqa: E402
from meshc.checks import charts  # noqa: E402
from meshc.checks.report import Scope  # noqa: E402
from meshc.errors import InputError  # noqa: E402
from meshc.loader import LoadedEnvironment, environment_names, load_environment  # noqa: E402
from runtime.pod_spec import find, main_container, pod_spec  # noqa: E402

from chart_parity_explained import EXPLAINED, Difference, explanation  # noqa: E402

COMPONENT = "app.kubernetes.io/component"
INSTANCE = "app.kubernetes.io/instance"


class Symbolic(dict):
    """A Secret or fieldRef source that answers every key with a readable placeholder."""

    def __init__(self, kind: str):
        super().__init__()
        self.kind = kind

    def __missing__(self, key) -> str:
        return f"<{self.kind} {'/'.join(key) if isinstance(key, tuple) else key}>"

    def get(self, key, default=None):  # optional references resolve too
        return self[key]


def secret_values(objects: list[dict]) -> Symbolic:
    """The Secrets a render writes itself (the chart's own Secret) by value; any other by name."""
    values = Symbolic("secret")
    for secret in find(objects, "Secret"):
        decoded = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
        for key, value in {**decoded, **(secret.get("stringData") or {})}.items():
            values[(secret["metadata"]["name"], key)] = value
    return values


def in_mode(loaded: LoadedEnvironment, render: str) -> LoadedEnvironment:
    """The same environment with every mesh component in one render mode."""
    model = loaded.model
    update = {
        "render": render,
        "registry": model.registry.model_copy(update={"render": None}),
        "agents": {name: agent.model_copy(update={"render": None}) for name, agent in model.agents.items()},
    }
    return LoadedEnvironment(loaded.name, loaded.file, model.model_copy(update=update), loaded.source)


def component(obj: dict) -> str:
    labels = obj["metadata"].get("labels", {})
    return "registry" if labels.get(COMPONENT) == "registry" else f"agent/{labels.get(INSTANCE)}"


def helm_template(helm: str, chart_dir: Path, release: dict) -> list[dict]:
    spec = release["spec"]
    chart = chart_dir / spec["chartRef"]["name"]
    with tempfile.NamedTemporaryFile("w", suffix=".yaml") as values:
        yaml.safe_dump(spec.get("values", {}), values)
        argv = [helm, "template", spec.get("releaseName", release["metadata"]["name"]), str(chart),
                "--namespace", release["metadata"]["namespace"], "-f", values.name]
        for source in spec.get("valuesFrom", []):
            argv += ["--set-string", f"{source['targetPath']}=<secret {source['name']}/{source.get('valuesKey', 'values.yaml')}>"]
        done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"helm template {release['metadata']['name']}: {done.stderr.strip()}")
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


# What the API server fills in when a field is left out, so leaving it out is no difference.
POD_DEFAULTS = {"terminationGracePeriodSeconds": 30}
PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
STRATEGY_DEFAULT = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}


def runtime_view(objects: list[dict], deployment: dict) -> dict[str, Any]:
    """Everything about a Deployment that changes what runs, with object names resolved away."""
    pod = {**POD_DEFAULTS, **deployment["spec"]["template"]["spec"]}
    container = main_container(deployment)
    spec = pod_spec(objects, deployment, secret_values(objects), Symbolic("field"))
    volumes = {v["name"]: {k: val for k, val in v.items() if k != "name"} for v in (pod.get("volumes") or [])}
    return {
        "replicas": deployment["spec"].get("replicas"),
        "strategy": deployment["spec"].get("strategy") or STRATEGY_DEFAULT,
        "image": container.get("image"),
        "imagePullPolicy": container.get("imagePullPolicy"),
        "imagePullSecrets": pod.get("imagePullSecrets"),
        "command": list(spec.command),
        "args": list(spec.args),
        "env": spec.env,
        "ports": sorted((p["containerPort"], p.get("protocol", "TCP")) for p in (container.get("ports") or [])),
        "probes": {kind: _probe(container.get(f"{kind}Probe"), spec.ports)
                   for kind in ("liveness", "readiness", "startup")},
        "resources": container.get("resources"),
        "securityContext": container.get("securityContext"),
        "podSecurityContext": pod.get("securityContext"),
        "volumes": {m["mountPath"]: {**volumes.get(m["name"], {}), **({"readOnly": True} if m.get("readOnly") else {})}
                    for m in (container.get("volumeMounts") or [])},
        "initContainers": [
            {k: c.get(k) for k in ("image", "command", "args", "resources", "securityContext")} | {"name": c["name"]}
            for c in (pod.get("initContainers") or [])
        ],
        "sidecars": [c["name"] for c in (pod.get("containers") or [])[1:]],
        "affinity": pod.get("affinity"),
        "nodeSelector": pod.get("nodeSelector"),
        "tolerations": pod.get("tolerations"),
        "topologySpreadConstraints": pod.get("topologySpreadConstraints"),
        "terminationGracePeriodSeconds": pod.get("terminationGracePeriodSeconds"),
        "automountServiceAccountToken": _automount(objects, pod),
    }


def _automount(objects: list[dict], pod: dict) -> bool:
    """Whether the pod gets an API token: its own setting, else its ServiceAccount's, else true."""
    if "automountServiceAccountToken" in pod:
        return pod["automountServiceAccountToken"]
    accounts = find(objects, "ServiceAccount", pod.get("serviceAccountName", "default"))
    return accounts[0].get("automountServiceAccountToken", True) if accounts else True


def _probe(probe: dict | None, ports: dict[str, int]) -> dict | None:
    if probe is None:
        return None
    resolved = {**PROBE_DEFAULTS, **{k: v for k, v in probe.items() if k != "httpGet"}}
    if "httpGet" in probe:
        port = probe["httpGet"]["port"]
        resolved["httpGet"] = {**probe["httpGet"], "port": ports.get(port, port)}
    return resolved


def differences(manifests: Any, chart: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    if isinstance(manifests, dict) and isinstance(chart, dict):
        found = []
        for key in sorted(set(manifests) | set(chart), key=str):
            found += differences(manifests.get(key), chart.get(key), f"{path}.{key}" if path else str(key))
        return found
    if manifests in (None, {}, []) and chart in (None, {}, []):
        return []
    return [] if manifests == chart else [(path, manifests, chart)]


def compare(loaded: LoadedEnvironment, chart_dir: Path, helm: str) -> dict[str, list[Difference]]:
    """Each mesh component's runtime differences; `refused` names the charts check that keeps
    meshc from rendering the component this way (docs/chart-behaviour.md)."""
    manifests_objects = [m.obj for m in build([in_mode(loaded, "manifests")])[0].manifests]
    as_releases = build([in_mode(loaded, "helmrelease")])[0]
    refusals = [f for f in charts.check(Scope(as_releases)) if f.severity == "error"]
    helm_objects = [m.obj for m in as_releases.manifests]
    result = {}
    for release in find(helm_objects, "HelmRelease"):
        if release["spec"].get("chartRef", {}).get("name") not in ("mcp-mesh-registry", "mcp-mesh-agent"):
            continue
        rendered = helm_template(helm, chart_dir, release)
        (chart_deployment,) = find(rendered, "Deployment")
        name = component(release)
        (ours,) = [d for d in find(manifests_objects, "Deployment") if component(d) == name]
        refused = frozenset(f.check for f in refusals if f.component == name)
        result[name] = [
            Difference(name.split("/")[0], path, ours_value, chart_value, refused)
            for path, ours_value, chart_value in differences(
                runtime_view(manifests_objects, ours), runtime_view(rendered, chart_deployment))
        ]
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chart_dir", type=Path, help="folder holding mcp-mesh-registry/ and mcp-mesh-agent/")
    parser.add_argument("--helm", required=True, help="the helm binary")
    parser.add_argument("--env", action="append", default=[], help="an environment (default: all)")
    args = parser.parse_args(argv)
    try:
        names = args.env or environment_names(ROOT / "environments")
        loaded = [load_environment(ROOT / "environments" / f"{name}.yaml", root=ROOT) for name in names]
    except InputError as error:
        print(error, file=sys.stderr)
        return 2
    grouped: dict[tuple[str, str, str, str, str], list[str]] = {}  # (kind, field, ours, chart, why) -> where
    compared: dict[str, int] = {}  # kind -> components compared
    total = unexplained = 0
    for environment in loaded:
        try:
            compared_environment = compare(environment, args.chart_dir, args.helm)
        except (RuntimeError, OSError) as error:
            print(f"{environment.name}: {error}", file=sys.stderr)
            return 2
        for name, found in compared_environment.items():
            kind = name.split("/")[0]
            compared[kind] = compared.get(kind, 0) + 1
            open_ones = [d for d in found if explanation(d) is None]
            print(f"{environment.name} {name}: {len(found)} runtime difference{'s' * (len(found) != 1)}, "
                  f"{len(open_ones)} unexplained")
            for difference in found:
                why = explanation(difference) or "UNEXPLAINED"
                key = (kind, difference.field, _show(difference.manifests), _show(difference.chart), why)
                grouped.setdefault(key, []).append(f"{environment.name} {name}")
            total += len(found)
            unexplained += len(open_ones)
    for title, wanted in (("Explained", True), ("Unexplained", False)):
        rows = sorted(item for item in grouped.items() if (item[0][4] != "UNEXPLAINED") == wanted)
        print(f"\n{title} ({len(rows)} distinct):")
        for (kind, path, ours, chart, why), where in rows:
            place = f"all {len(where)} {kind} components compared" if len(where) == compared[kind] else ", ".join(where)
            print(f"{kind} {path}\n  manifests: {ours}\n  chart:     {chart}\n  in: {place}")
            if wanted:
                print(f"  why: {why}")
    print(f"\n{total} runtime differences ({len(grouped)} distinct), {total - unexplained} explained, "
          f"{unexplained} unexplained; {len(EXPLAINED)} explanations in tools/chart_parity_explained.py")
    return 1 if unexplained else 0


def _show(value: Any) -> str:
    return "(absent)" if value is None else yaml.safe_dump(value, default_flow_style=True, width=1000).strip().removesuffix("\n...")


if __name__ == "__main__":
    sys.exit(main())
