"""meshc.checks.shapes: each distinct shape of object is validated once, and only
against schemas whose verdict the shape decides."""

from __future__ import annotations

import jsonschema

from meshc.checks.schema import builtin_validator
from meshc.checks.shapes import ShapeValidator, enum_strings, shape


def service(name: str, kind: str = "Service", port: object = 80) -> dict:
    return {
        "apiVersion": "v1",
        "kind": kind,
        "metadata": {"name": name, "namespace": "mesh"},
        "spec": {"type": "ClusterIP", "ports": [{"name": "http", "port": port}]},
    }


class CountingValidator:
    def __init__(self, schema: dict):
        self.validator = jsonschema.Draft202012Validator(schema)
        self.calls = 0

    def iter_errors(self, instance):
        self.calls += 1
        return self.validator.iter_errors(instance)


def test_strings_become_one_placeholder_unless_an_enum_names_them():
    assert shape({"type": "ClusterIP", "name": "a", "port": 80}, frozenset({"ClusterIP"})) == shape(
        {"type": "ClusterIP", "name": "b", "port": 80}, frozenset({"ClusterIP"})
    )
    assert shape({"type": "NodePort"}, frozenset({"ClusterIP"})) != shape({"type": "ClusterIP"}, frozenset({"ClusterIP"}))


def test_an_object_shaped_like_one_already_valid_is_not_validated_again():
    counting = CountingValidator({"type": "object", "properties": {"name": {"type": "string"}}})
    validator = ShapeValidator(counting, frozenset())
    assert list(validator.iter_errors({"name": "a"})) == []
    assert list(validator.iter_errors({"name": "b"})) == []
    assert counting.calls == 1


def test_an_invalid_object_is_validated_in_full_every_time():
    counting = CountingValidator({"type": "object", "properties": {"name": {"type": "string"}}})
    validator = ShapeValidator(counting, frozenset())
    for _ in range(2):
        assert [e.message for e in validator.iter_errors({"name": 3})] == ["3 is not of type 'string'"]
    assert counting.calls == 2


def test_a_value_outside_an_enum_is_caught_after_a_valid_object_of_the_same_shape():
    validator = builtin_validator("1.33", "v1", "Service")  # its `kind` is an enum of one
    assert list(validator.iter_errors(service("a"))) == []
    errors = list(validator.iter_errors(service("b", kind="Servise")))
    assert errors and "Servise" in errors[0].message


def test_a_value_of_another_type_is_caught_after_a_valid_object():
    validator = builtin_validator("1.33", "v1", "Service")
    assert list(validator.iter_errors(service("a"))) == []
    assert list(validator.iter_errors(service("b", port=[80])))


def test_a_schema_that_looks_at_values_is_always_validated_in_full():
    assert enum_strings([{"type": "string", "pattern": "^a"}]) is None
    assert enum_strings([{"properties": {"n": {"type": "integer", "maximum": 3}}}]) is None
    assert enum_strings([{"properties": {"pattern": {"type": "string", "enum": ["x"]}}}]) == frozenset({"x"})
