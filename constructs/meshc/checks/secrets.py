"""Secrets: a secret-looking variable with a literal value would sit in plain text in dist/.

A name looks secret when one of its words (split on `_`, `-` and `.`) is KEY,
TOKEN, PASSWORD, PASSWD, SECRET, CREDENTIAL, CREDENTIALS or APIKEY, unless
its last word says it only points at a secret: FILE, PATH, DIR, URL, URI,
NAME or ID. Whole words only, so KEYCLOAK_URL, MAX_TOKENS and
TOKENIZER_MODEL are not secrets. `validation.allowLiteralSecrets: true` turns
the check off (for development environments).
"""

from __future__ import annotations

import re

from meshc.checks.pods import workloads
from meshc.checks.report import Finding, Scope, dotted, format_subject, source_path

SECRET_WORDS = frozenset({"KEY", "TOKEN", "PASSWORD", "PASSWD", "SECRET", "CREDENTIAL", "CREDENTIALS", "APIKEY"})
POINTER_WORDS = frozenset({"FILE", "PATH", "DIR", "URL", "URI", "NAME", "ID"})
ALLOW_HINT = "or set validation.allowLiteralSecrets: true in a development environment"


def looks_secret(name: str) -> bool:
    words = [w for w in re.split(r"[-_.]+", name.upper()) if w]
    if not words or words[-1] in POINTER_WORDS:
        return False
    return any(word in SECRET_WORDS for word in words)


def check(scope: Scope) -> list[Finding]:
    if scope.model.validation.allow_literal_secrets:
        return []
    findings: list[Finding] = []
    for workload in workloads(scope.built.manifests):
        for container in workload.containers():
            for entry in container.get("env") or []:
                name, value = entry.get("name", ""), entry.get("value")
                if not value or not looks_secret(name):
                    continue
                findings.append(scope.finding(
                    "error", "secrets.literal", workload.manifest.component, (*workload.key, "env", name),
                    f"{name} looks like a secret but has a literal value, which would be committed in plain text "
                    f"({format_subject(workload.manifest.obj)})",
                    f"move it to {dotted((*workload.key, 'secretEnv', name))}: {{secret: <name>, key: <key>}} and keep "
                    f"the value in a Secret, {ALLOW_HINT}",
                ))
    for manifest in scope.built.manifests:
        if manifest.kind != "ConfigMap":
            continue
        for name, value in sorted((manifest.obj.get("data") or {}).items()):
            if value and looks_secret(name):
                findings.append(scope.finding(
                    "error", "secrets.literal", manifest.component, source_path(manifest.source_key),
                    f"{format_subject(manifest.obj)} holds {name}, which looks like a secret, in plain text",
                    f"keep the value in a Secret and reference it, {ALLOW_HINT}",
                ))
    return findings
