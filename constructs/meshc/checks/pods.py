"""The pod-running objects of a build at their worst case, shared by the quota, workload and secrets checks.

Works on the built objects (Deployments, StatefulSets, ReplicaSets, bare Pods
and the HorizontalPodAutoscalers that scale them), so whatever a later
component adds is covered the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from meshc.build import Manifest
from meshc.checks.report import KeyPath
from meshc.origin import Setting

POD_TEMPLATE_KINDS = ("Deployment", "StatefulSet", "ReplicaSet")
DEFAULT_MAX_SURGE = "25%"


@dataclass(frozen=True)
class PodRunner:
    """One object that runs pods, and how many it may run at once."""

    manifest: Manifest
    pod_spec: dict
    pod_labels: dict
    replicas: int  # the HPA maximum when autoscaled, else spec.replicas
    surge: int  # extra pods a rolling update adds on top of `replicas`
    autoscaler: Manifest | None
    # A mesh HelmRelease: its chart renders the pods, so only the values meshc passes are known
    # (replicas, strategy, resources, and the containers the chart adds), not probes, ports or env.
    rendered_by_chart: bool = False
    # Containers the chart adds without resources and with no value key to give them any.
    fixed_by_chart: frozenset[str] = frozenset()

    @property
    def pods(self) -> int:
        return self.replicas + self.surge

    @property
    def namespace(self) -> str | None:
        return self.manifest.namespace

    @property
    def key(self) -> KeyPath:
        return self.manifest.origin.key

    def key_of(self, setting: Setting) -> KeyPath:
        return self.manifest.origin.key_of(setting)

    @property
    def replicas_key(self) -> KeyPath:
        """The environment key that sets the worst-case replica count."""
        if self.autoscaler is not None:
            return (*self.autoscaler.origin.key_of(Setting.AUTOSCALING), "maxReplicas")
        return self.key_of(Setting.REPLICAS)

    def containers(self, *, init: bool = True) -> list[dict]:
        regular = list(self.pod_spec.get("containers") or [])
        return [*(self.pod_spec.get("initContainers") or []), *regular] if init else regular

    def describe(self) -> str:
        pods = f"{self.pods} pod{'s' if self.pods != 1 else ''}"
        if self.autoscaler is None and not self.surge:
            return pods
        scaled = "HPA max " if self.autoscaler is not None else ""
        surge = f" + {self.surge} surge" if self.surge else ""
        return f"{scaled}{self.replicas}{surge} = {pods}"


def autoscalers(manifests: tuple[Manifest, ...]) -> dict[tuple[str | None, str, str], Manifest]:
    """HPAs by the (namespace, kind, name) of the object they scale."""
    found = {}
    for manifest in manifests:
        if manifest.kind == "HorizontalPodAutoscaler":
            target = (manifest.obj.get("spec") or {}).get("scaleTargetRef") or {}
            found[(manifest.namespace, target.get("kind", ""), target.get("name", ""))] = manifest
    return found


def pod_runners(manifests: tuple[Manifest, ...]) -> list[PodRunner]:
    scalers = autoscalers(manifests)
    result = []
    for manifest in manifests:
        spec = manifest.obj.get("spec") or {}
        if manifest.kind == "Pod":
            result.append(PodRunner(manifest, spec, manifest.obj["metadata"].get("labels") or {}, 1, 0, None))
            continue
        if manifest.kind == "HelmRelease" and manifest.component != "platform" and _is_mesh_release(manifest):
            result.append(_chart_workload(manifest))
            continue
        if manifest.kind not in POD_TEMPLATE_KINDS:
            continue
        template = spec.get("template") or {}
        scaler = scalers.get((manifest.namespace, manifest.kind, manifest.name))
        replicas = int(((scaler.obj.get("spec") or {}) if scaler else spec).get("maxReplicas" if scaler else "replicas", 1))
        surge = rolling_surge(spec, replicas) if manifest.kind == "Deployment" else 0
        labels = (template.get("metadata") or {}).get("labels") or {}
        result.append(PodRunner(manifest, template.get("spec") or {}, labels, replicas, surge, scaler))
    return result


MESH_COMPONENTS = ("registry", "agent/")
# The mcp-mesh-registry chart hard-codes this strategy; the agent chart takes `strategy` from values.
CHART_STRATEGY = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
# The mcp-mesh-registry chart (3.6) runs this init container whenever the database is not
# sqlite (`waitForDatabase: false` does not remove it), with no resources and no key to set them.
WAIT_FOR_DB = "wait-for-db"


def _is_mesh_release(manifest: Manifest) -> bool:
    return manifest.component.startswith(MESH_COMPONENTS)


def _chart_workload(manifest: Manifest) -> PodRunner:
    """The pods a mesh HelmRelease's chart will run, from the values meshc gives it."""
    values = (manifest.obj.get("spec") or {}).get("values") or {}
    scaling = values.get("autoscaling") or {}
    replicas = int(scaling.get("maxReplicas", 1) if scaling.get("enabled") else values.get("replicaCount", 1))
    surge = rolling_surge({"strategy": values.get("strategy") or CHART_STRATEGY}, replicas)
    container = {"name": manifest.obj["metadata"]["name"], "resources": values.get("resources") or {}}
    pod_spec: dict = {"containers": [container]}
    database = ((values.get("registry") or {}).get("database") or {}).get("type", "sqlite")
    waits_for_db = manifest.component == "registry" and database != "sqlite"
    if waits_for_db:
        pod_spec["initContainers"] = [{"name": WAIT_FOR_DB}]
    added = frozenset({WAIT_FOR_DB}) if waits_for_db else frozenset()
    return PodRunner(manifest, pod_spec, {}, replicas, surge, None, rendered_by_chart=True, fixed_by_chart=added)


def rolling_surge(deployment_spec: dict, replicas: int) -> int:
    """Pods a Deployment adds during a rollout: maxSurge (a percentage rounds up, as in Kubernetes),
    never more than the replicas themselves (the new ReplicaSet stops at `replicas`); Recreate adds none."""
    strategy = deployment_spec.get("strategy") or {}
    if strategy.get("type", "RollingUpdate") == "Recreate":
        return 0
    surge = (strategy.get("rollingUpdate") or {}).get("maxSurge", DEFAULT_MAX_SURGE)
    if isinstance(surge, str) and surge.endswith("%"):
        surge = math.ceil(replicas * int(surge[:-1]) / 100)
    return min(int(surge), replicas)
