"""What dist/ asks the kubelet to run: one container of a Deployment, with its
environment resolved the way Kubernetes resolves it.

Kubernetes builds a container's environment in this order: every `envFrom`
source (later sources win), then each `env` entry in list order (overriding
envFrom). An entry's `value` may say `$(NAME)`, which is replaced by the value
NAME has so far; `$$` stands for a literal `$`, and a reference to a name not
yet defined stays as written. `command` and `args` are expanded the same way
with the finished environment. Secret values are the only thing the cluster
would supply that dist/ cannot: they come from `secrets`, a test's values.
`rewrite(name, value)` sees every literal value of dist/ before expansion:
the one place a laptop's changes apply (see laptop.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

Rewrite = Callable[[str, str], str]
_REFERENCE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


@dataclass(frozen=True)
class Probe:
    kind: str  # liveness, readiness or startup
    path: str
    port: int  # the container port the probe names, resolved


@dataclass(frozen=True)
class PodSpec:
    """One Deployment's main container as the kubelet would start it."""

    workload: str  # the Deployment's name
    command: tuple[str, ...]
    args: tuple[str, ...]
    env: dict[str, str]
    ports: dict[str, int]  # port name -> containerPort
    probes: tuple[Probe, ...]
    mounts: tuple[str, ...]  # mountPath of every volume


def read_objects(folder: Path) -> list[dict]:
    """Every Kubernetes object under a dist/<env>/ folder (kustomization files excluded)."""
    objects = []
    for path in sorted(folder.rglob("*.yaml")):
        if path.name != "kustomization.yaml":
            objects.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    return objects


def find(objects: list[dict], kind: str, name: str | None = None) -> list[dict]:
    return [o for o in objects if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' `$(VAR)` expansion: known names replaced, `$$` -> `$`, unknown names left alone."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        return env.get(match.group(1), match.group(0))

    return _REFERENCE.sub(replace, text)


def main_container(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]["containers"][0]


def pod_spec(
    objects: list[dict],
    deployment: dict,
    secrets: dict[tuple[str, str], str],
    fields: dict[str, str],
    rewrite: Rewrite = lambda name, value: value,
) -> PodSpec:
    """The first container of `deployment`; `secrets` maps (secret, key) to a value, `fields` a fieldPath to its value."""
    container = main_container(deployment)
    env: dict[str, str] = {}
    for source in (container.get("envFrom") or []):
        env.update(_env_source(objects, source, secrets, rewrite))
    for entry in (container.get("env") or []):
        value = _env_value(objects, entry, env, secrets, fields, rewrite)
        if value is not None:
            env[entry["name"]] = value
    ports = {p.get("name", str(p["containerPort"])): p["containerPort"] for p in (container.get("ports") or [])}
    return PodSpec(
        workload=deployment["metadata"]["name"],
        command=tuple(expand(part, env) for part in (container.get("command") or [])),
        args=tuple(expand(part, env) for part in (container.get("args") or [])),
        env=env,
        ports=ports,
        probes=tuple(_probes(container, ports)),
        mounts=tuple(m["mountPath"] for m in (container.get("volumeMounts") or [])),
    )


def _env_source(
    objects: list[dict], source: dict, secrets: dict[tuple[str, str], str], rewrite: Rewrite
) -> dict[str, str]:
    prefix = source.get("prefix", "")
    if "configMapRef" in source:
        return {prefix + k: rewrite(prefix + k, v) for k, v in _config_map(objects, source["configMapRef"]["name"]).items()}
    name = source["secretRef"]["name"]
    return {prefix + key: value for (secret, key), value in secrets.items() if secret == name}


def _env_value(
    objects: list[dict],
    entry: dict,
    env: dict[str, str],
    secrets: dict[tuple[str, str], str],
    fields: dict[str, str],
    rewrite: Rewrite,
) -> str | None:
    """The variable's value; None when an optional reference finds nothing (Kubernetes then leaves it unset)."""
    if "value" in entry:
        return expand(rewrite(entry["name"], str(entry["value"])), env)
    source = entry["valueFrom"]
    if "secretKeyRef" in source:
        ref = source["secretKeyRef"]
        return secrets.get((ref["name"], ref["key"])) if ref.get("optional") else secrets[(ref["name"], ref["key"])]
    if "configMapKeyRef" in source:
        ref = source["configMapKeyRef"]
        value = _config_map(objects, ref["name"]).get(ref["key"])
        return None if value is None and ref.get("optional") else rewrite(entry["name"], value)
    if "fieldRef" in source:
        return fields[source["fieldRef"]["fieldPath"]]
    raise NotImplementedError(f"env {entry['name']}: the harness does not resolve {sorted(source)}")


def _config_map(objects: list[dict], name: str) -> dict[str, str]:
    (config_map,) = find(objects, "ConfigMap", name)
    return {key: str(value) for key, value in (config_map.get("data") or {}).items()}


def _probes(container: dict, ports: dict[str, int]) -> list[Probe]:
    probes = []
    for kind in ("liveness", "readiness", "startup"):
        probe = container.get(f"{kind}Probe")
        if probe is None:
            continue
        port = probe["httpGet"]["port"]
        probes.append(Probe(kind, probe["httpGet"]["path"], ports[port] if isinstance(port, str) else port))
    return probes
