"""What recordings exist for a set of cameras around a time: segments, gaps, integrity.

Each camera's segments become a row of the scrub view's timeline. Two segments more than
``GAP_TOLERANCE`` apart leave a gap (the camera was unreachable or recording stopped); a segment
whose file is gone (deleted by retention or by hand) or whose bytes no longer match the SHA-256
recorded when it closed is flagged, so the scrub view shows it instead of playing it silently.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.governance.custody import sha256_file
from app.models.tables import EvidenceItem
from app.video.gaps import Gap, load_gaps

GAP_TOLERANCE = timedelta(seconds=2)
# After a camera's last segment, its last frame stays on screen this long.
FRAME_HOLD = timedelta(milliseconds=200)

OK, MISSING, ALTERED, UNCHECKED = "ok", "missing", "altered", "unchecked"


@dataclass
class SegmentRef:
    id: int
    camera_id: int
    path: Path
    start: datetime
    end: datetime
    sha256: str
    size: int
    deleted: bool = False
    integrity: str = UNCHECKED
    clock_source: str = "camera RTCP"  # which clock placed it (app.video.recorder)

    @property
    def placed_by_arrival(self) -> bool:
        """Placed by arrival less the measured delay: the camera's clock was not trusted."""
        return self.clock_source.startswith("arrival")

    def covers(self, when: datetime) -> bool:
        return self.start <= when < self.end


@dataclass
class CameraTimeline:
    camera_id: int
    segments: list[SegmentRef] = field(default_factory=list)
    outages: list[Gap] = field(default_factory=list)  # recorded by the media service, with why

    def take(self, newer: CameraTimeline) -> None:
        """The same camera read again over a longer window: its new segments and outages; the
        segments already known are kept as they are (with their integrity checks), so readers
        and views holding this timeline see the recording grow."""
        known = {s.id: s for s in self.segments}
        self.segments = [known.get(s.id, s) for s in newer.segments]
        self.outages = newer.outages

    def outage_at(self, when: datetime) -> Gap | None:
        return next((g for g in self.outages if g.covers(when)), None)

    @property
    def gaps(self) -> list[tuple[datetime, datetime]]:
        out = []
        for a, b in pairwise(self.segments):
            if b.start - a.end > GAP_TOLERANCE:
                out.append((a.end, b.start))
        return out

    def segment_at(self, when: datetime) -> SegmentRef | None:
        """The segment on screen at ``when``. Consecutive segments leave a frame's worth of time
        between the last packet of one and the first of the next; that belongs to the earlier
        one (its last frame stays up), not to a gap."""
        for i, seg in enumerate(self.segments):
            if when < seg.start:
                return None
            following = self.segments[i + 1].start if i + 1 < len(self.segments) else None
            holds_until = seg.end + FRAME_HOLD
            if following is not None and following - seg.end <= GAP_TOLERANCE:
                holds_until = following
            if when < holds_until:
                return seg
        return None

    def span(self) -> tuple[datetime, datetime] | None:
        if not self.segments:
            return None
        return self.segments[0].start, self.segments[-1].end


def load_timelines(sessions: sessionmaker[Session], root: Path, camera_ids: list[int], start: datetime,
                   end: datetime) -> dict[int, CameraTimeline]:  # fmt: skip
    """Segments of ``camera_ids`` overlapping [start, end], in time order, per camera."""
    timelines = {cid: CameraTimeline(cid) for cid in camera_ids}
    with sessions() as s:
        rows = s.scalars(
            select(EvidenceItem)
            .where(
                EvidenceItem.kind == "segment",
                EvidenceItem.camera_id.in_(camera_ids),
                EvidenceItem.start_at < end,
                EvidenceItem.end_at > start,
            )
            .order_by(EvidenceItem.camera_id, EvidenceItem.start_at)
        )
        for item in rows:
            if item.camera_id is None or item.start_at is None or item.end_at is None:
                continue
            ref = SegmentRef(
                item.id, item.camera_id, root / item.path, item.start_at, item.end_at, item.sha256,
                item.size_bytes, deleted=item.deleted_at is not None, clock_source=item.clock_source,
            )  # fmt: skip
            if ref.deleted:
                ref.integrity = MISSING
            timelines[item.camera_id].segments.append(ref)
    for gap in load_gaps(sessions, camera_ids, start, end):
        timelines[gap.camera_id].outages.append(gap)
    return timelines


def check_integrity(segment: SegmentRef) -> str:
    """Compare the file with what was recorded; sets and returns the segment's integrity."""
    try:
        size = os.stat(segment.path).st_size
    except OSError:
        segment.integrity = MISSING
        return MISSING
    if size != segment.size or sha256_file(segment.path) != segment.sha256:
        segment.integrity = ALTERED
    else:
        segment.integrity = OK
    return segment.integrity


def recording_extent(
    sessions: sessionmaker[Session], camera_ids: list[int]
) -> tuple[datetime, datetime] | None:
    """The earliest start and latest end of the kept recordings of these cameras, if any."""
    from sqlalchemy import func

    with sessions() as s:
        first, last = s.execute(
            select(func.min(EvidenceItem.start_at), func.max(EvidenceItem.end_at)).where(
                EvidenceItem.kind == "segment",
                EvidenceItem.camera_id.in_(camera_ids),
                EvidenceItem.deleted_at.is_(None),
            )
        ).one()
    return (first, last) if first is not None and last is not None else None
