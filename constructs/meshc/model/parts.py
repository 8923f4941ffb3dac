"""Parts the registry and the agents share: image, resources, scaling, volumes, Secret references."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from meshc.kube_values import INT32_MAX, ImageRegistry, ImageRepository, ImageTag
from meshc.model.base import DnsLabel, FieldRuleError, MeshcModel, Quantity, _ENV_NAME


# --- shared parts ---------------------------------------------------------------


class Image(MeshcModel):
    """A container image. The registry prefix comes from `global.imageRegistry` unless set here."""

    repository: ImageRepository = Field(description="Image repository, e.g. mcpmesh/registry.")
    tag: ImageTag = Field(description="Image tag, optionally pinned to a digest (3.6@sha256:...). Quote numeric tags: \"0.5\".")
    registry: ImageRegistry | None = Field(default=None, description="Registry prefix for this image, without a scheme. Default: global.imageRegistry.")
    pull_policy: Literal["Always", "IfNotPresent", "Never"] = Field(
        default="IfNotPresent", description="Kubernetes imagePullPolicy. Default: IfNotPresent."
    )


class ResourceAmounts(MeshcModel):
    cpu: Quantity | None = Field(default=None, description="CPU, e.g. 100m. Default: unset.")
    memory: Quantity | None = Field(default=None, description="Memory, e.g. 256Mi. Default: unset.")


class Resources(MeshcModel):
    """Container requests and limits."""

    requests: ResourceAmounts = Field(default_factory=ResourceAmounts, description="Requests. Default: none.")
    limits: ResourceAmounts = Field(default_factory=ResourceAmounts, description="Limits. Default: none.")


class Autoscaling(MeshcModel):
    """A HorizontalPodAutoscaler on CPU utilization. When enabled, it owns the replica count."""

    enabled: bool = Field(default=False, description="Create an HPA. Default: false.")
    min_replicas: int = Field(default=1, ge=1, le=INT32_MAX, description="HPA minimum. Default: 1.")
    max_replicas: int = Field(default=3, ge=1, le=INT32_MAX, description="HPA maximum. Default: 3.")
    target_cpu_utilization_percentage: int = Field(
        default=80,
        ge=1,
        le=100,
        alias="targetCPUUtilizationPercentage",
        description="Average CPU utilization the HPA aims for, in percent of requests. Default: 80.",
    )


class DisruptionBudget(MeshcModel):
    enabled: bool = Field(default=False, description="Create a PodDisruptionBudget. Default: false.")
    min_available: int = Field(default=1, ge=0, le=INT32_MAX, description="Pods that must stay available. Default: 1.")


class Ingress(MeshcModel):
    enabled: bool = Field(default=False, description="Create an Ingress. Default: false.")
    host: str | None = Field(default=None, description="Host name the Ingress serves. Required when enabled.")
    path: str = Field(default="/", pattern=r"^/", description="Path prefix. Default: /.")
    class_name: str | None = Field(default=None, description="ingressClassName. Default: the cluster default.")
    tls_secret_name: DnsLabel | None = Field(default=None, description="Secret with the TLS certificate. Default: no TLS.")

    @model_validator(mode="after")
    def _host_when_enabled(self) -> Ingress:
        if self.enabled and not self.host:
            raise FieldRuleError("host", "an enabled ingress needs a host")
        return self


class Persistence(MeshcModel):
    enabled: bool = Field(default=False, description="Mount a PersistentVolumeClaim at /data. Default: false.")
    size: Quantity = Field(default="5Gi", description="Requested storage. Default: 5Gi.")
    storage_class: str | None = Field(default=None, description="storageClassName. Default: the cluster default.")
    access_mode: Literal["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany"] = Field(
        default="ReadWriteOnce",
        description="Volume access mode; replicas on several nodes sharing one claim need ReadWriteMany. Default: ReadWriteOnce.",
    )


class SecretKeyRef(MeshcModel):
    """A reference to one key of a Secret that exists in the namespace. meshc never sees the value."""

    secret: DnsLabel = Field(description="Secret name.")
    key: str = Field(min_length=1, pattern=r"^[-._a-zA-Z0-9]+$", description="Key inside the Secret.")


class SecretEnvRef(SecretKeyRef):
    """A Secret key read into one environment variable."""

    optional: bool = Field(
        default=False,
        description="Start the pod even when the Secret or the key is missing; the variable is then unset. Default: false.",
    )


class EnvFrom(MeshcModel):
    """Every key of one Secret or ConfigMap as environment variables. Variables meshc sets
    one by one win over its keys; its keys win over the defaults in meshc's own ConfigMap."""

    secret: DnsLabel | None = Field(default=None, description="Name of a Secret in the namespace. Give this or configMap.")
    config_map: DnsLabel | None = Field(default=None, description="Name of a ConfigMap in the namespace. Give this or secret.")
    prefix: str | None = Field(
        default=None, pattern=_ENV_NAME, description="Put before every key to make the variable name. Default: none."
    )
    optional: bool = Field(default=False, description="Start the pod even when the object is missing. Default: false.")

    @model_validator(mode="after")
    def _one_source(self) -> EnvFrom:
        if (self.secret is None) == (self.config_map is None):
            raise FieldRuleError("secret", "give exactly one of secret and configMap")
        return self


class PodAntiAffinity(MeshcModel):
    """Spread this component's pods apart; the label selector is derived from the component."""

    mode: Literal["required", "preferred"] = Field(description="required: never co-locate; preferred: avoid it.")
    topology_key: str = Field(default="kubernetes.io/hostname", description="Default: kubernetes.io/hostname.")


class Affinity(MeshcModel):
    pod_anti_affinity: PodAntiAffinity | None = Field(default=None, description="Default: none.")
    node_selector: dict[str, str] = Field(default_factory=dict, description="Node labels pods require. Default: none.")


class ChartSource(MeshcModel):
    """A Helm chart at a pinned version. oci:// URLs become an OCIRepository, https:// a HelmRepository."""

    url: str = Field(pattern=r"^(oci|https)://", description="Repository URL without the chart name.")
    chart: str = Field(min_length=1, description="Chart name.")
    version: str = Field(
        pattern=r"^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$",
        description="Exact chart version; ranges are refused so every render is reproducible.",
    )
