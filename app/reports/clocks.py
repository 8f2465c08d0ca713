"""Cameras whose clock the recorder did not trust, for the auditor: which footage of a period was
placed by arrival instead of by the camera's own clock, and why (the "recorded" custody event
of each such segment says it; see app.video.clock_watch)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models.tables import Camera, CustodyEvent, EvidenceItem


@dataclass(frozen=True)
class UntrustedClock:
    camera: str
    segments: int  # placed by arrival in the period
    first: datetime
    last: datetime
    why: str  # the latest segment's reason, as its custody event gives it


def untrusted_clocks(
    sessions: sessionmaker[Session], since: datetime, until: datetime
) -> list[UntrustedClock]:
    """Per camera, the segments of [since, until] placed by arrival; most segments first."""
    with sessions() as s:
        rows = s.execute(
            select(Camera.name, EvidenceItem.id, EvidenceItem.start_at, EvidenceItem.end_at)
            .join(Camera, Camera.id == EvidenceItem.camera_id)
            .where(
                EvidenceItem.kind == "segment",
                EvidenceItem.clock_source.like("arrival%"),
                EvidenceItem.start_at < until,
                EvidenceItem.end_at > since,
            )
            .order_by(EvidenceItem.start_at)
        ).all()
        by_camera: dict[str, list[tuple[int, datetime, datetime]]] = {}
        for name, item_id, start, end in rows:
            if start is not None and end is not None:
                by_camera.setdefault(name, []).append((item_id, start, end))
        latest = [items[-1][0] for items in by_camera.values()]
        reasons = dict(
            s.execute(
                select(CustodyEvent.evidence_item_id, CustodyEvent.reason).where(
                    CustodyEvent.evidence_item_id.in_(latest), CustodyEvent.action == "recorded"
                )
            ).all()
        )
    found = [
        UntrustedClock(name, len(items), items[0][1], items[-1][2], _why(reasons.get(items[-1][0], "")))
        for name, items in by_camera.items()
    ]
    return sorted(found, key=lambda c: (-c.segments, c.camera))


def _why(reason: str) -> str:
    """ "segment ... UTC, media service; clock: arrival less measured delay 97 ms; camera clock not
    trusted: its clock is 2 h 0 min ahead of arrival" → what follows the clock's name."""
    clock = reason.partition("clock: ")[2]
    return clock.partition("; ")[2] or clock or "no reason recorded"
