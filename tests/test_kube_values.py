"""meshc.kube_values: values Kubernetes, Flux or an image registry would refuse after the merge
are refused first, with the value as written."""

from __future__ import annotations

import pytest

from meshc.kube_values import check_cidr, check_registry, check_repository, check_repository_path, check_tag, strict_subnet

SHA = "0123456789abcdef" * 4

ACCEPTED = [
    (check_repository, "mcpmesh/registry"),
    (check_repository, "ghcr.io/dhyansraj/mcp-mesh"),
    (check_repository, "localhost:5000/team/agent"),
    (check_repository, "a__b/c--d/e.f"),
    (check_tag, "3.6"),
    (check_tag, "v1.0.0-rc_1"),
    (check_tag, f"3.6@sha256:{SHA}"),
    (check_registry, ""),
    (check_registry, "myregistry.io"),
    (check_registry, "myregistry.io:5000/team/"),
    (check_registry, "[::1]:5000"),
    (check_cidr, "0.0.0.0/0"),
    (check_cidr, "10.20.0.0/16"),
    (check_cidr, "fd00::/8"),
    (check_repository_path, "./dist/prod"),
]

REFUSED = [
    (check_repository, "my agent", "'my agent' is not a valid image repository"),
    (check_repository, "Acme/weather", "(image names are lower case)"),
    (check_repository, "acme//weather", "'' must be lower-case letters and digits"),
    (check_repository, "-acme", "'-acme' must be lower-case"),
    (check_repository, "a" * 256, "at most 255 characters"),
    (check_tag, "1.0+build", "'1.0+build' is not a valid image tag"),
    (check_tag, ".hidden", "not starting with '.' or '-'"),
    (check_tag, "t" * 129, "at most 128"),
    (check_tag, "3.6@sha256:abc", "malformed digest"),
    (check_tag, f"3.6@sha256:{SHA.upper()}", "64 lower-case hex digits"),
    (check_tag, f"sha256:{SHA}", "is not a valid image tag"),
    (check_registry, "https://ghcr.io", "write the host without a scheme, such as 'ghcr.io'"),
    (check_registry, "my registry", "expected a host name with an optional port"),
    (check_registry, "myregistry.io/Team", "'myregistry.io/Team' is not a valid registry"),
    (check_cidr, "10.0.0.0/33", "'10.0.0.0/33' is not a CIDR"),
    (check_cidr, "internet", "is not a CIDR"),
    (check_cidr, "10.0.0.0", "is not a CIDR"),
    (check_cidr, "10.0.0.0/255.0.0.0", "is not a CIDR"),
    (check_cidr, "010.0.0.0/8", "is not a CIDR"),
    (check_cidr, "10.0.0.0/08", "is not a CIDR"),
    (check_cidr, "10.1.0.0/8", "did you mean '10.0.0.0/8'?"),
    (check_repository_path, "./dist/../../etc", "leaves the repository"),
    (check_repository_path, "./dist\\..\\..", "leaves the repository"),
]


@pytest.mark.parametrize(("check", "value"), ACCEPTED, ids=[v or "empty" for _, v in ACCEPTED])
def test_accepted(check, value):
    assert check(value) == value


@pytest.mark.parametrize(("check", "value", "says"), REFUSED, ids=[v[:40] for _, v, _ in REFUSED])
def test_refused_with_the_value_as_written(check, value, says):
    with pytest.raises(ValueError) as error:
        check(value)
    assert says in str(error.value)


@pytest.mark.parametrize(("inner", "outer", "inside"), [
    ("10.1.0.0/16", "10.0.0.0/8", True),
    ("10.0.0.0/8", "10.0.0.0/8", False),
    ("192.168.0.0/16", "10.0.0.0/8", False),
    ("fd00::/16", "10.0.0.0/8", False),
])
def test_an_exception_lies_strictly_inside_its_range(inner, outer, inside):
    assert strict_subnet(inner, outer) is inside
