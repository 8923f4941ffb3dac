"""Rules a valid environment must also meet because of what meshc makes of it.

The model validates the input as written. These rules look at what synth would produce from
it: object names that fit Kubernetes' limit, a HelmRelease order Flux can finish, an umbrella
install meshc can adopt, and a Kubernetes version meshc has API schemas for. The loader runs
them once the model is valid and reports every broken one at once, at the key that causes
it, like any other input problem (exit 2, nothing written).
"""

from __future__ import annotations

from meshc.graph import cycles
from meshc.kube_values import supported_kubernetes_versions
from meshc.model import Environment
from meshc.naming import AGENT_CHART, MAX_NAME_LENGTH, REGISTRY_CHART, component_names, too_long
from meshc.yaml_source import KeyPath, dotted

RuleProblem = tuple[KeyPath, str]


def broken_rules(environment: Environment) -> list[RuleProblem]:
    return [
        *_names_fit(environment),
        *_release_order_finishes(environment),
        *_umbrella_adoptable(environment),
        *_schemas_exist(environment),
    ]


def _names_fit(environment: Environment) -> list[RuleProblem]:
    """Every object name derived from a release (base name plus -config, -headless, -data) fits."""
    registry = environment.registry
    releases = [(("registry", "name"), registry.name, REGISTRY_CHART, ("config", "headless") + ("data",) * registry.persistence.enabled)]
    releases += [
        (("agents", name), name, AGENT_CHART, ("config",) + ("data",) * agent.persistence.enabled)
        for name, agent in environment.agents.items()
    ]
    problems = []
    for key, release, chart, suffixes in releases:
        overlong = too_long(component_names(release, chart, environment.naming, environment.umbrella_release()), suffixes)
        if overlong:
            problems.append((key, f"derived name {overlong[0]!r} is {len(overlong[0])} characters, "
                                  f"over the Kubernetes limit of {MAX_NAME_LENGTH}; choose a shorter name"))
    return problems


def _release_order_finishes(environment: Environment) -> list[RuleProblem]:
    found = cycles(environment.release_order())
    if not found:
        return []
    cycle = found[0]
    return [(("agents", cycle[0], "dependencies"),
             f"the HelmRelease order has a cycle ({' -> '.join(cycle)}), so Flux would wait forever; "
             "render one of these agents as manifests (render: manifests) or drop a dependency")]


def _umbrella_adoptable(environment: Environment) -> list[RuleProblem]:
    if environment.helm_umbrella is None:
        return []
    if environment.naming != "helm-compatible":
        return [(("naming",), "helmUmbrella adopts a Helm install; it needs naming: helm-compatible")]
    components = {("registry",): environment.registry, **{("agents", n): a for n, a in environment.agents.items()}}
    released = [key for key, component in components.items() if environment.render_of(component) == "helmrelease"]
    if released:
        return [(("helmUmbrella",),
                 f"{dotted(released[0])} renders as a HelmRelease of its own chart, which cannot keep the umbrella's names; "
                 "use render: manifests")]
    return []


def _schemas_exist(environment: Environment) -> list[RuleProblem]:
    version = environment.validation.kubernetes_version
    shipped = supported_kubernetes_versions()
    if version in shipped:
        return []
    return [(("validation", "kubernetesVersion"),
             f"no API schema for Kubernetes {version}; choose one of {shipped[0]} to {shipped[-1]}")]
