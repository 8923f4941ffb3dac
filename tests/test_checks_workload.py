"""meshc.checks.workload: requests and limits, HPA ranges and targets, ports, probes, sqlite.

Most of these cannot be written in an environment file (the constructs always
get them right), so they are checked on hand-written objects: the checks must
also cover whatever a later component adds.
"""

from __future__ import annotations

from checks.support import deployment, scope_of

from meshc.checks import workload


def service(name: str, *, port: int = 8080, target: int | str = "http", labels: dict | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "mesh"},
            "spec": {"selector": labels or {"app": name}, "ports": [{"name": "http", "port": port, "targetPort": target}]}}


def config_map(name: str, data: dict) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "mesh"}, "data": data}


def hpa(name: str, target: str, low: int, high: int, cpu: bool = True) -> dict:
    spec = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target}, "minReplicas": low, "maxReplicas": high}
    if cpu:
        spec["metrics"] = [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name, "namespace": "mesh"}, "spec": spec}


def run(*objects):
    return workload.check(scope_of(list(objects)))


def agent(obj: dict, name: str = "a"):
    return (f"agent/{name}", f"agents.{name}", obj)


def test_a_consistent_agent_has_no_findings():
    app = deployment("a")
    app["spec"]["template"]["spec"]["containers"][0]["envFrom"] = [{"configMapRef": {"name": "a-config"}}]
    assert run(agent(app), agent(service("a")), agent(config_map("a-config", {"MCP_MESH_HTTP_PORT": "8080", "MCP_MESH_HTTP_HOST": "a.mesh"}))) == []


def test_a_request_above_its_limit_points_at_the_request():
    app = deployment("a")
    app["spec"]["template"]["spec"]["containers"][0]["resources"] = {"requests": {"memory": "2Gi"}, "limits": {"memory": "1Gi"}}
    (finding,) = run(agent(app))
    assert (finding.check, finding.key_path) == ("workload.requests-exceed-limits", "agents.a.resources.requests.memory")
    assert "requests 2Gi memory but its limit is 1Gi" in finding.message


def test_init_containers_are_checked_too():
    init = [{"name": "migrate", "image": "x", "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}}]
    (finding,) = run(agent(deployment("a", init=init)))
    assert "container migrate" in finding.message


def test_an_hpa_whose_minimum_exceeds_its_maximum():
    (finding,) = run(agent(deployment("a", replicas=None)), agent(hpa("a", "a", 5, 2)))
    assert (finding.check, finding.key_path) == ("workload.hpa-range", "agents.a.autoscaling.minReplicas")


def test_an_hpa_that_scales_nothing():
    (finding,) = run(agent(hpa("a", "gone", 1, 2)))
    assert (finding.check, finding.key_path) == ("workload.hpa-target", "agents.a.autoscaling")
    assert "scales Deployment/gone" in finding.message


def test_an_hpa_on_cpu_without_a_cpu_request_is_a_warning():
    app = deployment("a", replicas=None)
    app["spec"]["template"]["spec"]["containers"][0]["resources"] = {"requests": {"memory": "1Gi"}}
    (finding,) = run(agent(app), agent(hpa("a", "a", 1, 3)))
    assert (finding.severity, finding.check, finding.key_path) == ("warning", "workload.hpa-no-request", "agents.a.resources.requests.cpu")
    assert run(agent(app), agent(hpa("a", "a", 1, 3, cpu=False))) == []


def test_a_service_target_port_the_pods_do_not_expose():
    (finding,) = run(agent(deployment("a")), agent(service("a", target="metrics")))
    assert (finding.check, finding.key_path) == ("workload.port-mismatch", "agents.a.http.port")
    assert "targetPort 'metrics'" in finding.message and "(it exposes 8080, http)" in finding.message
    assert run(agent(deployment("a")), agent(service("a", target=8080))) == []
    (numeric,) = run(agent(deployment("a")), agent(service("a", target=9090)))
    assert numeric.check == "workload.port-mismatch"


def test_a_registry_service_points_at_the_registry_port_key():
    (finding,) = run(("registry", "registry", deployment("r")), ("registry", "registry", service("r", target=1)))
    assert finding.key_path == "registry.service.port"


def test_a_service_that_selects_nothing_is_a_warning():
    (finding,) = run(agent(service("a", labels={"app": "nobody"})))
    assert (finding.severity, finding.check) == ("warning", "workload.service-unmatched")


def test_the_advertised_port_from_the_config_map_must_be_the_container_port():
    app = deployment("a")
    app["spec"]["template"]["spec"]["containers"][0]["envFrom"] = [{"configMapRef": {"name": "a-config"}}]
    (finding,) = run(agent(app), agent(config_map("a-config", {"MCP_MESH_HTTP_PORT": "9000"})))
    assert (finding.check, finding.key_path) == ("workload.port-mismatch", "agents.a.http.port")


def test_an_env_entry_overrides_the_config_map_and_is_blamed():
    app = deployment("a")
    container = app["spec"]["template"]["spec"]["containers"][0]
    container["envFrom"] = [{"configMapRef": {"name": "a-config"}}]
    container["env"] = [{"name": "MCP_MESH_HTTP_PORT", "value": "9090"}]
    (finding,) = run(agent(app), agent(config_map("a-config", {"MCP_MESH_HTTP_PORT": "8080"})))
    assert finding.key_path == "agents.a.env.MCP_MESH_HTTP_PORT"
    assert "advertises MCP_MESH_HTTP_PORT=9090 but container main listens on 8080" in finding.message


def test_the_advertised_host_service_must_serve_the_advertised_port():
    app = deployment("a")
    app["spec"]["template"]["spec"]["containers"][0]["env"] = [
        {"name": "MCP_MESH_HTTP_PORT", "value": "8080"}, {"name": "MCP_MESH_HTTP_HOST", "value": "a.mesh"}]
    (finding,) = run(agent(app), agent(service("a", port=80, target="http")))
    assert "advertises a.mesh:8080 but Service/mesh/a does not serve port 8080" in finding.message


def test_probes_must_exist_and_use_an_exposed_port():
    app = deployment("a")
    container = app["spec"]["template"]["spec"]["containers"][0]
    del container["livenessProbe"]
    container["readinessProbe"] = {"httpGet": {"path": "/ready", "port": "admin"}}
    missing, port = sorted(run(agent(app)), key=lambda f: f.check)
    assert (missing.check, missing.key_path) == ("workload.probe-missing", "agents.a")
    assert "has no livenessProbe" in missing.message
    assert (port.check, port.key_path) == ("workload.probe-port", "agents.a.http.port")


def test_a_sqlite_registry_with_more_than_one_pod_is_an_error():
    registry = deployment("r", replicas=2)
    registry["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "DATABASE_URL", "value": "/data/registry.db"}]
    (finding,) = run(("registry", "registry", registry))
    assert (finding.check, finding.key_path) == ("workload.sqlite-replicas", "registry.replicas")
    (scaled,) = run(("registry", "registry", deployment("r", replicas=None, containers=registry["spec"]["template"]["spec"]["containers"])),
                    ("registry", "registry", hpa("r", "r", 1, 1, cpu=False)))
    assert scaled.key_path == "registry.autoscaling.enabled"


def test_a_postgres_registry_may_scale():
    registry = deployment("r", replicas=3)
    registry["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "DATABASE_URL", "value": "postgresql://db/mesh"}]
    assert run(("registry", "registry", registry)) == []
