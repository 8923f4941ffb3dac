"""Options shared by meshc's commands, each declared once."""

from __future__ import annotations

import click

environments = click.option(
    "--env",
    "environments",
    multiple=True,
    metavar="NAME",
    help="Environment to process (repeatable). Default: every environments/*.yaml.",
)
