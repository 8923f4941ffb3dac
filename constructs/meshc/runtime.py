"""The one door to cdk8s and jsii (the pinned Node runtime is put on PATH by `meshc/__init__.py`).

Quantities and int-or-strings are jsii calls of their own, so they are cached:
a platform repeats the same few values thousands of times.
"""

from __future__ import annotations

from functools import lru_cache

import cdk8s
from cdk8s_plus_33 import k8s
from constructs import Construct

__all__ = ["cdk8s", "k8s", "Construct", "quantity", "int_or_string"]


@lru_cache(maxsize=None)
def quantity(value: str) -> k8s.Quantity:
    return k8s.Quantity.from_string(value)


@lru_cache(maxsize=None)
def int_or_string(value: int | str) -> k8s.IntOrString:
    return k8s.IntOrString.from_number(value) if isinstance(value, int) else k8s.IntOrString.from_string(value)
