"""meshc.origin: every object carries the origin its construct gave it, and nothing reads it back from labels."""

from __future__ import annotations

import json
from collections import Counter

from meshc.origin import Layer, Origin, Setting


def test_an_agent_names_its_own_keys():
    origin = Origin.agent("weather")
    assert (origin.layer, origin.component, origin.source_key) == (Layer.AGENTS, "agent/weather", "agents.weather")
    assert origin.key_of(Setting.PORT) == ("agents", "weather", "http", "port")
    assert origin.key_of(Setting.SECRET_ENV) == ("agents", "weather", "secretEnv")


def test_the_registry_reads_its_port_from_its_service():
    origin = Origin.registry()
    assert origin.key_of(Setting.PORT) == ("registry", "service", "port")
    assert not origin.sets(Setting.SECRET_ENV)


def test_a_setting_no_key_of_its_own_sets_falls_back_to_the_objects_key():
    assert Origin.platform("networkPolicies").key_of(Setting.REPLICAS) == ("networkPolicies",)
    assert Origin.quota().key_of(Setting.QUOTA_HARD) == ("resourceQuota", "hard")


def test_every_object_cdk8s_synthesizes_is_carried_with_its_origin(repo_root):
    """A typed object created without `MeshChart.add_typed` would reach cdk8s but not dist/."""
    from meshc.build import compose
    from meshc.loader import load_environments
    from meshc.runtime import cdk8s

    for environment, chart in compose(load_environments(repo_root / "environments")):
        carried = Counter(canonical(obj) for _, obj in chart.origins())
        synthesized = Counter(canonical(obj) for obj in cdk8s.Chart.to_json(chart))
        assert synthesized - carried == Counter(), environment.name


def canonical(obj: dict) -> str:
    return json.dumps(obj, sort_keys=True)
