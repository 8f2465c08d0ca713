"""``rtcc bench export``: case export with verify-after-write against a plain copy, same run.

A synthetic 1080p H.264 minute (4 Mb/s, a keyframe a second, like a camera's main stream) is
encoded once and stored as M one-minute segments for each of C cameras, indexed as a recorder
would. A case holds every minute of every camera. Each repeat then times, alternately:

* a plain copy of the same segment files to a fresh folder (``shutil.copyfile`` and fsync);
* the full export: originals copied and hashed while read, stream-copy working copies, custody,
  report, signature, then every file read back from the device after dropping its cached pages.

Before each timing the source files' cached pages are dropped too, so both start from the disk.
Throughput is original bytes per second; the ratio is export over plain copy.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from itertools import pairwise
from pathlib import Path
from typing import Any

import av
import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from app.evidence.cases import CaseStore
from app.evidence.export import ExportOptions, ExportProgress, export_case
from app.governance.custody import append_event
from app.models.db import open_database
from app.models.tables import EvidenceItem
from app.registry.formats import RawRow
from app.registry.sample_city import division_boundaries, sample_cameras
from app.registry.service import Registry


def synthetic_minute(path: Path, seconds: int = 60, fps: int = 15, width: int = 1920, height: int = 1080,
                     bit_rate: int = 4_000_000) -> None:  # fmt: skip
    """An H.264 minute in Matroska (1080p, 4 Mb/s by default): moving gradient and noise, a
    keyframe each second, and the frame's offset in milliseconds as the time barcode."""
    from app.video.barcode import block_geometry, encode_ms

    with av.open(str(path), "w", format="matroska") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.bit_rate = bit_rate
        stream.options = {"preset": "ultrafast", "g": str(fps), "keyint_min": str(fps), "tune": "zerolatency"}
        rng = np.random.default_rng(7)
        x = np.linspace(0, 255, width, dtype=np.float32)
        size, x0, y0 = block_geometry(width, height)
        for i in range(seconds * fps):
            luma = ((x[None, :] + i * 4) % 256).repeat(height, axis=0)
            frame = np.stack([luma, np.roll(luma, i, axis=1), 255 - luma], axis=2).astype(np.uint8)
            frame[::8, ::8] = rng.integers(0, 255, frame[::8, ::8].shape, dtype=np.uint8)
            for k, bit in enumerate(encode_ms(i * 1000 // fps)):
                bx = int(x0 + k * size)
                frame[int(y0) : int(y0 + size), bx : int(bx + size)] = 255 if bit else 0
            video = av.VideoFrame.from_ndarray(frame, format="rgb24")
            video.pts, video.time_base = i, Fraction(1, fps)
            for packet in stream.encode(video):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def _drop(paths: list[Path]) -> None:
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)  # dirty pages cannot be dropped: write them out first
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _plain_copy(files: list[Path], root: Path, dest: Path) -> None:
    for src in files:
        target = dest / src.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, target)
        fd = os.open(target, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def run_export_bench(
    minutes: int, cameras: int, repeat: int = 3, workdir: Path | None = None, segment_seconds: int = 60
) -> dict[str, Any]:
    """``minutes`` segments per camera, each ``segment_seconds`` long (a minute, as recorded)."""
    with tempfile.TemporaryDirectory(prefix="rtcc-bench-export-", dir=workdir) as tmp:
        base = Path(tmp)
        minute = base / "minute.mkv"
        started = time.perf_counter()
        synthetic_minute(minute, seconds=segment_seconds)
        encode_s = time.perf_counter() - started
        digest = hashlib.sha256(minute.read_bytes()).hexdigest()
        size = minute.stat().st_size
        sessions = open_database(f"sqlite:///{base / 'bench.sqlite'}")
        registry = Registry(sessions)
        # Cameras whose owners share recordings: other terms refuse a case window, as they should.
        shared = [
            RawRow(row.line, row.values | {"sharing_terms": "live_and_recorded", "consent_revoked_at": ""})
            for row in sample_cameras(cameras)
        ]
        registry.import_rows(shared, division_boundaries())
        rows = registry.list_cameras()
        root = base / "recordings"
        length = timedelta(seconds=segment_seconds)
        t0 = datetime.now(UTC).replace(microsecond=0) - length * (minutes + 1)
        files: list[Path] = []
        with sessions.begin() as s:
            for cam in rows:
                (root / cam.uid).mkdir(parents=True)
                for m in range(minutes):
                    start = t0 + length * m
                    rel = f"{cam.uid}/{start:%Y%m%dT%H%M%S}.000000Z.mkv"
                    os.link(minute, root / rel)  # same bytes, one file per segment as recorded
                    files.append(root / rel)
                    end = start + length
                    item = EvidenceItem(
                        kind="segment", camera_id=cam.id, path=rel, sha256=digest, size_bytes=size,
                        start_at=start, end_at=end,
                    )  # fmt: skip
                    s.add(item)
                    s.flush()
                    append_event(s, item, "recorded", "benchmark")
        store = CaseStore(sessions)
        case_id = store.create("BENCH-EXPORT")
        for cam in rows:
            store.add_window(case_id, cam.id, t0, t0 + length * minutes)
        # A throw-away key: the benchmark never touches the agency's key in the keyring.
        options = ExportOptions(signing_key=Ed25519PrivateKey.generate())
        original_bytes = size * len(files)
        plain: list[float] = []
        export: list[float] = []
        package_bytes = 0
        phases: list[dict[str, float]] = []
        for n in range(repeat):
            dest = base / f"plain{n}"
            _drop(files)
            t = time.perf_counter()
            _plain_copy(files, root, dest)
            plain.append(time.perf_counter() - t)
            shutil.rmtree(dest)
            target = base / f"usb{n}"
            target.mkdir()
            _drop(files)
            t = time.perf_counter()
            marks: dict[str, float] = {}

            def progress(p: ExportProgress, marks: dict[str, float] = marks) -> None:
                marks.setdefault(p.phase, time.perf_counter())

            result = export_case(sessions, case_id, root, target, options=options, progress=progress)
            export.append(time.perf_counter() - t)
            ordered = [*sorted(marks.items(), key=lambda kv: kv[1]), ("end", time.perf_counter())]
            phases.append({a: b_t - a_t for (a, a_t), (_b, b_t) in pairwise(ordered)})
            assert result.verdict.status == "valid"
            package_bytes = result.bytes
            shutil.rmtree(target)
    plain_mbps = original_bytes / statistics.median(plain) / 1e6
    export_mbps = original_bytes / statistics.median(export) / 1e6
    return {
        "benchmark": "export",
        "cameras": cameras,
        "minutes": minutes,
        "segments": len(files),
        "original_bytes": original_bytes,
        "package_bytes": package_bytes,
        "repeats": repeat,
        "synthetic_minute_encode_s": round(encode_s, 1),
        "plain_copy_s_median": round(statistics.median(plain), 3),
        "export_s_median": round(statistics.median(export), 3),
        "plain_copy_MBps": round(plain_mbps, 1),
        "export_MBps": round(export_mbps, 1),
        "ratio_export_to_plain": round(export_mbps / plain_mbps, 2),
        # The package holds about twice the originals (working copies); per byte written:
        "export_package_MBps": round(package_bytes / statistics.median(export) / 1e6, 1),
        "ratio_package_bytes_to_plain": round(
            package_bytes / statistics.median(export) / 1e6 / plain_mbps, 2
        ),
        "export_phase_s_median": {
            name: round(statistics.median(ph.get(name, 0.0) for ph in phases), 3) for name in phases[-1]
        },
        "plain_copy_s": [round(x, 3) for x in plain],
        "export_s": [round(x, 3) for x in export],
        "note": "export includes hashing while copying, stream-copy working copies of every minute, "
        "custody, report, signature, and a verify that reads every file back after dropping cached pages",
    }
