"""What other workstations must see, written in the same transaction as the change itself.

A writer calls :func:`publish` inside its transaction; the row commits with the change or not at
all. On PostgreSQL ``pg_notify`` in that transaction tells every listening console the new id
when (and only if) it commits; the notification carries nothing but the id, the facts stay in
the table where a console that was disconnected catches up. SQLite has no notifications:
consoles poll the newest id (a primary-key lookup).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.models.tables import ChangeEvent

CHANNEL = "rtcc_changes"
KINDS = ("cameras", "incident", "request", "media", "accounts")


@dataclass(frozen=True)
class Change:
    id: int
    at: datetime
    kind: str
    subject: tuple[int, ...]  # empty: everything of this kind may have changed
    workstation: str
    username: str


def publish(s: Session, kind: str, subject: int | Iterable[int] = (), *, username: str = "") -> int:
    """Record a change inside the caller's transaction; returns its id."""
    if kind not in KINDS:
        raise ValueError(f"unknown change kind {kind!r}")
    ids = (subject,) if isinstance(subject, int) else tuple(subject)
    event = ChangeEvent(kind=kind, subject=",".join(str(int(i)) for i in ids),
                        workstation=socket.gethostname(), username=username)  # fmt: skip
    s.add(event)
    s.flush()
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_notify(:channel, :id)"), {"channel": CHANNEL, "id": str(event.id)})
    return event.id


def newest_id(sessions: sessionmaker[Session]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.max(ChangeEvent.id))) or 0)


def read_since(sessions: sessionmaker[Session], after: int, limit: int = 5000) -> list[Change]:
    """The changes after id ``after``, oldest first."""
    with sessions() as s:
        query = select(ChangeEvent).where(ChangeEvent.id > after).order_by(ChangeEvent.id).limit(limit)
        return [
            Change(r.id, r.at, r.kind, _ids(r.subject), r.workstation, r.username) for r in s.scalars(query)
        ]


def _ids(subject: str) -> tuple[int, ...]:
    return tuple(int(x) for x in subject.split(",") if x)
