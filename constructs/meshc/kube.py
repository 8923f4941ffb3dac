"""Kubernetes' own rules, pure and in one place: quantities, names, labels, API versions and
how an object is named in messages. The model, the checks, diff and status all read them here.

Quantities: `500m`, `1.5`, `2Gi`, `1e3` and `12` all become a `Decimal`; nothing is
rounded through a float, so a quota that fits exactly still fits.
"""

from __future__ import annotations

import re
from decimal import Decimal

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
    "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"),
    "P": Decimal("1e15"), "E": Decimal("1e18"),
}
_QUANTITY = re.compile(
    r"^(?P<number>[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$"
)
# What an environment file may write: a non-negative amount without a leading zero
# (Kubernetes reads "010" as ten, YAML 1.1 tools as octal eight).
INPUT_QUANTITY = re.compile(r"^[+]?((0|[1-9][0-9]*)(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+|Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$")
LEADING_ZERO = re.compile(r"^[+]?0[0-9]")
# Resources measured in bytes are shown with binary suffixes; cpu in cores or millicores.
_BYTE_RESOURCES = ("memory", "storage", "ephemeral-storage")


class QuantityError(ValueError):
    """A value that is not a Kubernetes quantity."""


def parse_quantity(value: str | int | float) -> Decimal:
    """The exact amount of a quantity: parse_quantity("1.5Gi") == Decimal(1610612736)."""
    if isinstance(value, bool):
        raise QuantityError(f"{value!r} is not a Kubernetes quantity")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    match = _QUANTITY.match(str(value).strip())
    if not match:
        raise QuantityError(f"{value!r} is not a Kubernetes quantity")
    number = Decimal(match["number"])
    suffix = match["suffix"] or ""
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix in _DECIMAL:
        return number * _DECIMAL[suffix]
    return number * Decimal(10) ** int(suffix[1:])


def format_quantity(amount: Decimal, resource: str) -> str:
    """A readable, exact amount of a resource (`requests.cpu`, `limits.memory`, `pods`): 1500m, 3Gi, 12."""
    base = resource.rsplit(".", 1)[-1]
    if base in _BYTE_RESOURCES:
        return _format_bytes(amount)
    if base == "cpu":
        return _format_cpu(amount)
    return _plain(amount)


def _format_bytes(amount: Decimal) -> str:
    if amount == 0:
        return "0"
    for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
        if amount % _BINARY[suffix] == 0:
            return f"{_plain(amount / _BINARY[suffix])}{suffix}"
    for suffix in ("Gi", "Mi", "Ki"):
        if abs(amount) >= _BINARY[suffix]:
            return f"{_plain((amount / _BINARY[suffix]).quantize(Decimal('0.01')))}{suffix}"
    return _plain(amount)


def _format_cpu(amount: Decimal) -> str:
    if amount == amount.to_integral_value():
        return _plain(amount)
    millis = amount * 1000
    if millis == millis.to_integral_value():
        return f"{_plain(millis)}m"
    return _plain(amount)


def _plain(amount: Decimal) -> str:
    return format(amount.normalize(), "f")


# --- names and labels ---------------------------------------------------------------

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


def valid_label_key(key: str) -> bool:
    """`prefix/name` with an optional DNS-1123 subdomain prefix of at most 253 characters and a name of at most 63."""
    prefix, _, name = key.rpartition("/")
    if prefix and not (len(prefix) <= 253 and DNS1123_SUBDOMAIN.match(prefix)):
        return False
    return 0 < len(name) <= 63 and bool(_LABEL_NAME.match(name))


# --- API versions and subjects ----------------------------------------------------

def split_api_version(api_version: str) -> tuple[str, str]:
    """("apps", "v1") for apps/v1; ("", "v1") for v1."""
    group, _, version = api_version.rpartition("/")
    return group, version


def is_builtin_group(group: str) -> bool:
    """Kubernetes' own API groups: the core group, dotless groups (apps, batch) and *.k8s.io."""
    return group == "" or "." not in group or group.endswith(".k8s.io")


def format_subject(kind: str, namespace: str | None, name: str) -> str:
    """`Kind/namespace/name`, or `Kind/name` for cluster-scoped objects: how every message names an object."""
    return f"{kind}/{namespace}/{name}" if namespace else f"{kind}/{name}"


def subject_of(obj: dict) -> str:
    """`format_subject` of an object as written (a missing kind or name shows as `?`)."""
    metadata = obj.get("metadata") or {}
    return format_subject(obj.get("kind", "?"), metadata.get("namespace"), metadata.get("name", "?"))
