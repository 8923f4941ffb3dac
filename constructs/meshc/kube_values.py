"""Values that Kubernetes, Flux or an image registry parse after the merge: checked here, so a
value they would refuse is an error at its key before anything is written.

- Image references follow the OCI distribution reference grammar (the one containerd and
  every registry use): a lower-case repository path, a tag of at most 128 characters with an
  optional `@algorithm:hex` digest, a registry host without a scheme.
- Counts are int32, as the Kubernetes API declares them (replicas, HPA bounds, minAvailable).
- CIDRs are written in canonical form, as NetworkPolicy `ipBlock` takes them.
- Repository paths stay inside the repository.
- A Kubernetes version is one whose API schemas meshc ships (through kubernetes-validate).

Each message shows the value as the user wrote it.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated

from pydantic import AfterValidator, Field

INT32_MAX = 2**31 - 1

_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*")
_HOST = re.compile(
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[a-fA-F0-9:]+\])"
    r"(?::[0-9]+)?"
)
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_DIGEST = re.compile(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+")
_DIGEST_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_MAX_NAME = 255
_CIDR = re.compile(r"[0-9a-fA-F:.]+/(0|[1-9][0-9]{0,2})")


def _check_path(path: str, value: str, what: str) -> None:
    for component in path.split("/"):
        if not _PATH_COMPONENT.fullmatch(component):
            lower = " (image names are lower case)" if component.lower() != component else ""
            raise ValueError(
                f"{value!r} is not a valid {what}: {component!r} must be lower-case letters and digits, "
                f"separated by '.', '_', '__' or '-'{lower}"
            )


def check_repository(value: str) -> str:
    """`mcpmesh/registry`, or with a registry host in front: `ghcr.io/org/image`."""
    if len(value) > _MAX_NAME:
        raise ValueError(f"an image name has at most {_MAX_NAME} characters, got {len(value)}")
    first, _, rest = value.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        check_registry(first)
        _check_path(rest, value, "image repository")
    else:
        _check_path(value, value, "image repository")
    return value


def check_registry(value: str) -> str:
    """A registry host with an optional port and path, such as `ghcr.io`, `myregistry.io:5000/team`;
    empty for Docker Hub."""
    if value == "":
        return value
    if "://" in value:
        raise ValueError(f"{value!r} is not a registry: write the host without a scheme, such as {value.split('://', 1)[1]!r}")
    host, _, path = value.rstrip("/").partition("/")
    if not _HOST.fullmatch(host):
        raise ValueError(f"{value!r} is not a registry: expected a host name with an optional port, such as ghcr.io or myregistry.io:5000")
    if path:
        _check_path(path, value, "registry")
    return value


def check_tag(value: str) -> str:
    """`3.6`, or a tag pinned to a digest: `3.6@sha256:<64 hex digits>`."""
    tag, at, digest = value.partition("@")
    if not _TAG.fullmatch(tag):
        raise ValueError(
            f"{value!r} is not a valid image tag: letters, digits, '_', '.' and '-', at most 128, not starting with '.' or '-'"
        )
    if at:
        algorithm = digest.partition(":")[0]
        expected = _DIGEST_LENGTHS.get(algorithm)
        encoded = digest.partition(":")[2]
        if not _DIGEST.fullmatch(digest) or (expected and not re.fullmatch(f"[a-f0-9]{{{expected}}}", encoded)):
            size = f" ({expected} lower-case hex digits after '{algorithm}:')" if expected else ""
            raise ValueError(f"{value!r} has a malformed digest: expected algorithm:hex, such as sha256:<64 hex digits>{size}")
    return value


def check_cidr(value: str) -> str:
    """An IPv4 or IPv6 range in canonical form (no host bits set), as NetworkPolicy ipBlock needs."""
    try:
        if not _CIDR.fullmatch(value):
            raise ValueError(value)
        interface = ipaddress.ip_interface(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a CIDR: expected an address and a prefix length, such as 10.0.0.0/8 or fd00::/8") from None
    if interface.ip != interface.network.network_address:
        raise ValueError(f"{value!r} has bits set after the prefix; did you mean {str(interface.network)!r}?")
    return value


def strict_subnet(inner: str, outer: str) -> bool:
    """Whether CIDR `inner` lies inside CIDR `outer` and is smaller (both already checked)."""
    small, large = ipaddress.ip_network(inner), ipaddress.ip_network(outer)
    return small.version == large.version and small != large and small.subnet_of(large)


def check_repository_path(value: str) -> str:
    """A `./`-relative folder of the Git repository that never climbs out of it."""
    if ".." in value.split("/") or "\\" in value:
        raise ValueError(f"{value!r} leaves the repository; give a folder inside it, such as ./dist/<env>")
    return value


ImageRepository = Annotated[str, Field(min_length=1), AfterValidator(check_repository)]
ImageTag = Annotated[str, Field(min_length=1), AfterValidator(check_tag)]
ImageRegistry = Annotated[str, AfterValidator(check_registry)]
Cidr = Annotated[str, AfterValidator(check_cidr)]
RepositoryPath = Annotated[str, Field(pattern=r"^\./"), AfterValidator(check_repository_path)]


def supported_kubernetes_versions() -> list[str]:
    """The Kubernetes minor versions kubernetes-validate ships schemas for ("1.25", ...), oldest first."""
    from kubernetes_validate.utils import all_versions, major_minor  # a second to import; only a validation needs it

    return sorted({major_minor(v) for v in all_versions()}, key=lambda v: tuple(int(p) for p in v.split(".")))
