"""What the scrub view reads before it shows anything: the owners' terms and the purpose checked
(and the playback audited) by the use case, then the recordings index of the cameras allowed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.console import use_cases
from app.console.session import Session
from app.governance.purpose import Purpose
from app.models.rows import CameraRow
from app.playback.timeline import CameraTimeline, load_timelines, recording_extent


@dataclass(frozen=True)
class ScrubRecordings:
    timelines: dict[int, CameraTimeline]  # every camera's, empty where refused or not recorded
    refusals: dict[int, str | None]  # why a camera is not shown (None: shown)
    nothing_recorded: str = ""  # when no camera recorded in the window: what is kept, and when

    def summary(self, cameras: list[CameraRow]) -> str:
        recorded = sum(1 for t in self.timelines.values() if t.segments)
        gaps = sum(len(t.gaps) for t in self.timelines.values())
        message = f"{recorded} of {len(cameras)} camera(s) have recordings in this window; {gaps} gap(s)."
        if not recorded:
            message = self.nothing_recorded
        refused = sum(1 for r in self.refusals.values() if r)
        if refused:
            message += f" {refused} camera(s) not shown: the owner's terms or the purpose (see the tiles)."
        return message


def open_for_scrub(session: Session, recordings: Path, cameras: list[CameraRow], start: datetime,
                   end: datetime, purpose: Purpose,
                   allow_until: datetime | None = None) -> ScrubRecordings:  # fmt: skip
    """On a worker: the use case checks the owners' terms and the purpose for the whole window
    (to ``allow_until`` when the window reaches past now: the recording then grows into it,
    :func:`grow`), and audits."""
    allowed_end = max(end, allow_until or end)
    refusals = use_cases.open_recordings(
        session.sessions, session.actor, cameras, start, allowed_end, purpose
    )
    allowed = [c.id for c in cameras if refusals[c.id] is None]
    timelines = load_timelines(session.sessions, recordings, allowed, start, end)
    for camera in cameras:
        timelines.setdefault(camera.id, CameraTimeline(camera.id))
    recorded = any(t.segments for t in timelines.values())
    return ScrubRecordings(
        timelines, refusals, "" if recorded else nothing_recorded(session, cameras, start, end)
    )


def nothing_recorded(session: Session, cameras: list[CameraRow], start: datetime, end: datetime) -> str:
    """Why the window shows nothing: no recording kept at all, or kept ones at other times."""
    extent = recording_extent(session.sessions, [c.id for c in cameras])
    if extent is None:
        return "None of these cameras has any recording kept (not recorded, or deleted by retention)."
    first, last = extent
    if end < first:
        return (
            f"No recordings this early: these cameras' kept recordings start at {first:%Y-%m-%d %H:%M} "
            "UTC (older footage was deleted by retention or never recorded)."
        )
    return (
        f"No recordings of these cameras between {start:%H:%M} and {end:%H:%M} UTC; kept "
        f"recordings run from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} UTC."
    )


def grow(session: Session, recordings: Path, allowed: list[int], start: datetime,
         end: datetime) -> dict[int, CameraTimeline]:  # fmt: skip
    """On a worker: the allowed cameras' recordings up to ``end``, within the window checked
    and audited when the view opened (so reading further into it is not another access)."""
    return load_timelines(session.sessions, recordings, allowed, start, end)
