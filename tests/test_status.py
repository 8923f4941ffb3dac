"""`python main.py status`: each fixture state over HTTP to the fake API server, exit codes, read-only."""

from __future__ import annotations

import json
import re

import pytest

from fakeapi import write_kubeconfig
from status_support import (  # noqa: F401  (fixtures)
    ENVIRONMENT,
    SECRET_VALUE,
    apply_fixture,
    commit_all,
    head,
    seed_healthy,
    shop,
    shop_built,
    shop_files,
)


@pytest.fixture
def cluster(fake_api, shop, shop_built):
    """The fake cluster with the shop environment applied at the project's commit and healthy."""
    seed_healthy(fake_api, shop_built, head(shop.root))
    return fake_api


@pytest.fixture
def status(cli_runner, use_project, shop, kubeconfig):
    """status(*args) -> click Result of `main.py status --env shop --kubeconfig ... *args`."""
    import main

    use_project(shop)

    def invoke(*args: str):
        return cli_runner.invoke(main.cli, ["status", "--env", ENVIRONMENT, "--kubeconfig", str(kubeconfig), *args])

    return invoke


def items_of(result) -> dict[str, dict]:
    """subject -> item of a JSON report."""
    document = json.loads(result.output)
    return {f"{i['kind']}/{i['namespace']}/{i['name']}": {**i, "group": g["name"]}
            for g in document["groups"] for i in g["items"]}


def not_ready(result) -> dict[str, dict]:
    return {subject: item for subject, item in items_of(result).items() if not item["ready"]}


def test_a_healthy_applied_environment_is_ready_and_exits_0(cluster, status):
    result = status()
    assert result.exit_code == 0, result.output
    assert "Summary: all ready" in result.output
    for group in ("delivery", "platform", "registry", "agent/catalog-agent", "agent/pricing-agent"):
        assert f"\n{group}\n" in result.output


def test_status_sends_only_reads(cluster, status):
    status("--output", "json")
    assert {request.method for request in cluster.requests} == {"GET"}


def test_secret_values_are_never_printed(cluster, status):
    for output in ("text", "json"):
        assert SECRET_VALUE not in status("--output", output).output


def test_every_referenced_secret_is_checked_by_key(cluster, status):
    secrets = {s: i for s, i in items_of(status("--output", "json")).items() if i["kind"] == "Secret"}
    assert sorted(secrets) == ["Secret/flux-system/shop-git", "Secret/shop/catalog-api", "Secret/shop/catalog-extras",
                               "Secret/shop/regcred"]
    assert secrets["Secret/shop/regcred"]["detail"] == "keys .dockerconfigjson for global.imagePullSecrets"
    assert secrets["Secret/flux-system/shop-git"]["group"] == "delivery"


def test_an_absent_secret_that_every_reference_marks_optional_is_ready(cluster, status):
    result = status("--output", "json")
    assert result.exit_code == 0
    extras = items_of(result)["Secret/shop/catalog-extras"]
    assert (extras["ready"], extras["state"]) == (True, "absent (optional)")


def test_a_missing_secret_key_is_named_without_reading_values(cluster, status):
    cluster.seed([{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "catalog-api", "namespace": "shop"},
                   "data": {"other": "eA=="}}])
    result = status("--output", "json")
    assert result.exit_code == 1
    assert not_ready(result)["Secret/shop/catalog-api"]["detail"] == (
        "no key api-key for agents.catalog-agent.secretEnv.CATALOG_API_KEY")


def test_a_kustomization_failing_with_a_reason(cluster, status, shop):
    apply_fixture(cluster, "kustomization-failing.yaml", head(shop.root))
    result = status("--output", "json")
    assert result.exit_code == 1
    (item,) = not_ready(result).values()
    assert (item["name"], item["state"]) == ("meshc-shop-agents", "NotReady")
    assert item["detail"].startswith("HealthCheckFailed: health check failed after 5m0s")


def test_a_revision_not_yet_applied(cluster, status, shop):
    applied = head(shop.root)
    (shop.root / "dist" / "shop" / "agents" / "configmap-catalog-agent-config.yaml").write_text("changed: true\n")
    current = commit_all(shop.root, "shop: new output")
    result = status("--output", "json")
    assert result.exit_code == 1
    stale = not_ready(result)
    assert len(stale) == 3 and {i["state"] for i in stale.values()} == {"NotApplied"}  # platform, registry, agents
    assert stale["Kustomization/flux-system/meshc-shop-agents"]["detail"] == (
        f"applied main@sha1:{applied}; dist/shop last changed in {current[:12]}")


def test_a_commit_outside_dist_does_not_make_the_environment_stale(cluster, status, shop):
    (shop.root / "README.md").write_text("notes\n")
    commit_all(shop.root, "docs only")
    assert status().exit_code == 0


def test_an_agent_with_no_available_replica_and_a_crash_looping_pod(cluster, status):
    apply_fixture(cluster, "agent-crashloop.yaml")
    result = status("--output", "json")
    assert result.exit_code == 1
    failing = not_ready(result)
    assert sorted(failing) == ["Deployment/shop/catalog-agent", "Pod/shop/catalog-agent-5f7c9d8b6-0"]
    assert failing["Deployment/shop/catalog-agent"]["state"] == "0/2 available, 2/2 updated"
    pod = failing["Pod/shop/catalog-agent-5f7c9d8b6-0"]
    assert (pod["group"], pod["state"]) == ("agent/catalog-agent", "CrashLoopBackOff")
    assert pod["detail"].startswith("container mcp-mesh-agent; back-off 2m40s restarting failed container")
    assert pod["detail"].endswith("last exit 1 (Error); 5 restarts")


def test_an_exhausted_quota_names_the_resource(cluster, status):
    apply_fixture(cluster, "quota-exhausted.yaml")
    result = status("--output", "json")
    assert result.exit_code == 1
    (item,) = not_ready(result).values()
    assert (item["kind"], item["state"]) == ("ResourceQuota", "Exhausted")
    assert item["detail"] == "pods 12/12: the next object that needs it is refused"


def test_a_quota_with_room_reports_its_nearest_limit(cluster, status):
    quota = items_of(status("--output", "json"))["ResourceQuota/shop/mcp-mesh-quota"]
    assert (quota["state"], quota["detail"]) == ("58% used", "nearest limit pods: 7 of 12")


def test_a_helm_release_whose_remediation_failed(cluster, status):
    apply_fixture(cluster, "helmrelease-remediation-failed.yaml")
    result = status("--output", "json")
    assert result.exit_code == 1
    (item,) = not_ready(result).values()
    assert (item["group"], item["name"], item["state"]) == ("agent/pricing-agent", "pricing-agent", "NotReady (chart 3.6.0)")
    assert "RollbackFailed: Helm rollback to previous release shop/pricing-agent.v2" in item["detail"]
    assert "Remediated RollbackFailed" in item["detail"] and "Stalled RetriesExceeded: Failed to upgrade after 4 attempt(s)" in item["detail"]


def test_workload_replicas_autoscaler_and_budget_are_reported(cluster, status):
    found = items_of(status("--output", "json"))
    assert found["Deployment/shop/catalog-agent"]["state"] == "2/2 available, 2/2 updated"
    assert found["HorizontalPodAutoscaler/shop/pricing-agent"]["state"] == "2 current (min 2, max 4)"
    assert found["PodDisruptionBudget/shop/pricing-agent"]["state"] == "1 disruption(s) allowed"


def test_wait_succeeds_when_the_cluster_becomes_ready_mid_way(cluster, shop, kubeconfig):
    from meshc.status import StatusOptions, run_status

    apply_fixture(cluster, "agent-crashloop.yaml")
    seen: list[int] = []

    def recover(report, seconds_left):  # called after each poll that found something not ready
        seen.append(report.counts()[1])
        seed_healthy(cluster, _built_of(shop), head(shop.root))

    options = StatusOptions(environment=ENVIRONMENT, kubeconfig=str(kubeconfig), wait="1m")
    result = run_status(shop, options, progress=recover, sleep=lambda seconds: None)
    assert (seen, result.polls, result.exit_code) == ([2], 2, 0)


def test_wait_gives_up_with_exit_1_when_time_runs_out(cluster, status):
    apply_fixture(cluster, "quota-exhausted.yaml")
    result = status("--wait", "200ms")
    assert result.exit_code == 1
    assert "Summary: 1 not ready" in result.output


def test_a_bad_wait_duration_is_an_input_error(cluster, status):
    result = status("--wait", "soon")
    assert result.exit_code == 2
    assert "--wait 'soon' is not a duration such as 30s, 5m or 1h30m" in result.output


def test_no_kubeconfig_is_an_error_with_exit_2(cli_runner, use_project, shop, tmp_path, monkeypatch):
    import main

    use_project(shop)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    result = cli_runner.invoke(main.cli, ["status", "--env", ENVIRONMENT, "--kubeconfig", str(tmp_path / "absent")])
    assert result.exit_code == 2 and "file not found" in result.output


def test_no_kubeconfig_anywhere_is_an_error_with_exit_2(cli_runner, use_project, shop, tmp_path, monkeypatch):
    import main

    use_project(shop)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    result = cli_runner.invoke(main.cli, ["status", "--env", ENVIRONMENT])
    assert result.exit_code == 2 and "status: no cluster to read: no kubeconfig" in result.output


def test_an_unreachable_cluster_is_an_error_with_exit_2(cli_runner, use_project, shop, tmp_path):
    import main

    use_project(shop)
    config = write_kubeconfig(tmp_path / "kubeconfig", {"gone": ("http://127.0.0.1:9", None)}, "gone")
    result = cli_runner.invoke(main.cli, ["status", "--env", ENVIRONMENT, "--kubeconfig", str(config)])
    assert result.exit_code == 2 and "cannot reach the API server at http://127.0.0.1:9" in result.output
    assert "--live-from" not in result.output and "Traceback" not in result.output


def test_missing_flux_crds_are_reported_not_crashed_on(fake_api, shop, shop_built, status):
    seed_healthy(fake_api, shop_built, head(shop.root))
    fake_api.remove_kind("Kustomization")
    result = status("--output", "json")
    assert result.exit_code == 1
    details = {i["detail"] for i in not_ready(result).values()}
    assert details == {"the cluster does not serve Kustomization (its CRD is not installed)"}


def _built_of(project):
    from meshc.synth import load_and_build

    (built,) = load_and_build(project, [ENVIRONMENT])
    return built


def test_wait_shows_progress_on_a_terminal(cluster, shop, kubeconfig):
    from terminal import run_on_a_terminal

    apply_fixture(cluster, "quota-exhausted.yaml")
    code, printed = run_on_a_terminal(shop.root, ["status", "--env", ENVIRONMENT, "--kubeconfig", str(kubeconfig), "--wait", "3s"])
    assert code == 1
    assert re.search(r"\rstatus: 1 not ready \(\d+ of \d+ ready\); waiting, \d+s left", printed), printed
    assert "Summary: 1 not ready" in printed


@pytest.mark.parametrize("text, seconds", [("90s", 90), ("5m", 300), ("1h30m", 5400), ("200ms", 0.2)])
def test_wait_durations_read_like_go_durations(text, seconds):
    from meshc.status.engine import parse_duration

    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("revision, commit", [("main@sha1:abc123", "abc123"), ("main/abc123", "abc123"), ("", None)])
def test_the_commit_of_a_flux_revision(revision, commit):
    from meshc.status.revision import applied_commit

    assert applied_commit(revision) == commit
