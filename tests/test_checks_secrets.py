"""meshc.checks.secrets: secret-looking env vars with literal values; whole words only."""

from __future__ import annotations

import pytest
from checks.support import deployment, scope_of

from meshc import secret_names
from meshc.checks import secrets
from meshc.model import Environment, Validation


@pytest.mark.parametrize("name", [
    "API_KEY", "WEATHER_API_KEY", "OPENAI_APIKEY", "GITHUB_TOKEN", "DB_PASSWORD", "PASSWD", "CLIENT_SECRET",
    "client-secret", "AWS_CREDENTIALS", "GOOGLE_CREDENTIAL", "PRIVATE_KEY", "SECRET_KEY_BASE", "token",
])
def test_names_that_look_secret(name):
    assert secret_names.looks_secret(name)


@pytest.mark.parametrize("name", [
    "KEYCLOAK_URL", "MAX_TOKENS", "TOKENIZER_MODEL", "MONKEY", "CACHE_TTL", "SECRET_NAME", "API_KEY_FILE",
    "TOKEN_URL", "PASSWORD_PATH", "AWS_ACCESS_KEY_ID", "MCP_MESH_HTTP_PORT", "KEYS", "",
])
def test_names_that_do_not(name):
    assert not secret_names.looks_secret(name)


def with_env(env: list[dict]) -> dict:
    app = deployment("a")
    app["spec"]["template"]["spec"]["containers"][0]["env"] = env
    return app


def run(obj: dict, allow: bool = False):
    model = Environment(validation=Validation(allow_literal_secrets=allow))
    return secrets.check(scope_of([("agent/a", "agents.a", obj)], model=model))


def test_a_literal_secret_is_an_error_suggesting_secret_env():
    (finding,) = run(with_env([{"name": "API_KEY", "value": "sk-1"}]))
    assert (finding.severity, finding.check, finding.key_path) == ("error", "secrets.literal", "agents.a.env.API_KEY")
    assert "agents.a.secretEnv.API_KEY: {secret: <name>, key: <key>}" in finding.fix


def test_a_secret_reference_and_an_empty_value_are_fine():
    ref = {"name": "API_KEY", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}
    assert run(with_env([ref, {"name": "TOKEN", "value": ""}])) == []


def test_allow_literal_secrets_turns_the_check_off():
    assert run(with_env([{"name": "API_KEY", "value": "dev"}]), allow=True) == []


def test_a_secret_in_a_config_map_is_an_error_too():
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "mesh"}, "data": {"DB_PASSWORD": "x"}}
    (finding,) = run(cm)
    assert finding.key_path == "agents.a" and "holds DB_PASSWORD" in finding.message


def test_a_password_inside_a_url_is_a_secret_whatever_the_name():
    (finding,) = run(with_env([{"name": "DB_URL", "value": "postgres://admin:hunter2@db:5432/mesh"}]))
    assert finding.key_path == "agents.a.env.DB_URL"
    assert run(with_env([{"name": "DB_URL", "value": "postgres://db:5432/mesh"}])) == []


def test_a_literal_secret_in_a_mesh_helm_release_is_an_error():
    release = {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "a", "namespace": "mesh"},
        "spec": {"values": {"env": [{"name": "WEATHER_API_KEY", "value": "sk-live-1"}, {"name": "CACHE_TTL", "value": "300"}]}},
    }
    (finding,) = run(release)
    assert (finding.check, finding.key_path) == ("secrets.literal", "agents.a.env.WEATHER_API_KEY")


def test_a_password_expanded_from_another_env_var_is_a_reference():
    assert run(with_env([{"name": "DATABASE_URL", "value": "postgres://u:$(DATABASE_PASSWORD)@pg:5432/mesh"}])) == []


def test_a_literal_secret_in_the_registry_env_suggests_env_from():
    registry = with_env([{"name": "DB_PASSWORD", "value": "hunter2"}])
    model = Environment(validation=Validation(allow_literal_secrets=False))
    (finding,) = secrets.check(scope_of([("registry", "registry", registry)], model=model))
    assert "registry.envFrom: [{secret: <name>}]" in finding.fix and "secretEnv" not in finding.fix
