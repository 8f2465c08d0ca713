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

from app.governance import audit
from app.governance.custody import append_event
from app.models.db import write_transaction
from app.models.enums import OwnerType
from app.models.tables import Camera, EvidenceItem, Owner

log = logging.getLogger(__name__)

RETENTION_ACTION = "recordings deleted by retention"


RETENTION_BATCH = 500  # expired segments deleted per transaction


def apply_retention(
    sessions: sessionmaker[Session],
    root: Path,
    now: datetime,
    private_cap_days: int | None = None,
    batch: int = RETENTION_BATCH,
) -> list[int]:
    """Delete expired segment files; returns the ids of the items deleted. A private camera's
    footage goes after the program's cap (``private_cap_days``) even where its owner's setting
    is longer; footage in a case (on legal hold) stays. Each transaction's deletions of a camera
    are one audit entry, so the public report counts them from the chain.

    The database is asked only for expired segments, camera by camera and ``batch`` at a time:
    loading every live segment each minute grew with the archive (a month of 16 cameras is
    about 700,000 rows), held the write lock while it loaded, and in the soak the media
    service's memory rose with every segment recorded."""
    with sessions() as s:
        cameras = s.execute(
            select(Camera.id, Camera.retention_days, Owner.owner_type).join(
                Owner, Camera.owner_id == Owner.id
            )
        ).all()
    deleted: list[int] = []
    for camera_id, own_days, owner_type in cameras:
        days = own_days
        if private_cap_days is not None and owner_type != OwnerType.PUBLIC_AGENCY:
            days = min(own_days, private_cap_days)
        rule = f"the camera's {days} days" if days == own_days else f"the program's cap of {days} days"
        after = 0  # by id, so a file that cannot be deleted now does not hold up the rest
        cutoff = now - timedelta(days=days)
        while True:
            found, after, gone = _delete_expired(sessions, root, camera_id, now, cutoff, rule, batch, after)
            deleted += gone
            if found < batch:
                break
    return deleted


def _delete_expired(
    sessions: sessionmaker[Session],
    root: Path,
    camera_id: int,
    now: datetime,
    cutoff: datetime,
    rule: str,
    batch: int,
    after: int,
) -> tuple[int, int, list[int]]:
    """One transaction: up to ``batch`` of the camera's segments after id ``after`` that ended
    before ``cutoff`` (not on hold) lose their file and get a "deleted" event. Returns how many
    were found, the last id looked at, and the ids deleted."""
    with write_transaction(sessions) as s:
        items = s.scalars(
            select(EvidenceItem)
            .where(
                EvidenceItem.camera_id == camera_id,
                EvidenceItem.kind == "segment",
                EvidenceItem.deleted_at.is_(None),
                EvidenceItem.legal_hold.is_(False),
                EvidenceItem.end_at < cutoff,
                EvidenceItem.id > after,
            )
            .order_by(EvidenceItem.id)
            .limit(batch)
        ).all()
        gone: list[EvidenceItem] = []
        for item in items:
            try:
                (root / item.path).unlink(missing_ok=True)
            except OSError as exc:
                log.warning("retention: cannot delete %s: %s", item.path, exc)
                continue
            item.deleted_at = now
            append_event(s, item, "deleted", f"retention: older than {rule}", at=now)
            gone.append(item)
        if gone:
            first = min(i.start_at for i in gone if i.start_at is not None)
            last = max(i.end_at for i in gone if i.end_at is not None)
            span = f"{first:%Y-%m-%d %H:%M}-{last:%Y-%m-%d %H:%M} UTC"
            audit.append(s, RETENTION_ACTION, target_type="camera", target_id=camera_id, user="retention",
                         details=f"{len(gone)} segment(s), {span}")  # fmt: skip
        return len(items), items[-1].id if items else after, [i.id for i in gone]


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
