"""A stand-in for one agent of an environment, written with the real MCP Mesh SDK.

The image's own script is not here, so this plays its part in the mesh: it
offers every capability the environment lists for the agent (one tool each)
and declares every dependency on the first of them (the SDK 3.8.0 heartbeat
fails for a tool without a capability). Everything else, where it listens, what it
advertises, which registry it joins, comes from the environment variables the
container gets from dist/, read by the SDK itself.

    python stand_in_agent.py NAME --capability CAP... --dependency CAP...
"""

from __future__ import annotations

import argparse
import inspect

import mesh
from fastmcp import FastMCP
from mesh import McpMeshTool


def offer(app: FastMCP, capability: str, dependencies: list[str]) -> None:
    """A tool providing `capability`; the SDK injects one parameter per dependency."""

    def provide(**injected: McpMeshTool | None) -> dict:
        return {"capability": capability, "injected": {k: v is not None for k, v in injected.items()}}

    parameters = [
        inspect.Parameter(f"dependency_{i}", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=McpMeshTool | None)
        for i in range(len(dependencies))
    ]
    provide.__signature__ = inspect.Signature(parameters, return_annotation=dict)
    provide.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": dict}
    provide.__name__ = provide.__qualname__ = f"provide_{capability}"
    mesh.tool(capability=capability, dependencies=dependencies or None)(app.tool()(provide))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("name")
    parser.add_argument("--capability", action="append", default=[])
    parser.add_argument("--dependency", action="append", default=[])
    args = parser.parse_args()
    app = FastMCP(args.name)
    if args.dependency and not args.capability:
        raise SystemExit("the SDK registers dependencies only on a tool that provides a capability")
    for index, capability in enumerate(args.capability):
        offer(app, capability, args.dependency if index == 0 else [])

    @mesh.agent(name=args.name, auto_run=True)
    class StandIn:
        pass


if __name__ == "__main__":
    main()
