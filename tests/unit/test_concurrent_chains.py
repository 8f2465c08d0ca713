"""Several workstations append to the audit log and to one item's custody chain at the same
moment: each chain stays one chain (no two entries on the same predecessor), on SQLite and on
PostgreSQL, and `rtcc audit verify` says so."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from app.cli import main
from app.governance import audit
from app.governance.custody import append_event, verify_chain
from app.models.db import open_database, write_transaction
from app.models.tables import AuditEvent, CustodyEvent, EvidenceItem

WORKERS = 4
EACH = 25


def _workstation(url: str, name: str, item_id: int, start: Any) -> None:
    """One workstation's process: waits for the others, then appends as fast as it can."""
    sessions = open_database(url)
    start.wait()
    for n in range(EACH):
        audit.record(sessions, "live view started", target_type="camera", target_id=n, user=name,
                     workstation=name)  # fmt: skip
        with write_transaction(sessions) as s:
            item = s.get(EvidenceItem, item_id)
            assert item is not None
            append_event(s, item, "viewed", f"{name} look {n}")
    sessions.kw["bind"].dispose()


def test_concurrent_writers_from_several_processes_keep_each_chain_whole(db_url: str, capsys: Any) -> None:
    sessions = open_database(db_url)
    now = datetime.now(UTC)
    with write_transaction(sessions) as s:
        item = EvidenceItem(kind="segment", camera_id=None, path="x.ts", sha256="ab" * 32, size_bytes=1,
                            start_at=now, end_at=now)  # fmt: skip
        s.add(item)
        s.flush()
        append_event(s, item, "recorded")
        item_id = item.id
    spawn = multiprocessing.get_context("spawn")
    start = spawn.Barrier(WORKERS)
    workers = [
        spawn.Process(target=_workstation, args=(db_url, f"ws{i}", item_id, start)) for i in range(WORKERS)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=240)
    assert [w.exitcode for w in workers] == [0] * WORKERS

    with sessions() as s:
        entries = list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        events = list(s.scalars(select(CustodyEvent).where(CustodyEvent.evidence_item_id == item_id)
                                .order_by(CustodyEvent.id)))  # fmt: skip
    assert len(entries) == WORKERS * EACH
    assert len({e.prev_hash for e in entries}) == len(entries), "two entries chained to one predecessor"
    assert len({e.username for e in entries}) == WORKERS
    assert len(events) == 1 + WORKERS * EACH and verify_chain(events) is None
    assert main(["--database", db_url, "audit", "verify"]) == 0
    assert f"audit log intact: {WORKERS * EACH} entries" in capsys.readouterr().out
    sessions.kw["bind"].dispose()
