"""`meshc status`: after Flux, is the environment applied and healthy? Reads the cluster, never writes.

Modules, each one step:
- `targets`: what to look at, from the environment's own build (names, groups, Secrets);
- `reads`: one pass of LISTs and GETs through meshc.diff.cluster (Secret values never kept);
- `revision`: the git commit of dist/<env> Flux should have applied;
- `assess`: live objects -> items, ready or not, with Kubernetes' own reasons;
- `render`: a table for people, JSON for CI;
- `engine`: `run_status`, the one function main.py calls, with the --wait loop.
"""

from meshc.status.engine import StatusOptions, StatusResult, run_status

__all__ = ["StatusOptions", "StatusResult", "run_status"]
