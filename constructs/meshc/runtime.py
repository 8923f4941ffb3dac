"""The one door to cdk8s and jsii (the pinned Node runtime is put on PATH by `meshc/__init__.py`).

Quantities and int-or-strings are jsii calls of their own, so they are cached:
a platform repeats the same few values thousands of times.

`MeshChart` is the chart every meshc environment is synthesized in. Besides
the typed cdk8s objects it holds objects its constructs built as plain,
already resolved data: a typed binding costs a jsii round trip and its
Python-side type checks per object, which for the mesh's thousands of
workload objects was most of a synth. Every object, typed or plain, is handed
to it together with its `Origin`; `origins()` returns each resolved object
with the origin its construct gave it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import cdk8s
from cdk8s_plus_33 import k8s
from constructs import Construct

from meshc.origin import Origin

__all__ = ["cdk8s", "k8s", "Construct", "MeshChart", "quantity", "int_or_string", "resolved"]


@lru_cache(maxsize=None)
def quantity(value: str) -> k8s.Quantity:
    return k8s.Quantity.from_string(value)


@lru_cache(maxsize=None)
def int_or_string(value: int | str) -> k8s.IntOrString:
    return k8s.IntOrString.from_number(value) if isinstance(value, int) else k8s.IntOrString.from_string(value)


class MeshChart(cdk8s.Chart):
    """A cdk8s Chart whose constructs hand it every object with its origin.

    Typed objects are created as usual and registered with `add_typed`; objects
    built as plain data are given with `add_plain`. `origins()` resolves both.
    """

    def __init__(self, scope: Construct, id: str, **options: Any):
        super().__init__(scope, id, **options)
        self._typed: list[tuple[Origin, cdk8s.ApiObject]] = []
        self._plain: list[tuple[Origin, dict]] = []

    @staticmethod
    def of(scope: Construct) -> MeshChart:
        """The MeshChart `scope` is in: asked of cdk8s once per scope, then remembered on it
        (five hundred agents in one Platform cost one jsii call, not five hundred)."""
        chart = scope if isinstance(scope, MeshChart) else getattr(scope, "_mesh_chart", None)
        if chart is None:
            chart = cdk8s.Chart.of(scope)
            if not isinstance(chart, MeshChart):
                raise TypeError(f"{type(scope).__name__} holds meshc objects: put it in a meshc.runtime.MeshChart")
            scope._mesh_chart = chart
        return chart

    def add_typed(self, api_object: cdk8s.ApiObject, origin: Origin) -> None:
        """Register a typed object its construct has just created, with where it comes from."""
        self._typed.append((origin, api_object))

    def add_plain(self, obj: dict, origin: Origin) -> None:
        """Add one Kubernetes object, resolved as cdk8s would (None values dropped, nothing shared)."""
        self._plain.append((origin, resolved(obj)))

    def to_json(self) -> list[Any]:
        return [obj for _, obj in self.origins()]

    def origins(self) -> list[tuple[Origin, dict]]:
        """Every object, resolved, with its origin: the typed ones in the order they were registered, then the plain."""
        return [*((origin, api_object.to_json()) for origin, api_object in self._typed), *self._plain]


def resolved(value: Any) -> Any:
    """A deep copy without None values: what cdk8s makes of the same props (its sanitizeValue).

    The copy also keeps two objects from sharing a dict, which YAML would write as an alias."""
    if isinstance(value, dict):
        return {key: resolved(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [resolved(item) for item in value]
    return value
