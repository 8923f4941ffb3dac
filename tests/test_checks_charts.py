"""meshc.checks.charts: what the mcp-mesh-registry chart 3.6 cannot render as meshc's manifests do is refused."""

from __future__ import annotations

import pytest

from meshc.checks import check
from meshc.synth import Project, load_and_build


def _errors(tmp_path, registry: str, render: str = "helmrelease") -> list:
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "charts.yaml").write_text(f"render: {render}\nregistry: {registry}\n")
    report = check(load_and_build(Project(tmp_path), []))
    return [f for f in report.findings if f.severity == "error"]


EXTERNAL = "{database: {type: postgres, urlSecret: {secret: db, key: url}}}"
EXTERNAL_BY_HOST = "{database: {type: postgres, host: db.internal.example, database: mesh, username: mesh, passwordSecret: {secret: db, key: password}}}"
SQLITE_ON_A_CLAIM = "{persistence: {enabled: true}}"
ONE_PER_NODE = "{database: {type: postgres, urlSecret: {secret: db, key: url}}, replicas: 2, affinity: {podAntiAffinity: {mode: required}}}"


def test_an_external_database_is_refused_because_wait_for_db_cannot_find_its_host(tmp_path):
    (finding,) = _errors(tmp_path, EXTERNAL)
    assert (finding.check, finding.key_path, finding.line) == ("charts.wait-for-db", "registry.database.urlSecret", 2)
    assert "wait-for-db" in finding.message and "never start" in finding.message
    assert finding.fix.startswith("give the database as host, port, database, username and passwordSecret")
    assert "render the registry as manifests (registry.render: manifests)" in finding.fix


def test_an_external_database_given_by_host_is_accepted_because_wait_for_db_waits_on_that_host(tmp_path):
    assert _errors(tmp_path, EXTERNAL_BY_HOST) == []


def test_sqlite_on_a_read_write_once_claim_is_refused_because_the_rollout_cannot_finish(tmp_path):
    (finding,) = _errors(tmp_path, SQLITE_ON_A_CLAIM)
    assert (finding.check, finding.key_path) == ("charts.rollout", "registry.persistence.enabled")
    assert "maxSurge 1, maxUnavailable 0" in finding.message
    assert "ReadWriteOnce claim the old pod holds" in finding.message


def test_sqlite_on_a_shared_claim_is_refused_because_two_registries_would_write_one_file(tmp_path):
    (finding,) = _errors(tmp_path, "{persistence: {enabled: true, accessMode: ReadWriteMany}}")
    assert "two registries would write one sqlite file" in finding.message


def test_required_one_per_node_anti_affinity_is_refused(tmp_path):
    findings = {f.key_path: f for f in _errors(tmp_path, ONE_PER_NODE)}
    rollout = findings["registry.affinity.podAntiAffinity.mode"]
    assert "finds no free node" in rollout.message and "mode: preferred" in rollout.fix


@pytest.mark.parametrize("registry", [EXTERNAL, SQLITE_ON_A_CLAIM, ONE_PER_NODE])
def test_the_same_registry_is_fine_as_manifests(tmp_path, registry):
    assert _errors(tmp_path, registry, render="manifests") == []


def test_an_ephemeral_sqlite_registry_release_is_accepted(tmp_path):
    assert _errors(tmp_path, "{persistence: {enabled: false}}") == []
