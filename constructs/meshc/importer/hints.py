"""Did-you-mean for Helm chart keys written into an environment file.

People paste their values files. A chart key meshc spells differently gets the
meshc key (`replicaCount` -> `replicas`) instead of the nearest spelling
(`agent` is not a typo of `image`). Plain data, imported by the loader.
"""

from __future__ import annotations

_AGENT_BLOCK = (
    "in meshc its keys sit directly under the agent: agent.http.port -> http.port, "
    "agent.capabilities -> capabilities, agent.dependencies -> dependencies, agent.command -> command; "
    "agent.name is the agent's key under agents, and the registry URL is derived"
)
# Chart keys as they appear inside a component (registry or agent).
_IN_COMPONENT = {
    "replicaCount": "write 'replicas'",
    "imagePullSecrets": "write it once for every pod as global.imagePullSecrets",
    "nodeSelector": "write 'affinity.nodeSelector'",
    "podDisruptionBudget": "write 'disruptionBudget'",
    "secrets": "write 'secretEnv': a reference to a Secret key, never the value (or 'envFrom: [{secret: NAME}]' for a whole Secret)",
    "existingSecret": "write 'envFrom: [{secret: NAME}]'",
    "registryUrl": "meshc derives every agent's registry URL from the environment's registry; remove it",
    "script": "write 'command: [python, /path/in/image.py]'",
}
_IN_AGENT = {
    "agent": _AGENT_BLOCK,
    "mesh": "meshc sets the MCP_MESH_* wiring itself; mesh.logLevel is the environment's top-level 'logLevel'; other variables go under 'env'",
    "registry": "meshc wires every agent to the environment's registry; remove it",
}
_IN_REGISTRY = {
    "registry": (
        "in meshc its keys sit directly under registry: registry.database -> database, registry.port -> service.port; "
        "registry.logging.level is the environment's top-level 'logLevel'"
    ),
}
_AT_TOP = {
    "agent": f"an agent goes under agents.<name>; {_AGENT_BLOCK}",
    "replicaCount": "write 'registry.replicas' or 'agents.<name>.replicas'",
    "imagePullSecrets": "write 'global.imagePullSecrets'",
    "image": "write 'registry.image' or 'agents.<name>.image'",
    "mcp-mesh-registry": "the umbrella's registry block is 'registry'",
}


def chart_key_hint(path: tuple) -> str | None:
    """What to write instead of the Helm chart key at `path` (the unknown key's full path), or None."""
    key, parent = str(path[-1]), tuple(path[:-1])
    if not parent:
        table = _AT_TOP
    elif parent == ("registry",):
        table = {**_IN_COMPONENT, **_IN_REGISTRY}
    elif len(parent) == 2 and parent[0] == "agents":
        table = {**_IN_COMPONENT, **_IN_AGENT}
    else:
        return None
    hint = table.get(key)
    return f"{key!r} is a Helm chart key: {hint} (python main.py import-helm translates a values file)" if hint else None
