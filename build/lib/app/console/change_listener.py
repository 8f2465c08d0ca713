"""Follows the change feed for one console (or one benchmark session) on a thread of its own.

PostgreSQL: a connection of its own LISTENs on the feed's channel; a notification wakes it and
it reads every change after the last id it handled (the notification's id is only a wake-up, so
one lost or merged notification loses nothing). It also reads once a few seconds without being
woken, which covers a notification lost with a dropped connection. When the server goes away it
says so, retries each second, and on reconnecting catches up from the last id.

SQLite: no notifications; it polls the newest id twice a second (a primary-key lookup).

Changes are handed to ``deliver`` on the listener's thread; the console passes them to its GUI
thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.models.change_feed import CHANNEL, Change, newest_id, read_since

log = logging.getLogger(__name__)

POLL_S = 0.5  # SQLite
SAFETY_READ_S = 5.0  # PostgreSQL: read even without a notification this often
RETRY_S = 1.0
WAKE_S = 1.0  # PostgreSQL: how long a wait for a notification lasts (stop answers within it)


class ChangeListener:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        deliver: Callable[[list[Change]], Any],
        *,
        on_connection: Callable[[bool, str], Any] | None = None,
        after: int | None = None,
    ) -> None:
        self.sessions = sessions
        self.deliver = deliver
        self.on_connection = on_connection  # (connected, why) when the database comes and goes
        self._last = after
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._listen_conn: Any = None
        self.connected = True
        engine = sessions.kw["bind"]
        self.dialect = engine.dialect.name
        self._url = engine.url

    @property
    def last_id(self) -> int | None:
        return self._last

    def start(self) -> ChangeListener:
        if self._last is None:
            try:
                self._last = newest_id(self.sessions)
            except (OperationalError, DBAPIError):
                self._last = None  # read from the start once the database answers
        self._thread = threading.Thread(target=self._run, name="change listener", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    # -- the loop ------------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.dialect == "postgresql":
                    self._listen()
                else:
                    self._poll()
            except Exception as exc:
                if self._stop.is_set():
                    break
                self._set_connected(False, _reason(exc))
                self._stop.wait(RETRY_S)

    def _catch_up(self) -> None:
        after = self._last
        if after is None:
            after = 0
        while True:
            changes = read_since(self.sessions, after)
            if changes:
                after = changes[-1].id
                self._last = after
                self.deliver(changes)
            if len(changes) < 5000:
                break
        self._last = after
        self._set_connected(True, "")

    def _poll(self) -> None:
        while not self._stop.is_set():
            if self._last is None or newest_id(self.sessions) != self._last:
                self._catch_up()
            else:
                self._set_connected(True, "")
            self._stop.wait(POLL_S)

    def _listen(self) -> None:
        import psycopg

        dsn = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
            self._listen_conn = conn
            try:
                conn.execute(f"LISTEN {CHANNEL}")  # a constant, never input
                self._catch_up()  # whatever happened while not listening
                read_at = time.monotonic()
                while not self._stop.is_set():
                    # Wake on a notification, or each second to see whether to stop.
                    woken = any(True for _ in conn.notifies(timeout=WAKE_S, stop_after=1))
                    if woken or time.monotonic() - read_at >= SAFETY_READ_S:
                        # One read takes a whole burst of changes, whatever the notifications.
                        self._catch_up()
                        read_at = time.monotonic()
            finally:
                self._listen_conn = None

    def _set_connected(self, connected: bool, why: str) -> None:
        if connected == self.connected:
            return
        self.connected = connected
        if connected:
            log.info("change feed: connected again; caught up to change %s", self._last)
        else:
            log.warning("change feed: database not answering (%s); retrying", why)
        if self.on_connection is not None:
            self.on_connection(connected, why)


def _reason(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text[0][:200] if text else type(exc).__name__
