"""Opening the database: engine, SQLite pragmas, migrations, sessions.

The embedded default is one SQLite file in WAL mode so that the console and the media service
can read while the other writes; a ``database_url`` setting selects PostgreSQL for a center
with several workstations.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class DatabaseError(RuntimeError):
    """The database cannot be opened or written; the message says which and what to do."""


def describe_url(url: str) -> str:
    """The URL with any password hidden, for status bars and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<invalid database URL>"


def create_db_engine(url: str, busy_timeout_s: float = 5.0) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"database URL {url!r} is not valid: {exc}") from exc
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    f"cannot create the database folder {folder} ({exc.strerror}); "
                    "check the data folder or the database URL setting"
                ) from exc
        connect_args["timeout"] = busy_timeout_s
        if database.startswith("file:"):
            connect_args["uri"] = True
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = max(1, round(busy_timeout_s))
    # pool_pre_ping: after a server restart, pooled connections are dead; test one before use
    # instead of failing the first save after the database is back.
    engine = create_engine(
        url, connect_args=connect_args, pool_pre_ping=parsed.get_backend_name() != "sqlite"
    )
    if parsed.get_backend_name() == "sqlite":
        _configure_sqlite(engine)
    for scope in _closing_scopes:
        scope.append(engine)
    return engine


_closing_scopes: list[list[Engine]] = []


@contextmanager
def closing_databases() -> Iterator[None]:
    """Close every engine opened inside the block when it ends.

    A command-line call opens the database in several steps (sign-in, the command); when it
    ends, no server connection may be left for the garbage collector to drop unclosed (psycopg
    warns, and the server logs a broken connection)."""
    scope: list[Engine] = []
    _closing_scopes.append(scope)
    try:
        yield
    finally:
        _closing_scopes.remove(scope)
        for engine in scope:
            engine.dispose()


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling defers BEGIN, which breaks SAVEPOINT and makes
        # "all-or-nothing" imports less strict than they look; let SQLAlchemy emit BEGIN.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute("PRAGMA foreign_keys=ON")
            mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
            if mode != "wal":
                try:
                    cur.execute("PRAGMA journal_mode=WAL")
                except Exception:  # a read-only database cannot switch; reads still work
                    log.warning("could not switch SQLite to WAL mode (read-only database?)")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")


def alembic_config(engine: Engine) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config(create_engine("sqlite://")))
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration; a no-op when it already is."""
    try:
        if current_revision(engine) == head_revision():
            return
        command.upgrade(alembic_config(engine), "head")
    except OperationalError as exc:
        raise DatabaseError(explain_operational_error(exc, engine.url.render_as_string())) from exc


def explain_operational_error(exc: OperationalError, url: str) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    where = describe_url(url)
    if "locked" in text:
        return (
            f"The database {where} is locked by another program; nothing was changed. "
            "Close the other program or wait for it, then try again."
        )
    if "readonly" in text or "read-only" in text:
        return (
            f"The database {where} is read-only; nothing was changed. "
            "Check the file's permissions or the database URL setting."
        )
    if any(
        sign in text
        for sign in (
            "Connection refused",
            "connection failed",
            "server closed the connection",
            "terminating connection",
            "could not connect",
            "timeout expired",
        )
    ):
        first = text.strip().splitlines()[0][:200] if text.strip() else "no answer"
        return (
            f"The database {where} is not answering ({first}); nothing was changed. "
            "What you entered is kept: try again when it is back."
        )
    if "unable to open" in text:
        return (
            f"The database {where} cannot be opened ({text}). Check that its folder exists and is writable."
        )
    return f"The database {where} reported an error: {text}. Nothing was changed."


# Session.info key: the (root) transaction that already holds SQLite's write lock, so the audit
# log's append need not take it again.
SQLITE_WRITER = "rtcc sqlite writer"


@contextmanager
def write_transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction, committed on success; a locked or read-only database becomes a
    :class:`DatabaseError` that names it and says nothing was changed."""
    try:
        with sessions.begin() as s:
            if s.get_bind().dialect.name == "sqlite":
                # Become the writer before reading anything. A deferred transaction that reads
                # and then writes fails at once with "database is locked" if another connection
                # wrote in between (its snapshot is stale; the busy timeout does not apply): an
                # incident saved while the recorder indexed a segment was refused that way.
                s.execute(text("UPDATE alembic_version SET version_num = version_num WHERE 0"))
                s.info[SQLITE_WRITER] = s.get_transaction()
            yield s
    except OperationalError as exc:
        raise DatabaseError(explain_operational_error(exc, str(sessions.kw["bind"].url))) from exc


def open_database(url: str, busy_timeout_s: float = 5.0) -> sessionmaker[Session]:
    engine = create_db_engine(url, busy_timeout_s)
    upgrade(engine)
    return sessionmaker(engine, expire_on_commit=False)
