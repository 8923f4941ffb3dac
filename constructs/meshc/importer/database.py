"""The registry's database settings -> meshc's `registry.database`.

The registry chart settles each connection field as `registry.database.*` >
`global.postgres.*` > its own default (its `databaseSettings` helper). meshc
takes an external PostgreSQL field by field (host, port, database, username,
sslmode) with the password from a Secret key, so the DATABASE_URL the registry
logs at INFO carries no password. The password comes, in the chart's order,
from `existingSecret` (key `existingSecretPasswordKey`, default `password`), a
literal `password` (a new Secret the user creates with the printed command),
the umbrella's generated Secret (`global.postgres.generatedSecret`), else the
chart's own `<fullname>-secret` (key database-password). Only a URL Secret key
(`existingSecretUrlKey`) stays a `urlSecret`: the URL's parts are unknown, and
meshc warns (secrets.logged-database-url) that its password reaches the log.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from meshc.importer.draft import DERIVED, IGNORED, NOT_PLACED, SECRET, Draft
from meshc.importer.values import Leaf, Release
from meshc.model import DATA_MOUNT_PATH

if TYPE_CHECKING:
    from meshc.importer.translate import Target

GLOBAL = "global.postgres"
OWN = "registry.database."
# The chart's defaults of the connection fields (meshc's sslmode default is require, so it is always written).
DEFAULTS = {"host": "mcp-mesh-postgres", "port": 5432, "name": "mcpmesh", "username": "mcpmesh", "sslmode": "disable"}
# The global.postgres keys the registry chart reads.
GLOBAL_FIELDS = (*DEFAULTS, "password", "existingSecret", "existingSecretUrlKey", "existingSecretPasswordKey",
                 "generatedSecret", "generatedSecretName", "tls.caSecret", "tls.caKey")
NEW_SECRET_KEY = "password"
CHART_SECRET_KEY = "database-password"
URL_SECRET_WARNING = (
    "kept as urlSecret, the only form a whole URL fits; meshc warns (secrets.logged-database-url): the registry logs "
    "DATABASE_URL at INFO, so the password inside it lands in the log. Put the password under its own key and give "
    "host, database, username and passwordSecret instead"
)


class Settings:
    """The chart's effective database settings, each with the leaf it came from; `used` collects what was placed."""

    def __init__(self, release: Release, leaves: list[Leaf]):
        self.release = release
        self.own = {leaf.key[len(OWN):]: leaf for leaf in leaves if leaf.key.startswith(OWN)}
        self.globals: dict[str, Leaf] = {}
        self.strays: list[Leaf] = []  # global.postgres entries the registry chart does not read
        self.unread: Leaf | None = None  # a global.postgres that is no mapping of fields
        block = release.leaves.get(GLOBAL)
        if block is not None and isinstance(block.value, dict) and block.value:
            self._read_globals(block.value, (), block)
        elif block is not None:
            self.unread = block
        self.used: set[str] = {f"{OWN}type"} if "type" in self.own else set()  # placed in the environment
        self.reported: set[str] = set()  # given a finding of their own

    def _read_globals(self, value: object, path: tuple, block: Leaf) -> None:
        if isinstance(value, dict) and value:
            for key, inner in value.items():
                self._read_globals(inner, (*path, str(key)), block)
            return
        field = ".".join(path)
        leaf = Leaf(f"{GLOBAL}.{field}", value, block.file, self.release.line_of(GLOBAL, *path))
        if field in GLOBAL_FIELDS:
            self.globals[field] = leaf
        else:
            self.strays.append(leaf)

    def leaf(self, field: str) -> Leaf | None:
        """The leaf that decides `field`: the registry's own if set, else the global (the chart's `coalesce`)."""
        for source in (self.own, self.globals):
            leaf = source.get(field)
            if leaf is not None and leaf.value:
                return leaf
        return None

    def take(self, field: str) -> object:
        """The effective value of `field`, marking the leaf that gave it as placed."""
        leaf = self.leaf(field)
        if leaf is None:
            return DEFAULTS.get(field)
        self.used.add(leaf.key)
        return leaf.value

    def all(self) -> list[Leaf]:
        return [*self.own.values(), *self.globals.values()]


def database(target: Target, draft: Draft, leaves: list[Leaf]) -> None:
    release = target.release
    settings = Settings(release, [leaf for leaf in leaves if leaf.key != GLOBAL])
    kind = release.get("registry.database.type", "postgres")
    for stray in settings.strays:
        draft.add(IGNORED, stray, stray.key, "the registry chart does not read it")
    if settings.unread is not None:
        unread = settings.unread
        draft.add(NOT_PLACED if unread.value else IGNORED, unread, unread.key, "not a mapping of the fields the registry chart reads (host, port, name, ...)")
    if kind == "sqlite":
        _sqlite(target, draft, settings)
        return
    if kind != "postgres":
        first = leaves[0] if leaves else Leaf("registry.database", None, release.file, None)
        draft.add(NOT_PLACED, first, release.shown("registry.database.type"), f"the registry binary has no {kind!r} support; meshc offers sqlite or postgres")
        return
    by_url = bool(settings.leaf("existingSecret") and settings.leaf("existingSecretUrlKey"))
    if by_url:
        _by_url(target, draft, settings)
    else:
        _by_host(target, draft, settings)
    draft.translated += len(settings.used)
    _report_rest(draft, settings, by_url)


def _sqlite(target: Target, draft: Draft, settings: Settings) -> None:
    file = env_database_file(target.release)
    if file:
        target.put(draft, "database", {"type": "sqlite", "path": file}, "the file the registry's own env named in DATABASE_URL")
    else:
        target.put(draft, "database", {"type": "sqlite"}, "the registry keeps using /data/mcp_mesh_registry.db, the file it really used")
    draft.translated += len(settings.used)
    for leaf in settings.all():
        if leaf.key in settings.used:
            continue
        draft.add(IGNORED, leaf, settings.release.shown(leaf.key), "the registry uses sqlite; the chart reads it only for postgres")


def _by_url(target: Target, draft: Draft, settings: Settings) -> None:
    leaf = settings.leaf("existingSecretUrlKey")
    secret = settings.take("existingSecret")
    target.put(draft, "database", {"type": "postgres", "urlSecret": {"secret": secret, "key": leaf.value}},
               "the whole DATABASE_URL from the values' Secret key; meshc warns that the registry logs it")
    settings.reported.add(leaf.key)
    draft.add(DERIVED, leaf, settings.release.shown(leaf.key), URL_SECRET_WARNING)


def _by_host(target: Target, draft: Draft, settings: Settings) -> None:
    connection = {"type": "postgres", "host": settings.take("host"), "port": _port(draft, settings),
                  "database": settings.take("name"), "username": settings.take("username")}
    secret, key, note = _password(target, draft, settings)
    connection |= {"passwordSecret": {"secret": secret, "key": key}, "sslmode": settings.take("sslmode")}
    target.put(draft, "database", connection,
               f"the chart's settings (registry.database > global.postgres > chart default); the password from {note}, "
               "as PGPASSWORD, never inside the DATABASE_URL the registry logs")


def _port(draft: Draft, settings: Settings) -> object:
    leaf = settings.leaf("port")
    value = settings.take("port")
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if leaf is not None and not isinstance(value, int):
        settings.used.discard(leaf.key)
        settings.reported.add(leaf.key)
        draft.add(NOT_PLACED, leaf, settings.release.shown(leaf.key), f"not a port number: {value!r}")
        return DEFAULTS["port"]
    return value


def _password(target: Target, draft: Draft, settings: Settings) -> tuple[str, str, str]:
    """The Secret and key of the password, as the chart reads it; a literal becomes a Secret the user creates."""
    release = settings.release
    if settings.leaf("existingSecret"):
        secret = settings.take("existingSecret")
        key = settings.take("existingSecretPasswordKey") or "password"
        return secret, key, f"the values' Secret {secret}, key {key}"
    password = settings.leaf("password")
    if password is not None:
        settings.reported.add(password.key)
        secret = f"{target.identity.names.base}-database"
        shown = release.shown(password.key)
        draft.secret(secret, NEW_SECRET_KEY, f"<value of {shown} in {password.file}>")
        draft.add(SECRET, password, shown, f"now Secret {secret}, key {NEW_SECRET_KEY}, read as PGPASSWORD (create it with the command below)")
        return secret, NEW_SECRET_KEY, f"Secret {secret} (the values held it literally; create it with the printed command)"
    generated = settings.globals.get("generatedSecret")
    if generated is not None and generated.value:
        settings.used.add(settings.globals["generatedSecret"].key)
        secret = settings.take("generatedSecretName") or _generated_secret_name(target.identity.instance)
        return secret, "password", f"the Secret the umbrella's postgres generated, {secret} (Helm keeps it on uninstall)"
    secret = f"{target.identity.names.base}-secret"
    return secret, CHART_SECRET_KEY, f"the chart's own Secret {secret} (keep it when Helm lets go)"


def _generated_secret_name(release: str) -> str:
    """The mcp-mesh-postgres subchart's `<fullname>-credentials`, as the registry chart derives it."""
    fullname = release if "mcp-mesh-postgres" in release else f"{release}-mcp-mesh-postgres"
    return f"{fullname[:63].removesuffix('-')}-credentials"


def _report_rest(draft: Draft, settings: Settings, by_url: bool) -> None:
    """Every database key not placed above, with what the chart did with it."""
    release = settings.release
    for leaf in settings.all():
        if leaf.key in settings.used | settings.reported:
            continue
        field = leaf.key.removeprefix(OWN).removeprefix(f"{GLOBAL}.")
        shown = release.shown(leaf.key)
        if field.startswith("tls.") and settings.leaf("tls.caSecret"):
            draft.add(NOT_PLACED, leaf, shown, "meshc mounts no CA for the database (verify-ca/verify-full use the image's CA certificates)")
        elif field == "waitForDatabase":
            draft.add(DERIVED, leaf, shown, "meshc's registry has no wait-for-db init container")
        elif settings.leaf(field) is not leaf and leaf.value:
            draft.add(IGNORED, leaf, shown, f"registry.database.{field} wins over it")
        elif by_url:
            draft.add(IGNORED, leaf, shown, "the registry connects with the whole URL from existingSecretUrlKey; this fed at most the chart's wait-for-db")
        else:
            draft.add(IGNORED, leaf, shown, _unread_reason(field))


def _unread_reason(field: str) -> str:
    if field in ("existingSecretUrlKey", "existingSecretPasswordKey"):
        return "read only with existingSecret"
    if field == "password":
        return "existingSecret wins over a literal password"
    if field == "tls.caKey":
        return "read only with tls.caSecret"
    if field in ("generatedSecret", "generatedSecretName"):
        return "read only when no password or existingSecret is set (and generatedSecret is true)"
    return "empty: the chart falls back to the next setting"


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
