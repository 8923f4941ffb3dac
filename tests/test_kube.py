"""meshc.kube: Kubernetes' own rules (quantities exactly, names, labels, API versions, subjects)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from meshc.kube import QuantityError, format_quantity, format_subject, parse_quantity, subject_of, valid_label_key


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("500m", Decimal("0.5")), ("1", Decimal(1)), ("1.5", Decimal("1.5")), ("2Gi", Decimal(2 * 2**30)),
        ("1.5Gi", Decimal(1610612736)), ("128Mi", Decimal(128 * 2**20)), ("1k", Decimal(1000)),
        ("1M", Decimal(10**6)), ("1e3", Decimal(1000)), ("100n", Decimal("1e-7")), ("0", Decimal(0)),
        (".5", Decimal("0.5")), (3, Decimal(3)), (0.25, Decimal("0.25")), ("1Ti", Decimal(2**40)),
    ],
)
def test_parse_is_exact(text, amount):
    assert parse_quantity(text) == amount


def test_sums_do_not_drift():
    assert sum((parse_quantity("100m") for _ in range(30)), Decimal(0)) == parse_quantity("3")


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "5 Gi", "1Gb", True])
def test_not_a_quantity(text):
    with pytest.raises(QuantityError):
        parse_quantity(text)


@pytest.mark.parametrize(
    ("amount", "resource", "shown"),
    [
        (Decimal("13.9"), "requests.cpu", "13900m"), (Decimal(12), "cpu", "12"),
        (Decimal(2**30 * 24), "requests.memory", "24Gi"), (Decimal(2**20 * 16640), "limits.memory", "16640Mi"),
        (Decimal(80), "pods", "80"), (Decimal(10 * 2**30), "requests.storage", "10Gi"),
        (Decimal(1000), "memory", "1000"), (Decimal("0.0005"), "requests.cpu", "0.0005"),
    ],
)
def test_format(amount, resource, shown):
    assert format_quantity(amount, resource) == shown


def test_a_label_key_may_carry_a_dns_subdomain_prefix():
    assert valid_label_key("app.kubernetes.io/name") and valid_label_key("tier")
    assert not valid_label_key("Bad_Prefix!/name") and not valid_label_key("a/" + "x" * 64) and not valid_label_key("")


def test_an_object_is_named_kind_namespace_name_or_kind_name_when_cluster_scoped():
    assert format_subject("Service", "mesh", "a") == "Service/mesh/a"
    assert subject_of({"kind": "Namespace", "metadata": {"name": "mesh"}}) == "Namespace/mesh"
    assert subject_of({"metadata": {}}) == "?/?"
