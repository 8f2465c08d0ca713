"""A throw-away PostgreSQL server for the test suite and the center benchmark.

It uses the server binaries of Debian's ``postgresql`` package (``./run test`` installs it), makes
a cluster in a temporary folder, listens on 127.0.0.1 at a free port only, and is deleted when it
stops. As root the server runs as the ``postgres`` user, because PostgreSQL refuses to run as
root. fsync is off: the data lives as long as the test run.

Databases for tests are cloned from a template that already holds the schema, so a test gets a
fresh, migrated database in a few tens of milliseconds instead of running every migration.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

ADMIN_USER = "rtcc"


class ClusterError(RuntimeError):
    """The throw-away server could not be made or started; the message says what is missing."""


def server_binaries() -> Path:
    """The newest PostgreSQL server's bin folder (Debian keeps them outside PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    raise ClusterError(
        "no PostgreSQL server found (initdb); install Debian's package with "
        "`apt-get install postgresql` (./run test does), or point the tests at a server with "
        "RTCC_TEST_POSTGRES_URL=postgresql+psycopg://USER:PASSWORD@HOST/postgres"
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ThrowawayCluster:
    def __init__(self) -> None:
        self.bin = server_binaries()
        self.root = Path(tempfile.mkdtemp(prefix="rtcc-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = _free_port()
        self._as_postgres = os.geteuid() == 0
        self._names = itertools.count(1)
        self.started = False

    @property
    def admin_url(self) -> str:
        return f"postgresql+psycopg://{ADMIN_USER}@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{ADMIN_USER}@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip()[-1500:]
            log = self.log.read_text(errors="replace")[-1500:] if self.log.exists() else ""
            raise ClusterError(f"{args[0]} failed ({done.returncode}): {tail}\n{log}".strip())

    def start(self) -> ThrowawayCluster:
        if self._as_postgres:
            entry = pwd.getpwnam("postgres")
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", ADMIN_USER, "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--locale=C")  # fmt: skip
        self.resume()
        return self

    def resume(self) -> None:
        """Start the server (again, after :meth:`halt`) on the same port with the same data."""
        options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -F -c max_connections=300"
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options, "start"
        )
        self.started = True

    def halt(self) -> None:
        """Stop the server and keep its data: the database "goes away" under its clients."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        self.started = False

    def stop(self) -> None:
        if self.started:
            with contextlib.suppress(ClusterError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            self.started = False
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> ThrowawayCluster:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()


class DatabaseFactory:
    """Fresh, migrated databases on one server: the schema is built once in a template and each
    new database is a copy of it."""

    TEMPLATE = "rtcc_template"

    def __init__(self, admin_url: str) -> None:
        from sqlalchemy.engine import make_url

        self.admin = make_url(admin_url)
        self._names = itertools.count(1)
        # Unique per factory: two factories of one process (the suite's and a benchmark's on the
        # same server) must not hand out the same names.
        self._prefix = f"rtcc_t{os.getpid()}_{secrets.token_hex(3)}_"
        self._template_ready = False

    def _admin_exec(self, sql: str) -> None:
        import psycopg

        dsn = self.admin.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql.encode())  # names are generated here, never taken from input

    def url(self, database: str) -> str:
        return self.admin.set(database=database).render_as_string(hide_password=False)

    def _ensure_template(self) -> None:
        if self._template_ready:
            return
        from app.models.db import create_db_engine, upgrade

        template = f"{self._prefix}template"
        self._admin_exec(f'DROP DATABASE IF EXISTS "{template}"')
        self._admin_exec(f'CREATE DATABASE "{template}"')
        engine = create_db_engine(self.url(template))
        try:
            upgrade(engine)
        finally:
            engine.dispose()
        self._template = template
        self._template_ready = True

    def new_database(self) -> str:
        """A new database with the newest schema; returns its URL."""
        self._ensure_template()
        name = f"{self._prefix}{next(self._names)}"
        self._admin_exec(f'CREATE DATABASE "{name}" TEMPLATE "{self._template}"')
        return self.url(name)

    def empty_database(self) -> str:
        """A new database with no schema (for migration tests)."""
        name = f"{self._prefix}{next(self._names)}"
        self._admin_exec(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        self._admin_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
