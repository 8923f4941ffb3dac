"""Namespace NetworkPolicies: deny by default, then allow what the mesh needs.

Every NetworkPolicy meshc writes is made here, through `isolate()` and the
`allow_*` methods. The seed's policy blocked DNS over TCP and matched
namespaces on a `name` label nobody sets; these use the label the API server
puts on every namespace (`kubernetes.io/metadata.name`) and allow DNS on UDP
and TCP.
"""

from __future__ import annotations

from meshc import model
from meshc.origin import Origin
from meshc.runtime import Construct, MeshChart, int_or_string, k8s

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
DNS_NAMESPACE = "kube-system"
DNS_POD_LABELS = {"k8s-app": "kube-dns"}


class NamespacePolicies(Construct):
    """NetworkPolicies for one namespace, each named after what it allows."""

    def __init__(self, scope: Construct, id: str, *, namespace: str, labels: dict[str, str]):
        super().__init__(scope, id)
        self.namespace = namespace
        self.labels = labels
        self._chart = MeshChart.of(scope)

    def _policy(self, name: str, *, pods: dict[str, str], ingress=None, egress=None, types: list[str]) -> None:
        policy = k8s.KubeNetworkPolicy(
            self,
            name,
            metadata=k8s.ObjectMeta(name=name, namespace=self.namespace, labels=self.labels),
            spec=k8s.NetworkPolicySpec(
                pod_selector=k8s.LabelSelector(match_labels=pods or None),
                policy_types=types,
                ingress=ingress,
                egress=egress,
            ),
        )
        self._chart.add_typed(policy, Origin.platform("networkPolicies"))

    def isolate(self) -> None:
        """Deny all ingress and egress for every pod unless another policy allows it."""
        self._policy("default-deny", pods={}, types=["Ingress", "Egress"])

    def allow_dns(self) -> None:
        """Every pod may ask the cluster DNS, over UDP and TCP port 53."""
        peer = k8s.NetworkPolicyPeer(
            namespace_selector=k8s.LabelSelector(match_labels={NAMESPACE_NAME_LABEL: DNS_NAMESPACE}),
            pod_selector=k8s.LabelSelector(match_labels=DNS_POD_LABELS),
        )
        ports = [k8s.NetworkPolicyPort(protocol=p, port=int_or_string(53)) for p in ("UDP", "TCP")]
        self._policy("allow-dns-egress", pods={}, egress=[k8s.NetworkPolicyEgressRule(to=[peer], ports=ports)], types=["Egress"])

    def allow_intra_namespace(self) -> None:
        """Pods of the namespace may reach each other on any port."""
        peer = k8s.NetworkPolicyPeer(pod_selector=k8s.LabelSelector())
        self._policy(
            "allow-intra-namespace",
            pods={},
            ingress=[k8s.NetworkPolicyIngressRule(from_=[peer])],
            egress=[k8s.NetworkPolicyEgressRule(to=[peer])],
            types=["Ingress", "Egress"],
        )

    def allow_from_namespaces(self, namespaces: list[str]) -> None:
        """Pods of the named namespaces may connect in."""
        peers = [
            k8s.NetworkPolicyPeer(namespace_selector=k8s.LabelSelector(match_labels={NAMESPACE_NAME_LABEL: name}))
            for name in sorted(namespaces)
        ]
        self._policy("allow-from-namespaces", pods={}, ingress=[k8s.NetworkPolicyIngressRule(from_=peers)], types=["Ingress"])

    def allow_egress(self, rules: list[model.EgressRule]) -> None:
        """Every pod may reach the given address ranges outside the cluster."""
        egress = [
            k8s.NetworkPolicyEgressRule(
                to=[k8s.NetworkPolicyPeer(ip_block=k8s.IpBlock(cidr=rule.cidr, except_=rule.except_ or None))],
                ports=[k8s.NetworkPolicyPort(protocol="TCP", port=int_or_string(p)) for p in rule.ports] or None,
            )
            for rule in rules
        ]
        self._policy("allow-egress", pods={}, egress=egress, types=["Egress"])

    def allow_to(self, name: str, *, source: dict[str, str], target: dict[str, str], ports: list[int]) -> None:
        """Pods matching `source` may reach pods matching `target` on `ports`: an egress
        policy on the source side and an ingress policy on the target side."""
        policy_ports = [k8s.NetworkPolicyPort(protocol="TCP", port=int_or_string(p)) for p in sorted(set(ports))]
        self._policy(
            f"{name}-egress",
            pods=source,
            egress=[k8s.NetworkPolicyEgressRule(to=[k8s.NetworkPolicyPeer(pod_selector=k8s.LabelSelector(match_labels=target))], ports=policy_ports)],
            types=["Egress"],
        )
        self._policy(
            f"{name}-ingress",
            pods=target,
            ingress=[k8s.NetworkPolicyIngressRule(from_=[k8s.NetworkPolicyPeer(pod_selector=k8s.LabelSelector(match_labels=source))], ports=policy_ports)],
            types=["Ingress"],
        )

    def allow_egress_to_range(self, name: str, *, source: dict[str, str], cidr: str, ports: list[int]) -> None:
        """Pods matching `source` may reach an address range outside the cluster on `ports`."""
        self._policy(
            name,
            pods=source,
            egress=[
                k8s.NetworkPolicyEgressRule(
                    to=[k8s.NetworkPolicyPeer(ip_block=k8s.IpBlock(cidr=cidr))],
                    ports=[k8s.NetworkPolicyPort(protocol="TCP", port=int_or_string(p)) for p in sorted(set(ports))],
                )
            ],
            types=["Egress"],
        )

    def allow_from_namespace(self, name: str, *, namespace: str, source: dict[str, str], target: dict[str, str], ports: list[int]) -> None:
        """Pods matching `source` in another namespace may reach pods matching `target` here on `ports`."""
        peer = k8s.NetworkPolicyPeer(
            namespace_selector=k8s.LabelSelector(match_labels={NAMESPACE_NAME_LABEL: namespace}),
            pod_selector=k8s.LabelSelector(match_labels=source),
        )
        policy_ports = [k8s.NetworkPolicyPort(protocol="TCP", port=int_or_string(p)) for p in sorted(set(ports))]
        self._policy(name, pods=target, ingress=[k8s.NetworkPolicyIngressRule(from_=[peer], ports=policy_ports)], types=["Ingress"])
