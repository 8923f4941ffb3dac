"""What the registry and agent containers run with, derived once for both render modes.

Manifests mode writes these values into its ConfigMaps and env lists;
helmrelease mode passes the chart keys that make the 3.6 charts render the same
values (../shared/reference/mcp-mesh-charts.md §3.2, §4.2; confirmed with
`helm template` of the 3.6.0 charts). Env entries are plain Kubernetes-shaped dicts,
so HelmRelease values take them as they are. What a chart cannot be made to
render is refused by the `charts` check.
"""

from __future__ import annotations

from dataclasses import dataclass

from meshc import model

# Every agent ConfigMap of the agent chart holds these, with no value key to change them.
AGENT_RUNTIME_DEFAULTS = {
    "MCP_MESH_ENABLED": "true",
    "MCP_MESH_AUTO_RUN": "true",
    "MCP_MESH_AUTO_RUN_INTERVAL": "5",
    "MCP_MESH_HEALTH_INTERVAL": "5",
    "MCP_MESH_DYNAMIC_UPDATES": "true",
    "MCP_MESH_UPDATE_STRATEGY": "immediate",
    # The mesh's own namespace (agents see only their namespace's agents), not the Kubernetes one.
    "MCP_MESH_NAMESPACE": "default",
}
# The agent chart adds these for a Python runtime: unbuffered print(), and /app/lib importable.
PYTHON_RUNTIME_ENV = {
    "PYTHONUNBUFFERED": "1",
    "PYTHONPATH": "/app/lib:/app/agents",
    "UVICORN_WORKERS": "1",
    "UVICORN_LOOP": "auto",
    "UVICORN_LIFESPAN": "on",
}
# Tracing needs a Redis and a Tempo the environment does not run.
TRACING_ENV = {"MCP_MESH_DISTRIBUTED_TRACING_ENABLED": "false"}
# The SDK's own default for REDIS_URL (_mcp_mesh/engine/http_wrapper.py, SDK 3.8.0), which
# manifests mode gets by leaving the variable out. The agent chart always writes one, by
# default the `mcp-core-*` umbrella chart's Redis, a Service that does not exist here.
SDK_DEFAULT_REDIS_URL = "redis://localhost:6379"
# Heartbeat timing agents rely on (MCP Mesh 3.6 defaults): stale after 20 s,
# evicted after 60 s, checked every 10 s.
REGISTRY_HEARTBEAT_ENV = {
    "DEFAULT_TIMEOUT_THRESHOLD": "20",
    "DEFAULT_EVICTION_THRESHOLD": "60",
    "HEALTH_CHECK_INTERVAL": "10",
}


def is_python(image: model.Image) -> bool:
    """The agent chart's rule (no `agent.runtime` given): the image repository names python."""
    return "python" in image.repository


def logging_env(level: model.LogLevel) -> dict[str, str]:
    return {"MCP_MESH_LOG_LEVEL": level, "MCP_MESH_DEBUG_MODE": str(level == "DEBUG").lower()}


def agent_config(
    *, registry_url: str, registry_host: str, registry_port: int, advertised_host: str, port: int,
    image: model.Image, log_level: model.LogLevel,
) -> dict[str, str]:
    """An agent's ConfigMap: the keys the agent chart renders that the runtime reads."""
    return {
        "MCP_MESH_REGISTRY_URL": registry_url,
        "MCP_MESH_REGISTRY_HOST": registry_host,
        "MCP_MESH_REGISTRY_PORT": str(registry_port),
        "MCP_MESH_HTTP_ENABLED": "true",
        "MCP_MESH_HTTP_HOST": advertised_host,
        "MCP_MESH_HTTP_PORT": str(port),
        "HOST": "0.0.0.0",
        **AGENT_RUNTIME_DEFAULTS,
        **logging_env(log_level),
        **TRACING_ENV,
        **(PYTHON_RUNTIME_ENV if is_python(image) else {}),
    }


def agent_chart_values(log_level: model.LogLevel) -> dict:
    """Agent chart keys that make its ConfigMap match `agent_config`."""
    return {
        "mesh": {"logLevel": log_level, "debug": log_level == "DEBUG"},
        # A string: the chart writes `enabled | default true`, and a boolean false counts as unset.
        "observability": {"distributedTracing": {"enabled": "false", "redisUrl": SDK_DEFAULT_REDIS_URL}},
    }


def registry_config(name: str, port: int, log_level: model.LogLevel) -> dict[str, str]:
    """The registry's ConfigMap: the keys the registry chart renders that the binary reads."""
    return {
        "HOST": "0.0.0.0",
        "PORT": str(port),
        "REGISTRY_NAME": name,
        **REGISTRY_HEARTBEAT_ENV,
        **logging_env(log_level),
        **TRACING_ENV,
    }


def registry_chart_values(name: str, port: int, log_level: model.LogLevel) -> dict:
    """Registry chart keys (under `registry`) that make its ConfigMap match `registry_config`."""
    return {
        "name": name,
        "port": port,
        # `debug` is a string: the chart writes `debug | default "true"`.
        "logging": {"level": log_level, "debug": logging_env(log_level)["MCP_MESH_DEBUG_MODE"]},
        "observability": {"distributedTracing": {"enabled": False}},
    }


@dataclass(frozen=True)
class PostgresConnection:
    """A PostgreSQL database the registry logs in to, known field by field: another
    release of the same environment, or an external database given by host."""

    host: str
    port: int
    database: str
    username: str
    password: model.SecretKeyRef
    # The environment's own release serves no TLS.
    sslmode: model.SslMode = "disable"

    @property
    def url(self) -> str:
        """DATABASE_URL without the password, spelt as the registry chart spells it
        (`user:@host`, an empty password, which lib/pq skips for PGPASSWORD)."""
        return f"postgres://{self.username}:@{self.host}:{self.port}/{self.database}?sslmode={self.sslmode}"


def registry_database_connection(
    database: model.SqliteDatabase | model.PostgresDatabase, postgres: PostgresConnection | None
) -> PostgresConnection | None:
    """The database the registry logs in to, when meshc knows it field by field (not sqlite,
    not a urlSecret): the external database given by host, else the environment's release."""
    if isinstance(database, model.SqliteDatabase) or database.url_secret is not None:
        return None
    if database.host is not None:
        return PostgresConnection(
            host=database.host,
            port=database.port,
            database=database.database,
            username=database.username,
            password=database.password_secret,
            sslmode=database.sslmode,
        )
    if postgres is None:
        raise ValueError("a postgres registry without an external database needs the environment's PostgreSQL release")
    return postgres


# --- env entries ------------------------------------------------------------------


def value_env(name: str, value: str) -> dict:
    return {"name": name, "value": value}


def downward_env(name: str, field_path: str) -> dict:
    """A field of the pod itself (its name, namespace, IP)."""
    return {"name": name, "valueFrom": {"fieldRef": {"fieldPath": field_path}}}


def secret_env(name: str, ref: model.SecretKeyRef, *, optional: bool = False) -> dict:
    selector = {"name": ref.secret, "key": ref.key, **({"optional": True} if optional else {})}
    return {"name": name, "valueFrom": {"secretKeyRef": selector}}


def user_env(env: dict[str, str], secret_env_refs: dict[str, model.SecretEnvRef] | None = None) -> list[dict]:
    """The component's own variables: plain ones, then Secret keys, each sorted by name."""
    return [value_env(k, v) for k, v in sorted(env.items())] + [
        secret_env(k, ref, optional=ref.optional) for k, ref in sorted((secret_env_refs or {}).items())
    ]


def env_from(sources: list[model.EnvFrom]) -> list[dict]:
    """The component's own whole Secrets and ConfigMaps, in the order given."""
    entries = []
    for source in sources:
        kind, name = ("secretRef", source.secret) if source.secret else ("configMapRef", source.config_map)
        ref = {"name": name, **({"optional": True} if source.optional else {})}
        entries.append({kind: ref, **({"prefix": source.prefix} if source.prefix else {})})
    return entries


def registry_database_env(
    database: model.SqliteDatabase | model.PostgresDatabase, connection: PostgresConnection | None
) -> list[dict]:
    """How the registry finds its database. The binary reads only DATABASE_URL.

    A database known field by field gets a URL without the password: the Go driver
    (lib/pq) takes it from PGPASSWORD, so it is never logged with the URL and needs
    no URL-escaping. Checked with the real mcp-mesh-registry 3.7.1: it connects and
    creates its tables with a password holding '/', '+' and '@', and logs the URL
    without it. A urlSecret is passed as it is (the checks warn that it is logged).
    """
    if isinstance(database, model.SqliteDatabase):
        # A file path selects sqlite.
        return [value_env("DATABASE_URL", database.path)]
    if database.url_secret is not None:
        return [secret_env("DATABASE_URL", database.url_secret)]
    # The database known field by field (`registry_database_connection`).
    return [value_env("DATABASE_URL", connection.url), secret_env("PGPASSWORD", connection.password)]
