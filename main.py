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

# The other commands import their modules when they run: they load cdk8s and the Kubernetes
# client, which a synth served from the cache never needs (it stays under a second).

PROJECT = Project(Path(__file__).resolve().parent)


def fail(error: MeshcError) -> None:
    click.echo(f"error: {error.worded(as_typed())}", err=True)
    sys.exit(error.exit_code)


def as_typed():
    """Spell an option the way its user typed it (`live_from` -> `--live-from`), from the running command."""
    flags = {}
    context = click.get_current_context(silent=True)
    while context is not None:
        flags = {param.name: param.opts[0] for param in context.command.params if param.opts} | flags
        context = context.parent
    return lambda option: flags.get(option, option)


def report_synth(mirror_to: str | None, environments: tuple[str, ...], crd_dirs: tuple[Path, ...]) -> None:
    try:
        result = synthesize(PROJECT, list(environments), Path(mirror_to) if mirror_to else None, crd_dirs)
    except MeshcError as error:
        fail(error)
    if result.report.warnings:
        click.echo(result.report.to_text(severity="warning"), err=True)
    summary = result.written
    listed = [f"  {label:8} dist/{path}" for label, paths in
              (("added", summary.added), ("changed", summary.changed), ("removed", summary.removed)) for path in paths]
    if listed:
        click.echo("\n".join(listed), err=True)  # one write: a full synth lists thousands of files
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
    from meshc.secret_refs import describe_environments

    click.echo(report.render(output))
    secrets = describe_environments(PROJECT.environments, list(environments))
    if secrets:  # on stderr with the summary, so stdout stays the report alone
        click.echo(secrets, err=True)
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
@cli_options.field_manager
def diff(environment: str, output: str, **comparison) -> None:
    """What applying an environment would change: create, change, prune.

    Compares with the live cluster by server-side apply dry-run (nothing is written), or offline
    with --live-from, --against-env or --against-git. The dry-run applies as the field manager
    that applies dist/ (kustomize-controller under Flux; see --field-manager). Exit 0: no differences; 1: differences;
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


@cli.command("import-helm")
@click.option("--env", "environment", required=True, help="Name of the environment to write: environments/NAME.yaml.")
@click.option("--release", "releases", multiple=True, metavar="NAME=FILE", help="A per-chart release and its values file.")
@click.option("--umbrella", metavar="NAME=FILE", help="An umbrella release (`helm list -A` names it) and its values file (its Chart.yaml beside it).")
@click.option("--namespace", default="mcp-mesh", show_default=True, help="The namespace Helm installed into.")
@click.option("--force", is_flag=True, help="Replace an existing environment file.")
def import_helm_command(environment: str, releases: tuple[str, ...], umbrella: str | None, namespace: str, force: bool) -> None:
    """Write an environment from Helm values that keeps the installed objects' names. Exit 1: values left unplaced."""
    from meshc.importer.run import ImportRequest, import_helm

    try:
        request = ImportRequest(
            environment, tuple(release_argument(r, "--release") for r in releases),
            release_argument(umbrella, "--umbrella") if umbrella else None, namespace, force,
        )
        result = import_helm(PROJECT.root, request)
    except MeshcError as error:
        fail(error)
    click.echo(result.report, nl=False)
    sys.exit(result.exit_code)


def release_argument(text: str, option: str) -> tuple[str, Path]:
    name, sep, file = text.partition("=")
    if not (sep and name and file):
        # The chart's name is not the release's: guessing it would give objects names Helm never made.
        raise click.BadParameter(f"{text!r} is not NAME=FILE; NAME is the Helm release name, which `helm list -A` shows",
                                 param_hint=option)
    return name, Path(file)


@cli.command()
@cli_options.environment
@cli_options.kubeconfig
@cli_options.kube_context
@cli_options.wait
@cli_options.output
def status(environment: str, kubeconfig: str | None, context: str | None, wait: str | None, output: str) -> None:
    """Is the environment applied and healthy? Flux objects, workloads, quota and Secrets, read-only.

    Exit 0: everything ready; 1: something is not (after --wait: still not); 2: errors.
    """
    from meshc.status import StatusOptions, run_status

    options = StatusOptions(environment=environment, kubeconfig=kubeconfig, context=context, wait=wait, output=output)
    try:
        result = run_status(PROJECT, options, progress=show_status_progress if sys.stderr.isatty() else None)
    except MeshcError as error:
        fail(error)
    if result.polls > 1 and sys.stderr.isatty():
        click.echo("", err=True)  # end the progress line
    click.echo(result.rendered, nl=False)
    sys.exit(result.exit_code)


def show_status_progress(report, seconds_left: float) -> None:
    click.echo(f"\rstatus: {report.summary()}; waiting, {seconds_left:.0f}s left ", err=True, nl=False)


@cli.command()
def schema() -> None:
    """Regenerate the environment JSON Schema, docs/environment-reference.md and docs/secrets.md from the model."""
    from meshc.secret_refs import write_markdown as write_secrets_doc

    for path in (*write_schema(PROJECT.root), write_secrets_doc(PROJECT.root)):
        click.echo(f"wrote {path.relative_to(PROJECT.root)}", err=True)


if __name__ == "__main__":
    cli()
