"""Schema validation that checks each distinct shape of object once.

Most schemas an object is checked against constrain only its structure:
which keys, which JSON types, which items, and for strings only `enum`.
Against such a schema an object is valid exactly when its *shape* is: the
same object with every string that no `enum` of the schema names replaced by
one placeholder. Five hundred agents have a handful of shapes, so a synth
validates a handful of objects per kind instead of thousands; an object whose
shape has not been seen valid is validated in full, so every error message
is about the real object. A schema with any keyword that looks at values
(pattern, lengths, bounds, ...) is always validated in full.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator

from jsonschema.exceptions import ValidationError

# Keywords whose outcome depends only on keys, JSON types, lengths and sub-schemas.
_STRUCTURAL = {
    "type", "properties", "additionalProperties", "required", "items", "prefixItems", "minItems", "maxItems",
    "minProperties", "maxProperties", "allOf", "anyOf", "oneOf", "not", "$ref", "$defs", "definitions",
    "patternProperties", "propertyNames", "dependentRequired", "dependentSchemas", "if", "then", "else", "contains",
}
# Keywords that never decide validity (no format checker is used).
_ANNOTATIONS = {"description", "title", "default", "examples", "format", "$schema", "$id", "nullable", "readOnly", "writeOnly"}
# Keywords whose value maps names to sub-schemas.
_SCHEMA_MAPS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
_PLACEHOLDER = "\x00"


def enum_strings(schemas: Iterable[dict]) -> frozenset[str] | None:
    """Every string an `enum` of the schemas names; None when a schema has a keyword that looks at values."""
    found: set[str] = set()
    pending = [s for s in schemas]
    while pending:
        schema = pending.pop()
        if isinstance(schema, list):
            pending += schema
            continue
        if not isinstance(schema, dict):
            continue
        for keyword, value in schema.items():
            if keyword == "enum":
                found |= {v for v in value if isinstance(v, str)}
            elif keyword in _SCHEMA_MAPS:
                pending += list(value.values())
            elif keyword in _STRUCTURAL:
                pending.append(value)
            elif keyword not in _ANNOTATIONS and not keyword.startswith("x-kubernetes-"):
                return None
    return frozenset(found)


def shape(value: object, kept: frozenset[str]) -> Hashable:
    """The value with every string not in `kept` replaced by one placeholder, as a hashable key:
    two values have the same key exactly when they have the same shape (a mapping's key order
    aside; `True`, `1` and `1.0` differ, as they do in JSON)."""
    kind = type(value)
    if kind is str:
        return value if value in kept else _PLACEHOLDER
    if kind is dict:
        return frozenset((key, shape(item, kept)) for key, item in value.items())
    if kind is list:
        return (list, *(shape(item, kept) for item in value))
    return (kind, value)


class ShapeValidator:
    """Wraps a jsonschema validator; `iter_errors` skips objects whose shape already validated."""

    def __init__(self, validator, kept: frozenset[str] | None):
        self.validator = validator
        self.kept = kept
        self.valid_shapes: set[Hashable] = set()

    def iter_errors(self, instance: object) -> Iterator[ValidationError]:
        if self.kept is None:
            return self.validator.iter_errors(instance)
        key = shape(instance, self.kept)
        if key in self.valid_shapes:
            return iter(())
        errors = list(self.validator.iter_errors(instance))
        if not errors:
            self.valid_shapes.add(key)
        return iter(errors)
