"""Retention deletes expired segment files but keeps the record; legal hold protects them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from app.governance.custody import append_event, sha256_file, verify_chain
from app.models.db import open_database
from app.models.tables import CustodyEvent, EvidenceItem
from app.registry.formats import RawRow
from app.registry.service import Registry
from app.video.retention import apply_retention, expired_segments, oldest_live_per_camera, set_legal_hold
from tests.helpers.registry_rows import GOOD

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def segment(registry: Registry, root: Path, name: str, age_days: float) -> int:
    camera = registry.list_cameras()[0]
    path = root / camera.uid / f"{name}.mkv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(name.encode() * 100)
    end = NOW - timedelta(days=age_days)
    with registry._sessions.begin() as s:
        item = EvidenceItem(kind="segment", camera_id=camera.id, path=str(path.relative_to(root)),
                            sha256=sha256_file(path), size_bytes=path.stat().st_size,
                            start_at=end - timedelta(minutes=1), end_at=end)  # fmt: skip
        s.add(item)
        s.flush()
        append_event(s, item, "recorded", at=end)
        return item.id


def test_expired_segments_go_held_and_young_ones_stay(registry: Registry, tmp_path: Path) -> None:
    registry.import_rows([RawRow(2, GOOD | {"retention_days": "30"})])
    root = tmp_path / "recordings"
    old = segment(registry, root, "old", 31)
    held = segment(registry, root, "held", 45)
    young = segment(registry, root, "young", 29)
    assert set_legal_hold(registry._sessions, [held], True, "case 26-001234") == 1
    assert apply_retention(registry._sessions, root, NOW) == [old]
    with registry._sessions() as s:
        items = {i.id: i for i in s.scalars(select(EvidenceItem))}
        assert items[old].deleted_at == NOW and not (root / items[old].path).exists()
        assert (root / items[held].path).exists() and (root / items[young].path).exists()
        for item_id, actions in ((old, ["recorded", "deleted"]), (held, ["recorded", "legal hold placed"])):
            events = list(s.scalars(select(CustodyEvent).where(CustodyEvent.evidence_item_id == item_id)
                                    .order_by(CustodyEvent.id)))  # fmt: skip
            assert [e.action for e in events] == actions and verify_chain(events) is None
    assert apply_retention(registry._sessions, root, NOW) == []  # nothing left to do
    set_legal_hold(registry._sessions, [held], False, "case closed")
    assert apply_retention(registry._sessions, root, NOW) == [held]


def test_a_backlog_goes_in_batches_each_audited_and_a_file_that_cannot_go_stays_listed(
    registry: Registry, tmp_path: Path
) -> None:
    """Retention asks only for expired segments, a batch per transaction: a backlog (a cap just
    lowered, a service that was off) is cleared in one pass, each batch with its own audit
    entry; a file that cannot be deleted keeps its row live and ends the pass without a loop."""
    from app.models.tables import AuditEvent

    registry.import_rows([RawRow(2, GOOD | {"retention_days": "30"})])
    root = tmp_path / "recordings"
    expired = [segment(registry, root, f"old-{i}", 31 + i) for i in range(5)]
    young = segment(registry, root, "young", 29)
    assert apply_retention(registry._sessions, root, NOW, batch=2) == expired[::-1]  # oldest first
    with registry._sessions() as s:
        entries = select(AuditEvent).where(AuditEvent.action == "recordings deleted by retention")
        counts = [e.details.split(" ")[0] for e in s.scalars(entries.order_by(AuditEvent.id))]
        assert counts == ["2", "2", "1"]
        assert s.get(EvidenceItem, young).deleted_at is None
    # A file that cannot be deleted (here a folder stands where it was): the others still go,
    # the younger one after it too.
    stuck = segment(registry, root, "stuck", 41)
    also = segment(registry, root, "also", 40)
    with registry._sessions() as s:
        stuck_path = root / s.get(EvidenceItem, stuck).path  # type: ignore[union-attr]
    stuck_path.unlink()
    (stuck_path / "inside").mkdir(parents=True)
    assert apply_retention(registry._sessions, root, NOW, batch=1) == [also]
    with registry._sessions() as s:
        assert s.get(EvidenceItem, stuck).deleted_at is None  # type: ignore[union-attr]


def test_retention_reads_only_the_expired_live_segments_of_a_camera(tmp_path: Path) -> None:
    """Each minute, for every camera: the query seeks the index of live segments by (camera,
    end) instead of reading every segment the camera ever recorded."""
    sessions = open_database(f"sqlite:///{tmp_path / 'plan.sqlite'}")

    def plan(query: Any) -> list[str]:
        with sessions() as s:
            compiled = query.compile(s.get_bind())
            params = tuple(compiled.construct_params()[name] for name in compiled.positiontup or ())
            return [
                row[3] for row in s.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params)
            ]

    later = (NOW - timedelta(days=40), 12)
    for query in (expired_segments(7, NOW, None, 500), expired_segments(7, NOW, later, 500)):
        detail = plan(query)[0]  # then, at most, ordering ties of end by id
        assert detail.startswith(
            "SEARCH evidence_items USING INDEX ix_evidence_items_live_camera_end (camera_id=?"
        )
        assert "end_at<?" in detail
    # Which cameras have anything to look at: from the index alone, not the table.
    assert plan(select(oldest_live_per_camera())) == [
        "CO-ROUTINE anon_1",
        "SCAN evidence_items USING COVERING INDEX ix_evidence_items_live_camera_end",
        "SCAN anon_1",
    ]


def test_retention_takes_the_write_lock_only_for_cameras_with_expired_footage(
    registry: Registry, tmp_path: Path
) -> None:
    """A city registers 100,000 cameras; a minute's pass must not open a write transaction for
    each of them, only for those whose oldest live segment is past the cutoff."""
    registry.import_rows(
        [RawRow(i + 2, GOOD | {"name": f"Cam {i}", "retention_days": "30"}) for i in range(40)]
    )
    root = tmp_path / "recordings"
    old = segment(registry, root, "old", 31)  # the first camera's
    segment(registry, root, "young", 29)
    writes: list[str] = []
    engine = registry._sessions.kw["bind"]

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith(("UPDATE alembic_version", "INSERT INTO audit")):
            writes.append(statement.split(" ")[0])

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert apply_retention(registry._sessions, root, NOW) == [old]
        assert writes.count("INSERT") == 1  # one camera's batch, audited once
        assert writes.count("UPDATE") <= 1  # SQLite's write lock, taken once (PostgreSQL: not asked)
        writes.clear()
        assert apply_retention(registry._sessions, root, NOW) == []
        assert writes == []  # nothing expired: no write transaction at all
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_hold_needs_a_reason(registry: Registry) -> None:
    with pytest.raises(ValueError, match="needs a reason"):
        set_legal_hold(registry._sessions, [1], True, " ")


def test_the_programs_cap_deletes_private_footage_its_owner_would_keep_longer(
    registry: Registry, tmp_path: Path
) -> None:
    from app.governance.policy import load_policy, parse_value, save_policy
    from app.models.tables import AuditEvent

    registry.import_rows([
        RawRow(2, GOOD | {"retention_days": "90"}),  # a business: private
        RawRow(3, GOOD | {"name": "Public 1", "owner_name": "City DOT", "owner_type": "public_agency",
                          "retention_days": "90"}),
    ])  # fmt: skip
    root = tmp_path / "recordings"
    cameras = {c.name: c for c in registry.list_cameras()}

    def aged(camera_name: str, name: str, days: float) -> int:
        camera = cameras[camera_name]
        item_id = segment(registry, root, name, days)
        with registry._sessions.begin() as s:
            s.get(EvidenceItem, item_id).camera_id = camera.id  # type: ignore[union-attr]
        return item_id

    private_old = aged(GOOD["name"], "private-old", 31)
    private_held = aged(GOOD["name"], "private-held", 40)
    public_old = aged("Public 1", "public-old", 31)
    set_legal_hold(registry._sessions, [private_held], True, "case 26-000777")
    cap = load_policy(registry._sessions).private_retention_cap_days
    assert cap == 30  # the default
    assert apply_retention(registry._sessions, root, NOW, private_cap_days=cap) == [private_old]
    with registry._sessions() as s:
        events = list(s.scalars(select(CustodyEvent).where(CustodyEvent.evidence_item_id == private_old)))
        assert events[-1].reason == "retention: older than the program's cap of 30 days"
        entry = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "recordings deleted by retention")
        ).one()
        assert entry.target_id == str(cameras[GOOD["name"]].id) and entry.details.startswith("1 segment(s), ")
        assert s.get(EvidenceItem, public_old).deleted_at is None  # public: the owner's 90 days
        assert s.get(EvidenceItem, private_held).deleted_at is None  # in a case

    save_policy(registry._sessions, replace_cap(load_policy(registry._sessions), 60), "admin", "cap 60")
    assert load_policy(registry._sessions).private_retention_cap_days == 60
    with pytest.raises(ValueError, match="private_retention_cap_days: 'ninety' is not a whole number"):
        parse_value("private_retention_cap_days", "ninety")


def replace_cap(policy, days: int):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    return replace(policy, private_retention_cap_days=days)
