"""The one door to cdk8s and jsii (the pinned Node runtime is put on PATH by `meshc/__init__.py`).

Quantities and int-or-strings are jsii calls of their own, so they are cached:
a platform repeats the same few values thousands of times.

`MeshChart` is the chart every meshc environment is synthesized in. Besides
the typed cdk8s objects it holds objects its constructs built as plain,
already resolved data: a typed binding costs a jsii round trip and its
Python-side type checks per object, which for the mesh's thousands of
workload objects was most of a synth. Its `to_json()` returns both.
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
    """A cdk8s Chart that also takes objects built as plain data (`add_plain`).

    `to_json()` is cdk8s's own synthesis of the typed objects, followed by the
    plain objects in the order they were added; `origins()` pairs each object
    of `to_json()` with the origin its construct gave it (None for a typed one).
    """

    def __init__(self, scope: Construct, id: str, **options: Any):
        super().__init__(scope, id, **options)
        self._plain: list[tuple[Origin, dict]] = []

    @staticmethod
    def of(scope: Construct) -> MeshChart:
        """The MeshChart `scope` is in: asked of cdk8s once per scope, then remembered on it
        (five hundred agents in one Platform cost one jsii call, not five hundred)."""
        chart = scope if isinstance(scope, MeshChart) else getattr(scope, "_mesh_chart", None)
        if chart is None:
            chart = cdk8s.Chart.of(scope)
            if not isinstance(chart, MeshChart):
                raise TypeError(f"{type(scope).__name__} holds plain objects: put it in a meshc.runtime.MeshChart")
            scope._mesh_chart = chart
        return chart

    def add_plain(self, obj: dict, origin: Origin) -> None:
        """Add one Kubernetes object, resolved as cdk8s would (None values dropped, nothing shared)."""
        self._plain.append((origin, resolved(obj)))

    def to_json(self) -> list[Any]:
        return [*super().to_json(), *(obj for _, obj in self._plain)]

    def origins(self) -> list[tuple[Origin | None, dict]]:
        return [*((None, obj) for obj in super().to_json()), *self._plain]


def resolved(value: Any) -> Any:
    """A deep copy without None values: what cdk8s makes of the same props (its sanitizeValue).

    The copy also keeps two objects from sharing a dict, which YAML would write as an alias."""
    if isinstance(value, dict):
        return {key: resolved(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [resolved(item) for item in value]
    return value
