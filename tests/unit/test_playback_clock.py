"""Mapping recorded frames to the host's clock, and which segment is on screen when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path

from app.playback.clock import SegmentClock
from app.playback.timeline import CameraTimeline, SegmentRef

T0 = datetime(2026, 11, 25, 19, 0, 0, tzinfo=UTC)


def test_frames_of_a_camera_with_true_timestamps_map_one_to_one() -> None:
    clock = SegmentClock(T0, T0 + timedelta(seconds=60), 9000, 9000 + 60_000, Fraction(1, 1000))
    assert clock.scale == 1.0
    assert clock.at(9000 + 30_000) == T0 + timedelta(seconds=30)
    assert clock.pts_of(T0 + timedelta(seconds=12.5)) == 9000 + 12_500


def test_a_stream_whose_frame_rate_sagged_is_stretched_onto_the_host_clock() -> None:
    # 136 frames stamped at 15 fps (9 s of timestamps) arrived over 21 s of wall time.
    clock = SegmentClock(T0, T0 + timedelta(seconds=21), 0, 9000, Fraction(1, 1000))
    assert abs(clock.scale - 21 / 9) < 1e-9
    assert clock.at(4500) == T0 + timedelta(seconds=10.5)
    assert clock.pts_of(T0 + timedelta(seconds=10.5)) == 4500


def seg(i: int, start_s: float, end_s: float) -> SegmentRef:
    return SegmentRef(i, 1, Path(f"s{i}.mkv"), T0 + timedelta(seconds=start_s), T0 + timedelta(seconds=end_s),
                      "0" * 64, 1)  # fmt: skip


def test_the_frame_between_two_segments_is_not_a_gap_but_a_real_outage_is() -> None:
    timeline = CameraTimeline(1, [seg(1, 0, 59.93), seg(2, 60.0, 119.9), seg(3, 140.0, 200.0)])
    assert timeline.segment_at(T0 + timedelta(seconds=59.97)).id == 1  # type: ignore[union-attr]
    assert timeline.segment_at(T0 + timedelta(seconds=60.01)).id == 2  # type: ignore[union-attr]
    assert timeline.segment_at(T0 + timedelta(seconds=130)) is None
    assert timeline.gaps == [(T0 + timedelta(seconds=119.9), T0 + timedelta(seconds=140))]
    assert timeline.segment_at(T0 - timedelta(seconds=1)) is None
    assert timeline.segment_at(T0 + timedelta(seconds=200.1)).id == 3  # type: ignore[union-attr]
    assert timeline.segment_at(T0 + timedelta(seconds=201)) is None
