"""Live objects -> report items: one line per object, ready or not, with the reason Kubernetes gives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from meshc.kube import QuantityError, format_subject, parse_quantity
from meshc.secret_refs import SecretReference
from meshc.status.reads import Live
from meshc.status.revision import DistRevision, applied_commit, contains
from meshc.status.targets import Targets, WorkloadTarget

# Waiting reasons that mean a container will not start without a change (kubelet's words).
STUCK_REASONS = frozenset({
    "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull",
    "CreateContainerConfigError", "CreateContainerError", "RunContainerError",
})


@dataclass(frozen=True)
class Item:
    """One object's state. `state` is short (`Ready`, `2/2 available`); `detail` says why."""

    group: str
    kind: str
    namespace: str
    name: str
    ready: bool
    state: str
    detail: str = ""

    @property
    def subject(self) -> str:
        return format_subject(self.kind, self.namespace, self.name)


def assess(targets: Targets, live: Live, revision: DistRevision, root: Path) -> list[Item]:
    items: list[Item] = []
    for name in targets.kustomizations:
        items.append(_kustomization(targets.flux_namespace, name, live, revision, root))
    for group, name in targets.helm_releases:
        items.append(_helm_release(group, targets.namespace, name, live))
    if targets.quota:
        items.append(_quota(targets.namespace, targets.quota, live))
    for group, reference in targets.secrets:
        items.append(_secret(group, reference, live.secret_keys[(reference.namespace, reference.name)]))
    for workload in targets.workloads:
        items.extend(_workload(workload, targets.namespace, live))
    return items


def _missing(group: str, kind: str, namespace: str, name: str, live: Live) -> Item:
    served = live.objects.get(kind) is not None
    detail = "not found" if served else f"the cluster does not serve {kind} (its CRD is not installed)"
    return Item(group, kind, namespace, name, False, "missing", detail)


def _condition(obj: dict, kind: str) -> dict | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == kind), None)


def _ready_condition(obj: dict) -> tuple[bool, str, str]:
    """(ready, state, detail) from the Ready condition and observedGeneration, as Flux reports them."""
    ready = _condition(obj, "Ready")
    generation = obj["metadata"].get("generation")
    observed = (obj.get("status") or {}).get("observedGeneration")
    if ready is None:
        return False, "NotReconciled", "no Ready condition yet: the controller has not reconciled it"
    detail = f"{ready.get('reason', '')}: {ready.get('message', '')}".strip(": ")
    if ready.get("status") != "True":
        return False, "NotReady" if ready.get("status") == "False" else "Reconciling", detail
    if generation is not None and observed is not None and observed < generation:
        return False, "Reconciling", f"generation {generation} not reconciled yet (last reconciled {observed})"
    return True, "Ready", detail


def _kustomization(namespace: str, name: str, live: Live, revision: DistRevision, root: Path) -> Item:
    obj = live.named("Kustomization", name)
    if obj is None:
        return _missing("delivery", "Kustomization", namespace, name, live)
    ready, state, detail = _ready_condition(obj)
    applied = (obj.get("status") or {}).get("lastAppliedRevision") or ""
    if ready and revision.commit is not None:
        commit = applied_commit(applied)
        holds = contains(root, commit, revision.commit) if commit else False
        if holds is False:
            return Item("delivery", "Kustomization", namespace, name, False, "NotApplied",
                        f"applied {applied or 'nothing yet'}; {revision.folder} last changed in {revision.commit[:12]}")
        if holds is None:
            detail = f"applied {applied}, a commit not in the local repository (git fetch to compare)"
        else:
            detail = f"applied {applied}"
    return Item("delivery", "Kustomization", namespace, name, ready, state, detail)


def _helm_release(group: str, namespace: str, name: str, live: Live) -> Item:
    obj = live.named("HelmRelease", name)
    if obj is None:
        return _missing(group, "HelmRelease", namespace, name, live)
    ready, state, detail = _ready_condition(obj)
    for kind in ("Remediated", "Stalled"):
        condition = _condition(obj, kind)
        failed = condition and ((kind == "Remediated" and condition.get("status") == "False")
                                or (kind == "Stalled" and condition.get("status") == "True"))
        if failed:
            ready = False
            detail += f"; {kind} {condition.get('reason', '')}: {condition.get('message', '')}"
    history = (obj.get("status") or {}).get("history") or []
    if history and history[0].get("chartVersion"):
        state += f" (chart {history[0]['chartVersion']})"
    return Item(group, "HelmRelease", namespace, name, ready, state, detail)


def _quota(namespace: str, name: str, live: Live) -> Item:
    obj = live.named("ResourceQuota", name)
    if obj is None:
        return _missing("platform", "ResourceQuota", namespace, name, live)
    status = obj.get("status") or {}
    hard, used = status.get("hard") or {}, status.get("used") or {}
    shares = []
    for resource, limit in sorted(hard.items()):
        try:
            amount, cap = parse_quantity(used.get(resource, "0")), parse_quantity(limit)
        except QuantityError:
            continue
        shares.append((amount / cap if cap else 1, resource, used.get(resource, "0"), limit))
    if not shares:
        return Item("platform", "ResourceQuota", namespace, name, False, "NoUsage", "the quota controller has not counted usage yet")
    exhausted = [f"{resource} {amount}/{cap}" for share, resource, amount, cap in shares if share >= 1]
    share, resource, amount, cap = max(shares)
    if exhausted:
        return Item("platform", "ResourceQuota", namespace, name, False, "Exhausted",
                    f"{', '.join(exhausted)}: the next object that needs it is refused")
    return Item("platform", "ResourceQuota", namespace, name, True, f"{share:.0%} used",
                f"nearest limit {resource}: {amount} of {cap}")


def _secret(group: str, reference: SecretReference, keys: frozenset[str] | None) -> Item:
    used_by = f"for {', '.join(reference.used_by)}"
    if keys is None and reference.optional:
        return Item(group, "Secret", reference.namespace, reference.name, True, "absent (optional)",
                    f"every reference to it is optional {used_by}")
    if keys is None:
        needs = f"needs keys {', '.join(reference.keys)}" if reference.keys else "needs to exist"
        return Item(group, "Secret", reference.namespace, reference.name, False, "missing", f"{needs} {used_by}")
    absent = [key for key in reference.keys if key not in keys]
    if absent:
        return Item(group, "Secret", reference.namespace, reference.name, False, "MissingKeys",
                    f"no key {', '.join(absent)} {used_by}")
    present = f"keys {', '.join(reference.keys)}" if reference.keys else "present"
    return Item(group, "Secret", reference.namespace, reference.name, True, "present", f"{present} {used_by}")


def _workload(target: WorkloadTarget, namespace: str, live: Live) -> list[Item]:
    group, name = target.group, target.name
    deployment = live.named("Deployment", name)
    items = [_deployment(group, namespace, deployment, live) if deployment else _missing(group, "Deployment", namespace, name, live)]
    if deployment:
        items += _stuck_pods(group, namespace, deployment, live)
    if target.autoscaled:
        items.append(_autoscaler(group, namespace, name, live))
    if target.disruption_budget:
        items.append(_disruption_budget(group, namespace, name, live))
    return items


def _deployment(group: str, namespace: str, obj: dict, live: Live) -> Item:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    desired = spec.get("replicas", 1)
    available, updated = status.get("availableReplicas", 0), status.get("updatedReplicas", 0)
    state = f"{available}/{desired} available, {updated}/{desired} updated"
    current = status.get("observedGeneration", 0) >= obj["metadata"].get("generation", 0)
    ready = available >= desired and updated >= desired and current
    progressing = _condition(obj, "Progressing")
    detail = ""
    if not current:
        detail = "the controller has not seen the latest change yet"
    elif not ready and progressing:
        detail = f"{progressing.get('reason', '')}: {progressing.get('message', '')}".strip(": ")
    return Item(group, "Deployment", namespace, obj["metadata"]["name"], ready, state, detail)


def _stuck_pods(group: str, namespace: str, deployment: dict, live: Live) -> list[Item]:
    selector = ((deployment.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    items = []
    for pod in live.objects.get("Pod") or []:
        labels = pod["metadata"].get("labels") or {}
        if not selector or any(labels.get(key) != value for key, value in selector.items()):
            continue
        status = pod.get("status") or {}
        for container in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
            waiting = (container.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in STUCK_REASONS:
                items.append(Item(group, "Pod", namespace, pod["metadata"]["name"], False, waiting["reason"],
                                  _stuck_detail(container, waiting)))
    return items


def _stuck_detail(container: dict, waiting: dict) -> str:
    parts = [f"container {container.get('name')}"]
    if waiting.get("message"):
        parts.append(waiting["message"])
    terminated = (container.get("lastState") or {}).get("terminated") or {}
    if terminated:
        parts.append(f"last exit {terminated.get('exitCode')} ({terminated.get('reason', 'Error')})")
    if container.get("restartCount"):
        parts.append(f"{container['restartCount']} restarts")
    return "; ".join(parts)


def _autoscaler(group: str, namespace: str, name: str, live: Live) -> Item:
    obj = live.named("HorizontalPodAutoscaler", name)
    if obj is None:
        return _missing(group, "HorizontalPodAutoscaler", namespace, name, live)
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    low, high, current = spec.get("minReplicas", 1), spec.get("maxReplicas"), status.get("currentReplicas", 0)
    state = f"{current} current (min {low}, max {high})"
    active = _condition(obj, "ScalingActive")
    if active and active.get("status") == "False":
        return Item(group, "HorizontalPodAutoscaler", namespace, name, False, state,
                    f"ScalingActive {active.get('reason', '')}: {active.get('message', '')}")
    detail = "at its maximum: it cannot add pods under more load" if high is not None and current >= high else ""
    return Item(group, "HorizontalPodAutoscaler", namespace, name, True, state, detail)


def _disruption_budget(group: str, namespace: str, name: str, live: Live) -> Item:
    obj = live.named("PodDisruptionBudget", name)
    if obj is None:
        return _missing(group, "PodDisruptionBudget", namespace, name, live)
    allowed = (obj.get("status") or {}).get("disruptionsAllowed", 0)
    detail = "" if allowed else "node drains wait until more pods are healthy"
    return Item(group, "PodDisruptionBudget", namespace, name, True, f"{allowed} disruption(s) allowed", detail)
