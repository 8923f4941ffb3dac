"""`NamespaceQuota`, built from plain Python."""

from __future__ import annotations

import pytest

LABELS = {"app.kubernetes.io/managed-by": "meshc", "meshc.io/environment": "test"}


@pytest.fixture(scope="module")
def quota(render):
    from meshc.quota import NamespaceQuota

    objects = render(
        lambda chart: NamespaceQuota(
            chart, "Quota", namespace="mesh", labels=LABELS, hard={"requests.memory": "4Gi", "pods": "20", "requests.cpu": "2"}
        )
    )
    return objects.one("ResourceQuota")


def test_quota_is_one_resource_quota_named_mcp_mesh_quota(quota):
    assert quota["metadata"] == {"name": "mcp-mesh-quota", "namespace": "mesh", "labels": LABELS}


def test_quota_hard_limits_are_written_as_given(quota):
    assert quota["spec"] == {"hard": {"pods": "20", "requests.cpu": "2", "requests.memory": "4Gi"}}
