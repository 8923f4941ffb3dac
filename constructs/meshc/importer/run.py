"""The `import-helm` run: read the values, translate, write the environment, report (see the package docstring)."""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from meshc.errors import InputProblem, MeshcError, OptionsError
from meshc.importer.check import draft_problems
from meshc.importer.document import choose_base, render
from meshc.importer.draft import Draft
from meshc.importer.log_level import settle as settle_log_level
from meshc.importer.report import file_header, report_text, wiring_notes
from meshc.importer.translate import Target, translate
from meshc.importer.umbrella import Umbrella, umbrella_releases
from meshc.importer.values import Release, ValuesError, is_release_name, not_a_name, per_chart_release
from meshc.naming import REGISTRY_CHART, component_identity


@dataclass(frozen=True)
class ImportRequest:
    env: str
    releases: tuple[tuple[str, Path], ...] = ()
    umbrella: tuple[str, Path] | None = None
    namespace: str = "mcp-mesh"
    force: bool = False


@dataclass(frozen=True)
class ImportResult:
    report: str
    exit_code: int


class EnvironmentExists(OptionsError):
    def __init__(self, shown: str):
        super().__init__("{shown} exists; import-helm replaces it only with {force}", shown=shown)


class LinkedEnvironment(MeshcError):
    def __init__(self, shown: str):
        super().__init__(f"{shown} is a symbolic link; import-helm writes only a regular file inside environments/, so remove the link")


class BadEnvironmentName(OptionsError):
    def __init__(self, name: str):
        super().__init__(
            "{environment} {name!r} is not an environment name: lower-case letters, digits and '-', "
            "not starting with '_' (those are bases)",
            name=name,
        )


ENVIRONMENT_NAME = re.compile(r"^[a-z0-9][-a-z0-9]*$")


def import_helm(root: Path, request: ImportRequest) -> ImportResult:
    """Write environments/<env>.yaml from the values; raises ValuesError (exit 2) for unusable values."""
    if not ENVIRONMENT_NAME.match(request.env):
        raise BadEnvironmentName(request.env)
    target_file = root / "environments" / f"{request.env}.yaml"
    shown_target = f"environments/{request.env}.yaml"
    if target_file.is_symlink():
        raise LinkedEnvironment(shown_target)
    if target_file.exists() and not request.force:
        raise EnvironmentExists(shown_target)
    releases, umbrella = _read(root, request)
    draft = Draft(findings=list(umbrella.findings) if umbrella else [])
    _header(draft, request, umbrella)
    registry = next(r for r in releases if r.chart == REGISTRY_CHART)
    targets = [_target(r, umbrella) for r in [registry, *sorted((r for r in releases if r is not registry), key=_name)]]
    draft.put(("registry", "name"), registry.name, "the release (or subchart) name the registry's objects are named after")
    for target in targets:
        if draft.get(target.path) is None:
            draft.put(target.path, {})  # a release installed with the chart's defaults still runs a component
        translate(target, draft)
    settle_log_level(draft)
    wiring_notes(draft, targets)
    refused_values = draft_problems(draft, request.env, {target.path: target.release for target in targets})
    if refused_values:
        raise ValuesError(refused_values)
    base, overlay, refused = choose_base(root / "environments", draft.data)
    header = file_header(request, targets, umbrella, base, refused)
    text = render(header, {"extends": base, **overlay} if base else overlay, draft.comments)
    _write_atomically(target_file, text)
    return ImportResult(report_text(draft, shown_target), 1 if draft.not_placed else 0)


def _write_atomically(target: Path, text: str) -> None:
    """A temporary file beside the target, renamed over it: a reader (or an interrupted run) sees
    the old environment or the new one, never half of one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    umask = os.umask(0)
    os.umask(umask)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _name(release: Release) -> str:
    return release.name


def _read(root: Path, request: ImportRequest) -> tuple[list[Release], Umbrella | None]:
    problems: list[InputProblem] = []
    releases: list[Release] = []
    umbrella = None
    if request.umbrella and request.releases:
        raise ValuesError([InputProblem("import-helm", None, "", "give either --release files or one --umbrella, not both")])
    named = [("--release", name) for name, _ in request.releases] + ([("--umbrella", request.umbrella[0])] if request.umbrella else [])
    problems += _release_name_problems(named)
    for name, path in request.releases:
        release, found = per_chart_release(name, path, _shown(root, path))
        releases.append(release)
        problems += found
    if request.umbrella:
        umbrella, releases, found = umbrella_releases(request.umbrella[0], request.umbrella[1], lambda p: _shown(root, p))
        problems += found
    registries = [r for r in releases if r.chart == REGISTRY_CHART]
    if not problems and len(registries) != 1:
        files = ", ".join(sorted({r.file for r in registries or releases})) or "import-helm"
        problems.append(InputProblem(files, None, "", f"needs exactly one mcp-mesh-registry release, found {len(registries)}"))
    if problems:
        raise ValuesError(problems)
    return releases, umbrella


def _release_name_problems(named: list[tuple[str, str]]) -> list[InputProblem]:
    """Each release once, each named as Helm names releases (the objects' names start with it);
    `named` holds (option, release name) as given."""
    names = [name for _, name in named]
    problems = [InputProblem(option, None, "", not_a_name(name)) for option, name in dict.fromkeys(named) if not is_release_name(name)]
    problems += [
        InputProblem(option, None, "", f"{name} given twice; each release is imported once, from one values file")
        for option, name in dict.fromkeys(named) if names.count(name) > 1
    ]
    return problems


def _shown(root: Path, path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(root.resolve())) if resolved.is_relative_to(root.resolve()) else str(path)


def _target(release: Release, umbrella: Umbrella | None) -> Target:
    path = ("registry",) if release.chart == REGISTRY_CHART else ("agents", release.name)
    identity = component_identity(release.name, release.chart, "helm-compatible", umbrella.release if umbrella else None)
    return Target(release, path, identity)


def _header(draft: Draft, request: ImportRequest, umbrella: Umbrella | None) -> None:
    draft.put(("naming",), "helm-compatible", "keep the names and selectors of the objects Helm created, so Flux adopts them")
    if umbrella:
        draft.put(("helmUmbrella",), {"release": umbrella.release, "chart": umbrella.chart},
                  "the umbrella release: objects are <release>-<subchart>, labelled part-of <chart>")
    draft.put(("global", "namespace"), request.namespace)
    draft.put(("global", "createNamespace"), False, "the namespace exists already and outlives this environment")
