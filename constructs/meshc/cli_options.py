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
