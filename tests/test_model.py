"""The typed model of an environment (`meshc.model`) and its JSON Schema (`meshc.schema`).

Errors as the user sees them (file, line, key path) are in test_bad_input.py; these
tests use the models directly, from Python.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from pydantic import ValidationError

from meshc import model
from meshc.loader import environment_names, load_environments
from meshc.schema import SCHEMA_FILE, environment_schema

POSTGRES = model.PostgresDatabase(type="postgres", url_secret=model.SecretKeyRef(secret="registry-db", key="database-url"))


def rule_errors(error: ValidationError) -> list[tuple[str, str]]:
    """(field, message) of every cross-field rule in a ValidationError."""
    causes = [(e.get("ctx") or {}).get("error") for e in error.errors()]
    return [(c.field, str(c)) for c in causes if isinstance(c, model.FieldRuleError)]


@pytest.fixture(scope="module")
def environments_dir(repo_root) -> Path:
    return repo_root / "environments"


@pytest.fixture(scope="module")
def committed_files(environments_dir) -> list[Path]:
    return sorted(environments_dir.glob("*.yaml"))


@pytest.fixture(scope="module")
def json_schema(environments_dir) -> dict:
    return json.loads((environments_dir / SCHEMA_FILE).read_text(encoding="utf-8"))


# --- defaults ---------------------------------------------------------------------------


def test_empty_environment_has_a_sqlite_registry_on_port_8000_and_no_agents():
    environment = model.Environment()
    assert environment.registry.name == "mcp-registry"
    assert environment.registry.service.port == 8000
    assert environment.registry.database == model.SqliteDatabase(type="sqlite", path="/data/mcp_mesh_registry.db")
    assert environment.agents == {}


def test_agent_defaults_to_the_python_runtime_on_port_8080():
    agent = model.Agent()
    assert (agent.image.repository, agent.image.tag, agent.http.port) == ("mcpmesh/python-runtime", "3.6", 8080)


def test_models_are_frozen():
    with pytest.raises(ValidationError, match="frozen"):
        model.Agent().replicas = 3


def test_models_are_strict_about_types():
    with pytest.raises(ValidationError, match="valid integer"):
        model.Agent(replicas="2")


def test_camel_case_keys_and_python_names_both_populate_a_model():
    assert model.Autoscaling.model_validate({"targetCPUUtilizationPercentage": 70}) == model.Autoscaling(
        target_cpu_utilization_percentage=70
    )


# --- quantities -------------------------------------------------------------------------------


@pytest.mark.parametrize(("given", "stored"), [(1, "1"), (0.5, "0.5"), ("500m", "500m"), ("10Gi", "10Gi")])
def test_quantities_accept_yaml_numbers_and_kubernetes_strings(given, stored):
    assert model.ResourceAmounts(cpu=given).cpu == stored


def test_float_quantities_keep_every_digit():
    assert model.ResourceAmounts(cpu=1234.5678).cpu == "1234.5678"


@pytest.mark.parametrize("bad", ["1GB", "lots", "-1", ""])
def test_anything_else_is_not_a_quantity(bad):
    with pytest.raises(ValidationError, match="not a Kubernetes quantity"):
        model.ResourceAmounts(memory=bad)


def test_quota_accepts_object_count_resources():
    assert model.ResourceQuota(hard={"count/deployments.apps": "10"}).hard == {"count/deployments.apps": "10"}


# --- cross-field rules ------------------------------------------------------------------------


def test_sqlite_registry_refuses_a_second_replica():
    with pytest.raises(ValidationError) as error:
        model.Registry(replicas=2)
    assert rule_errors(error.value) == [
        ("replicas", "sqlite allows only one registry replica, got 2; use database.type postgres to run more")
    ]


def test_sqlite_registry_refuses_autoscaling():
    with pytest.raises(ValidationError) as error:
        model.Registry(autoscaling=model.Autoscaling(enabled=True))
    assert [field for field, _ in rule_errors(error.value)] == ["autoscaling"]


def test_postgres_registry_may_run_several_replicas_and_autoscale():
    registry = model.Registry(database=POSTGRES, replicas=3, autoscaling=model.Autoscaling(enabled=True))
    assert registry.replicas == 3


def test_sqlite_registry_with_zero_replicas_is_allowed():
    assert model.Registry(replicas=0).replicas == 0


@pytest.mark.parametrize("field", ["env", "secret_env"])
@pytest.mark.parametrize("name", ["MCP_MESH_REGISTRY_URL", "MCP_MESH_AGENT_NAME", "MCP_MESH_HTTP_PORT"])
def test_agent_env_may_not_set_what_meshc_wires(field, name):
    value = "http://nowhere:1" if field == "env" else model.SecretKeyRef(secret="s", key="k")
    with pytest.raises(ValidationError):
        model.Agent(**{field: {name: value}})


def test_enabled_ingress_needs_a_host():
    with pytest.raises(ValidationError) as error:
        model.Ingress(enabled=True)
    assert [field for field, _ in rule_errors(error.value)] == ["host"]


def test_agents_need_an_enabled_registry():
    with pytest.raises(ValidationError) as error:
        model.Environment(registry=model.Registry(enabled=False), agents={"a": model.Agent()})
    assert [field for field, _ in rule_errors(error.value)] == ["registry"]


def test_disabled_agents_do_not_need_a_registry():
    environment = model.Environment(registry=model.Registry(enabled=False), agents={"a": model.Agent(enabled=False)})
    assert not environment.registry.enabled


def test_agent_name_that_fits_every_object_it_gets_is_accepted():
    name = "a" * 55  # its objects: a*55, a*55-config (62); agents have no headless Service
    assert name in model.Environment(agents={name: model.Agent()}).agents


# --- the JSON Schema -------------------------------------------------------------------------------


def test_committed_schema_is_the_one_the_model_generates(environments_dir):
    assert (environments_dir / SCHEMA_FILE).read_text(encoding="utf-8") == environment_schema()


def test_every_environment_file_names_the_schema_on_its_first_line(committed_files):
    assert committed_files
    for path in committed_files:
        first_line = path.read_text(encoding="utf-8").splitlines()[0]
        assert first_line == f"# yaml-language-server: $schema=./{SCHEMA_FILE}", path.name


def test_every_committed_environment_file_satisfies_the_schema(committed_files, json_schema):
    validator = jsonschema.Draft202012Validator(json_schema)
    for path in committed_files:
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))]
        assert errors == [], path.name


def test_schema_flags_an_unknown_key_like_meshc_does(json_schema):
    assert not jsonschema.Draft202012Validator(json_schema).is_valid({"agents": {"a": {"replica": 2}}})


def test_every_committed_environment_validates(environments_dir):
    names = environment_names(environments_dir)
    assert {"dev", "staging", "prod"} <= set(names)
    assert [loaded.name for loaded in load_environments(environments_dir, [])] == names
