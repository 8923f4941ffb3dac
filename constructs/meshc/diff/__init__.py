"""`meshc diff`: what applying an environment would change, in the cluster or offline.

Modules, each one step (after fluxcd/pkg ssa):
- `cluster`: the only door to the Kubernetes API (kubeconfig, discovery, LIST/GET, dry-run apply);
- `offline`: the other "before" sides (a kubectl dump, another environment, a git revision);
- `normalize`: named steps that make two views of an object comparable;
- `compare`: field-by-field differences of two plain objects;
- `mask`: Secret values masked before anything is shown;
- `changeset`: the typed result (actions, entries, grouped by component);
- `errors`: what can go wrong, each with its own message;
- `render`: text, JSON and Markdown;
- `engine`: `run_diff`, the one function main.py calls.
"""

from meshc.diff.engine import DEFAULT_CONCURRENCY, DiffOptions, DiffResult, run_diff

__all__ = ["DEFAULT_CONCURRENCY", "DiffOptions", "DiffResult", "run_diff"]
