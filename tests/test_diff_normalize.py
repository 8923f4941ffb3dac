"""normalize.py: each named step, with the live fixture showing the server default it cancels."""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest

from meshc.diff.normalize import (
    align_quantities,
    drop_hpa_replicas,
    hpa_targets,
    project_onto,
    quantity_value,
    secret_string_data,
    strip_bookkeeping,
)
from test_diff_support import built, desired, live_items  # noqa: F401  (fixtures)


def live(live_items, kind: str, name: str) -> dict:
    return copy.deepcopy(next(o for o in live_items if (o["kind"], o["metadata"]["name"]) == (kind, name)))


def test_strip_bookkeeping_drops_what_the_server_keeps_for_itself(live_items):
    stripped = strip_bookkeeping(live(live_items, "Deployment", "hello-agent"))
    assert set(stripped["metadata"]) == {"labels", "name", "namespace"}  # revision annotation gone, and the map
    assert "status" not in stripped


def test_strip_bookkeeping_keeps_other_annotations_and_leaves_its_input_alone(live_items):
    obj = live(live_items, "Deployment", "hello-agent")
    obj["metadata"]["annotations"]["team"] = "mesh"
    original = copy.deepcopy(obj)
    assert strip_bookkeeping(obj)["metadata"]["annotations"] == {"team": "mesh"}
    assert obj == original


def test_strip_bookkeeping_drops_the_last_applied_annotation(live_items):
    secret = strip_bookkeeping(live(live_items, "Secret", "retired-agent-token"))
    assert "annotations" not in secret["metadata"]


def test_projection_cancels_every_server_default(live_items, built):
    for kind, name in [("Deployment", "hello-agent"), ("Service", "hello-agent"), ("Namespace", "mesh-demo"),
                       ("NetworkPolicy", "allow-dns-egress"), ("HelmRelease", "postgresql")]:
        want = desired(built, kind, name)
        assert project_onto(strip_bookkeeping(live(live_items, kind, name)), want) == want, kind


def test_projection_keeps_a_changed_value_and_a_missing_field_visible():
    live_obj = {"spec": {"containers": [{"name": "app", "image": "x:1", "imagePullPolicy": "Always"}]}}
    wanted = {"spec": {"containers": [{"name": "app", "image": "x:2", "ports": [{"containerPort": 80}]}]}}
    assert project_onto(live_obj, wanted) == {"spec": {"containers": [{"name": "app", "image": "x:1"}]}}


def test_projection_matches_keyed_lists_by_their_schema_keys_whatever_the_order():
    from meshc.diff.listkeys import schema_of

    live_obj = {"spec": {"template": {"spec": {"containers": [
        {"name": "sidecar", "image": "s:1", "imagePullPolicy": "Always"},
        {"name": "app", "image": "x:1", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}}}}
    wanted = {"spec": {"template": {"spec": {"containers": [
        {"name": "app", "image": "x:2", "ports": [{"containerPort": 80}]}]}}}}
    assert project_onto(live_obj, wanted, schema_of("apps/v1", "Deployment")) == {"spec": {"template": {"spec": {
        "containers": [{"name": "sidecar", "image": "s:1", "imagePullPolicy": "Always"},
                       {"name": "app", "image": "x:1", "ports": [{"containerPort": 80}]}]}}}}


def test_projection_matches_unnamed_lists_by_position():
    live_obj = [{"configMapRef": {"name": "a", "optional": False}}]
    assert project_onto(live_obj, [{"configMapRef": {"name": "a"}}]) == [{"configMapRef": {"name": "a"}}]


@pytest.mark.parametrize("text, value", [
    ("1", Decimal(1)), ("500m", Decimal("0.5")), ("0.5", Decimal("0.5")), ("1Gi", Decimal(2**30)),
    ("1024Mi", Decimal(2**30)), ("2k", Decimal(2000)), ("1e3", Decimal(1000)), (4, Decimal(4)),
    ("fast", None), ("", None), (True, None), (None, None),
])
def test_quantity_values(text, value):
    assert quantity_value(text) == value


def test_align_quantities_takes_meshcs_spelling_when_the_amount_is_the_same():
    live_obj = {"resources": {"limits": {"cpu": "500m", "memory": "1Gi"}, "requests": {"cpu": "100m"}},
                "hard": {"requests.storage": "20Gi"}, "name": "1Gi"}
    wanted = {"resources": {"limits": {"cpu": "0.5", "memory": "1024Mi"}, "requests": {"cpu": "200m"}},
              "hard": {"requests.storage": "20480Mi"}, "name": "1024Mi"}
    assert align_quantities(live_obj, wanted) == {
        "resources": {"limits": {"cpu": "0.5", "memory": "1024Mi"}, "requests": {"cpu": "100m"}},
        "hard": {"requests.storage": "20480Mi"}, "name": "1Gi"}  # not a quantity field: left as it is


def test_secret_string_data_is_stored_as_base64_data():
    secret = {"kind": "Secret", "data": {"a": "eA=="}, "stringData": {"b": "y"}}
    assert secret_string_data(secret) == {"kind": "Secret", "data": {"a": "eA==", "b": "eQ=="}}
    assert secret_string_data({"kind": "ConfigMap", "stringData": {"b": "y"}}) == {"kind": "ConfigMap",
                                                                                   "stringData": {"b": "y"}}


def test_hpa_replicas_are_dropped_from_workloads_only(live_items):
    deployment = live(live_items, "Deployment", "weather-agent")
    assert "replicas" not in drop_hpa_replicas(deployment)["spec"] and deployment["spec"]["replicas"] == 3
    assert drop_hpa_replicas({"kind": "ConfigMap", "spec": {"replicas": 1}})["spec"] == {"replicas": 1}


def test_hpa_targets_name_the_scaled_workloads(live_items):
    assert hpa_targets(live_items) == {("Deployment", "mesh-demo", "weather-agent")}
