"""The Secrets an environment references: meshc writes none of them, someone must create each.

One list, read from the validated model, serves three readers: `validate` prints it, `status`
checks that every Secret exists with the keys named here (by key name, never by value), and
docs/secrets.md lists it per environment. Each reference names the environment keys that
point at it, so a missing Secret leads back to the line that needs it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from meshc import model
from meshc.loader import load_environments
from meshc.monitoring import GRAFANA_ADMIN_PASSWORD_KEY, GRAFANA_ADMIN_USER_KEY
from meshc.postgresql import ADMIN_PASSWORD_KEY, USER_PASSWORD_KEY

# The key kubelet reads from a pull Secret of type kubernetes.io/dockerconfigjson.
PULL_SECRET_KEY = ".dockerconfigjson"
# What Flux's source-controller reads from a GitRepository's secretRef, by URL scheme.
GIT_CREDENTIAL_KEYS = {"https": ("password", "username"), "http": ("password", "username"), "ssh": ("identity", "known_hosts")}
TLS_KEYS = ("tls.crt", "tls.key")


@dataclass(frozen=True, kw_only=True)
class SecretReference:
    """One Secret: where it must exist, the keys that must be in it, and who reads it.

    keys: the keys every pod needs (a missing one keeps it from starting).
    optional_keys: keys read only through `optional: true` references (absent is fine).
    optional: the Secret itself may be absent: every reference to it is optional.
    used_by: the environment keys that reference it (`agents.weather-agent.secretEnv.WEATHER_API_KEY`);
    an `envFrom` reference names no key: the whole Secret becomes variables.
    """

    namespace: str
    name: str
    keys: tuple[str, ...]
    optional_keys: tuple[str, ...] = ()
    optional: bool = False
    used_by: tuple[str, ...]

    def describe(self) -> str:
        parts = [f"keys {', '.join(self.keys)}" if self.keys else "any keys (envFrom)"]
        if self.optional_keys:
            parts.append(f"optional keys {', '.join(self.optional_keys)}")
        needed = "optional, " if self.optional else ""
        return f"Secret/{self.namespace}/{self.name} {needed}{'; '.join(parts)} (for {', '.join(self.used_by)})"


def referenced_secrets(spec: model.Environment) -> list[SecretReference]:
    """Every Secret the environment's enabled components read, sorted by namespace and name."""
    used: dict[tuple[str, str], set[str]] = defaultdict(set)
    required_keys: dict[tuple[str, str], set[str]] = defaultdict(set)
    optional_keys: dict[tuple[str, str], set[str]] = defaultdict(set)
    required: set[tuple[str, str]] = set()
    namespace = spec.global_.namespace

    def need(name: str, keys: tuple[str, ...], used_by: str, where: str = namespace, *, optional: bool = False) -> None:
        used[(where, name)].add(used_by)
        (optional_keys if optional else required_keys)[(where, name)].update(keys)
        if not optional:
            required.add((where, name))

    workloads = [("registry", spec.registry)] if spec.registry.enabled else []
    workloads += [(f"agents.{name}", agent) for name, agent in spec.enabled_agents().items()]
    if workloads:
        for pull_secret in spec.global_.image_pull_secrets:
            need(pull_secret, (PULL_SECRET_KEY,), "global.imagePullSecrets")
    for path, workload in workloads:
        if workload.ingress.enabled and workload.ingress.tls_secret_name:
            need(workload.ingress.tls_secret_name, TLS_KEYS, f"{path}.ingress.tlsSecretName")
    database = spec.registry.database
    if spec.registry.enabled and isinstance(database, model.PostgresDatabase):
        for used_by, ref in (("urlSecret", database.url_secret), ("passwordSecret", database.password_secret)):
            if ref is not None:
                need(ref.secret, (ref.key,), f"registry.database.{used_by}")
    for name, agent in spec.enabled_agents().items():
        for variable, ref in agent.secret_env.items():
            need(ref.secret, (ref.key,), f"agents.{name}.secretEnv.{variable}", optional=ref.optional)
    for path, workload in workloads:
        for index, source in enumerate(workload.env_from):
            if source.secret:
                need(source.secret, (), f"{path}.envFrom[{index}]", optional=source.optional)
    if spec.postgresql.enabled:
        need(spec.postgresql.auth.existing_secret, (ADMIN_PASSWORD_KEY, USER_PASSWORD_KEY), "postgresql.auth.existingSecret")
    if spec.monitoring.grafana.enabled:
        need(spec.monitoring.grafana.admin_secret, (GRAFANA_ADMIN_USER_KEY, GRAFANA_ADMIN_PASSWORD_KEY), "monitoring.grafana.adminSecret")
    gitops = spec.gitops
    if gitops is not None and gitops.secret_ref:
        scheme = gitops.url.split("://", 1)[0]
        need(gitops.secret_ref, GIT_CREDENTIAL_KEYS[scheme], "gitops.secretRef", spec.flux.namespace)
    return [
        SecretReference(
            namespace=where,
            name=name,
            keys=tuple(sorted(required_keys[(where, name)])),
            optional_keys=tuple(sorted(optional_keys[(where, name)] - required_keys[(where, name)])),
            optional=(where, name) not in required,
            used_by=tuple(sorted(used[(where, name)])),
        )
        for where, name in sorted(used)
    ]


def render_text(environment: str, references: list[SecretReference]) -> str:
    """The list as `validate` prints it: one line per Secret; empty when there is none."""
    if not references:
        return ""
    lines = [f"{environment}: Secrets to create before Flux applies it (meshc writes none):"]
    lines += [f"  {reference.describe()}" for reference in references]
    return "\n".join(lines)


def describe_environments(environments_dir: Path, names: list[str]) -> str:
    """The lists of every named environment (all when empty) that references a Secret, as `validate` prints them."""
    texts = (render_text(loaded.name, referenced_secrets(loaded.model)) for loaded in load_environments(environments_dir, names))
    return "\n".join(text for text in texts if text)


def render_markdown(environments_dir: Path) -> str:
    """docs/secrets.md: per environment, every Secret to create, its keys and who reads it."""
    lines = [
        "# Secrets each environment references",
        "",
        "Generated by `python main.py schema` from `environments/`; do not edit. meshc writes no Secret:",
        "create each one before Flux applies the environment (for example with SOPS or External Secrets).",
        "`python main.py validate` prints the same list, and `python main.py status` checks that each",
        "Secret exists with these keys (by key name; values are never read out).",
    ]
    for loaded in load_environments(environments_dir, []):
        lines += ["", f"## {loaded.name}", ""]
        references = referenced_secrets(loaded.model)
        if not references:
            lines.append("References no Secrets.")
            continue
        lines += ["| Namespace | Secret | Keys | Referenced by |", "| --- | --- | --- | --- |"]
        lines += [f"| {r.namespace} | `{r.name}`{' (optional)' if r.optional else ''} | {_markdown_keys(r)} | "
                  f"{', '.join(f'`{u}`' for u in r.used_by)} |" for r in references]
    return "\n".join(lines) + "\n"


def _markdown_keys(reference: SecretReference) -> str:
    keys = [f"`{k}`" for k in reference.keys] + [f"`{k}` (optional)" for k in reference.optional_keys]
    return ", ".join(keys) or "any (envFrom)"


def write_markdown(root: Path) -> Path:
    path = root / "docs" / "secrets.md"
    path.write_text(render_markdown(root / "environments"))
    return path
