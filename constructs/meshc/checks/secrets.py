"""Secrets: a secret-looking variable with a literal value would sit in plain text in dist/.

A name looks secret when one of its words (split on `_`, `-` and `.`) is KEY,
TOKEN, PASSWORD, PASSWD, SECRET, CREDENTIAL, CREDENTIALS or APIKEY, unless
its last word says it only points at a secret: FILE, PATH, DIR, URL, URI,
NAME or ID. Whole words only, so KEYCLOAK_URL, MAX_TOKENS and
TOKENIZER_MODEL are not secrets. Whatever its name, a value that carries a
password in a URL (`scheme://user:password@host`) is one too. Both the
Deployments meshc writes and the `env` values of mesh HelmReleases are
checked. `validation.allowLiteralSecrets: true` turns the check off (for
development environments).
"""

from __future__ import annotations

import re

from meshc.checks.pods import workloads
from meshc.checks.report import Finding, Scope, dotted, format_subject, source_path

SECRET_WORDS = frozenset({"KEY", "TOKEN", "PASSWORD", "PASSWD", "SECRET", "CREDENTIAL", "CREDENTIALS", "APIKEY"})
POINTER_WORDS = frozenset({"FILE", "PATH", "DIR", "URL", "URI", "NAME", "ID"})
ALLOW_HINT = "or set validation.allowLiteralSecrets: true in a development environment"
# A `$(VAR)` password is Kubernetes expanding another env var (a Secret reference), not a literal.
URL_WITH_PASSWORD = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/@\s:]*:(?!\$\()[^/@\s]+@")


def looks_secret(name: str) -> bool:
    words = [w for w in re.split(r"[-_.]+", name.upper()) if w]
    if not words or words[-1] in POINTER_WORDS:
        return False
    return any(word in SECRET_WORDS for word in words)


def is_literal_secret(name: str, value: object) -> bool:
    return isinstance(value, str) and bool(value) and (looks_secret(name) or bool(URL_WITH_PASSWORD.search(value)))


def _env_entries(scope: Scope):
    """(manifest, environment key of the component, env entry) for every literal env var meshc writes."""
    for workload in workloads(scope.built.manifests):
        if workload.rendered_by_chart:
            continue  # its env is read from the HelmRelease values below
        for container in workload.containers():
            for entry in container.get("env") or []:
                yield workload.manifest, workload.key, entry
    for manifest in scope.built.manifests:
        if manifest.kind == "HelmRelease" and manifest.component.startswith("agent/"):
            for entry in ((manifest.obj.get("spec") or {}).get("values") or {}).get("env") or []:
                yield manifest, source_path(manifest.source_key), entry


def check(scope: Scope) -> list[Finding]:
    if scope.model.validation.allow_literal_secrets:
        return []
    findings: list[Finding] = []
    for manifest, key, entry in _env_entries(scope):
        name, value = entry.get("name", ""), entry.get("value")
        if not is_literal_secret(name, value):
            continue
        findings.append(scope.finding(
            "error", "secrets.literal", manifest.component, (*key, "env", name),
            f"{name} looks like a secret but has a literal value, which would be committed in plain text "
            f"({format_subject(manifest.obj)})",
            f"move it to {dotted((*key, 'secretEnv', name))}: {{secret: <name>, key: <key>}} and keep "
            f"the value in a Secret, {ALLOW_HINT}",
        ))
    for manifest in scope.built.manifests:
        if manifest.kind != "ConfigMap":
            continue
        for name, value in sorted((manifest.obj.get("data") or {}).items()):
            if is_literal_secret(name, value):
                findings.append(scope.finding(
                    "error", "secrets.literal", manifest.component, source_path(manifest.source_key),
                    f"{format_subject(manifest.obj)} holds {name}, which looks like a secret, in plain text",
                    f"keep the value in a Secret and reference it, {ALLOW_HINT}",
                ))
    return findings
