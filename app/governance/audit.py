"""The audit log: append-only, each entry carrying the hash of the one before.

An entry's hash is SHA-256 over the canonical JSON of its fields (UTC time with a Z, sorted
keys) and the previous entry's hash, so altering, removing, inserting or reordering an entry
breaks the chain from there on (:func:`verify_audit`, ``rtcc audit verify``). Someone able to
rewrite the table from the forged entry to the end could rebuild the chain; the head hash is
therefore also printed by ``rtcc audit verify`` so it can be kept elsewhere and compared.

The auditor's export is CSV with every cell that a spreadsheet would read as a formula (starting
with ``=``, ``+``, ``-``, ``@``, tab or carriage return) prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session, sessionmaker

from app.governance.identity import current_user, current_workstation
from app.models.db import SQLITE_WRITER
from app.models.tables import AuditEvent

FIELDS = (
    "at",
    "user",
    "workstation",
    "action",
    "target_type",
    "target_id",
    "purpose",
    "case_number",
    "details",
)


def _lock_for_append(s: Session) -> None:
    """Become the writer before reading the chain's head, until the transaction ends. SQLite: a
    write first, so the busy timeout applies (a read-then-write transaction on a stale WAL
    snapshot fails at once with "database is locked"); PostgreSQL: a table lock, so two
    workstations cannot fork the chain. Threads of one process have connections of their own and
    wait here like processes do: a process-wide lock besides, taken after a transaction already
    held the table, deadlocked two dispatch calls that each logged twice."""
    dialect = s.get_bind().dialect.name
    if dialect == "sqlite":
        if s.info.get(SQLITE_WRITER) is not s.get_transaction():  # a write transaction holds it already
            s.execute(text("UPDATE audit_events SET id = id WHERE 1 = 0"))
    elif dialect == "postgresql":
        s.execute(text("LOCK TABLE audit_events IN SHARE ROW EXCLUSIVE MODE"))


def _canonical(e: AuditEvent, prev: str) -> bytes:
    data = {
        "at": e.at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "user": e.username,
        "workstation": e.workstation,
        "action": e.action,
        "target_type": e.target_type,
        "target_id": e.target_id,
        "purpose": e.purpose,
        "case_number": e.case_number,
        "details": e.details,
        "prev": prev,
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":")).encode()


def entry_hash(e: AuditEvent, prev: str) -> str:
    return hashlib.sha256(_canonical(e, prev)).hexdigest()


def append(
    s: Session,
    action: str,
    *,
    target_type: str = "",
    target_id: object = "",
    purpose: str = "",
    case_number: str = "",
    details: str = "",
    user: str | None = None,
    workstation: str = "",
) -> AuditEvent:
    """Add an entry inside the caller's transaction (so the entry and the change land together)."""
    prev = _head_for_append(s)
    entry = AuditEvent(
        at=datetime.now(UTC),
        username=user or current_user(),
        workstation=workstation or current_workstation(),
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        purpose=purpose,
        case_number=case_number,
        details=details,
        prev_hash=prev,
    )
    entry.event_hash = entry_hash(entry, prev)
    s.add(entry)
    s.flush()
    s.info[_HEAD_KEY] = (_innermost(s), entry.event_hash)
    return entry


_HEAD_KEY = "rtcc audit head"


def _innermost(s: Session) -> object:
    return s.get_nested_transaction() or s.get_transaction()


def _head_for_append(s: Session) -> str:
    """The chain's head, for an entry about to be added. A transaction that has already appended
    holds the lock and knows the head it wrote (a dispatch call logs twice); otherwise lock, then
    read. Remembered per (sub)transaction, so a rolled-back savepoint's entry is never chained to."""
    remembered = s.info.get(_HEAD_KEY)
    if remembered is not None and remembered[0] is _innermost(s):
        return str(remembered[1])
    _lock_for_append(s)
    return s.scalar(select(AuditEvent.event_hash).order_by(AuditEvent.id.desc()).limit(1)) or ""


def record(sessions: sessionmaker[Session], action: str, **fields: object) -> None:
    with sessions.begin() as s:
        append(s, action, **fields)  # type: ignore[arg-type]


@dataclass(frozen=True)
class AuditCheck:
    entries: int
    first_bad: int | None  # 1-based position of the first entry that breaks the chain
    head: str

    @property
    def intact(self) -> bool:
        return self.first_bad is None


def verify_audit(sessions: sessionmaker[Session]) -> AuditCheck:
    """Walk the whole chain: ``entries`` is the log's length, ``first_bad`` where it breaks, and
    ``head`` the last hash that still chains (the log's head when intact)."""
    prev = ""
    count = 0
    first_bad: int | None = None
    with sessions() as s:
        for position, e in enumerate(s.scalars(select(AuditEvent).order_by(AuditEvent.id)), 1):
            count = position
            if first_bad is not None:
                continue  # counted, so "entry 3 of 17" says how much of the log follows the break
            if e.prev_hash != prev or e.event_hash != entry_hash(e, prev):
                first_bad = position
                continue
            prev = e.event_hash
    return AuditCheck(count, first_bad, prev)


def neutralise(cell: object) -> str:
    text = "" if cell is None else str(cell)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def query(
    sessions: sessionmaker[Session],
    *,
    user: str = "",
    camera: str = "",
    case: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[AuditEvent]:
    with sessions() as s:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        if user:
            stmt = stmt.where(AuditEvent.username == user)
        if camera:
            stmt = stmt.where(AuditEvent.target_type == "camera", AuditEvent.target_id == camera)
        if case:
            stmt = stmt.where(AuditEvent.case_number == case)
        if since is not None:
            stmt = stmt.where(AuditEvent.at >= since)
        if until is not None:
            stmt = stmt.where(AuditEvent.at < until)
        rows = list(s.scalars(stmt))
        for r in rows:
            s.expunge(r)
        return rows


def of_incident(sessions: sessionmaker[Session], number: str, limit: int = 500) -> list[AuditEvent]:
    """What was done under an incident, oldest first (the newest ``limit``): entries that name it
    as their case, or whose purpose is it ("incident 26-0412", "incident 26-0412; basis: ...")."""
    stated = f"incident {number}"
    with sessions() as s:
        stmt = (
            select(AuditEvent)
            .where(
                or_(
                    AuditEvent.case_number == number,
                    AuditEvent.purpose == stated,
                    AuditEvent.purpose.startswith(f"{stated};"),
                )
            )
            .order_by(AuditEvent.id.desc())
            .limit(limit)
        )
        rows = list(s.scalars(stmt))
        for r in rows:
            s.expunge(r)
    return rows[::-1]


def to_csv(entries: Iterable[AuditEvent]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*FIELDS, "hash"])
    for e in entries:
        at = e.at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        row = [
            at,
            e.username,
            e.workstation,
            e.action,
            e.target_type,
            e.target_id,
            e.purpose,
            e.case_number,
            e.details,
            e.event_hash,
        ]
        writer.writerow([neutralise(c) for c in row])
    return out.getvalue()


def export_csv(sessions: sessionmaker[Session], path: Path, **filters: object) -> int:
    entries = query(sessions, **filters)  # type: ignore[arg-type]
    path.write_text(to_csv(entries), encoding="utf-8", newline="")
    return len(entries)


def target_labels(sessions: sessionmaker[Session], entries: list[AuditEvent]) -> dict[tuple[str, str], str]:
    """The names people know for the incidents and cases entries point at, by (target type,
    target id): "incident 26-0412 Robbery" where the log holds the incident's row id."""
    from app.models.tables import Case, Incident

    wanted: dict[str, set[int]] = {"incident": set(), "case": set()}
    for e in entries:
        if e.target_type in wanted and str(e.target_id).isdigit():
            wanted[e.target_type].add(int(e.target_id))
    labels: dict[tuple[str, str], str] = {}
    with sessions() as s:
        for kind, table, columns in (("incident", Incident, (Incident.number, Incident.incident_type)),
                                     ("case", Case, (Case.number, Case.title))):  # fmt: skip
            ids = sorted(wanted[kind])
            for start in range(0, len(ids), 500):  # SQLite's bound on a statement's variables
                chunk = ids[start : start + 500]
                for row_id, number, what in s.execute(select(table.id, *columns).where(table.id.in_(chunk))):
                    labels[(kind, str(row_id))] = " ".join(f"{kind} {number} {what or ''}".split())
    return labels
