"""meshc command line: a thin shell over meshc's core. Exit codes: 0 ok, 1 findings or differences, 2 errors."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent / "constructs"))

import click  # noqa: E402

from meshc import cli_options  # noqa: E402
if TYPE_CHECKING:
    from meshc.diff import DiffResult
from meshc.errors import MeshcError  # noqa: E402
from meshc.schema import write_schema  # noqa: E402
from meshc.synth import Project, synthesize, validate as validate_environments  # noqa: E402

PROJECT = Project(Path(__file__).resolve().parent)


def fail(error: MeshcError) -> None:
    click.echo(f"error: {error}", err=True)
    sys.exit(error.exit_code)


def report_synth(mirror_to: str | None, environments: tuple[str, ...], crd_dirs: tuple[Path, ...]) -> None:
    try:
        result = synthesize(PROJECT, list(environments), Path(mirror_to) if mirror_to else None, crd_dirs)
    except MeshcError as error:
        fail(error)
    if result.report.warnings:
        click.echo(result.report.to_text(severity="warning"), err=True)
    summary = result.written
    for label, paths in (("added", summary.added), ("changed", summary.changed), ("removed", summary.removed)):
        for path in paths:
            click.echo(f"  {label:8} dist/{path}", err=True)
    click.echo(
        f"synth: {len(summary.added)} added, {len(summary.changed)} changed, "
        f"{len(summary.removed)} removed, {summary.unchanged} unchanged",
        err=True,
    )


mirror_option = click.option(
    "--mirror-to",
    envvar="CDK8S_OUTDIR",
    hidden=True,
    help="Also hard-link the output here (cdk8s-cli sets CDK8S_OUTDIR).",
)


@click.group(invoke_without_command=True)
@mirror_option
@cli_options.crd_dirs
@click.pass_context
def cli(ctx: click.Context, mirror_to: str | None, crd_dirs: tuple[Path, ...]) -> None:
    """meshc: compile MCP Mesh environments into plain Kubernetes YAML."""
    if ctx.invoked_subcommand is None:
        report_synth(mirror_to, (), crd_dirs)


@cli.command()
@cli_options.environments
@mirror_option
@cli_options.crd_dirs
def synth(environments: tuple[str, ...], mirror_to: str | None, crd_dirs: tuple[Path, ...]) -> None:
    """Check, then write dist/<env>/ for the given environments (default: all). Exit 1 when a check fails."""
    report_synth(mirror_to, environments, crd_dirs)


@cli.command()
@cli_options.environments
@cli_options.output
@cli_options.crd_dirs
def validate(environments: tuple[str, ...], output: str, crd_dirs: tuple[Path, ...]) -> None:
    """Run synth's checks without writing. Exit 0: no errors (warnings allowed); 1: errors; 2: unusable input."""
    try:
        report = validate_environments(PROJECT, list(environments), crd_dirs)
    except MeshcError as error:
        fail(error)
    click.echo(report.render(output))
    click.echo(f"validate: {report.summary()}", err=True)
    sys.exit(report.exit_code)


@cli.command()
@cli_options.environment
@cli_options.kubeconfig
@cli_options.kube_context
@cli_options.read_only
@cli_options.concurrency
@cli_options.diff_output
@cli_options.live_from
@cli_options.against_env
@cli_options.against_git
def diff(environment: str, output: str, **comparison) -> None:
    """What applying an environment would change: create, change, prune.

    Compares with the live cluster by server-side apply dry-run (nothing is written), or offline
    with --live-from, --against-env or --against-git. Exit 0: no differences; 1: differences;
    2: errors (partial results are still printed).
    """
    # Imported here: diff loads the Kubernetes client, which a synth served from its cache never needs.
    from meshc.diff import DiffOptions, run_diff

    # Color on a terminal only, and never when NO_COLOR is set to anything (https://no-color.org).
    color = output == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    options = DiffOptions(environment=environment, output=output, color=color, **comparison)
    try:
        result = run_diff(PROJECT, options, progress=show_progress if sys.stderr.isatty() else None)
    except MeshcError as error:
        fail(error)
    click.echo(result.rendered, nl=False)
    for line in result.errors:
        click.echo(f"error: {line}", err=True)
    sys.exit(diff_exit_code(result))


def diff_exit_code(result: DiffResult) -> int:
    """The one place diff's exit code is decided: 2 errors, 1 differences, 0 none."""
    if result.changeset.failures:
        return 2
    return 1 if result.changeset.has_changes() else 0


def show_progress(done: int, total: int) -> None:
    click.echo(f"\rdiff: {done}/{total} objects compared", err=True, nl=done == total)


@cli.command()
def schema() -> None:
    """Regenerate the environment JSON Schema and docs/environment-reference.md from the model."""
    for path in write_schema(PROJECT.root):
        click.echo(f"wrote {path.relative_to(PROJECT.root)}", err=True)


if __name__ == "__main__":
    cli()
