"""`Platform`: one environment, composed: namespace, quota, policies, registry, agents."""

from __future__ import annotations

from meshc import model
from meshc.agent import Agent
from meshc.context import NAME_LABEL, MeshContext
from meshc.naming import AGENT_CHART
from meshc.network import NamespacePolicies
from meshc.quota import NamespaceQuota
from meshc.registry import Registry
from meshc.runtime import Construct, k8s

PLATFORM_NAME = "mcp-mesh-platform"


class Platform(Construct):
    """Every object of one environment.

    environment: the environment's name (labels every object).
    spec: the validated environment model.
    """

    def __init__(self, scope: Construct, id: str, *, environment: str, spec: model.Environment):
        super().__init__(scope, id)
        settings = spec.global_
        self.context = MeshContext(
            environment=environment,
            namespace=settings.namespace,
            naming=spec.naming,
            image_registry=settings.image_registry,
            image_pull_secrets=tuple(settings.image_pull_secrets),
        )
        self.labels = self.context.labels(
            name=PLATFORM_NAME, instance=settings.namespace, component="platform", version=spec.registry.image.tag
        )
        if settings.create_namespace:
            k8s.KubeNamespace(self, "Namespace", metadata=k8s.ObjectMeta(name=settings.namespace, labels=self.labels))
        if spec.resource_quota.enabled:
            NamespaceQuota(self, "Quota", namespace=settings.namespace, labels=self.labels, hard=spec.resource_quota.hard)

        self.registry = Registry(self, "Registry", spec=spec.registry, context=self.context) if spec.registry.enabled else None
        self.agents = {
            name: Agent(self, f"Agent-{name}", name=name, spec=agent, registry=self.registry, context=self.context)
            for name, agent in sorted(spec.agents.items())
            if agent.enabled and self.registry is not None
        }
        if spec.network_policies.enabled:
            self._add_network_policies(spec.network_policies)

    def _add_network_policies(self, settings: model.NetworkPolicies) -> None:
        policies = NamespacePolicies(self, "NetworkPolicies", namespace=self.context.namespace, labels=self.labels)
        policies.isolate()
        policies.allow_dns()
        if settings.allowed_namespaces:
            policies.allow_from_namespaces(settings.allowed_namespaces)
        if settings.allow_intra_namespace:
            policies.allow_intra_namespace()
            return
        # Without blanket intra-namespace traffic, open exactly the mesh's own paths.
        agents = {NAME_LABEL: AGENT_CHART}
        if self.registry is not None and self.agents:
            policies.allow_to("allow-agents-to-registry", source=agents, target=self.registry.selector, ports=[self.registry.port])
        if self.agents:
            policies.allow_to("allow-agents-to-agents", source=agents, target=agents, ports=[a.port for a in self.agents.values()])
