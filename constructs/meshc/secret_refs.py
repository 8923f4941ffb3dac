"""The Secrets an environment references: meshc writes none of them, someone must create each.

One list, read from the validated model, serves three readers: `validate` prints it, `status`
checks that every Secret exists with the keys named here (by key name, never by value), and
docs/secrets.md lists it per environment. Each reference names the environment keys that
point at it, so a missing Secret leads back to the line that needs it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from meshc import model
from meshc.monitoring import GRAFANA_ADMIN_PASSWORD_KEY, GRAFANA_ADMIN_USER_KEY
from meshc.postgresql import ADMIN_PASSWORD_KEY, USER_PASSWORD_KEY

# The key kubelet reads from a pull Secret of type kubernetes.io/dockerconfigjson.
PULL_SECRET_KEY = ".dockerconfigjson"
# What Flux's source-controller reads from a GitRepository's secretRef, by URL scheme.
GIT_CREDENTIAL_KEYS = {"https": ("password", "username"), "http": ("password", "username"), "ssh": ("identity", "known_hosts")}
TLS_KEYS = ("tls.crt", "tls.key")


@dataclass(frozen=True)
class SecretReference:
    """One Secret: where it must exist, the keys that must be in it, and who reads it.

    used_by: the environment keys that reference it (`agents.weather-agent.secretEnv.WEATHER_API_KEY`).
    """

    namespace: str
    name: str
    keys: tuple[str, ...]
    used_by: tuple[str, ...]

    def describe(self) -> str:
        return f"Secret/{self.namespace}/{self.name} keys {', '.join(self.keys)} (for {', '.join(self.used_by)})"


def referenced_secrets(spec: model.Environment) -> list[SecretReference]:
    """Every Secret the environment's enabled components read, sorted by namespace and name."""
    found: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    namespace = spec.global_.namespace

    def need(name: str, keys: tuple[str, ...], used_by: str, where: str = namespace) -> None:
        for key in keys:
            found[(where, name)][key].add(used_by)

    workloads = [("registry", spec.registry)] if spec.registry.enabled else []
    workloads += [(f"agents.{name}", agent) for name, agent in spec.enabled_agents().items()]
    if workloads:
        for pull_secret in spec.global_.image_pull_secrets:
            need(pull_secret, (PULL_SECRET_KEY,), "global.imagePullSecrets")
    for path, workload in workloads:
        if workload.ingress.enabled and workload.ingress.tls_secret_name:
            need(workload.ingress.tls_secret_name, TLS_KEYS, f"{path}.ingress.tlsSecretName")
    if spec.registry.enabled and isinstance(spec.registry.database, model.PostgresDatabase) and spec.registry.database.url_secret:
        ref = spec.registry.database.url_secret
        need(ref.secret, (ref.key,), "registry.database.urlSecret")
    for name, agent in spec.enabled_agents().items():
        for variable, ref in agent.secret_env.items():
            need(ref.secret, (ref.key,), f"agents.{name}.secretEnv.{variable}")
    if spec.postgresql.enabled:
        need(spec.postgresql.auth.existing_secret, (ADMIN_PASSWORD_KEY, USER_PASSWORD_KEY), "postgresql.auth.existingSecret")
    if spec.monitoring.grafana.enabled:
        need(spec.monitoring.grafana.admin_secret, (GRAFANA_ADMIN_USER_KEY, GRAFANA_ADMIN_PASSWORD_KEY), "monitoring.grafana.adminSecret")
    gitops = spec.gitops
    if gitops is not None and gitops.secret_ref:
        scheme = gitops.url.split("://", 1)[0]
        need(gitops.secret_ref, GIT_CREDENTIAL_KEYS[scheme], "gitops.secretRef", spec.flux.namespace)
    return [
        SecretReference(where, name, tuple(sorted(keys)), tuple(sorted(set().union(*keys.values()))))
        for (where, name), keys in sorted(found.items())
    ]


def render_text(environment: str, references: list[SecretReference]) -> str:
    """The list as `validate` prints it: one line per Secret."""
    if not references:
        return f"{environment}: references no Secrets"
    lines = [f"{environment}: Secrets to create before Flux applies it (meshc writes none):"]
    lines += [f"  {reference.describe()}" for reference in references]
    return "\n".join(lines)
