"""Retention: delete recorded segments older than their camera's retention, except on legal hold.

The file goes; the evidence row and its custody chain stay, with a "deleted" event saying why, so
the record shows what existed and when it was removed. Legal hold is set and lifted with a
custody event each (lifting is a supervisor's action once roles arrive, issue #7).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.governance.custody import append_event
from app.models.db import write_transaction
from app.models.tables import Camera, EvidenceItem

log = logging.getLogger(__name__)


def apply_retention(sessions: sessionmaker[Session], root: Path, now: datetime) -> list[int]:
    """Delete expired segment files; returns the ids of the items deleted."""
    deleted: list[int] = []
    with write_transaction(sessions) as s:
        rows = s.execute(
            select(EvidenceItem, Camera.retention_days)
            .join(Camera, EvidenceItem.camera_id == Camera.id)
            .where(
                EvidenceItem.kind == "segment",
                EvidenceItem.deleted_at.is_(None),
                EvidenceItem.legal_hold.is_(False),
            )
        ).all()
        for item, days in rows:
            if item.end_at is None or item.end_at >= now - timedelta(days=days):
                continue
            try:
                (root / item.path).unlink(missing_ok=True)
            except OSError as exc:
                log.warning("retention: cannot delete %s: %s", item.path, exc)
                continue
            item.deleted_at = now
            append_event(s, item, "deleted", f"retention: older than the camera's {days} days", at=now)
            deleted.append(item.id)
    return deleted


def set_legal_hold(sessions: sessionmaker[Session], item_ids: list[int], hold: bool, reason: str) -> int:
    """Place items on legal hold (or lift it); each change is a custody event. Returns how many changed."""
    if not reason.strip():
        raise ValueError("a legal hold change needs a reason (case number, order)")
    changed = 0
    with write_transaction(sessions) as s:
        for item in s.scalars(select(EvidenceItem).where(EvidenceItem.id.in_(item_ids))):
            if item.legal_hold == hold or item.deleted_at is not None:
                continue
            item.legal_hold = hold
            append_event(s, item, "legal hold placed" if hold else "legal hold lifted", reason)
            changed += 1
    return changed


@dataclass(frozen=True)
class Purged:
    camera: str
    start_at: datetime | None
    end_at: datetime | None
    deleted_at: datetime
    reason: str
    sha256: str


def purge_report(sessions: sessionmaker[Session], since: datetime | None = None) -> list[Purged]:
    """What retention deleted, when and why: the evidence rows and their custody outlive the video."""
    from app.models.tables import CustodyEvent

    with sessions() as s:
        stmt = (
            select(EvidenceItem, Camera.name)
            .join(Camera, EvidenceItem.camera_id == Camera.id)
            .where(EvidenceItem.deleted_at.is_not(None))
            .order_by(EvidenceItem.deleted_at)
        )
        if since is not None:
            stmt = stmt.where(EvidenceItem.deleted_at >= since)
        out = []
        for item, name in s.execute(stmt).all():
            reason = s.scalar(
                select(CustodyEvent.reason)
                .where(CustodyEvent.evidence_item_id == item.id, CustodyEvent.action == "deleted")
                .order_by(CustodyEvent.id.desc())
                .limit(1)
            )
            assert item.deleted_at is not None
            out.append(Purged(name, item.start_at, item.end_at, item.deleted_at, reason or "", item.sha256))
        return out
