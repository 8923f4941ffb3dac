"""The model's base class, its cross-field error and the value types every part uses."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel

from meshc.kube_values import INT32_MAX
from meshc.kube import DNS1123_LABEL, INPUT_QUANTITY, LEADING_ZERO


def _wired_message(wired: list[str]) -> str:
    # One message naming them all: a validator stops at its first error, and the user should fix all at once.
    names, verb = (wired[0], "is") if len(wired) == 1 else (f"{', '.join(wired[:-1])} and {wired[-1]}", "are")
    return f"{names} {verb} set by meshc from the environment's wiring and cannot be overridden"


class FieldRuleError(ValueError):
    """A rule across fields, reported at `field` (a camelCase key) of the model that raised it."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class MeshcModel(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        alias_generator=to_camel,
        populate_by_name=True,
        validate_default=False,
    )


# --- value types --------------------------------------------------------------

_ENV_NAME = r"^[-._a-zA-Z][-._a-zA-Z0-9]*$"

DnsLabel = Annotated[
    str,
    Field(
        pattern=DNS1123_LABEL.pattern,
        max_length=63,
        description="A DNS-1123 label: lower-case letters, digits and '-', at most 63 characters.",
    ),
]
EnvVarName = Annotated[str, Field(pattern=_ENV_NAME, description="An environment variable name.")]


def _quantity_from_yaml(value: Any) -> Any:
    # YAML reads `cpu: 1` and `cpu: 0.5` as numbers; Kubernetes accepts both.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return format(value, ".15g") if isinstance(value, float) else str(value)
    return value


def _check_quantity(value: str) -> str:
    if LEADING_ZERO.match(value):
        raise ValueError(f"{value!r} starts with a zero, which tools read differently (as octal or decimal); write it without the leading zero")
    if not INPUT_QUANTITY.match(value):
        raise ValueError(f"{value!r} is not a Kubernetes quantity (for example 500m, 1, 256Mi, 10Gi)")
    return value


Quantity = Annotated[
    str,
    BeforeValidator(_quantity_from_yaml),
    AfterValidator(_check_quantity),
    WithJsonSchema({"anyOf": [{"type": "string", "pattern": INPUT_QUANTITY.pattern}, {"type": "number", "minimum": 0}]}),
    Field(description="A Kubernetes quantity such as 500m, 2, 256Mi or 10Gi."),
]
Port = Annotated[int, Field(ge=1, le=65535)]
Replicas = Annotated[int, Field(ge=0, le=INT32_MAX, description="Number of pods.")]
Duration = Annotated[str, Field(pattern=r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$", description="A Go duration such as 30s, 5m or 1h.")]
RenderMode = Literal["manifests", "helmrelease"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
