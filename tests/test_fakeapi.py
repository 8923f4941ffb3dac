"""The fake API server, driven through the real `kubernetes` client, kubeconfig and HTTP."""

import json
import time

import pytest
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import NotFoundError, ResourceNotFoundError

from fakeapi import FakeKubeAPIServer, write_kubeconfig
from fakeapi.plugin import fake_api, kubeconfig  # noqa: F401

APPLY = "application/apply-patch+yaml"

NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}
HELM_RELEASE = {
    "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
    "metadata": {"name": "mesh", "namespace": "demo"},
    "spec": {"interval": "10m", "chart": {"spec": {"chart": "mcp-mesh", "sourceRef": {
        "kind": "HelmRepository", "name": "mesh"}}}},
}


def deployment(name="web", image="nginx:1.27", **spec) -> dict:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": "demo", "labels": labels},
            "spec": {"selector": {"matchLabels": labels}, **spec, "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": name, "image": image, "ports": [{"containerPort": 80}]}]}}}}


def config_map(name, labels=None, namespace="demo", **data) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "data": data,
            "metadata": {"name": name, "namespace": namespace, "labels": labels or {}}}


def connect(kubeconfig_path, context="fake") -> client.ApiClient:
    return config.new_client_from_config(config_file=str(kubeconfig_path), context=context)


@pytest.fixture
def api(fake_api, kubeconfig) -> client.ApiClient:
    fake_api.seed([NAMESPACE, deployment()])
    return connect(kubeconfig)


@pytest.fixture
def dynamic(api, tmp_path) -> DynamicClient:
    # The client caches discovery in /tmp keyed by URL; a per-test file keeps reused ports honest.
    return DynamicClient(api, cache_file=str(tmp_path / "discovery.json"))


def status_of(caught) -> dict:
    return json.loads(caught.value.body)


def apply_dry_run(api, body):
    return client.AppsV1Api(api).patch_namespaced_deployment(
        body["metadata"]["name"], "demo", body, dry_run="All", field_manager="meshc", force=True,
        _content_type=APPLY)


def test_version_reports_the_configured_minor(tmp_path):
    with FakeKubeAPIServer(minor=31) as server:
        path = write_kubeconfig(tmp_path / "config", {"old": (server.url, None)}, "old")
        assert client.VersionApi(connect(path, "old")).get_code().minor == "31"


def test_read_namespace_shows_server_defaults(api):
    namespace = client.CoreV1Api(api).read_namespace("demo")
    assert namespace.metadata.labels == {"kubernetes.io/metadata.name": "demo"}
    assert namespace.spec.finalizers == ["kubernetes"]
    assert namespace.status.phase == "Active"


def test_live_deployment_looks_like_kubectl_get(api):
    live = client.AppsV1Api(api).read_namespaced_deployment("web", "demo")
    assert live.metadata.uid and live.metadata.resource_version and live.metadata.generation == 1
    assert [(f.manager, f.operation) for f in live.metadata.managed_fields] == [("meshc", "Apply")]
    assert live.metadata.annotations == {"deployment.kubernetes.io/revision": "1"}
    assert live.spec.replicas == 1 and live.spec.strategy.type == "RollingUpdate"
    container = live.spec.template.spec.containers[0]
    assert (container.image_pull_policy, container.ports[0].protocol) == ("IfNotPresent", "TCP")
    assert live.status.ready_replicas == 1


def test_missing_object_is_a_404_with_a_not_found_status(api):
    with pytest.raises(ApiException) as caught:
        client.AppsV1Api(api).read_namespaced_deployment("nope", "demo")
    assert caught.value.status == 404
    assert caught.value.headers["Content-Type"] == "application/json"
    assert status_of(caught) == {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": 'deployments.apps "nope" not found', "reason": "NotFound", "code": 404,
        "details": {"name": "nope", "group": "apps", "kind": "deployments"}}


def test_lists_are_namespaced_or_span_all_namespaces(api, fake_api):
    fake_api.seed([{**deployment("api"), "metadata": {"name": "api", "namespace": "default"}}])
    apps = client.AppsV1Api(api)
    assert [d.metadata.name for d in apps.list_namespaced_deployment("demo").items] == ["web"]
    everywhere = apps.list_deployment_for_all_namespaces()
    assert everywhere.kind == "DeploymentList" and everywhere.metadata.resource_version
    assert [d.metadata.name for d in everywhere.items] == ["api", "web"]


def test_builtin_list_items_omit_kind_but_custom_resources_keep_it(api, fake_api):
    # DynamicClient papers over this by filling in each item's kind from the list's kind.
    fake_api.seed([HELM_RELEASE])
    assert client.AppsV1Api(api).list_namespaced_deployment("demo").items[0].kind is None
    releases = client.CustomObjectsApi(api).list_namespaced_custom_object(
        "helm.toolkit.fluxcd.io", "v2", "demo", "helmreleases")
    assert (releases["kind"], releases["items"][0]["kind"]) == ("HelmReleaseList", "HelmRelease")


@pytest.mark.parametrize("selector, names", [
    ("app=mesh", ["a", "b"]), ("app==mesh,tier=db", ["b"]), ("app!=mesh", ["c"]),
    ("tier", ["b", "c"]), ("!tier", ["a"]),
])
def test_label_selectors_filter_lists(api, fake_api, selector, names):
    fake_api.seed([config_map("a", {"app": "mesh"}), config_map("b", {"app": "mesh", "tier": "db"}),
                   config_map("c", {"tier": "web"})])
    found = client.CoreV1Api(api).list_namespaced_config_map("demo", label_selector=selector)
    assert [item.metadata.name for item in found.items] == names


def test_dynamic_client_discovers_and_reads_a_helm_release(fake_api, dynamic):
    fake_api.seed([HELM_RELEASE])
    releases = dynamic.resources.get(api_version="helm.toolkit.fluxcd.io/v2", kind="HelmRelease")
    live = releases.get(name="mesh", namespace="demo")
    assert live.spec.chart.spec.version == "*"  # CRD schema default
    assert live.status.observedGeneration == -1
    assert dynamic.resources.get(short_names=["hr"]).kind == "HelmRelease"


def test_apply_dry_run_on_an_existing_deployment_merges_and_leaves_live_state(api, fake_api):
    before = fake_api.live("Deployment", "web", "demo")
    result = apply_dry_run(api, deployment(image="nginx:1.28", replicas=3))
    assert (result.spec.replicas, result.spec.template.spec.containers[0].image) == (3, "nginx:1.28")
    assert result.metadata.generation == 2
    assert result.metadata.resource_version == before["metadata"]["resourceVersion"]
    assert result.metadata.annotations == {"deployment.kubernetes.io/revision": "1"}
    assert fake_api.live("Deployment", "web", "demo") == before


def test_apply_dry_run_on_a_missing_deployment_returns_the_defaulted_object(fake_api, dynamic):
    deployments = dynamic.resources.get(api_version="apps/v1", kind="Deployment")
    result = dynamic.server_side_apply(deployments, body=deployment("new"), field_manager="meshc",
                                       force_conflicts=True, dry_run="All")
    assert result.metadata.resourceVersion is None  # how a dry-run create shows itself
    assert result.metadata.uid and result.status is None
    assert result.spec.template.spec.containers[0].terminationMessagePolicy == "File"
    with pytest.raises(NotFoundError):
        deployments.get(name="new", namespace="demo")


def test_creating_in_a_missing_namespace_is_not_found(api):
    with pytest.raises(ApiException) as caught:
        client.CoreV1Api(api).create_namespaced_config_map(
            "absent", config_map("x", namespace="absent"), dry_run="All")
    assert caught.value.status == 404
    assert status_of(caught)["message"] == 'namespaces "absent" not found'


def test_reapply_removes_only_fields_the_manager_stopped_applying(api):
    core = client.CoreV1Api(api)
    core.patch_namespaced_config_map("cfg", "demo", config_map("cfg", a="1", b="2"),
                                     field_manager="meshc", _content_type=APPLY)
    core.patch_namespaced_config_map("cfg", "demo", {**config_map("cfg"), "data": {"c": "3"}},
                                     field_manager="other", _content_type=APPLY)
    core.patch_namespaced_config_map("cfg", "demo", config_map("cfg", a="1"),
                                     field_manager="meshc", _content_type=APPLY)
    assert core.read_namespaced_config_map("cfg", "demo").data == {"a": "1", "c": "3"}


def test_reapply_keeps_annotations_that_other_writers_added(api, fake_api):
    fake_api.seed([{**deployment(), "metadata": {**deployment()["metadata"], "annotations": {"team": "a"}}}])
    result = apply_dry_run(api, deployment())
    assert result.metadata.annotations == {"deployment.kubernetes.io/revision": "1"}


def test_apply_conflict_needs_force(api):
    apps = client.AppsV1Api(api)
    apps.patch_namespaced_deployment("web", "demo", deployment(replicas=2), field_manager="hpa-tool",
                                     _content_type=APPLY)
    with pytest.raises(ApiException) as caught:
        apps.patch_namespaced_deployment("web", "demo", deployment(replicas=3), field_manager="meshc",
                                         _content_type=APPLY)
    assert caught.value.status == 409
    assert status_of(caught)["message"] == (
        'Apply failed with 1 conflict: conflict with "hpa-tool" using apps/v1: .spec.replicas')
    assert apply_dry_run(api, deployment(replicas=3)).spec.replicas == 3


def test_apply_requires_a_field_manager(api):
    with pytest.raises(ApiException) as caught:
        client.AppsV1Api(api).patch_namespaced_deployment("web", "demo", deployment(), _content_type=APPLY)
    assert caught.value.status == 422 and "fieldManager: Required value" in caught.value.body


def test_merge_patch_updates_live_state(api, fake_api):
    client.AppsV1Api(api).patch_namespaced_deployment(
        "web", "demo", {"metadata": {"labels": {"app": None, "team": "mesh"}}},
        _content_type="application/merge-patch+json")
    assert fake_api.live("Deployment", "web", "demo")["metadata"]["labels"] == {"team": "mesh"}


def test_strategic_merge_patch_is_an_unsupported_media_type(api):
    with pytest.raises(ApiException) as caught:  # the typed client's default patch type
        client.AppsV1Api(api).patch_namespaced_deployment("web", "demo", {"spec": {"replicas": 2}})
    assert caught.value.status == 415


def test_service_gets_allocated_ip_and_defaults(api):
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "demo"},
               "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    live = client.CoreV1Api(api).create_namespaced_service("demo", service)
    assert live.spec.cluster_ip.startswith("10.96.") and live.spec.cluster_ips == [live.spec.cluster_ip]
    assert (live.spec.type, live.spec.ip_families) == ("ClusterIP", ["IPv4"])
    assert (live.spec.ports[0].protocol, live.spec.ports[0].target_port) == ("TCP", 80)
    assert live.status.load_balancer.ingress is None


def test_a_removed_kind_is_gone_from_discovery_and_its_urls_are_404(api, fake_api, tmp_path):
    fake_api.remove_kind("HelmRelease")  # FakeKubeAPIServer(without_kinds=[...]) does the same
    dynamic = DynamicClient(api, cache_file=str(tmp_path / "discovery.json"))
    with pytest.raises(ResourceNotFoundError):
        dynamic.resources.get(api_version="helm.toolkit.fluxcd.io/v2", kind="HelmRelease")
    with pytest.raises(ApiException) as caught:
        client.CustomObjectsApi(api).get_namespaced_custom_object(
            "helm.toolkit.fluxcd.io", "v2", "demo", "helmreleases", "mesh")
    assert caught.value.status == 404 and status_of(caught)["reason"] == "NotFound"


def test_injected_forbidden_fails_the_dry_run_patch_only(api, fake_api):
    fake_api.fail(method="PATCH", status=403)
    with pytest.raises(ApiException) as caught:
        apply_dry_run(api, deployment())
    assert caught.value.status == 403 and status_of(caught)["reason"] == "Forbidden"
    assert client.AppsV1Api(api).read_namespaced_deployment("web", "demo")


def test_injected_server_error_stops_after_the_given_times(api, fake_api):
    fake_api.fail(path_prefix="/apis/apps/v1/namespaces/demo/deployments", status=500, times=1)
    with pytest.raises(ApiException) as caught:
        client.AppsV1Api(api).read_namespaced_deployment("web", "demo")
    assert caught.value.status == 500 and status_of(caught)["reason"] == "InternalError"
    assert client.AppsV1Api(api).read_namespaced_deployment("web", "demo")


def test_bearer_token_is_required_when_configured(tmp_path):
    with FakeKubeAPIServer(token="s3cret") as server:
        path = write_kubeconfig(tmp_path / "config", {"anonymous": (server.url, None),
                                                      "admin": (server.url, "s3cret")}, "admin")
        with pytest.raises(ApiException) as caught:
            client.CoreV1Api(connect(path, "anonymous")).list_namespace()
        assert caught.value.status == 401 and status_of(caught)["reason"] == "Unauthorized"
        assert client.CoreV1Api(connect(path, "admin")).list_namespace().items


def test_kubeconfig_context_selects_the_server(fake_api, tmp_path):
    with FakeKubeAPIServer() as prod:
        prod.seed([config_map("only-in-prod", namespace="default")])
        path = write_kubeconfig(tmp_path / "config", {"staging": (fake_api.url, None),
                                                      "prod": (prod.url, None)}, "staging")
        assert client.CoreV1Api(connect(path, "prod")).read_namespaced_config_map("only-in-prod", "default")
        assert not fake_api.requests


def test_request_log_records_dry_run_writes(api, fake_api):
    apply_dry_run(api, deployment(replicas=3))
    patch = fake_api.requests[-1]
    assert (patch.method, patch.path, patch.content_type) == (
        "PATCH", "/apis/apps/v1/namespaces/demo/deployments/web", APPLY)
    assert patch.query == {"dryRun": "All", "fieldManager": "meshc", "force": "true"}
    assert patch.body["spec"]["replicas"] == 3


def test_latency_is_added_to_each_request(api, fake_api):
    fake_api.latency = 0.05
    started = time.perf_counter()
    client.CoreV1Api(api).read_namespace("demo")
    assert time.perf_counter() - started >= 0.05


def managed_fields(core, name) -> dict[str, dict]:
    """manager -> fieldsV1 of its Apply entry."""
    live = core.read_namespaced_config_map(name, "demo")
    return {entry.manager: entry.fields_v1 for entry in live.metadata.managed_fields if entry.operation == "Apply"}


def test_each_applier_has_its_own_managed_fields_entry_listing_the_fields_it_owns(api):
    core = client.CoreV1Api(api)
    core.patch_namespaced_config_map("cfg", "demo", config_map("cfg", a="1", b="2"),
                                     field_manager="kustomize-controller", _content_type=APPLY)
    core.patch_namespaced_config_map("cfg", "demo", {**config_map("cfg"), "data": {"c": "3"}},
                                     field_manager="other", _content_type=APPLY)
    owned = managed_fields(core, "cfg")
    assert owned["kustomize-controller"]["f:data"] == {"f:a": {}, "f:b": {}}
    assert owned["other"]["f:data"] == {"f:c": {}}


def test_keyed_list_items_are_owned_by_key_in_field_sets(api, fake_api):
    fake_api.seed([deployment("api")], field_manager="kustomize-controller")
    live = client.AppsV1Api(api).read_namespaced_deployment("api", "demo")
    (entry,) = [e for e in live.metadata.managed_fields if e.manager == "kustomize-controller"]
    containers = entry.fields_v1["f:spec"]["f:template"]["f:spec"]["f:containers"]
    assert containers['k:{"name":"api"}']["f:image"] == {}


def test_a_field_two_appliers_own_stays_until_both_stop_applying_it(api):
    core = client.CoreV1Api(api)
    for manager in ("kustomize-controller", "kubectl"):
        core.patch_namespaced_config_map("cfg", "demo", config_map("cfg", a="1", shared="x"),
                                         field_manager=manager, _content_type=APPLY)
    core.patch_namespaced_config_map("cfg", "demo", config_map("cfg", a="1"),
                                     field_manager="kustomize-controller", _content_type=APPLY)
    assert core.read_namespaced_config_map("cfg", "demo").data == {"a": "1", "shared": "x"}
    assert "f:shared" not in managed_fields(core, "cfg")["kustomize-controller"]["f:data"]
    core.patch_namespaced_config_map("cfg", "demo", config_map("cfg", a="1"),
                                     field_manager="kubectl", _content_type=APPLY)
    assert core.read_namespaced_config_map("cfg", "demo").data == {"a": "1"}


def test_an_apply_by_a_manager_that_owns_nothing_removes_nothing(api):
    core = client.CoreV1Api(api)
    core.patch_namespaced_config_map("cfg", "demo", config_map("cfg", a="1", legacy="on"),
                                     field_manager="kustomize-controller", _content_type=APPLY)
    result = core.patch_namespaced_config_map("cfg", "demo", config_map("cfg", a="1"), field_manager="meshc",
                                              dry_run="All", force=True, _content_type=APPLY)
    assert result.data == {"a": "1", "legacy": "on"}


def test_apply_as_a_test_control_keeps_what_other_appliers_own(api, fake_api):
    fake_api.seed([config_map("cfg", a="1")], field_manager="kustomize-controller")
    fake_api.apply(config_map("cfg", b="2"), field_manager="ops-tool")
    assert fake_api.live("ConfigMap", "cfg", "demo")["data"] == {"a": "1", "b": "2"}
    core = client.CoreV1Api(api)
    assert set(managed_fields(core, "cfg")) == {"kustomize-controller", "ops-tool"}
