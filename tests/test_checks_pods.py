"""meshc.checks.pods: workloads at their worst case (HPA maximum, rolling surge)."""

from __future__ import annotations

import pytest
from checks.support import deployment, origin_of

from meshc.build import Manifest
from meshc.checks.pods import pod_runners, rolling_surge


@pytest.mark.parametrize(("strategy", "replicas", "surge"), [
    ({}, 4, 1), ({}, 5, 2), ({}, 0, 0),  # default 25%, rounded up
    ({"type": "Recreate"}, 10, 0),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}, 10, 1),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "50%"}}, 3, 2),
    ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3}}, 2, 2),  # the new ReplicaSet stops at replicas
    ({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}, 0, 0),
])
def test_rolling_surge(strategy, replicas, surge):
    assert rolling_surge({"strategy": strategy} if strategy else {}, replicas) == surge


def test_an_hpa_sets_the_replicas_and_the_key_that_sets_them():
    app = Manifest(origin_of("agent/a", "agents.a"), deployment("a", replicas=None))
    hpa = Manifest(origin_of("agent/a", "agents.a"), {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "a", "namespace": "mesh"},
        "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "a"}, "maxReplicas": 12}})
    (load,) = pod_runners((app, hpa))
    assert (load.replicas, load.surge, load.pods) == (12, 3, 15)
    assert load.replicas_key == ("agents", "a", "autoscaling", "maxReplicas")
    assert load.describe() == "HPA max 12 + 3 surge = 15 pods"


def test_replicas_default_to_one_and_other_kinds_are_not_workloads():
    app = Manifest(origin_of("registry", "registry"), deployment("r", replicas=None, strategy={"type": "Recreate"}))
    cm = Manifest(origin_of("registry", "registry"), {"kind": "ConfigMap", "metadata": {"name": "c"}})
    (load,) = pod_runners((app, cm))
    assert (load.replicas, load.pods, load.replicas_key, load.describe()) == (1, 1, ("registry", "replicas"), "1 pod")
