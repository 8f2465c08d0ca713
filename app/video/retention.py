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

from sqlalchemy import Select, Subquery, and_, func, or_, select
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

    The database is asked only for expired segments: first, in one query, the end of each
    camera's oldest live segment; then, for the cameras whose oldest is past their cutoff only,
    the expired segments ``batch`` at a time, each batch in one write transaction. Loading every
    live segment each minute grew with the archive (a month of 16 cameras is about 700,000 rows)
    and in the soak the media service's memory rose with every segment recorded; a write
    transaction per registered camera each minute would take SQLite's write lock 100,000 times a
    minute in a city's registry."""
    oldest = oldest_live_per_camera()
    with sessions() as s:
        cameras = s.execute(
            select(Camera.id, Camera.retention_days, Owner.owner_type, oldest.c.first_end)
            .join(oldest, oldest.c.camera_id == Camera.id)
            .join(Owner, Camera.owner_id == Owner.id)
        ).all()
    deleted: list[int] = []
    for camera_id, own_days, owner_type, first_end in cameras:
        days = own_days
        if private_cap_days is not None and owner_type != OwnerType.PUBLIC_AGENCY:
            days = min(own_days, private_cap_days)
        rule = f"the camera's {days} days" if days == own_days else f"the program's cap of {days} days"
        cutoff = now - timedelta(days=days)
        if first_end is None or first_end >= cutoff:
            continue  # nothing of this camera has expired: no write transaction
        after: Cursor = None  # so that a file that cannot be deleted now does not hold up the rest
        while True:
            found, after, gone = _delete_expired(sessions, root, camera_id, now, cutoff, rule, batch, after)
            deleted += gone
            if found < batch:
                break
    return deleted


Cursor = tuple[datetime, int] | None  # (end, id) of the last segment looked at


def oldest_live_per_camera() -> Subquery:
    """Each camera's oldest end among its items not deleted, read from the live-segment index
    alone. Kind and hold are not in the index, so a camera whose oldest is held or not a
    segment is looked at in vain: one seek that finds nothing."""
    return (
        select(EvidenceItem.camera_id, func.min(EvidenceItem.end_at).label("first_end"))
        .where(EvidenceItem.deleted_at.is_(None))
        .group_by(EvidenceItem.camera_id)
        .subquery()
    )


def expired_segments(camera_id: int, cutoff: datetime, after: Cursor, batch: int) -> Select[EvidenceItem]:
    """Up to ``batch`` of a camera's live segments, oldest end first, that ended before ``cutoff``
    and are not on hold, after ``after``. In the order of the index on live segments' (camera,
    end), so the database reads only the expired ones: neither the camera's unexpired footage
    nor the segments deleted long ago."""
    query = select(EvidenceItem).where(
        EvidenceItem.camera_id == camera_id,
        EvidenceItem.kind == "segment",
        EvidenceItem.deleted_at.is_(None),
        EvidenceItem.legal_hold.is_(False),
        EvidenceItem.end_at < cutoff,
    )
    if after is not None:
        end, item_id = after
        query = query.where(
            or_(EvidenceItem.end_at > end, and_(EvidenceItem.end_at == end, EvidenceItem.id > item_id))
        )
    return query.order_by(EvidenceItem.end_at, EvidenceItem.id).limit(batch)


def _delete_expired(
    sessions: sessionmaker[Session],
    root: Path,
    camera_id: int,
    now: datetime,
    cutoff: datetime,
    rule: str,
    batch: int,
    after: Cursor,
) -> tuple[int, Cursor, list[int]]:
    """One transaction: up to ``batch`` of the camera's segments after ``after`` that ended
    before ``cutoff`` (not on hold) lose their file and get a "deleted" event. Returns how many
    were found, the last one looked at, and the ids deleted."""
    with write_transaction(sessions) as s:
        items = s.scalars(expired_segments(camera_id, cutoff, after, batch)).all()
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
        final = items[-1] if items else None
        cursor = (final.end_at, final.id) if final is not None and final.end_at is not None else after
        return len(items), cursor, [i.id for i in gone]


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
