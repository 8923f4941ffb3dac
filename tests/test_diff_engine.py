"""`run_diff` against the fake API server, over real HTTP through the kubernetes client. One behaviour each."""

from __future__ import annotations

import copy
from collections import Counter

import pytest

from fakeapi import FakeKubeAPIServer, write_kubeconfig
from meshc.build import BuiltEnvironment, Manifest
from meshc.diff import DiffOptions, run_diff
from meshc.diff.live import LiveDiff
from meshc.diff.owner import Applier
from meshc.diff.plan import OWNED_KINDS
from meshc.diff.changeset import Action, Mode
from meshc.diff.compare import ABSENT
from meshc.diff.cluster import connect
from meshc.diff.errors import (
    AuthenticationError,
    ClusterUnreachableError,
    DiffOptionsError,
    KubeconfigError,
    Reason,
)
from meshc.diff import live
from meshc.origin import Origin
from test_diff_support import (  # noqa: F401  (fixtures)
    ENVIRONMENT,
    FLUX_NAMESPACE,
    KUSTOMIZE_CONTROLLER,
    NAMESPACE,
    RETIRED_TOKEN,
    RETIRED_TOKEN_TEXT,
    applied,
    built,
    changed,
    desired,
    entries,
    fields,
    flux_applied,
    live_items,
    options,
    project,
    seeded,
    two_cluster_kubeconfig,
)

OWNERSHIP = {"app.kubernetes.io/managed-by": "meshc", "meshc.io/environment": ENVIRONMENT}


def seed(fake, built, without: tuple[str, str]) -> None:
    """Seed diffdemo as Flux applied it, except one (kind, name)."""
    fake.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": FLUX_NAMESPACE}}],
              field_manager="flux", operation="Update")
    fake.seed(flux_applied(built, [m for m in built.manifests if (m.kind, m.name) != without]),
              field_manager=KUSTOMIZE_CONTROLLER)


def snapshot(fake, built) -> dict:
    return {(m.kind, m.name): fake.live(m.kind, m.name, m.namespace) for m in built.manifests}


def writes(fake) -> list:
    return [request for request in fake.requests if request.method != "GET"]


def config_map(name: str, labels: dict | None = None, **data) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "data": data,
            "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels or {}}}


# --- accuracy ---------------------------------------------------------------------------------


def test_in_sync_with_the_live_fixture_despite_server_defaults(fake_api, live_items, project, options):
    fake_api.seed([item for item in copy.deepcopy(live_items) if not item["metadata"]["name"].startswith("retired-")],
                  field_manager=KUSTOMIZE_CONTROLLER)
    result = run_diff(project, options())
    assert not result.changeset.has_changes(), result.rendered
    assert result.changeset.counts()["unchanged"] == 27 and not result.changeset.failures
    assert "Summary: 0 to create, 0 to change, 0 deleted by Flux prune, 27 unchanged." in result.rendered


def test_a_changed_field_shows_its_path_old_and_new_value(seeded, built, project, options):
    previous = applied(built, "Deployment", "hello-agent")
    previous["spec"]["template"]["spec"]["containers"][0]["image"] = "mcpmesh/python-runtime:3.5"
    seeded.seed([previous], field_manager=KUSTOMIZE_CONTROLLER)
    changeset = run_diff(project, options()).changeset
    assert changed(changeset) == {f"Deployment/{NAMESPACE}/hello-agent": "change"}
    entry = entries(changeset)[f"Deployment/{NAMESPACE}/hello-agent"]
    assert fields(entry) == {"spec.template.spec.containers[name=mcp-mesh-agent].image":
                             ("mcpmesh/python-runtime:3.5", "mcpmesh/python-runtime:3.6")}
    assert entry.component == "agent/hello-agent"


def test_a_field_flux_applied_and_dist_no_longer_sets_shows_as_removed(seeded, built, project, options):
    previous = applied(built, "ConfigMap", "hello-agent-config")
    previous["data"]["LEGACY_FLAG"] = "on"
    seeded.seed([previous], field_manager=KUSTOMIZE_CONTROLLER)  # Flux applied it last time; now unset
    entry = entries(run_diff(project, options()).changeset)[f"ConfigMap/{NAMESPACE}/hello-agent-config"]
    assert entry.action is Action.CHANGE
    assert fields(entry) == {"data.LEGACY_FLAG": ("on", ABSENT)}


def test_as_another_field_manager_a_field_flux_applied_is_not_seen_as_removed(seeded, built, project, options):
    previous = applied(built, "ConfigMap", "hello-agent-config")
    previous["data"]["LEGACY_FLAG"] = "on"
    seeded.seed([previous], field_manager=KUSTOMIZE_CONTROLLER)
    result = run_diff(project, options(field_manager="meshc"))  # meshc owns no field: SSA keeps them all
    entry = entries(result.changeset)[f"ConfigMap/{NAMESPACE}/hello-agent-config"]
    assert entry.action is Action.UNCHANGED
    assert "dry-run as field manager meshc" in result.rendered


def test_a_field_another_applier_also_owns_is_not_shown_as_removed(seeded, built, project, options):
    previous = applied(built, "ConfigMap", "hello-agent-config")
    previous["data"]["LEGACY_FLAG"] = "on"
    seeded.seed([previous], field_manager=KUSTOMIZE_CONTROLLER)
    seeded.apply({**config_map("hello-agent-config"), "data": {"LEGACY_FLAG": "on"}}, field_manager="ops-tool")
    entry = entries(run_diff(project, options()).changeset)[f"ConfigMap/{NAMESPACE}/hello-agent-config"]
    assert entry.action is Action.UNCHANGED  # Flux's apply would keep it: ops-tool still owns it


def test_the_dry_run_sends_the_labels_flux_adds_to_what_it_applies(seeded, built, project, options):
    run_diff(project, options())
    (sent,) = [r for r in writes(seeded) if r.path.endswith("/deployments/hello-agent")]
    labels = sent.body["metadata"]["labels"]
    assert (labels["kustomize.toolkit.fluxcd.io/name"], labels["kustomize.toolkit.fluxcd.io/namespace"]) == (
        "meshc-diffdemo-agents", FLUX_NAMESPACE)


def test_an_environment_flux_does_not_deliver_is_dry_run_as_meshc(built):
    without_flux = BuiltEnvironment(built.environment, tuple(m for m in built.manifests if m.layer != "flux"))
    applier = Applier.of(without_flux)
    assert applier.field_manager == "meshc"
    manifest = without_flux.manifests[0]
    assert applier.as_applied(manifest) is manifest.obj
    assert Applier.of(built).field_manager == KUSTOMIZE_CONTROLLER
    assert Applier.of(built, "ops-tool").field_manager == "ops-tool"


def test_a_hand_edit_is_drift_meshc_would_revert(seeded, project, options):
    live = seeded.live("ConfigMap", "hello-agent-config", NAMESPACE)
    live["data"]["MCP_MESH_REGISTRY_PORT"] = "9000"
    seeded.seed([live], field_manager="kubectl-edit", operation="Update")
    entry = entries(run_diff(project, options()).changeset)[f"ConfigMap/{NAMESPACE}/hello-agent-config"]
    assert fields(entry) == {"data.MCP_MESH_REGISTRY_PORT": ("9000", "8000")}


def test_a_new_object_is_created_as_the_server_would_default_it(fake_api, built, project, options):
    seed(fake_api, built, without=("Service", "hello-agent"))
    entry = entries(run_diff(project, options()).changeset)[f"Service/{NAMESPACE}/hello-agent"]
    assert entry.action is Action.CREATE
    assert entry.pair.before is None and entry.pair.after["spec"]["type"] == "ClusterIP"  # from the dry-run


def test_objects_labelled_for_the_environment_but_not_built_are_pruned(seeded, project, options):
    seeded.seed([config_map("retired-agent-config", {**OWNERSHIP, "app.kubernetes.io/component": "agent",
                                                     "app.kubernetes.io/instance": "retired-agent"}),
                 config_map("someone-elses"),
                 config_map("other-environment", {**OWNERSHIP, "meshc.io/environment": "prod"})])
    changeset = run_diff(project, options()).changeset
    assert changed(changeset) == {f"ConfigMap/{NAMESPACE}/retired-agent-config": "delete"}
    assert entries(changeset)[f"ConfigMap/{NAMESPACE}/retired-agent-config"].component == "agent/retired-agent"


def test_a_controllers_child_with_copied_labels_is_not_pruned(seeded, project, options):
    child = config_map("generated", dict(OWNERSHIP))
    child["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "hello-agent",
                                             "uid": "1", "controller": True}]
    seeded.seed([child], field_manager="some-controller", operation="Update")
    assert not run_diff(project, options()).changeset.has_changes()


def test_an_unlabelled_live_object_is_compared_not_created(fake_api, built, project, options):
    seed(fake_api, built, without=("ServiceAccount", "hello-agent"))
    bare = desired(built, "ServiceAccount", "hello-agent")
    bare["metadata"].pop("labels")
    fake_api.seed([bare], field_manager="kubectl-create", operation="Update")
    entry = entries(run_diff(project, options()).changeset)[f"ServiceAccount/{NAMESPACE}/hello-agent"]
    assert entry.action is Action.CHANGE and "live object lacks meshc's ownership labels" in entry.notes
    assert all(change.path.startswith("metadata.labels") for change in entry.fields)


def test_objects_in_a_namespace_this_diff_creates_are_created_without_a_dry_run(fake_api, project, options):
    fake_api.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": FLUX_NAMESPACE}}],
                  field_manager="flux", operation="Update")
    result = run_diff(project, options())
    assert set(changed(result.changeset).values()) == {"create"} and len(result.changeset.entries) == 27
    patched = {request.path.split("/namespaces/")[1].split("/")[0] if "/namespaces/" in request.path else "-"
               for request in writes(fake_api)}
    assert patched == {NAMESPACE, FLUX_NAMESPACE}  # the Namespace object itself, and the Flux objects
    assert [r.path for r in writes(fake_api) if NAMESPACE in r.path] == [
        f"/api/v1/namespaces/{NAMESPACE}"]
    assert "the API server cannot dry-run into a namespace that does not exist yet" in result.rendered
    hello = entries(result.changeset)[f"Deployment/{NAMESPACE}/hello-agent"]
    assert hello.notes == ("new namespace: not dry-run",)


def test_replicas_an_autoscaler_owns_are_not_drift(seeded, built, project, options):
    earlier = applied(built, "Deployment", "weather-agent")
    earlier["spec"]["replicas"] = 2  # what Flux applied before autoscaling was enabled
    seeded.seed([earlier], field_manager=KUSTOMIZE_CONTROLLER)
    scaled = seeded.live("Deployment", "weather-agent", NAMESPACE)
    scaled["spec"]["replicas"] = 7
    seeded.seed([scaled], field_manager="kube-controller-manager", operation="Update")
    for read_only in (False, True):
        changeset = run_diff(project, options(read_only=read_only)).changeset
        entry = entries(changeset)[f"Deployment/{NAMESPACE}/weather-agent"]
        assert entry.action is Action.UNCHANGED, fields(entry)
    assert any("left to HorizontalPodAutoscaler/mesh-demo/weather-agent" in note
               for note in entries(run_diff(project, options()).changeset)[
                   f"Deployment/{NAMESPACE}/weather-agent"].notes)


def test_a_secret_is_compared_but_its_values_never_shown(fake_api, live_items, built, kubeconfig):
    (live_secret,) = [copy.deepcopy(o) for o in live_items if o["metadata"]["name"] == "retired-agent-token"]
    fake_api.seed([copy.deepcopy(o) for o in live_items if o["kind"] == "Namespace"], field_manager="meshc")
    fake_api.seed([live_secret])
    secret = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
              "metadata": {"name": "retired-agent-token", "namespace": NAMESPACE,
                           "labels": live_secret["metadata"]["labels"]},
              "data": {"token": "bmV3LXRva2Vu", "extra": "ZXh0cmE="}}
    environment = BuiltEnvironment(built.environment, (Manifest(Origin.agent("retired-agent"), secret),))
    cluster = connect(str(kubeconfig), None, 4)
    changeset = LiveDiff(cluster, environment, applier=Applier.of(environment), concurrency=4).run()
    cluster.close()
    entry = entries(changeset)[f"Secret/{NAMESPACE}/retired-agent-token"]
    assert fields(entry) == {"data.extra": (ABSENT, "***"), "data.token": ("*** (before)", "*** (after)")}
    from meshc.diff.render import render

    for output in ("text", "json", "markdown"):
        shown = render(changeset, output)
        for secret_value in (RETIRED_TOKEN, RETIRED_TOKEN_TEXT, "bmV3LXRva2Vu", "new-token", "ZXh0cmE="):
            assert secret_value not in shown, (output, secret_value)


# --- requests -----------------------------------------------------------------------------------


def test_every_write_is_a_forced_dry_run_apply_as_kustomize_controller(fake_api, built, project, options):
    seed(fake_api, built, without=("Service", "hello-agent"))
    previous = applied(built, "Deployment", "hello-agent")
    previous["spec"]["template"]["spec"]["containers"][0]["image"] = "mcpmesh/python-runtime:3.5"
    fake_api.seed([previous], field_manager=KUSTOMIZE_CONTROLLER)
    before = snapshot(fake_api, built)
    changeset = run_diff(project, options()).changeset
    assert set(changed(changeset).values()) == {"create", "change"}
    sent = writes(fake_api)
    assert len(sent) == 27
    assert {(r.method, r.content_type) for r in sent} == {("PATCH", "application/apply-patch+yaml")}
    assert all(r.query == {"dryRun": "All", "fieldManager": KUSTOMIZE_CONTROLLER, "force": "true"} for r in sent)
    assert snapshot(fake_api, built) == before  # nothing stored


def test_live_state_is_read_with_one_labelled_list_per_kind_and_namespace(seeded, project, options):
    run_diff(project, options())
    reads = [r for r in seeded.requests if r.method == "GET" and r.query.get("labelSelector")]
    per_path = Counter(r.path for r in reads)
    assert max(per_path.values()) == 1
    assert {r.query["labelSelector"] for r in reads} == {
        "app.kubernetes.io/managed-by=meshc,meshc.io/environment=diffdemo"}
    assert f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments" in per_path
    assert f"/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/{FLUX_NAMESPACE}/kustomizations" in per_path
    gets_by_name = [r for r in seeded.requests if r.method == "GET" and not r.query
                    and "/namespaces/" in r.path and r.path.count("/") > 5]
    assert gets_by_name == []


def test_read_only_mode_only_reads_and_says_it_is_less_accurate(seeded, built, project, options):
    seeded.fail(method="PATCH", status=403, message="patch is forbidden")  # view-only credentials
    previous = applied(built, "Deployment", "hello-agent")
    previous["spec"]["template"]["spec"]["containers"][0]["image"] = "mcpmesh/python-runtime:3.5"
    seeded.seed([previous], field_manager=KUSTOMIZE_CONTROLLER)
    result = run_diff(project, options(read_only=True))
    assert writes(seeded) == []
    assert result.changeset.mode is Mode.READ_ONLY and not result.changeset.accurate
    assert changed(result.changeset) == {f"Deployment/{NAMESPACE}/hello-agent": "change"}
    assert "less accurate" in result.rendered


def test_read_only_mode_cannot_see_a_field_removed_locally(seeded, built, project, options):
    previous = applied(built, "ConfigMap", "hello-agent-config")
    previous["data"]["LEGACY_FLAG"] = "on"
    seeded.seed([previous], field_manager=KUSTOMIZE_CONTROLLER)
    assert not run_diff(project, options(read_only=True)).changeset.has_changes()  # the documented limit


def test_progress_is_reported_per_object(seeded, project, options, monkeypatch):
    monkeypatch.setattr(live, "PROGRESS_MIN_OBJECTS", 10)
    seen = []
    run_diff(project, options(), progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (26, 26) and len(seen) == 26  # the Namespace is dry-run first, alone: below the threshold


# --- failures ---------------------------------------------------------------------------------


def test_a_forbidden_dry_run_suggests_read_only_and_keeps_partial_results(seeded, project, options):
    seeded.seed([config_map("retired", dict(OWNERSHIP))])
    seeded.fail(method="PATCH", status=403, message='deployments.apps "x" is forbidden: cannot patch')
    result = run_diff(project, options())
    assert {f.reason for f in result.changeset.failures} == {Reason.FORBIDDEN_DRY_RUN}
    assert len(result.changeset.failures) == 27
    assert changed(result.changeset) == {f"ConfigMap/{NAMESPACE}/retired": "delete"}  # the LISTs still worked
    (error,) = result.errors
    assert error.startswith("27 dry-runs forbidden (403)") and "Run again with --read-only" in error


def test_a_kind_the_cluster_does_not_serve_fails_only_its_objects(tmp_path, built, project):
    with FakeKubeAPIServer(without_kinds=("HelmRelease",)) as fake:
        fake.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": FLUX_NAMESPACE}}])
        fake.seed(flux_applied(built, [m for m in built.manifests if m.kind != "HelmRelease"]),
                  field_manager=KUSTOMIZE_CONTROLLER)
        path = write_kubeconfig(tmp_path / "config", {"fake": (fake.url, None)}, "fake")
        result = run_diff(project, DiffOptions(environment=ENVIRONMENT, kubeconfig=str(path)))
    (failure,) = result.changeset.failures
    assert (failure.subject, failure.reason) == (f"HelmRelease/{NAMESPACE}/postgresql", Reason.NOT_SERVED)
    assert failure.message == "the cluster does not serve HelmRelease (helm.toolkit.fluxcd.io/v2)"
    assert "install the CRDs" in result.errors[0]
    assert result.changeset.counts()["unchanged"] == 26


def test_a_server_error_fails_that_object_and_the_rest_is_compared(seeded, project, options):
    seeded.fail(method="PATCH", path_prefix=f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/hello-agent",
                status=500, message="etcdserver: request timed out")
    result = run_diff(project, options())
    (failure,) = result.changeset.failures
    assert str(failure) == (f"Deployment/{NAMESPACE}/hello-agent dry-run failed (server-error): "
                            "500 InternalError: etcdserver: request timed out")
    assert result.changeset.counts()["unchanged"] == 26


def test_a_failed_list_fails_the_objects_it_should_have_shown(seeded, project, options):
    seeded.fail(method="GET", path_prefix=f"/api/v1/namespaces/{NAMESPACE}/configmaps", status=403)
    result = run_diff(project, options())
    assert {(f.subject, f.operation, f.reason) for f in result.changeset.failures} == {
        (f"ConfigMap/{NAMESPACE}/{name}", "list", Reason.FORBIDDEN_READ)
        for name in ("hello-agent-config", "mcp-registry-config", "weather-agent-config")}


def test_an_unreachable_cluster_stops_with_one_error(tmp_path, project):
    path = write_kubeconfig(tmp_path / "config", {"gone": ("http://127.0.0.1:9", None)}, "gone")
    with pytest.raises(ClusterUnreachableError, match=r"^cannot reach the API server at http://127.0.0.1:9: "):
        run_diff(project, DiffOptions(environment=ENVIRONMENT, kubeconfig=str(path)))


def test_rejected_credentials_stop_with_one_error(tmp_path, project):
    with FakeKubeAPIServer(token="s3cret") as fake:
        path = write_kubeconfig(tmp_path / "config", {"expired": (fake.url, "old-token")}, "expired")
        with pytest.raises(AuthenticationError, match="rejected the credentials of context 'expired'"):
            run_diff(project, DiffOptions(environment=ENVIRONMENT, kubeconfig=str(path)))
        assert {r.path.split("/")[1] for r in fake.requests} <= {"api", "apis"}  # stopped at discovery
        assert not [r for r in fake.requests if r.method != "GET" or r.query]


def test_the_context_selects_the_cluster(fake_api, built, project, tmp_path):
    with FakeKubeAPIServer() as prod:
        prod.seed([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": FLUX_NAMESPACE}}])
        prod.seed(flux_applied(built), field_manager=KUSTOMIZE_CONTROLLER)
        path = two_cluster_kubeconfig(tmp_path / "config", fake_api, prod)
        result = run_diff(project, DiffOptions(environment=ENVIRONMENT, kubeconfig=str(path), context="prod"))
        assert not result.changeset.has_changes() and 'context "prod"' in result.changeset.source
        assert prod.requests and not fake_api.requests


def test_an_unknown_context_lists_the_known_ones(fake_api, tmp_path, project):
    path = two_cluster_kubeconfig(tmp_path / "config", fake_api, fake_api)
    with pytest.raises(KubeconfigError, match=r"context 'qa': no such context \(contexts in the file: staging, prod\)"):
        run_diff(project, DiffOptions(environment=ENVIRONMENT, kubeconfig=str(path), context="qa"))


# --- options ------------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides, message", [
    ({"live_from": "x.yaml", "against_git": "main"}, "--live-from and --against-git are different comparisons"),
    ({"live_from": "x.yaml", "read_only": True}, "--live-from compares offline, so --read-only would have no effect"),
    ({"against_git": "main", "field_manager": "kubectl"},
     "--against-git compares offline, so --field-manager would have no effect"),
    ({"against_env": ENVIRONMENT}, f"--against-env {ENVIRONMENT} is the environment itself"),
    ({"concurrency": 0}, "--concurrency must be at least 1"),
])
def test_conflicting_options_are_refused_before_any_work(overrides, message):
    with pytest.raises(DiffOptionsError) as refused:
        DiffOptions(environment=ENVIRONMENT, **overrides).check()
    assert message in refused.value.worded(lambda option: "--" + option.replace("_", "-"))


def test_prune_scans_every_kind_the_repository_environments_produce(repo_root):
    from meshc.synth import Project, load_and_build

    produced = {(m.obj["apiVersion"], m.kind) for environment in load_and_build(Project(repo_root), [])
                for m in environment.manifests}
    assert produced - set(OWNED_KINDS) == set(), "add the new kinds to meshc.diff.plan.OWNED_KINDS"
