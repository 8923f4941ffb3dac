"""The registry's database settings -> meshc's `registry.database`.

The chart composes DATABASE_URL from many keys; meshc reads it whole, from a
file path (sqlite) or a Secret key (postgres). A password written in the values
becomes a new Secret the user creates; without one, the chart's own Secret
(`<fullname>-secret`, key database-url) already holds the URL, and meshc reads it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from meshc.importer.draft import DERIVED, NOT_PLACED, SECRET, Draft
from meshc.importer.values import Leaf
from meshc.model import DATA_MOUNT_PATH

if TYPE_CHECKING:
    from meshc.importer.translate import Target

URL_KEY = "database-url"


def database(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    release = target.release
    kind = release.get("registry.database.type", "postgres")
    first = leaves[0] if leaves else Leaf("registry.database", None, release.file, None)
    if kind == "sqlite":
        file = env_database_file(release)
        if file:
            target.put(draft, "database", {"type": "sqlite", "path": file}, "the file the registry's own env named in DATABASE_URL")
        else:
            target.put(draft, "database", {"type": "sqlite"}, "the registry keeps using /data/mcp_mesh_registry.db, the file it really used")
        _consumed(draft, release, leaves)
        return
    if kind != "postgres":
        draft.add(NOT_PLACED, first, release.shown("registry.database.type"), f"the registry binary has no {kind!r} support; meshc offers sqlite or postgres")
        return
    existing = release.get("registry.database.existingSecret")
    url_key = release.get("registry.database.existingSecretUrlKey")
    password = release.get("registry.database.password")
    if existing and url_key:
        target.put(draft, "database", {"type": "postgres", "urlSecret": {"secret": existing, "key": url_key}})
    elif existing:
        draft.add(NOT_PLACED, first, release.shown("registry.database.existingSecret"),
                  "meshc reads the whole postgres:// URL from one Secret key; add it to the Secret and set urlSecret")
        return
    elif password:
        secret = f"{target.identity.names.base}-database"
        target.put(draft, "database", {"type": "postgres", "urlSecret": {"secret": secret, "key": URL_KEY}},
                   "the password was a literal value in the Helm values")
        draft.secret(secret, URL_KEY, f"<{_url(release, '<password from registry.database.password>')}>")
        draft.add(SECRET, release.leaves["registry.database.password"], release.shown("registry.database.password"),
                  f"now part of the URL in Secret {secret}, key {URL_KEY} (create it with the command below)")
    else:
        secret = f"{target.identity.names.base}-secret"
        target.put(draft, "database", {"type": "postgres", "urlSecret": {"secret": secret, "key": URL_KEY}},
                   "the URL the chart composed, from the Secret Helm created (keep it when Helm lets go)")
    _consumed(draft, release, leaves)


def env_database_file(release) -> str | None:
    """With sqlite the chart sets no DATABASE_URL, so one in the registry's own `env` names the file it really used."""
    if release.get("registry.database.type", "postgres") != "sqlite":
        return None
    entries = release.get("env") or []
    pairs = entries.items() if isinstance(entries, dict) else [
        (entry.get("name"), entry.get("value")) for entry in entries if isinstance(entry, dict) and "valueFrom" not in entry
    ]
    for name, value in pairs:
        if name == "DATABASE_URL" and isinstance(value, str) and re.fullmatch(rf"{DATA_MOUNT_PATH}/[^/]+", value):
            return value
    return None


def _consumed(draft: Draft, release, leaves: list[Leaf]) -> None:
    for leaf in leaves:
        if leaf.key in ("registry.database.type", "registry.database.password"):
            draft.translated += leaf.key.endswith(".type")
            continue
        draft.add(DERIVED, leaf, release.shown(leaf.key), "part of the DATABASE_URL meshc reads whole (registry.database)")


def _url(release, password: str) -> str:
    def value(key: str, default: object) -> object:
        return release.get(f"registry.database.{key}") or default

    return (
        f"postgres://{value('username', 'mcpmesh')}:{password}@{value('host', 'mcp-mesh-postgres')}:"
        f"{value('port', 5432)}/{value('name', 'mcpmesh')}?sslmode={value('sslmode', 'disable')}"
    )
