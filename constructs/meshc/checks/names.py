"""Names: valid for their kind and unique per kind and namespace; label keys and values valid.

The API server rejects an invalid name or label. Two objects with one name
replace each other when Flux applies the folder (the last one wins).
"""

from __future__ import annotations

from meshc.build import Manifest
from meshc.checks.report import Finding, KeyPath, Scope, dotted
from meshc.kube import (
    DNS1035_LABEL,
    DNS1123_LABEL,
    DNS1123_SUBDOMAIN,
    LABEL_VALUE,
    split_api_version,
    subject_of,
    valid_label_key,
)
from meshc.origin import Setting

# Kinds whose names must be DNS labels. A Service name must also start with a letter (RFC 1035).
LABEL_NAMED = {
    "Namespace": (DNS1123_LABEL, "a DNS-1123 label", "lower-case letters, digits and '-'"),
    "Service": (DNS1035_LABEL, "a DNS-1035 label", "lower-case letters, digits and '-', starting with a letter"),
}
SUBDOMAIN = (DNS1123_SUBDOMAIN, "a DNS-1123 subdomain", "lower-case letters, digits, '-' and '.'")
VERSION_LABEL = "app.kubernetes.io/version"


def check(scope: Scope) -> list[Finding]:
    findings: list[Finding] = []
    seen: dict[tuple, Manifest] = {}
    clashes: dict[tuple[KeyPath, KeyPath], list[Manifest]] = {}
    for manifest in scope.built.manifests:
        findings += _name(scope, manifest)
        findings += _labels(scope, manifest)
        group = split_api_version(manifest.obj.get("apiVersion", ""))[0]
        identity = (group, manifest.kind, manifest.namespace, manifest.name)
        if identity in seen:
            clashes.setdefault((manifest.origin.key, seen[identity].origin.key), []).append(manifest)
        else:
            seen[identity] = manifest
    for (key, other), duplicates in sorted(clashes.items()):
        subjects = ", ".join(subject_of(m.obj) for m in duplicates)
        verb = "is" if len(duplicates) == 1 else "are"
        findings.append(scope.finding(
            "error", "names.duplicate", duplicates[0].component, key,
            f"{subjects} {verb} also written by {dotted(other) or 'another component'}; applying both, one replaces the other",
            f"rename {dotted(key) or 'this component'} or {dotted(other) or 'the other component'}",
        ))
    return findings


def _name(scope: Scope, manifest: Manifest) -> list[Finding]:
    pattern, what, rule = LABEL_NAMED.get(manifest.kind, SUBDOMAIN)
    limit = 63 if manifest.kind in LABEL_NAMED else 253
    name = manifest.name
    findings = []
    if not (isinstance(name, str) and pattern.match(name) and len(name) <= limit):
        findings.append(scope.finding(
            "error", "names.invalid", manifest.component, manifest.origin.key,
            f"{subject_of(manifest.obj)}: {name!r} is not {what} ({rule}; at most {limit} characters)",
            f"rename {manifest.source_key or 'the component'} so that its {manifest.kind} name is {what}",
        ))
    namespace = manifest.namespace
    if namespace is not None and not (DNS1123_LABEL.match(namespace) and len(namespace) <= 63):
        findings.append(scope.finding(
            "error", "names.invalid", manifest.component, ("global", "namespace"),
            f"{subject_of(manifest.obj)}: namespace {namespace!r} is not a DNS-1123 label",
            "set global.namespace to a DNS-1123 label",
        ))
    return findings


def _labels(scope: Scope, manifest: Manifest) -> list[Finding]:
    template = ((manifest.obj.get("spec") or {}).get("template") or {}).get("metadata") or {}
    problems: dict[str, str] = {}
    for labels in ((manifest.obj.get("metadata") or {}).get("labels") or {}, template.get("labels") or {}):
        for key, value in labels.items():
            if not valid_label_key(key):
                problems[key] = f"label key {key!r} is not valid"
            elif not (isinstance(value, str) and len(value) <= 63 and LABEL_VALUE.match(value)):
                problems[key] = (
                    f"label {key}={value!r} is not a valid label value (at most 63 letters, digits, '-', '_' "
                    "and '.', starting and ending with a letter or digit)"
                )
    findings = []
    for key, message in sorted(problems.items()):
        where = manifest.origin.key
        fix = f"change the setting under {manifest.source_key or 'the component'} that produces this label"
        if key == VERSION_LABEL and manifest.origin.sets(Setting.IMAGE_TAG):
            where = manifest.origin.key_of(Setting.IMAGE_TAG)
            fix = "use an image tag that is also a valid label value (no '+', ':' or '@'; at most 63 characters)"
        findings.append(scope.finding(
            "error", "names.label-invalid", manifest.component, where, f"{subject_of(manifest.obj)}: {message}", fix
        ))
    return findings

