"""What a real kube-apiserver and its controllers add to the objects it stores.

The values follow ../shared/reference/live-cluster.md §5(b) (k8s `pkg/apis/*/defaults.go`, the
registry strategies and the Flux CRD schemas). The server runs them on every write, dry-run included,
so every function fills only what is missing and can run any number of times.
"""

import hashlib
from datetime import datetime, timezone

from .merging import clone

_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_VOLUME_SOURCES_WITH_MODE = ("configMap", "secret", "projected", "downwardAPI")


def rfc3339_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def apply_defaults(obj: dict, minor: int = 33) -> None:
    """Fill in what the apiserver of version 1.<minor> would, for the kinds it knows."""
    defaulter = DEFAULTERS.get(obj.get("kind"))
    if defaulter:
        defaulter(obj)
    if obj.get("kind") == "Deployment" and minor < 33:
        # Older servers serialised the template's zero creationTimestamp as null (k/k PR 130989).
        obj["spec"]["template"].setdefault("metadata", {})["creationTimestamp"] = None


def default_deployment(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    strategy = spec.setdefault("strategy", {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        rolling.setdefault("maxSurge", "25%")
        rolling.setdefault("maxUnavailable", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    default_pod_spec(spec.setdefault("template", {}).setdefault("spec", {}))


def default_pod_spec(pod: dict) -> None:
    pod.setdefault("restartPolicy", "Always")
    pod.setdefault("dnsPolicy", "ClusterFirst")
    pod.setdefault("terminationGracePeriodSeconds", 30)
    pod.setdefault("schedulerName", "default-scheduler")
    pod.setdefault("securityContext", {})
    if "serviceAccountName" in pod:
        # The deprecated alias is still mirrored by the server.
        pod.setdefault("serviceAccount", pod["serviceAccountName"])
    for container in (pod.get("initContainers") or []) + (pod.get("containers") or []):
        default_container(container)
    for volume in pod.get("volumes") or []:
        default_volume(volume)


def default_container(container: dict) -> None:
    container.setdefault("imagePullPolicy", _pull_policy(container.get("image", "")))
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    container.setdefault("resources", {})
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")
    for name in _PROBES:
        if name in container:
            default_probe(container[name])
    for env in container.get("env") or []:
        field_ref = (env.get("valueFrom") or {}).get("fieldRef")
        if field_ref is not None:
            field_ref.setdefault("apiVersion", "v1")


def default_probe(probe: dict) -> None:
    probe.setdefault("timeoutSeconds", 1)
    probe.setdefault("periodSeconds", 10)
    probe.setdefault("successThreshold", 1)
    probe.setdefault("failureThreshold", 3)
    if "httpGet" in probe:
        probe["httpGet"].setdefault("scheme", "HTTP")
        probe["httpGet"].setdefault("path", "/")


def default_volume(volume: dict) -> None:
    if set(volume) == {"name"}:
        volume["emptyDir"] = {}
    for source in _VOLUME_SOURCES_WITH_MODE:
        if source in volume:
            volume[source].setdefault("defaultMode", 420)
    for projection in (volume.get("projected") or {}).get("sources") or []:
        if "serviceAccountToken" in projection:
            projection["serviceAccountToken"].setdefault("expirationSeconds", 3600)


def default_service(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    service_type = spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    obj.setdefault("status", {}).setdefault("loadBalancer", {})
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        port.setdefault("targetPort", port.get("port"))
    if service_type == "ExternalName":
        return
    spec.setdefault("internalTrafficPolicy", "Cluster")
    if service_type in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
        for port in spec.get("ports") or []:
            port.setdefault("nodePort", 30000 + _stable_number(f"{_object_id(obj)}:{port.get('port')}", 2768))
    if service_type == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    spec.setdefault("clusterIP", _cluster_ip(obj))
    spec.setdefault("clusterIPs", [spec["clusterIP"]])
    spec.setdefault("ipFamilies", ["IPv4"])
    spec.setdefault("ipFamilyPolicy", "SingleStack")


def default_hpa(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("minReplicas", 1)
    if not spec.get("metrics"):
        spec["metrics"] = [{"type": "Resource", "resource": {
            "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    behavior = spec.get("behavior")
    if behavior is None:
        return
    _fill(behavior.setdefault("scaleUp", {}), {
        "stabilizationWindowSeconds": 0, "selectPolicy": "Max",
        "policies": [{"type": "Pods", "value": 4, "periodSeconds": 15},
                     {"type": "Percent", "value": 100, "periodSeconds": 15}]})
    _fill(behavior.setdefault("scaleDown", {}), {
        "selectPolicy": "Max", "policies": [{"type": "Percent", "value": 100, "periodSeconds": 15}]})


def default_pdb(obj: dict) -> None:
    _fill(obj.setdefault("status", {}),
          {"currentHealthy": 0, "desiredHealthy": 0, "disruptionsAllowed": 0, "expectedPods": 0})


def default_network_policy(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    for rule in (spec.get("ingress") or []) + (spec.get("egress") or []):
        for port in rule.get("ports") or []:
            port.setdefault("protocol", "TCP")
    if "policyTypes" not in spec:
        spec["policyTypes"] = ["Ingress"] + (["Egress"] if spec.get("egress") else [])


def default_namespace(obj: dict) -> None:
    metadata = obj["metadata"]
    metadata.setdefault("labels", {})["kubernetes.io/metadata.name"] = metadata["name"]
    obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    obj.setdefault("status", {}).setdefault("phase", "Active")


def default_helm_release(obj: dict) -> None:
    spec = obj.setdefault("spec", {})
    chart_spec = (spec.get("chart") or {}).get("spec")
    if chart_spec is not None:
        chart_spec.setdefault("version", "*")
        chart_spec.setdefault("reconcileStrategy", "ChartVersion")
        if "verify" in chart_spec:
            chart_spec["verify"].setdefault("provider", "cosign")
    if "uninstall" in spec:
        spec["uninstall"].setdefault("deletionPropagation", "background")
    obj.setdefault("status", {}).setdefault("observedGeneration", -1)


def default_helm_repository(obj: dict) -> None:
    obj.setdefault("spec", {}).setdefault("provider", "generic")
    obj.setdefault("status", {}).setdefault("observedGeneration", -1)


DEFAULTERS = {
    "Deployment": default_deployment,
    "Service": default_service,
    "HorizontalPodAutoscaler": default_hpa,
    "PodDisruptionBudget": default_pdb,
    "NetworkPolicy": default_network_policy,
    "Namespace": default_namespace,
    "HelmRelease": default_helm_release,
    "HelmRepository": default_helm_repository,
}


def reconcile_deployment(obj: dict, old: dict | None) -> None:
    """What the deployment controller writes soon after a change: revision and a healthy rollout."""
    annotations = obj["metadata"].setdefault("annotations", {})
    revision = int(((old or {}).get("metadata", {}).get("annotations") or {}).get(
        "deployment.kubernetes.io/revision", "0"))
    template_changed = old is None or old["spec"].get("template") != obj["spec"].get("template")
    annotations["deployment.kubernetes.io/revision"] = str(revision + 1 if template_changed else revision)
    replicas, now = obj["spec"]["replicas"], rfc3339_now()
    obj["status"] = {
        "observedGeneration": obj["metadata"].get("generation", 1),
        "replicas": replicas, "updatedReplicas": replicas,
        "readyReplicas": replicas, "availableReplicas": replicas,
        "conditions": [
            {"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
             "message": "Deployment has minimum availability.",
             "lastUpdateTime": now, "lastTransitionTime": now},
            {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
             "message": f'ReplicaSet "{obj["metadata"]["name"]}" has successfully progressed.',
             "lastUpdateTime": now, "lastTransitionTime": now},
        ],
    }


def reconcile_resource_quota(obj: dict, old: dict | None) -> None:
    hard = clone((obj.get("spec") or {}).get("hard") or {})
    obj["status"] = {"hard": hard, "used": {resource: "0" for resource in hard}}


CONTROLLERS = {
    "Deployment": reconcile_deployment,
    "ResourceQuota": reconcile_resource_quota,
}


def _fill(target: dict, defaults: dict) -> None:
    for key, value in defaults.items():
        target.setdefault(key, clone(value))


def _pull_policy(image: str) -> str:
    if "@" in image:
        return "IfNotPresent"
    tag = image.rsplit("/", 1)[-1].partition(":")[2]
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _object_id(obj: dict) -> str:
    return f'{obj["metadata"].get("namespace", "")}/{obj["metadata"]["name"]}'


def _stable_number(text: str, span: int) -> int:
    # Real allocation is random; hashing the name keeps fixtures and assertions reproducible.
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % span


def _cluster_ip(obj: dict) -> str:
    host = 1 + _stable_number(_object_id(obj), 65533)
    return f"10.96.{host // 256}.{host % 256}"
