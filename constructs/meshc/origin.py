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
