"""After a crash: index the segments the recorder was writing when it died.

A recorder killed mid-segment leaves a Matroska file that was never closed and never indexed.
When recording starts, every segment file under the recordings folder that the index does not
know is read as far as it is readable, hashed, and indexed with its first custody event
"recorded" saying it was recovered and that whatever came after its last readable frame is
lost. A file with no readable frame is indexed too, as unreadable, so nothing on disk is
silently ignored; only an empty file (opened on a full disk, nothing written) is removed.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.governance.custody import append_event, sha256_file
from app.models.db import write_transaction
from app.models.tables import Camera, EvidenceItem

log = logging.getLogger(__name__)

NAME = re.compile(r"(\d{8}T\d{6}\.\d{6})Z\.mkv\Z")


def readable_span(path: Path) -> float | None:
    """Seconds of video readable from the start of the file, or None if none is."""
    first: int | None = None
    last = 0
    time_base = Fraction(1, 1000)
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            time_base = stream.time_base or time_base
            for packet in container.demux(stream):
                if packet.pts is None:
                    continue
                first = packet.pts if first is None else first
                last = max(last, packet.pts)
    except (av.error.FFmpegError, OSError, IndexError):
        pass  # read what could be read before the unfinished tail
    if first is None:
        return None
    return float((last - first) * time_base)


def recover_unindexed(sessions: sessionmaker[Session], root: Path) -> list[int]:
    """Index every unindexed segment file under ``root``; returns the new evidence item ids."""
    if not root.is_dir():
        return []
    with sessions() as s:
        cameras = {uid: cid for uid, cid in s.execute(select(Camera.uid, Camera.id))}
    recovered: list[int] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        camera_id = cameras.get(folder.name)
        if camera_id is None:
            continue  # another registry's recordings share this folder
        # One camera's index at a time: the whole archive's paths at once (a month of 16 cameras
        # is about 700,000 rows) made every start load them all.
        with sessions() as s:
            known = set(s.scalars(select(EvidenceItem.path).where(
                EvidenceItem.kind == "segment", EvidenceItem.camera_id == camera_id
            )))  # fmt: skip
        for path in sorted(folder.glob("*.mkv")):
            rel = f"{folder.name}/{path.name}"
            match = NAME.match(path.name)
            if rel in known or match is None:
                continue
            if path.stat().st_size == 0:
                # A segment opened on a full disk, no byte written: no footage to keep.
                log.warning("recording: %s is empty (the disk was full); removed, not indexed", rel)
                path.unlink(missing_ok=True)
                continue
            start = datetime.strptime(match.group(1), "%Y%m%dT%H%M%S.%f").replace(tzinfo=UTC)
            span = readable_span(path)
            end = start + timedelta(seconds=span or 0.0)
            if span is None:
                reason = "recovered after the recorder stopped: no readable frame, kept as found"
            else:
                reason = (
                    f"recovered after the recorder stopped unexpectedly: readable to {end:%H:%M:%S} UTC, "
                    "the unfinished tail after it is lost"
                )
            with write_transaction(sessions) as s:
                item = EvidenceItem(
                    kind="segment",
                    camera_id=camera_id,
                    path=rel,
                    sha256=sha256_file(path),
                    size_bytes=path.stat().st_size,
                    start_at=start,
                    end_at=end,
                )
                s.add(item)
                s.flush()
                append_event(s, item, "recorded", reason)
                recovered.append(item.id)
            log.warning("recording: %s %s", rel, reason)
    return recovered
