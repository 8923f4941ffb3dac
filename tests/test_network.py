"""`NamespacePolicies`, built from plain Python: default deny, DNS egress on UDP and
TCP, intra-namespace traffic, allowed namespaces by their API-server label, and the
paired egress/ingress policies of `allow_to`."""

from __future__ import annotations

import pytest

LABELS = {"app.kubernetes.io/managed-by": "meshc", "meshc.io/environment": "test"}
AGENTS = {"app.kubernetes.io/name": "mcp-mesh-agent"}
REGISTRY = {"app.kubernetes.io/name": "mcp-mesh-registry", "app.kubernetes.io/instance": "mcp-registry"}


@pytest.fixture(scope="module")
def policies(render):
    """Every policy NamespacePolicies can write, in namespace `mesh`."""
    from meshc import model
    from meshc.network import NamespacePolicies

    def build(chart) -> None:
        policies = NamespacePolicies(chart, "Policies", namespace="mesh", labels=LABELS)
        policies.isolate()
        policies.allow_dns()
        policies.allow_intra_namespace()
        policies.allow_from_namespaces(["monitoring", "ingress-nginx"])
        policies.allow_to("allow-agents-to-registry", source=AGENTS, target=REGISTRY, ports=[8000, 8000])
        policies.allow_egress(
            [
                model.EgressRule(cidr="10.20.0.0/16", ports=[5432]),
                model.EgressRule(cidr="0.0.0.0/0", except_=["10.0.0.0/8"]),
            ]
        )

    return render(build)


def spec(policies, name: str) -> dict:
    return policies.one("NetworkPolicy", name)["spec"]


def test_default_deny_selects_every_pod_and_allows_nothing(policies):
    assert spec(policies, "default-deny") == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_dns_egress_reaches_kube_dns_on_udp_and_tcp_53(policies):
    dns = spec(policies, "allow-dns-egress")
    assert dns["podSelector"] == {}
    assert dns["policyTypes"] == ["Egress"]
    (rule,) = dns["egress"]
    assert rule["ports"] == [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]
    assert rule["to"] == [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
        }
    ]


def test_intra_namespace_lets_every_pod_reach_every_pod_both_ways(policies):
    intra = spec(policies, "allow-intra-namespace")
    assert intra["ingress"] == [{"from": [{"podSelector": {}}]}]
    assert intra["egress"] == [{"to": [{"podSelector": {}}]}]
    assert intra["policyTypes"] == ["Ingress", "Egress"]


def test_allowed_namespaces_match_the_label_the_api_server_sets(policies):
    allowed = spec(policies, "allow-from-namespaces")
    assert allowed["policyTypes"] == ["Ingress"]
    assert allowed["ingress"] == [
        {
            "from": [
                {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}},
                {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}},
            ]
        }
    ]


def test_allow_to_opens_egress_on_the_source_side(policies):
    egress = spec(policies, "allow-agents-to-registry-egress")
    assert egress["podSelector"] == {"matchLabels": AGENTS}
    assert egress["policyTypes"] == ["Egress"]
    assert egress["egress"] == [{"to": [{"podSelector": {"matchLabels": REGISTRY}}], "ports": [{"port": 8000, "protocol": "TCP"}]}]


def test_allow_to_opens_ingress_on_the_target_side(policies):
    ingress = spec(policies, "allow-agents-to-registry-ingress")
    assert ingress["podSelector"] == {"matchLabels": REGISTRY}
    assert ingress["policyTypes"] == ["Ingress"]
    assert ingress["ingress"] == [{"from": [{"podSelector": {"matchLabels": AGENTS}}], "ports": [{"port": 8000, "protocol": "TCP"}]}]


def test_every_policy_is_labelled_and_in_the_namespace(policies):
    assert len(policies) == 7
    for policy in policies:
        assert policy["metadata"]["labels"] == LABELS
        assert policy["metadata"]["namespace"] == "mesh"


def test_egress_to_outside_addresses_opens_only_the_listed_ranges_and_ports(policies):
    egress = spec(policies, "allow-egress")
    assert egress["policyTypes"] == ["Egress"]
    assert egress["egress"] == [
        {"to": [{"ipBlock": {"cidr": "10.20.0.0/16"}}], "ports": [{"port": 5432, "protocol": "TCP"}]},
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/8"]}}]},
    ]
