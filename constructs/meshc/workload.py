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
from meshc.runtime import Construct, int_or_string, k8s, quantity

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

    def render(self) -> k8s.Probe:
        return k8s.Probe(
            http_get=k8s.HttpGetAction(path=self.path, port=int_or_string(HTTP_PORT_NAME)),
            initial_delay_seconds=self.initial_delay,
            period_seconds=self.period,
            timeout_seconds=self.timeout,
            failure_threshold=self.failures,
        )


@dataclass(frozen=True)
class Probes:
    startup: Probe
    liveness: Probe
    readiness: Probe


class Workload(Construct):
    """One mesh component: its objects, named by `names`, labelled and hardened alike."""

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
    ):
        super().__init__(scope, id)
        self.context = context
        self.spec = spec
        self.names = names
        self.port = port
        self.labels = context.labels(name=chart, instance=release, component=component, version=spec.image.tag)
        self.selector = selector_labels(self.labels)

    # --- helpers ------------------------------------------------------------

    def metadata(self, name: str, annotations: dict[str, str] | None = None) -> k8s.ObjectMeta:
        return k8s.ObjectMeta(
            name=name, namespace=self.context.namespace, labels=self.labels, annotations=annotations or None
        )

    def _resources(self) -> k8s.ResourceRequirements:
        def amounts(values: model.ResourceAmounts) -> dict[str, k8s.Quantity] | None:
            given = {"cpu": values.cpu, "memory": values.memory}
            return {key: quantity(value) for key, value in given.items() if value is not None} or None

        return k8s.ResourceRequirements(
            requests=amounts(self.spec.resources.requests), limits=amounts(self.spec.resources.limits)
        )

    def _affinity(self) -> k8s.Affinity | None:
        anti = self.spec.affinity.pod_anti_affinity
        if anti is None:
            return None
        term = k8s.PodAffinityTerm(
            label_selector=k8s.LabelSelector(match_labels=self.selector), topology_key=anti.topology_key
        )
        if anti.mode == "required":
            return k8s.Affinity(pod_anti_affinity=k8s.PodAntiAffinity(required_during_scheduling_ignored_during_execution=[term]))
        weighted = k8s.WeightedPodAffinityTerm(pod_affinity_term=term, weight=100)
        return k8s.Affinity(pod_anti_affinity=k8s.PodAntiAffinity(preferred_during_scheduling_ignored_during_execution=[weighted]))

    @staticmethod
    def deployment_strategy(strategy: dict) -> k8s.DeploymentStrategy:
        """A Deployment `strategy` (as `update_strategy` gives it) as a cdk8s object."""
        rolling = strategy.get("rollingUpdate")
        return k8s.DeploymentStrategy(
            type=strategy["type"],
            rolling_update=k8s.RollingUpdateDeployment(
                max_unavailable=int_or_string(rolling["maxUnavailable"]), max_surge=int_or_string(rolling["maxSurge"])
            )
            if rolling
            else None,
        )

    def data_volume(self) -> k8s.Volume:
        if self.spec.persistence.enabled:
            return k8s.Volume(
                name=DATA_VOLUME,
                persistent_volume_claim=k8s.PersistentVolumeClaimVolumeSource(claim_name=self.names.data),
            )
        return k8s.Volume(name=EPHEMERAL_DATA_VOLUME, empty_dir=k8s.EmptyDirVolumeSource())

    # --- objects --------------------------------------------------------------

    def add_common_objects(self, config: dict[str, str]) -> None:
        """ServiceAccount, ConfigMap and Service, plus PVC, HPA, PDB and Ingress when asked."""
        k8s.KubeServiceAccount(
            self, "ServiceAccount", metadata=self.metadata(self.names.base), automount_service_account_token=False
        )
        k8s.KubeConfigMap(self, "ConfigMap", metadata=self.metadata(self.names.config), data=config)
        self.config_hash = config_hash(config)
        self.add_service("Service", self.names.base)
        if self.spec.persistence.enabled:
            self._add_volume_claim()
        if self.spec.autoscaling.enabled:
            self._add_autoscaler()
        if self.spec.disruption_budget.enabled:
            self._add_disruption_budget()
        if self.spec.ingress.enabled:
            self._add_ingress()

    def add_service(self, id: str, name: str, *, headless: bool = False) -> None:
        k8s.KubeService(
            self,
            id,
            metadata=self.metadata(name),
            spec=k8s.ServiceSpec(
                type="ClusterIP",
                cluster_ip="None" if headless else None,
                selector=self.selector,
                ports=[
                    k8s.ServicePort(
                        name=HTTP_PORT_NAME, port=self.port, target_port=int_or_string(HTTP_PORT_NAME), protocol="TCP"
                    )
                ],
            ),
        )

    def add_deployment(
        self,
        *,
        container_name: str,
        probes: Probes,
        env: list[k8s.EnvVar],
        env_from: list[dict],
        volumes: list[k8s.Volume],
        mounts: list[k8s.VolumeMount],
        read_only_root: bool,
        command: list[str] | None = None,
        strategy: k8s.DeploymentStrategy,
    ) -> None:
        container = k8s.Container(
            name=container_name,
            image=self.context.image(self.spec.image),
            image_pull_policy=self.spec.image.pull_policy,
            command=command,
            ports=[k8s.ContainerPort(name=HTTP_PORT_NAME, container_port=self.port, protocol="TCP")],
            env=env,
            # The component's own sources come after meshc's ConfigMap, so their keys win over its defaults.
            env_from=[k8s.EnvFromSource(config_map_ref=k8s.ConfigMapEnvSource(name=self.names.config))]
            + [_env_from_source(entry) for entry in env_from],
            startup_probe=probes.startup.render(),
            liveness_probe=probes.liveness.render(),
            readiness_probe=probes.readiness.render(),
            resources=self._resources(),
            security_context=k8s.SecurityContext(
                allow_privilege_escalation=False,
                capabilities=k8s.Capabilities(drop=["ALL"]),
                read_only_root_filesystem=read_only_root,
                run_as_non_root=True,
                run_as_user=RUN_AS,
                run_as_group=RUN_AS,
            ),
            volume_mounts=[k8s.VolumeMount(name="tmp", mount_path="/tmp"), *mounts],
        )
        pod = k8s.PodSpec(
            service_account_name=self.names.base,
            automount_service_account_token=False,
            image_pull_secrets=[k8s.LocalObjectReference(name=s) for s in self.context.image_pull_secrets] or None,
            security_context=k8s.PodSecurityContext(
                run_as_non_root=True,
                run_as_user=RUN_AS,
                run_as_group=RUN_AS,
                fs_group=RUN_AS,
                seccomp_profile=k8s.SeccompProfile(type="RuntimeDefault"),
            ),
            affinity=self._affinity(),
            node_selector=self.spec.affinity.node_selector or None,
            containers=[container],
            volumes=[k8s.Volume(name="tmp", empty_dir=k8s.EmptyDirVolumeSource()), *volumes],
        )
        k8s.KubeDeployment(
            self,
            "Deployment",
            metadata=self.metadata(self.names.base),
            spec=k8s.DeploymentSpec(
                # An HPA owns the replica count; writing it here would fight the HPA on every apply.
                replicas=None if self.spec.autoscaling.enabled else self.spec.replicas,
                selector=k8s.LabelSelector(match_labels=self.selector),
                strategy=strategy,
                template=k8s.PodTemplateSpec(
                    metadata=k8s.ObjectMeta(
                        labels=self.labels,
                        # Rolls the pods when their ConfigMap changes.
                        annotations={CONFIG_HASH_ANNOTATION: self.config_hash},
                    ),
                    spec=pod,
                ),
            ),
        )

    def _add_volume_claim(self) -> None:
        persistence = self.spec.persistence
        k8s.KubePersistentVolumeClaim(
            self,
            "PersistentVolumeClaim",
            metadata=self.metadata(self.names.data),
            spec=k8s.PersistentVolumeClaimSpec(
                access_modes=[persistence.access_mode],
                storage_class_name=persistence.storage_class,
                resources=k8s.VolumeResourceRequirements(requests={"storage": quantity(persistence.size)}),
            ),
        )

    def _add_autoscaler(self) -> None:
        scaling = self.spec.autoscaling
        k8s.KubeHorizontalPodAutoscalerV2(
            self,
            "HorizontalPodAutoscaler",
            metadata=self.metadata(self.names.base),
            spec=k8s.HorizontalPodAutoscalerSpecV2(
                scale_target_ref=k8s.CrossVersionObjectReferenceV2(
                    api_version="apps/v1", kind="Deployment", name=self.names.base
                ),
                min_replicas=scaling.min_replicas,
                max_replicas=scaling.max_replicas,
                metrics=[
                    k8s.MetricSpecV2(
                        type="Resource",
                        resource=k8s.ResourceMetricSourceV2(
                            name="cpu",
                            target=k8s.MetricTargetV2(
                                type="Utilization", average_utilization=scaling.target_cpu_utilization_percentage
                            ),
                        ),
                    )
                ],
            ),
        )

    def _add_disruption_budget(self) -> None:
        k8s.KubePodDisruptionBudget(
            self,
            "PodDisruptionBudget",
            metadata=self.metadata(self.names.base),
            spec=k8s.PodDisruptionBudgetSpec(
                min_available=int_or_string(self.spec.disruption_budget.min_available),
                selector=k8s.LabelSelector(match_labels=self.selector),
            ),
        )

    def _add_ingress(self) -> None:
        ingress = self.spec.ingress
        backend = k8s.IngressBackend(
            service=k8s.IngressServiceBackend(
                name=self.names.base, port=k8s.ServiceBackendPort(name=HTTP_PORT_NAME)
            )
        )
        k8s.KubeIngress(
            self,
            "Ingress",
            metadata=self.metadata(self.names.base),
            spec=k8s.IngressSpec(
                ingress_class_name=ingress.class_name,
                rules=[
                    k8s.IngressRule(
                        host=ingress.host,
                        http=k8s.HttpIngressRuleValue(
                            paths=[k8s.HttpIngressPath(path=ingress.path, path_type="Prefix", backend=backend)]
                        ),
                    )
                ],
                tls=[k8s.IngressTls(hosts=[ingress.host], secret_name=ingress.tls_secret_name)]
                if ingress.tls_secret_name
                else None,
            ),
        )


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


def downward_env(name: str, field_path: str) -> k8s.EnvVar:
    return k8s.EnvVar(name=name, value_from=k8s.EnvVarSource(field_ref=k8s.ObjectFieldSelector(field_path=field_path)))


def env_vars(entries: list[dict]) -> list[k8s.EnvVar]:
    """Plain env entries (`meshc.mesh_env`: a value or a secretKeyRef) as cdk8s objects."""
    result = []
    for entry in entries:
        ref = entry.get("valueFrom", {}).get("secretKeyRef")
        source = (
            k8s.EnvVarSource(
                secret_key_ref=k8s.SecretKeySelector(name=ref["name"], key=ref["key"], optional=ref.get("optional"))
            )
            if ref
            else None
        )
        result.append(k8s.EnvVar(name=entry["name"], value=entry.get("value"), value_from=source))
    return result


def _env_from_source(entry: dict) -> k8s.EnvFromSource:
    secret, config_map = entry.get("secretRef"), entry.get("configMapRef")
    return k8s.EnvFromSource(
        prefix=entry.get("prefix"),
        secret_ref=k8s.SecretEnvSource(name=secret["name"], optional=secret.get("optional")) if secret else None,
        config_map_ref=k8s.ConfigMapEnvSource(name=config_map["name"], optional=config_map.get("optional"))
        if config_map
        else None,
    )
