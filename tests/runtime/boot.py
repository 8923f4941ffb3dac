"""Boot one environment's dist/ on the real MCP Mesh runtime and record what it does.

The registry Deployment runs the real registry binary and every agent
Deployment a stand-in written with the real SDK, each with exactly the
environment its container gets from dist/ (after the rewrites of laptop.py),
each on its own pod address. `boot` returns what an observer sees: the
registry's `GET /agents`, every probe's HTTP status, the registry's log and,
on PostgreSQL, the tables it created. Assertions live in the tests.
"""

from __future__ import annotations

import json
import shutil
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, parse_qs, quote, unquote, urlsplit

from runtime.laptop import Cluster, Pod, service_ports
from runtime.pod_spec import PodSpec, find, main_container, pod_spec, read_objects
from runtime.postgres import PORT as POSTGRES_PORT
from runtime.postgres import Postgres
from runtime.processes import ProcessGroup, Started

COMPONENT = "app.kubernetes.io/component"
INSTANCE = "app.kubernetes.io/instance"
EXTERNAL_DATABASE = ("meshc", "meshc")  # (user, database) of the stand-in for an external database
STAND_IN = Path(__file__).with_name("stand_in_agent.py")
TLS_FRONT = Path(__file__).with_name("tls_front.py")
TLS_FRONT_READY_SECONDS = 10.0


@dataclass(frozen=True)
class Runtime:
    """The real MCP Mesh parts: the registry binary, the SDK's Python, PostgreSQL's binaries."""

    registry: Path
    python: Path
    postgres: Path


@dataclass(frozen=True)
class AgentPlan:
    name: str  # the environment's agent key: the stand-in's @mesh.agent(name=...)
    capabilities: tuple[str, ...]
    dependencies: tuple[str, ...]


@dataclass
class Booted:
    environment: str
    password: str
    pods: dict[str, PodSpec] = field(default_factory=dict)  # workload -> its container as started
    addresses: dict[str, str] = field(default_factory=dict)  # workload -> pod address
    processes: dict[str, Started] = field(default_factory=dict)
    agents: list[dict] = field(default_factory=list)  # the registry's GET /agents
    probes: dict[tuple[str, str], int | str] = field(default_factory=dict)  # (workload, kind) -> status or error
    endpoints: dict[str, int | str] = field(default_factory=dict)  # agent name -> GET <its endpoint>/livez
    tables: list[str] | None = None  # on PostgreSQL: the tables the registry created
    database_tls_sessions: int = 0  # TLS sessions the external database's TLS front opened
    error: str = ""  # why the boot stopped early, with the process output

    def registry_log(self) -> str:
        return self.processes["registry"].output() if "registry" in self.processes else ""


def http_status(url: str, timeout: float = 2.0) -> int | str:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError as error:
        return f"{type(error).__name__}: {error}"


def deployments(objects: list[dict], component: str) -> list[dict]:
    return [d for d in find(objects, "Deployment") if d["metadata"]["labels"].get(COMPONENT) == component]


class MeshBoot:
    """One environment booting: its pods, Services, secrets and processes."""

    def __init__(self, runtime: Runtime, dist: Path, plans: dict[str, AgentPlan], cluster: Cluster,
                 group: ProcessGroup, scratch: Path, password: str, label: str = ""):
        self.runtime, self.cluster, self.group, self.scratch = runtime, cluster, group, scratch
        self.label = label or dist.name  # names the processes' logs
        self.objects = read_objects(dist)
        self.plans = plans
        self.booted = Booted(dist.name, password)
        self.postgres: Postgres | None = None
        self.database: tuple[str, str] | None = None  # (user, database) the registry logs in as
        self.tls_front: Started | None = None
        self._wire_services()

    def boot(self, deadline: float) -> Booted:
        try:
            self._start_database()
            self._start("registry", deployments(self.objects, "registry")[0])
            self._await_probes(["registry"], deadline)
            for deployment in deployments(self.objects, "agent"):
                if deployment["metadata"]["labels"][INSTANCE] in self.plans:
                    self._start(deployment["metadata"]["name"], deployment)
            self._await_mesh(deadline)
            self._observe()
        except BootFailed as failure:
            self.booted.error = str(failure)
        return self.booted

    def cleanup(self) -> None:
        if self.postgres:
            self.postgres.remove()
        shutil.rmtree(self.scratch, ignore_errors=True)

    # --- cluster stand-ins ----------------------------------------------------------

    def _wire_services(self) -> None:
        for service in find(self.objects, "Service"):
            selector = service["spec"].get("selector") or {}
            for deployment in find(self.objects, "Deployment"):
                labels = deployment["spec"]["template"]["metadata"]["labels"]
                if selector and all(labels.get(k) == v for k, v in selector.items()):
                    ports = {p.get("name", str(p["containerPort"])): p["containerPort"]
                             for p in main_container(deployment).get("ports", [])}
                    self.cluster.add_service(service["metadata"]["name"], service["metadata"]["namespace"],
                                             deployment["metadata"]["name"], service_ports(service, ports))

    def _database_release(self) -> dict | None:
        releases = [r for r in find(self.objects, "HelmRelease") if r["metadata"]["labels"].get(COMPONENT) == "database"]
        return releases[0] if releases else None

    def _registry_database_from_secret(self) -> bool:
        registry = main_container(deployments(self.objects, "registry")[0])
        return any(e["name"] == "DATABASE_URL" and "secretKeyRef" in e.get("valueFrom", {}) for e in registry.get("env", []))

    def _database_url_by_host(self) -> SplitResult | None:
        """A literal postgres:// DATABASE_URL whose host names no Service: an external database by host."""
        registry = main_container(deployments(self.objects, "registry")[0])
        value = next((e.get("value") for e in registry.get("env", []) if e["name"] == "DATABASE_URL"), None) or ""
        url = urlsplit(value)
        return url if url.scheme in ("postgres", "postgresql") and url.hostname not in self.cluster.services else None

    def _start_database(self) -> None:
        release = self._database_release()
        by_host = None if release else self._database_url_by_host()
        if release is None and by_host is None and not self._registry_database_from_secret():
            return
        pod = f"{release['metadata']['name']}-0" if release else "external-database"
        self.postgres = Postgres.create(self.runtime.postgres, self.cluster.address_of(pod))
        if release:
            values = release["spec"]["values"]
            service = values.get("fullnameOverride", release["spec"].get("releaseName", release["metadata"]["name"]))
            self.cluster.add_service(service, release["metadata"]["namespace"], pod, {POSTGRES_PORT: POSTGRES_PORT})
            self.database = (values["auth"]["username"], values["auth"]["database"])
        elif by_host:
            self.database = (unquote(by_host.username), unquote(by_host.path.lstrip("/")))
            self._serve_external_host(by_host)
        else:
            self.database = EXTERNAL_DATABASE
        try:
            self.postgres.start(self.group, f"{self.label}-postgres")
            user, database = self.database
            self.postgres.add_database(user, self.booted.password, database)
        except RuntimeError as error:
            raise BootFailed(f"PostgreSQL: {error}") from error

    def _serve_external_host(self, url: SplitResult) -> None:
        """The external database's host leads to the stand-in PostgreSQL, through a TLS front when
        the URL asks for TLS (lib/pq's default, require) since the embedded server has none."""
        port = url.port or POSTGRES_PORT
        sslmode = parse_qs(url.query).get("sslmode", ["require"])[0]
        if sslmode == "disable":
            self.cluster.add_external_host(url.hostname, self.postgres.address, {port: POSTGRES_PORT})
            return
        if sslmode != "require":
            raise BootFailed(f"external database: sslmode={sslmode} checks a certificate the laptop's stand-in cannot present")
        front = self.cluster.address_of("external-database-tls")
        self.tls_front = started = self.group.start(f"{self.label}-database-tls", [
            str(self.runtime.python), "-P", str(TLS_FRONT), front, str(port), self.postgres.address, str(POSTGRES_PORT),
        ], env={})
        self.cluster.add_external_host(url.hostname, front, {port: port})
        deadline = time.monotonic() + TLS_FRONT_READY_SECONDS
        while "TLS front on" not in started.output():
            if not started.running() or time.monotonic() > deadline:
                raise BootFailed(f"the TLS front of the external database did not start:\n{started.output()}")
            time.sleep(0.1)

    def _secrets(self, deployment: dict) -> dict[tuple[str, str], str]:
        """Every Secret reference of the container, filled with a test value."""
        env = main_container(deployment).get("env", [])
        password_apart = any(e["name"] == "PGPASSWORD" for e in env)
        values = {}
        for entry in env:
            ref = entry.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                values[(ref["name"], ref["key"])] = (
                    self._external_database_url(password_apart) if entry["name"] == "DATABASE_URL" else self.booted.password
                )
        return values

    def _external_database_url(self, password_apart: bool) -> str:
        """What a user stores as the URL of an external database: the password in it, percent-encoded,
        unless the container reads the password apart (PGPASSWORD)."""
        user, database = EXTERNAL_DATABASE
        login = user if password_apart else f"{user}:{quote(self.booted.password, safe='')}"
        return f"postgres://{login}@{self.postgres.address}:{POSTGRES_PORT}/{database}?sslmode=disable"

    # --- processes --------------------------------------------------------------------

    def _start(self, name: str, deployment: dict) -> Started:
        workload = deployment["metadata"]["name"]
        address = self.cluster.address_of(workload)
        scratch = self.scratch / workload
        scratch.mkdir(parents=True, exist_ok=True)
        container = main_container(deployment)
        pod = Pod(self.cluster, address, scratch, tuple(m["mountPath"] for m in (container.get("volumeMounts") or [])))
        for mount in pod.mounts:
            (scratch / mount.lstrip("/")).mkdir(parents=True, exist_ok=True)
        fields = {"metadata.name": f"{workload}-laptop", "metadata.namespace": deployment["metadata"]["namespace"],
                  "status.podIP": address}
        spec = pod_spec(self.objects, deployment, self._secrets(deployment), fields, pod.rewrite)
        self.booted.pods[name], self.booted.addresses[name] = spec, address
        process = self.group.start(f"{self.label}-{name}", self._argv(name, deployment, spec),
                                   env=spec.env, cwd=scratch)
        self.booted.processes[name] = process
        return process

    def _argv(self, name: str, deployment: dict, spec: PodSpec) -> list[str]:
        if name == "registry":
            if spec.command:
                raise BootFailed(f"registry: dist/ replaces the image's entrypoint with {spec.command}; "
                                 "the harness runs only the registry binary")
            return [str(self.runtime.registry), *spec.args]
        plan = self.plans[deployment["metadata"]["labels"][INSTANCE]]
        # -P: the stand-in's folder stays off sys.path, so nothing here shadows the SDK.
        return [str(self.runtime.python), "-P", str(STAND_IN), plan.name,
                *[f"--capability={c}" for c in plan.capabilities], *[f"--dependency={d}" for d in plan.dependencies]]

    # --- waiting and observing --------------------------------------------------------

    def _probe_all(self, names: list[str]) -> dict[tuple[str, str], int | str]:
        return {(name, probe.kind): http_status(f"http://{self.booted.addresses[name]}:{probe.port}{probe.path}")
                for name in names for probe in self.booted.pods[name].probes}

    def _await_probes(self, names: list[str], deadline: float) -> None:
        while True:
            for name in names:
                if not self.booted.processes[name].running():
                    raise BootFailed(f"{name} exited:\n{self.booted.processes[name].output()}")
            if all(status == 200 for status in self._probe_all(names).values()):
                return
            if time.monotonic() > deadline:
                raise BootFailed(f"probes of {names} did not all answer 200 in time: {self._probe_all(names)}")
            time.sleep(0.2)

    def _await_mesh(self, deadline: float) -> None:
        """Until every probe answers 200 and the registry has settled, a process exits, or the deadline."""
        names = list(self.booted.processes)
        while time.monotonic() < deadline and all(p.running() for p in self.booted.processes.values()):
            if all(status == 200 for status in self._probe_all(names).values()) and self._settled():
                return
            time.sleep(0.3)

    def _settled(self) -> bool:
        """The registry lists every agent at an endpoint that answers, and has resolved every
        dependency some listed agent offers.

        Agents register concurrently; one registered before its provider sees the
        dependency resolved only at a later heartbeat. On a loaded machine an agent's
        server may still be mounting its routes when it first registers."""
        listed = self._registry_agents()
        offered = {c["name"] for agent in listed for c in agent["capabilities"] or []}
        return set(self.plans) <= {agent["name"] for agent in listed} and all(
            (r["status"] == "available") == (r["capability"] in offered)
            for agent in listed for r in agent.get("dependency_resolutions") or []
        ) and all(http_status(f"{agent['endpoint']}/livez") == 200 for agent in listed)

    def _registry_agents(self) -> list[dict]:
        port = next(iter(self.booted.pods["registry"].ports.values()))
        url = f"http://{self.booted.addresses['registry']}:{port}/agents"
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.load(response).get("agents") or []

    def _observe(self) -> None:
        self.booted.probes = self._probe_all(list(self.booted.processes))
        self.booted.agents = self._registry_agents()
        self.booted.endpoints = {a["name"]: http_status(f"{a['endpoint']}/livez") for a in self.booted.agents}
        if self.postgres and self.database:
            self.booted.tables = self.postgres.tables(self.database[0], self.booted.password, self.database[1])
        if self.tls_front:
            self.booted.database_tls_sessions = self.tls_front.output().count("TLS session opened")


class BootFailed(Exception):
    """The environment did not come up; the message says where and carries the process output."""
