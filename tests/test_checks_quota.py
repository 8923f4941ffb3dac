"""meshc.checks.quota: the worst case against the ResourceQuota, exactly."""

from __future__ import annotations

from decimal import Decimal

from checks.support import CORPUS, corpus_project, deployment, quota, scope_of

from meshc.checks import quota as quota_check
from meshc.checks.quota import plural, pod_amount
from meshc.synth import validate


def hpa(name: str, maximum: int, minimum: int = 1) -> dict:
    return {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": "mesh"},
        "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                 "minReplicas": minimum, "maxReplicas": maximum},
    }


def check(*objects, hard: dict):
    scope = scope_of([*objects, ("platform", "resourceQuota", quota(hard))])
    return quota_check.check(scope)


def test_the_seed_production_example_names_the_overage_and_top_contributors(tmp_path):
    case = CORPUS / "seed-production.yaml"
    report = validate(corpus_project(tmp_path, case), [case.stem])
    by_key = {f.key_path: f for f in report.findings if f.check == "quota.exceeded"}
    cpu = by_key["resourceQuota.hard.requests.cpu"]
    assert cpu.message == (
        "the worst case needs 13900m requests.cpu but the quota allows 12: 1900m over; biggest contributors: "
        "registry 6 (5 + 1 surge = 6 pods x 1), agent/analytics 5250m (20 + 1 surge = 21 pods x 250m), "
        "agent/weather 2550m (HPA max 50 + 1 surge = 51 pods x 50m)"
    )
    assert cpu.fix.startswith("raise resourceQuota.hard.requests.cpu to at least 13900m")
    assert (cpu.file, cpu.line) == ("environments/seed-production.yaml", 30)
    assert set(by_key) == {f"resourceQuota.hard.{r}" for r in ("requests.cpu", "requests.memory", "limits.cpu", "limits.memory", "pods")}
    contributors = {f.key_path: f for f in report.findings if f.check == "quota.contributor"}
    assert set(contributors) == {"registry.replicas", "agents.analytics.replicas", "agents.weather.autoscaling.maxReplicas"}
    weather = contributors["agents.weather.autoscaling.maxReplicas"]
    assert (weather.file, weather.line, weather.component) == ("environments/seed-production.yaml", 20, "agent/weather")
    assert "51 of the 80 pods (HPA max 50 + 1 surge = 51 pods) where resourceQuota.hard.pods allows 40" in weather.message


def test_an_exact_fit_passes_and_one_millicore_less_fails():
    app = ("agent/a", "agents.a", deployment("a", replicas=3))  # 3 + 1 surge (25% of 3, rounded up) = 4 pods x 100m
    assert check(app, hard={"requests.cpu": "400m", "pods": "4"}) == []
    (finding,) = [f for f in check(app, hard={"requests.cpu": "399m"}) if f.check == "quota.exceeded"]
    assert finding.message.startswith("the worst case needs 400m requests.cpu but the quota allows 399m: 1m over")


def test_the_hpa_maximum_counts_not_the_replicas():
    app = ("agent/a", "agents.a", deployment("a", replicas=None))
    scaler = ("agent/a", "agents.a", hpa("a", maximum=8))
    contributor, exceeded = sorted(check(app, scaler, hard={"pods": "9"}), key=lambda f: f.check)
    assert "needs 10 pods" in exceeded.message  # 8 + 25% surge of 8
    assert contributor.key_path == "agents.a.autoscaling.maxReplicas"


def test_recreate_surges_nothing_and_an_absolute_max_surge_counts_as_given():
    recreate = ("registry", "registry", deployment("r", replicas=2, strategy={"type": "Recreate"}))
    assert check(recreate, hard={"pods": "2"}) == []
    rolling = ("agent/a", "agents.a", deployment("a", replicas=3, strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2}}))
    assert "needs 5 pods" in check(rolling, hard={"pods": "4"})[0].message


def test_init_containers_raise_the_pod_request_only_above_the_containers_sum():
    def container(name, cpu, **extra):
        return {"name": name, "resources": {"requests": {"cpu": cpu}}, **extra}

    spec = {"containers": [container("a", "100m"), container("b", "100m")], "initContainers": [container("init", "500m")]}
    assert pod_amount(spec, "requests", "cpu") == (Decimal("0.5"), [])
    spec["initContainers"] = [container("init", "150m")]
    assert pod_amount(spec, "requests", "cpu") == (Decimal("0.2"), [])
    # A sidecar (restartPolicy Always) runs beside everything started after it.
    spec["initContainers"] = [container("proxy", "50m", restartPolicy="Always"), container("init", "300m")]
    assert pod_amount(spec, "requests", "cpu") == (Decimal("0.35"), [])


def test_a_request_defaults_to_the_limit_and_a_container_with_neither_is_reported():
    spec = {"containers": [{"name": "a", "resources": {"limits": {"cpu": "1"}}}, {"name": "b"}]}
    assert pod_amount(spec, "requests", "cpu") == (Decimal(1), ["b"])
    assert pod_amount(spec, "limits", "memory") == (Decimal(0), ["a", "b"])


def test_services_pvcs_and_storage_are_counted_from_the_objects():
    def claim(name, size):
        return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name, "namespace": "mesh"},
                "spec": {"resources": {"requests": {"storage": size}}}}

    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "namespace": "mesh"}, "spec": {}}
    objects = [("agent/a", "agents.a", claim("a-data", "3Gi")), ("registry", "registry", claim("r-data", "1500Mi")),
               ("agent/a", "agents.a", service)]
    found = {f.key_path: f.message for f in check(*objects, hard={"requests.storage": "4Gi", "persistentvolumeclaims": "1", "services": "1"})
             if f.check == "quota.exceeded"}
    assert found["resourceQuota.hard.requests.storage"].startswith("the worst case needs 4572Mi requests.storage but the quota allows 4Gi")
    assert "needs 2 persistentvolumeclaims" in found["resourceQuota.hard.persistentvolumeclaims"]
    assert "resourceQuota.hard.services" not in found


def test_objects_in_another_namespace_do_not_count():
    elsewhere = ("agent/a", "agents.a", deployment("a", namespace="other", replicas=10))
    assert check(elsewhere, hard={"pods": "1"}) == []


def test_a_helm_release_in_the_namespace_is_a_warning_that_the_proof_is_incomplete():
    release = {"apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
               "metadata": {"name": "postgresql", "namespace": "flux-system"}, "spec": {"targetNamespace": "mesh"}}
    (finding,) = check(("database", "postgresql", release), hard={"pods": "10"})
    assert (finding.severity, finding.check, finding.key_path) == ("warning", "quota.unaccounted", "postgresql")


def test_count_quotas_use_the_kinds_plural_and_group():
    assert [plural(k) for k in ("Deployment", "Ingress", "NetworkPolicy", "Service")] == [
        "deployments", "ingresses", "networkpolicies", "services"]
    objects = [("agent/a", "agents.a", deployment("a")), ("agent/b", "agents.b", deployment("b"))]
    (exceeded, *_) = [f for f in check(*objects, hard={"count/deployments.apps": "1"}) if f.check == "quota.exceeded"]
    assert "needs 2 count/deployments.apps" in exceeded.message


def test_mesh_helm_releases_count_from_their_values(tmp_path):
    from meshc.checks import check
    from meshc.synth import Project, load_and_build

    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "charts.yaml").write_text(
        "render: helmrelease\n"
        "agents:\n  a-agent:\n    replicas: 3\n"
        "resourceQuota: {enabled: true, hard: {pods: '3'}}\n"
    )
    report = check(load_and_build(Project(tmp_path), []))
    exceeded = [f for f in report.findings if f.check == "quota.exceeded"]
    assert [f.key_path for f in exceeded] == ["resourceQuota.hard.pods"]
    assert "needs 6 pods" in exceeded[0].message  # registry 1 + 1 surge, agent 3 + 1 surge


def _report_of(tmp_path, text: str):
    from meshc.checks import check
    from meshc.synth import Project, load_and_build

    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "charts.yaml").write_text(text)
    return check(load_and_build(Project(tmp_path), []))


POSTGRES_RELEASE = (
    "render: helmrelease\n"
    "registry: {database: {type: postgres}}\n"
    "postgresql: {enabled: true, auth: {existingSecret: pg}}\n"
)


def test_the_registry_charts_wait_for_db_init_container_is_refused_under_a_compute_quota(tmp_path):
    report = _report_of(tmp_path, POSTGRES_RELEASE + "resourceQuota: {enabled: true, hard: {requests.cpu: '10'}}\n")
    (missing,) = [f for f in report.findings if f.check == "quota.missing-request"]
    assert (missing.severity, missing.key_path) == ("error", "registry.render")
    assert "container wait-for-db of HelmRelease/mcp-mesh/mcp-registry sets none" in missing.message
    assert missing.fix.startswith("the chart offers no key for the resources of wait-for-db: render registry as manifests")


def test_a_sqlite_registry_release_adds_no_init_container_to_the_quota_proof(tmp_path):
    report = _report_of(tmp_path, "render: helmrelease\nresourceQuota: {enabled: true, hard: {requests.cpu: '10'}}\n")
    assert [f for f in report.findings if f.check == "quota.missing-request"] == []


def test_the_wait_for_db_container_is_fine_when_the_quota_counts_only_objects(tmp_path):
    report = _report_of(tmp_path, POSTGRES_RELEASE + "resourceQuota: {enabled: true, hard: {pods: '10'}}\n")
    assert [f for f in report.findings if f.severity == "error"] == []
