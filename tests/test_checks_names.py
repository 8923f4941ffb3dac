"""meshc.checks.names: names valid for their kind and unique per kind and namespace; labels valid."""

from __future__ import annotations

import pytest
from checks.support import deployment, scope_of

from meshc.checks import names


def cm(name: str, namespace: str = "mesh", labels: dict | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace, "labels": labels or {}}}


def run(*objects):
    return names.check(scope_of(list(objects)))


def test_valid_names_pass():
    assert run(("agent/a", "agents.a", deployment("a")), ("agent/a", "agents.a", cm("a.config"))) == []


def test_a_service_name_must_start_with_a_letter_but_a_config_map_need_not():
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "1st", "namespace": "mesh"}, "spec": {}}
    (finding,) = run(("agent/1st", "agents.1st", service), ("agent/1st", "agents.1st", cm("1st")))
    assert (finding.check, finding.key_path) == ("names.invalid", "agents.1st")
    assert "'1st' is not a DNS-1035 label" in finding.message


def test_an_invalid_namespace_points_at_global_namespace():
    (finding,) = run(("platform", "global", cm("x", namespace="Mesh_1")))
    assert finding.key_path == "global.namespace"


def test_the_same_kind_name_and_namespace_twice_is_one_finding_per_pair_of_components():
    objects = [("registry", "registry", cm("x")), ("registry", "registry", cm("y")),
               ("agent/x", "agents.x", cm("x")), ("agent/x", "agents.x", cm("y"))]
    (finding,) = run(*objects)
    assert (finding.check, finding.key_path, finding.component) == ("names.duplicate", "agents.x", "agent/x")
    assert finding.message.startswith("ConfigMap/mesh/x, ConfigMap/mesh/y are also written by registry")


def test_the_same_name_in_another_namespace_or_kind_is_fine():
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x", "namespace": "mesh"}, "spec": {}}
    assert run(("registry", "registry", cm("x")), ("agent/x", "agents.x", cm("x", namespace="other")), ("agent/x", "agents.x", service)) == []


def test_an_invalid_version_label_points_at_the_image_tag():
    (finding,) = run(("agent/a", "agents.a", cm("a", labels={"app.kubernetes.io/version": "1.0+build"})))
    assert (finding.check, finding.key_path) == ("names.label-invalid", "agents.a.image.tag")


def test_pod_template_labels_are_checked():
    (finding,) = run(("platform", "global", deployment("a", labels={"app": "a b"})))
    assert "label app='a b'" in finding.message and finding.key_path == "global"


@pytest.mark.parametrize(("key", "ok"), [
    ("app", True), ("app.kubernetes.io/name", True), ("meshc.io/environment", True),
    ("-app", False), ("Example.COM/x", False), ("a/b/c", False), ("x" * 64, False), ("", False),
])
def test_label_keys(key, ok):
    assert names.valid_label_key(key) is ok
