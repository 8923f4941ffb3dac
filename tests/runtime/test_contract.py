"""The runtime contract: every manifests-mode environment of dist/ boots on the real
MCP Mesh registry (npm @mcpmesh/cli-linux-x64) and real SDK agents (PyPI mcp-mesh),
and behaves as meshc says it will. See conftest.py for the boot, laptop.py for the
only changes made to dist/.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest

from runtime.conftest import ENVIRONMENTS, EXPECTATIONS
from runtime.environments import TEST_PASSWORD

AGENTS = [(env, agent) for env in ENVIRONMENTS for agent in EXPECTATIONS[env].agents]
PROBES = [(env, workload, kind) for env in ENVIRONMENTS for workload, kind in EXPECTATIONS[env].probes]
ON_POSTGRESQL = [env for env in ENVIRONMENTS if EXPECTATIONS[env].on_postgresql]
OVER_TLS = [env for env in ENVIRONMENTS if EXPECTATIONS[env].database_tls]

def _registered(meshes, env: str, agent: str) -> dict:
    booted = meshes[(env, "mesh")]
    assert not booted.error, booted.error
    found = [a for a in booted.agents if a["name"] == agent]
    assert len(found) == 1, f"the registry lists {[a['name'] for a in booted.agents]}, not exactly one {agent!r}"
    return found[0]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_registry_starts_with_exactly_its_containers_environment(meshes, env):
    booted = meshes[(env, "mesh")]
    assert not booted.error, booted.error
    assert booted.processes["registry"].running(), booted.registry_log()


@pytest.mark.parametrize(("env", "agent"), AGENTS)
def test_every_agent_registers_under_its_name_with_its_capabilities(meshes, env, agent):
    registered = _registered(meshes, env, agent)
    assert sorted(c["name"] for c in registered["capabilities"]) == sorted(EXPECTATIONS[env].agents[agent].capabilities)
    assert registered["status"] == "healthy"


@pytest.mark.parametrize(("env", "agent"), AGENTS)
def test_the_agent_name_variable_only_prefixes_the_registry_id(meshes, env, agent):
    """SDK 3.8.0: the registry's `name` is the script's @mesh.agent(name=...); MCP_MESH_AGENT_NAME
    only becomes the prefix of the id, `<MCP_MESH_AGENT_NAME>-<8 hex digits>`."""
    registered = _registered(meshes, env, agent)
    prefix = EXPECTATIONS[env].agent_name_variable.get(agent, agent)
    assert registered["id"].startswith(f"{prefix}-") and len(registered["id"]) == len(prefix) + 9


@pytest.mark.parametrize(("env", "agent"), AGENTS)
def test_dependencies_resolve_exactly_as_the_graph_check_predicts(meshes, env, agent):
    expected = EXPECTATIONS[env]
    registered = _registered(meshes, env, agent)
    names_by_id = {a["id"]: a["name"] for a in meshes[(env, "mesh")].agents}
    seen = {r["capability"]: r for r in registered.get("dependency_resolutions") or []}
    assert sorted(seen) == sorted(expected.agents[agent].dependencies)
    unresolved = {c for c, r in seen.items() if r["status"] != "available"}
    assert unresolved == expected.unresolved[agent]
    for capability in set(seen) - unresolved:
        assert names_by_id[seen[capability]["provider_agent_id"]] in expected.providers[capability]


@pytest.mark.parametrize(("env", "agent"), AGENTS)
def test_every_agent_answers_at_the_endpoint_it_advertises_through_its_service(meshes, env, agent):
    """The endpoint other agents are given: MCP_MESH_HTTP_HOST (the Service's DNS name) and MCP_MESH_HTTP_PORT."""
    _registered(meshes, env, agent)
    assert meshes[(env, "mesh")].endpoints[agent] == 200


@pytest.mark.parametrize(("env", "workload", "kind"), PROBES)
def test_every_probe_answers_200_on_the_port_the_deployment_names(meshes, env, workload, kind):
    booted = meshes[(env, "mesh")]
    assert not booted.error, booted.error
    assert booted.probes[(workload, kind)] == 200, booted.processes[workload].output()[-3000:]


@pytest.mark.parametrize("env", ON_POSTGRESQL)
def test_the_registry_creates_its_tables_in_postgresql_over_a_password_login(meshes, env):
    booted = meshes[(env, "mesh")]
    assert not booted.error, booted.error
    assert "agents" in booted.tables


@pytest.mark.parametrize("env", OVER_TLS)
def test_the_registry_reaches_an_external_database_over_tls_when_its_url_asks_for_it(meshes, env):
    booted = meshes[(env, "mesh")]
    assert not booted.error, booted.error
    assert booted.database_tls_sessions > 0 and "agents" in booted.tables


@pytest.mark.parametrize("env", ON_POSTGRESQL)
def test_the_registry_starts_with_a_url_hostile_database_password(meshes, env):
    """Issue 8: a '/' in a password composed into DATABASE_URL made the registry exit with 'invalid port'."""
    booted = meshes[(env, "mesh")]
    assert booted.password == TEST_PASSWORD
    assert not booted.error, booted.error
    assert all(status == 200 for (workload, _), status in booted.probes.items() if workload == "registry")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_registry_log_never_contains_the_database_password(meshes, env):
    """Issue 8: registry 3.7.1 logs DATABASE_URL at INFO, so the password must not be in it."""
    booted = meshes[(env, "mesh")]
    assert not booted.error, booted.error
    log = booted.registry_log()
    assert booted.password not in log and quote(booted.password, safe="") not in log
