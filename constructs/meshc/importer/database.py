"""The registry's database settings -> meshc's `registry.database`.

The chart composes DATABASE_URL from many keys; meshc reads it whole, from a
file path (sqlite) or a Secret key (postgres). A password written in the values
becomes a new Secret the user creates; without one, the chart's own Secret
(`<fullname>-secret`, key database-url) already holds the URL, and meshc reads it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from meshc.importer.draft import DERIVED, NOT_PLACED, SECRET, Draft
from meshc.importer.values import Leaf

if TYPE_CHECKING:
    from meshc.importer.translate import Target

URL_KEY = "database-url"


def database(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    release = target.release
    kind = release.get("registry.database.type", "postgres")
    first = leaves[0] if leaves else Leaf("registry.database", None, release.file, None)
    if kind == "sqlite":
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
