"""Where an object comes from: the delivery layer that applies it, the mesh
component that made it and the environment key that configures it.

Constructs attach an `Origin` to every object they build, so nothing
downstream has to read it back out of labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Layer(StrEnum):
    """The folders of dist/<env>/, in the order Flux applies them (flux holds the Flux objects themselves)."""

    PLATFORM = "platform"
    DATA = "data"
    MONITORING = "monitoring"
    REGISTRY = "registry"
    AGENTS = "agents"
    FLUX = "flux"


# The layers Flux applies from dist/<env>/, in order, and the folder of the Flux objects themselves.
LAYERS = tuple(layer.value for layer in Layer if layer is not Layer.FLUX)
FLUX_LAYER = Layer.FLUX.value


@dataclass(frozen=True)
class Origin:
    """layer: the dist/ folder; component: "platform", "registry", "agent/<name>", ...;
    source_key: the environment key path that produced the object ("agents.weather")."""

    layer: Layer
    component: str
    source_key: str

    @classmethod
    def agent(cls, name: str) -> Origin:
        return cls(Layer.AGENTS, f"agent/{name}", f"agents.{name}")

    @classmethod
    def registry(cls) -> Origin:
        return cls(Layer.REGISTRY, "registry", "registry")


# The one order users see components in (validate, diff and status): the named ones, then each
# agent by name, then anything else.
COMPONENT_ORDER = ("platform", "delivery", "database", "monitoring", "registry")


def component_rank(component: str) -> tuple[int, int, str]:
    if component in COMPONENT_ORDER:
        return (0, COMPONENT_ORDER.index(component), "")
    if component.startswith("agent/"):
        return (1, 0, component)
    return (2, 0, component)
