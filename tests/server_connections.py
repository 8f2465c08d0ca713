"""Test databases on a PostgreSQL server leave no connection to the garbage collector."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def closing_server_connections() -> Iterator[None]:
    """Closes, on the way out, every PostgreSQL connection a pool opened meanwhile.

    Disposing an engine closes only the connections in its pool: one that a task thread held at
    that moment goes back to the discarded pool and is left to the garbage collector, which warns
    in whichever test runs next. SQLite files need no closing (the test may open SQLite too).
    """
    import weakref

    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    opened: weakref.WeakSet[Any] = weakref.WeakSet()

    def remember(dbapi_connection: Any, _record: Any) -> None:
        if hasattr(dbapi_connection, "pgconn"):
            opened.add(dbapi_connection)

    event.listen(Pool, "connect", remember)
    try:
        yield
    finally:
        event.remove(Pool, "connect", remember)
        for connection in list(opened):
            connection.close()
