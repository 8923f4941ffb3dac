"""Secrets: a secret-looking variable with a literal value would sit in plain text in dist/.

Which names and values are secret is `meshc.secret_names`' rule. Both the
Deployments meshc writes and the `env` values of mesh HelmReleases are
checked. `validation.allowLiteralSecrets: true` turns the check off (for
development environments). A registry database given as urlSecret is a warning
in every environment: the registry logs the URL, password included.
"""

from __future__ import annotations

from meshc import model
from meshc.checks.pods import pod_runners
from meshc.checks.report import Finding, Scope, dotted
from meshc.kube import subject_of
from meshc.origin import Origin, Setting
from meshc.secret_names import is_literal_secret

ALLOW_HINT = "or set validation.allowLiteralSecrets: true in a development environment"


def _env_entries(scope: Scope):
    """(manifest, environment key of the component, env entry) for every literal env var meshc writes."""
    for workload in pod_runners(scope.built.manifests):
        if workload.rendered_by_chart:
            continue  # its env is read from the HelmRelease values below
        for container in workload.containers():
            for entry in container.get("env") or []:
                yield workload.manifest, entry
    for manifest in scope.built.manifests:
        if manifest.kind == "HelmRelease" and manifest.component.startswith("agent/"):
            for entry in ((manifest.obj.get("spec") or {}).get("values") or {}).get("env") or []:
                yield manifest, entry


def check(scope: Scope) -> list[Finding]:
    findings = _logged_database_url(scope)
    if scope.model.validation.allow_literal_secrets:
        return findings
    for manifest, entry in _env_entries(scope):
        name, value = entry.get("name", ""), entry.get("value")
        if not is_literal_secret(name, value):
            continue
        findings.append(scope.finding(
            "error", "secrets.literal", manifest.component, (*manifest.origin.key_of(Setting.ENV), name),
            f"{name} looks like a secret but has a literal value, which would be committed in plain text "
            f"({subject_of(manifest.obj)})",
            _secret_hint(manifest.origin, name),
        ))
    for manifest in scope.built.manifests:
        if manifest.kind != "ConfigMap":
            continue
        for name, value in sorted((manifest.obj.get("data") or {}).items()):
            if is_literal_secret(name, value):
                findings.append(scope.finding(
                    "error", "secrets.literal", manifest.component, manifest.origin.key,
                    f"{subject_of(manifest.obj)} holds {name}, which looks like a secret, in plain text",
                    f"keep the value in a Secret and reference it, {ALLOW_HINT}",
                ))
    return findings


def _logged_database_url(scope: Scope) -> list[Finding]:
    """mcp-mesh-registry 3.7.1 logs DATABASE_URL at INFO on every start: a urlSecret's
    password lands in the log, wherever the logs are shipped."""
    registry = scope.model.registry
    database = registry.database
    if not registry.enabled or not isinstance(database, model.PostgresDatabase) or database.url_secret is None:
        return []
    return [scope.finding(
        "warning", "secrets.logged-database-url", "registry", ("registry", "database", "urlSecret"),
        "the registry logs its whole DATABASE_URL at INFO when it starts, so a password inside the "
        "urlSecret's URL lands in the registry's log",
        "give the database as host, port, database, username and passwordSecret: the registry then gets "
        "a URL without the password and the password apart, as PGPASSWORD",
    )]


def _secret_hint(origin: Origin, name: str) -> str:
    if origin.sets(Setting.SECRET_ENV):
        return (f"move it to {dotted((*origin.key_of(Setting.SECRET_ENV), name))}: {{secret: <name>, key: <key>}} "
                f"and keep the value in a Secret, {ALLOW_HINT}")
    return (f"keep the value in a Secret and read it with {dotted(origin.key_of(Setting.ENV_FROM))}: [{{secret: <name>}}] "
            f"(the Secret's key named {name}), {ALLOW_HINT}")
