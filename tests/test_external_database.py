"""An external PostgreSQL for the registry, given field by field (host, port, database,
username, passwordSecret, sslmode): the password never enters DATABASE_URL, which the
registry logs, in either render mode. A urlSecret keeps working, with a warning."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from meshc import model
from meshc.checks import check
from meshc.errors import InputError
from meshc.secret_refs import referenced_secrets
from meshc.synth import Project, load_and_build

BY_HOST = (
    "{type: postgres, host: db.internal.example, database: mesh, username: mesh_app, "
    "passwordSecret: {secret: registry-db, key: password}}"
)
BY_URL = "{type: postgres, urlSecret: {secret: registry-db, key: database-url}}"


def _built(tmp_path, database: str, render: str = "manifests", extra: str = ""):
    (tmp_path / "environments").mkdir(exist_ok=True)
    text = f"render: {render}\nglobal: {{namespace: mesh, sharedNamespace: true}}\nregistry:\n  database: {database}\n{extra}"
    (tmp_path / "environments" / f"{render}.yaml").write_text(text)
    (built,) = [b for b in load_and_build(Project(tmp_path), []) if b.name == render]
    return built


def _object(built, kind: str, name: str) -> dict:
    return next(m.obj for m in built.manifests if (m.kind, m.name) == (kind, name))


def _registry_env(built) -> dict[str, dict]:
    container = _object(built, "Deployment", "mcp-registry")["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e for e in container["env"]}


# --- the model ----------------------------------------------------------------------


def _database(**given) -> model.PostgresDatabase:
    return model.PostgresDatabase(type="postgres", **given)


def test_an_external_database_defaults_to_port_5432_and_tls_required():
    database = _database(host="db.internal.example", database="mesh", username="mesh",
                         password_secret=model.SecretKeyRef(secret="db", key="password"))
    assert (database.port, database.sslmode, database.is_external) == (5432, "require", True)


@pytest.mark.parametrize("missing", ["database", "username", "password_secret"])
def test_a_host_needs_database_username_and_password_secret(missing):
    given = {"host": "db.internal.example", "database": "mesh", "username": "mesh",
             "password_secret": model.SecretKeyRef(secret="db", key="password")}
    del given[missing]
    with pytest.raises(ValidationError, match="needs database, username and passwordSecret"):
        _database(**given)


def test_host_and_url_secret_together_are_refused():
    with pytest.raises(ValidationError, match="either as host .* or as urlSecret"):
        _database(host="db.internal.example", database="mesh", username="mesh",
                  password_secret=model.SecretKeyRef(secret="db", key="password"),
                  url_secret=model.SecretKeyRef(secret="db", key="url"))


@pytest.mark.parametrize("stray", [{"port": 6432}, {"sslmode": "disable"}, {"username": "mesh"}])
def test_external_database_keys_without_a_host_are_refused(stray):
    with pytest.raises(ValidationError, match="set host too"):
        _database(**stray)


@pytest.mark.parametrize("field, value", [
    ("host", "db_internal"), ("host", "postgres://db"), ("database", "mesh/db"),
    ("username", "me@example"), ("sslmode", "prefer"),
])
def test_values_a_url_would_need_to_escape_or_lib_pq_rejects_are_refused(field, value):
    given = {"host": "db.internal.example", "database": "mesh", "username": "mesh",
             "password_secret": model.SecretKeyRef(secret="db", key="password"), field: value}
    with pytest.raises(ValidationError):
        _database(**given)


def test_the_password_secret_is_listed_among_the_environments_secrets(tmp_path):
    (reference,) = [r for r in referenced_secrets(_built(tmp_path, BY_HOST).environment.model) if r.name == "registry-db"]
    assert (reference.keys, reference.used_by) == (("password",), ("registry.database.passwordSecret",))


# --- both render modes ------------------------------------------------------------


def test_manifests_give_the_registry_a_url_without_the_password_and_the_password_as_pgpassword(tmp_path):
    env = _registry_env(_built(tmp_path, BY_HOST))
    assert env["DATABASE_URL"] == {
        "name": "DATABASE_URL", "value": "postgres://mesh_app:@db.internal.example:5432/mesh?sslmode=require",
    }
    assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "registry-db", "key": "password"}


def test_port_and_sslmode_reach_the_url(tmp_path):
    database = BY_HOST.replace("}}", "}, port: 6432, sslmode: verify-full}")
    env = _registry_env(_built(tmp_path, database))
    assert env["DATABASE_URL"]["value"] == "postgres://mesh_app:@db.internal.example:6432/mesh?sslmode=verify-full"


def test_the_registry_release_gets_the_host_so_wait_for_db_waits_on_the_real_database(tmp_path):
    values = _object(_built(tmp_path, BY_HOST, render="helmrelease"), "HelmRelease", "mcp-registry")["spec"]["values"]
    # Without existingSecret the chart composes `postgres://mesh_app:@db.internal.example:5432/mesh?sslmode=require`
    # in a Secret of its own; PGPASSWORD comes through the chart's `env`, as in manifests mode.
    assert values["registry"]["database"] == {
        "type": "postgres", "host": "db.internal.example", "port": 5432, "name": "mesh",
        "username": "mesh_app", "sslmode": "require",
    }
    assert values["env"] == [{"name": "PGPASSWORD", "valueFrom": {"secretKeyRef": {"name": "registry-db", "key": "password"}}}]


def test_an_external_database_given_by_host_wins_over_the_environments_release(tmp_path):
    release = "postgresql: {enabled: true, auth: {existingSecret: pg}}\n"
    env = _registry_env(_built(tmp_path, BY_HOST, extra=release))
    assert "@db.internal.example:5432/" in env["DATABASE_URL"]["value"]


# --- checks -----------------------------------------------------------------------


def _findings(built, name: str) -> list:
    return [f for f in check([built]).findings if f.check == name]


def test_a_url_secret_still_works_but_warns_that_the_registry_logs_its_password(tmp_path):
    built = _built(tmp_path, BY_URL)
    assert _registry_env(built)["DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {"name": "registry-db", "key": "database-url"}
    (warning,) = _findings(built, "secrets.logged-database-url")
    assert (warning.severity, warning.key_path, warning.line) == ("warning", "registry.database.urlSecret", 4)
    assert "logs its whole DATABASE_URL at INFO" in warning.message
    assert "host, port, database, username and passwordSecret" in warning.fix


def test_an_external_database_given_by_host_is_not_warned_about(tmp_path):
    assert _findings(_built(tmp_path, BY_HOST), "secrets.logged-database-url") == []


def test_the_quota_proof_counts_the_charts_wait_for_db_for_an_external_database(tmp_path):
    quota = "resourceQuota: {enabled: true, hard: {requests.cpu: '10'}}\n"
    built = _built(tmp_path, BY_HOST, render="helmrelease", extra=quota)
    (missing,) = _findings(built, "quota.missing-request")
    assert "container wait-for-db of HelmRelease/mesh/mcp-registry sets none" in missing.message


# --- default-deny networking --------------------------------------------------------

POLICIES = "networkPolicies: {{enabled: true, allowedEgress: [{rule}]}}\n"


@pytest.mark.parametrize("host, rule", [
    ("db.internal.example", "{cidr: 10.20.0.0/16, ports: [5432]}"),
    ("10.20.3.4", "{cidr: 10.20.0.0/16, ports: [5432]}"),
    ("10.20.3.4", "{cidr: 0.0.0.0/0}"),
])
def test_an_egress_rule_that_opens_the_databases_port_and_address_is_accepted(tmp_path, host, rule):
    database = BY_HOST.replace("db.internal.example", host)
    _built(tmp_path, database, extra=POLICIES.format(rule=rule))


@pytest.mark.parametrize("host, rule", [
    ("db.internal.example", "{cidr: 10.20.0.0/16, ports: [443]}"),
    ("10.30.3.4", "{cidr: 10.20.0.0/16, ports: [5432]}"),
    ("10.20.3.4", "{cidr: 10.0.0.0/8, except: [10.20.0.0/16]}"),
])
def test_default_deny_that_keeps_the_registry_from_its_database_is_refused(tmp_path, host, rule):
    database = BY_HOST.replace("db.internal.example", host)
    with pytest.raises(InputError, match="default-deny keeps the registry from its database"):
        _built(tmp_path, database, extra=POLICIES.format(rule=rule))
