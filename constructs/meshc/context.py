"""What every component of one environment shares: namespace, naming, images, labels."""

from __future__ import annotations

from dataclasses import dataclass

from meshc.model import Image, LogLevel
from meshc.naming import NamingMode

PART_OF = "mcp-mesh"
MANAGED_BY = "meshc"
# The label `diff` uses to find every object meshc owns in one environment.
ENVIRONMENT_LABEL = "meshc.io/environment"
COMPONENT_LABEL = "app.kubernetes.io/component"
INSTANCE_LABEL = "app.kubernetes.io/instance"
NAME_LABEL = "app.kubernetes.io/name"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"


def ownership_selector(environment: str) -> dict[str, str]:
    """The labels that mark an object as meshc's, in one environment (prune detection reads these)."""
    return {MANAGED_BY_LABEL: MANAGED_BY, ENVIRONMENT_LABEL: environment}


def labelled_component(obj: dict) -> str:
    """The mesh component a live object's labels name: "registry", "agent/<name>", ...

    For objects read from a cluster, which carry no `Origin`; built objects know theirs."""
    labels = (obj.get("metadata") or {}).get("labels") or {}
    component = labels.get(COMPONENT_LABEL, "platform")
    return f"agent/{labels.get(INSTANCE_LABEL, '?')}" if component == "agent" else component


@dataclass(frozen=True)
class MeshContext:
    """Settings shared by every construct of one environment.

    environment: the environment's name; it labels every object.
    namespace: where every namespaced object goes.
    naming: object naming mode. Default: "default" (short names).
    image_registry: registry prefix for images without one. Default: none.
    image_pull_secrets: pull Secret names for every pod. Default: none.
    log_level: the mesh's log level (`logLevel`). Default: INFO.
    umbrella: the umbrella Helm release whose subcharts the components are (helm-compatible naming). Default: none.
    part_of: the app.kubernetes.io/part-of label. Default: mcp-mesh.
    """

    environment: str
    namespace: str
    naming: NamingMode = "default"
    image_registry: str = ""
    image_pull_secrets: tuple[str, ...] = ()
    log_level: LogLevel = "INFO"
    umbrella: str | None = None
    part_of: str = PART_OF

    def registry_of(self, image: Image) -> str:
        """The registry prefix an image is pulled from: its own, else the environment's (may be empty)."""
        return (image.registry if image.registry is not None else self.image_registry).rstrip("/")

    def image(self, image: Image) -> str:
        registry = self.registry_of(image)
        reference = f"{image.repository}:{image.tag}"
        return f"{registry}/{reference}" if registry else reference

    def labels(self, *, name: str, instance: str, component: str, version: str) -> dict[str, str]:
        return {
            NAME_LABEL: name,
            INSTANCE_LABEL: instance,
            COMPONENT_LABEL: component,
            "app.kubernetes.io/part-of": self.part_of,
            "app.kubernetes.io/version": version,
            MANAGED_BY_LABEL: MANAGED_BY,
            ENVIRONMENT_LABEL: self.environment,
        }


def selector_labels(labels: dict[str, str]) -> dict[str, str]:
    """Only the labels that never change: a Deployment's selector is immutable."""
    return {key: labels[key] for key in (NAME_LABEL, INSTANCE_LABEL, COMPONENT_LABEL)}
