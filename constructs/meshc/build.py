"""Validated environments -> Kubernetes objects, through real cdk8s synthesis.

One cdk8s App holds one `MeshChart` per environment; its `to_json()` resolves
the typed constructs through jsii and adds the objects constructs built as
plain data. The result is plain dicts tagged with the environment, the
delivery layer, the component and the environment key that made them (the
`Origin` each construct gave its objects); the checks, the writer and `diff`
all read this same list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from meshc.loader import LoadedEnvironment
from meshc.origin import Origin

if TYPE_CHECKING:
    from meshc.runtime import MeshChart


@dataclass(frozen=True)
class Manifest:
    """One Kubernetes object and where it comes from."""

    origin: Origin
    obj: dict

    @property
    def layer(self) -> str:
        return self.origin.layer

    @property
    def component(self) -> str:
        """"platform", "registry", "agent/<name>", ..."""
        return self.origin.component

    @property
    def source_key(self) -> str:
        """The environment key path that produced the object ("agents.weather")."""
        return self.origin.source_key

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
    return [
        BuiltEnvironment(environment, tuple(Manifest(origin, obj) for origin, obj in chart.origins()))
        for environment, chart in compose(environments)
    ]


def compose(environments: list[LoadedEnvironment]) -> list[tuple[LoadedEnvironment, MeshChart]]:
    """One cdk8s App holding a `Platform` per environment, in a chart of its own."""
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
    return charts
