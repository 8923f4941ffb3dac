"""compare.py: field-by-field differences of two plain objects."""

from __future__ import annotations

import pytest

from meshc.diff.compare import ABSENT, FieldChange, compare, format_path


def pairs(before, after) -> list[tuple]:
    return [(c.path, c.old, c.new) for c in compare(before, after)]


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


def test_named_lists_match_by_name_not_position():
    before = {"containers": [{"name": "a", "image": "x:1"}, {"name": "b", "image": "y:1"}]}
    after = {"containers": [{"name": "a", "image": "x:1"}, {"name": "c", "image": "z:1"}]}
    assert pairs(before, after) == [
        ("containers[name=c]", ABSENT, {"name": "c", "image": "z:1"}),
        ("containers[name=b]", {"name": "b", "image": "y:1"}, ABSENT)]


def test_a_reordered_named_list_is_reported_as_an_order_change():
    before = {"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
    after = {"env": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]}
    assert pairs(before, after) == [("env (order)", ["A", "B"], ["B", "A"])]


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
    (("items", 0), "items[0]"),
    ((), "(object)"),
])
def test_format_path(path, text):
    assert format_path(path) == text


def test_changes_are_frozen_values():
    change = FieldChange("a", 1, 2)
    with pytest.raises(AttributeError):
        change.path = "b"
