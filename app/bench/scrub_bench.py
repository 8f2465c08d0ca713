"""``rtcc bench scrub``: from a seek on the timeline until every tile has the frame of the new time.

A synthetic recorded minute (the simulator's main stream: 1280x720, 15 fps, 2 Mb/s, a keyframe
each second, each frame's offset burned in as the time barcode) is indexed as M one-minute
segments for each of N cameras. As in the scrub view, each tile has its own frame-exact reader
and the requests go to a pool of four workers; a seek is done when all N readers have returned
the frame at the new time, decoded and scaled to a tile of a 1920x1080 grid. Random seeks over
the whole range; every answer's barcode is checked against the time asked for.

With ``offset_seconds``, the same readers then answer for real recordings: the simulator's
cameras recorded by the media service for that long (placed as in service: by each camera's
clock once trusted, by the disciplined clock before and whenever not), optionally with ``busy``
processes keeping cores busy. Every recorded frame is asked for at its playhead time, and the
UTC clock the camera burned into it is compared with the time the playhead shows: the offset
distribution the dispatcher relies on. With ``camera_lag`` K above 1, every camera but the first
delivers one frame in K stamped as if it delivered all (a camera falling behind real time, the
simulator's ``slow`` switch); the first stays honest, as a real recorder has honest neighbours,
and the lagging cameras' offsets are reported on their own, against one of their frames.
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from app.bench.export_bench import synthetic_minute
from app.governance.custody import sha256_file
from app.playback.reader import WARM_SEGMENTS, FrameReader
from app.playback.timeline import OK, CameraTimeline, SegmentRef
from app.video.barcode import decode


def run_scrub_bench(tiles: int = 9, minutes: int = 3, seeks: int = 60, offset_seconds: float = 0.0,
                    busy: int = 0, camera_lag: int = 1) -> dict[str, Any]:  # fmt: skip
    report = _seek_bench(tiles, minutes, seeks)
    if offset_seconds > 0:
        cameras = 3 if camera_lag > 1 else 2
        report["playhead_offset"] = recorded_offsets(
            offset_seconds, cameras=cameras, busy=busy, lag=camera_lag
        )
    return report


def _seek_bench(tiles: int, minutes: int, seeks: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rtcc-bench-scrub-") as tmp:
        base = Path(tmp)
        minute = base / "minute.mkv"
        synthetic_minute(minute, width=1280, height=720, bit_rate=2_000_000)
        digest, size = sha256_file(minute), minute.stat().st_size
        t0 = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes + 1)
        readers = []
        for cam in range(tiles):
            segments = []
            for m in range(minutes):
                path = base / f"cam{cam}-{m}.mkv"
                os.link(minute, path)
                start = t0 + timedelta(minutes=m)
                ref = SegmentRef(m, cam, path, start, start + timedelta(seconds=60 - 1 / 15), digest, size)
                ref.integrity = OK  # hashed once above; the view hashes each segment on first use
                segments.append(ref)
            readers.append(FrameReader(CameraTimeline(cam, segments)))
        columns = next(n for n in range(1, 7) if n * n >= tiles)
        tile = (1920 // columns) // 2 * 2, (1080 // columns) // 2 * 2
        rng = random.Random(5)
        latencies: list[float] = []
        worst_error_ms = 0.0
        with ThreadPoolExecutor(max_workers=4) as pool:
            # The first visit to a segment opens it (and reads its clock): timed apart, once per
            # segment, so that the seek figures are what scrubbing back and forth costs.
            opens: list[float] = []
            for m in range(minutes):
                started = time.perf_counter()
                list(pool.map(lambda r, m=m: r.frame_at(t0 + timedelta(minutes=m, seconds=1), tile), readers))
                opens.append((time.perf_counter() - started) * 1000)
            for _ in range(seeks):
                when = t0 + timedelta(seconds=rng.uniform(0, minutes * 60 - 1))
                started = time.perf_counter()
                results = list(pool.map(lambda r, w=when: r.frame_at(w, tile), readers))
                latencies.append((time.perf_counter() - started) * 1000)
                expected = ((when - t0).total_seconds() % 60) * 1000
                for result in results:
                    shown = decode(result.image) if result.image is not None else None
                    if shown is None:
                        raise AssertionError(f"no readable frame at {when:%H:%M:%S.%f}")
                    worst_error_ms = max(worst_error_ms, expected - shown)
        for reader in readers:
            reader.close()
    ordered = sorted(latencies)
    return {
        "benchmark": "scrub",
        "tiles": tiles,
        "tile_size": list(tile),
        "recorded": "1280x720 H.264, 15 fps, 2 Mb/s, keyframe every second",
        "seeks": seeks,
        "seek_ms_p50": round(statistics.median(latencies), 1),
        "seek_ms_p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "seek_ms_max": round(ordered[-1], 1),
        "frame_shown_before_requested_ms_max": round(worst_error_ms, 1),
        "first_visit_to_a_segment_ms_median": round(statistics.median(opens), 1),
        "segments_kept_open_per_tile": WARM_SEGMENTS,
        "workers": 4,
    }


def _spin(stop: Any) -> None:
    while not stop.is_set():
        pass


def recorded_offsets(
    seconds: float, cameras: int = 2, busy: int = 0, segment_s: float = 5.0, lag: int = 1
) -> dict[str, Any]:
    """Record the simulator's cameras for ``seconds`` and measure, for every recorded frame, the
    burned-in UTC clock minus the playhead time the reader gives it (ms)."""
    import multiprocessing

    from app.models.db import open_database
    from app.playback.timeline import load_timelines
    from app.registry.formats import RawRow
    from app.video.media_service import MediaService
    from app.video.misbehaviour import Misbehaviour
    from app.video.simulator_process import SimulatorProcess

    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=_spin, args=(stop,), daemon=True) for _ in range(busy)]
    for proc in spinners:
        proc.start()
    try:
        lagging = {i: Misbehaviour(slow=lag) for i in range(2, cameras + 1)} if lag > 1 else {}
        with tempfile.TemporaryDirectory(prefix="rtcc-bench-offset-") as tmp, \
                SimulatorProcess(cameras, port=0, misbehaving=lagging) as sim:  # fmt: skip
            svc = MediaService(open_database(f"sqlite:///{Path(tmp) / 'offset.sqlite'}"), port=0).start()
            try:
                svc.registry.import_rows([
                    RawRow(i + 2, {
                        "name": f"OFFSET-{i + 1}", "owner_name": "Bench", "owner_type": "public_agency",
                        "latitude": "34.05", "longitude": "-118.25", "heading_deg": "0", "fov_deg": "90",
                        "range_m": "50", "main_url": sim.url_of(i + 1, "main"),
                        "sub_url": sim.url_of(i + 1, "sub"), "sharing_terms": "live_and_recorded",
                    })
                    for i in range(cameras)
                ])  # fmt: skip
                root = Path(tmp) / "recordings"
                svc.start_recording(root, segment_s=segment_s, check_every_s=0.5)
                time.sleep(seconds)
                svc.stop_recording()
                ids = [c.id for c in svc.registry.list_cameras()]
                far = datetime(1970, 1, 2, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1)
                timelines = load_timelines(svc.sessions, root, ids, *far)
            finally:
                svc.close()
            offsets: list[float] = []
            lagging_offsets: list[float] = []
            unreadable = 0
            first = min(timelines)
            for camera_id, timeline in timelines.items():
                offsets_of, bad = _camera_offsets(FrameReader(timeline))
                (offsets if camera_id == first or not lagging else lagging_offsets).extend(offsets_of)
                unreadable += bad
    finally:
        stop.set()
        for proc in spinners:
            proc.join(5)
    report: dict[str, Any] = {
        "recorded_seconds": seconds,
        "cameras": cameras,
        "busy_processes": busy,
        **_offset_figures(offsets, 1000 / 15),
        "frames_unreadable": unreadable,
    }
    if lagging:
        report["lagging_cameras"] = {"one_frame_in": lag, **_offset_figures(lagging_offsets, 1000 * lag / 15)}
    return report


def _offset_figures(offsets: list[float], frame_ms: float) -> dict[str, Any]:
    ordered = sorted(abs(o) for o in offsets)
    return {
        "frames": len(offsets),
        "offset_ms_median": round(statistics.median(offsets), 1) if offsets else None,
        "abs_offset_ms_p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)
        if offsets
        else None,
        "abs_offset_ms_max": round(ordered[-1], 1) if offsets else None,
        "one_frame_ms": round(frame_ms, 1),
    }


def _camera_offsets(reader: FrameReader) -> tuple[list[float], int]:
    """Each recorded frame, asked for at its own playhead time: burned-in clock minus playhead."""
    offsets: list[float] = []
    unreadable = 0
    try:
        for segment in reader.timeline.segments:
            when: datetime | None = segment.start
            while when is not None and when < segment.end:
                result = reader.frame_at(when)
                if result.image is None or result.frame_time is None:
                    break
                shown = decode(result.image)
                if shown is None:
                    unreadable += 1
                else:
                    burned = datetime.fromtimestamp(shown / 1000, UTC)
                    offsets.append((burned - result.frame_time).total_seconds() * 1000)
                when = reader.adjacent_frame_time(result.frame_time, +1)
    finally:
        reader.close()
    return offsets, unreadable
