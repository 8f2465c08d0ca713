"""From a recorded frame's timestamp to the recording host's UTC clock, and back.

A segment's start and end are the host's UTC clock when its first and last packets arrived. The
stream's own timestamps order the frames in between, but they need not run at wall-clock speed:
a camera (or the simulator on a busy machine) that delivers fewer frames than its nominal rate
still stamps them at the nominal rate. Measured here with the simulator starved of CPU: 136
frames in 21 s of wall time stamped as 9 s, so a frame 20 s into the segment was mapped 11 s too
early. Frame times are therefore interpolated between the first and last packet's arrival in
proportion to the stream's timestamps; a camera whose timestamps are right gets a scale of 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from pathlib import Path

import av


@dataclass(frozen=True)
class SegmentClock:
    start_at: datetime
    end_at: datetime
    first_pts: int
    last_pts: int
    time_base: Fraction

    @property
    def scale(self) -> float:
        """Wall seconds per stream second across the segment."""
        stream_s = float((self.last_pts - self.first_pts) * self.time_base)
        wall_s = (self.end_at - self.start_at).total_seconds()
        if stream_s < 0.5 or wall_s <= 0:
            return 1.0
        return wall_s / stream_s

    def at(self, pts: int) -> datetime:
        return self.start_at + timedelta(seconds=float((pts - self.first_pts) * self.time_base) * self.scale)

    def pts_of(self, when: datetime) -> int:
        offset = (when - self.start_at).total_seconds() / self.scale
        return self.first_pts + int(offset / self.time_base)


def read_clock(path: Path, start_at: datetime, end_at: datetime) -> SegmentClock:
    """Demux (no decoding) the segment's video packets for its first and last timestamps."""
    first: int | None = None
    last = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        time_base = stream.time_base or Fraction(1, 1000)
        for packet in container.demux(stream):
            if packet.pts is None:
                continue
            if first is None:
                first = packet.pts
            last = max(last, packet.pts)
    if first is None:
        first = last = 0
    return SegmentClock(start_at, end_at, first, max(first, last), time_base)
