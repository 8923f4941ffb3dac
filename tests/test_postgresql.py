"""PostgreSQL as a HelmRelease, and the registry wired to it without typing anything twice."""

from __future__ import annotations

import pytest

from meshc.synth import Project, load_and_build

ENVIRONMENT = """
render: {render}
global: {{namespace: data, sharedNamespace: true}}
registry:
  replicas: 2
  database: {{type: postgres}}
postgresql:
  enabled: true
  release: pg
  auth: {{existingSecret: pg-credentials, database: mesh, username: meshuser}}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, dict[tuple[str, str], dict]]:
    root = tmp_path_factory.mktemp("pg")
    (root / "environments").mkdir()
    for mode in ("manifests", "helmrelease"):
        (root / "environments" / f"{mode}.yaml").write_text(ENVIRONMENT.format(render=mode))
    return {b.name: {(m.kind, m.name): m.obj for m in b.manifests} for b in load_and_build(Project(root), [])}


def test_passwords_reach_postgresql_only_through_value_references(built):
    spec = built["manifests"][("HelmRelease", "pg")]["spec"]
    assert "password" not in str(spec["values"]).lower()
    assert spec["valuesFrom"] == [
        {"kind": "Secret", "name": "pg-credentials", "valuesKey": "postgres-password", "targetPath": "auth.postgresPassword"},
        {"kind": "Secret", "name": "pg-credentials", "valuesKey": "password", "targetPath": "auth.password"},
    ]


def test_install_and_upgrade_remediate_like_helm_atomic(built):
    spec = built["manifests"][("HelmRelease", "pg")]["spec"]
    assert spec["install"]["remediation"]["retries"] == 3
    assert spec["upgrade"]["remediation"] == {"retries": 3, "remediateLastFailure": True, "strategy": "rollback"}


def _registry_env(built) -> dict[str, dict]:
    container = built["manifests"][("Deployment", "mcp-registry")]["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e for e in container["env"]}


def test_the_manifest_registry_reads_its_password_from_pgpassword_not_from_its_url(built):
    env = _registry_env(built)
    assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "pg-credentials", "key": "password"}
    # No password in the URL: the registry logs the URL, and a '/' in a password broke its parsing.
    assert env["DATABASE_URL"]["value"] == "postgres://meshuser:@pg:5432/mesh?sslmode=disable"
    assert "DATABASE_PASSWORD" not in env


def test_the_registry_release_gets_the_same_database_and_waits_for_it(built):
    spec = built["helmrelease"][("HelmRelease", "mcp-registry")]["spec"]
    # host/port also drive the chart's wait-for-db init container; without existingSecret the chart
    # composes the same password-less URL in a Secret of its own.
    assert spec["values"]["registry"]["database"] == {
        "type": "postgres",
        "host": "pg",
        "port": 5432,
        "name": "mesh",
        "username": "meshuser",
        "sslmode": "disable",
    }
    assert spec["values"]["env"] == [_registry_env(built)["PGPASSWORD"]]
    assert spec["dependsOn"] == [{"name": "pg"}]
