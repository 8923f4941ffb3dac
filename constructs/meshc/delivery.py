"""The order Flux applies one environment's layers in (the Flux objects are `meshc.gitops`'s).

Layers are applied in the seed's order, postgresql -> registry -> agents:
platform (namespace, quota, policies, chart sources) first, then data
(PostgreSQL), monitoring, registry and agents. Each layer depends on the
nearest layers below it that exist in this environment.
"""

from __future__ import annotations

from meshc.origin import FLUX_LAYER, LAYERS

__all__ = ["FLUX_LAYER", "LAYERS", "LAYER_NEEDS", "layer_dependencies"]

# What each layer needs before it can start; absent layers are skipped over.
LAYER_NEEDS = {"platform": (), "data": ("platform",), "monitoring": ("platform",), "registry": ("data",), "agents": ("registry",)}


def layer_dependencies(present: set[str]) -> dict[str, list[str]]:
    """layer -> the present layers it directly depends on."""

    def nearest(layer: str) -> set[str]:
        found: set[str] = set()
        for needed in LAYER_NEEDS[layer]:
            found |= {needed} if needed in present else nearest(needed)
        return found

    return {layer: sorted(nearest(layer), key=LAYERS.index) for layer in LAYERS if layer in present}
