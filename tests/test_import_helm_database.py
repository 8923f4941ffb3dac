"""`import-helm` for the registry's PostgreSQL: the chart's settings become meshc's host form.

The registry chart settles each field as `registry.database.*` > `global.postgres.*` >
its default (../shared/reference/mcp-mesh-charts.md §3.3). Wherever the password
comes from a Secret key or a literal, the import writes host, port, database,
username, passwordSecret and sslmode, so the registry's DATABASE_URL (which it logs)
holds no password. Only a URL Secret key stays a urlSecret, which meshc warns about.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from textwrap import indent

import pytest
import yaml

from meshc.importer.run import ImportRequest, import_helm
from meshc.importer.values import ValuesError
from meshc.synth import Project, load_and_build, validate

HELM = Path(__file__).resolve().parent / "fixtures" / "helm"
SQLITE = "  database:\n    type: sqlite\n    path: /data/registry.db\n"
UMBRELLA_GLOBAL = "global:\n  imageRegistry: \"\"\n  namespace: mcp-mesh\n"
NOT_PLACED = "not placed (the environment does not reproduce these)"
IGNORED = "ignored by the charts"
SECRETS = "literal secrets, now Secret references"
DERIVED = "replaced by meshc"
PASSWORD = "s3cret-literal/+@"


def imported(tmp_path: Path, database: str = "", top: str = ""):
    """Import the seed's registry with its sqlite block replaced by `database` (keys under registry.database)
    and `top` appended at the top level of the values."""
    (tmp_path / "helm").mkdir()
    values = tmp_path / "helm" / "values-registry.yaml"
    block = "  database:\n" + indent(database, "    ") if database else ""
    values.write_text((HELM / "per-chart" / "values-registry.yaml").read_text().replace(SQLITE, block) + top)
    result = import_helm(tmp_path, ImportRequest("adopted", releases=(("mcp-registry", values),)))
    return result, _written(tmp_path)


def imported_umbrella(tmp_path: Path, postgres: str):
    """Import the seed's umbrella (release mcp-platform) with `postgres` under its global.postgres."""
    shutil.copytree(HELM / "umbrella", tmp_path / "helm")
    values = tmp_path / "helm" / "values.yaml"
    text = values.read_text()
    values.write_text(text.replace(UMBRELLA_GLOBAL, UMBRELLA_GLOBAL + "  postgres:\n" + indent(postgres, "    ")))
    result = import_helm(tmp_path, ImportRequest("adopted", umbrella=("mcp-platform", values)))
    return result, _written(tmp_path)


def _written(tmp_path: Path) -> str:
    return (tmp_path / "environments" / "adopted.yaml").read_text()


def database_of(text: str) -> dict:
    return yaml.safe_load(text)["registry"]["database"]


def section(report: str, title: str) -> list[str]:
    match = re.search(rf"^{re.escape(title)} \(\d+\):\n((?:  .*\n)+)", report, re.MULTILINE)
    return [line.strip() for line in match.group(1).splitlines()] if match else []


def keys(report: str, title: str) -> list[str]:
    return [line.split(": ", 1)[0] for line in section(report, title)]


def registry_env(tmp_path: Path) -> dict[str, dict]:
    (built,) = load_and_build(Project(tmp_path), ["adopted"])
    deployment = next(m.obj for m in built.manifests if (m.kind, m.name) == ("Deployment", "mcp-registry-mcp-mesh-registry"))
    return {e["name"]: e for e in deployment["spec"]["template"]["spec"]["containers"][0]["env"]}


# --- a password in a Secret key --------------------------------------------------------------------


def test_a_password_key_in_an_existing_secret_becomes_the_host_form(tmp_path):
    result, text = imported(tmp_path, (
        "type: postgres\nhost: db.internal.example\nport: 6432\nname: mesh\nusername: mesh_app\nsslmode: require\n"
        "existingSecret: registry-db\nexistingSecretPasswordKey: db-password\n"
    ))
    assert result.exit_code == 0, result.report
    assert database_of(text) == {
        "type": "postgres", "host": "db.internal.example", "port": 6432, "database": "mesh", "username": "mesh_app",
        "passwordSecret": {"secret": "registry-db", "key": "db-password"}, "sslmode": "require",
    }
    assert not validate(Project(tmp_path), ["adopted"]).findings


def test_the_registry_then_logs_in_with_a_url_without_the_password(tmp_path):
    imported(tmp_path, "host: db.internal.example\nname: mesh\nusername: mesh_app\nexistingSecret: registry-db\n")
    env = registry_env(tmp_path)
    assert env["DATABASE_URL"] == {"name": "DATABASE_URL", "value": "postgres://mesh_app:@db.internal.example:5432/mesh?sslmode=disable"}
    assert env["PGPASSWORD"]["valueFrom"] == {"secretKeyRef": {"name": "registry-db", "key": "password"}}


def test_an_existing_secret_without_a_password_key_is_read_at_the_charts_key_password(tmp_path):
    result, text = imported(tmp_path, "host: db.internal.example\nexistingSecret: registry-db\n")
    assert result.exit_code == 0, result.report
    assert database_of(text)["passwordSecret"] == {"secret": "registry-db", "key": "password"}


def test_unset_fields_take_the_charts_defaults_including_sslmode_disable(tmp_path):
    _, text = imported(tmp_path, "existingSecret: registry-db\n")
    assert database_of(text) == {
        "type": "postgres", "host": "mcp-mesh-postgres", "port": 5432, "database": "mcpmesh", "username": "mcpmesh",
        "passwordSecret": {"secret": "registry-db", "key": "password"}, "sslmode": "disable",
    }


def test_without_any_password_the_charts_own_secret_gives_it(tmp_path):
    result, text = imported(tmp_path, "type: postgres\nhost: db.internal.example\n")
    assert result.exit_code == 0, result.report
    assert database_of(text)["passwordSecret"] == {"secret": "mcp-registry-mcp-mesh-registry-secret", "key": "database-password"}


# --- a literal password ------------------------------------------------------------------------------


def test_a_literal_password_becomes_a_secret_reference_and_a_command_never_the_value(tmp_path):
    result, text = imported(tmp_path, f"host: db.internal.example\npassword: '{PASSWORD}'\n")
    assert result.exit_code == 0, result.report
    assert database_of(text)["passwordSecret"] == {"secret": "mcp-registry-mcp-mesh-registry-database", "key": "password"}
    assert keys(result.report, SECRETS) == ["helm/values-registry.yaml:17 registry.database.password"]
    assert (
        "kubectl create secret generic mcp-registry-mcp-mesh-registry-database -n mcp-mesh "
        "--from-literal=password='<value of registry.database.password in helm/values-registry.yaml>'"
    ) in result.report
    assert PASSWORD not in result.report + text


def test_an_existing_secret_wins_over_a_literal_password_as_in_the_chart(tmp_path):
    result, text = imported(tmp_path, f"existingSecret: registry-db\npassword: '{PASSWORD}'\n")
    assert database_of(text)["passwordSecret"] == {"secret": "registry-db", "key": "password"}
    assert "helm/values-registry.yaml:17 registry.database.password: existingSecret wins over a literal password" in section(result.report, IGNORED)
    assert PASSWORD not in result.report + text


# --- a whole URL in a Secret key ---------------------------------------------------------------------


def test_only_a_url_secret_key_stays_a_url_secret_and_the_report_says_meshc_warns(tmp_path):
    result, text = imported(tmp_path, "host: db.internal.example\nexistingSecret: registry-db\nexistingSecretUrlKey: url\n")
    assert result.exit_code == 0, result.report
    assert database_of(text) == {"type": "postgres", "urlSecret": {"secret": "registry-db", "key": "url"}}
    (note,) = [line for line in section(result.report, DERIVED) if "existingSecretUrlKey" in line]
    assert "secrets.logged-database-url" in note and "logs DATABASE_URL at INFO" in note
    assert section(result.report, IGNORED) == [
        "helm/values-registry.yaml:16 registry.database.host: the registry connects with the whole URL from existingSecretUrlKey; "
        "this fed at most the chart's wait-for-db"
    ]
    checks = validate(Project(tmp_path), ["adopted"])
    assert [f.check for f in checks.warnings] == ["secrets.logged-database-url"] and not checks.errors


def test_a_url_secret_key_from_global_postgres_stays_a_url_secret_too(tmp_path):
    result, text = imported_umbrella(tmp_path, "existingSecret: shared-db\nexistingSecretUrlKey: dsn\n")
    assert result.exit_code == 0, result.report
    assert database_of(text) == {"type": "postgres", "urlSecret": {"secret": "shared-db", "key": "dsn"}}
    assert any("global.postgres.existingSecretUrlKey: kept as urlSecret" in line for line in section(result.report, DERIVED))


def test_a_url_key_without_an_existing_secret_is_ignored_as_by_the_chart(tmp_path):
    result, text = imported(tmp_path, "host: db.internal.example\nexistingSecretUrlKey: url\npassword: x\n")
    assert "host" in database_of(text)
    assert "helm/values-registry.yaml:17 registry.database.existingSecretUrlKey: read only with existingSecret" in section(result.report, IGNORED)


# --- global.postgres -------------------------------------------------------------------------------


def test_the_umbrellas_generated_secret_gives_the_password(tmp_path):
    result, text = imported_umbrella(tmp_path, "host: mcp-platform-mcp-mesh-postgres\nport: 5432\nname: mcpmesh\nusername: mcpmesh\ngeneratedSecret: true\n")
    assert result.exit_code == 0, result.report
    assert database_of(text) == {
        "type": "postgres", "host": "mcp-platform-mcp-mesh-postgres", "port": 5432, "database": "mcpmesh", "username": "mcpmesh",
        "passwordSecret": {"secret": "mcp-platform-mcp-mesh-postgres-credentials", "key": "password"}, "sslmode": "disable",
    }
    assert not validate(Project(tmp_path), ["adopted"]).errors


def test_a_generated_secret_name_overrides_the_derived_one(tmp_path):
    _, text = imported_umbrella(tmp_path, "host: pg\ngeneratedSecret: true\ngeneratedSecretName: pg-credentials\n")
    assert database_of(text)["passwordSecret"] == {"secret": "pg-credentials", "key": "password"}


def test_a_literal_global_password_wins_over_the_generated_secret(tmp_path):
    result, text = imported_umbrella(tmp_path, f"host: pg\npassword: '{PASSWORD}'\ngeneratedSecret: true\n")
    assert database_of(text)["passwordSecret"] == {"secret": "mcp-platform-mcp-mesh-registry-database", "key": "password"}
    assert [k for k in keys(result.report, SECRETS) if "postgres" in k] == ["helm/values.yaml:8 global.postgres.password"]
    assert PASSWORD not in result.report + text


def test_registry_database_wins_over_global_postgres_field_by_field(tmp_path):
    global_postgres = "global:\n  postgres:\n    host: shared-pg\n    name: shared\n    existingSecret: shared-db\n"
    result, text = imported(tmp_path, "host: own-pg.example\nexistingSecret: own-db\n", top=global_postgres)
    assert result.exit_code == 0, result.report
    database = database_of(text)
    assert (database["host"], database["database"], database["passwordSecret"]["secret"]) == ("own-pg.example", "shared", "own-db")
    ignored = section(result.report, IGNORED)
    assert "helm/values-registry.yaml:32 global.postgres.host: registry.database.host wins over it" in ignored
    assert "helm/values-registry.yaml:34 global.postgres.existingSecret: registry.database.existingSecret wins over it" in ignored


def test_global_postgres_reaches_no_agent_and_loses_nothing(tmp_path):
    result, _ = imported_umbrella(tmp_path, "host: pg\nexistingSecret: pg-db\n")
    assert result.exit_code == 0, result.report
    assert not keys(result.report, NOT_PLACED)


# --- what meshc cannot reproduce is listed, exit 1 --------------------------------------------------


def test_a_ca_secret_for_the_database_is_not_placed(tmp_path):
    result, _ = imported(tmp_path, "host: db.internal.example\nexistingSecret: registry-db\nsslmode: verify-ca\ntls:\n  caSecret: db-ca\n")
    assert result.exit_code == 1
    assert keys(result.report, NOT_PLACED) == ["helm/values-registry.yaml:20 registry.database.tls.caSecret"]


def test_a_username_meshc_cannot_put_in_a_url_unescaped_is_refused_at_its_values_line(tmp_path):
    with pytest.raises(ValuesError) as error:
        imported(tmp_path, "host: db.internal.example\nusername: app@server\nexistingSecret: registry-db\n")
    (problem,) = error.value.problems
    assert (problem.file, problem.line, problem.key_path) == ("helm/values-registry.yaml", 17, "registry.database.username")
    assert not (tmp_path / "environments" / "adopted.yaml").exists()


def test_a_global_postgres_that_is_no_mapping_is_not_placed_and_not_echoed(tmp_path):
    url = "postgres://app:hunter2@pg:5432/mesh"
    result, text = imported(tmp_path, "host: db.internal.example\nexistingSecret: registry-db\n", top=f"global:\n  postgres: '{url}'\n")
    assert result.exit_code == 1
    assert keys(result.report, NOT_PLACED) == ["helm/values-registry.yaml:31 global.postgres"]
    assert "hunter2" not in result.report + text
