"""meshc: the GitOps manifest compiler for MCP Mesh.

Data flows one way: environment files -> validated model (``model``,
``loader``) -> constructs -> Kubernetes objects (``build``) -> checks ->
writer (``writer``). ``diff`` reads the same objects from ``build``.
"""
