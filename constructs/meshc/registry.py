"""The MCP Mesh registry, rendered as manifests: the one service every agent registers with."""

from __future__ import annotations

from meshc.runtime import Construct
from meshc.workload import Workload
from meshc.workload_plan import RegistryPlan


class Registry(Workload):
    """Registry objects: ServiceAccount, ConfigMap, Service, headless Service and
    Deployment; a PVC when persistent; HPA, PDB and Ingress when asked.

    plan: the registry's plan (`meshc.workload_plan.plan_registry`).

    Agents read `endpoint` from here (or from the plan), never from a typed string.
    """

    def __init__(self, scope: Construct, id: str, *, plan: RegistryPlan):
        super().__init__(scope, id, plan=plan)
        self.endpoint = plan.endpoint
        self.add_common_objects()
        self.add_service(plan.names.headless, headless=True)
        self.add_deployment()
