"""The namespace's ResourceQuota."""

from __future__ import annotations

from meshc.origin import Origin
from meshc.runtime import Construct, MeshChart, k8s, quantity


class NamespaceQuota(Construct):
    """A ResourceQuota named `mcp-mesh-quota` with the given hard limits.

    hard: resource name -> quantity, e.g. {"requests.cpu": "4", "pods": "20"}.
    """

    NAME = "mcp-mesh-quota"

    def __init__(self, scope: Construct, id: str, *, namespace: str, labels: dict[str, str], hard: dict[str, str]):
        super().__init__(scope, id)
        quota = k8s.KubeResourceQuota(
            self,
            "ResourceQuota",
            metadata=k8s.ObjectMeta(name=self.NAME, namespace=namespace, labels=labels),
            spec=k8s.ResourceQuotaSpec(hard={key: quantity(value) for key, value in sorted(hard.items())}),
        )
        MeshChart.of(scope).add_typed(quota, Origin.quota())
