"""Object names: stable, DNS-1123, at most 63 characters, never hashed.

Two modes. `default` names objects after the release (the registry's `name`,
or the agent's key). `helm-compatible` reproduces the mcp-mesh charts'
`fullname` helper, so objects installed by `helm install` keep their names
and Flux can adopt them without recreating anything.
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


def component_names(release: str, chart: str, mode: NamingMode) -> ComponentNames:
    base = helm_fullname(release, chart) if mode == "helm-compatible" else release
    return ComponentNames(base)


def too_long(names: ComponentNames, suffixes: tuple[str, ...]) -> list[str]:
    """The names over the limit among the base name and the suffixed names a component really gets."""
    candidates = [names.base, *(getattr(names, suffix) for suffix in suffixes)]
    return [name for name in candidates if len(name) > MAX_NAME_LENGTH]
