"""The `Registry` construct, built from plain Python: its objects, names, probes,
hardening and database wiring (the runtime contract of issue 2, §3)."""

from __future__ import annotations

import pytest

from meshc import model

POSTGRES = model.PostgresDatabase(type="postgres", url_secret=model.SecretKeyRef(secret="registry-db", key="database-url"))
SELECTOR_KEYS = {"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/component"}


@pytest.fixture(scope="module")
def default_registry(build_mesh):
    """The registry with every default: sqlite, no persistence, one replica."""
    return build_mesh(model.Registry())


@pytest.fixture(scope="module")
def full_registry(build_mesh):
    """A postgres registry with persistence, autoscaling, a disruption budget and an ingress."""
    return build_mesh(
        model.Registry(
            database=POSTGRES,
            replicas=3,
            persistence=model.Persistence(enabled=True, size="10Gi", storage_class="fast", access_mode="ReadWriteMany"),
            autoscaling=model.Autoscaling(enabled=True, min_replicas=2, max_replicas=6, target_cpu_utilization_percentage=60),
            disruption_budget=model.DisruptionBudget(enabled=True, min_available=1),
            ingress=model.Ingress(enabled=True, host="registry.example.com", class_name="nginx", tls_secret_name="registry-tls"),
        )
    )


@pytest.fixture(scope="module")
def helm_registry(build_mesh):
    return build_mesh(model.Registry(persistence=model.Persistence(enabled=True)), naming="helm-compatible")


# --- objects ------------------------------------------------------------------------


def test_default_registry_is_service_account_config_map_two_services_and_deployment(default_registry):
    assert default_registry.kinds() == [
        ("ConfigMap", "mcp-registry-config"),
        ("Deployment", "mcp-registry"),
        ("Service", "mcp-registry"),
        ("Service", "mcp-registry-headless"),
        ("ServiceAccount", "mcp-registry"),
    ]


def test_persistence_autoscaling_budget_and_ingress_each_add_their_object(full_registry):
    assert full_registry.kinds() == [
        ("ConfigMap", "mcp-registry-config"),
        ("Deployment", "mcp-registry"),
        ("HorizontalPodAutoscaler", "mcp-registry"),
        ("Ingress", "mcp-registry"),
        ("PersistentVolumeClaim", "mcp-registry-data"),
        ("PodDisruptionBudget", "mcp-registry"),
        ("Service", "mcp-registry"),
        ("Service", "mcp-registry-headless"),
        ("ServiceAccount", "mcp-registry"),
    ]


def test_headless_service_has_no_cluster_ip_and_the_same_port(default_registry):
    headless = default_registry.one("Service", "mcp-registry-headless")["spec"]
    assert headless["clusterIP"] == "None"
    assert headless["ports"] == default_registry.one("Service", "mcp-registry")["spec"]["ports"]


def test_service_port_follows_the_model_and_targets_the_named_container_port(build_mesh):
    objects = build_mesh(model.Registry(service=model.RegistryService(port=9000)))
    assert objects.one("Service", "mcp-registry")["spec"]["ports"] == [
        {"name": "http", "port": 9000, "protocol": "TCP", "targetPort": "http"}
    ]
    assert objects.container()["ports"] == [{"containerPort": 9000, "name": "http", "protocol": "TCP"}]


def test_persistent_volume_claim_requests_the_size_and_storage_class(full_registry):
    spec = full_registry.one("PersistentVolumeClaim")["spec"]
    assert spec == {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "10Gi"}}, "storageClassName": "fast"}


def test_autoscaler_targets_the_deployment_on_cpu(full_registry):
    spec = full_registry.one("HorizontalPodAutoscaler")["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "mcp-registry"}
    assert (spec["minReplicas"], spec["maxReplicas"]) == (2, 6)
    assert spec["metrics"] == [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}}}
    ]


def test_autoscaled_deployment_leaves_replicas_to_the_autoscaler(full_registry):
    assert "replicas" not in full_registry.one("Deployment")["spec"]


def test_deployment_without_autoscaler_sets_replicas(build_mesh):
    objects = build_mesh(model.Registry(database=POSTGRES, replicas=3))
    assert objects.one("Deployment")["spec"]["replicas"] == 3


def test_ingress_routes_the_host_to_the_service_with_tls(full_registry):
    spec = full_registry.one("Ingress")["spec"]
    assert spec["ingressClassName"] == "nginx"
    assert spec["tls"] == [{"hosts": ["registry.example.com"], "secretName": "registry-tls"}]
    (rule,) = spec["rules"]
    assert rule["host"] == "registry.example.com"
    assert rule["http"]["paths"] == [
        {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "mcp-registry", "port": {"name": "http"}}}}
    ]


def test_disruption_budget_keeps_min_available_pods_of_the_registry(full_registry):
    spec = full_registry.one("PodDisruptionBudget")["spec"]
    assert spec["minAvailable"] == 1
    assert spec["selector"]["matchLabels"]["app.kubernetes.io/component"] == "registry"


# --- names --------------------------------------------------------------------------


def test_names_follow_the_registry_name(build_mesh):
    objects = build_mesh(model.Registry(name="central"))
    assert {name for _, name in objects.kinds()} == {"central", "central-config", "central-headless"}


def test_helm_compatible_names_reproduce_the_chart(helm_registry):
    assert helm_registry.kinds() == [
        ("ConfigMap", "mcp-registry-mcp-mesh-registry-config"),
        ("Deployment", "mcp-registry-mcp-mesh-registry"),
        ("PersistentVolumeClaim", "mcp-registry-mcp-mesh-registry-data"),
        ("Service", "mcp-registry-mcp-mesh-registry"),
        ("Service", "mcp-registry-mcp-mesh-registry-headless"),
        ("ServiceAccount", "mcp-registry-mcp-mesh-registry"),
    ]


def test_helm_compatible_release_that_contains_the_chart_name_is_used_alone(build_mesh):
    objects = build_mesh(model.Registry(name="prod-mcp-mesh-registry"), naming="helm-compatible")
    assert objects.one("Deployment")["metadata"]["name"] == "prod-mcp-mesh-registry"


def test_endpoint_is_the_service_name_and_port(context):
    from meshc.registry import Registry
    from meshc.runtime import MeshChart, cdk8s
    from meshc.workload_plan import plan_registry

    chart = MeshChart(cdk8s.App(), "test")
    spec = model.Registry(name="central", service=model.RegistryService(port=9000))
    endpoint = Registry(chart, "Registry", plan=plan_registry(spec, context())).endpoint
    assert (endpoint.host, endpoint.port, endpoint.url) == ("central", 9000, "http://central:9000")


# --- pod: probes, hardening, image --------------------------------------------------------


@pytest.mark.parametrize("probe", ["startupProbe", "livenessProbe", "readinessProbe"])
def test_every_probe_asks_health_on_the_http_port(default_registry, probe):
    assert default_registry.container()[probe]["httpGet"] == {"path": "/health", "port": "http"}


def test_container_is_hardened_with_a_read_only_root_filesystem(default_registry):
    assert default_registry.container()["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": True,
        "runAsGroup": 999,
        "runAsNonRoot": True,
        "runAsUser": 999,
    }


def test_pod_runs_as_non_root_with_the_runtime_default_seccomp_profile(default_registry):
    pod = default_registry.one("Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == "mcp-registry"


def test_tmp_is_a_writable_empty_dir(default_registry):
    pod = default_registry.one("Deployment")["spec"]["template"]["spec"]
    assert {"name": "tmp", "emptyDir": {}} in pod["volumes"]
    assert {"name": "tmp", "mountPath": "/tmp"} in default_registry.container()["volumeMounts"]


def test_image_gets_the_global_registry_prefix_and_pull_secrets(build_mesh):
    objects = build_mesh(model.Registry(), image_registry="myregistry.io/", image_pull_secrets=("regcred",))
    assert objects.container()["image"] == "myregistry.io/mcpmesh/registry:3.6"
    assert objects.one("Deployment")["spec"]["template"]["spec"]["imagePullSecrets"] == [{"name": "regcred"}]


def test_image_registry_of_the_image_wins_over_the_global_one(build_mesh):
    image = model.Image(repository="mcpmesh/registry", tag="3.6.1", registry="ghcr.io", pull_policy="Always")
    objects = build_mesh(model.Registry(image=image), image_registry="myregistry.io")
    assert objects.container()["image"] == "ghcr.io/mcpmesh/registry:3.6.1"
    assert objects.container()["imagePullPolicy"] == "Always"


def test_config_map_rolls_pods_through_a_hash_annotation(build_mesh):
    def config_hash(registry: model.Registry) -> str:
        template = build_mesh(registry).one("Deployment")["spec"]["template"]
        return template["metadata"]["annotations"]["meshc.io/config-sha256"]

    assert config_hash(model.Registry()) == config_hash(model.Registry())
    assert config_hash(model.Registry()) != config_hash(model.Registry(service=model.RegistryService(port=9000)))


# --- database -----------------------------------------------------------------------------


def test_sqlite_database_url_is_the_file_on_the_data_volume(default_registry):
    env = default_registry.effective_env()
    assert env["DATABASE_URL"] == "/data/mcp_mesh_registry.db"
    assert {"name": "data-ephemeral", "mountPath": "/data"} in default_registry.container()["volumeMounts"]


def test_sqlite_without_persistence_keeps_data_on_an_empty_dir(default_registry):
    volumes = default_registry.one("Deployment")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "data-ephemeral", "emptyDir": {}} in volumes


def test_sqlite_with_persistence_mounts_the_claim_at_data(build_mesh):
    objects = build_mesh(model.Registry(persistence=model.Persistence(enabled=True)))
    volumes = objects.one("Deployment")["spec"]["template"]["spec"]["volumes"]
    assert {"name": "data", "persistentVolumeClaim": {"claimName": "mcp-registry-data"}} in volumes
    assert {"name": "data", "mountPath": "/data"} in objects.container()["volumeMounts"]


def test_sqlite_deployment_is_recreated_never_surged(default_registry):
    assert default_registry.one("Deployment")["spec"]["strategy"] == {"type": "Recreate"}


def test_postgres_database_url_comes_from_the_secret_reference(full_registry):
    assert full_registry.effective_env()["DATABASE_URL"] == {
        "secretKeyRef": {"name": "registry-db", "key": "database-url"}
    }


def test_postgres_deployment_rolls_one_pod_at_a_time(full_registry):
    assert full_registry.one("Deployment")["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
    }


def test_no_secret_value_or_database_url_reaches_the_config_map(full_registry):
    assert "DATABASE_URL" not in full_registry.one("ConfigMap").get("data", {})


# --- labels ---------------------------------------------------------------------------------


def test_every_object_carries_the_registry_labels(full_registry):
    for obj in full_registry:
        assert obj["metadata"]["labels"] == {
            "app.kubernetes.io/name": "mcp-mesh-registry",
            "app.kubernetes.io/instance": "mcp-registry",
            "app.kubernetes.io/component": "registry",
            "app.kubernetes.io/part-of": "mcp-mesh",
            "app.kubernetes.io/version": "3.6",
            "app.kubernetes.io/managed-by": "meshc",
            "meshc.io/environment": "test",
        }, obj["kind"]


def test_every_object_is_in_the_context_namespace(full_registry):
    assert {obj["metadata"]["namespace"] for obj in full_registry} == {"mesh"}


def test_selectors_use_only_name_instance_and_component(full_registry):
    deployment = full_registry.one("Deployment")["spec"]
    selectors = [
        deployment["selector"]["matchLabels"],
        full_registry.one("Service", "mcp-registry")["spec"]["selector"],
        full_registry.one("Service", "mcp-registry-headless")["spec"]["selector"],
        full_registry.one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"],
    ]
    for selector in selectors:
        assert set(selector) == SELECTOR_KEYS
    assert set(deployment["selector"]["matchLabels"].items()) <= set(deployment["template"]["metadata"]["labels"].items())
