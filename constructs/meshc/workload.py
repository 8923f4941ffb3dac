"""The parts the registry and every agent share: a hardened Deployment with its
ServiceAccount, ConfigMap, Service, and optional PVC, HPA, PDB and Ingress.

`Workload` is the base construct; `Registry` and `Agent` say only what makes
them different (ports, probes, env, volumes).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from meshc import model
from meshc.context import MeshContext, selector_labels
from meshc.naming import ComponentNames
from meshc.origin import Origin
from meshc.runtime import Construct, MeshChart

RUN_AS = 999
HTTP_PORT_NAME = "http"
CONFIG_HASH_ANNOTATION = "meshc.io/config-sha256"
DATA_VOLUME = "data"
# Named apart from the PVC volume on purpose: switching persistence on or off
# must change the volume name, or a server-side apply merges an emptyDir and a
# PVC into one volume and the API server rejects it (the charts' issue #1461).
EPHEMERAL_DATA_VOLUME = "data-ephemeral"


@dataclass(frozen=True)
class Probe:
    path: str
    initial_delay: int
    period: int
    timeout: int
    failures: int

    def render(self) -> dict:
        return {
            "httpGet": {"path": self.path, "port": HTTP_PORT_NAME},
            "initialDelaySeconds": self.initial_delay,
            "periodSeconds": self.period,
            "timeoutSeconds": self.timeout,
            "failureThreshold": self.failures,
        }


@dataclass(frozen=True)
class Probes:
    startup: Probe
    liveness: Probe
    readiness: Probe


class Workload(Construct):
    """One mesh component: its objects, named by `names`, labelled and hardened alike.

    Its objects are plain Kubernetes-shaped dicts handed to the `MeshChart` it
    sits in, each with its `origin`: thousands of them go through no jsii call.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        context: MeshContext,
        spec: model.Workload,
        names: ComponentNames,
        chart: str,
        component: str,
        release: str,
        port: int,
        origin: Origin,
    ):
        super().__init__(scope, id)
        self.context = context
        self.spec = spec
        self.names = names
        self.port = port
        self.origin = origin
        self.labels = context.labels(name=chart, instance=release, component=component, version=spec.image.tag)
        self.selector = selector_labels(self.labels)
        self._chart = MeshChart.of(scope)

    # --- helpers ------------------------------------------------------------

    def add_object(self, api_version: str, kind: str, name: str, **fields: object) -> None:
        """One object of this component: `fields` are its top-level fields besides apiVersion, kind and metadata."""
        self._chart.add_plain({"apiVersion": api_version, "kind": kind, "metadata": self.metadata(name), **fields}, self.origin)

    def metadata(self, name: str) -> dict:
        return {"name": name, "namespace": self.context.namespace, "labels": self.labels}

    def _resources(self) -> dict:
        def amounts(values: model.ResourceAmounts) -> dict[str, str] | None:
            given = {"cpu": values.cpu, "memory": values.memory}
            return {key: value for key, value in given.items() if value is not None} or None

        return {"requests": amounts(self.spec.resources.requests), "limits": amounts(self.spec.resources.limits)}

    def _affinity(self) -> dict | None:
        anti = self.spec.affinity.pod_anti_affinity
        if anti is None:
            return None
        term = {"labelSelector": {"matchLabels": self.selector}, "topologyKey": anti.topology_key}
        if anti.mode == "required":
            return {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}
        weighted = {"podAffinityTerm": term, "weight": 100}
        return {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [weighted]}}

    def data_volume(self) -> dict:
        if self.spec.persistence.enabled:
            return {"name": DATA_VOLUME, "persistentVolumeClaim": {"claimName": self.names.data}}
        return {"name": EPHEMERAL_DATA_VOLUME, "emptyDir": {}}

    # --- objects --------------------------------------------------------------

    def add_common_objects(self, config: dict[str, str]) -> None:
        """ServiceAccount, ConfigMap and Service, plus PVC, HPA, PDB and Ingress when asked."""
        self.add_object("v1", "ServiceAccount", self.names.base, automountServiceAccountToken=False)
        self.add_object("v1", "ConfigMap", self.names.config, data=config)
        self.config_hash = config_hash(config)
        self.add_service(self.names.base)
        if self.spec.persistence.enabled:
            self._add_volume_claim()
        if self.spec.autoscaling.enabled:
            self._add_autoscaler()
        if self.spec.disruption_budget.enabled:
            self._add_disruption_budget()
        if self.spec.ingress.enabled:
            self._add_ingress()

    def add_service(self, name: str, *, headless: bool = False) -> None:
        port = {"name": HTTP_PORT_NAME, "port": self.port, "targetPort": HTTP_PORT_NAME, "protocol": "TCP"}
        spec = {"type": "ClusterIP", "clusterIP": "None" if headless else None, "selector": self.selector, "ports": [port]}
        self.add_object("v1", "Service", name, spec=spec)

    def add_deployment(
        self,
        *,
        container_name: str,
        probes: Probes,
        env: list[dict],
        env_from: list[dict],
        volumes: list[dict],
        mounts: list[dict],
        read_only_root: bool,
        command: list[str] | None = None,
        strategy: dict,
        pod_annotations: dict[str, str] | None = None,
    ) -> None:
        container = self._container(container_name, probes, env, env_from, mounts, read_only_root, command)
        pod = {
            "serviceAccountName": self.names.base,
            "automountServiceAccountToken": False,
            "imagePullSecrets": [{"name": s} for s in self.context.image_pull_secrets] or None,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": RUN_AS,
                "runAsGroup": RUN_AS,
                "fsGroup": RUN_AS,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "affinity": self._affinity(),
            "nodeSelector": self.spec.affinity.node_selector or None,
            "containers": [container],
            "volumes": [{"name": "tmp", "emptyDir": {}}, *volumes],
        }
        template = {
            # Rolls the pods when their ConfigMap changes.
            "metadata": {"labels": self.labels, "annotations": {CONFIG_HASH_ANNOTATION: self.config_hash, **(pod_annotations or {})}},
            "spec": pod,
        }
        spec = {
            # An HPA owns the replica count; writing it here would fight the HPA on every apply.
            "replicas": None if self.spec.autoscaling.enabled else self.spec.replicas,
            "selector": {"matchLabels": self.selector},
            "strategy": strategy,
            "template": template,
        }
        self.add_object("apps/v1", "Deployment", self.names.base, spec=spec)

    def _container(
        self,
        name: str,
        probes: Probes,
        env: list[dict],
        env_from: list[dict],
        mounts: list[dict],
        read_only_root: bool,
        command: list[str] | None,
    ) -> dict:
        return {
            "name": name,
            "image": self.context.image(self.spec.image),
            "imagePullPolicy": self.spec.image.pull_policy,
            "command": command,
            "ports": [{"name": HTTP_PORT_NAME, "containerPort": self.port, "protocol": "TCP"}],
            "env": env,
            # The component's own sources come after meshc's ConfigMap, so their keys win over its defaults.
            "envFrom": [{"configMapRef": {"name": self.names.config}}, *env_from],
            "startupProbe": probes.startup.render(),
            "livenessProbe": probes.liveness.render(),
            "readinessProbe": probes.readiness.render(),
            "resources": self._resources(),
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
                "readOnlyRootFilesystem": read_only_root,
                "runAsNonRoot": True,
                "runAsUser": RUN_AS,
                "runAsGroup": RUN_AS,
            },
            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}, *mounts],
        }

    def _add_volume_claim(self) -> None:
        persistence = self.spec.persistence
        spec = {
            "accessModes": [persistence.access_mode],
            "storageClassName": persistence.storage_class,
            "resources": {"requests": {"storage": persistence.size}},
        }
        self.add_object("v1", "PersistentVolumeClaim", self.names.data, spec=spec)

    def _add_autoscaler(self) -> None:
        scaling = self.spec.autoscaling
        target = {"type": "Utilization", "averageUtilization": scaling.target_cpu_utilization_percentage}
        spec = {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": self.names.base},
            "minReplicas": scaling.min_replicas,
            "maxReplicas": scaling.max_replicas,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": target}}],
        }
        self.add_object("autoscaling/v2", "HorizontalPodAutoscaler", self.names.base, spec=spec)

    def _add_disruption_budget(self) -> None:
        spec = {"minAvailable": self.spec.disruption_budget.min_available, "selector": {"matchLabels": self.selector}}
        self.add_object("policy/v1", "PodDisruptionBudget", self.names.base, spec=spec)

    def _add_ingress(self) -> None:
        ingress = self.spec.ingress
        backend = {"service": {"name": self.names.base, "port": {"name": HTTP_PORT_NAME}}}
        path = {"path": ingress.path, "pathType": "Prefix", "backend": backend}
        spec = {
            "ingressClassName": ingress.class_name,
            "rules": [{"host": ingress.host, "http": {"paths": [path]}}],
            "tls": [{"hosts": [ingress.host], "secretName": ingress.tls_secret_name}] if ingress.tls_secret_name else None,
        }
        self.add_object("networking.k8s.io/v1", "Ingress", self.names.base, spec=spec)


def config_hash(data: dict[str, str]) -> str:
    """The pod-template annotation value that changes whenever the ConfigMap's data does."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def update_strategy(spec: model.Workload) -> dict:
    """How pods are replaced (a Deployment `strategy`), chosen so a rollout can always finish."""
    volume = spec.persistence
    if volume.enabled and volume.access_mode != "ReadWriteMany":
        # The claim attaches to one node: a surge pod elsewhere would wait for it forever.
        return {"type": "Recreate"}
    anti = spec.affinity.pod_anti_affinity
    if anti is not None and anti.mode == "required":
        # One pod per node: with exactly as many nodes as replicas a surge pod never schedules.
        return {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    # Surge one pod, never drop below the desired count while rolling.
    return {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}


def downward_env(name: str, field_path: str) -> dict:
    return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": field_path}}}
