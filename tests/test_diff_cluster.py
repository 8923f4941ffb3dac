"""cluster.py: config loading, discovery, reads and the one dry-run write, over HTTP to the fake."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fakeapi import FakeKubeAPIServer, write_kubeconfig
from meshc.diff import cluster as kube
from meshc.diff.cluster import IN_CLUSTER, Resource, connect
from meshc.diff.errors import (
    ApiFailure,
    AuthenticationError,
    ClusterUnreachableError,
    KubeconfigError,
    NoClusterConfigError,
    WriteRefusedError,
)
from test_diff_support import two_cluster_kubeconfig  # noqa: F401  (fixtures)

CONFIG_MAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "default"},
              "data": {"a": "1"}}


@pytest.fixture
def cluster(fake_api, kubeconfig):
    connected = connect(str(kubeconfig), None, 4)
    yield connected
    connected.close()


def test_resource_paths():
    deployments = Resource("apps/v1", "Deployment", "deployments", True)
    assert deployments.path("mesh", "web") == "/apis/apps/v1/namespaces/mesh/deployments/web"
    assert deployments.path() == "/apis/apps/v1/deployments"
    assert Resource("v1", "Namespace", "namespaces", False).path("ignored", "mesh") == "/api/v1/namespaces/mesh"


def test_discovery_reads_each_group_version_once(cluster, fake_api):
    assert cluster.resource("apps/v1", "Deployment") == Resource("apps/v1", "Deployment", "deployments", True)
    assert cluster.resource("apps/v1", "StatefulSet") is None  # not in the fake's table
    assert [r.path for r in fake_api.requests] == ["/apis/apps/v1"]


def test_a_group_the_server_does_not_serve_is_none(tmp_path):
    with FakeKubeAPIServer(without_kinds=("HelmRelease",)) as fake:
        connected = connect(str(write_kubeconfig(tmp_path / "c", {"f": (fake.url, None)}, "f")), None, 2)
        assert connected.resource("helm.toolkit.fluxcd.io/v2", "HelmRelease") is None


def test_list_items_get_their_kind_back(cluster, fake_api):
    fake_api.seed([CONFIG_MAP, {**CONFIG_MAP, "metadata": {"name": "d", "namespace": "default",
                                                           "labels": {"team": "mesh"}}}])
    config_maps = cluster.resource("v1", "ConfigMap")
    assert [(o["kind"], o["apiVersion"], o["metadata"]["name"]) for o in cluster.list(config_maps, "default")] == [
        ("ConfigMap", "v1", "c"), ("ConfigMap", "v1", "d")]
    assert [o["metadata"]["name"] for o in cluster.list(config_maps, "default", "team=mesh")] == ["d"]
    assert fake_api.requests[-1].query == {"labelSelector": "team=mesh"}


def test_get_returns_none_for_a_missing_object(cluster):
    assert cluster.get(cluster.resource("v1", "ConfigMap"), "default", "absent") is None


def test_dry_run_apply_is_forced_as_meshc_and_stores_nothing(cluster, fake_api):
    result = cluster.dry_run_apply(cluster.resource("v1", "ConfigMap"), CONFIG_MAP)
    assert result["data"] == {"a": "1"} and "resourceVersion" not in result["metadata"]
    request = fake_api.requests[-1]
    assert (request.method, request.path, request.content_type) == (
        "PATCH", "/api/v1/namespaces/default/configmaps/c", "application/apply-patch+yaml")
    assert request.query == {"dryRun": "All", "fieldManager": "meshc", "force": "true"}
    assert request.body == CONFIG_MAP
    assert fake_api.live("ConfigMap", "c", "default") is None


def test_no_request_that_could_write_leaves_without_dry_run(cluster, fake_api):
    for method in ("PATCH", "POST", "PUT", "DELETE"):
        with pytest.raises(WriteRefusedError, match=f"refusing {method} /api/v1/namespaces"):
            cluster._request(method, "/api/v1/namespaces/default/configmaps/c", [("fieldManager", "meshc")], "{}")
    assert fake_api.requests == []


def test_http_errors_carry_the_status_and_message(cluster, fake_api):
    fake_api.fail(method="GET", status=500, message="etcd is down")
    with pytest.raises(ApiFailure) as caught:
        cluster.get(Resource("v1", "ConfigMap", "configmaps", True), "default", "c")
    assert (caught.value.status, caught.value.reason, caught.value.message) == (500, "InternalError", "etcd is down")


def test_rejected_credentials_are_an_authentication_error(tmp_path):
    with FakeKubeAPIServer(token="right") as fake:
        path = write_kubeconfig(tmp_path / "c", {"ci": (fake.url, "wrong")}, "ci")
        with pytest.raises(AuthenticationError, match=f"the API server at {fake.url} rejected"):
            connect(str(path), None, 2).resource("v1", "ConfigMap")


def test_a_closed_port_is_unreachable(tmp_path):
    path = write_kubeconfig(tmp_path / "c", {"gone": ("http://127.0.0.1:9", None)}, "gone")
    with pytest.raises(ClusterUnreachableError, match="Connection refused"):
        connect(str(path), None, 2).resource("v1", "ConfigMap")


def test_an_unreachable_server_is_one_error_line_not_a_log_of_retries(tmp_path, repo_root):
    """As a user runs it: urllib3 retries quietly, and diff prints one error."""
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "a.yaml").write_text("global: {namespace: a}\n")
    (tmp_path / "main.py").write_bytes((repo_root / "main.py").read_bytes())
    (tmp_path / "constructs").symlink_to(repo_root / "constructs")
    config = write_kubeconfig(tmp_path / "kubeconfig", {"gone": ("http://127.0.0.1:9", None)}, "gone")
    done = subprocess.run([sys.executable, "main.py", "diff", "--env", "a", "--kubeconfig", str(config)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: cannot reach the API server at http://127.0.0.1:9") and "--context" in line


def test_the_context_picks_the_server(fake_api, tmp_path):
    with FakeKubeAPIServer() as prod:
        path = two_cluster_kubeconfig(tmp_path / "c", fake_api, prod)
        assert connect(str(path), None, 2).server == fake_api.url  # the current context
        chosen = connect(str(path), "prod", 2)
        assert (chosen.context, chosen.server) == ("prod", prod.url)


def test_kubeconfig_from_the_environment_variable(fake_api, kubeconfig, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    assert connect(None, None, 2).server == fake_api.url


def test_a_missing_kubeconfig_file_is_an_error(tmp_path):
    with pytest.raises(KubeconfigError, match="kubeconfig .*absent: file not found"):
        connect(str(tmp_path / "absent"), None, 2)


def test_a_kubeconfig_without_a_current_context_asks_for_one(fake_api, tmp_path):
    path = write_kubeconfig(tmp_path / "c", {"a": (fake_api.url, None)}, "")
    with pytest.raises(KubeconfigError) as refused:
        connect(str(path), None, 2)
    assert "no current-context; pass --context" in refused.value.worded(lambda option: f"--{option}")


def plugin_kubeconfig(path, server: str, command: str):
    path.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\n"
        f"clusters: [{{name: c, cluster: {{server: '{server}'}}}}]\n"
        "contexts: [{name: x, context: {cluster: c, user: u}}]\n"
        f"users: [{{name: u, user: {{exec: {{apiVersion: client.authentication.k8s.io/v1beta1, command: '{command}'}}}}}}]\n"
    )
    return path


def test_a_credential_plugin_missing_from_path_stops_the_connection(fake_api, tmp_path):
    path = plugin_kubeconfig(tmp_path / "c", fake_api.url, "no-such-credential-plugin")
    with pytest.raises(KubeconfigError, match="the credential plugin 'no-such-credential-plugin' of user 'u' is not on PATH"):
        connect(str(path), None, 2)


def test_a_credential_plugin_that_fails_stops_the_connection_instead_of_going_on_anonymous(fake_api, tmp_path):
    path = plugin_kubeconfig(tmp_path / "c", fake_api.url, "false")
    with pytest.raises(KubeconfigError, match="its credentials could not be loaded"):
        connect(str(path), None, 2)


def test_in_a_pod_the_service_account_is_used(tmp_path, monkeypatch):
    token, ca = tmp_path / "token", tmp_path / "ca.crt"
    token.write_text("pod-token")
    ca.write_text("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n")
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "10.0.0.1")
    monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "443")
    monkeypatch.setattr("kubernetes.config.incluster_config.SERVICE_TOKEN_FILENAME", str(token))
    monkeypatch.setattr("kubernetes.config.incluster_config.SERVICE_CERT_FILENAME", str(ca))
    connected = connect(None, None, 2)
    assert (connected.context, connected.server) == (IN_CLUSTER, "https://10.0.0.1:443")


def test_no_kubeconfig_outside_a_pod_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(NoClusterConfigError, match="Pass kubeconfig PATH, or compare offline with live_from"):
        connect(None, None, 2)


def test_the_pool_holds_a_connection_per_worker(cluster):
    assert cluster._api.configuration.connection_pool_maxsize >= 4
    assert kube.FIELD_MANAGER == "meshc"
