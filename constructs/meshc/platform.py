"""`Platform`: one environment, composed.

platform layer: namespace, quota, policies and chart sources; data: PostgreSQL;
monitoring: Prometheus and Grafana; registry; agents; and, when the
environment names its Git source, the Flux objects that apply them in order.
"""

from __future__ import annotations

from meshc import model
from meshc.agent import Agent
from meshc.context import INSTANCE_LABEL, NAME_LABEL, MeshContext
from meshc.gitops import Delivery
from meshc.helm_release import ChartSources
from meshc.mesh_releases import AgentRelease, RegistryRelease
from meshc.monitoring import PROMETHEUS_PORT, AgentServiceMonitor, Monitoring, scrape_annotations
from meshc.naming import AGENT_CHART, REGISTRY_CHART
from meshc.network import NamespacePolicies
from meshc.origin import Layer, Origin
from meshc.postgresql import POSTGRES_PORT, PostgresqlRelease
from meshc.quota import NamespaceQuota
from meshc.registry import Registry
from meshc.runtime import Construct, MeshChart, k8s
from meshc.workload_plan import RegistryEndpoint, plan_agent, plan_registry

PLATFORM_NAME = "mcp-mesh-platform"


class Platform(Construct):
    """Every object of one environment.

    environment: the environment's name (labels every object).
    spec: the validated environment model.
    """

    def __init__(self, scope: Construct, id: str, *, environment: str, spec: model.Environment):
        super().__init__(scope, id)
        settings = spec.global_
        self.spec = spec
        self.context = MeshContext(
            environment=environment,
            namespace=settings.namespace,
            naming=spec.naming,
            image_registry=settings.image_registry,
            image_pull_secrets=tuple(settings.image_pull_secrets),
            log_level=spec.log_level,
            **_umbrella_context(spec.helm_umbrella),
        )
        self.version = spec.registry.image.tag
        self.labels = self._labels(PLATFORM_NAME, settings.namespace, "platform")
        self.layers: set[Layer] = set()

        if settings.create_namespace:
            namespace = k8s.KubeNamespace(self, "Namespace", metadata=k8s.ObjectMeta(name=settings.namespace, labels=self.labels))
            MeshChart.of(scope).add_typed(namespace, Origin.platform())
            self.layers.add(Layer.PLATFORM)
        if spec.resource_quota.enabled:
            NamespaceQuota(self, "Quota", namespace=settings.namespace, labels=self.labels, hard=spec.resource_quota.hard)
            self.layers.add(Layer.PLATFORM)
        self.sources = ChartSources(self, "ChartSources", namespace=settings.namespace, labels=self.labels, interval=spec.flux.interval)

        postgres = self._add_postgresql() if spec.postgresql.enabled else None
        if spec.monitoring.prometheus.enabled or spec.monitoring.grafana.enabled:
            Monitoring(
                self,
                "Monitoring",
                spec=spec.monitoring,
                namespace=settings.namespace,
                labels=self._labels("mcp-mesh-monitoring", settings.namespace, "monitoring"),
                sources=self.sources,
                flux=spec.flux,
            )
            self.layers.add(Layer.MONITORING)
        self.registry = self._add_registry(postgres) if spec.registry.enabled else None
        self.agents = self._add_agents() if self.registry is not None else {}
        if self.agents:
            self._watch_agents()

        if spec.network_policies.enabled:
            self._add_network_policies(spec.network_policies)
        if self.sources.created:
            self.layers.add(Layer.PLATFORM)
        if spec.gitops is not None:
            Delivery(
                self,
                "Delivery",
                environment=environment,
                gitops=spec.gitops,
                flux=spec.flux,
                layers=self.layers,
                labels=self._labels("meshc", environment, "delivery"),
            )

    def _labels(self, name: str, instance: str, component: str, version: str | None = None) -> dict[str, str]:
        return self.context.labels(name=name, instance=instance, component=component, version=version or self.version)

    def _add_postgresql(self) -> PostgresqlRelease:
        self.layers.add(Layer.DATA)
        postgresql = self.spec.postgresql
        return PostgresqlRelease(
            self,
            "Postgresql",
            spec=postgresql,
            namespace=self.context.namespace,
            labels=self._labels("postgresql", postgresql.release, "database", postgresql.chart.version),
            sources=self.sources,
            flux=self.spec.flux,
        )

    def _add_registry(self, postgres: PostgresqlRelease | None) -> Registry | RegistryRelease:
        self.layers.add(Layer.REGISTRY)
        spec = self.spec.registry
        plan = plan_registry(spec, self.context, postgres=postgres.connection if postgres else None)
        if self.spec.render_of(spec) == "manifests":
            return Registry(self, "Registry", plan=plan)
        return RegistryRelease(
            self,
            "Registry",
            plan=plan,
            charts=self.spec.mesh_charts,
            sources=self.sources,
            flux=self.spec.flux,
            postgres_release=postgres.release if postgres else None,
        )

    def _add_agents(self) -> dict[str, Agent | AgentRelease]:
        endpoint: RegistryEndpoint = self.registry.endpoint
        registry_release = (self.registry.release,) if isinstance(self.registry, RegistryRelease) else ()
        order = self.spec.release_order()
        agents: dict[str, Agent | AgentRelease] = {}
        for name, spec in self.spec.enabled_agents().items():
            self.layers.add(Layer.AGENTS)
            # Point the environment's Prometheus at every agent's /metrics (the registry serves none).
            scraped = scrape_annotations(spec.http.port) if self.spec.monitoring.prometheus.enabled else None
            plan = plan_agent(name, spec, self.context, registry=endpoint, pod_annotations=scraped)
            if self.spec.render_of(spec) == "manifests":
                agents[name] = Agent(self, f"Agent-{name}", plan=plan)
                continue
            agents[name] = AgentRelease(
                self,
                f"Agent-{name}",
                plan=plan,
                charts=self.spec.mesh_charts,
                sources=self.sources,
                flux=self.spec.flux,
                depends_on=registry_release + tuple(order.get(name, ())),
            )
        return agents

    def _watch_agents(self) -> None:
        """A ServiceMonitor for every agent where Prometheus runs with the operator's CRDs."""
        monitoring = self.spec.monitoring
        if monitoring.prometheus_operator.enabled:
            AgentServiceMonitor(
                self,
                "AgentServiceMonitor",
                namespace=self.context.namespace,
                labels=self._labels("mcp-mesh-monitoring", self.context.namespace, "monitoring"),
                operator=monitoring.prometheus_operator,
            )
            self.layers.add(Layer.MONITORING)

    def _allow_scraping(self, policies: NamespacePolicies, settings: model.NetworkPolicies) -> None:
        """Exactly Prometheus may reach the agents' metrics port; meshc's Prometheus may reach the API server."""
        monitoring = self.spec.monitoring
        agents = {NAME_LABEL: AGENT_CHART}
        metrics_ports = [spec.http.port for spec in self.spec.enabled_agents().values()]
        prometheus_pods = {NAME_LABEL: "prometheus", INSTANCE_LABEL: monitoring.prometheus.release}
        if monitoring.prometheus.enabled:
            policies.allow_egress_to_range(
                "allow-prometheus-to-apiserver-egress",
                source=prometheus_pods,
                cidr=settings.api_server.cidr,
                ports=settings.api_server.ports,
            )
            if metrics_ports:
                policies.allow_to("allow-prometheus-to-agents", source=prometheus_pods, target=agents, ports=metrics_ports)
        operator = monitoring.prometheus_operator
        if operator.enabled and metrics_ports:
            policies.allow_from_namespace(
                "allow-prometheus-operator-to-agents-ingress",
                namespace=operator.namespace,
                source=dict(operator.pod_labels),
                target=agents,
                ports=metrics_ports,
            )

    def _add_network_policies(self, settings: model.NetworkPolicies) -> None:
        self.layers.add(Layer.PLATFORM)
        policies = NamespacePolicies(self, "NetworkPolicies", namespace=self.context.namespace, labels=self.labels)
        policies.isolate()
        policies.allow_dns()
        if settings.allowed_namespaces:
            policies.allow_from_namespaces(settings.allowed_namespaces)
        if settings.allowed_egress:
            policies.allow_egress(settings.allowed_egress)
        self._allow_scraping(policies, settings)
        if settings.allow_intra_namespace:
            policies.allow_intra_namespace()
            return
        # Without blanket intra-namespace traffic, open exactly the mesh's own paths.
        agents = {NAME_LABEL: AGENT_CHART}
        registry_pods = {NAME_LABEL: REGISTRY_CHART}
        if self.agents:
            policies.allow_to("allow-agents-to-registry", source=agents, target=registry_pods, ports=[self.registry.endpoint.port])
            policies.allow_to(
                "allow-agents-to-agents",
                source=agents,
                target=agents,
                ports=[spec.http.port for spec in self.spec.enabled_agents().values()],
            )
        postgresql, monitoring = self.spec.postgresql, self.spec.monitoring
        if postgresql.enabled and self.registry is not None:
            policies.allow_to(
                "allow-registry-to-postgresql",
                source=registry_pods,
                target={NAME_LABEL: "postgresql", INSTANCE_LABEL: postgresql.release},
                ports=[POSTGRES_PORT],
            )
        if monitoring.grafana.enabled and monitoring.prometheus.enabled:
            policies.allow_to(
                "allow-grafana-to-prometheus",
                source={NAME_LABEL: "grafana", INSTANCE_LABEL: monitoring.grafana.release},
                target={NAME_LABEL: "prometheus", INSTANCE_LABEL: monitoring.prometheus.release},
                ports=[PROMETHEUS_PORT],
            )


def _umbrella_context(umbrella: model.HelmUmbrella | None) -> dict[str, str]:
    """An adopted umbrella release names the components and, as its chart, labels them part-of."""
    return {"umbrella": umbrella.release, "part_of": umbrella.chart} if umbrella else {}
