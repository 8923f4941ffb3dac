"""Schema check: every object against the OpenAPI schema of its kind, strictly.

Built-in kinds use the schemas `kubernetes-validate` ships for the environment's
`validation.kubernetesVersion` (offline; the "-strict" variants, in which an
unknown field is an error). Other kinds use the CRDs found in `--crd-dir`; a
kind with no schema anywhere is reported as not checked, never passed silently.

kubernetes-validate's own `validate()` re-reads a 1.4 MB definitions file on
every call; here each (version, kind) validator is built once per process,
and checks each distinct shape of object once (`meshc.checks.shapes`).
"""

from __future__ import annotations

import re
from functools import lru_cache

import jsonschema
from kubernetes_validate import utils as kv
from referencing import Registry, Resource

from meshc.build import Manifest
from meshc.checks.crds import CrdCatalog, CrdVersion
from meshc.checks.report import Finding, Scope
from meshc.kube import is_builtin_group, split_api_version, subject_of
from meshc.checks.shapes import ShapeValidator, enum_strings

MAX_MESSAGE = 240
MAX_ERRORS_PER_OBJECT = 5


@lru_cache(maxsize=None)
def _definitions(version: str) -> tuple[str, Registry, dict]:
    full = next(v for v in kv.all_versions() if kv.major_minor(v) == version)
    folder = f"kubernetes-json-schema/v{full}-local-strict"
    contents = kv.schema_contents(f"{folder}/_definitions.json", version)
    return folder, Resource.from_contents(contents) @ Registry(), contents


@lru_cache(maxsize=None)
def builtin_validator(version: str, api_version: str, kind: str) -> ShapeValidator | None:
    """The strict validator of a built-in kind, or None when that Kubernetes version has no such kind."""
    folder, registry, definitions = _definitions(version)
    # kubernetes-validate's file names: rbac.authorization.k8s.io/v1 -> rbac-v1
    suffix = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    try:
        schema = kv.schema_contents(f"{folder}/{kind.lower()}-{suffix}.json", version)
    except FileNotFoundError:
        return None
    validator = jsonschema.Draft202012Validator(schema, registry=Resource.from_contents(schema) @ registry)
    return ShapeValidator(validator, enum_strings([schema, definitions]))


def check(scope: Scope, crds: CrdCatalog) -> list[Finding]:
    version = scope.model.validation.kubernetes_version
    findings: list[Finding] = []
    unchecked: dict[tuple[str, str], list[Manifest]] = {}
    for manifest in scope.built.manifests:
        api_version, kind = manifest.obj.get("apiVersion", ""), manifest.obj.get("kind", "")
        group, served = split_api_version(api_version)
        known = crds.lookup(group, kind)
        if known is not None:
            findings += _check_crd(scope, manifest, crds, group, served, known)
        elif is_builtin_group(group):
            validator = builtin_validator(version, api_version, kind)
            if validator is None:
                findings.append(_finding(
                    scope, manifest, "schema.unknown-kind",
                    f"{subject_of(manifest.obj)}: Kubernetes {version} has no {kind} in {api_version}",
                    "set validation.kubernetesVersion to the version the cluster runs; "
                    "if it already is, this is a meshc bug: please report it",
                ))
            else:
                findings += _errors(scope, manifest, validator, f"Kubernetes {version}")
        else:
            unchecked.setdefault((api_version, kind), []).append(manifest)
    if unchecked:
        # One warning per environment: the same missing CRDs would otherwise repeat on every synth.
        groups = sorted(unchecked.items())
        counts = ", ".join(f"{len(ms)} {kind} ({api_version})" for (api_version, kind), ms in groups)
        kinds = ", ".join(kind for (_, kind), _ in groups)
        findings.append(_finding(
            scope, groups[0][1][0], "schema.unchecked",
            f"not schema-checked, no CRD was given: {counts}",
            f"pass --crd-dir with folders holding the {kinds} CRDs, or list such folders in MESHC_CRD_DIRS",
            severity="warning",
        ))
    return findings


def _check_crd(scope: Scope, manifest: Manifest, crds: CrdCatalog, group: str, served: str,
               known: dict[str, CrdVersion]) -> list[Finding]:
    kind = manifest.kind
    entry = known.get(served)
    if entry is None or not entry.served:
        offered = ", ".join(sorted(f"{group}/{v.name}" for v in known.values() if v.served)) or "none"
        return [_finding(
            scope, manifest, "schema.crd-version",
            f"{subject_of(manifest.obj)}: {manifest.obj['apiVersion']} is not served by the {kind} CRD (served: {offered})",
            f"write {kind} in a served version, or pass the CRD of the controller version the cluster runs",
        )]
    validator = crds.validator(group, kind, served)
    if validator is None:
        return [_finding(
            scope, manifest, "schema.unchecked",
            f"{subject_of(manifest.obj)} not schema-checked: the {kind} CRD in {entry.source} has no schema for {served}",
            "pass a CRD with an openAPIV3Schema", severity="warning",
        )]
    return _errors(scope, manifest, validator, f"the {kind} CRD")


def _errors(scope: Scope, manifest: Manifest, validator, against: str) -> list[Finding]:
    errors = sorted(validator.iter_errors(manifest.obj), key=lambda e: ([str(p) for p in e.absolute_path], e.message))
    findings = []
    for error in errors[:MAX_ERRORS_PER_OBJECT]:
        where = ".".join(str(p) for p in error.absolute_path) or "(top level)"
        message = error.message if len(error.message) <= MAX_MESSAGE else error.message[: MAX_MESSAGE - 1] + "…"
        findings.append(_finding(
            scope, manifest, "schema.invalid",
            f"{subject_of(manifest.obj)} {where}: {message} (checked against {against})",
            f"correct the setting under {manifest.source_key or 'this component'} that produces {where}; "
            "if the environment file looks right, this is a meshc bug: please report it",
        ))
    return findings


def _finding(scope: Scope, manifest: Manifest, check_id: str, message: str, fix: str, *, severity="error") -> Finding:
    return scope.finding(severity, check_id, manifest.component, manifest.origin.key, message, fix)
