"""`meshc diff`: what applying an environment would change, in the cluster or offline.

Modules, each one step (after fluxcd/pkg ssa). I/O:
- `cluster`: the only door to the Kubernetes API (kubeconfig, discovery, LIST/GET, dry-run apply);
- `live`: a diff against the cluster; its pool's jobs return values, nothing shared is mutated;
- `offline`: reading the other "before" sides (a kubectl dump, another environment, a git revision);
- `against`: the offline comparisons built on them.
Pure:
- `owner`: which field manager applies dist/ (kustomize-controller under Flux) and what it adds;
- `plan`: two sides of each object in, typed entries out;
- `normalize`: named steps that make two views of an object comparable;
- `compare`: field-by-field differences through deepdiff, lists keyed as the API merges them (`listkeys`);
- `mask`: Secret values masked before anything is shown;
- `changeset`: the typed result (actions, entries, grouped by component);
- `errors`: what can go wrong, each with its own message;
- `render`: text, JSON and Markdown.
`engine` holds `run_diff`, the one function main.py calls.
"""

from meshc.diff.engine import DEFAULT_CONCURRENCY, DiffOptions, DiffResult, run_diff

__all__ = ["DEFAULT_CONCURRENCY", "DiffOptions", "DiffResult", "run_diff"]
