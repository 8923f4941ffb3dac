"""The one door to cdk8s and jsii.

jsii runs every construct call in a Node process. The project pins a supported
Node (npm package `node`, installed into node_modules/) because the machine's
Node 20 is end of life; putting it first on PATH here, before jsii starts,
makes `python main.py` use it too, not only `make` and `cdk8s synth`.
Quantities and int-or-strings are jsii calls of their own, so they are cached:
a platform repeats the same few values thousands of times.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
_NODE_BIN = PROJECT_ROOT / "node_modules" / ".bin"

if (_NODE_BIN / "node").exists() and not os.environ.get("PATH", "").startswith(str(_NODE_BIN)):
    os.environ["PATH"] = f"{_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"

import cdk8s  # noqa: E402  (must follow the PATH set-up above)
from cdk8s_plus_33 import k8s  # noqa: E402
from constructs import Construct  # noqa: E402

__all__ = ["cdk8s", "k8s", "Construct", "quantity", "int_or_string"]


@lru_cache(maxsize=None)
def quantity(value: str) -> k8s.Quantity:
    return k8s.Quantity.from_string(value)


@lru_cache(maxsize=None)
def int_or_string(value: int | str) -> k8s.IntOrString:
    return k8s.IntOrString.from_number(value) if isinstance(value, int) else k8s.IntOrString.from_string(value)
