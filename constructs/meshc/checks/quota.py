"""Quota proof: does the environment's worst case fit in its ResourceQuota?

Worst case: every workload at its maximum replicas (the HPA maximum when it
has one) plus the pods a rolling update surges (Recreate surges none), each
pod's effective request computed as Kubernetes does: the larger of (sum of
containers + sidecars) and (largest init container + sidecars started before
it). A mesh HelmRelease counts every container its chart adds, such as the
registry chart's resource-less wait-for-db init container. Object counts
(services, PVCs, ConfigMaps, Secrets, count/*) and PVC storage are summed from
the built objects. An exceeded hard limit is an error
that names the overage and the biggest contributors; each of those
contributors also gets a finding at its own key.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from meshc.build import Manifest
from meshc.checks.pods import MESH_COMPONENTS, PodRunner, pod_runners
from meshc.checks.report import Finding, KeyPath, Scope, dotted
from meshc.kube import QuantityError, format_quantity, parse_quantity, split_api_version, subject_of
from meshc.origin import Setting

TOP_CONTRIBUTORS = 3
COMPUTE = ("cpu", "memory", "ephemeral-storage")
# Every namespace holds this ConfigMap (the root CA publisher writes it), and it counts.
ROOT_CA_CONFIG_MAP = "kube-root-ca.crt"


@dataclass(frozen=True)
class Contribution:
    component: str
    key: KeyPath  # () when no environment key sets it
    amount: Decimal
    detail: str  # how the amount comes about, e.g. "HPA max 10 + 1 surge = 11 pods x 50m"


@dataclass(frozen=True)
class Missing:
    """A container the quota would reject: it sets neither a request nor a limit for a quota'd resource."""

    workload: PodRunner
    container: str
    key: KeyPath
    fix: str  # what the user can change to get it admitted


def check(scope: Scope) -> list[Finding]:
    manifests = scope.built.manifests
    findings: list[Finding] = []
    loads = pod_runners(manifests)
    for quota in (m for m in manifests if m.kind == "ResourceQuota"):
        spec = quota.obj.get("spec") or {}
        if spec.get("scopes") or spec.get("scopeSelector"):
            continue  # a scoped quota counts only some pods; meshc never writes one
        local = [w for w in loads if w.namespace == quota.namespace]
        objects = [m for m in manifests if m.namespace == quota.namespace]
        findings += _unaccounted(scope, quota, manifests)
        quota_key = quota.origin.key_of(Setting.QUOTA_HARD)
        blamed: dict[tuple[str, KeyPath], list[str]] = {}
        for resource, hard in sorted((spec.get("hard") or {}).items()):
            demand = _demand(resource, local, objects)
            if demand is None:
                continue
            contributions, missing = demand
            findings += _missing(scope, (*quota_key, resource), missing)
            try:
                limit = parse_quantity(hard)
            except QuantityError:
                continue  # the schema check reports it
            total = sum((c.amount for c in contributions), Decimal(0))
            if total <= limit:
                continue
            top = _top(contributions)
            findings.append(_exceeded(scope, quota, (*quota_key, resource), total, limit, top))
            for c in top:
                blamed.setdefault((c.component, c.key), []).append(
                    f"{format_quantity(c.amount, resource)} of the {format_quantity(total, resource)} {resource} "
                    f"({c.detail}) where {dotted((*quota_key, resource))} allows {format_quantity(limit, resource)}"
                )
        for (component, key), parts in sorted(blamed.items()):
            findings.append(scope.finding(
                "error", "quota.contributor", component, key,
                f"a biggest contributor to the exceeded ResourceQuota: {'; '.join(parts)}",
                f"lower {dotted(key)} or this component's resources, or raise {dotted(quota_key)}",
            ))
    return findings


def _top(contributions: list[Contribution]) -> list[Contribution]:
    merged: dict[tuple[str, KeyPath], Contribution] = {}
    for c in contributions:
        if not c.key or c.amount <= 0:
            continue
        known = merged.get((c.component, c.key))
        merged[(c.component, c.key)] = c if known is None else Contribution(
            c.component, c.key, known.amount + c.amount, f"{known.detail}; {c.detail}"
        )
    return sorted(merged.values(), key=lambda c: (-c.amount, c.component, c.key))[:TOP_CONTRIBUTORS]


def _exceeded(scope: Scope, quota: Manifest, key: KeyPath, total: Decimal, limit: Decimal, top) -> Finding:
    resource = str(key[-1])

    def fmt(amount: Decimal) -> str:
        return format_quantity(amount, resource)

    biggest = ", ".join(f"{c.component} {fmt(c.amount)} ({c.detail})" for c in top) or "none"
    return scope.finding(
        "error", "quota.exceeded", quota.component, key,
        f"the worst case needs {fmt(total)} {resource} but the quota allows {fmt(limit)}: {fmt(total - limit)} over; "
        f"biggest contributors: {biggest}",
        f"raise {dotted(key)} to at least {fmt(total)}, or lower the biggest contributors "
        "(replicas, autoscaling.maxReplicas, resources)",
    )


def _missing(scope: Scope, quota_key: KeyPath, missing: list[Missing]) -> list[Finding]:
    kind, name = _compute(str(quota_key[-1])) or ("requests", str(quota_key[-1]))
    return [
        scope.finding(
            "error", "quota.missing-request", item.workload.manifest.component, item.key,
            f"{dotted(quota_key)} makes Kubernetes reject pods whose containers set no {name} {kind}, "
            f"and container {item.container} of {subject_of(item.workload.manifest.obj)} sets none",
            item.fix,
        )
        for item in missing
    ]


def _unaccounted(scope: Scope, quota: Manifest, manifests: tuple[Manifest, ...]) -> list[Finding]:
    findings = []
    for m in manifests:
        if m.kind != "HelmRelease" or m.component.startswith(MESH_COMPONENTS):
            continue  # mesh releases are counted from their values
        if ((m.obj.get("spec") or {}).get("targetNamespace") or m.namespace) != quota.namespace:
            continue
        findings.append(scope.finding(
            "warning", "quota.unaccounted", m.component, m.origin.key,
            f"the pods of {subject_of(m.obj)} count against ResourceQuota {quota.name} but are not in the "
            "quota proof: meshc does not render the chart",
            f"leave headroom in {dotted(quota.origin.key_of(Setting.QUOTA_HARD))} for this release, and make "
            "sure its chart sets requests and limits for every resource the quota limits, or Kubernetes "
            "rejects its pods",
        ))
    return findings


# --- demand per quota resource ------------------------------------------------------


def _compute(resource: str) -> tuple[str, str] | None:
    """("requests", "cpu") for requests.cpu and cpu; ("limits", "memory") for limits.memory."""
    if resource in COMPUTE:
        return "requests", resource
    for kind in ("requests", "limits"):
        if resource.startswith(f"{kind}.") and resource != "requests.storage":
            return kind, resource[len(kind) + 1:]
    return None


def _demand(resource: str, local: list[PodRunner], objects: list[Manifest]) -> tuple[list[Contribution], list[Missing]] | None:
    compute = _compute(resource)
    if compute is not None:
        return _compute_demand(*compute, local)
    if resource in ("pods", "count/pods"):
        return [Contribution(w.manifest.component, w.replicas_key, Decimal(w.pods), w.describe()) for w in local], []
    counted = _counted_objects(resource, local, objects)
    return (counted, []) if counted is not None else None


def _compute_demand(kind: str, name: str, local: list[PodRunner]) -> tuple[list[Contribution], list[Missing]]:
    contributions, missing = [], []
    for workload in local:
        per_pod, lacking = pod_amount(workload.pod_spec, kind, name)
        missing += [_missing_item(workload, container, kind, name) for container in lacking]
        contributions.append(Contribution(
            workload.manifest.component, workload.replicas_key, per_pod * workload.pods,
            f"{workload.describe()} x {format_quantity(per_pod, name)}",
        ))
    return contributions, missing


def _missing_item(workload: PodRunner, container: str, kind: str, name: str) -> Missing:
    if container in workload.fixed_by_chart:
        quota = f"{kind}.{name}"
        render = workload.key_of(Setting.RENDER)
        return Missing(
            workload, container, render,
            f"the chart offers no key for the resources of {container}: render {dotted(workload.key)} as manifests "
            f"({dotted(render)}: manifests), or take {quota} out of resourceQuota.hard",
        )
    key = (*workload.key_of(Setting.RESOURCES), kind, name)
    return Missing(workload, container, key, f"set {dotted(key)}")


def pod_amount(pod_spec: dict, kind: str, name: str) -> tuple[Decimal, list[str]]:
    """A pod's effective request (or limit) of one resource, and the containers that set none.

    As Kubernetes computes it: max(sum(containers) + sum(sidecars), max over init
    containers of (init + sidecars started before it)); a missing request
    defaults to the limit.
    """
    lacking: list[str] = []

    def amount(container: dict) -> Decimal:
        resources = container.get("resources") or {}
        value = (resources.get(kind) or {}).get(name)
        if value is None and kind == "requests":
            value = (resources.get("limits") or {}).get(name)
        if value is None:
            lacking.append(container.get("name", "?"))
            return Decimal(0)
        try:
            return parse_quantity(value)
        except QuantityError:
            return Decimal(0)  # the schema check reports it

    sidecars = init_peak = Decimal(0)
    for container in pod_spec.get("initContainers") or []:
        value = amount(container)
        if container.get("restartPolicy") == "Always":
            sidecars += value
        else:
            init_peak = max(init_peak, value + sidecars)
    regular = sum((amount(c) for c in pod_spec.get("containers") or []), Decimal(0))
    return max(regular + sidecars, init_peak), lacking


def plural(kind: str) -> str:
    """The resource name of a kind, as count/<resource> quotas spell it."""
    lower = kind.lower()
    if lower.endswith("s"):
        return lower + "es"
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + "s"


def _counted_objects(resource: str, local: list[PodRunner], objects: list[Manifest]) -> list[Contribution] | None:
    def each(manifests, key_of=lambda origin: origin.key) -> list[Contribution]:
        return [Contribution(m.component, key_of(m.origin), Decimal(1), f"{m.kind} {m.name}") for m in manifests]

    services = [m for m in objects if m.kind == "Service"]
    claims = [m for m in objects if m.kind == "PersistentVolumeClaim"]
    if resource in ("services", "count/services"):
        return each(services)
    if resource == "services.loadbalancers":
        return each([m for m in services if (m.obj.get("spec") or {}).get("type") == "LoadBalancer"])
    if resource == "services.nodeports":
        return [
            Contribution(m.component, m.origin.key, Decimal(len((m.obj.get("spec") or {}).get("ports") or [])), f"Service {m.name}")
            for m in services
            if (m.obj.get("spec") or {}).get("type") in ("NodePort", "LoadBalancer")
        ]
    if resource in ("persistentvolumeclaims", "count/persistentvolumeclaims"):
        return each(claims, lambda origin: (*origin.key_of(Setting.PERSISTENCE), "enabled")) + _template_claims(local, count=True)
    if resource == "requests.storage":
        return [
            Contribution(m.component, (*m.origin.key_of(Setting.PERSISTENCE), "size"), _storage(m.obj.get("spec") or {}), f"PersistentVolumeClaim {m.name}")
            for m in claims
        ] + _template_claims(local, count=False)
    if resource in ("configmaps", "count/configmaps"):
        own = each([m for m in objects if m.kind == "ConfigMap" and m.name != ROOT_CA_CONFIG_MAP])
        return [*own, Contribution("platform", (), Decimal(1), f"ConfigMap {ROOT_CA_CONFIG_MAP} (every namespace has it)")]
    if resource in ("secrets", "count/secrets"):
        return _secrets(local, objects)
    if resource.startswith("count/"):
        name, _, group = resource[len("count/"):].partition(".")
        return each([m for m in objects if plural(m.kind) == name and split_api_version(m.obj.get("apiVersion", ""))[0] == group])
    return None


def _storage(spec: dict) -> Decimal:
    value = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    try:
        return parse_quantity(value) if value is not None else Decimal(0)
    except QuantityError:
        return Decimal(0)


def _template_claims(local: list[PodRunner], *, count: bool) -> list[Contribution]:
    found = []
    for workload in local:
        for template in (workload.manifest.obj.get("spec") or {}).get("volumeClaimTemplates") or []:
            amount = Decimal(1) if count else _storage(template.get("spec") or {})
            found.append(Contribution(
                workload.manifest.component, workload.replicas_key, amount * workload.replicas,
                f"{workload.replicas} x volumeClaimTemplate {(template.get('metadata') or {}).get('name', '?')}",
            ))
    return found


def _secrets(local: list[PodRunner], objects: list[Manifest]) -> list[Contribution]:
    """Secrets written here, plus every Secret a pod references: it must exist, so it counts."""
    names: dict[str, Contribution] = {}
    for m in objects:
        if m.kind == "Secret":
            names.setdefault(m.name, Contribution(m.component, m.origin.key, Decimal(1), f"Secret {m.name}"))
    for workload in local:
        for name in sorted(_referenced_secrets(workload.pod_spec)):
            names.setdefault(name, Contribution(workload.manifest.component, workload.key, Decimal(1), f"Secret {name} (referenced)"))
        for pull in sorted(s.get("name") for s in workload.pod_spec.get("imagePullSecrets") or [] if s.get("name")):
            names.setdefault(pull, Contribution("platform", ("global", "imagePullSecrets"), Decimal(1), f"Secret {pull} (image pull)"))
    return [names[n] for n in sorted(names)]


def _referenced_secrets(pod_spec: dict) -> set[str]:
    found: set[str | None] = set()
    for container in [*(pod_spec.get("initContainers") or []), *(pod_spec.get("containers") or [])]:
        for entry in container.get("env") or []:
            ref = (entry.get("valueFrom") or {}).get("secretKeyRef")
            if ref:
                found.add(ref.get("name"))
        for source in container.get("envFrom") or []:
            if source.get("secretRef"):
                found.add(source["secretRef"].get("name"))
    for volume in pod_spec.get("volumes") or []:
        if volume.get("secret"):
            found.add(volume["secret"].get("secretName"))
        for projected in (volume.get("projected") or {}).get("sources") or []:
            if projected.get("secret"):
                found.add(projected["secret"].get("name"))
    return {name for name in found if name}
