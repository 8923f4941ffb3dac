"""Workload sanity: what the API server or the running mesh would trip over.

- requests are at most limits, in every container;
- an HPA's minimum is at most its maximum, and it scales an object of the
  environment; an HPA on CPU utilization needs cpu requests;
- the container port, the Service targetPort and the advertised
  MCP_MESH_HTTP_PORT agree;
- every container has liveness and readiness probes, on a port it exposes;
- a sqlite registry never runs more than one pod.
"""

from __future__ import annotations

from collections.abc import Iterable

from meshc.build import Manifest
from meshc.checks.pods import PodRunner, autoscalers, pod_runners
from meshc.checks.report import Finding, Scope, dotted
from meshc.kube import QuantityError, format_quantity, parse_quantity, subject_of
from meshc.origin import Setting

ADVERTISED_PORT = "MCP_MESH_HTTP_PORT"
ADVERTISED_HOST = "MCP_MESH_HTTP_HOST"
POSTGRES_SCHEMES = ("postgres://", "postgresql://")


def check(scope: Scope) -> list[Finding]:
    manifests = scope.built.manifests
    every = pod_runners(manifests)
    findings: list[Finding] = []
    for workload in every:
        findings += _requests_within_limits(scope, workload)
    # Probes, ports and env of a chart-rendered workload are the chart's, not in meshc's output.
    loads = [w for w in every if not w.rendered_by_chart]
    config_maps = {(m.namespace, m.name): m.obj for m in manifests if m.kind == "ConfigMap"}
    services = {(m.namespace, m.name): m for m in manifests if m.kind == "Service"}
    for workload in loads:
        findings += _probes(scope, workload)
        findings += _advertised_port(scope, workload, config_maps, services)
    findings += _autoscalers(scope, manifests, loads)
    findings += _services(scope, [m for m in manifests if m.kind == "Service"], PodIndex(loads))
    findings += _sqlite(scope, loads)
    return findings


def _requests_within_limits(scope: Scope, workload: PodRunner) -> list[Finding]:
    findings = []
    for container in workload.containers():
        resources = container.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        for name in sorted(set(requests) & set(limits)):
            try:
                request, limit = parse_quantity(requests[name]), parse_quantity(limits[name])
            except QuantityError:
                continue  # the schema check reports it
            if request > limit:
                key = (*workload.key_of(Setting.RESOURCES), "requests", name)
                findings.append(scope.finding(
                    "error", "workload.requests-exceed-limits", workload.manifest.component, key,
                    f"requests {format_quantity(request, name)} {name} but its limit is {format_quantity(limit, name)} "
                    f"(container {container.get('name')}); Kubernetes rejects the pod",
                    f"lower {dotted(key)} to at most {format_quantity(limit, name)}, "
                    f"or raise {dotted((*workload.key_of(Setting.RESOURCES), 'limits', name))}",
                ))
    return findings


def _probes(scope: Scope, workload: PodRunner) -> list[Finding]:
    findings = []
    for container in workload.containers(init=False):
        ports = container.get("ports") or []
        named = {p.get("name") for p in ports if p.get("name")}
        numbers = {p.get("containerPort") for p in ports}
        for probe in ("livenessProbe", "readinessProbe"):
            spec = container.get(probe)
            if not spec:
                findings.append(scope.finding(
                    "error", "workload.probe-missing", workload.manifest.component, workload.key,
                    f"container {container.get('name')} of {subject_of(workload.manifest.obj)} has no {probe}",
                    "give every container liveness and readiness probes (meshc's own components always have them)",
                ))
                continue
            action = spec.get("httpGet") or spec.get("tcpSocket") or spec.get("grpc") or {}
            port = action.get("port")
            if port is None or port in (named if isinstance(port, str) else numbers):
                continue
            findings.append(scope.finding(
                "error", "workload.probe-port", workload.manifest.component, workload.key_of(Setting.PORT),
                f"the {probe} of container {container.get('name')} uses port {port!r}, which the container does not expose",
                f"probe one of the container's ports ({', '.join(map(str, sorted(named) or sorted(numbers))) or 'none'})",
            ))
    return findings


def effective_env(
    container: dict, namespace: str | None, config_maps: dict[tuple[str | None, str], dict]
) -> dict[str, tuple[str | None, str]]:
    """What the container sees: name -> (literal value or None, "configMap" or "env"); env wins over envFrom.

    config_maps: the environment's ConfigMaps by (namespace, name)."""
    env: dict[str, tuple[str | None, str]] = {}
    for source in container.get("envFrom") or []:
        ref = source.get("configMapRef")
        if ref:
            prefix = source.get("prefix", "")
            for key, value in ((config_maps.get((namespace, ref.get("name"))) or {}).get("data") or {}).items():
                env[prefix + key] = (value, "configMap")
    for entry in container.get("env") or []:
        env[entry.get("name")] = (entry.get("value"), "env")
    return env


def _advertised_port(
    scope: Scope,
    workload: PodRunner,
    config_maps: dict[tuple[str | None, str], dict],
    services: dict[tuple[str | None, str], Manifest],
) -> list[Finding]:
    namespace = workload.namespace
    findings = []
    component = workload.manifest.component
    for container in workload.containers(init=False):
        env = effective_env(container, namespace, config_maps)
        value, origin = env.get(ADVERTISED_PORT, (None, ""))
        if value is None:
            continue
        key = (*workload.key_of(Setting.ENV), ADVERTISED_PORT) if origin == "env" else workload.key_of(Setting.PORT)
        fix = (
            f"remove {ADVERTISED_PORT} from {dotted(workload.key_of(Setting.ENV))}; meshc sets it from "
            f"{dotted(workload.key_of(Setting.PORT))}"
            if origin == "env"
            else f"set the port once, in {dotted(workload.key_of(Setting.PORT))}"
        )
        ports = {p.get("containerPort") for p in container.get("ports") or []}
        advertised = int(value) if value.isdigit() else None
        if advertised is None or advertised not in ports:
            listening = ", ".join(str(p) for p in sorted(ports)) or "no port"
            findings.append(scope.finding(
                "error", "workload.port-mismatch", component, key,
                f"advertises {ADVERTISED_PORT}={value} but container {container.get('name')} listens on {listening}; "
                "other agents would call a port nobody serves",
                fix,
            ))
            continue
        host = env.get(ADVERTISED_HOST, (None, ""))[0]
        service = services.get((namespace, host.split(".")[0])) if host else None
        if service is not None and advertised not in [p.get("port") for p in (service.obj.get("spec") or {}).get("ports") or []]:
            findings.append(scope.finding(
                "error", "workload.port-mismatch", component, key,
                f"advertises {host}:{advertised} but {subject_of(service.obj)} does not serve port {advertised}",
                fix,
            ))
    return findings


def _autoscalers(scope: Scope, manifests: tuple[Manifest, ...], loads: list[PodRunner]) -> list[Finding]:
    findings = []
    targets = {(m.namespace, m.kind, m.name) for m in manifests}
    for target, hpa in sorted(autoscalers(manifests).items(), key=lambda item: item[1].name):
        spec = hpa.obj.get("spec") or {}
        key = hpa.origin.key_of(Setting.AUTOSCALING)
        low, high = spec.get("minReplicas", 1), spec.get("maxReplicas", 1)
        if low > high:
            findings.append(scope.finding(
                "error", "workload.hpa-range", hpa.component, (*key, "minReplicas"),
                f"the autoscaler's minimum ({low}) is above its maximum ({high}); Kubernetes rejects the HPA",
                f"set {dotted((*key, 'minReplicas'))} to at most {high}, "
                f"or raise {dotted((*key, 'maxReplicas'))}",
            ))
        if target not in targets:
            findings.append(scope.finding(
                "error", "workload.hpa-target", hpa.component, key,
                f"{subject_of(hpa.obj)} scales {target[1]}/{target[2]}, which this environment does not have",
                "point the autoscaler at a workload of the environment (meshc's own components always do: report it)",
            ))
    for workload in loads:
        hpa = workload.autoscaler
        if hpa is None or not _scales_on_cpu_utilization(hpa.obj):
            continue
        for container in workload.containers(init=False):
            resources = container.get("resources") or {}
            if "cpu" in (resources.get("requests") or {}) or "cpu" in (resources.get("limits") or {}):
                continue
            key = (*workload.key_of(Setting.RESOURCES), "requests", "cpu")
            findings.append(scope.finding(
                "warning", "workload.hpa-no-request", workload.manifest.component, key,
                f"autoscales on CPU utilization but container {container.get('name')} requests no cpu, "
                "so the HPA cannot compute a utilization and never scales",
                f"set {dotted(key)}",
            ))
    return findings


def _scales_on_cpu_utilization(hpa: dict) -> bool:
    for metric in (hpa.get("spec") or {}).get("metrics") or []:
        resource = metric.get("resource") or {}
        if resource.get("name") == "cpu" and (resource.get("target") or {}).get("type") == "Utilization":
            return True
    return False


class PodIndex:
    """Workloads by (namespace, pod label, value): a selector is matched against the few
    workloads that carry its rarest label, so matching every Service stays linear."""

    def __init__(self, loads: list[PodRunner]):
        self.by_label: dict[tuple[str | None, str, str], list[PodRunner]] = {}
        for workload in loads:
            for label in workload.pod_labels.items():
                self.by_label.setdefault((workload.namespace, *label), []).append(workload)

    def selected(self, namespace: str | None, selector: dict[str, str]) -> list[PodRunner]:
        candidates = min((self.by_label.get((namespace, *label), []) for label in selector.items()), key=len)
        return [w for w in candidates if all(w.pod_labels.get(k) == v for k, v in selector.items())]


def _services(scope: Scope, services: Iterable[Manifest], pods: PodIndex) -> list[Finding]:
    findings = []
    for service in services:
        spec = service.obj.get("spec") or {}
        selector = spec.get("selector")
        if not selector or spec.get("type") == "ExternalName":
            continue
        selected = pods.selected(service.namespace, selector)
        if not selected:
            findings.append(scope.finding(
                "warning", "workload.service-unmatched", service.component, service.origin.key,
                f"{subject_of(service.obj)} selects no pods of this environment",
                "make the Service selector match the pod labels of a workload of the environment",
            ))
            continue
        for port in spec.get("ports") or []:
            target = port.get("targetPort", port.get("port"))
            for workload in selected:
                exposed = [p for c in workload.containers(init=False) for p in c.get("ports") or []]
                names = {p.get("name") for p in exposed if p.get("name")}
                numbers = {p.get("containerPort") for p in exposed}
                if target in (names if isinstance(target, str) else numbers):
                    continue
                shown = ", ".join(sorted(str(p) for p in names | numbers)) or "nothing"
                findings.append(scope.finding(
                    "error", "workload.port-mismatch", service.component, service.origin.key_of(Setting.PORT),
                    f"{subject_of(service.obj)} sends port {port.get('port')} to targetPort {target!r}, which "
                    f"{subject_of(workload.manifest.obj)} does not expose (it exposes {shown})",
                    f"set the Service and container ports from one setting, {dotted(service.origin.key_of(Setting.PORT))}",
                ))
    return findings


def _sqlite(scope: Scope, loads: list[PodRunner]) -> list[Finding]:
    findings = []
    for workload in loads:
        if workload.manifest.component != "registry":
            continue
        for container in workload.containers(init=False):
            url = next((e.get("value") for e in container.get("env") or [] if e.get("name") == "DATABASE_URL"), None)
            if url is None or url.startswith(POSTGRES_SCHEMES):
                continue
            if workload.autoscaler is not None:
                key, why = (*workload.key_of(Setting.AUTOSCALING), "enabled"), "is autoscaled"
            elif workload.replicas > 1:
                key, why = workload.key_of(Setting.REPLICAS), f"runs {workload.replicas} replicas"
            else:
                continue
            findings.append(scope.finding(
                "error", "workload.sqlite-replicas", workload.manifest.component, key,
                f"the registry uses sqlite ({url}) and {why}; sqlite has one writer, so only one pod may run",
                f"set {dotted(workload.key_of(Setting.REPLICAS))} to 1 without autoscaling, or use database.type postgres",
            ))
    return findings
