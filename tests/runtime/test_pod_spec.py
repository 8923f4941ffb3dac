"""How the contract test reads a container from dist/: Kubernetes' env rules, and the laptop's rewrites only on literals."""

from __future__ import annotations

from pathlib import Path

from runtime.laptop import Cluster, Pod
from runtime.pod_spec import expand, pod_spec


def _deployment(env: list[dict], env_from: list[dict] = (), probes: dict | None = None) -> dict:
    container = {"name": "main", "env": env, "envFrom": list(env_from), "ports": [{"name": "http", "containerPort": 8000}]}
    container |= probes or {}
    return {"kind": "Deployment", "metadata": {"name": "app", "namespace": "ns"},
            "spec": {"template": {"spec": {"containers": [container]}}}}


def _config_map(data: dict) -> dict:
    return {"kind": "ConfigMap", "metadata": {"name": "app-config", "namespace": "ns"}, "data": data}


def test_expansion_replaces_known_names_unescapes_double_dollars_and_keeps_unknown_references():
    assert expand("$(A)-$$(A)-$(B)", {"A": "x"}) == "x-$(A)-$(B)"


def test_env_entries_override_env_from_and_see_only_the_names_defined_before_them():
    deployment = _deployment(
        [{"name": "URL", "value": "u:$(PASSWORD)@$(HOST)"}, {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
         {"name": "HOST", "value": "from-env"}],
        [{"configMapRef": {"name": "app-config"}}],
    )
    spec = pod_spec([_config_map({"HOST": "from-config-map"})], deployment, {("s", "k"): "pw"}, {})
    assert spec.env == {"HOST": "from-env", "URL": "u:$(PASSWORD)@from-config-map", "PASSWORD": "pw"}


def test_a_probe_on_a_named_port_is_probed_on_that_container_port():
    probes = {"livenessProbe": {"httpGet": {"path": "/health", "port": "http"}}}
    (probe,) = pod_spec([], _deployment([], probes=probes), {}, {}).probes
    assert (probe.kind, probe.path, probe.port) == ("liveness", "/health", 8000)


def _pod() -> Pod:
    cluster = Cluster("127.50.60")
    cluster.add_service("registry", "ns", "registry-pod", {80: 8000})
    return Pod(cluster, cluster.address_of("agent-pod"), Path("/scratch/agent"), ("/data",))


def test_the_laptop_binds_to_the_pods_address_and_reaches_a_service_at_its_pods_address_and_target_port():
    pod = _pod()
    assert pod.rewrite("HOST", "0.0.0.0") == pod.address
    assert pod.rewrite("REGISTRY_URL", "http://registry.ns.svc.cluster.local:80/x") == "http://127.50.60.2:8000/x"
    assert pod.rewrite("REGISTRY_HOST", "registry") == "127.50.60.2"


def test_the_laptop_leaves_names_that_are_not_addresses_alone_and_moves_volume_paths_to_scratch():
    pod = _pod()
    assert pod.rewrite("REGISTRY_NAME", "registry") == "registry"
    assert pod.rewrite("DATABASE_URL", "/data/db.sqlite") == "/scratch/agent/data/db.sqlite"


def test_secret_values_are_never_rewritten():
    deployment = _deployment([{"name": "URL", "valueFrom": {"secretKeyRef": {"name": "s", "key": "url"}}}])
    spec = pod_spec([], deployment, {("s", "url"): "http://registry:80"}, {}, _pod().rewrite)
    assert spec.env["URL"] == "http://registry:80"


def test_an_external_database_host_leads_to_its_stand_in_and_keeps_its_port_and_empty_password():
    pod = _pod()
    pod.cluster.add_external_host("db.internal.example", "127.50.60.9", {5432: 5432})
    url = "postgres://mesh:@db.internal.example:5432/mesh?sslmode=require"
    assert pod.rewrite("DATABASE_URL", url) == "postgres://mesh:@127.50.60.9:5432/mesh?sslmode=require"
