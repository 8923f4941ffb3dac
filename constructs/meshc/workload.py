"""The manifests render of a mesh component: a hardened Deployment with its
ServiceAccount, ConfigMap, Service, and optional PVC, HPA, PDB and Ingress,
spelt from its `WorkloadPlan` (meshc.workload_plan).

`Workload` is the base construct; `Registry` and `Agent` add only the objects
that make them different.
"""

from __future__ import annotations

import hashlib
import json

from meshc import model
from meshc.runtime import Construct, MeshChart
from meshc.workload_plan import HTTP_PORT_NAME, SCRATCH_MOUNT, SCRATCH_VOLUME, Probe, WorkloadPlan

RUN_AS = 999
CONFIG_HASH_ANNOTATION = "meshc.io/config-sha256"


class Workload(Construct):
    """One mesh component's objects, each named, labelled and hardened as its `plan` says.

    Its objects are plain Kubernetes-shaped dicts handed to the `MeshChart` it
    sits in, each with the plan's `origin`: thousands of them go through no jsii call.
    Subclasses call `add_common_objects`, add their own, then `add_deployment`.

    plan: every decision about the component (`meshc.workload_plan.plan_agent` / `plan_registry`).
    """

    def __init__(self, scope: Construct, id: str, *, plan: WorkloadPlan):
        super().__init__(scope, id)
        self.plan = plan
        self.config_hash = config_hash(plan.config)
        self._chart = MeshChart.of(scope)

    # --- helpers ------------------------------------------------------------

    def add_object(self, api_version: str, kind: str, name: str, **fields: object) -> None:
        """One object of this component: `fields` are its top-level fields besides apiVersion, kind and metadata."""
        metadata = {"name": name, "namespace": self.plan.namespace, "labels": self.plan.labels}
        self._chart.add_plain({"apiVersion": api_version, "kind": kind, "metadata": metadata, **fields}, self.plan.origin)

    # --- objects --------------------------------------------------------------

    def add_common_objects(self) -> None:
        """ServiceAccount, ConfigMap and Service, plus PVC, HPA, PDB and Ingress when planned."""
        plan = self.plan
        self.add_object("v1", "ServiceAccount", plan.names.base, automountServiceAccountToken=False)
        self.add_object("v1", "ConfigMap", plan.names.config, data=plan.config)
        self.add_service(plan.names.base)
        if plan.persistence.enabled:
            self._add_volume_claim()
        if plan.autoscaling.enabled:
            self._add_autoscaler()
        if plan.disruption_budget.enabled:
            self._add_disruption_budget()
        if plan.ingress.enabled:
            self._add_ingress()

    def add_service(self, name: str, *, headless: bool = False) -> None:
        port = {"name": HTTP_PORT_NAME, "port": self.plan.port, "targetPort": HTTP_PORT_NAME, "protocol": "TCP"}
        spec = {"type": "ClusterIP", "clusterIP": "None" if headless else None, "selector": self.plan.selector, "ports": [port]}
        self.add_object("v1", "Service", name, spec=spec)

    def add_deployment(self) -> None:
        plan = self.plan
        pod = {
            "serviceAccountName": plan.names.base,
            "automountServiceAccountToken": False,
            "imagePullSecrets": [{"name": s} for s in plan.image_pull_secrets] or None,
            "securityContext": {
                "runAsNonRoot": True,
                "runAsUser": RUN_AS,
                "runAsGroup": RUN_AS,
                "fsGroup": RUN_AS,
                "seccompProfile": {"type": "RuntimeDefault"},
            },
            "affinity": plan.affinity or None,
            "nodeSelector": plan.node_selector or None,
            "containers": [self._container()],
            "volumes": [SCRATCH_VOLUME, *([plan.data_volume] if plan.data_volume else [])],
        }
        template = {
            # Rolls the pods when their ConfigMap changes.
            "metadata": {"labels": plan.labels, "annotations": {CONFIG_HASH_ANNOTATION: self.config_hash, **plan.pod_annotations}},
            "spec": pod,
        }
        spec = {
            # An HPA owns the replica count; writing it here would fight the HPA on every apply.
            "replicas": None if plan.autoscaling.enabled else plan.replicas,
            "selector": {"matchLabels": plan.selector},
            "strategy": plan.strategy,
            "template": template,
        }
        self.add_object("apps/v1", "Deployment", plan.names.base, spec=spec)

    def _container(self) -> dict:
        plan = self.plan
        data_mount = [{"name": plan.data_volume["name"], "mountPath": model.DATA_MOUNT_PATH}] if plan.data_volume else []
        return {
            "name": plan.container_name,
            "image": plan.image.reference,
            "imagePullPolicy": plan.image.pull_policy,
            "command": plan.command,
            "ports": [{"name": HTTP_PORT_NAME, "containerPort": plan.port, "protocol": "TCP"}],
            "env": [*plan.pod_env, *plan.env],
            # The component's own sources come after meshc's ConfigMap, so their keys win over its defaults.
            "envFrom": [{"configMapRef": {"name": plan.names.config}}, *plan.env_from],
            "startupProbe": _probe(plan.probes.startup),
            "livenessProbe": _probe(plan.probes.liveness),
            "readinessProbe": _probe(plan.probes.readiness),
            # Kubernetes reads an empty requests or limits as none.
            "resources": {part: amounts or None for part, amounts in plan.resources.items()},
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
                "readOnlyRootFilesystem": plan.read_only_root,
                "runAsNonRoot": True,
                "runAsUser": RUN_AS,
                "runAsGroup": RUN_AS,
            },
            "volumeMounts": [SCRATCH_MOUNT, *data_mount],
        }

    def _add_volume_claim(self) -> None:
        persistence = self.plan.persistence
        spec = {
            "accessModes": [persistence.access_mode],
            "storageClassName": persistence.storage_class,
            "resources": {"requests": {"storage": persistence.size}},
        }
        self.add_object("v1", "PersistentVolumeClaim", self.plan.names.data, spec=spec)

    def _add_autoscaler(self) -> None:
        scaling = self.plan.autoscaling
        target = {"type": "Utilization", "averageUtilization": scaling.target_cpu_utilization_percentage}
        spec = {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": self.plan.names.base},
            "minReplicas": scaling.min_replicas,
            "maxReplicas": scaling.max_replicas,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": target}}],
        }
        self.add_object("autoscaling/v2", "HorizontalPodAutoscaler", self.plan.names.base, spec=spec)

    def _add_disruption_budget(self) -> None:
        spec = {"minAvailable": self.plan.disruption_budget.min_available, "selector": {"matchLabels": self.plan.selector}}
        self.add_object("policy/v1", "PodDisruptionBudget", self.plan.names.base, spec=spec)

    def _add_ingress(self) -> None:
        ingress = self.plan.ingress
        backend = {"service": {"name": self.plan.names.base, "port": {"name": HTTP_PORT_NAME}}}
        path = {"path": ingress.path, "pathType": "Prefix", "backend": backend}
        spec = {
            "ingressClassName": ingress.class_name,
            "rules": [{"host": ingress.host, "http": {"paths": [path]}}],
            "tls": [{"hosts": [ingress.host], "secretName": ingress.tls_secret_name}] if ingress.tls_secret_name else None,
        }
        self.add_object("networking.k8s.io/v1", "Ingress", self.plan.names.base, spec=spec)


def _probe(probe: Probe) -> dict:
    return {
        "httpGet": {"path": probe.path, "port": HTTP_PORT_NAME},
        "initialDelaySeconds": probe.initial_delay,
        "periodSeconds": probe.period,
        "timeoutSeconds": probe.timeout,
        "failureThreshold": probe.failures,
    }


def config_hash(data: dict[str, str]) -> str:
    """The pod-template annotation value that changes whenever the ConfigMap's data does."""
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
