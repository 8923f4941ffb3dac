"""meshc.checks.schema: built-in kinds against kubernetes-validate's strict schemas, custom
kinds against CRDs (the Flux and prometheus-operator CRDs in ../shared/crds), offline."""

from __future__ import annotations

import copy
import time
from pathlib import Path

import pytest
from checks.support import REPO_ROOT, SHARED_CRDS, deployment, scope_of

from meshc.checks import check, load_crds
from meshc.checks import schema as schema_check
from meshc.checks.crds import CrdCatalog
from meshc.kube import is_builtin_group, split_api_version
from meshc.kube_values import supported_kubernetes_versions
from meshc.model import Environment, Validation
from meshc.synth import Project, load_and_build

HELM_RELEASE = {
    "apiVersion": "helm.toolkit.fluxcd.io/v2",
    "kind": "HelmRelease",
    "metadata": {"name": "postgresql", "namespace": "mesh"},
    "spec": {"interval": "10m", "chartRef": {"kind": "OCIRepository", "name": "postgresql"}, "values": {"any": {"thing": 1}}},
}


@pytest.fixture(scope="module")
def crds() -> CrdCatalog:
    return load_crds([SHARED_CRDS])


def run(obj: dict, crds: CrdCatalog | None = None, version: str = "1.33", component: str = "agent/a", key: str = "agents.a"):
    model = Environment(validation=Validation(kubernetes_version=version))
    return schema_check.check(scope_of([(component, key, obj)], model=model), crds or CrdCatalog())


def test_a_valid_deployment_passes():
    assert run(deployment("a")) == []


def test_an_unknown_field_is_an_error_at_the_components_key():
    obj = deployment("a")
    obj["spec"]["template"]["spec"]["containers"][0]["resource"] = {}
    (finding,) = run(obj)
    assert (finding.severity, finding.check, finding.key_path) == ("error", "schema.invalid", "agents.a")
    assert finding.message.startswith("Deployment/mesh/a spec.template.spec.containers.0: Additional properties are not allowed ('resource' was unexpected)")
    assert "(checked against Kubernetes 1.33)" in finding.message


def test_a_wrong_type_is_an_error():
    obj = deployment("a")
    obj["spec"]["replicas"] = "three"
    (finding,) = run(obj)
    assert "spec.replicas: 'three' is not of type 'integer'" in finding.message


def test_a_kind_the_version_does_not_have_is_an_error():
    obj = {"apiVersion": "autoscaling/v2beta2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "a", "namespace": "mesh"},
           "spec": {"maxReplicas": 2, "scaleTargetRef": {"kind": "Deployment", "name": "a"}}}
    (finding,) = run(obj)
    assert finding.check == "schema.unknown-kind"
    assert "Kubernetes 1.33 has no HorizontalPodAutoscaler in autoscaling/v2beta2" in finding.message
    assert run(obj, version="1.25") == []  # still served in 1.25


def test_supported_versions_are_the_shipped_ones():
    versions = supported_kubernetes_versions()
    assert versions[0] == "1.25" and "1.33" in versions and versions == sorted(versions, key=lambda v: int(v.split(".")[1]))


def test_a_custom_kind_without_its_crd_is_a_warning_that_says_how_to_fix_it():
    (finding,) = run(HELM_RELEASE, component="database", key="postgresql")
    assert (finding.severity, finding.check, finding.key_path) == ("warning", "schema.unchecked", "postgresql")
    assert finding.message == "not schema-checked, no CRD was given: 1 HelmRelease (helm.toolkit.fluxcd.io/v2)"
    assert "--crd-dir" in finding.fix and "MESHC_CRD_DIRS" in finding.fix


def test_a_custom_kind_passes_its_crd(crds):
    assert run(HELM_RELEASE, crds) == []


def test_an_unknown_field_in_a_custom_kind_is_an_error(crds):
    obj = copy.deepcopy(HELM_RELEASE)
    obj["spec"]["intervall"] = "5m"
    (finding,) = run(obj, crds)
    assert (finding.check, finding.severity) == ("schema.invalid", "error")
    assert "'intervall' was unexpected" in finding.message and "the HelmRelease CRD" in finding.message


def test_a_missing_required_field_in_a_custom_kind_is_an_error(crds):
    obj = copy.deepcopy(HELM_RELEASE)
    del obj["spec"]["interval"]
    (finding,) = run(obj, crds)
    assert "'interval' is a required property" in finding.message


def test_a_version_the_crd_does_not_serve_is_an_error(crds):
    obj = {**HELM_RELEASE, "apiVersion": "helm.toolkit.fluxcd.io/v2beta9"}
    (finding,) = run(obj, crds)
    assert finding.check == "schema.crd-version"
    assert "(served: helm.toolkit.fluxcd.io/v2)" in finding.message


def test_every_committed_environment_passes_with_the_shared_crds():
    built = load_and_build(Project(REPO_ROOT), [])
    report = check(built, [SHARED_CRDS])
    assert [f for f in report.findings if f.check.startswith("schema.")] == []


def test_checking_three_environments_stays_fast():
    built = load_and_build(Project(REPO_ROOT), [])
    check(built, [SHARED_CRDS])  # warm: validators are built once per kind and version
    started = time.perf_counter()
    for _ in range(5):
        check(built, [SHARED_CRDS])
    per_run = (time.perf_counter() - started) / 5
    objects = sum(len(b.manifests) for b in built)
    assert per_run < 1.0, f"{per_run:.3f}s for {objects} objects"


def test_is_builtin_group():
    assert all(map(is_builtin_group, ["", "apps", "networking.k8s.io", "autoscaling"]))
    assert not any(map(is_builtin_group, ["helm.toolkit.fluxcd.io", "monitoring.coreos.com"]))


def test_split_api_version():
    assert split_api_version("v1") == ("", "v1")
    assert split_api_version("apps/v1") == ("apps", "v1")


def test_the_shared_crds_are_read_from_outside_the_project():
    assert not (REPO_ROOT / "crds").exists()
    assert Path(SHARED_CRDS).resolve() == (REPO_ROOT / ".." / "shared" / "crds").resolve()
