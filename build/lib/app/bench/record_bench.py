"""``rtcc bench record``: CPU, memory and disk per recorded camera.

The recorder's share of the media service, measured without the simulator (which could not
encode dozens of 1080p streams on this machine): a synthetic 1080p 4 Mb/s minute (a keyframe each
second) is demuxed once, and its packets are fed to N :class:`SegmentRecorder` instances from N
threads, as N relays would, as fast as they go. Everything the recorder does is included:
copying packets into Matroska segments cut at keyframes, hashing each closed segment, indexing
it in SQLite with its custody event. Not included: the RTSP pull itself (the relay's demux).
CPU per recorded stream-second gives cameras per core; the disk rate is what N real-time
cameras would write.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import av

from app.bench.export_bench import synthetic_minute
from app.models.db import open_database
from app.registry.sample_city import division_boundaries, sample_cameras
from app.registry.service import Registry
from app.video.recorder import SegmentRecorder


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run_record_bench(cameras: int = 20, seconds: int = 60) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="rtcc-bench-record-") as tmp:
        base = Path(tmp)
        minute = base / "minute.mkv"
        synthetic_minute(minute, seconds=min(seconds, 60))
        source: Any = av.open(str(minute))
        stream = source.streams.video[0]
        packets = [p for p in source.demux(stream) if p.size]
        fps = len(packets) / min(seconds, 60)
        sessions = open_database(f"sqlite:///{base / 'bench.sqlite'}")
        registry = Registry(sessions)
        registry.import_rows(sample_cameras(cameras), division_boundaries())
        rows = registry.list_cameras()
        root = base / "recordings"
        # Segments of 2 s of wall time: the feed runs some 30 times faster than real time per
        # camera, so this cuts about one segment per recorded minute, as in service.
        recorders = [SegmentRecorder(r.id, r.uid, root, sessions, segment_s=2.0) for r in rows]
        rss_before = _rss_mb()
        cpu_before, wall_before = _cpu_s(), time.perf_counter()
        repeats = max(1, seconds // 60)

        span = packets[-1].pts - packets[0].pts + packets[1].pts - packets[0].pts

        def feed(recorder: SegmentRecorder) -> None:
            for n in range(repeats):
                for packet in packets:
                    # A fresh packet per call, continuing the timeline as a live camera would.
                    copy = av.Packet(bytes(packet))
                    copy.pts = copy.dts = packet.pts + n * span
                    copy.time_base, copy.is_keyframe = packet.time_base, packet.is_keyframe
                    recorder.on_packet(copy, stream)

        threads = [threading.Thread(target=feed, args=(r,)) for r in recorders]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        rss_peak = _rss_mb()
        for r in recorders:
            r.close()
        cpu = _cpu_s() - cpu_before
        wall = time.perf_counter() - wall_before
        written = sum(p.stat().st_size for p in root.rglob("*.mkv"))
        segments = sum(r.segments for r in recorders)
        source.close()
    stream_seconds = cameras * len(packets) * repeats / fps
    per_stream_second = cpu / stream_seconds
    return {
        "benchmark": "record",
        "cameras": cameras,
        "stream": "1920x1080 H.264, 15 fps, 4 Mb/s, keyframe every second",
        "stream_seconds_recorded": round(stream_seconds, 1),
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "segments_indexed": segments,
        "cpu_share_of_a_core_per_camera": round(per_stream_second, 4),
        "cameras_per_core": round(1 / per_stream_second, 1),
        "rss_mb_per_camera": round(max(0.0, rss_peak - rss_before) / cameras, 2),
        "disk_MBps_per_realtime_camera": round(written / stream_seconds / 1e6, 3),
        "disk_MBps_at_cameras_per_core": round(written / stream_seconds / 1e6 / per_stream_second, 1),
    }
