"""Object names: stable, DNS-1123, at most 63 characters, never hashed.

Two modes. `default` names objects after the release (the registry's `name`,
or the agent's key). `helm-compatible` reproduces the mcp-mesh charts'
`fullname` helper, so objects installed by `helm install` keep their names
and Flux can adopt them without recreating anything.

An umbrella install (one release whose subcharts are the mcp-mesh charts,
agents under aliases) names each subchart's objects `<umbrella>-<alias>` and
labels them `app.kubernetes.io/name: <alias>`, `instance: <umbrella>`: Helm
makes an alias the subchart's chart name. There the component's own name (the
registry's `name`, the agent's key) is its subchart name or alias.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

NamingMode = Literal["default", "helm-compatible"]

REGISTRY_CHART = "mcp-mesh-registry"
AGENT_CHART = "mcp-mesh-agent"
MAX_NAME_LENGTH = 63


@dataclass(frozen=True)
class ComponentNames:
    """The names of one component's objects."""

    base: str

    @property
    def config(self) -> str:
        return f"{self.base}-config"

    @property
    def headless(self) -> str:
        return f"{self.base}-headless"

    @property
    def data(self) -> str:
        return f"{self.base}-data"



def helm_fullname(release: str, chart: str) -> str:
    """The charts' `fullname`: the release alone if it already contains the chart name."""
    name = release if chart in release else f"{release}-{chart}"
    return name[:MAX_NAME_LENGTH].rstrip("-")


@dataclass(frozen=True)
class ComponentIdentity:
    """What adoption depends on: the object names and the selector labels' name and instance."""

    names: ComponentNames
    name_label: str
    instance: str


def component_identity(release: str, chart: str, mode: NamingMode, umbrella: str | None = None) -> ComponentIdentity:
    """`release` is the component's name; under an `umbrella` release it is the subchart's name or alias."""
    if mode == "helm-compatible" and umbrella is not None:
        return ComponentIdentity(ComponentNames(helm_fullname(umbrella, release)), release, umbrella)
    base = helm_fullname(release, chart) if mode == "helm-compatible" else release
    return ComponentIdentity(ComponentNames(base), chart, release)


def component_names(release: str, chart: str, mode: NamingMode, umbrella: str | None = None) -> ComponentNames:
    return component_identity(release, chart, mode, umbrella).names


def too_long(names: ComponentNames, suffixes: tuple[str, ...]) -> list[str]:
    """The names over the limit among the base name and the suffixed names a component really gets."""
    candidates = [names.base, *(getattr(names, suffix) for suffix in suffixes)]
    return [name for name in candidates if len(name) > MAX_NAME_LENGTH]
