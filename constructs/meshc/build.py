"""Validated environments -> Kubernetes objects, through real cdk8s synthesis.

One cdk8s App holds one `MeshChart` per environment; its `to_json()` resolves
the typed constructs through jsii and adds the objects constructs built as
plain data. The result is plain dicts tagged with the environment, the
delivery layer and the component that made them; the checks, the writer and
`diff` all read this same list. Plain objects carry the `Origin` their
construct gave them; the platform's few typed objects are still placed by
their component label (`_ORIGIN_OF_COMPONENT`).
"""

from __future__ import annotations

from dataclasses import dataclass

from meshc.context import COMPONENT_LABEL, INSTANCE_LABEL
from meshc.loader import LoadedEnvironment
from meshc.origin import Layer, Origin

# component label -> (delivery layer, environment key that configures it)
_ORIGIN_OF_COMPONENT = {
    "platform": (Layer.PLATFORM, "global"),
    "database": (Layer.DATA, "postgresql"),
    "monitoring": (Layer.MONITORING, "monitoring"),
    "registry": (Layer.REGISTRY, "registry"),
    "delivery": (Layer.FLUX, "gitops"),
}
_PLATFORM_KEYS = {"ResourceQuota": "resourceQuota", "NetworkPolicy": "networkPolicies"}


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object and where it comes from."""

    layer: str
    component: str  # "platform", "registry" or "agent/<name>"
    source_key: str  # the environment key path that produced it
    obj: dict

    @property
    def kind(self) -> str:
        return self.obj["kind"]

    @property
    def name(self) -> str:
        return self.obj["metadata"]["name"]

    @property
    def namespace(self) -> str | None:
        return self.obj["metadata"].get("namespace")


@dataclass(frozen=True)
class BuiltEnvironment:
    environment: LoadedEnvironment
    manifests: tuple[Manifest, ...]

    @property
    def name(self) -> str:
        return self.environment.name


def build(environments: list[LoadedEnvironment]) -> list[BuiltEnvironment]:
    # Imported here, not above: starting jsii takes a second, and a synth served
    # from the cache (or a module that only needs `Manifest`) never builds.
    from meshc.platform import Platform
    from meshc.runtime import MeshChart, cdk8s

    app = cdk8s.App()
    charts = []
    for environment in environments:
        chart = MeshChart(app, environment.name, disable_resource_name_hashes=True)
        Platform(chart, "Platform", environment=environment.name, spec=environment.model)
        charts.append((environment, chart))
    return [
        BuiltEnvironment(environment, tuple(_manifest(origin, obj) for origin, obj in chart.origins()))
        for environment, chart in charts
    ]


def format_subject(kind: str, namespace: str | None, name: str) -> str:
    """`Kind/namespace/name`, or `Kind/name` for cluster-scoped objects: how every message names an object."""
    return f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"


def component_of(obj: dict) -> str:
    """The mesh component an object belongs to, read from its labels: "registry", "agent/<name>", ..."""
    labels = (obj.get("metadata") or {}).get("labels") or {}
    component = labels.get(COMPONENT_LABEL, "platform")
    return f"agent/{labels.get(INSTANCE_LABEL, '?')}" if component == "agent" else component


def _manifest(origin: Origin | None, obj: dict) -> Manifest:
    if origin is not None:
        return Manifest(origin.layer, origin.component, origin.source_key, obj)
    component = component_of(obj)
    if component.startswith("agent/"):
        instance = component.removeprefix("agent/")
        return Manifest(Layer.AGENTS, component, f"agents.{instance}", obj)
    layer, key = _ORIGIN_OF_COMPONENT[component]
    if component == "platform":
        key = _PLATFORM_KEYS.get(obj["kind"], key)
    return Manifest(layer, component, key, obj)
