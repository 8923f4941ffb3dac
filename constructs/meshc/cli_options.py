"""Options shared by meshc's commands, each declared once."""

from __future__ import annotations

from pathlib import Path

import click

environments = click.option(
    "--env",
    "environments",
    multiple=True,
    metavar="NAME",
    help="Environment to process (repeatable). Default: every environments/*.yaml.",
)

output = click.option(
    "--output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format: text for people, json (stable, sorted) for CI.",
)

crd_dirs = click.option(
    "--crd-dir",
    "crd_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    envvar="MESHC_CRD_DIRS",
    metavar="PATH",
    help=(
        "Folder of CustomResourceDefinition YAML files to check Flux and other custom objects against "
        "(repeatable; MESHC_CRD_DIRS takes a list separated like PATH). Without one, such objects are "
        "reported as not schema-checked."
    ),
)

# --- diff ------------------------------------------------------------------------------

environment = click.option(
    "--env",
    "environment",
    required=True,
    metavar="NAME",
    help="The one environment (environments/NAME.yaml).",
)

diff_output = click.option(
    "--output",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="Report format: text for people (colored on a terminal unless NO_COLOR is set), json for CI, "
    "markdown for a pull-request comment.",
)

kubeconfig = click.option(
    "--kubeconfig",
    type=click.Path(dir_okay=False),
    metavar="PATH",
    help="Kubeconfig to use. Default: $KUBECONFIG, else ~/.kube/config, else the pod's service account.",
)

kube_context = click.option(
    "--context",
    "context",
    metavar="NAME",
    help="Kubeconfig context to use. Default: the kubeconfig's current context.",
)

read_only = click.option(
    "--read-only",
    is_flag=True,
    help="Use GET/LIST only (no dry-run, so no PATCH rights needed) and compare just the fields meshc "
    "sets. Less accurate: server defaults, admission and fields meshc stopped setting are not seen.",
)

concurrency = click.option(
    "--concurrency",
    type=click.IntRange(min=1, max=64),
    default=8,
    show_default=True,
    metavar="N",
    help="Requests in flight at once (dry-runs, LISTs).",
)

live_from = click.option(
    "--live-from",
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="Compare offline with a `kubectl get -o yaml` dump instead of the cluster (fields meshc sets only).",
)

against_env = click.option(
    "--against-env",
    metavar="OTHER",
    help="Promotion: what applying this environment's configuration in OTHER's place would change "
    "(namespace, environment label and Flux names are translated first).",
)

against_git = click.option(
    "--against-git",
    metavar="REF",
    help="Compare with the dist/<env> committed at git revision REF (a branch, tag or commit).",
)

field_manager = click.option(
    "--field-manager",
    metavar="NAME",
    help="Field manager the dry-run applies as. Default: kustomize-controller when Flux delivers the "
    "environment (it has gitops), else meshc. Fields this manager applied before and no longer sets "
    "show as removed.",
)

# --- status ------------------------------------------------------------------------------

wait = click.option(
    "--wait",
    metavar="DURATION",
    help="Poll until everything is ready or DURATION (30s, 5m, 1h30m) has passed; progress on a terminal.",
)
