"""``rtcc bench scrub``: from a seek on the timeline until every tile has the frame of the new time.

A synthetic recorded minute (the simulator's main stream: 1280x720, 15 fps, 2 Mb/s, a keyframe
each second, each frame's offset burned in as the time barcode) is indexed as M one-minute
segments for each of N cameras. As in the scrub view, each tile has its own frame-exact reader
and the requests go to a pool of four workers; a seek is done when all N readers have returned
the frame at the new time, decoded and scaled to a tile of a 1920x1080 grid. Random seeks over
the whole range; every answer's barcode is checked against the time asked for.
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
from app.evidence.custody import sha256_file
from app.playback.reader import FrameReader
from app.playback.timeline import OK, CameraTimeline, SegmentRef
from app.video.barcode import decode


def run_scrub_bench(tiles: int = 9, minutes: int = 3, seeks: int = 60) -> dict[str, Any]:
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
            # Open every segment once so that the figures are seeks, not file opens.
            list(pool.map(lambda r: r.frame_at(t0 + timedelta(seconds=1), tile), readers))
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
        "workers": 4,
    }
