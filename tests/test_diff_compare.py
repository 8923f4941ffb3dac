"""compare.py: field-by-field differences of two plain objects, lists keyed as the API schema says."""

from __future__ import annotations

import pytest

from meshc.diff.compare import ABSENT, FieldChange, ItemKey, compare, compare_object, format_path

POD = "spec.template.spec"


def pairs(before, after) -> list[tuple]:
    return [(c.path, c.old, c.new) for c in compare(before, after)]


def deployment(**pod_spec) -> dict:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"template": {"spec": pod_spec}}}


def deployment_pairs(before: dict, after: dict) -> list[tuple]:
    return [(c.path, c.old, c.new) for c in compare_object(before, after, "apps/v1", "Deployment")]


def test_equal_objects_have_no_changes():
    obj = {"spec": {"replicas": 2, "selector": {"matchLabels": {"app": "a"}}}}
    assert compare(obj, {**obj}) == ()


def test_changed_added_and_removed_map_keys():
    assert pairs({"data": {"a": "1", "b": "2"}}, {"data": {"a": "9", "c": "3"}}) == [
        ("data.a", "1", "9"), ("data.b", "2", ABSENT), ("data.c", ABSENT, "3")]


def test_keys_that_are_not_identifiers_are_quoted():
    before = {"metadata": {"labels": {"app.kubernetes.io/version": "3.5"}}}
    after = {"metadata": {"labels": {"app.kubernetes.io/version": "3.6"}}}
    assert pairs(before, after) == [('metadata.labels["app.kubernetes.io/version"]', "3.5", "3.6")]


def test_keyed_lists_match_by_their_schema_keys_not_position():
    before = deployment(containers=[{"name": "a", "image": "x:1"}, {"name": "b", "image": "y:1"}])
    after = deployment(containers=[{"name": "a", "image": "x:1"}, {"name": "c", "image": "z:1"}])
    assert deployment_pairs(before, after) == [
        (f"{POD}.containers[name=c]", ABSENT, {"name": "c", "image": "z:1"}),
        (f"{POD}.containers[name=b]", {"name": "b", "image": "y:1"}, ABSENT)]


def test_a_list_with_several_map_keys_matches_on_all_of_them():
    port = {"containerPort": 8080, "protocol": "TCP"}
    before = deployment(containers=[{"name": "app", "ports": [{**port, "name": "http"}]}])
    after = deployment(containers=[{"name": "app", "ports": [{"containerPort": 9090, "protocol": "TCP"},
                                                             {**port, "name": "web"}]}])
    assert deployment_pairs(before, after) == [
        (f"{POD}.containers[name=app].ports[containerPort=9090,protocol=TCP]", ABSENT,
         {"containerPort": 9090, "protocol": "TCP"}),
        (f"{POD}.containers[name=app].ports[containerPort=8080,protocol=TCP].name", "http", "web")]


def test_a_reordered_keyed_list_is_reported_as_an_order_change():
    before = deployment(containers=[{"name": "app", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}])
    after = deployment(containers=[{"name": "app", "env": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]}])
    assert deployment_pairs(before, after) == [(f"{POD}.containers[name=app].env (order)", ["A", "B"], ["B", "A"])]


def test_a_keyed_list_whose_items_break_the_key_rules_is_compared_by_position():
    before = deployment(containers=[{"name": "a", "image": "x:1"}, {"name": "a", "image": "y:1"}])
    after = deployment(containers=[{"name": "a", "image": "x:1"}, {"name": "a", "image": "y:2"}])
    assert deployment_pairs(before, after) == [(f"{POD}.containers[1].image", "y:1", "y:2")]
    odd = deployment(containers=[{"name": {"not": "a name"}}])
    assert deployment_pairs(odd, deployment(containers=[{"name": "b"}])) == [  # one side keyed, one not
        (f"{POD}.containers", [{"name": {"not": "a name"}}], [{"name": "b"}])]


def test_a_list_the_schema_calls_atomic_is_compared_by_position_even_with_unique_names():
    # HelmRelease has no schema in kubernetes-validate, so its lists are atomic, as in a CRD without markers.
    before = {"spec": {"values": {"items": [{"name": "a"}, {"name": "b"}]}}}
    after = {"spec": {"values": {"items": [{"name": "b"}, {"name": "a"}]}}}
    assert [(c.path, c.old, c.new) for c in compare_object(before, after, "helm.toolkit.fluxcd.io/v2", "HelmRelease")] == [
        ("spec.values.items[0].name", "a", "b"), ("spec.values.items[1].name", "b", "a")]


def test_other_lists_compare_item_by_item_when_lengths_agree():
    assert pairs({"command": ["python", "a.py"]}, {"command": ["python", "b.py"]}) == [("command[1]", "a.py", "b.py")]


def test_other_lists_compare_whole_when_lengths_differ():
    assert pairs({"args": ["-v"]}, {"args": ["-v", "-x"]}) == [("args", ["-v"], ["-v", "-x"])]


def test_a_type_change_is_one_change():
    assert pairs({"port": 80}, {"port": "http"}) == [("port", 80, "http")]


def test_absent_is_a_singleton_that_prints_as_absent():
    assert repr(ABSENT) == "(absent)" and type(ABSENT)() is ABSENT


@pytest.mark.parametrize("path, text", [
    (("spec", "replicas"), "spec.replicas"),
    (("spec", ("name", "app"), "image"), "spec[name=app].image"),
    (("ports", ItemKey((("port", 80), ("protocol", "TCP")))), "ports[port=80,protocol=TCP]"),
    (("items", 0), "items[0]"),
    ((), "(object)"),
])
def test_format_path(path, text):
    assert format_path(path) == text


def test_changes_are_frozen_values():
    change = FieldChange(path="a", old=1, new=2)
    with pytest.raises(AttributeError):
        change.path = "b"


def test_changes_take_keyword_fields_only():
    with pytest.raises(TypeError):
        FieldChange("a", 1, 2)
