"""PostgreSQL for the registry, installed by Flux from a pinned chart."""

from __future__ import annotations

from meshc import model
from meshc.helm_release import ChartRelease, ChartSources, SecretValue, persistence_values
from meshc.mesh_env import PostgresConnection
from meshc.origin import Origin
from meshc.runtime import Construct

POSTGRES_PORT = 5432
# Key names the bitnami chart uses for an existing Secret.
ADMIN_PASSWORD_KEY = "postgres-password"
USER_PASSWORD_KEY = "password"


class PostgresqlRelease(Construct):
    """A HelmRelease of PostgreSQL whose passwords come from `auth.existingSecret`.

    `connection` tells the registry where the database is; it is derived from
    this release, so host, user and Secret are never typed twice.
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        spec: model.Postgresql,
        namespace: str,
        labels: dict[str, str],
        sources: ChartSources,
        flux: model.Flux,
    ):
        super().__init__(scope, id)
        auth = spec.auth
        self.release = spec.release
        self.connection = PostgresConnection(
            host=spec.release,
            port=POSTGRES_PORT,
            database=auth.database,
            username=auth.username,
            password=model.SecretKeyRef(secret=auth.existing_secret, key=USER_PASSWORD_KEY),
        )
        ChartRelease(
            self,
            "Release",
            release=spec.release,
            namespace=namespace,
            labels=labels,
            chart=spec.chart,
            sources=sources,
            flux=flux,
            origin=Origin.database(),
            values={
                # The Service is named after the release, whatever the chart's naming rules.
                "fullnameOverride": spec.release,
                # Since August 2025 Bitnami publishes versioned images only as bitnamilegacy/*; the
                # chart's default repositories no longer hold the tags this chart version pins.
                "image": {"repository": "bitnamilegacy/postgresql"},
                "metrics": {"enabled": spec.metrics, "image": {"repository": "bitnamilegacy/postgres-exporter"}},
                "global": {"security": {"allowInsecureImages": True}},
                "auth": {"username": auth.username, "database": auth.database},
                "primary": {"persistence": persistence_values(spec.persistence)},
            },
            secret_values=(
                SecretValue(auth.existing_secret, ADMIN_PASSWORD_KEY, "auth.postgresPassword"),
                SecretValue(auth.existing_secret, USER_PASSWORD_KEY, "auth.password"),
            ),
        )
