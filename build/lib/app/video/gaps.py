"""Recording gaps: when a camera that should be recorded is not, from when, until when, and why.

The recording supervisor opens a gap when a camera it was recording stops delivering (the relay
died, the camera refused the connection) and closes it when the camera's next segment starts.
Each camera has at most one open gap. Gaps are what the scrub view explains when it has nothing
to show ("no recording: camera did not answer: connection refused, 19:42:10-19:42:48").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.models.db import write_transaction
from app.models.tables import RecordingGap


@dataclass(frozen=True)
class Gap:
    camera_id: int
    start_at: datetime
    end_at: datetime | None
    reason: str

    def covers(self, when: datetime) -> bool:
        return self.start_at <= when and (self.end_at is None or when < self.end_at)


class GapBook:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        self._open: dict[int, int] = {}  # camera id -> open gap row id

    def open(self, camera_id: int, since: datetime, reason: str) -> None:
        if camera_id in self._open:
            return
        with write_transaction(self.sessions) as s:
            gap = RecordingGap(camera_id=camera_id, start_at=since, end_at=None, reason=reason[:2000])
            s.add(gap)
            s.flush()
            self._open[camera_id] = gap.id

    def close(self, camera_id: int, until: datetime) -> None:
        gap_id = self._open.pop(camera_id, None)
        if gap_id is None:
            return
        with write_transaction(self.sessions) as s:
            gap = s.get(RecordingGap, gap_id)
            if gap is not None:
                gap.end_at = max(until, gap.start_at)

    def close_all(self, until: datetime, note: str) -> None:
        for camera_id in list(self._open):
            gap_id = self._open[camera_id]
            self.close(camera_id, until)
            with write_transaction(self.sessions) as s:
                gap = s.get(RecordingGap, gap_id)
                if gap is not None:
                    gap.reason = f"{gap.reason}; {note}"

    def is_open(self, camera_id: int) -> bool:
        return camera_id in self._open


def load_gaps(
    sessions: sessionmaker[Session], camera_ids: list[int], start: datetime, end: datetime
) -> list[Gap]:
    with sessions() as s:
        rows = s.scalars(
            select(RecordingGap)
            .where(
                RecordingGap.camera_id.in_(camera_ids),
                RecordingGap.start_at < end,
                (RecordingGap.end_at.is_(None)) | (RecordingGap.end_at > start),
            )
            .order_by(RecordingGap.start_at)
        )
        return [Gap(g.camera_id, g.start_at, g.end_at, g.reason) for g in rows]
