"""What the mcp-mesh charts (3.6) cannot render the way meshc's manifests do: refused.

A registry rendered as a HelmRelease of `mcp-mesh-registry` gets the chart's
hard-coded rollout (RollingUpdate, maxSurge 1, maxUnavailable 0; no value key
changes it) and, for postgres, its `wait-for-db` init container (it waits for
`registry.database.host`, which meshc sets unless the database is a urlSecret;
`waitForDatabase: false` does not remove it). Each combination that would leave the registry unable to start or to finish a
rollout is an error naming the key to change; rendering the registry as
manifests always works. A sqlite registry without persistence is accepted: the
surge pod gets its own emptyDir, and agents re-register on their next heartbeat.
"""

from __future__ import annotations

from meshc import model
from meshc.checks.report import Finding, Scope

REGISTRY = ("registry",)
AS_MANIFESTS = "render the registry as manifests (registry.render: manifests)"
ROLLOUT = (
    "the mcp-mesh-registry chart hard-codes a rollout that starts the new pod before the old one stops "
    "(RollingUpdate, maxSurge 1, maxUnavailable 0) and offers no key to change it"
)


def check(scope: Scope) -> list[Finding]:
    environment = scope.model
    registry = environment.registry
    if not registry.enabled or environment.render_of(registry) != "helmrelease":
        return []
    return [*_external_database(scope, registry), *_rollout(scope, registry)]


def _external_database(scope: Scope, registry: model.Registry) -> list[Finding]:
    database = registry.database
    if not isinstance(database, model.PostgresDatabase) or database.url_secret is None:
        return []
    return [scope.finding(
        "error", "charts.wait-for-db", "registry", (*REGISTRY, "database", "urlSecret"),
        "the mcp-mesh-registry chart starts the registry only after its wait-for-db init container reaches "
        "registry.database.host (default mcp-mesh-postgres:5432), and `waitForDatabase: false` does not remove it; "
        "meshc cannot read the external database's host from the Secret, so the registry would never start",
        "give the database as host, port, database, username and passwordSecret instead of urlSecret "
        f"(the chart then waits on that host); or {AS_MANIFESTS}",
    )]


def _rollout(scope: Scope, registry: model.Registry) -> list[Finding]:
    findings = []
    volume = registry.persistence
    sqlite = isinstance(registry.database, model.SqliteDatabase)
    if volume.enabled and (sqlite or volume.access_mode != "ReadWriteMany"):
        why = (
            "two registries would write one sqlite file"
            if volume.access_mode == "ReadWriteMany"
            else f"the new pod waits forever for the {volume.access_mode} claim the old pod holds"
        )
        findings.append(scope.finding(
            "error", "charts.rollout", "registry", (*REGISTRY, "persistence", "enabled"),
            f"{ROLLOUT}: {why}, so a rollout never finishes",
            f"{AS_MANIFESTS}, which replaces the pod with Recreate; or run it without persistence",
        ))
    anti = registry.affinity.pod_anti_affinity
    if anti is not None and anti.mode == "required":
        findings.append(scope.finding(
            "error", "charts.rollout", "registry", (*REGISTRY, "affinity", "podAntiAffinity", "mode"),
            f"{ROLLOUT}: with required one-per-node anti-affinity the extra pod finds no free node once every "
            "node runs a replica, so a rollout never finishes",
            f"{AS_MANIFESTS}, which rolls with maxUnavailable 1 and maxSurge 0; or use mode: preferred",
        ))
    return findings
