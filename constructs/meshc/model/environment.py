"""The environment: every part together, and the rules of its input that span them
(the rules on what meshc makes of it are meshc.environment_rules's)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from meshc.graph import consumer_edges
from meshc.model.base import DnsLabel, FieldRuleError, LogLevel, MeshcModel, RenderMode
from meshc.model.workloads import Agent, Global, PostgresDatabase, Registry
from meshc.model.platform import Flux, GitOps, HelmUmbrella, MeshCharts, Monitoring, NetworkPolicies, Postgresql, ResourceQuota, Validation


# --- the environment ----------------------------------------------------------------


class Environment(MeshcModel):
    """One environment file, after `extends` has been merged in."""

    extends: str | None = Field(
        default=None,
        description="A base file (relative path) this one extends: maps deep-merge, lists replace.",
    )
    naming: Literal["default", "helm-compatible"] = Field(
        default="default",
        description=(
            "default: short names; helm-compatible: the mcp-mesh charts' names "
            "(<release>-mcp-mesh-registry, <agent>-mcp-mesh-agent) so Flux can adopt a Helm install."
        ),
    )
    log_level: LogLevel = Field(
        default="INFO",
        description=(
            "Log level of the registry and every agent (MCP_MESH_LOG_LEVEL; DEBUG also sets "
            "MCP_MESH_DEBUG_MODE), the same in both render modes. Default: INFO."
        ),
    )
    helm_umbrella: HelmUmbrella | None = Field(
        default=None,
        description="The umbrella Helm release this environment adopts (needs naming: helm-compatible). Default: none.",
    )
    render: RenderMode = Field(
        default="manifests",
        description=(
            "How mesh components are delivered: manifests (meshc's own objects) or helmrelease "
            "(Flux HelmReleases of the mcp-mesh charts). Each component may override it."
        ),
    )
    flux: Flux = Field(default_factory=Flux, description="Flux reconcile settings.")
    gitops: GitOps | None = Field(
        default=None, description="The Git source Flux reads. Default: none, and no dist/<env>/flux folder."
    )
    mesh_charts: MeshCharts = Field(default_factory=MeshCharts, description="Default: mcp-mesh charts 3.6.0.")
    global_: Global = Field(default_factory=Global, alias="global", description="Settings shared by every component.")
    registry: Registry = Field(default_factory=Registry, description="The MCP Mesh registry.")
    agents: dict[DnsLabel, Agent] = Field(
        default_factory=dict,
        description=(
            "Agents by key. The key names the agent's objects and release and becomes MCP_MESH_AGENT_NAME, "
            "which only prefixes the agent's id; the name the registry shows comes from the agent's code."
        ),
    )
    resource_quota: ResourceQuota = Field(default_factory=ResourceQuota, description="Default: disabled.")
    network_policies: NetworkPolicies = Field(default_factory=NetworkPolicies, description="Default: disabled.")
    postgresql: Postgresql = Field(default_factory=Postgresql, description="Default: disabled.")
    monitoring: Monitoring = Field(default_factory=Monitoring, description="Default: disabled.")
    validation: Validation = Field(default_factory=Validation, description="Settings of the checks run on every synth and validate.")

    @model_validator(mode="after")
    def _prometheus_can_reach_the_api_server(self) -> Environment:
        if self.monitoring.prometheus.enabled and self.network_policies.enabled and self.network_policies.api_server is None:
            raise FieldRuleError(
                "networkPolicies.apiServer",
                "Prometheus finds the agents to scrape through the Kubernetes API, and default-deny blocks it; "
                "set networkPolicies.apiServer.cidr to the API server's endpoint addresses "
                "(kubectl get endpointslices -n default -l kubernetes.io/service-name=kubernetes)",
            )
        return self

    @model_validator(mode="after")
    def _database_has_a_source(self) -> Environment:
        database = self.registry.database
        if isinstance(database, PostgresDatabase) and not database.is_external and not self.postgresql.enabled:
            raise FieldRuleError(
                "registry.database.host",
                "postgres needs an external database (host, database, username, passwordSecret) "
                "or postgresql.enabled: true",
            )
        return self

    @model_validator(mode="after")
    def _default_deny_lets_the_registry_reach_its_database(self) -> Environment:
        database, policies = self.registry.database, self.network_policies
        if not (self.registry.enabled and policies.enabled and isinstance(database, PostgresDatabase) and database.host):
            return self
        if not any(rule.opens(database.host, database.port) for rule in policies.allowed_egress):
            raise FieldRuleError(
                "networkPolicies.allowedEgress",
                f"default-deny keeps the registry from its database at {database.host}:{database.port}; "
                f"add a rule for the database's address range with ports: [{database.port}]",
            )
        return self

    def render_of(self, component: Registry | Agent) -> RenderMode:
        return component.render or self.render

    def umbrella_release(self) -> str | None:
        """The adopted umbrella release that names the components (helmUmbrella), if any."""
        return self.helm_umbrella.release if self.helm_umbrella else None

    def enabled_agents(self) -> dict[str, Agent]:
        return {name: agent for name, agent in sorted(self.agents.items()) if agent.enabled}

    def release_order(self) -> dict[str, list[str]]:
        """agent -> agent HelmReleases it waits for: its providers, when both are HelmReleases."""
        released = {n: a for n, a in self.enabled_agents().items() if self.render_of(a) == "helmrelease"}
        return consumer_edges(
            {n: a.capabilities for n, a in released.items()}, {n: a.dependencies for n, a in released.items()}
        )

    @model_validator(mode="after")
    def _agents_need_a_registry(self) -> Environment:
        if not self.registry.enabled and any(agent.enabled for agent in self.agents.values()):
            raise FieldRuleError("registry", "agents are enabled but the registry is disabled; agents need a registry")
        return self
