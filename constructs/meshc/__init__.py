"""meshc: the GitOps manifest compiler for MCP Mesh.

Data flows one way: environment files -> validated model (``model``,
``loader``) -> constructs -> Kubernetes objects (``build``) -> checks ->
writer (``writer``). ``diff`` reads the same objects from ``build``.
"""

import os
from pathlib import Path

# jsii starts its Node process on the first import of any cdk8s binding, and
# the machine's Node 20 is end of life. The project pins a supported Node (npm
# package `node`, in node_modules/); putting it first on PATH here, before any
# submodule can import jsii, makes `python main.py` use it too, not only
# `make` and `cdk8s synth`.
_NODE_BIN = Path(__file__).resolve().parents[2] / "node_modules" / ".bin"
if (_NODE_BIN / "node").exists() and not os.environ.get("PATH", "").startswith(str(_NODE_BIN)):
    os.environ["PATH"] = f"{_NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
