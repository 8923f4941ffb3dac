"""Where an object comes from: the delivery layer that applies it, the mesh
component that made it and the environment key that configures it.

Constructs attach an `Origin` to every object they build, so nothing
downstream has to read it back out of labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from meshc.yaml_source import KeyPath, dotted


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


class Setting(StrEnum):
    """What a check may blame an object's value on; the object's `Origin` says which environment key sets it.

    Below `resources`, `autoscaling` and `persistence` the environment uses the Kubernetes field
    names (`requests.cpu`, `maxReplicas`, `size`), so a check may name a field under them."""

    REPLICAS = "replicas"
    AUTOSCALING = "autoscaling"
    RESOURCES = "resources"
    PORT = "port"
    IMAGE_TAG = "image tag"
    ENV = "env"
    SECRET_ENV = "secret env"
    ENV_FROM = "env sources"
    PERSISTENCE = "persistence"
    RENDER = "render mode"
    QUOTA_HARD = "quota limits"


# Where a registry or agent reads each setting, below its own key (`agents.<name>`, `registry`).
_WORKLOAD_SETTINGS: dict[Setting, KeyPath] = {
    Setting.REPLICAS: ("replicas",),
    Setting.AUTOSCALING: ("autoscaling",),
    Setting.RESOURCES: ("resources",),
    Setting.IMAGE_TAG: ("image", "tag"),
    Setting.ENV: ("env",),
    Setting.ENV_FROM: ("envFrom",),
    Setting.PERSISTENCE: ("persistence",),
    Setting.RENDER: ("render",),
}


@dataclass(frozen=True)
class Origin:
    """layer: the dist/ folder; component: "platform", "registry", "agent/<name>", ...;
    key: the environment key path that produced the object (("agents", "weather"));
    settings: the keys, below the environment's root, that set the object's settings."""

    layer: Layer
    component: str
    key: KeyPath
    settings: tuple[tuple[Setting, KeyPath], ...] = ()

    @property
    def source_key(self) -> str:
        """`key`, dotted ("agents.weather"), as dist/ headers and messages show it."""
        return dotted(self.key)

    def sets(self, setting: Setting) -> bool:
        """Whether one environment key of this object's own sets `setting`."""
        return any(known is setting for known, _ in self.settings)

    def key_of(self, setting: Setting) -> KeyPath:
        """The environment key that sets `setting` of this object; the object's own key when no single key does."""
        return dict(self.settings).get(setting, self.key)

    @classmethod
    def platform(cls, key: str = "global") -> Origin:
        """The namespace and what every component shares (policies, chart sources)."""
        return cls(Layer.PLATFORM, "platform", (key,))

    @classmethod
    def quota(cls) -> Origin:
        return cls(Layer.PLATFORM, "platform", ("resourceQuota",), ((Setting.QUOTA_HARD, ("resourceQuota", "hard")),))

    @classmethod
    def database(cls) -> Origin:
        return cls(Layer.DATA, "database", ("postgresql",))

    @classmethod
    def monitoring(cls) -> Origin:
        return cls(Layer.MONITORING, "monitoring", ("monitoring",))

    @classmethod
    def delivery(cls) -> Origin:
        return cls(Layer.FLUX, "delivery", ("gitops",))

    @classmethod
    def agent(cls, name: str) -> Origin:
        # Agents alone read single Secret keys (`secretEnv`); the registry reads whole Secrets (`envFrom`).
        return cls._workload(Layer.AGENTS, f"agent/{name}", ("agents", name),
                             {Setting.PORT: ("http", "port"), Setting.SECRET_ENV: ("secretEnv",)})

    @classmethod
    def registry(cls) -> Origin:
        return cls._workload(Layer.REGISTRY, "registry", ("registry",), {Setting.PORT: ("service", "port")})

    @classmethod
    def _workload(cls, layer: Layer, component: str, key: KeyPath, own: dict[Setting, KeyPath]) -> Origin:
        settings = {**_WORKLOAD_SETTINGS, **own}
        return cls(layer, component, key, tuple((setting, (*key, *below)) for setting, below in settings.items()))


# The one order users see components in (validate, diff and status): the named ones, then each
# agent by name, then anything else.
COMPONENT_ORDER = ("platform", "delivery", "database", "monitoring", "registry")


def component_rank(component: str) -> tuple[int, int, str]:
    if component in COMPONENT_ORDER:
        return (0, COMPONENT_ORDER.index(component), "")
    if component.startswith("agent/"):
        return (1, 0, component)
    return (2, 0, component)
