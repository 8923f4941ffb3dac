"""An MCP Mesh agent, rendered as manifests and wired to the registry of its environment."""

from __future__ import annotations

from meshc.runtime import Construct
from meshc.workload import Workload
from meshc.workload_plan import AgentPlan


class Agent(Workload):
    """Agent objects: ServiceAccount, ConfigMap, Service and Deployment; a PVC
    when persistent; HPA, PDB and Ingress when asked.

    plan: the agent's plan (`meshc.workload_plan.plan_agent`), which wires it to the
    registry it was planned with.
    """

    def __init__(self, scope: Construct, id: str, *, plan: AgentPlan):
        super().__init__(scope, id, plan=plan)
        self.add_common_objects()
        self.add_deployment()
